"""llm-prune-gym: LLM pruning as a Gymnasium environment.

Importing the package registers ``LLMPrune-v0``; ``gym.make("llm_prune_gym:LLMPrune-v0")``
imports it for you (Gymnasium 1.x reads no entry-point plugins).
"""

from gymnasium.envs.registration import register, registry

from .calibration import CalibrationSet, KLResult
from .env import LLMPruneEnv
from .plan import PruningPlan
from .prompts import hint_messages, load_prompts
from .pruning import DEFAULT_MODULES, Pruner
from .students import Student, load_student

ENV_ID = "LLMPrune-v0"

if ENV_ID not in registry:  # idempotent: importing twice (or reloading) registers once
    register(id=ENV_ID, entry_point="llm_prune_gym.env:LLMPruneEnv")

__all__ = [
    "ENV_ID",
    "DEFAULT_MODULES",
    "CalibrationSet",
    "KLResult",
    "LLMPruneEnv",
    "Pruner",
    "PruningPlan",
    "Student",
    "hint_messages",
    "load_prompts",
    "load_student",
]
