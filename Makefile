# The two commands of the README: `make demo` and `make test`. Both run `make install` first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.embedlab-installed

.PHONY: install demo test test-fast bench lint clean

install: $(STAMP)

# Re-installs only when pyproject.toml changed since the last install (idempotent).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: install
	$(BIN)/embedlab demo --no-serve

test: install
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

# Peers for benchmarks/: torch must come first, from the CPU wheel on disk.
bench: install
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python benchmarks/text_embed.py
	$(BIN)/python benchmarks/neighbors.py

lint: install
	$(BIN)/python -m ruff check src tests benchmarks

clean:
	rm -rf $(VENV) embedlab-workspace .pytest_cache
