# Meihao Mall. `make run` starts the whole shop on embedded defaults; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format venv chromium bench compiled

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

# The flash-sale press's hot path compiled with Cython (config/compiled.py); only what changed is rebuilt.
compiled: venv
	$(BIN)/python scripts/compile.py

run: venv compiled
	$(BIN)/python scripts/run.py

chromium:
	scripts/install_chromium.sh

test: venv chromium compiled
	$(BIN)/python scripts/test.py $(ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: venv compiled
	$(BIN)/python bench/pages.py
