# The README's two commands: `make search` (the main job) and `make test`.
# `make search` trains children in a process pool (one one-thread worker per core): 1.12x the networks
# per minute of one process on two cores (bench/executors.py, docs/RESULTS.md).
# Every target does its own set-up on a fresh machine: a virtual environment, a CPU torch
# (unless one is already installed there), the package, and the Fashion-MNIST files.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A GPU user can pick another build, e.g. make TORCH_SPEC="torch==2.13.0 --index-url ..." test
TORCH_SPEC ?= torch==2.13.0
FASHION_DIR := /usr/share/datasets/fashion-mnist

.PHONY: setup data browser test test-slow lint search train bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, so that installing the package never resolves `torch>=2.4` to a download.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	@$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q $(TORCH_SPEC)
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

# Installs the Debian package when we are root and the files are missing; otherwise the
# loader looks in its other places (see README) and says what to do if it finds nothing.
data:
	@if [ ! -f $(FASHION_DIR)/train-images-idx3-ubyte.gz ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && apt-get install -y -q dataset-fashion-mnist; \
	fi

# A headless browser for the test that renders `eas report`'s HTML (tests/report/test_browser.py, skipped
# without one): Debian's chromium, installed when we are root and it is missing (about 110 MB to fetch).
browser:
	@if ! command -v chromium >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && apt-get install -y -q --no-install-recommends chromium; \
	fi

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: setup data browser lint
	$(BIN)/python -m pytest -q

test-slow: setup data
	$(BIN)/python -m pytest -q -m slow

train: setup data
	$(BIN)/eas train --arch "conv-16-3 pool conv-32-3 pool conv-64-3 gap fc-64" --dataset fashion-mnist --epochs 3 --out runs/train-default --overwrite

search: setup data
	$(BIN)/eas search --dataset fashion-mnist --strategy rl --preset fashion-cpu --executor pool --run-dir runs/fashion-rl

bench: setup data
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/transforms.py
	$(BIN)/python bench/properties.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
