# Shegong — the two commands a new machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --durations=15

.PHONY: setup run test test-fast test-dated lint bench demo-metro clean screenshots

# The stamp's name carries the checksum of pyproject.toml and constraints.txt, so it is
# rebuilt when their content changes — not when a fresh checkout (or a git worktree sharing
# this virtualenv) gives them a newer modification time.
$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e ".[dev]" -c constraints.txt
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

## Start Shegong on SQLite with a small demo city at http://127.0.0.1:8000
run: setup
	$(BIN)/shegong demo --size small --if-empty
	$(BIN)/shegong serve --host 127.0.0.1 --port 8000

## The whole test suite (unit, integration, browser). DATABASE_URL selects PostgreSQL.
## CLOCK=2027-01-04T02:00:00 runs the non-browser part with the machine's clock moved there
## (libfaketime, as test-dated does); CI runs both databases' suites that way.
## On SQLite the non-browser part runs under coverage, held against .ci/coverage-floor.
## The non-browser tests run in one process per core (pytest-xdist; TEST_WORKERS=0 runs them in
## this process); each worker has its own database and data directory. The slowest tests are
## listed at the end of each run, so a slow one is seen where it was added.
CLOCK ?=
FAKED := $(if $(CLOCK),FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "@$(subst T, ,$(CLOCK))",)

test: setup
	bash scripts/ensure-browser.sh
ifneq ($(CLOCK),)
	bash scripts/ensure-faketime.sh
	@echo "=== non-browser suite with the clock at $(CLOCK) ==="
endif
ifeq ($(DATABASE_URL),)
	$(FAKED) $(PYTEST) -m "not browser" --cov --cov-report=
	$(BIN)/python scripts/check-coverage.py
	$(BIN)/python -m pytest -q -p no:cacheprovider -m browser
else
	$(FAKED) $(PYTEST) -m "not browser"
	$(BIN)/python -m pytest -q -p no:cacheprovider -m browser
endif

test-fast: setup
	$(PYTEST) -m "not browser"

## The non-browser suite with the machine's clock moved (libfaketime): 23:45 in Beijing on the
## 3rd of a month after a 31-day month (the run crosses midnight), and 10:00 on a working day of
## a year whose holidays nobody has entered. CI runs the SQLite suite at the first and the
## PostgreSQL suite at the second (`make test CLOCK=…`), so each date costs no run of its own.
DATED ?= 2026-08-03T15:45:00 2027-01-04T02:00:00
test-dated: setup
	bash scripts/ensure-faketime.sh
	set -e; for when in $(DATED); do \
	  echo "=== non-browser suite with the clock at $$when ==="; \
	  FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "@$$(echo $$when | tr T ' ')" \
	    $(PYTEST) -m "not browser"; \
	done

## Browser tests that also rewrite the screenshots the docs show (docs/screenshots);
## every other run keeps its screenshots in a temporary folder.
screenshots: setup
	bash scripts/ensure-browser.sh
	SHEGONG_SCREENSHOTS=1 $(BIN)/python -m pytest -q -p no:cacheprovider -m browser

## Ruff, the import contracts, mypy (strict for shegong/lib and shegong/core), the loose-types
## ratchet (Any and `# type: ignore` per app only fall: .ci/loose-types.json), migrations.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy shegong
	$(BIN)/python scripts/check-loose-types.py
	$(BIN)/python scripts/check-module-size.py
	DJANGO_SETTINGS_MODULE=shegong.conf.test_settings $(BIN)/python manage.py makemigrations --check --dry-run
	bash scripts/check-deploy.sh

bench: setup
	$(BIN)/python bench/demo_metro.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
