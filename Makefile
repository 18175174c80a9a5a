# Centralita — the two commands a new user needs:
#   make run    install what is missing, build, start a private PostgreSQL (unless DATABASE_URL
#               is set), migrate, and serve on http://127.0.0.1:8080
#   make test   the same set-up, then every test suite
#   make fuzz   the libFuzzer targets for FUZZ_SECONDS (default 120) each (scripts/fuzz.sh)
SWIFT ?= swift

.PHONY: run test deps build build-tests bench fuzz db-start db-stop clean

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build -c release --static-swift-stdlib --product centralita
	$(SWIFT) build -c release --static-swift-stdlib --product centralita-media-agent

run: build
	@scripts/run.sh

test:
	@scripts/ensure-deps.sh --test
	@scripts/test.sh

fuzz:
	@scripts/ensure-deps.sh
	@scripts/fuzz.sh

bench:
	@scripts/ensure-deps.sh --bench
	@Benchmarks/run.sh

db-start: deps
	@scripts/private-db.sh start

db-stop:
	@scripts/private-db.sh stop

clean:
	rm -rf .build .build-*
