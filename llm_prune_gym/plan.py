"""Pruning plans: the L x K table of ratios an agent chose, as a portable JSON file."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from torch import nn

from .pruning import DEFAULT_MODULES, Pruner
from .structured import GRANULARITIES


@dataclass
class PruningPlan:
    """Per-layer, per-module pruning ratios plus what is needed to apply and compare them.

    Attributes:
        ratios: array of shape (layers, modules), each in [0, 1].
        modules: short names of the pruned linear modules, one per column.
        unit_sizes: weights in each unit, same shape as `ratios` (for sparsity without a model).
        total_params: parameters of the whole model (tied weights counted once).
        criterion: pruning criterion the ratios are meant for.
        granularity: ``"weights"`` (unstructured) or ``"channels"`` (whole MLP channels and
            query heads; `unit_sizes` then include the columns that die with them).
        model: identity of the student the plan was made on.
        metadata: free-form facts (agent, seed, KL, ...), kept in the JSON.
        width_multiple: channels only: the kept MLP widths are multiples of this (1: any);
            in the JSON only when above 1. Pruners built for the plan round to it.
    """

    ratios: np.ndarray
    unit_sizes: np.ndarray
    total_params: int
    modules: tuple[str, ...] = DEFAULT_MODULES
    criterion: str = "magnitude"
    model: str = ""
    metadata: dict = field(default_factory=dict)
    granularity: str = "weights"
    width_multiple: int = 1

    def __post_init__(self) -> None:
        self.ratios = np.asarray(self.ratios, dtype=np.float64)
        self.unit_sizes = np.asarray(self.unit_sizes, dtype=np.int64)
        self.modules = tuple(self.modules)
        if self.ratios.ndim != 2 or self.ratios.shape[1] != len(self.modules):
            raise ValueError(
                f"ratios must have shape (layers, {len(self.modules)}), got {self.ratios.shape}"
            )
        if self.unit_sizes.shape != self.ratios.shape:
            raise ValueError("unit_sizes must have the same shape as ratios")
        if not np.all((self.ratios >= 0) & (self.ratios <= 1)):  # NaN fails both
            raise ValueError("every pruning ratio must lie in [0, 1]")
        if self.granularity not in GRANULARITIES:
            raise ValueError(
                f"unknown granularity {self.granularity!r}; choose one of {GRANULARITIES}"
            )
        if self.width_multiple < 1 or (self.width_multiple > 1 and self.granularity != "channels"):
            raise ValueError(
                f"width_multiple must be 1 (more for a channels plan), not {self.width_multiple}"
            )

    @classmethod
    def for_pruner(
        cls, pruner: Pruner, ratios: np.ndarray, total_params: int, **kwargs
    ) -> PruningPlan:
        """A plan shaped for `pruner`'s units."""
        return cls(
            ratios=ratios,
            unit_sizes=np.array(pruner.sizes),
            total_params=total_params,
            modules=pruner.modules,
            criterion=pruner.criterion,
            granularity=pruner.granularity,
            width_multiple=getattr(pruner, "width_multiple", 1),
            **kwargs,
        )

    @property
    def num_layers(self) -> int:
        return self.ratios.shape[0]

    @property
    def pruned_params(self) -> float:
        return float((self.ratios * self.unit_sizes).sum())

    @property
    def prunable_sparsity(self) -> float:
        """Share of the prunable units' weights this plan removes."""
        return self.pruned_params / float(self.unit_sizes.sum())

    @property
    def model_sparsity(self) -> float:
        """Share of all the model's parameters this plan removes."""
        return self.pruned_params / float(self.total_params)

    def scaled(self, prunable_sparsity: float | None = None, model_sparsity: float | None = None):
        """The same allocation scaled (ratios x f, capped at 1) to hit one sparsity exactly."""
        if (prunable_sparsity is None) == (model_sparsity is None):
            raise ValueError("give exactly one of prunable_sparsity and model_sparsity")
        target = (
            prunable_sparsity
            if prunable_sparsity is not None
            else model_sparsity * self.total_params / float(self.unit_sizes.sum())
        )
        if not 0.0 <= target <= 1.0:
            raise ValueError(f"a prunable sparsity of {target:.4f} is impossible")
        if target > 0 and self.prunable_sparsity == 0:
            raise ValueError("an empty plan cannot be scaled up; use a uniform plan")

        def sparsity_at(factor: float) -> float:
            return float((np.minimum(self.ratios * factor, 1.0) * self.unit_sizes).sum()) / float(
                self.unit_sizes.sum()
            )

        factor = bisect_knob(sparsity_at, target, 0.0, 1.0, grow=True)
        ratios = np.minimum(self.ratios * factor, 1.0)
        return self.with_ratios(ratios, scaled_from=self.prunable_sparsity)

    def uniform_like(self, prunable_sparsity: float | None = None) -> PruningPlan:
        """A uniform plan (one ratio everywhere) at this plan's (or the given) sparsity."""
        target = self.prunable_sparsity if prunable_sparsity is None else prunable_sparsity
        return self.with_ratios(np.full_like(self.ratios, target), baseline="uniform")

    def with_ratios(self, ratios: np.ndarray, **metadata) -> PruningPlan:
        return PruningPlan(
            ratios=ratios,
            unit_sizes=self.unit_sizes,
            total_params=self.total_params,
            modules=self.modules,
            criterion=self.criterion,
            model=self.model,
            metadata=metadata,
            granularity=self.granularity,
            width_multiple=self.width_multiple,
        )

    def apply(self, pruner: Pruner) -> None:
        """Prune `pruner`'s model to this plan (restoring first)."""
        if pruner.granularity != self.granularity:
            raise ValueError(
                f"this plan prunes {self.granularity}; the pruner prunes {pruner.granularity}"
            )
        if pruner.modules != self.modules or np.array(pruner.sizes).shape != self.ratios.shape:
            raise ValueError(
                f"this plan is for {self.num_layers} layers x {self.modules}; the model has "
                f"{pruner.num_layers} layers x {pruner.modules}"
            )
        if self.width_multiple != getattr(pruner, "width_multiple", 1):
            raise ValueError(
                f"this plan keeps MLP widths in multiples of {self.width_multiple}; build the "
                f"pruner with width_multiple={self.width_multiple} (--width-multiple)"
            )
        pruner.apply(self.ratios.tolist())

    def to_dict(self) -> dict:
        aligned = {"width_multiple": self.width_multiple} if self.width_multiple > 1 else {}
        return {
            "format": "llm-prune-gym/plan/v1",
            "model": self.model,
            "criterion": self.criterion,
            "granularity": self.granularity,
            **aligned,
            "modules": list(self.modules),
            "ratios": self.ratios.round(6).tolist(),
            "unit_sizes": self.unit_sizes.tolist(),
            "total_params": int(self.total_params),
            "prunable_sparsity": round(self.prunable_sparsity, 6),
            "model_sparsity": round(self.model_sparsity, 6),
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, data: dict) -> PruningPlan:
        check_plan_fields(data)
        try:
            ratios = np.array(data["ratios"], dtype=np.float64)
            unit_sizes = np.array(data["unit_sizes"], dtype=np.int64)
            total_params, modules = data["total_params"], tuple(data["modules"])
        except KeyError as missing:
            raise ValueError(f"a pruning plan needs the field {missing}") from None
        except (TypeError, ValueError) as error:  # text among the numbers, ragged lists
            raise ValueError(
                f"a pruning plan's ratios and unit_sizes must be tables of numbers ({error})"
            ) from None
        return cls(
            ratios=ratios,
            unit_sizes=unit_sizes,
            total_params=total_params,
            modules=modules,
            criterion=data.get("criterion", "magnitude"),
            model=data.get("model", ""),
            metadata=data.get("metadata", {}),
            granularity=data.get("granularity", "weights"),
            width_multiple=data.get("width_multiple", 1),
        )

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        if path.is_dir():
            raise ValueError(f"{path} is a folder; give the plan's file name (e.g. plan.json)")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> PruningPlan:
        path = Path(path)
        if path.is_dir():
            raise ValueError(f"{path} is a folder, not a plan JSON file")
        try:
            data = json.loads(path.read_text())
        except ValueError as error:  # JSON syntax, or bytes that are not UTF-8
            raise ValueError(f"{path} is not a plan JSON file ({error})") from None
        return cls.from_dict(data)


