# Two entry points for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 3978
DATA   ?= ./data

.PHONY: run test venv bench playground chromium postgresql clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/learning-bot serve --host $(HOST) --port $(PORT) --data-dir $(DATA)

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "make test needs Node.js and npm (the Teams emulator, card and manifest checks)"; exit 2; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Headless Chromium for the Teams emulator tests: Debian's package (never a browser download).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "make test needs Chromium: sudo apt-get install chromium"; exit 2; fi; }

# PostgreSQL for the database tests: Debian's package; each run starts a throwaway server of its own
# in a temporary directory (tests/pgserver.py). The bot itself needs none (`make run`).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's postgresql for the database tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "make test needs PostgreSQL's server programs: sudo apt-get install postgresql"; exit 2; fi; }

test: $(VENV)/.installed-test node_modules/.installed chromium postgresql
	$(BIN)/python -m pytest

playground: $(VENV)/.installed node_modules/.installed
	scripts/playground.sh

bench: $(VENV)/.installed-test postgresql
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
