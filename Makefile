# The two commands of the README: `make demo` and `make test`. Both install first (once).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
DEV_STAMP := $(VENV)/.installed-dev
PIP := $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: install install-spark install-dev demo test test-fast lint ui bench clean

# What revwh needs to run (make demo): requirements.lock, no Spark and no test tools.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.lock
	$(PIP) --no-deps -e .
	$(BIN)/python -c "from orchestration.run.dbt_manifest import ensure_manifest; ensure_manifest()"
	touch $(STAMP)

# `revwh run --target spark`: pyspark and dbt-spark (about 490 MB more).
$(SPARK_STAMP): $(STAMP) requirements-spark.lock
	$(PIP) -r requirements-spark.lock
	touch $(SPARK_STAMP)

# The test command's tools: pytest, ruff, sqlfluff and the test helpers.
$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(PIP) -r requirements-dev.lock
	touch $(DEV_STAMP)

install: $(STAMP)

install-spark: $(SPARK_STAMP)

install-dev: $(DEV_STAMP) $(SPARK_STAMP)

demo: install
	$(BIN)/revwh demo

# sqlfluff's dbt templater compiles every model; it needs a scratch DuckDB path to open.
SQLFLUFF := REVWH_DBT_DUCKDB_PATH=$(CURDIR)/dbt_project/target/sqlfluff.duckdb $(BIN)/sqlfluff lint dbt_project/models dbt_project/tests

# sqlfluff runs inside the suite (tests/test_lint.py), beside the other tests on the two workers.
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest --durations=15

# The fast part alone while developing: no PostgreSQL, Spark or browser (`make test` runs all).
test-fast: install-dev
	$(BIN)/python -m pytest -m "not engines and not ui"

lint: install-dev
	$(BIN)/ruff check .
	$(SQLFLUFF)

ui: install
	$(BIN)/revwh ui

bench: install-dev
	$(BIN)/python bench/run_bench.py --write-docs

clean:
	rm -rf $(VENV) dbt_project/target demo
