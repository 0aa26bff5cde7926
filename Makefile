# make demo  - run the demo on the bundled kluster.ai emulator (or kluster.ai if KLUSTER_API_KEY is set)
# make test  - make lint, then the unit and integration tests (tests/unit_tests, tests/integration_tests)
# make lint  - ruff check, ruff format --check, mypy
# make test-unit - the unit tests alone (sockets disabled)
# make test-integration - the integration tests alone (on the emulator)
# make bench - run the benchmarks
# make test-live - the live smoke tests on kluster.ai (skipped without KLUSTER_API_KEY)
# make probe - check kluster.ai against the contract data (needs KLUSTER_API_KEY)
# make notebooks - run notebooks/*.py on the emulator and save the outputs in the .ipynb twins
# make bench-batch - the Batch API benchmarks (100,000 requests, several minutes)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-unit test-integration test-live probe lint bench bench-batch notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m kluster_integrations.demo

test: lint
	$(BIN)/python -m pytest tests/unit_tests tests/integration_tests

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit_tests

test-integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration_tests

test-live: $(STAMP)
	$(BIN)/python -m pytest tests/live -m live

probe: $(STAMP)
	$(BIN)/python -m kluster_integrations.probe

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

notebooks: $(STAMP)
	$(BIN)/python -m tests.integration_tests.notebooks.runner

bench-batch: $(STAMP)
	$(BIN)/python benchmarks/batch.py

clean:
	rm -rf $(VENV)
