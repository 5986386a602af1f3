"""The environment's settings as one frozen dataclass, importable without torch.

:class:`EnvSettings` names every option of ``LLMPrune-v0`` (and of the
:class:`~llm_prune_gym.workbench.Workbench` under it) with its default and a one-line
doc, and checks the values that need no model. The command line builds its options
from it, so this module imports nothing heavier than the standard library: ``--help``
stays under a second.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_STUDENT = "smollm2"
DEFAULT_GRID = tuple(round(0.01 * i, 2) for i in range(31))
DEFAULT_MODULES = ("q_proj", "o_proj", "gate_proj", "up_proj")
DEFAULT_CHANNEL_MODULES = ("q_proj", "gate_proj")
CRITERIA = ("magnitude", "wanda")
GRANULARITIES = ("weights", "channels")
REWARD_MODES = ("paper", "budget")
SAMPLING_MODES = ("fixed", "sample")
# batched plan scoring's matmul: "loop" (the one-plan kernels), "bmm" (one batched matmul);
# "-tf32" runs the scoring forward with TF32 matmuls (CUDA tensor cores; a no-op on the CPU)
BATCH_MATMULS = ("loop", "bmm", "loop-tf32", "bmm-tf32")
OBSERVATION_MODES = ("paper", "layer", "sensitivity")
DTYPES = ("float32", "bfloat16", "float16")


def default_modules(granularity: str) -> tuple[str, ...]:
    """The module set an env uses when none is given."""
    return DEFAULT_CHANNEL_MODULES if granularity == "channels" else DEFAULT_MODULES


def check_granularity(granularity: str) -> None:
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}; choose one of {GRANULARITIES}")


def _doc(text: str, default: Any = dataclasses.MISSING, **kwargs) -> Any:
    """A dataclass field whose one-line doc lives in its metadata (the CLI's help text)."""
    return field(default=default, metadata={"doc": text}, **kwargs)


@dataclass(frozen=True)
class EnvSettings:
    """Every option of ``LLMPrune-v0``; see :class:`~llm_prune_gym.env.LLMPruneEnv`."""

    student: Any = _doc(
        "smollm2, stub, stub:SEED, a .gguf file, a Hugging Face folder, "
        "a (model, tokenizer) pair or a loaded Student",
        DEFAULT_STUDENT,
    )
    modules: tuple[str, ...] | None = _doc(
        "linear modules pruned in every layer (None: q_proj,o_proj,gate_proj,up_proj; "
        "with channels q_proj,gate_proj)",
        None,
    )
    ratio_grid: tuple[float, ...] = _doc("the ratios an action index maps to", DEFAULT_GRID)
    c1: float = _doc("paper reward: weight of each step's summed ratios", 0.001)
    c2: float = _doc("paper reward: weight of the final prunable sparsity", 1.0)
    c3: float = _doc("paper reward: weight of the final KL (negative: a penalty)", -1.0)
    criterion: str = _doc("pruning criterion: magnitude (L1) or wanda", "magnitude")
    prompts: str | Path | Sequence[Any] = _doc(
        "calibration prompts: builtin:train, builtin:heldout, a JSONL file or a list",
        "builtin:train",
    )
    batch_size: int = _doc("calibration prompts per episode (and per forward pass)", 8)
    sampling: str = _doc(
        "fixed: the first batch_size prompts every episode; sample: a random batch", "fixed"
    )
    answer_tokens: int = _doc(
        "length cap of the teacher's scored answers (0: score the prompts)", 32
    )
    target_sparsity: float | None = _doc(
        "prunable sparsity every episode ends at (None: no budget)", None
    )
    reward: str = _doc("paper (size bonus minus KL) or budget (KL relative to uniform)", "paper")
    observation: str = _doc(
        "paper: the K*L+1 vector; layer: plus a one-hot of the layer; "
        "sensitivity: plus the layer's unit sensitivities",
        "paper",
    )
    device: Any = _doc("where the student runs: cpu, cuda, cuda:N or mps", "cpu")
    dtype: Any = _doc("precision of the student: float32, bfloat16 or float16", "float32")
    progress: bool = _doc("show progress bars while the teacher's answers are generated", False)
    granularity: str = _doc(
        "weights (unstructured, the paper's) or channels (whole MLP channels and query heads)",
        "weights",
    )
    width_multiple: int = _doc(
        "channels: every layer's kept MLP width is a multiple of this (the plan's total "
        "stays within half a multiple of the budget; 1: any width)",
        1,
    )
    refit: bool = _doc(
        "channels: after removing structures, re-fit the kept columns of each pruned unit's "
        "output projection (down_proj, o_proj) by least squares to the dense layer's output "
        "on the calibration prompts (costs one F x F Gram matrix per unit)",
        False,
    )
    batch_matmul: str = _doc(
        "matmul of batched plan scoring (search agents, sensitivity): loop (float32, the "
        "one-plan kernels), bmm, or loop-tf32 / bmm-tf32 (TF32 tensor cores on CUDA: bmm-tf32 "
        "scored 2.3x more plans/s on an H200 at K >= 32, KL within 0.2% of float32)",
        "loop",
    )
    teacher_topk: int | None = _doc(
        "keep only the teacher's k likeliest tokens per scored token plus one remainder "
        "bucket, and score the KL over those k+1 outcomes (None: the full distribution)",
        None,
    )

    def __post_init__(self) -> None:
        check_granularity(self.granularity)
        grid = tuple(float(r) for r in self.ratio_grid)
        if len(grid) < 2 or not all(0 <= r <= 1 for r in grid):
            raise ValueError("ratio_grid must be at least two ratios in [0, 1] (no NaN)")
        object.__setattr__(self, "ratio_grid", grid)
        if self.modules is not None:
            modules = tuple(self.modules)
            if not modules or len(set(modules)) != len(modules):
                raise ValueError(f"modules must name distinct modules, got {list(modules)}")
            object.__setattr__(self, "modules", modules)
        for name in ("c1", "c2", "c3"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be a finite number, got {getattr(self, name)}")
        self._check_choices()
        if self.answer_tokens < 0:
            raise ValueError(
                f"answer_tokens must be 0 (score the prompts) or more, got {self.answer_tokens}"
            )
        if self.reward == "budget" and self.target_sparsity is None:
            raise ValueError('reward="budget" needs a target_sparsity')
        if self.target_sparsity is not None and not 0 < self.target_sparsity < max(grid):
            raise ValueError(
                f"target_sparsity must lie in (0, {max(grid):g}), below the largest ratio of "
                f"ratio_grid (at it only uniform pruning fits); got {self.target_sparsity}"
            )
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if self.width_multiple < 1:
            raise ValueError(f"width_multiple must be at least 1, got {self.width_multiple}")
        if self.width_multiple > 1 and self.granularity != "channels":
            raise ValueError("width_multiple applies to granularity='channels' (MLP widths)")
        if self.refit and self.granularity != "channels":
            raise ValueError("refit applies to granularity='channels' (down_proj, o_proj)")
        if self.teacher_topk is not None and self.teacher_topk < 1:
            raise ValueError(f"teacher_topk must be None or at least 1, got {self.teacher_topk}")

    def _check_choices(self) -> None:
        for name, value, choices in (
            ("sampling", self.sampling, SAMPLING_MODES),
            ("reward", self.reward, REWARD_MODES),
            ("observation", self.observation, OBSERVATION_MODES),
            ("pruning criterion", self.criterion, CRITERIA),
            ("batch_matmul", self.batch_matmul, BATCH_MATMULS),
        ):
            if value not in choices:
                raise ValueError(f"unknown {name} {value!r}; choose one of {choices}")
        if isinstance(self.dtype, str) and self.dtype not in DTYPES:
            raise ValueError(f"unknown dtype {self.dtype!r}; use float32, bfloat16 or float16")

    @property
    def unit_modules(self) -> tuple[str, ...]:
        """The modules pruned in every layer: `modules`, or the granularity's default."""
        return default_modules(self.granularity) if self.modules is None else self.modules

    def replace(self, **changes: Any) -> EnvSettings:
        """A copy with `changes` (checked like a new one)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def field_docs(cls) -> dict[str, str]:
        """Each option's one-line doc, by field name (for help texts)."""
        return {f.name: f.metadata["doc"] for f in dataclasses.fields(cls)}
