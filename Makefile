# Every target sets itself up: a fresh clone needs only `make run` or `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: run test lint bench faults clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/screenbot run

lint: $(STAMP)
	$(BIN)/ruff check --no-cache src tests benchmarks
	$(BIN)/ruff format --no-cache --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.service_bench
	$(BIN)/python -m benchmarks.telegram_bench
	$(BIN)/python -m benchmarks.telegram_limits
	$(BIN)/python -m benchmarks.ranking_bench
	$(BIN)/python -m benchmarks.grading_bench

# kill -9 at random moments (webhook and polling on SQLite, webhook on PostgreSQL), then a
# PostgreSQL restart mid-run (needs root: it restarts the machine's server).
faults: $(STAMP)
	$(BIN)/python -m benchmarks.crash_run
	$(BIN)/python -m benchmarks.crash_run --mode polling
	$(BIN)/python -m benchmarks.crash_run --backend postgresql
	$(BIN)/python -m benchmarks.db_restart_run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
