"""Settings of the evaluation commands that have no dataclass elsewhere (no torch here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class HeldOutSettings:
    """Where plans are scored: every held-out prompt, in small batches, one KL per batch."""

    heldout_prompts: str = "builtin:heldout"
    """held-out prompts the KL is measured on: builtin:heldout or a JSONL file of chat prompts"""
    heldout_batch_size: int = 4
    """held-out prompts per batch (one KL per batch; the CIs resample batches)"""
    calibration_prompts: str = "builtin:train"
    """prompts Wanda's activations and the sensitivity heuristic are measured on"""
    calibration_batch: int = 8
    """how many of the calibration prompts"""

    def __post_init__(self) -> None:
        for name in ("heldout_batch_size", "calibration_batch"):
            if getattr(self, name) < 1:
                flag = "--" + name.replace("_", "-")
                raise ValueError(f"{flag}: must be at least 1, got {getattr(self, name)}")


@dataclass(frozen=True, kw_only=True)
class JudgeSettings:
    """The optional LLM judge: offline grades on the ground truth only (evaluation/grader.py);
    openai also asks an LLM judge with the report's rubric through any OpenAI-compatible
    server, the key read from the environment only."""

    judge: Literal["offline", "openai"] = "offline"
    """offline (rules on the ground truth) or openai (also an LLM judge)"""
    judge_model: str | None = None
    """default: $LLM_PRUNE_JUDGE_MODEL, else gpt-4o"""
    judge_base_url: str | None = None
    """default: $OPENAI_BASE_URL"""
    judge_api_key_env: str = "OPENAI_API_KEY"
    """name of the environment variable that holds the key"""
    judge_concurrency: int = 8
    """parallel requests"""
    judge_retries: int = 4
    """retries of failed requests"""
    judge_cache: Path | None = None
    """verdict cache folder (default: the llm_prune_gym cache/judge)"""
    judge_json_mode: bool = False
    """ask for response_format=json_object (if the server supports it)"""


@dataclass(frozen=True, kw_only=True)
class CaseSettings:
    """The test set: programs with their real tracebacks, run in the sandbox."""

    data: Path
    """test set JSONL (a data build's test.jsonl or users' programs {code, stdin, fixed_code?})"""
    sandbox_timeout: float = 2.0
    """seconds a user program may run before its Ctrl-C"""
    limit: int | None = None
    """at most N programs (by kind; --seed picks which)"""
    prompt_style: Literal["plain", "grounded"] | None = None
    """build every prompt in this style: grounded (plus facts read from the program and its
    traceback) or plain (default: a data build's stored prompts as they are, users'
    programs grounded)"""


@dataclass(frozen=True, kw_only=True)
class GenerationSettings:
    """How the student writes its hints: greedy (or best of N), in batches."""

    max_new_tokens: int = 128
    """hint length cap"""
    generation_batch_size: int = 16
    """prompts per generate call"""
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"
    """precision of the student"""
    candidates: int = 1
    """best of N hints: the greedy one and N - 1 samples seeded with --seed, the one kept
    that evaluation.rerank scores best from the program, its error and the hint facts (if
    all look wrong, a hint of facts alone; 1: greedy only)"""
    diagnosis: bool = False
    """the pipeline of `llm-prune hint`: where the program and its traceback settle the cause
    (llm_prune_gym.diagnosis), that cause is the hint and the student writes none; the
    student's other hints are checked (a hint of facts alone where they look wrong). Off by
    default, so the figures measure the student alone"""
