"""In-place unstructured pruning of a model's linear units by precomputed ranks.

A *unit* is one linear module of one decoder layer (say layer 3's ``q_proj``).
Each unit's weights are ranked once by the pruning criterion: an int32 tensor of the
weight's shape holds every weight's position in the pruning order. Pruning ``n``
weights then writes ``where(rank < n, 0, original)``: no sort, no index list, and the
same elementwise kernel for every ratio, so restoring (``n = 0``) is a bit-exact copy
of the kept original.

On CUDA every write replays a captured CUDA graph that rewrites the units from a
device tensor of counts: one launch per step (one graph per layer) or per restore (one
for all units) instead of a few hundred small kernels, and no host sync. Pruning can
also be *staged*: :meth:`Pruner.stage_layer` records a layer's counts on the host and
:meth:`Pruner.commit` writes every staged unit at once (one launch for a whole plan).

Criteria:

- ``magnitude``: L1-unstructured, the smallest ``|W|`` of the whole matrix go first.
- ``wanda``: ``|W_ij| * ||X_j||_2`` with ``X`` the unit's input activations over
  calibration tokens, compared within each output row (Sun et al., 2023), so
  every row loses the same share.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

from .settings import CRITERIA, DEFAULT_MODULES
from .students import decoder_layers, find_linear

# CRITERIA and DEFAULT_MODULES are re-exported from settings
__all__ = ["CRITERIA", "DEFAULT_MODULES", "Pruner", "input_moments", "input_norms"]

ALL_LLAMA_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def magnitude_order(weight: torch.Tensor) -> torch.Tensor:
    """Flat indices of `weight`, smallest |w| first (ties by index, so deterministic)."""
    return torch.argsort(weight.detach().abs().flatten(), stable=True)


def wanda_order(weight: torch.Tensor, input_norm: torch.Tensor) -> torch.Tensor:
    """Flat indices in rank-major order: every row's weakest weight, then every row's next.

    Taking the first ``rows * k`` indices prunes exactly ``k`` weights in each row.
    """
    score = weight.detach().abs() * input_norm.to(weight.device, weight.dtype)[None, :]
    rows, cols = score.shape
    per_row = torch.argsort(score, dim=1, stable=True)
    flat = per_row + torch.arange(rows, device=score.device)[:, None] * cols
    return flat.T.reshape(-1)


def order_ranks(order: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """Invert a flat pruning order: each weight's position in it, as int32 of `shape`.

    The weights of rank ``< n`` are exactly ``order[:n]``, so a mask needs no index list.
    """
    ranks = torch.empty(order.numel(), dtype=torch.int32, device=order.device)
    ranks[order] = torch.arange(order.numel(), dtype=torch.int32, device=order.device)
    return ranks.view(shape)


def cuda_graphs_enabled() -> bool:
    """CUDA graphs are on unless ``LLM_PRUNE_GYM_CUDA_GRAPHS=0`` (for debugging, profiling)."""
    return os.environ.get("LLM_PRUNE_GYM_CUDA_GRAPHS", "1") != "0"


@torch.no_grad()
def input_moments(
    model: nn.Module,
    linears: Sequence[nn.Linear],
    batches: Iterable[dict[str, torch.Tensor]],
    gram: bool = False,
) -> list[torch.Tensor]:
    """Per linear, over the real tokens of `batches`: each input feature's sum of squares
    (on the CPU), or with `gram` the whole ``X^T X`` (on the linear's device), in float64.

    Each batch is a dict of model inputs with an ``attention_mask``; padding is skipped.
    """
    sums: list[torch.Tensor | None] = [None] * len(linears)
    mask: torch.Tensor | None = None

    def hook_for(index: int) -> Callable:
        def hook(_module: nn.Module, args: tuple) -> None:
            x = args[0].detach().to(torch.float64)
            x = x[mask.bool()] if mask is not None else x.reshape(-1, x.shape[-1])
            moment = x.T @ x if gram else (x * x).sum(dim=0).cpu()
            sums[index] = moment if sums[index] is None else sums[index] + moment

        return hook

    handles = [lin.register_forward_pre_hook(hook_for(i)) for i, lin in enumerate(linears)]
    try:
        for batch in batches:
            mask = batch["attention_mask"]
            model(**batch)
    finally:
        for handle in handles:
            handle.remove()
    empty = [torch.zeros((n, n) if gram else n, dtype=torch.float64) for n in
             (lin.in_features for lin in linears)]  # fmt: skip
    return [empty[i] if moment is None else moment for i, moment in enumerate(sums)]


def input_norms(
    model: nn.Module, linears: Sequence[nn.Linear], batches: Iterable[dict[str, torch.Tensor]]
) -> list[torch.Tensor]:
    """L2 norm of each input feature of each linear over the real tokens of `batches`."""
    return [s.sqrt().to(torch.float32) for s in input_moments(model, linears, batches)]


def checked_units(modules: Sequence[str], criterion: str) -> tuple[tuple[str, ...], str]:
    """A pruner's module names and criterion, or a ValueError naming what is wrong."""
    if criterion not in CRITERIA:
        raise ValueError(f"unknown pruning criterion {criterion!r}; choose one of {CRITERIA}")
    if not modules:
        raise ValueError("at least one prunable module name is needed")
    return tuple(modules), criterion


class Pruner:
    """Prunes the units ``modules`` x decoder layers of `model` in place and restores them.

    Args:
        model: a Llama-like causal LM (its layers must have every module in `modules`).
        modules: short names of the linear modules to prune in each layer.
        criterion: ``"magnitude"`` or ``"wanda"``.
        input_norms: for ``wanda``, the per-feature input norms of every unit, layer-major
            (see :func:`input_norms`).

    ``pruned[l][k]`` is the number of weights of unit ``(l, k)`` pruned (or staged to be).
    Single weights go (``granularity = "weights"``); see
    :class:`~llm_prune_gym.structured.StructuredPruner` for whole channels and heads.
    :meth:`prune_layer`, :meth:`apply` and :meth:`restore` write the weights at once;
    :meth:`stage_layer` defers the write to the next :meth:`commit`.
    """

    granularity = "weights"

    def __init__(
        self,
        model: nn.Module,
        modules: Sequence[str] = DEFAULT_MODULES,
        criterion: str = "magnitude",
        input_norms: Sequence[torch.Tensor] | None = None,
    ) -> None:
        self.modules, self.criterion = checked_units(modules, criterion)
        self.layers = [
            [find_linear(layer, m) for m in self.modules] for layer in decoder_layers(model)
        ]
        self.units = [lin for layer in self.layers for lin in layer]  # layer-major
        if criterion == "wanda" and (input_norms is None or len(input_norms) != len(self.units)):
            raise ValueError("the wanda criterion needs the input norms of every unit")
        self.originals = [lin.weight.detach().clone() for lin in self.units]
        self.ranks = []  # int32, each weight's position in its unit's pruning order
        self.steps = []  # weights removed per step of the ranking: 1, or one per row
        for index, lin in enumerate(self.units):
            if criterion == "magnitude":
                order = magnitude_order(lin.weight)
                self.steps.append(1)
            else:
                order = wanda_order(lin.weight, input_norms[index])
                self.steps.append(lin.out_features)
            self.ranks.append(order_ranks(order, lin.weight.shape))
        self.sizes = [[lin.weight.numel() for lin in layer] for layer in self.layers]
        self.pruned = [[0] * len(self.modules) for _ in self.layers]  # weights zeroed per unit
        self.cuda_graphs = cuda_graphs_enabled()
        self._written = [0] * len(self.units)  # the count each unit's weights hold now
        self._graphs: dict[int | None, torch.cuda.CUDAGraph] = {}
        self._graph_counts: torch.Tensor | None = None
        self._graph_pointers: list[int] = []
        self._graph_failed = False
        devices = {original.device for original in self.originals}
        self._one_cuda_device = len(devices) == 1 and devices.pop().type == "cuda"
        self._zeros: dict[tuple, torch.Tensor] = {}  # a 0-dim zero per dtype and device

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    @property
    def graph_count(self) -> int:
        """CUDA graphs captured for writing the weights (0: eager writes)."""
        return len(self._graphs)

    def count_for(self, layer: int, unit: int, ratio: float) -> int:
        """How many weights a ratio removes from a unit (whole rows of the ranking for wanda)."""
        index = layer * len(self.modules) + unit
        step = self.steps[index]
        return int(round(ratio * self.sizes[layer][unit] / step)) * step

    def _counts(self, layer: int, ratios: Sequence[float]) -> list[int]:
        if len(ratios) != len(self.modules):
            raise ValueError(f"expected {len(self.modules)} ratios for layer {layer}")
        for ratio in ratios:
            if not 0.0 <= float(ratio) <= 1.0:
                raise ValueError(f"pruning ratio {ratio} is outside [0, 1]")
        return [self.count_for(layer, unit, float(r)) for unit, r in enumerate(ratios)]

    def plan_counts(self, ratios: Sequence[Sequence[float]]) -> list[list[int]]:
        """The weights :meth:`apply` removes from each unit for a whole ``L x K`` table."""
        if len(ratios) != self.num_layers:
            raise ValueError(f"expected ratios for {self.num_layers} layers, got {len(ratios)}")
        return [self._counts(layer, row) for layer, row in enumerate(ratios)]

    def stage_layer(self, layer: int, ratios: Sequence[float]) -> None:
        """Record `layer`'s ratios (0 <= ratio <= 1) in ``pruned``; the next commit writes them."""
        self.pruned[layer] = self._counts(layer, ratios)

    @torch.no_grad()
    def commit(self) -> None:
        """Write every unit whose weights differ from its staged count (restores count 0)."""
        targets = [count for row in self.pruned for count in row]
        changed = [i for i, (t, w) in enumerate(zip(targets, self._written, strict=True)) if t != w]
        if not changed:
            return
        if self._use_graph():
            layers = {index // len(self.modules) for index in changed}
            if self._replay(targets, layers.pop() if len(layers) == 1 else None):
                self._written = targets
                return
            changed = range(len(self.units))  # a failed capture may have written any unit
        for index in changed:
            self._write(index, targets[index])
        self._written = targets

    def prune_layer(self, layer: int, ratios: Sequence[float]) -> None:
        """Prune each unit of `layer` to its ratio of the original weights (0 <= ratio <= 1)."""
        self.stage_layer(layer, ratios)
        self.commit()

    def restore(self) -> None:
        """Put back the original weights of every pruned unit, bit-exactly."""
        self.pruned = [[0] * len(self.modules) for _ in self.layers]
        self.commit()

    def apply(self, ratios: Sequence[Sequence[float]]) -> None:
        """Prune every layer to its row of `ratios` (L x len(modules)) from the originals."""
        self.pruned = self.plan_counts(ratios)
        self.commit()

    def remaining_fractions(self) -> list[list[float]]:
        return [
            [1.0 - pruned / size for pruned, size in zip(p_row, s_row, strict=True)]
            for p_row, s_row in zip(self.pruned, self.sizes, strict=True)
        ]

    @property
    def prunable_params(self) -> int:
        return sum(map(sum, self.sizes))

    @property
    def pruned_params(self) -> int:
        return sum(map(sum, self.pruned))

    # -- writing the weights ------------------------------------------------------

    def _write(self, index: int, count: int | torch.Tensor) -> None:
        """Unit `index` := its original with the weights of rank < `count` zeroed."""
        weight = self.units[index].weight.detach()
        if isinstance(count, int) and count == 0:
            weight.copy_(self.originals[index])
        else:
            original = self.originals[index]
            zero = self._zeros.get((original.dtype, original.device))
            if zero is None:
                zero = self._zeros[(original.dtype, original.device)] = original.new_zeros(())
            torch.where(self.ranks[index] < count, zero, original, out=weight)

    def _use_graph(self) -> bool:
        return self.cuda_graphs and self._one_cuda_device and not self._graph_failed

    def _replay(self, targets: list[int], layer: int | None) -> bool:
        """Write `layer`'s units (None: all units) by replaying its CUDA graph.

        Returns False if the graphs cannot be captured. The counts travel in one small
        non-blocking copy; nothing waits for the GPU.
        """
        # A graph writes to the addresses it was captured with: recapture if the model's
        # weights moved (checking only the units this replay writes keeps a step cheap).
        scope = range(len(self.units)) if layer is None else self._scope(layer)
        if not self._graphs or any(
            self.units[i].weight.data_ptr() != self._graph_pointers[i] for i in scope
        ):
            try:
                self._capture([lin.weight.data_ptr() for lin in self.units])
            except Exception as error:  # capture is an optimisation: fall back to eager
                warnings.warn(f"pruning without CUDA graphs: {error}", stacklevel=3)
                self._graphs, self._graph_failed = {}, True
                return False
            layer = None  # the capture's warm-up wrote the originals everywhere
        counts = torch.tensor(targets, dtype=torch.int32, pin_memory=True)
        self._graph_counts.copy_(counts, non_blocking=True)  # the pinned block is kept until done
        self._graphs[layer].replay()
        return True

    def _scope(self, layer: int) -> range:
        return range(layer * len(self.modules), (layer + 1) * len(self.modules))

    def _capture(self, pointers: list[int]) -> None:
        """One graph per layer (a step's write) and one for all units (restore, apply)."""
        device = self.originals[0].device
        scopes = {None: range(len(self.units))}
        scopes.update({layer: self._scope(layer) for layer in range(self.num_layers)})
        with torch.cuda.device(device):
            self._graph_counts = torch.zeros(len(self.units), dtype=torch.int32, device=device)
            counts = self._graph_counts.unbind()
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream):  # warm-up (writes the originals: counts are 0)
                for index, count in enumerate(counts):
                    self._write(index, count)
            torch.cuda.current_stream().wait_stream(stream)
            pool = torch.cuda.graph_pool_handle()  # replays never overlap: share the scratch
            graphs = {}
            for scope, indices in scopes.items():
                graphs[scope] = torch.cuda.CUDAGraph()
                with torch.cuda.graph(graphs[scope], pool=pool):
                    for index in indices:
                        self._write(index, counts[index])
        self._graphs, self._graph_pointers = graphs, pointers
