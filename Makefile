# Chronicle — the two commands a newcomer needs are `make run` and `make test`.
# Both install the development packages of LMDB and jemalloc when missing (apt-get, with sudo only
# when not root).

SWIFT       ?= swift
DATA        ?= ./data
BUILD_FLAGS ?=
TSAN_FLAGS  := -Xswiftc -DCHRONICLE_TSAN
SUDO        := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && echo sudo)

.PHONY: all deps build release test test-release test-loadgen asan tsan crash hostile duckdb-check run format bench bench-log fuzz clean

all: build

## deps: install liblmdb-dev (the log's storage) and libjemalloc-dev (the allocator every Chronicle
## program links) when missing
deps:
	@missing=""; \
	if ! dpkg -s liblmdb-dev >/dev/null 2>&1 && [ ! -f /usr/include/lmdb.h ]; then missing="$$missing liblmdb-dev"; fi; \
	if ! dpkg -s libjemalloc-dev >/dev/null 2>&1 && [ ! -f /usr/include/jemalloc/jemalloc.h ]; then missing="$$missing libjemalloc-dev"; fi; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing…"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y $$missing; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

## test: the whole suite (unit, storage on real LMDB, end-to-end), then test-release. Serial: several
## suites spawn real server and CLI processes, and Foundation's Process on Linux is not safe to drive
## from many test threads at once (a libdispatch crash was seen with parallel suites).
test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build --no-parallel $(BUILD_FLAGS)
	@$(MAKE) --no-print-directory test-release

## test-release: the release server, which `make run` and the benchmarks use and the debug suite does
## not: its object files checked for a miscompilation that once made it store personal data in
## plain text (scripts/check-outlined-objects.sh), then the end-to-end suite run against it
test-release: deps
	$(SWIFT) build -c release --product chronicle $(BUILD_FLAGS)
	scripts/test-check-outlined-objects.sh
	scripts/check-outlined-objects.sh "$$($(SWIFT) build -c release --show-bin-path $(BUILD_FLAGS))"
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	CHRONICLE_BINARY="$$($(SWIFT) build -c release --show-bin-path $(BUILD_FLAGS))/chronicle" \
		$(SWIFT) test --skip-build --no-parallel --filter EndToEndTests $(BUILD_FLAGS)

## test-loadgen: the load generator's own tests (its request lines: ids unique, of the demo company's
## length), in its nested package
test-loadgen:
	$(SWIFT) test --package-path Benchmarks/LoadGenerator

## asan: the whole suite under AddressSanitizer (its own build directory, .build-asan): the unsafe
## pointers, unowned references and unretained objects of the write path, checked for use after free
## and out-of-bounds access. Leaks are not reported: XCTest's runner leaves objects behind at exit,
## and every program of the suite would fail on them.
asan: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan $(BUILD_FLAGS)
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --skip-build --no-parallel --sanitize=address --scratch-path .build-asan $(BUILD_FLAGS)

