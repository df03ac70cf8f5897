# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench-ingest bench-chain bench-growth clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/oke demo

test: lint $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check oke tests bench
	$(BIN)/ruff format --check oke tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test-fast: $(STAMP)
	$(BIN)/pytest -m 'not postgres and not slow'

bench-ingest: $(STAMP)
	$(BIN)/python bench/ingest.py

bench-chain: $(STAMP)
	$(BIN)/python bench/chain.py

bench-growth: $(STAMP)  # needs PostgreSQL (OKE_TEST_POSTGRES_URL, else 127.0.0.1:5432/test)
	$(BIN)/python bench/growth.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
