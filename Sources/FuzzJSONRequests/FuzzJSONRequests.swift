import Foundation
import Portal

/// libFuzzer target for the HTTP request parser and the request helpers (`make fuzz`). Built
/// with `-sanitize=fuzzer -D FUZZING`, it runs libFuzzer's driver on the check below; in an
/// ordinary build the same program replays the inputs named on its command line, so a crash
/// reproducer can be run under a debugger without the fuzzing toolchain.
/// The work per input is `RequestBodyFuzzing.check`, which the regression tests run too.
#if FUZZING
/// libFuzzer's driver (its `main` is not used: SwiftPM names this program's entry point).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@main
struct FuzzJSONRequestsDriver {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
            let problems = RequestBodyFuzzing.check(input)
            if !problems.isEmpty { fatalError("broken invariant: \(problems.joined(separator: "; "))") }
            return 0
        })
    }
}
#else
@main
struct FuzzJSONRequestsReplay {
    static func main() {
        var failed = false
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot read"); failed = true; continue
            }
            let problems = RequestBodyFuzzing.check(Array(data))
            print("\(path): \(problems.isEmpty ? "ok" : problems.joined(separator: "; "))")
            failed = failed || !problems.isEmpty
        }
        if failed { exit(1) }
    }
}
#endif
