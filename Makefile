# nds-assistant: everything a fresh machine needs is two commands.
#   make chat   set up, ingest sources/ (incrementally), start the chat on http://127.0.0.1:7860
#   make test   set up (incl. Chromium and axe-core), lint, run the whole suite (slow + browser)
# CI runs `make test` through .ci/run.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
# The CPU wheel of this exact version lies on disk; an unpinned torch would pull a CUDA build.
TORCH  := torch==2.13.0

# Nothing may reach a model hub or send telemetry.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: help setup system-deps browser-deps ingest chat test test-fast lint bench

help:
	@echo "make chat       set up, ingest sources/, start the chat on http://127.0.0.1:7860"
	@echo "make test       set up everything and run lint + the whole test suite (what CI runs)"
	@echo "make test-fast  the suite without slow and browser tests (loads no model)"
	@echo "make lint       ruff check, ruff format --check, mypy, lint-imports (layers, no circles)"
	@echo "make ingest     (re)index sources/ incrementally"
	@echo "make bench      run the benchmarks"

# -- setup ---------------------------------------------------------------------------------------

setup: $(STAMP)

# Re-run when pyproject.toml changes; torch first, pinned, so nothing pulls another build.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install $(TORCH)
	$(BIN)/pip install -e '.[test]'
	touch $@

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium).
system-deps:
	@if [ -x /usr/bin/chromium ]; then \
	  echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null || echo present)"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-color-emoji; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-color-emoji; \
	else \
	  echo "WARNING: /usr/bin/chromium is missing and this user cannot install it;" \
	       "browser tests will fail. As root: apt-get install -y chromium" >&2; \
	fi

# axe-core (accessibility checks in the browser tests), into tests/browser/node_modules.
browser-deps:
	@if [ -f tests/browser/node_modules/axe-core/axe.min.js ]; then \
	  echo "axe-core: present"; \
	else \
	  npm install --prefix tests/browser --no-audit --no-fund axe-core@4; \
	fi

# -- use -----------------------------------------------------------------------------------------

ingest: setup
	$(BIN)/nds-assistant ingest

chat: setup ingest
	$(BIN)/nds-assistant chat

bench: setup
	$(BIN)/nds-assistant bench $(ARGS)

# -- checks --------------------------------------------------------------------------------------

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# pytest exits 5 when it collects no tests: said out loud, not a failure (CI flags such runs).
test: setup system-deps browser-deps lint
	$(BIN)/pytest $(ARGS) || { rc=$$?; [ $$rc -eq 5 ] && echo "pytest collected no tests (exit 5)" >&2 || exit $$rc; }

test-fast: setup
	$(BIN)/pytest -m "not slow and not browser" $(ARGS)
