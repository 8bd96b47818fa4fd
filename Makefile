# regulink — every target sets up what it needs on a fresh machine (Python 3.11, pip, node/npm).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BUF    := node_modules/.bin/buf

.PHONY: demo test bench lint proto soak clean help cli-docs

help:
	@echo "make demo   - start a gateway, three agencies push signed records, verify receipts and proofs"
	@echo "make test   - set up and run the test suite (unit, e2e on real mTLS, proto lint)"
	@echo "make bench  - benchmarks in tests/perf (not part of the test run)"
	@echo "make lint   - buf lint of proto/"
	@echo "make proto  - regenerate the Python code of proto/regulink/v1"
	@echo "make cli-docs - regenerate docs/cli.md from the CLI's help"
	@echo "make soak   - 10 kill -9 trials in the middle of a 10,000-record stream, and a PostgreSQL failover in one"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(BUF): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.installed
	$(PY) -m gateway.cli.demo demo-data

test: $(VENV)/.installed $(BUF)
	$(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) -m tests.perf.run

lint: $(BUF)
	$(BUF) lint

proto: $(VENV)/.installed
	$(PY) proto/generate.py

cli-docs: $(VENV)/.installed
	$(PY) -m tests.unit.test_cli_docs

soak: $(VENV)/.installed
	REGULINK_CRASH_TRIALS=10 REGULINK_CRASH_RECORDS=10000 $(PY) -m pytest -q tests/e2e/test_crash.py
	REGULINK_FAILOVER_RECORDS=10000 $(PY) -m pytest -q -s tests/e2e/test_failover.py

clean:
	rm -rf $(VENV) node_modules demo-data .pytest_cache .hypothesis
