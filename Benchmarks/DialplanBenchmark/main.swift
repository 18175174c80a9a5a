// Compiles a large synthetic tenant — 2,000 extensions, 5,000 rules, 200 intervals, 100
// groups, 500 public numbers, 40 queues with 10 agents each, 30 IVRs of 4 contexts, 20 call
// flows — and prints how long the CallPlan lowering and the Asterisk
// emitters take. Run: swift run -c release dialplan-bench [rounds]
import Dialplan
import Foundation
import LargeTenant
import Telephony

let rounds = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 20

let snapshot = LargeTenant.snapshot()

var planTimes: [Double] = []
var totalTimes: [Double] = []
var bytes = 0
for _ in 0..<rounds {
    let start = ContinuousClock.now
    let plan = DialplanCompiler.plan(snapshot)
    let planned = ContinuousClock.now
    let bundle = DialplanCompiler.compile(plan, revision: 1, options: CompileOptions())
    let end = ContinuousClock.now
    planTimes.append((planned - start) / .milliseconds(1))
    totalTimes.append((end - start) / .milliseconds(1))
    bytes = bundle.files.values.reduce(0) { $0 + $1.count }
}
let validateStart = ContinuousClock.now
let findings = Validator(snapshot).findings().count
let validateMs = (ContinuousClock.now - validateStart) / .milliseconds(1)
func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
// Simulated calls through queues, IVR menus and call flows (the first 100 numbers) and
// through extensions (the rest), with keys pressed and agents answering.
let plan = DialplanCompiler.plan(snapshot)
let simulator = Simulator(plan: plan)
let at = Date(timeIntervalSince1970: 1_795_600_000)
let calls = 10_000
let simulateStart = ContinuousClock.now
var answered = 0
for c in 0..<calls {
    let number = snapshot.publicNumbers[c % 500].number
    let scenario = Scenario(to: number, from: "+3460000\(String(format: "%04d", c % 10_000))", at: at,
                            devices: [String(1000 + (c * 7) % 2000): .answers], presses: [["1"], ["2", "1"], ["3"], [], ["9", "0"]][c % 5],
                            agents: [String(1000 + c % 400): .loggedIn])
    if simulator.run(scenario).outcome.kind == "answered" { answered += 1 }
}
let simulateMs = (ContinuousClock.now - simulateStart) / .milliseconds(1)
print("tenant: \(snapshot.extensions.filter { $0.kind == .phone }.count) extensions, \(snapshot.extensions.map(\.rules.count).reduce(0, +)) rules, "
      + "\(snapshot.intervals.count) intervals, \(snapshot.groups.count) groups, \(snapshot.publicNumbers.count) numbers, "
      + "\(snapshot.queues.count) queues (\(snapshot.queues.map(\.agents.count).reduce(0, +)) agents), \(snapshot.ivrs.count) IVRs "
      + "(\(snapshot.ivrs.map(\.contexts.count).reduce(0, +)) contexts), \(snapshot.callFlows.count) call flows")
print(String(format: "compile (snapshot → CallPlan → files), median of %d: %.1f ms (lowering %.1f ms), max %.1f ms; %.1f MB of configuration",
             rounds, median(totalTimes), median(planTimes), totalTimes.max() ?? 0, Double(bytes) / 1_048_576))
print(String(format: "validate: %.1f ms (%d findings)", validateMs, findings))
print(String(format: "simulate: %d calls in %.0f ms, %.1f µs per call (%d answered)", calls, simulateMs, simulateMs * 1000 / Double(calls), answered))
