# The commands a person runs. `make demo` and `make test` are all a fresh machine needs
# (after the install steps in README.md).

CARGO ?= cargo
ARCHCHECK = target/debug/archcheck
MODELS = $(wildcard models/*.json)

.PHONY: build demo test lint diagrams bench fuzz clean

build:
	$(CARGO) build --locked

## demo: validate the C2 model, render its diagrams and docs, print the expected `cf services`,
## then verify the model live against a simulated Cloud Controller replaying the incident.
demo: build
	./scripts/demo.sh

## test: formatting, lints, every test, and freshness of the committed generated files.
test: lint
	$(CARGO) test --locked
	$(MAKE) --no-print-directory check-fresh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

check-fresh: build
	@for m in $(MODELS); do $(ARCHCHECK) check $$m --fresh diagrams/$$(basename $$m .json) || exit 3; done
	@$(ARCHCHECK) schema | diff -u schema/model-v1.schema.json - || { echo "schema/model-v1.schema.json is stale: run make diagrams"; exit 3; }

## diagrams: regenerate diagrams/ and the schema from models/.
diagrams: build
	@for m in $(MODELS); do $(ARCHCHECK) docs $$m -o diagrams/$$(basename $$m .json) || exit 3; done
	$(ARCHCHECK) schema > schema/model-v1.schema.json

## bench: the measurements recorded in BENCHMARKS.md.
bench:
	./scripts/bench.sh

## fuzz: each cargo-fuzz target for FUZZ_SECONDS (default 60), on stable; see fuzz/README.md.
## Not part of `make test`. Installs cargo-fuzz when missing.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz.sh

clean:
	$(CARGO) clean
