"""In-place unstructured pruning of a model's linear units by precomputed orders.

A *unit* is one linear module of one decoder layer (say layer 3's ``q_proj``).
Each unit's weights are ranked once by the pruning criterion; pruning a ratio
``r`` then zeroes the first ``r`` of that ranking, a single indexed write rather
than a sort. The original weights are kept so ``restore`` is bit-exact.

Criteria:

- ``magnitude``: L1-unstructured, the smallest ``|W|`` of the whole matrix go first.
- ``wanda``: ``|W_ij| * ||X_j||_2`` with ``X`` the unit's input activations over
  calibration tokens, compared within each output row (Sun et al., 2023), so
  every row loses the same share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

from .students import decoder_layers, find_linear

DEFAULT_MODULES = ("q_proj", "o_proj", "gate_proj", "up_proj")
ALL_LLAMA_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
CRITERIA = ("magnitude", "wanda")


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


@torch.no_grad()
def input_norms(
    model: nn.Module, linears: Sequence[nn.Linear], batches: Iterable[dict[str, torch.Tensor]]
) -> list[torch.Tensor]:
    """L2 norm of each input feature of each linear over the real tokens of `batches`.

    Each batch is a dict of model inputs with an ``attention_mask``; padding is skipped.
    """
    sums = [torch.zeros(lin.in_features, dtype=torch.float64) for lin in linears]
    mask: torch.Tensor | None = None

    def hook_for(index: int) -> Callable:
        def hook(_module: nn.Module, args: tuple) -> None:
            x = args[0].detach().to(torch.float64)
            x = x[mask.bool()] if mask is not None else x.reshape(-1, x.shape[-1])
            sums[index] += (x * x).sum(dim=0).cpu()

        return hook

    handles = [lin.register_forward_pre_hook(hook_for(i)) for i, lin in enumerate(linears)]
    try:
        for batch in batches:
            mask = batch["attention_mask"]
            model(**batch)
    finally:
        for handle in handles:
            handle.remove()
    return [s.sqrt().to(torch.float32) for s in sums]


class Pruner:
    """Prunes the units ``modules`` x decoder layers of `model` in place and restores them.

    Args:
        model: a Llama-like causal LM (its layers must have every module in `modules`).
        modules: short names of the linear modules to prune in each layer.
        criterion: ``"magnitude"`` or ``"wanda"``.
        input_norms: for ``wanda``, the per-feature input norms of every unit, layer-major
            (see :func:`input_norms`).
    """

    def __init__(
        self,
        model: nn.Module,
        modules: Sequence[str] = DEFAULT_MODULES,
        criterion: str = "magnitude",
        input_norms: Sequence[torch.Tensor] | None = None,
    ) -> None:
        if criterion not in CRITERIA:
            raise ValueError(f"unknown pruning criterion {criterion!r}; choose one of {CRITERIA}")
        if not modules:
            raise ValueError("at least one prunable module name is needed")
        self.modules = tuple(modules)
        self.criterion = criterion
        self.layers = [
            [find_linear(layer, m) for m in self.modules] for layer in decoder_layers(model)
        ]
        linears = [lin for layer in self.layers for lin in layer]
        if criterion == "wanda" and (input_norms is None or len(input_norms) != len(linears)):
            raise ValueError("the wanda criterion needs the input norms of every unit")
        self.originals = [lin.weight.detach().clone() for lin in linears]
        self.orders = []
        self.granularity = []  # weights removed per step of the ranking: 1, or one per row
        for index, lin in enumerate(linears):
            if criterion == "magnitude":
                self.orders.append(magnitude_order(lin.weight))
                self.granularity.append(1)
            else:
                self.orders.append(wanda_order(lin.weight, input_norms[index]))
                self.granularity.append(lin.out_features)
        self.sizes = [[lin.weight.numel() for lin in layer] for layer in self.layers]
        self.pruned = [[0] * len(self.modules) for _ in self.layers]  # weights zeroed per unit
        self._dirty: set[int] = set()

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    def count_for(self, layer: int, unit: int, ratio: float) -> int:
        """How many weights a ratio removes from a unit (whole rows of the ranking for wanda)."""
        index = layer * len(self.modules) + unit
        step = self.granularity[index]
        return int(round(ratio * self.sizes[layer][unit] / step)) * step

    @torch.no_grad()
    def prune_layer(self, layer: int, ratios: Sequence[float]) -> None:
        """Prune each unit of `layer` to its ratio of the original weights (0 <= ratio <= 1)."""
        for unit, ratio in enumerate(ratios):
            if not 0.0 <= float(ratio) <= 1.0:
                raise ValueError(f"pruning ratio {ratio} is outside [0, 1]")
            index = layer * len(self.modules) + unit
            weight = self.layers[layer][unit].weight
            count = self.count_for(layer, unit, float(ratio))
            if self.pruned[layer][unit]:
                weight.copy_(self.originals[index])
            if count:
                weight.view(-1)[self.orders[index][:count]] = 0
                self._dirty.add(index)
            self.pruned[layer][unit] = count

    @torch.no_grad()
    def restore(self) -> None:
        """Put back the original weights of every unit pruned since the last restore."""
        linears = [lin for layer in self.layers for lin in layer]
        for index in self._dirty:
            linears[index].weight.copy_(self.originals[index])
        self._dirty.clear()
        self.pruned = [[0] * len(self.modules) for _ in self.layers]

    def apply(self, ratios: Sequence[Sequence[float]]) -> None:
        """Restore, then prune every layer to its row of `ratios` (L x len(modules))."""
        if len(ratios) != self.num_layers:
            raise ValueError(f"expected ratios for {self.num_layers} layers, got {len(ratios)}")
        self.restore()
        for layer, row in enumerate(ratios):
            self.prune_layer(layer, row)

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
