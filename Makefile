# jamlik — two commands: `make demo` and `make test`. Everything else is set up on the way.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed
DB ?= data/jamlik.duckdb
CHROMIUM ?= /usr/bin/chromium
export JAMLIK_DB := $(DB)

.PHONY: demo test test-fast setup browser lint bench clean help
help:
	@echo "make demo   – set up, build the demo region and serve http://127.0.0.1:8000"
	@echo "make test   – set up and run the whole test suite (doctests, unit, integration, browser)"
	@echo "make test-fast – the suite without browser and slow tests (the inner loop)"
	@echo "make lint   – ruff and the layer contract (import-linter)"
	@echo "make bench  – run the benchmarks in benchmarks/"

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "jamlik needs Python 3.11 or newer; found " + sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	$(UV) pip install --quiet --python $(PY) -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	@touch $@

# Debian's Chromium drives the browser tests (Playwright cannot download its own browser here).
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core poppler-utils >/dev/null) \
	    || { echo "could not install chromium"; exit 1; }; \
	  else echo "browser tests need $(CHROMIUM): sudo apt-get install chromium"; exit 1; fi; \
	fi

demo: $(STAMP)
	@$(VENV)/bin/jamlik demo build --db $(DB)
	@$(VENV)/bin/jamlik compute --db $(DB)
	@$(VENV)/bin/jamlik serve --db $(DB) --host 127.0.0.1 --port 8000

test: $(STAMP) browser
	$(PY) -m pytest -q -p no:xdist --doctest-modules src/jamlik
	JAMLIK_CHROMIUM=$(CHROMIUM) $(PY) -m pytest -n 2 --dist loadgroup --timeout 900 $(PYTEST_ARGS)

# The inner loop: no browser, no slow demo-sized tests, no doctests.
test-fast: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup --timeout 900 -m "not slow and not browser" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) data build dist test-artifacts
