"""llm-prune-gym: LLM pruning as a Gymnasium environment.

Importing the package registers ``LLMPrune-v0``; ``gym.make("llm_prune_gym:LLMPrune-v0")``
imports it for you (Gymnasium 1.x reads no entry-point plugins), and
``gym.make_vec(..., num_envs=K)`` builds K episodes on one model (``LLMPruneVectorEnv``).
The heavy modules (torch, transformers) load on first use of a name below, so
``llm_prune_gym.prompts`` and the CLI's help stay quick.
"""

from importlib import import_module

from gymnasium.envs.registration import register, registry

__version__ = "0.1.0"  # the one source: pyproject.toml reads it, `llm-prune --version` prints it

ENV_ID = "LLMPrune-v0"

if ENV_ID not in registry:  # idempotent: importing twice (or reloading) registers once
    register(
        id=ENV_ID,
        entry_point="llm_prune_gym.env:LLMPruneEnv",
        vector_entry_point="llm_prune_gym.vector:LLMPruneVectorEnv",  # make_vec's default
    )

_EXPORTS = {
    "CalibrationSet": "calibration",
    "EnvSettings": "settings",
    "Workbench": "workbench",
    "reward": "rewards",
    "KLResult": "calibration",
    "LLMPruneEnv": "env",
    "LLMPruneVectorEnv": "vector",
    "PruningPlan": "plan",
    "hint_messages": "prompts",
    "load_prompts": "prompts",
    "DEFAULT_MODULES": "pruning",
    "Pruner": "pruning",
    "Student": "students",
    "load_student": "students",
    "MissingExtra": "extras",
    "require_extra": "extras",
}

__all__ = ["ENV_ID", "__version__", *_EXPORTS]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'llm_prune_gym' has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
