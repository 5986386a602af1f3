"""Write a (pruned) Llama as a GGUF file with the ``gguf`` package's writer.

The layout is what llama.cpp's ``convert_hf_to_gguf.py`` writes for ``llama``: tensor
names ``token_embd``, ``blk.N.attn_q`` ..., ``q``/``k`` rows permuted for its rotary
layout, norms in float32, a GPT-2-style BPE tokenizer with its chat template. So
``transformers`` reads it back (``from_pretrained(folder, gguf_file=name)``) and
llama.cpp-style runtimes load it. Every layer must have the same shape (GGUF's
``llama`` keys hold one MLP width and one head count for transformers), so structured
plans are padded to uniform widths first (see :mod:`evaluation.shrink`).

Quantization (``q8_0``, ``q4_0``) uses ``gguf.quants``: blocks of 32 weights along each
row with one scale (and 8 or 4 bits per weight). With ``q4_0`` the token embedding
(also the tied LM head) stays ``q8_0``, as llama.cpp keeps it at higher precision.
"""

from __future__ import annotations

import json
from pathlib import Path

import gguf
import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from .shrink import PrunedWeights

FLOAT_TYPES = {
    "f32": (gguf.GGMLQuantizationType.F32, gguf.LlamaFileType.ALL_F32),
    "f16": (gguf.GGMLQuantizationType.F16, gguf.LlamaFileType.MOSTLY_F16),
    "bf16": (gguf.GGMLQuantizationType.BF16, gguf.LlamaFileType.MOSTLY_BF16),
}
QUANT_TYPES = {
    "q8_0": (gguf.GGMLQuantizationType.Q8_0, gguf.LlamaFileType.MOSTLY_Q8_0),
    "q4_0": (gguf.GGMLQuantizationType.Q4_0, gguf.LlamaFileType.MOSTLY_Q4_0),
}
QUANT_BLOCK = 32  # weights per block of q8_0 and q4_0: row lengths must be multiples of it

