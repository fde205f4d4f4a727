# The two commands of the README: `make demo` and `make test`. Both install first (once).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint ui bench clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -c "from orchestration.dbt_manifest import ensure_manifest; ensure_manifest()"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/revwh demo

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

ui: install
	$(BIN)/revwh ui

bench: install
	$(BIN)/python bench/run_bench.py

clean:
	rm -rf $(VENV) dbt_project/target demo
