# statusarchive: `make demo` runs the main job offline, `make test` runs every test.
GO        ?= go
BIN       ?= bin/statusarchive
FUZZTIME  ?= 10s
PKGS      := ./...

.PHONY: build test vet fmt-check unit fuzz demo bench clean

build:
	$(GO) build -o $(BIN) ./cmd/statusarchive

test: vet fmt-check unit fuzz

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

# Each parser's fuzz target runs briefly; crashers land in testdata/fuzz and
# replay in every `go test` afterwards.
fuzz:
	@for target in $$($(GO) test -list '^Fuzz' ./parser | grep '^Fuzz'); do \
		echo "fuzz $$target ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s ./parser || exit 1; \
	done

demo: build
	./$(BIN) demo

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

clean:
	rm -rf bin out
