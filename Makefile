# The two set-up commands: `make run` and `make test`. Each creates .venv when it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint test-tools web goldens fuzz clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	# Recorded ADS-B samples for the tests: only the package's data files are read, never its
	# code, so its (heavy) dependencies are not installed.
	$(BIN)/python -m pip install --quiet --no-deps 'traffic==2.13'
	touch $(STAMP)

# The web map's libraries and basemap (leaflet, topojson-client, world-atlas, milsymbol; pinned in
# web/package-lock.json): installed from npm once (later runs use npm's cache), copied into the
# package with the track symbols pre-drawn (web/vendor.mjs). The run report inlines them and the
# service serves them; nothing is downloaded at run time or when a page opens.
WEB_VENDOR := src/inkless/web/static/vendor
WEB_STAMP := $(WEB_VENDOR)/.installed
$(WEB_STAMP): web/package.json web/package-lock.json web/vendor.mjs
	cd web && npm ci --no-audit --no-fund --prefer-offline
	node web/vendor.mjs $(WEB_VENDOR)
	touch $(WEB_STAMP)

web: $(WEB_STAMP)

run: $(STAMP) $(WEB_STAMP)
	$(BIN)/inkless run examples/april-2024.yaml --out out/april-2024

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint test-tools $(WEB_STAMP)
	$(BIN)/pytest -n 4

# What the tests need besides .venv: taky (a TAK server, MIT) in its own virtualenv, Wireshark's
# ASTERIX dissector (Debian tshark, installed without the setuid question) and Debian's chromium
# (the browser tests drive it through playwright's executable_path; never `playwright install`).
TAKY_VENV := .venv-taky
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(TAKY_VENV)/bin/taky:
	$(PY) -m venv $(TAKY_VENV)
	$(TAKY_VENV)/bin/python -m pip install --quiet 'taky==0.10'

test-tools: $(TAKY_VENV)/bin/taky
	command -v tshark >/dev/null || { \
	  echo 'wireshark-common wireshark-common/install-setuid boolean false' | $(SUDO) debconf-set-selections; \
	  $(SUDO) apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark; }
	command -v chromium >/dev/null || { \
	  $(SUDO) apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

bench: $(STAMP) $(WEB_STAMP)
	$(BIN)/python benchmarks/run_all.py

# Re-record the examples' golden results (tests/golden/): only when figures are meant to move.
goldens: $(STAMP)
	$(BIN)/python tests/golden/record.py

# Thousands of mutated scenarios (tests/fuzz/fuzzer.py): prints the counts of tracebacks, hangs
# and run crashes after validation; fails if any is nonzero. FUZZ_ARGS="--validations N --runs M".
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz/fuzzer.py $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) $(TAKY_VENV) web/node_modules $(WEB_VENDOR) out .pytest_cache .mypy_cache .ruff_cache
