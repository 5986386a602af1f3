"""The stub env the agent tests share: four short error prompts, a budget-matched target.

Short prompts keep the stub's forward passes (byte tokens) cheap in the longer tests. The
fixtures `budget_env` and `free_units_env` (tests/conftest.py) build these envs.
"""

from __future__ import annotations

import torch

from llm_prune_gym import LLMPruneEnv, load_student

TARGET = 0.15
PROMPTS = [
    "NameError: name 'total' is not defined",
    "IndexError: list index out of range",
    "TypeError: can only concatenate str (not 'int') to str",
    "ZeroDivisionError: division by zero",
]


def budget_env() -> LLMPruneEnv:
    """The stub at prunable sparsity TARGET, rewarded relative to uniform."""
    return LLMPruneEnv(
        student="stub", prompts=PROMPTS, batch_size=4, answer_tokens=8,
        target_sparsity=TARGET, reward="budget",
    )  # fmt: skip


def free_units_env() -> LLMPruneEnv:
    """q_proj and gate_proj are all zeros, so pruning them changes nothing: only o/up cost KL.

    Half the prunable weights are free; at a target of 0.12 a plan that prunes only
    free units has KL 0 exactly, while uniform or random allocations pay for o/up.
    """
    student = load_student("stub:1")
    with torch.no_grad():
        for layer in student.model.model.layers:
            layer.self_attn.q_proj.weight.zero_()
            layer.mlp.gate_proj.weight.zero_()
    return LLMPruneEnv(
        student=student, prompts=PROMPTS, batch_size=4, answer_tokens=8,
        target_sparsity=0.12, reward="budget",
    )  # fmt: skip
