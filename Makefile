# The two set-up commands: `make run` and `make test`. Each creates .venv when it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint fuzz clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	# Recorded ADS-B samples for the tests: only the package's data files are read, never its
	# code, so its (heavy) dependencies are not installed.
	$(BIN)/python -m pip install --quiet --no-deps 'traffic==2.13'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/inkless run examples/april-2024.yaml --out out/april-2024

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# Thousands of mutated scenarios (tests/fuzz/fuzzer.py): prints the counts of tracebacks, hangs
# and run crashes after validation; fails if any is nonzero. FUZZ_ARGS="--validations N --runs M".
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz/fuzzer.py $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
