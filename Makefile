# Quick start:  make demo   (set up .venv, build the shipped corpus, run two catalogue queries)
#               make test   (set up .venv with test extras, run the test suite)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test setup build clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

build: setup
	$(BIN)/kg build

demo: setup
	$(BIN)/kg build
	$(BIN)/kg query drugs-for-manifestation --param manifestation=panniculitis
	$(BIN)/kg query patients-with-antibody --param antibody=anti-NXP2

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/extract_speed.py

clean:
	rm -rf .kg $(VENV)
