"""A second CPU runtime beside torch: CTranslate2 (``pip install 'llm-prune-gym[ct2]'``).

CTranslate2 ships CPU wheels on PyPI with int8 kernels. Its converter reads a plain
Hugging Face Llama folder (``TransformersConverter``), so it runs the dense student and
structured plans whose layers all have one width (a standard ``LlamaConfig`` with a
smaller ``intermediate_size`` or fewer heads); folders with per-layer widths carry their
own modelling code, which it cannot read, and are refused with a one-line error.

Formats: ``ct2-f32`` (float32 weights and compute: must decode like torch) and
``ct2-int8`` (int8 weights and int8 matrix products; embeddings and norms as CTranslate2
keeps them). ``ctranslate2`` is imported only when one of them is asked for.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn
from transformers import AutoTokenizer, GenerationConfig

from llm_prune_gym.extras import require_extra
from llm_prune_gym.generation import (
    HINT_MAX_NEW_TOKENS,
    HINT_REPETITION_PENALTY,
    chat_token_ids,
    end_token_ids,
)
from llm_prune_gym.prompts import Messages

if TYPE_CHECKING:
    from llm_prune_gym import Workbench

CT2_FORMATS = {"ct2-f32": "float32", "ct2-int8": "int8"}  # format -> quantization
CT2_WEIGHTS = "model.bin"
# What the converter does not copy but a user of the folder needs (tokenizer, decoding).
COPIED_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
    "generation_config.json",
)


def import_ctranslate2():
    """The ``ctranslate2`` module, or :class:`MissingExtra` naming the ``[ct2]`` install."""
    return require_extra("ct2", "ctranslate2")  # its converters come with it


def is_ct2_folder(folder: Path) -> bool:
    """Whether `folder` holds a CTranslate2 model (``model.bin``)."""
    return (Path(folder) / CT2_WEIGHTS).is_file()


def check_convertible(hf_folder: Path) -> None:
    """Refuse HF folders CTranslate2 cannot read: per-layer widths (remote code)."""
    config = json.loads((Path(hf_folder) / "config.json").read_text())
    if "auto_map" in config or config.get("model_type") != "llama":
        raise ValueError(
            f"{hf_folder}: the ct2 formats need a standard Llama checkpoint (one width for "
            "every layer); this plan gives layers different widths"
        )


def convert_to_ct2(hf_folder: Path, out: Path, quantization: str) -> Path:
    """Convert an exported HF folder to a CTranslate2 folder with `quantization`.

    The tokenizer and generation config are copied, so the folder is self-contained.
    """
    ctranslate2 = import_ctranslate2()
    check_convertible(hf_folder)
    hf_folder, out = Path(hf_folder), Path(out)
    copied = [name for name in COPIED_FILES if (hf_folder / name).is_file()]
    converter = ctranslate2.converters.TransformersConverter(str(hf_folder), copy_files=copied)
    converter.convert(str(out), quantization=quantization, force=True)
    shutil.copy(hf_folder / "pruning_plan.json", out / "pruning_plan.json")
    return out


class CT2Logits(nn.Module):
    """A CTranslate2 generator behind the call the KL code makes of a causal LM.

    ``model(input_ids=..., attention_mask=..., logits_to_keep=k).logits`` returns, for
    each left-padded row, the logits of its last `k` positions. Rows are forwarded one
    at a time without their padding (no mask needed; positions start at 0 as torch's do).
    """

    def __init__(self, generator) -> None:
        super().__init__()
        self.generator = generator
        self.anchor = nn.Parameter(torch.zeros(1), requires_grad=False)  # device and dtype

    def forward(self, input_ids, attention_mask=None, logits_to_keep: int = 0, **_unused):
        """SimpleNamespace(logits=[batch, kept positions, vocab]) in float32."""
        if attention_mask is not None and attention_mask.dim() == 2:
            real = attention_mask.bool()
        else:  # no padding: the KL code passes a 4-D causal mask
            real = torch.ones_like(input_ids, dtype=torch.bool)
        rows = []
        for ids, keep_row in zip(input_ids, real, strict=True):
            tokens = ids[keep_row].tolist()
            logits = np.asarray(self.generator.forward_batch([tokens]))[0]
            keep = logits_to_keep or len(tokens)
            rows.append(torch.from_numpy(np.array(logits[-keep:], dtype=np.float32)))
        return SimpleNamespace(logits=torch.stack(rows))


def load_generator(folder: Path, threads: int):
    """A CPU generator on `folder` with its stored weight type and `threads` threads."""
    ctranslate2 = import_ctranslate2()
    return ctranslate2.Generator(str(folder), device="cpu", intra_threads=threads)


class CT2Runtime:
    """Greedy generation with CTranslate2, on the same chat prompts as the torch path."""

    def __init__(self, folder: Path, threads: int) -> None:
        self.generator = load_generator(folder, threads)
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        eos = GenerationConfig.from_pretrained(folder).eos_token_id
        self.eos = sorted({*(eos if isinstance(eos, list) else [eos])} - {None})
        self.stops = end_token_ids(eos, self.tokenizer)

    def _generate(self, ids: list[int], **options) -> list[int]:
        tokens = self.tokenizer.convert_ids_to_tokens(ids)
        result = self.generator.generate_batch(
            [tokens], include_prompt_in_result=False, sampling_topk=1, **options
        )
        return list(result[0].sequences_ids[0])

    def timed_tokens(self, messages: Messages, new_tokens: int) -> tuple[list[int], float]:
        """Exactly `new_tokens` greedy tokens (EOS held off, as torch's min_new_tokens
        does) and the seconds they took, prompt included."""
        ids = chat_token_ids(self.tokenizer, messages)
        start = time.perf_counter()
        answer = self._generate(
            ids, max_length=new_tokens, min_length=new_tokens, end_token=self.eos
        )
        return answer, time.perf_counter() - start

    def hint(self, messages: Messages, max_new_tokens: int = HINT_MAX_NEW_TOKENS) -> str:
        """The hint as :func:`llm_prune_gym.generation.generate_answers` decodes it: greedy,
        stopped at the chat's end of turn, repetition penalty on the answer.

        CTranslate2 starts decoding from the prompt's last token, so its penalty may also
        count that one token; in float32 its 40 SmolLM2 hints in
        ``results/structured/bench-v2`` were still identical to torch's.
        """
        ids = chat_token_ids(self.tokenizer, messages)
        answer = self._generate(
            ids,
            max_length=max_new_tokens,
            end_token=self.stops,
            repetition_penalty=HINT_REPETITION_PENALTY,
        )
        return self.tokenizer.decode(answer, skip_special_tokens=True).strip()


def ct2_kl(workbench: Workbench, folder: Path, threads: int) -> float:
    """KL of the CTranslate2 model in `folder` on the workbench's prompts (as
    :func:`evaluation.export.reloaded_kl` measures a transformers reload)."""
    from llm_prune_gym.calibration import batchwise_mean

    logits = CT2Logits(load_generator(folder, threads))
    return batchwise_mean(workbench.kl_of_model(logits), workbench.batch_size)


def export_ct2(
    workbench: Workbench, hf_folder: Path, out: Path, quantization: str, threads: int
) -> dict:
    """Convert the float32 HF export `hf_folder` to CTranslate2 in `out` and measure it.

    The report is the HF export's with this folder's format, size and KL, written as
    ``pruning_report.json`` with a model card (``README.md``) like every export's.
    """
    from llm_prune_gym import PruningPlan

    from .export import model_card, weight_bytes

    convert_to_ct2(hf_folder, out, quantization)
    report = json.loads((Path(hf_folder) / "pruning_report.json").read_text())
    report.update(
        folder=str(out),
        format="ct2",
        dtype="f32",
        quant=None if quantization == "float32" else quantization,
        weight_bytes=weight_bytes(out),
        kl_reloaded=ct2_kl(workbench, out, threads),
    )
    (out / "pruning_report.json").write_text(json.dumps(report, indent=1) + "\n")
    plan = PruningPlan.load(out / "pruning_plan.json")
    (out / "README.md").write_text(model_card(report, plan, workbench.student.name))
    return report
