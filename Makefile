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

# sqlfluff's dbt templater compiles every model; it needs a scratch DuckDB path to open.
SQLFLUFF := REVWH_DBT_DUCKDB_PATH=$(CURDIR)/dbt_project/target/sqlfluff.duckdb $(BIN)/sqlfluff lint dbt_project/models dbt_project/tests

test: install
	$(BIN)/ruff check .
	$(SQLFLUFF)
	$(BIN)/python -m pytest --durations=15

lint: install
	$(BIN)/ruff check .
	$(SQLFLUFF)

ui: install
	$(BIN)/revwh ui

bench: install
	$(BIN)/python bench/run_bench.py --write-docs

clean:
	rm -rf $(VENV) dbt_project/target demo
