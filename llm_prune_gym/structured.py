"""Structured pruning: whole FFN channels and whole attention heads, masked in place by rank.

Under ``granularity="channels"`` every module name of the env's module set names one
*structure* of a decoder layer, and a unit's ratio removes that share of it:

- ``gate_proj``, ``up_proj`` or ``down_proj``: the MLP's intermediate channels. Channel
  ``i`` is row ``i`` of ``gate_proj`` and ``up_proj`` and column ``i`` of ``down_proj``;
  all three die together. One unit per layer: the three names are aliases, so naming
  two of them is an error (the MDP stays ``MultiDiscrete`` over the module set).
- ``q_proj`` or ``o_proj``: the query heads. Head ``h`` is ``head_dim`` rows of
  ``q_proj`` and the same columns of ``o_proj``. ``k_proj``/``v_proj`` are kept: with
  grouped-query attention heads go in steps of one per KV group (every group keeps
  the same number of query heads), so the pruned layer is still plain GQA and exports
  to a standard Llama shape. SmolLM2 (9 heads, 3 KV groups) prunes heads in thirds.

The default structured module set is :data:`DEFAULT_CHANNEL_MODULES` (heads and
MLP). A unit's size is every weight its structures hold (the ``down_proj``/``o_proj``
columns included), so sparsity counts the parameters a shrinking export removes. At
least one step of structures is always kept, so no exported tensor is empty.

Ranking (computed once, like :class:`~llm_prune_gym.pruning.Pruner`):

- ``magnitude``: a structure's L2 norm over all its weights (rows and columns).
- ``wanda``: the L2 norm of the structure's contribution to the layer output over
  the calibration tokens, Wanda-style: ``sqrt(sum_c ||W_out[:, c]||^2 ||X_c||^2)`` over
  the structure's input features ``c`` of ``down_proj`` / ``o_proj``.

``width_multiple=N`` (``--width-multiple``) keeps every MLP width a multiple of ``N``: a
whole plan's widths are rounded together by largest remainder (:func:`aligned_widths`), so
its MLP total stays within ``N / 2`` channels of the nominal one; the env, which prunes a
layer at a time, rounds each layer to the nearest multiple and its budget carries the
difference into the next layers. Plans made so hold the applied widths and record ``N``.
Measured on this CPU (``results/structured/cpu-aligned/``) it buys no speed: decoding
time is linear in the total width, aligned or not; it is there for runtimes that want it.

Pruning ``n`` structures writes ``where(rank < n, 0, original)`` to each weight with a
broadcast rank vector, so restoring (``n = 0``) is a bit-exact copy, as in ``Pruner``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .pruning import Pruner, checked_units, input_moments, input_norms
from .settings import DEFAULT_CHANNEL_MODULES, GRANULARITIES, check_granularity, default_modules
from .students import decoder_layers, find_linear

__all__ = ["GRANULARITIES", "REFIT_RIDGE", "StructuredPruner", "build_pruner", "default_modules"]
MLP_ALIASES = ("gate_proj", "up_proj", "down_proj")
HEAD_ALIASES = ("q_proj", "o_proj")
STRUCTURES = {**dict.fromkeys(MLP_ALIASES, "mlp"), **dict.fromkeys(HEAD_ALIASES, "heads")}
# refit's ridge, relative to the kept inputs' mean energy (1e-4 and 1e-5 within 1% on SmolLM2)
REFIT_RIDGE = 1e-4


@dataclass
class StructuredUnit:
    """The structures of one unit: which rows/columns of which linears each one owns.

    Attributes:
        kind: ``"mlp"`` (intermediate channels) or ``"heads"`` (query heads).
        rows: linears whose output rows belong to the structures (gate/up, q).
        columns: linears whose input columns belong to them (down, o).
        width: rows (columns) per structure: 1 for channels, ``head_dim`` for heads.
        count: structures in the unit (intermediate size, or query heads).
        step: structures removed together (1, or one head per KV group).
    """

    kind: str
    rows: list[nn.Linear]
    columns: list[nn.Linear]
    width: int
    count: int
    step: int

    @property
    def linears(self) -> list[nn.Linear]:
        return [*self.rows, *self.columns]

    @property
    def params_per_structure(self) -> int:
        rows = sum(lin.in_features for lin in self.rows)
        return self.width * (rows + sum(lin.out_features for lin in self.columns))

    @property
    def size(self) -> int:
        return self.count * self.params_per_structure

    @property
    def output(self) -> nn.Linear:
        """The linear whose input features are the structures (down_proj or o_proj)."""
        return self.columns[0]


def structured_units(model: nn.Module, modules: Sequence[str]) -> list[list[StructuredUnit]]:
    """Layers x modules: the structure each module name stands for (see the module docstring)."""
    kinds = [STRUCTURES.get(m) for m in modules]
    unknown = [m for m, kind in zip(modules, kinds, strict=True) if kind is None]
    if unknown:
        raise ValueError(
            f"granularity='channels' prunes {MLP_ALIASES} (MLP channels) or {HEAD_ALIASES} "
            f"(query heads); {unknown} cannot be pruned by channels"
        )
    if len(set(kinds)) != len(kinds):
        raise ValueError(
            f"{list(modules)} names one structure twice: under granularity='channels' "
            f"{MLP_ALIASES} are one unit (MLP channels) and {HEAD_ALIASES} one (query heads); "
            f"use e.g. modules={DEFAULT_CHANNEL_MODULES}"
        )
    config = model.config
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    units = []
    for layer in decoder_layers(model):
        row = []
        for kind in kinds:
            if kind == "mlp":
                gate, up, down = (find_linear(layer, m) for m in MLP_ALIASES)
                row.append(StructuredUnit("mlp", [gate, up], [down], 1, gate.out_features, 1))
            else:
                q, o = (find_linear(layer, m) for m in HEAD_ALIASES)
                row.append(StructuredUnit("heads", [q], [o], head_dim, heads, kv_heads))
        units.append(row)
    for unit in (u for row in units for u in row):
        if any(lin.bias is not None for lin in unit.rows):
            raise ValueError("granularity='channels' supports bias-free gate/up/q projections")
    return units


def structure_scores(unit: StructuredUnit, input_norm: torch.Tensor | None) -> torch.Tensor:
    """One score per structure (lower goes first): L2 norm, or Wanda-style output norm."""
    if input_norm is None:
        squares = sum(
            lin.weight.detach().double().pow(2).reshape(unit.count, unit.width, -1).sum((1, 2))
            for lin in unit.rows
        )
        squares = squares + sum(
            lin.weight.detach().double().pow(2).sum(0).reshape(unit.count, unit.width).sum(1)
            for lin in unit.columns
        )
    else:
        column_squares = unit.output.weight.detach().double().pow(2).sum(0).cpu()
        features = column_squares * input_norm.double().pow(2)
        squares = features.reshape(unit.count, unit.width).sum(1)
    return squares.sqrt().cpu()


def structure_order(scores: torch.Tensor, groups: int) -> torch.Tensor:
    """Structures in pruning order; with ``groups > 1`` the first ``k * groups`` take ``k``
    structures from each group (weakest first within a group)."""
    if groups == 1:
        return torch.argsort(scores, stable=True)
    per_group = scores.reshape(groups, -1)
    within = torch.argsort(per_group, dim=1, stable=True)
    flat = within + torch.arange(groups)[:, None] * per_group.shape[1]
    return flat.T.reshape(-1)


def aligned_bounds(width: float, multiple: int, full: int) -> tuple[int, int]:
    """The aligned widths just below and above `width`: multiples of `multiple`, at least
    one multiple, at most `full` (the unpruned width, aligned or not)."""
    low = min(max(int(np.floor(width / multiple + 1e-9)) * multiple, multiple), full)
    return low, min(low + multiple, full)


def aligned_widths(widths: Sequence[float], multiple: int, full: int | Sequence[int]) -> list[int]:
    """Widths that are multiples of `multiple` and sum as near to ``sum(widths)`` as they can.

    Why: CPU matmuls may run faster on aligned shapes, but rounding each layer on its
    own would move a plan's size by up to half a step per layer. Each width goes to the
    aligned width below it or the one above (:func:`aligned_bounds`). All start below;
    then the widths with the largest remainders (ties: the earlier layer) go up, one
    step each, while that brings the total nearer (largest-remainder rounding). So every
    width moves by less than one step and the total ends within half a step of the
    target (when the widths have room to move).
    """
    if multiple < 1:
        raise ValueError(f"width multiple must be at least 1, got {multiple}")
    fulls = np.broadcast_to(np.asarray(full, dtype=np.int64), (len(widths),))
    values = np.clip(np.asarray(widths, dtype=np.float64), 0.0, fulls)
    bounds = np.array(
        [aligned_bounds(w, multiple, int(n)) for w, n in zip(values, fulls, strict=True)]
    ).reshape(-1, 2)
    low, high = bounds[:, 0].astype(np.float64), bounds[:, 1].astype(np.float64)
    room = high - low
    share = np.where(room > 0, (values - low) / np.where(room > 0, room, 1), -np.inf)
    chosen, missing = low.copy(), float(values.sum() - low.sum())
    for index in np.argsort(-share, kind="stable"):
        if room[index] == 0 or missing < room[index] / 2:
            continue
        chosen[index] = high[index]
        missing -= room[index]
    return [int(w) for w in chosen]


def output_linears(model: nn.Module, modules: Sequence[str]) -> list[nn.Linear]:
    """``down_proj``/``o_proj`` of every unit, layer-major: whose input norms Wanda needs."""
    return [unit.output for row in structured_units(model, modules) for unit in row]


class StructuredPruner(Pruner):
    """Prunes whole channels and heads in place; the interface of :class:`Pruner`.

    ``pruned[l][k]`` counts the *parameters* removed from unit ``(l, k)``, ``sizes`` the
    parameters it holds, so sparsities mean the same as for unstructured pruning.
    ``layers[l][k]`` is the unit's named linear; :meth:`kept` lists the surviving
    structures. Writes are eager (no CUDA graphs): a unit spans several tensors.
    """

    granularity = "channels"

    def __init__(
        self,
        model: nn.Module,
        modules: Sequence[str] = DEFAULT_CHANNEL_MODULES,
        criterion: str = "magnitude",
        input_norms: Sequence[torch.Tensor] | None = None,
        width_multiple: int = 1,
        grams: Sequence[torch.Tensor] | None = None,
    ) -> None:
        self.modules, self.criterion = checked_units(modules, criterion)
        if width_multiple < 1:
            raise ValueError(f"width_multiple must be at least 1, got {width_multiple}")
        self.width_multiple = width_multiple
        self.structures = structured_units(model, self.modules)
        self.layers = [
            [find_linear(layer, m) for m in self.modules] for layer in decoder_layers(model)
        ]
        self.units = [unit for row in self.structures for unit in row]  # layer-major
        if criterion == "wanda" and (input_norms is None or len(input_norms) != len(self.units)):
            raise ValueError("the wanda criterion needs the input norms of every unit's output")
        self.originals = [
            [lin.weight.detach().clone() for lin in unit.linears] for unit in self.units
        ]
        self.structure_ranks = []  # int32 (count,): each structure's place in the order
        self._rank_views = []  # per linear: the ranks broadcast over its rows or columns
        for index, unit in enumerate(self.units):
            norm = input_norms[index] if criterion == "wanda" else None
            order = structure_order(structure_scores(unit, norm), unit.step)
            ranks = torch.empty(unit.count, dtype=torch.int32)
            ranks[order] = torch.arange(unit.count, dtype=torch.int32)
            self.structure_ranks.append(ranks)
            device = unit.output.weight.device
            per_feature = ranks.repeat_interleave(unit.width).to(device)
            views = [per_feature[:, None]] * len(unit.rows) + [per_feature[None, :]] * len(
                unit.columns
            )
            self._rank_views.append(views)
        self.sizes = [[unit.size for unit in row] for row in self.structures]
        self.pruned = [[0] * len(self.modules) for _ in self.layers]
        self.cuda_graphs = False
        self._graphs: dict = {}  # never captured: writes are eager
        self._graph_failed = False
        self._one_cuda_device = False
        self._written = [0] * len(self.units)
        self._zeros: dict[tuple, torch.Tensor] = {}
        if grams is not None and len(grams) != len(self.units):
            raise ValueError("refit needs the input Gram matrix of every unit's output linear")
        self.grams = grams

    def count_for(self, layer: int, unit: int, ratio: float) -> int:
        """Parameters a ratio removes: whole steps of structures, at least one step kept.

        With ``width_multiple > 1`` an MLP unit keeps the nearest multiple of it (the env
        prunes a layer at a time and carries the rounding into the next layers' budget).
        """
        structure = self.structures[layer][unit]
        if self.width_multiple > 1 and structure.kind == "mlp":
            kept = structure.count * (1.0 - ratio)
            low, high = aligned_bounds(kept, self.width_multiple, structure.count)
            kept = high if high > low and kept - low >= (high - low) / 2 else low
            return (structure.count - kept) * structure.params_per_structure
        steps = int(round(ratio * structure.count / structure.step))
        steps = min(steps, structure.count // structure.step - 1)
        return steps * structure.step * structure.params_per_structure

    def plan_counts(self, ratios: Sequence[Sequence[float]]) -> list[list[int]]:
        """:meth:`count_for` of every unit, but with ``width_multiple > 1`` the MLP widths of
        the whole plan are rounded together (:func:`aligned_widths`), so the plan's total
        stays within half a multiple of its nominal one instead of drifting a layer at a
        time."""
        counts = super().plan_counts(ratios)
        if self.width_multiple == 1:
            return counts
        mlp = [
            (layer, unit)
            for layer, row in enumerate(self.structures)
            for unit, structure in enumerate(row)
            if structure.kind == "mlp"
        ]
        if not mlp:
            return counts
        full = [self.structures[layer][unit].count for layer, unit in mlp]
        wanted = [
            n * (1.0 - float(ratios[layer][unit]))
            for n, (layer, unit) in zip(full, mlp, strict=True)
        ]
        for (layer, unit), n, kept in zip(
            mlp, full, aligned_widths(wanted, self.width_multiple, full), strict=True
        ):
            counts[layer][unit] = (n - kept) * self.structures[layer][unit].params_per_structure
        return counts

    def removed_structures(self, layer: int, unit: int) -> int:
        """How many structures of unit ``(layer, unit)`` are pruned (or staged to be)."""
        return self.pruned[layer][unit] // self.structures[layer][unit].params_per_structure

    def kept(self, layer: int, unit: int) -> torch.Tensor:
        """Indices (ascending) of the structures of unit ``(layer, unit)`` that survive."""
        ranks = self.structure_ranks[layer * len(self.modules) + unit]
        return torch.nonzero(ranks >= self.removed_structures(layer, unit)).flatten()

    def _write(self, index: int, count: int | torch.Tensor) -> None:
        """Unit `index`'s linears := their originals with the structures of rank < n zeroed."""
        unit = self.units[index]
        structures = count // unit.params_per_structure
        for lin, original, ranks in zip(
            unit.linears, self.originals[index], self._rank_views[index], strict=True
        ):
            weight = lin.weight.detach()
            if isinstance(structures, int) and structures == 0:
                weight.copy_(original)
                continue
            zero = self._zeros.get((original.dtype, original.device))
            if zero is None:
                zero = self._zeros[(original.dtype, original.device)] = original.new_zeros(())
            torch.where(ranks < structures, zero, original, out=weight)
        if self.grams is not None and int(structures) > 0:
            self._refit(index, int(structures))

    def _refit(self, index: int, structures: int) -> None:
        """Unit `index`'s output linear (down_proj / o_proj): its kept columns := the ridge
        least-squares fit of the dense layer's output on the calibration tokens.

        With ``G = X^T X`` over the dense inputs and ``K`` the kept features,
        ``W_K = W G[:, K] (G[K, K] + ridge * mean(diag G[K, K]) I)^-1`` (layer-wise
        reconstruction, Kwon et al. 2022); pruned columns stay zero. The originals are
        untouched, so restoring stays bit-exact.
        """
        unit = self.units[index]
        weight = unit.output.weight.detach()
        keep = self._rank_views[index][-1][0] >= structures
        gram = self.grams[index].to(weight.device)
        kept_gram = gram[keep][:, keep]
        ridge = REFIT_RIDGE * kept_gram.diagonal().mean().clamp_min(1e-12)
        eye = torch.eye(len(kept_gram), dtype=gram.dtype, device=gram.device)
        kept_gram = kept_gram + ridge * eye
        dense = self.originals[index][len(unit.rows)].to(torch.float64)
        solved = torch.linalg.solve(kept_gram, (dense @ gram[:, keep]).T).T
        weight.zero_()
        weight[:, keep] = solved.to(weight.dtype)

    def _use_graph(self) -> bool:
        return False


def build_pruner(
    model: nn.Module,
    modules: Sequence[str],
    criterion: str,
    granularity: str,
    batches: Iterable[dict[str, torch.Tensor]],
    width_multiple: int = 1,
    refit: bool = False,
) -> Pruner:
    """The pruner for `granularity`; Wanda's activation norms are taken over `batches`.

    `width_multiple` (channels only): kept MLP widths are multiples of it. `refit`
    (channels only): re-fit each pruned unit's output linear on `batches`
    (:meth:`StructuredPruner._refit`); Wanda's norms then come from the same Gram matrices.
    """
    check_granularity(granularity)
    if granularity == "channels":
        outputs = output_linears(model, modules)
        norms = grams = None
        if refit:
            grams = input_moments(model, outputs, batches, gram=True)
            norms = [g.diagonal().sqrt().to("cpu", torch.float32) for g in grams]
        elif criterion == "wanda":
            norms = input_norms(model, outputs, batches)
        norms = norms if criterion == "wanda" else None
        return StructuredPruner(model, modules, criterion, norms, width_multiple, grams)
    if width_multiple != 1 or refit:
        raise ValueError("width_multiple and refit apply to granularity='channels'")
    norms = None
    if criterion == "wanda":
        linears = [find_linear(layer, m) for layer in decoder_layers(model) for m in modules]
        norms = input_norms(model, linears, batches)
    return Pruner(model, modules, criterion, norms)
