# The two commands of the README: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/rapport
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run install test test-deps lint test-sqlite test-postgres chromium bench lock clean

$(BIN)/rapport: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/rapport requirements-test.lock
	$(BIN)/pip install -q -r requirements-test.lock
	touch $@

install: $(BIN)/rapport

## Install, migrate, load demo data on first start, and serve on http://127.0.0.1:8000 with a worker.
run: install
	$(BIN)/rapport start

test-deps: $(VENV)/.test-deps chromium

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

test-sqlite: test-deps
	$(BIN)/pytest

# The database-facing tests again on PostgreSQL (browser tests ran on SQLite already).
# With CI=true an unreachable server fails the run instead of skipping it.
test-postgres: test-deps
	@if $(BIN)/python -c "import psycopg; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=postgres', connect_timeout=5).close()" 2>/dev/null; then \
	  DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser"; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL is not reachable on 127.0.0.1:5432 and CI=true: failing." >&2; exit 1; \
	else \
	  echo "WARNING: PostgreSQL is not reachable on 127.0.0.1:5432; the PostgreSQL pass did NOT run." >&2; \
	fi

## Lint, migrations check, the whole suite on SQLite (with browser tests) and on PostgreSQL.
test: lint test-postgres test-sqlite

bench: install
	@for b in bench/bench_*.py; do [ -e "$$b" ] || continue; echo "== $$b"; $(BIN)/python "$$b" || exit 1; done

# Regenerate the lock files after changing dependencies in pyproject.toml.
lock:
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile -q --python-version 3.11 pyproject.toml -o requirements.lock
	$(BIN)/uv pip compile -q --python-version 3.11 --extra test pyproject.toml -o requirements-test.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
