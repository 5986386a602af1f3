"""A Llama whose layers have their own MLP width and query-head count (structured pruning).

``llm-prune export`` copies this file into an exported folder whose layers differ in
width, and the folder's ``config.json`` points at it (``auto_map``), so that
``AutoModelForCausalLM.from_pretrained(folder, trust_remote_code=True)`` loads it with
``transformers`` alone. It imports nothing else: it is the standard remote-code way.
Layer ``i`` is a plain ``LlamaDecoderLayer`` built from a copy of the config whose
``intermediate_size`` is ``intermediate_sizes[i]`` and ``num_attention_heads`` is
``attention_heads[i]`` (``head_dim`` and the KV heads are shared by all layers).
"""

from __future__ import annotations

import copy

from huggingface_hub.dataclasses import strict
from transformers import LlamaConfig, LlamaForCausalLM
from transformers.models.llama.modeling_llama import LlamaAttention, LlamaMLP


@strict
class PrunedLlamaConfig(LlamaConfig):
    """``LlamaConfig`` plus per-layer ``intermediate_sizes`` and ``attention_heads``."""

    model_type = "pruned_llama"
    intermediate_sizes: list[int] | None = None
    attention_heads: list[int] | None = None

    def __post_init__(self, **kwargs):
        super().__post_init__(**kwargs)
        layers = self.num_hidden_layers
        if self.intermediate_sizes is None:
            self.intermediate_sizes = [self.intermediate_size] * layers
        if self.attention_heads is None:
            self.attention_heads = [self.num_attention_heads] * layers
        if len(self.intermediate_sizes) != layers or len(self.attention_heads) != layers:
            raise ValueError(f"intermediate_sizes and attention_heads need {layers} entries each")

    def validate_architecture(self):
        """``head_dim`` is explicit, so the hidden size need not divide by the head count."""
        for heads in self.attention_heads or []:
            if heads % self.num_key_value_heads:
                raise ValueError(f"{heads} query heads do not split into KV groups evenly")

    def for_layer(self, index: int) -> LlamaConfig:
        """The plain Llama config of decoder layer `index`."""
        layer = copy.copy(self)
        layer.intermediate_size = self.intermediate_sizes[index]
        layer.num_attention_heads = self.attention_heads[index]
        return layer


class PrunedLlamaForCausalLM(LlamaForCausalLM):
    """``LlamaForCausalLM`` with each layer's MLP and attention sized by its own config."""

    config_class = PrunedLlamaConfig

    def __init__(self, config: PrunedLlamaConfig):
        super().__init__(config)
        for index, layer in enumerate(self.model.layers):
            layer_config = config.for_layer(index)
            layer.mlp = LlamaMLP(layer_config)
            layer.self_attn = LlamaAttention(layer_config, index)
        self.post_init()
