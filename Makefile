# statusarchive: `make demo` runs the main job offline, `make test` runs every test.
GO        ?= go
BIN       ?= bin/statusarchive
FUZZTIME  ?= 10s
PKGS      := ./...

.PHONY: build test vet fmt-check chromium unit fuzz demo report-demo bench clean

build:
	$(GO) build -o $(BIN) ./cmd/statusarchive

test: vet fmt-check chromium unit fuzz

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# The crash tests kill child processes (test binaries) at random points, 50
# trials each; under -race every child is ten times slower and the detector
# sees nothing a single-goroutine child could race on, so they run once
# without it, every other test with it.
CRASH_TESTS := TestCrashDurability|TestCompactKilled|TestRandomByteFlips|TestKilledMidScrape

unit:
	$(GO) test -race -count=1 -timeout 20m -skip '^($(CRASH_TESTS))$$' $(PKGS)
	$(GO) test -count=1 -timeout 10m -run '^($(CRASH_TESTS))$$' ./archive ./cmd/statusarchive

# Each parser's fuzz target runs briefly; crashers land in testdata/fuzz and
# replay in every `go test` afterwards.
fuzz:
	@for target in $$($(GO) test -list '^Fuzz' ./parser | grep '^Fuzz'); do \
		echo "fuzz $$target ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s ./parser || exit 1; \
	done

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

clean:
	rm -rf bin out
