"""Batched plan evaluation: the calibration KL of K pruning plans from one forward pass.

The calibration batch of ``B`` sequences is repeated K times along the batch dimension
(plan-major: rows ``k * B .. k * B + B - 1`` belong to plan ``k``), and for the duration
of the forward every prunable linear computes each plan's rows with that plan's masked
weights, masked from the kept originals as the forward reaches the unit (so memory
grows by K copies of one unit, not of the model). On the CPU the activations and
rotary embeddings run per plan (:func:`row_wise_modules` says why). Everything else
(embeddings, norms, attention, the unpruned linears, the log-softmax and the KL
against the cached teacher) runs once over the ``K * B`` rows.

Exactness: a plan's masked weights are the :class:`~llm_prune_gym.pruning.Pruner`'s
(the same ``where(rank < count, 0, original)``, so the same bits), and with
``matmul="loop"`` (the default) each plan's rows go through ``F.linear`` with the very
shapes the one-plan path uses. The shared ops work row by row; on the CPU they give
the one-plan bits (a test checks it, and ``bench/env_speed.py`` reports it for both
matmuls on every device it measures: a GPU library may pick other kernels for the
larger shapes).

The model's own weights are never written: the plans are masked from the pruner's
kept originals, so an episode in progress is left exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .calibration import CalibrationSet, KLResult
from .plan import PruningPlan
from .pruning import Pruner
from .settings import BATCH_MATMULS

DEFAULT_MAX_BATCH_PLANS = 16  # plans per forward; activations and masked units grow with it
MATMULS = BATCH_MATMULS


def plan_ratios(plans: Sequence[PruningPlan | np.ndarray] | np.ndarray) -> list[np.ndarray]:
    """Each plan's ``L x K`` ratio table (a :class:`PruningPlan` or an array)."""
    return [
        plan.ratios if isinstance(plan, PruningPlan) else np.asarray(plan, dtype=np.float64)
        for plan in plans
    ]


def plan_counts(pruner: Pruner, ratios: Sequence[np.ndarray]) -> torch.Tensor:
    """``[plans, units]`` int32 on the weights' device: the weights each plan prunes per unit."""
    rows = []
    for table in ratios:
        if len(table) != pruner.num_layers:
            raise ValueError(f"expected ratios for {pruner.num_layers} layers, got {len(table)}")
        rows.append([n for layer, row in enumerate(table) for n in pruner._counts(layer, row)])
    return torch.tensor(rows, dtype=torch.int32, device=pruner.originals[0].device)


def _plan_linear(pruner: Pruner, index: int, counts: torch.Tensor, matmul: str):
    """A forward for unit `index` that gives each plan's rows that plan's masked weights.

    ``matmul="loop"``: one ``F.linear`` per plan, the one-plan path's shapes and kernel;
    ``"bmm"``: one batched matmul for all plans (fewer, larger kernels). A ``-tf32`` suffix
    is the caller's matmul precision (:func:`batch_kl_sums`), the same kernels here.
    """
    unit = pruner.units[index]
    original, ranks = pruner.originals[index], pruner.ranks[index]
    zero = original.new_zeros(())

    def forward(x: torch.Tensor) -> torch.Tensor:
        plans = counts.shape[0]
        masked = torch.where(ranks < counts[:, index, None, None], zero, original)
        if matmul.startswith("bmm"):
            out = torch.bmm(x.reshape(plans, -1, x.shape[-1]), masked.transpose(1, 2))
            out = out.reshape(*x.shape[:-1], -1)
            return out if unit.bias is None else out + unit.bias
        rows = x.shape[0] // plans
        return torch.cat(
            [F.linear(x[k * rows : (k + 1) * rows], masked[k], unit.bias) for k in range(plans)]
        )

    return forward


def _split(value, plans: int, k: int):
    """Plan `k`'s rows of `value` if it is a tensor (rows are plan-major), else `value`."""
    if not isinstance(value, torch.Tensor) or value.dim() == 0:
        return value
    rows = value.shape[0] // plans
    return value[k * rows : (k + 1) * rows]


def _per_plan(module: nn.Module, plans: int):
    """A forward that runs `module` on each plan's rows alone, with the one-plan shapes."""
    forward = type(module).forward.__get__(module)

    def run(*args, **kwargs):
        outputs = [
            forward(
                *(_split(a, plans, k) for a in args),
                **{name: _split(v, plans, k) for name, v in kwargs.items()},
            )
            for k in range(plans)
        ]
        if isinstance(outputs[0], tuple):
            return tuple(torch.cat(parts) for parts in zip(*outputs, strict=True))
        return torch.cat(outputs)

    return run


def row_wise_modules(model: nn.Module) -> list[nn.Module]:
    """The activations and rotary embeddings: run per plan so their bits match one plan's.

    Their transcendental functions (exp, sin, cos) take a vector or a scalar path on
    the CPU depending on where a thread's share of the tensor ends, which moves with
    the tensor's size; the same element can then differ in its last bit. CUDA kernels
    compute every element with the same code, so there they run once over all rows
    (``bench/env_speed.py`` checks the KLs on the GPU bit for bit).
    """
    return [
        module
        for name, module in model.named_modules()
        if name.endswith(("act_fn", "rotary_emb")) and type(module).forward is not nn.Module.forward
    ]


