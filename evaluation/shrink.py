"""Physically remove the channels and heads a structured plan prunes: smaller tensors.

A ``granularity="channels"`` plan zeroes whole MLP channels and query heads in the env;
:func:`pruned_weights` turns that into a state dict whose tensors have lost those rows
and columns, plus each layer's new MLP width and head count. Widths differ per layer;
``pad=True`` pads every layer with zero channels / zero heads up to the widest layer
(and the MLP width up to a multiple, for block-quantized GGUF): a zero channel adds
exactly 0 (``silu(0) * 0``, zero ``down_proj`` column) and a zero query head's output
meets a zero ``o_proj`` column, so the padded model computes the same function.
Unstructured plans keep every shape (their zeros stay in dense tensors).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from llm_prune_gym import PruningPlan, Workbench
from llm_prune_gym.structured import StructuredPruner, StructuredUnit


@dataclass
class PrunedWeights:
    """A pruned model's tensors with the shapes they are saved in.

    Attributes:
        state: state-dict name -> tensor (float32, CPU), tied tensors once per name.
        intermediate_sizes: MLP width of each layer.
        attention_heads: query heads of each layer.
        head_dim, kv_heads: shared by all layers.
    """

    state: dict[str, torch.Tensor]
    intermediate_sizes: list[int]
    attention_heads: list[int]
    head_dim: int
    kv_heads: int

    @property
    def uniform(self) -> bool:
        return len(set(self.intermediate_sizes)) == 1 and len(set(self.attention_heads)) == 1

    @property
    def num_parameters(self) -> int:
        """Parameters, a tied embedding / LM head counted once."""
        seen, total = set(), 0
        for tensor in self.state.values():
            key = (tensor.data_ptr(), tensor.shape)
            if key not in seen:
                seen.add(key)
                total += tensor.numel()
        return total


def _features(indices: torch.Tensor, width: int) -> torch.Tensor:
    """The rows/columns that structures `indices` own when each spans `width` of them."""
    return (indices[:, None] * width + torch.arange(width)[None, :]).reshape(-1)


def _take(weight: torch.Tensor, indices: torch.Tensor, axis: int, width: int, pad: int):
    """`weight` restricted to structures `indices` along `axis`, then `pad` zero structures."""
    kept = weight.index_select(axis, _features(indices, width).to(weight.device))
    if pad == 0:
        return kept
    shape = list(weight.shape)
    shape[axis] = pad * width
    return torch.cat([kept, weight.new_zeros(shape)], dim=axis)


def _shrink_unit(
    state: dict[str, torch.Tensor],
    names: dict[int, str],
    unit: StructuredUnit,
    kept: torch.Tensor,
    target: int,
) -> None:
    """Replace `unit`'s tensors in `state` by their kept structures, padded to `target`."""
    if unit.kind == "mlp":
        groups, per_group_target = [kept], [target]
    else:  # heads: keep the GQA layout, group by group
        per_group = unit.count // unit.step
        groups = [kept[kept // per_group == g] for g in range(unit.step)]
        per_group_target = [target // unit.step] * unit.step
    for linears, axis in ((unit.rows, 0), (unit.columns, 1)):
        for linear in linears:
            name = f"{names[id(linear)]}.weight"
            parts = [
                _take(state[name], group, axis, unit.width, goal - len(group))
                for group, goal in zip(groups, per_group_target, strict=True)
            ]
            state[name] = torch.cat(parts, dim=axis)


def pruned_weights(
    workbench: Workbench, plan: PruningPlan, pad: bool = False, multiple: int = 1
) -> PrunedWeights:
    """The model `plan` prunes from `workbench`'s student, with structured units removed.

    Args:
        pad: pad every layer to the widest layer (uniform shapes).
        multiple: with `pad`, round the padded MLP width up to this multiple.

    The workbench's model is left unpruned.
    """
    model, pruner = workbench.model, workbench.pruner
    config = model.config
    workbench.apply(plan)
    try:
        structured = isinstance(pruner, StructuredPruner)
        kept: list[list[torch.Tensor]] = []
        if structured:
            units = range(len(pruner.modules))
            kept = [
                [pruner.kept(layer, unit) for unit in units] for layer in range(pruner.num_layers)
            ]
        state = {
            name: tensor.detach().to("cpu", torch.float32, copy=True)
            for name, tensor in model.state_dict().items()
        }
    finally:
        workbench.restore()
    layers = pruner.num_layers
    widths = [config.intermediate_size] * layers
    heads = [config.num_attention_heads] * layers
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    if structured:
        names = {id(module): name for name, module in model.named_modules()}
        for layer, row in enumerate(pruner.structures):
            for unit, structure in enumerate(row):
                size = len(kept[layer][unit])
                (widths if structure.kind == "mlp" else heads)[layer] = size
        width_goal = -(-max(widths) // multiple) * multiple
        for layer, row in enumerate(pruner.structures):
            for unit, structure in enumerate(row):
                mine = widths[layer] if structure.kind == "mlp" else heads[layer]
                goal = (width_goal if structure.kind == "mlp" else max(heads)) if pad else mine
                _shrink_unit(state, names, structure, kept[layer][unit], goal)
        if pad:
            widths, heads = [width_goal] * layers, [max(heads)] * layers
    _retie(model, state)
    return PrunedWeights(state, widths, heads, head_dim, config.num_key_value_heads)


def _retie(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Point a tied LM head at the (shared) embedding tensor again."""
    if getattr(model.config, "tie_word_embeddings", False) and "lm_head.weight" in state:
        state["lm_head.weight"] = state["model.embed_tokens.weight"]
