# PhoneDesk — `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run switch test install dev lint typecheck bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

## Serve on SQLite at http://127.0.0.1:8000 (migrates; creates a first account when empty).
run: install
	$(BIN)/phonedesk serve

## The SIP switch beside `make run`: Kamailio on the same database (SIP 5060, JSON-RPC 5081).
switch: install
	$(BIN)/phonedesk switch run

## The whole suite (SQLite, plus PostgreSQL when PHONEDESK_TEST_DATABASE_URL is set), ruff, mypy.
test: dev
	$(BIN)/ruff check src tests $(wildcard bench scripts)
	$(BIN)/mypy
	$(BIN)/pytest -n auto --maxprocesses 4 $(PYTEST_ARGS)

lint: dev
	$(BIN)/ruff check src tests $(wildcard bench scripts)
	$(BIN)/ruff format --check src tests $(wildcard bench scripts)

typecheck: dev
	$(BIN)/mypy

## 1280x800 PNGs of the main pages, served with demo data, in ./screenshots/.
screenshots: dev
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