## tsan: the whole suite under ThreadSanitizer (its own build directory, .build-tsan), the servers and
## CLI programs it starts included. Built with -DCHRONICLE_TSAN, so that every `Lock` tells the
## sanitizer what it orders (it cannot see Synchronization.Mutex's futex on Linux). Every process
## writes its reports to .build-tsan/reports; any report fails the target.
tsan: deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan $(TSAN_FLAGS) $(BUILD_FLAGS)
	rm -rf .build-tsan/reports && mkdir -p .build-tsan/reports
	@TSAN_OPTIONS="log_path='$(CURDIR)/.build-tsan/reports/tsan'" \
		$(SWIFT) test --skip-build --no-parallel --sanitize=thread --scratch-path .build-tsan $(TSAN_FLAGS) $(BUILD_FLAGS); \
	status=$$?; \
	if grep -l 'SUMMARY: ThreadSanitizer' .build-tsan/reports/* >/dev/null 2>&1; then \
		echo "ThreadSanitizer reported:"; grep -h 'SUMMARY: ThreadSanitizer' .build-tsan/reports/*; \
		echo "(the reports: .build-tsan/reports)"; exit 1; \
	fi; \
	if [ $$status -ne 0 ]; then exit $$status; fi; \
	echo "ThreadSanitizer: no report"

## crash: the crash campaign: SIGKILL a loaded server KILLS times, checking after every restart that no
## acknowledged command is lost or duplicated, that verify passes and that the views equal a rebuild
KILLS ?= 50
crash: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	CHRONICLE_CRASH_KILLS=$(KILLS) $(SWIFT) test --skip-build --no-parallel --filter CrashCampaign $(BUILD_FLAGS)

## run: build release and serve the demo company from ./data
run: release
	$(SWIFT) run -c release chronicle serve --data $(DATA) --demo

format:
	swift-format format --in-place --recursive Sources Tests Projections Fixtures

## bench: the benchmark package (nested, so the root build stays lean): ordo-one/benchmark suites
bench: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark

## bench-log: the event log at a large population (EVENTS=10000000 for the README's figures;
## IN_FLIGHT=2 keeps two appends in flight, each still its own commit)
EVENTS ?= 1000000
IN_FLIGHT ?= 1
bench-log: deps
	cd Benchmarks && $(SWIFT) run -c release LogBench --events $(EVENTS) --in-flight $(IN_FLIGHT)

clean:
	rm -rf .build .build-asan .build-tsan Benchmarks/.build

## fuzz: libFuzzer targets (request decoder, command payloads and deciders, binary records), FUZZ_SECONDS
## each, or until FUZZ_RUNS executions (`make fuzz FUZZ_RUNS=10000000 FUZZ_SECONDS=7200` is the README's run)
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?=
FUZZ_TARGETS := request command record
fuzz: deps
	cd Tests/Fuzz && $(SWIFT) build -c release -Xswiftc -sanitize=fuzzer,address
	@for t in $(FUZZ_TARGETS); do \
		T=$$(echo $$t | sed 's/./\U&/'); mkdir -p Tests/Fuzz/.work/$$t; \
		echo "== Fuzz$$T for $(FUZZ_SECONDS)s"; \
		Tests/Fuzz/.build/release/Fuzz$$T Tests/Fuzz/.work/$$t Tests/Fuzz/Corpus/$$t \
			-max_total_time=$(FUZZ_SECONDS) $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS)) -rss_limit_mb=2048 -max_len=4096 -timeout=10 \
			-artifact_prefix=Tests/Fuzz/.work/$$t- > Tests/Fuzz/.work/$$t.log 2>&1; status=$$?; \
		grep -E "^#[0-9]+ +DONE|^Done|ERROR|SUMMARY" Tests/Fuzz/.work/$$t.log; \
		if [ $$status -ne 0 ]; then echo "Fuzz$$T failed (exit $$status): see Tests/Fuzz/.work/$$t.log"; exit 1; fi; \
	done

## hostile: the hostile-client suite against the release server, with the issue's bound on a
## well-behaved client's p99 (10 ms); FLOOD pipelined pings in its flood case
FLOOD ?= 100000
hostile: deps
	$(SWIFT) build -c release --product chronicle $(BUILD_FLAGS)
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	CHRONICLE_BINARY="$(CURDIR)/.build/release/chronicle" CHRONICLE_HOSTILE_P99_MS=10 CHRONICLE_HOSTILE_FLOOD=$(FLOOD) \
		$(SWIFT) test --skip-build --filter HostileClientTests $(BUILD_FLAGS)

## duckdb-check: the README's DuckDB funnel query on a demo export against the salesFunnel view
## (AnalystTests, with DuckDB from PyPI required)
duckdb-check: deps
	PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet duckdb
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	CHRONICLE_REQUIRE_DUCKDB=1 $(SWIFT) test --skip-build --filter AnalystTests $(BUILD_FLAGS)
