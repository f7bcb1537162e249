# UnionHub — the two commands a newcomer types: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/unionhub
REDIS_TEST_URL ?= redis://127.0.0.1:6379/1
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= default

.PHONY: install install-runtime demo serve test test-fast test-pg test-clock e2e e2e-deps bench bench-deps lint messages services clean-demo

## install: the virtual environment with the test and lint tools (requirements-dev.lock, which
## includes requirements.lock) and the front-end assets (package-lock.json); for demo, test, bench
install: $(VENV)/.installed static/vendor/.copied

$(VENV)/.installed: requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.lock
	touch $@

## install-runtime: what a production server installs — requirements.lock only (no pytest,
## Playwright, schemathesis, ruff) and the served front-end assets
install-runtime: static/vendor/.copied
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.lock

static/vendor/.copied: frontend/package-lock.json frontend/copy-assets.mjs
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	node frontend/copy-assets.mjs
	touch $@

## demo: install, migrate the embedded SQLite database, load demo data, serve on $(HOST):$(PORT)
demo: install
	mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py migrate --noinput -v 0
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py seed_demo --if-empty --scale $(SCALE)
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py startup
	@bash scripts/demo_banner.sh $(HOST) $(PORT)
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py run_worker --interval 1 >var/worker.log 2>&1 & w=$$!; \
	  DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py scheduler >var/scheduler.log 2>&1 & s=$$!; \
	  trap "kill $$w $$s 2>/dev/null" EXIT; \
	  DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py runserver $(HOST):$(PORT)

clean-demo:
	rm -f var/unionhub.sqlite3 var/unionhub.sqlite3-*

## test: the whole suite on SQLite (PostgreSQL-only tests run in test-pg), then the browser journeys;
## the tests marked `slow` (scale tests, the longest fuzzing run) run in test-pg only
test: install e2e-deps
	$(PY) -m pytest -m "not slow"

## test-pg: the whole suite again on the machine's PostgreSQL and Redis (the browser journeys ran in `make test`),
## the `slow` tests included; nothing may be skipped
test-pg: install e2e-deps services
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) UNIONHUB_FORBID_SKIPS=1 $(PY) -m pytest -m "not e2e"

## test-clock: the non-browser suite on SQLite once more with the clock moved (libfaketime) to the
## last hour of a year, a year ahead (CLOCK="2028-02-29 23:30 +0800" for another date)
test-clock: install e2e-deps
	@bash scripts/test_clock.sh $(if $(CLOCK),"$(CLOCK)")

## e2e-deps: Debian's Chromium, a CJK font, poppler, zbar, faketime (Playwright cannot download its own browser here)
e2e-deps:
	@bash scripts/test_deps.sh

## bench-deps: what the benchmarks run besides Python: wrk, pgbench, psql, redis-cli, the two servers
bench-deps:
	@bash scripts/bench_deps.sh

e2e: install e2e-deps
	$(PY) -m pytest e2e

## services: start PostgreSQL and Redis when they are down (CI machines)
services:
	@bash scripts/services.sh

## bench: the benchmarks at district scale (SCALE=small|medium for less); figures in BENCHMARKS.md
bench: install bench-deps services
	$(PY) -m bench all --scale $(SCALE)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'frontend/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'
