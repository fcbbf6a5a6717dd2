# statusarchive: `make demo` runs the main job offline, `make test` runs every test.
GO        ?= go
BIN       ?= bin/statusarchive
FUZZTIME  ?= 10s
PKGS      := ./...

.PHONY: build test vet fmt-check chromium unit fuzz fuzz-long demo report-demo bench clean vulncheck

build:
	$(GO) build -o $(BIN) ./cmd/statusarchive

# `unit` replays every fuzz corpus (testdata/fuzz and the f.Add seeds) as
# ordinary tests; timed fuzzing is `make fuzz`, which CI does not run.
test: vet fmt-check chromium unit

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# The crash tests kill child processes (test binaries) at random points, 50
# trials each; under -race every child is ten times slower and the detector
# sees nothing a single-goroutine child could race on, so they run once
# without it, every other test with it. So does the archive's one-year
# simulation (single goroutine; 8 s plain, 100 s under -race) and the
# daemon's 10,000-tick soak (one tick at a time; about 60 s plain), and the
# GitHub-sized backfill tests (3,000 incidents over loopback; 4 s plain).
CRASH_TESTS := TestCrashDurability|TestCompactKilled|TestRandomByteFlips|TestKilledMidScrape|TestYearSimulation|TestDaemonSoak|TestBackfillGitHubSized|TestBackfillGitHubSizedHourly

unit:
	$(GO) test -race -count=1 -timeout 20m -skip '^($(CRASH_TESTS))$$' $(PKGS)
	$(GO) test -count=1 -timeout 10m -run '^($(CRASH_TESTS))$$' ./archive ./cmd/statusarchive

# Every fuzz target of every package runs for FUZZTIME (fuzz-long: 30 s,
# RELIABILITY.md test 23); crashers land in testdata/fuzz and replay in every
# `go test` afterwards. Neither runs in CI: wall-clock fuzzing on a loaded
# machine is not a pass/fail signal. Go 1.26's coordinator can end a run
# with a bare "context deadline exceeded" (golang/go#75804): that counts as
# a failure only when it left a new crasher in testdata/fuzz.
fuzz:
	@for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
		dir=$$(dirname $$f); \
		for target in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | cut -c6-); do \
			echo "fuzz $$dir $$target ($(FUZZTIME))"; \
			out=$$($(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s $$dir 2>&1) && continue; \
			echo "$$out" | tail -20; \
			if echo "$$out" | grep -q 'context deadline exceeded' && [ -z "$$(git status --porcelain -- $$dir/testdata/fuzz)" ]; then \
				echo "note: $$target: golang/go#75804 (no crasher written), not a failure"; continue; fi; \
			exit 1; \
		done; \
	done

fuzz-long: FUZZTIME = 30s
fuzz-long: fuzz

# govulncheck over ./... (RELIABILITY.md test 24); not part of `make test`.
# Fails on findings; without any reachable vulnerability database it says
# so and exits 0. See .ci/vulncheck for where the database comes from.
vulncheck:
	GO=$(GO) .ci/vulncheck

demo: build
	./$(BIN) demo

# The HTML report's browser test needs Chromium: install Debian's package
# when it is missing and we may. Failing here never fails `make test`: the
# test then skips and says why.
CHROMIUM_FIND := command -v chromium || command -v chromium-browser || command -v google-chrome

chromium:
	@{ $(CHROMIUM_FIND); } >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			(apt-get update && apt-get install -y chromium) >/dev/null 2>&1 || \
				echo "note: could not install chromium; the HTML report's browser test will skip"; \
		else \
			echo "note: chromium is not installed and this is not root with apt-get; the HTML report's browser test will skip"; \
		fi; }

# The HTML report of the demo archive, and a screenshot of it in headless
# Chromium.
report-demo: build chromium
	./$(BIN) demo --dir out/demo --log-level warn
	./$(BIN) report --db out/demo/archive.db --html out/demo/report.html
	@browser="$$($(CHROMIUM_FIND))" || { echo "chromium is needed for the screenshot: apt-get install chromium"; exit 1; }; \
	profile="$$(mktemp -d)"; \
	"$$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$$profile" --hide-scrollbars --window-size=1400,2800 \
		--screenshot="$(CURDIR)/out/demo/report.png" "file://$(CURDIR)/out/demo/report.html" 2>/dev/null; \
	status=$$?; rm -rf "$$profile"; [ $$status = 0 ] || exit $$status
	@echo "report:     out/demo/report.html"
	@echo "screenshot: out/demo/report.png"

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# The daemon against LOADTEST_SOURCES loopback sources for LOADTEST_FOR
# (docs/benchmarks.md): CPU%, peak RSS, runs done and skipped, growth.
LOADTEST_SOURCES ?= 1000
LOADTEST_FOR     ?= 3m
LOADTEST_EVERY   ?= @every 1m
loadtest:
	LOADTEST_SOURCES=$(LOADTEST_SOURCES) LOADTEST_FOR=$(LOADTEST_FOR) LOADTEST_EVERY='$(LOADTEST_EVERY)' \
		$(GO) test -run '^$$' -bench '^BenchmarkDaemonLoad$$' -benchtime 1x -timeout 2h ./cmd/statusarchive

# 100 loopback Statuspage sites, four cycles (then 40 quiet and 8 changed
# ones for means), statusarchive against
# urlwatch (Debian's package, installed when missing and we are root).
loadtest-urlwatch:
	@command -v urlwatch >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update >/dev/null && apt-get install -y urlwatch >/dev/null; } || \
		{ echo "urlwatch is needed: apt-get install urlwatch"; exit 1; }
	URLWATCH_COMPARE=1 $(GO) test -run '^$$' -bench '^BenchmarkVsUrlwatch$$' -benchtime 1x -timeout 30m ./cmd/statusarchive

clean:
	rm -rf bin out