LAYER_NAMES = {
    "input_layernorm": "attn_norm",
    "post_attention_layernorm": "ffn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}


def gguf_name(name: str) -> str:
    """llama.cpp's tensor name for a Hugging Face Llama state-dict name."""
    fixed = {
        "model.embed_tokens.weight": "token_embd.weight",
        "model.norm.weight": "output_norm.weight",
        "lm_head.weight": "output.weight",
    }
    if name in fixed:
        return fixed[name]
    prefix, _, rest = name.partition("model.layers.")
    layer, _, module = rest.partition(".")
    module, _, kind = module.rpartition(".")
    if prefix or module not in LAYER_NAMES:
        raise ValueError(f"no GGUF name for tensor {name!r} (only Llama models are written)")
    return f"blk.{layer}.{LAYER_NAMES[module]}.{kind}"


def permute_rotary(weight: np.ndarray, heads: int) -> np.ndarray:
    """convert_hf_to_gguf's ``permute``: HF's rotary halves to llama.cpp's interleaved pairs."""
    return (
        weight.reshape(heads, 2, weight.shape[0] // heads // 2, *weight.shape[1:])
        .swapaxes(1, 2)
        .reshape(weight.shape)
    )


def encode_tensor(name: str, array: np.ndarray, dtype: str, quant: str | None):
    """(data, raw type) of one tensor: 1-D tensors in float32, matrices as asked."""
    if array.ndim == 1:
        return array.astype(np.float32), gguf.GGMLQuantizationType.F32
    if quant is not None:
        qtype = QUANT_TYPES[quant][0]
        if quant == "q4_0" and name == "token_embd.weight":
            qtype = QUANT_TYPES["q8_0"][0]
        if array.shape[-1] % QUANT_BLOCK:
            raise ValueError(f"{name}: rows of {array.shape[-1]} are not whole blocks of 32")
        return gguf.quants.quantize(array.astype(np.float32), qtype), qtype
    qtype = FLOAT_TYPES[dtype][0]
    if dtype == "f32":
        return array.astype(np.float32), qtype
    if dtype == "f16":
        return array.astype(np.float16), qtype
    return gguf.quants.quantize(array.astype(np.float32), qtype), qtype


def add_tokenizer(writer: gguf.GGUFWriter, tokenizer: PreTrainedTokenizerBase) -> None:
    """A byte-level BPE tokenizer as llama.cpp's ``gpt2`` tokenizer keys."""
    backend = json.loads(tokenizer.backend_tokenizer.to_str())
    model = backend["model"]
    if model.get("type") != "BPE":
        raise ValueError("only byte-level BPE tokenizers are written to GGUF")
    vocab = dict(model["vocab"])
    added = {token.content: token for token in tokenizer.added_tokens_decoder.values()}
    for index, token in tokenizer.added_tokens_decoder.items():
        vocab[token.content] = index
    by_id = {index: token for token, index in vocab.items()}
    size = max(by_id) + 1
    tokens = [by_id.get(i, f"[PAD{i}]") for i in range(size)]
    types = [
        gguf.TokenType.CONTROL
        if tokens[i] in added and added[tokens[i]].special
        else gguf.TokenType.USER_DEFINED
        if tokens[i] in added
        else gguf.TokenType.UNUSED
        if i not in by_id
        else gguf.TokenType.NORMAL
        for i in range(size)
    ]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_token_scores([0.0] * size)  # transformers wants them when there are no merges
    for token_id, add in (
        (tokenizer.bos_token_id, writer.add_bos_token_id),
        (tokenizer.eos_token_id, writer.add_eos_token_id),
        (tokenizer.pad_token_id, writer.add_pad_token_id),
    ):
        if token_id is not None:
            add(token_id)
    writer.add_add_bos_token(False)
    if tokenizer.chat_template:
        writer.add_chat_template(tokenizer.chat_template)


def write_gguf(
    weights: PrunedWeights,
    config,
    tokenizer: PreTrainedTokenizerBase,
    path: Path,
    dtype: str = "f16",
    quant: str | None = None,
    name: str = "",
) -> Path:
    """Write `weights` (uniform widths) with `config`'s hyper-parameters to `path`."""
    if not weights.uniform:
        raise ValueError("GGUF needs one MLP width and head count for every layer: pad first")
    if dtype not in FLOAT_TYPES or (quant is not None and quant not in QUANT_TYPES):
        raise ValueError(f"unknown GGUF type {quant or dtype!r}")
    heads, kv_heads = weights.attention_heads[0], weights.kv_heads
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_name(name or "pruned-llama")
    writer.add_block_count(len(weights.attention_heads))
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_feed_forward_length(weights.intermediate_sizes[0])
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_key_length(weights.head_dim)
    writer.add_value_length(weights.head_dim)
    writer.add_rope_dimension_count(weights.head_dim)
    writer.add_rope_freq_base(float(rope_theta(config)))
    writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    writer.add_vocab_size(config.vocab_size)
    writer.add_file_type((QUANT_TYPES[quant] if quant else FLOAT_TYPES[dtype])[1])
    add_tokenizer(writer, tokenizer)
    tied = getattr(config, "tie_word_embeddings", False)
    for hf_name, tensor in weights.state.items():
        if tied and hf_name == "lm_head.weight":
            continue
        target = gguf_name(hf_name)
        array = tensor.to(torch.float32).numpy()
        if ".attn_q." in target:
            array = permute_rotary(array, heads)
        elif ".attn_k." in target:
            array = permute_rotary(array, kv_heads)
        data, raw_type = encode_tensor(target, array, dtype, quant)
        writer.add_tensor(target, data, raw_dtype=raw_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def rope_theta(config) -> float:
    """The rotary base, from ``rope_parameters`` (transformers 5) or ``rope_theta``."""
    parameters = getattr(config, "rope_parameters", None) or {}
    return parameters.get("rope_theta") or config.rope_theta