# The JSON type of each plan field (bool is refused where a number is wanted).
PLAN_FIELD_TYPES = {
    "ratios": list,
    "unit_sizes": list,
    "total_params": int,
    "modules": list,
    "criterion": str,
    "model": str,
    "metadata": dict,
    "granularity": str,
    "width_multiple": int,
}


def check_plan_fields(data: object) -> None:
    """ValueError naming the first field of a plan JSON value that has the wrong type."""
    if not isinstance(data, dict):
        raise ValueError(f"a pruning plan must be a JSON object, not a {type(data).__name__}")
    for name, kind in PLAN_FIELD_TYPES.items():
        value = data.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise ValueError(
                f"a pruning plan's {name} must be a {kind.__name__}, not {type(value).__name__}"
            )
    if not all(isinstance(m, str) for m in data.get("modules") or []):
        raise ValueError("a pruning plan's modules must be names (strings)")


def sparsity_of(ratios: np.ndarray, sizes: np.ndarray) -> float:
    """Share of the weights of units of `sizes` that `ratios` (same shape) remove."""
    return float((ratios * sizes).sum() / sizes.sum())


def bisect_knob(
    value_at: Callable[[float], float],
    target: float,
    low: float,
    high: float,
    steps: int = 100,
    grow: bool = False,
) -> float:
    """The knob ``x`` in ``[low, high]`` where `value_at` (non-decreasing) reaches `target`.

    Returns the upper end of the last bracket, so ``value_at(x) >= target`` holds where
    the bracket held it. With ``grow``, a negative `low` doubles while its value is above
    the target and `high` doubles while its value is below (up to 1e9 in size). This is
    the one sparsity bisection: plans scaled to a sparsity, budget-fitted allocations
    and psrl's budget multiplier all use it.
    """
    if grow:
        while low < 0 and value_at(low) > target and low > -1e9:
            low *= 2
        while value_at(high) < target and high < 1e9:
            high *= 2
    for _ in range(steps):
        middle = (low + high) / 2
        low, high = (middle, high) if value_at(middle) < target else (low, middle)
    return high


def count_parameters(model: nn.Module) -> int:
    """Parameters of a model, tied tensors counted once."""
    return sum(p.numel() for p in model.parameters())
