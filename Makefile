# tradeboard: thin targets over `python -m ...`; `make help` lists them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MIRROR ?=
ONLINE ?=
FILE ?=
SOURCE ?=
EDITION ?=
INTO ?=
SIZES ?=
HOST ?= 127.0.0.1
PORT ?= 8050
OUT ?= out/png
CLEAN := data/clean
ETL_INPUTS := data/raw/sources.toml data/raw/facts/facts.yaml $(shell find etl -name '*.py' -o -name '*.csv' 2>/dev/null)

.DEFAULT_GOAL := help
.PHONY: help setup etl add fetch run serve test test-fast lint format png bench load clean-data

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed ## create .venv and install tradeboard with dev tools (idempotent)

$(CLEAN)/report.json: $(VENV)/.installed $(ETL_INPUTS)
	$(PY) -m etl $(if $(MIRROR),--mirror $(MIRROR))

etl: setup ## build data/clean/ from data/raw/ (MIRROR=dir: copy snapshots from; ONLINE=1: fetch first)
	$(PY) -m etl $(if $(MIRROR),--mirror $(MIRROR)) $(if $(filter 1 yes true,$(ONLINE)),--online)

add: setup ## record a new edition: make add FILE=path SOURCE=folder [EDITION=text] [INTO=sub-folder]
	$(PY) -m etl add $(FILE) --source $(SOURCE) $(if $(EDITION),--edition "$(EDITION)") $(if $(INTO),--into $(INTO))

fetch: setup ## download live sources into data/raw/<source>/fetched/<date>/ (python -m etl fetch)
	$(PY) -m etl fetch

run: $(CLEAN)/report.json ## set up, refresh data/clean/ if stale, serve the dashboard on http://127.0.0.1:8050
	$(PY) -m dashboard --host $(HOST) --port $(PORT) --open

serve: $(CLEAN)/report.json ## production server: gunicorn, 4 sync workers (2 cores), loopback only
	$(VENV)/bin/gunicorn --workers 4 --bind $(HOST):$(PORT) 'dashboard.app:server()'

test: setup ## run every test (unit, integration on ../shared/data, browser with Chromium)
	$(PY) -m pytest

lint: setup ## ruff check and format check
	$(VENV)/bin/ruff check etl dashboard tests
	$(VENV)/bin/ruff format --check etl dashboard tests

format: setup ## apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff check --fix etl dashboard tests
	$(VENV)/bin/ruff format etl dashboard tests

png: $(CLEAN)/report.json ## export the KAZ-ITA briefing pack (PNG + briefing.md) to out/png
	$(PY) -m dashboard.export --reporter KAZ --partner ITA --out $(OUT)

bench: setup ## benchmarks (not part of make test); SIZES=1000000 runs one size
	$(PY) -m tests.benchmarks.run $(if $(SIZES),--sizes $(SIZES))

load: setup ## load test of the production server on loopback
	$(PY) -m tests.benchmarks.load
