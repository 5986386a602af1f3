"""Shared fixtures: stub-model environments that build in well under a second."""

from __future__ import annotations

import os
import tempfile

import pytest

# Keep cached teacher answers and converted models out of the user's home unless CI points
# the cache somewhere on purpose (it does, so the real model converts once per run).
os.environ.setdefault("LLM_PRUNE_GYM_CACHE", tempfile.mkdtemp(prefix="llm-prune-gym-cache-"))

import torch  # noqa: E402

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

STUB_KWARGS = {"student": "stub", "batch_size": 4, "answer_tokens": 8}


@pytest.fixture
def stub_kwargs() -> dict:
    """Keyword arguments for a small, fast `LLMPrune-v0` on the stub student."""
    return dict(STUB_KWARGS)


@pytest.fixture(scope="module")
def budget_env():
    """The agent tests' stub env at a budget-matched target (tests/stub_envs.py)."""
    import stub_envs

    return stub_envs.budget_env()


@pytest.fixture(scope="module")
def free_units_env():
    """A stub whose q_proj and gate_proj cost nothing to prune (tests/stub_envs.py)."""
    import stub_envs

    return stub_envs.free_units_env()
