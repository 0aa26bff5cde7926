# make demo  - run the demo on the bundled kluster.ai emulator (or kluster.ai if KLUSTER_API_KEY is set)
# make test  - run the whole test suite
# make bench - run the benchmarks
# make bench-batch - the Batch API benchmarks (100,000 requests, several minutes)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-batch clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m kluster_integrations.demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

bench-batch: $(STAMP)
	$(BIN)/python benchmarks/batch.py

clean:
	rm -rf $(VENV)
