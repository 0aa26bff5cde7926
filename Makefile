# make demo  - run the demo on the bundled kluster.ai emulator (or kluster.ai if KLUSTER_API_KEY is set)
# make test  - make lint, then the unit and integration tests (tests/unit_tests, tests/integration_tests)
# make lint  - ruff check, ruff format --check, mypy, lint-imports (the contracts in pyproject.toml)
# make test-unit - the unit tests alone (sockets disabled)
# make test-integration - the integration tests alone (on the emulator)
# make bench - run the benchmarks
# make test-live - the live smoke tests on kluster.ai (skipped without KLUSTER_API_KEY)
# make probe - check kluster.ai against the contract data (needs KLUSTER_API_KEY)
# make notebooks - run notebooks/*.py on the emulator and save the outputs in the .ipynb twins
# make bench-batch - the Batch API benchmarks (100,000 requests, several minutes)
# make test-oldest - the unit tests and the demo on the lowest versions pyproject.toml allows
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-oldest test-unit test-integration test-live probe lint bench bench-batch notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m kluster_integrations.demo

test: lint
	$(BIN)/python -m pytest tests/unit_tests tests/integration_tests

# Every runtime dependency at the lowest version pyproject.toml allows (uv's lowest-direct
# resolution), checked to be the declared bound itself, then the unit tests and the demo.
OLDEST := .venv-oldest
test-oldest:
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet uv packaging "tomli; python_version < '3.11'"
	$(OLDEST)/bin/uv pip compile --quiet --resolution lowest-direct --python $(OLDEST)/bin/python \
		pyproject.toml --extra langchain --extra llama-index --extra emulator -o $(OLDEST)/oldest.txt
	$(OLDEST)/bin/python .ci/lower_bounds.py pyproject.toml $(OLDEST)/oldest.txt
	$(OLDEST)/bin/uv pip install --quiet --python $(OLDEST)/bin/python -c $(OLDEST)/oldest.txt -e ".[dev]"
	$(OLDEST)/bin/python -m pytest tests/unit_tests -p no:cacheprovider -q
	$(OLDEST)/bin/python -m kluster_integrations.demo

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
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

notebooks: $(STAMP)
	$(BIN)/python -m tests.integration_tests.notebooks.runner

bench-batch: $(STAMP)
	$(BIN)/python benchmarks/batch.py

clean:
	rm -rf $(VENV) $(OLDEST)
