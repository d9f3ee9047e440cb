# The two commands of the README: `make demo` and `make test`. Both run `make install` first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.embedlab-installed

.PHONY: install demo test test-fast bench lint clean browser frontend

install: $(STAMP)

# Re-installs only when pyproject.toml changed since the last install (idempotent).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0  # the CPU wheel, before anything needing torch
	$(BIN)/python -m pip install --quiet -e ".[dev,torch,pretrained,multilingual,ray,notebook,openvino]"
	# WEFE checks our WEAT figures in a test. Its metadata pins numpy<=1.26 and scipy<1.13, which
	# would downgrade the venv, yet the code it runs works with ours: install it without deps.
	$(BIN)/python -m pip install --quiet --no-deps wefe==1.0.1 plotly==7.1.0 narwhals==2.28.0 \
		semantic_version==2.10.0
	@touch $(STAMP)

demo: install
	$(BIN)/embedlab demo

# The browser tests drive Debian's chromium (Playwright, through its executable path).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# The import contract (pyproject's [tool.importlinter]) first: a layer importing upwards fails.
test: install browser
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q -m "not slow"

# Benchmarks run in their own venv so torch never enters $(VENV). torch must be installed FIRST,
# pinned to the CPU wheel on disk (any other spec pulls CUDA wheels); never install torchvision.
BENCH_VENV  ?= .venv-bench
BENCH_BIN   := $(BENCH_VENV)/bin
BENCH_STAMP := $(BENCH_VENV)/.embedlab-bench-installed

$(BENCH_STAMP): pyproject.toml
	@test -x $(BENCH_BIN)/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_BIN)/python -m pip install --quiet --upgrade pip
	$(BENCH_BIN)/python -m pip install --quiet torch==2.13.0
	$(BENCH_BIN)/python -m pip install --quiet -e ".[bench,torch]"
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH_BIN)/python benchmarks/text_embed.py
	$(BENCH_BIN)/python benchmarks/neighbors.py

lint: install
	$(BIN)/python -m ruff check src tests benchmarks

clean:
	rm -rf $(VENV) .venv-bench embedlab-workspace .pytest_cache

# Rebuild the web app into src/embedlab/app/static (committed, so installs need no Node): the
# API's schema first (frontend/openapi.json), from which the build generates src/api-types.ts.
frontend: install
	$(BIN)/python -m embedlab.api.openapi frontend/openapi.json
	npm --prefix frontend ci --no-audit --no-fund
	npm --prefix frontend run build
