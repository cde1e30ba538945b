# The commands a person runs. `make demo` and `make test` are all a fresh machine needs
# (after the install steps in README.md).

CARGO ?= cargo
ARCHCHECK = target/debug/archcheck
MODELS = $(wildcard models/*.json)

.PHONY: build demo test lint doc fuzz-build diagrams bench fuzz clean

build:
	$(CARGO) build --locked

## demo: validate the C2 model, render its diagrams and docs, print the expected `cf services`,
## then verify the model live against a simulated Cloud Controller replaying the incident.
demo: build
	./scripts/demo.sh

## test: formatting, lints, API docs, every test, freshness of the committed generated files,
## and the fuzz targets still build.
test: lint doc
	$(CARGO) test --locked
	$(MAKE) --no-print-directory check-fresh
	$(MAKE) --no-print-directory fuzz-build

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

## doc: the code's documentation, private items included (module maps link them), with every
## rustdoc warning (a broken link) an error.
doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --no-deps --document-private-items

## fuzz-build: build every cargo-fuzz target (plain cargo, no sanitizer), so an API change that
## breaks one fails here rather than in the next `make fuzz`.
fuzz-build:
	CARGO_TARGET_DIR=fuzz/target $(CARGO) build --locked --manifest-path fuzz/Cargo.toml --bins

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