@contextmanager
def plans_in_batch(
    model: nn.Module, pruner: Pruner, counts: torch.Tensor, matmul: str = "loop"
) -> Iterator[None]:
    """While inside, `model` computes plan ``k``'s rows with plan ``k``'s pruned units.

    On the CPU the row-wise modules (:func:`row_wise_modules`) run per plan as well.
    """
    if matmul not in MATMULS:
        raise ValueError(f"unknown matmul {matmul!r}; choose one of {MATMULS}")
    plans = counts.shape[0]
    patched: list[nn.Module] = []
    try:
        for index, unit in enumerate(pruner.units):
            unit.forward = _plan_linear(pruner, index, counts, matmul)
            patched.append(unit)
        if plans > 1 and counts.device.type == "cpu":  # CUDA: one code path per element
            for module in row_wise_modules(model):
                module.forward = _per_plan(module, plans)
                patched.append(module)
        yield
    finally:
        for module in patched:
            module.__dict__.pop("forward", None)  # back to the class's forward


def _repeated(inputs: dict[str, torch.Tensor], times: int) -> dict[str, torch.Tensor]:
    """`inputs` with every tensor repeated `times` times along the batch dimension."""
    return {name: value.repeat(times, *([1] * (value.dim() - 1))) for name, value in inputs.items()}


@torch.no_grad()
def batch_kl_sums(
    calibration: CalibrationSet,
    pruner: Pruner,
    counts: torch.Tensor,
    indices: Sequence[int],
    matmul: str = "loop",
) -> torch.Tensor:
    """``[plans, len(indices)]``: each plan's summed KL per sequence, in one forward pass."""
    indices = [int(i) for i in indices]
    plans = counts.shape[0]
    inputs = _repeated(calibration.model_inputs(indices), plans)
    with (
        plans_in_batch(calibration.model, pruner, counts, matmul),
        tf32_matmuls(matmul.endswith("-tf32")),
    ):
        sums = calibration.kl_sums(indices * plans, inputs)
    return sums.view(plans, len(indices))


@contextmanager
def tf32_matmuls(on: bool = True) -> Iterator[None]:
    """float32 matmuls on TF32 tensor cores inside the block if `on` (torch's "high"
    precision; CUDA only, the CPU ignores it), the old precision after."""
    if not on:
        yield
        return
    old = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("high")
    try:
        yield
    finally:
        torch.set_float32_matmul_precision(old)


def evaluate_plans(
    calibration: CalibrationSet,
    pruner: Pruner,
    plans: Sequence[PruningPlan | np.ndarray] | np.ndarray,
    indices: Sequence[int],
    batch_size: int,
    max_batch_plans: int = DEFAULT_MAX_BATCH_PLANS,
    matmul: str = "loop",
) -> list[KLResult]:
    """Each plan's KL on `indices`, as one-at-a-time scoring computes it, batched.

    The sequences go in chunks of `batch_size` (as the one-plan path feeds them), the
    plans in chunks of at most `max_batch_plans` per forward pass; `matmul` picks how
    the pruned units multiply (:func:`plans_in_batch`).
    """
    counts = plan_counts(pruner, plan_ratios(plans))
    return evaluate_counts(
        calibration, pruner, counts, indices, batch_size, max_batch_plans, matmul
    )


def evaluate_counts(
    calibration: CalibrationSet,
    pruner: Pruner,
    counts: torch.Tensor,
    indices: Sequence[int],
    batch_size: int,
    max_batch_plans: int = DEFAULT_MAX_BATCH_PLANS,
    matmul: str = "loop",
    fixed_shape: bool = False,
) -> list[KLResult]:
    """:func:`evaluate_plans` of plans given as ``[plans, units]`` pruned-weight counts.

    `fixed_shape`: every forward carries exactly `max_batch_plans` plans (the last
    chunk filled up with unpruned plans), so a plan's KL comes from the same kernels
    whether it is scored alone or among others: one-at-a-time scoring defined as this
    call with one plan is then bit-equal to it wherever the kernels compute each row
    independently of its position in the batch (``bench/cuda_exact.py`` checks it on
    a GPU). It costs a full chunk's forward for a lone plan.
    """
    if max_batch_plans < 1:
        raise ValueError("max_batch_plans must be at least 1")
    indices = [int(i) for i in indices]
    if not indices:
        raise ValueError("evaluate_plans needs at least one calibration index")
    plans = len(counts)
    if fixed_shape and plans % max_batch_plans:
        filler = counts.new_zeros(max_batch_plans - plans % max_batch_plans, counts.shape[1])
        counts = torch.cat([counts, filler])
    sums: list[list[float]] = [[] for _ in range(len(counts))]
    for start in range(0, len(indices), batch_size):
        chunk = indices[start : start + batch_size]
        for first in range(0, len(counts), max_batch_plans):
            block = counts[first : first + max_batch_plans]
            block = batch_kl_sums(calibration, pruner, block, chunk, matmul)
            for offset, row in enumerate(block.tolist()):  # one host sync per forward
                sums[first + offset] += row
    scored = [calibration.scored[i] for i in indices]
    return [KLResult(sum(row) / sum(scored), row, list(scored)) for row in sums[:plans]]
