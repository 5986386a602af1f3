"""Export a pruned student as a plain Hugging Face folder, with a measured sparsity report.

The folder is what ``save_pretrained`` writes (config, safetensors weights,
tokenizer), so ``AutoModelForCausalLM.from_pretrained(folder)`` loads it with
no package of ours. Unstructured pruning leaves zeros in dense tensors: the
file is no smaller, but the zeros are real and compress or feed sparse kernels.

The sparsity report is *measured*: it counts the zeros in the saved tensors
rather than trusting the plan, so it also shows how each unit's rounding (and
Wanda's whole-row granularity) landed.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import torch
from safetensors import safe_open
from torch import nn
from transformers import AutoModelForCausalLM, LlamaConfig

from llm_prune_gym import PruningPlan, Workbench
from llm_prune_gym.calibration import batchwise_mean

from .gguf_export import QUANT_BLOCK, QUANT_TYPES, write_gguf
from .modeling_pruned_llama import PrunedLlamaConfig, PrunedLlamaForCausalLM
from .report import markdown_table
from .shrink import PrunedWeights, pruned_weights

LLAMA_FIELDS = set(LlamaConfig.__dataclass_fields__)  # what a Llama config is built from
BASE_MODELS = {  # student name -> (base model, licence) for the model card
    "smollm2": ("HuggingFaceTB/SmolLM2-135M-Instruct", "Apache-2.0"),
}

SMOLLM2_LICENCE = (
    "SmolLM2-135M-Instruct, the default student, is released by Hugging Face (HuggingFaceTB) "
    "under the Apache License 2.0 (Apache-2.0)"
)


def unit_tensor_names(model: nn.Module, workbench: Workbench) -> list[list[str]]:
    """State-dict names of the weight of every prunable unit (layers x modules)."""
    names = {id(module): name for name, module in model.named_modules()}
    return [[f"{names[id(lin)]}.weight" for lin in layer] for layer in workbench.pruner.layers]


def count_zeros(folder: Path) -> dict[str, tuple[int, int]]:
    """(zeros, elements) of every tensor in the folder's safetensors files."""
    counts = {}
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise FileNotFoundError(f"no .safetensors files in {folder}")
    for file in files:
        with safe_open(file, framework="pt") as tensors:
            for name in tensors.keys():  # noqa: SIM118 (safe_open is not a dict)
                tensor = tensors.get_tensor(name)
                counts[name] = (int((tensor == 0).sum()), tensor.numel())
    return counts


def sparsity_report(
    folder: Path, unit_names: list[list[str]], plan: PruningPlan
) -> dict[str, object]:
    """Per-unit, per-module-type and whole-model sparsity of a saved model, from its zeros."""
    counts = count_zeros(folder)
    units, by_module = [], {m: [0, 0] for m in plan.modules}
    for layer, names in enumerate(unit_names):
        for unit, name in enumerate(names):
            zeros, size = counts[name]
            module = plan.modules[unit]
            by_module[module][0] += zeros
            by_module[module][1] += size
            units.append(
                {
                    "layer": layer,
                    "module": module,
                    "tensor": name,
                    "params": size,
                    "zeros": zeros,
                    "sparsity": zeros / size,
                    "planned_ratio": float(plan.ratios[layer, unit]),
                }
            )
    zeros = sum(z for z, _ in counts.values())
    total = sum(n for _, n in counts.values())
    prunable_zeros = sum(z for z, _ in by_module.values())
    prunable = sum(n for _, n in by_module.values())
    return {
        "folder": str(folder),
        "model": plan.model,
        "criterion": plan.criterion,
        "total_params": total,
        "zeros": zeros,
        "model_sparsity": zeros / total,
        "prunable_params": prunable,
        "prunable_zeros": prunable_zeros,
        "prunable_sparsity": prunable_zeros / prunable,
        "planned_model_sparsity": plan.model_sparsity,
        "planned_prunable_sparsity": plan.prunable_sparsity,
        "modules": {
            m: {"params": n, "zeros": z, "sparsity": z / n} for m, (z, n) in by_module.items()
        },
        "units": units,
    }


@torch.no_grad()
def zeros_before_pruning(model: nn.Module, folder: Path) -> int:
    """Exact zeros the unpruned `model` already has in the tensors saved in `folder`.

    Quantized checkpoints (SmolLM2's GGUF) dequantize some weights to exactly 0; they
    count as zeros in the saved file but were not pruned.
    """
    state = model.state_dict()
    return sum(int((state[name] == 0).sum()) for name in count_zeros(folder) if name in state)


FORMATS = ("hf", "gguf")
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
GGUF_FILE = "model.gguf"


def load_exported(folder: Path, dtype: torch.dtype = torch.float32) -> nn.Module:
    """The model in an export folder (HF or GGUF), with transformers alone, in `dtype`.

    Folders with per-layer widths carry their modelling code (``trust_remote_code``).
    """
    folder = Path(folder)
    if (folder / GGUF_FILE).is_file():
        return AutoModelForCausalLM.from_pretrained(folder, gguf_file=GGUF_FILE, dtype=dtype)
    return AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, trust_remote_code=True)


def reloaded_kl(workbench: Workbench, folder: Path) -> float:
    """KL of the model reloaded from `folder` by plain transformers, on the workbench's prompts.

    It runs in the workbench's precision (float32): for f16/bf16/quantized exports the
    weights are upcast, so the KL shows what the format's rounding costs.
    """
    parameter = next(workbench.model.parameters())
    model = load_exported(folder, parameter.dtype)
    model.to(parameter.device).eval()
    return batchwise_mean(workbench.kl_of_model(model), workbench.batch_size)


def licence_note(student_name: str, source: str = "") -> str:
    """The exported model's licence line: pruning keeps the base model's licence.

    `source` (the model config's ``_name_or_path``) recognises SmolLM2 given as a file.
    """
    if "smollm2" in f"{student_name} {source}".lower():
        return f"Licence: {SMOLLM2_LICENCE}; this pruned copy keeps that licence."
    return (
        f"Licence: these weights are a pruned copy of {student_name} and keep its licence "
        f"(for models derived from the default student: {SMOLLM2_LICENCE})."
    )


def check_format(fmt: str, dtype: str, quant: str | None) -> None:
    """One-line errors for export options that do not go together."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {FORMATS}")
    if dtype not in DTYPES:
        raise ValueError(f"unknown export dtype {dtype!r}; choose one of {tuple(DTYPES)}")
    if quant is not None and fmt != "gguf":
        raise ValueError("--quant needs --format gguf")
    if quant is not None and quant not in QUANT_TYPES:
        raise ValueError(f"unknown quantization {quant!r}; choose one of {tuple(QUANT_TYPES)}")


def save_hf(workbench: Workbench, weights: PrunedWeights, out: Path, dtype: str) -> None:
    """save_pretrained the pruned weights: the student's own class when every layer has one
    shape, else :class:`PrunedLlamaForCausalLM` with its modelling file in the folder."""
    config = copy.deepcopy(workbench.model.config)
    widths, heads = weights.intermediate_sizes, weights.attention_heads
    plain = weights.uniform and config.hidden_size % heads[0] == 0
    if plain:
        model_class = type(workbench.model)
        config.intermediate_size, config.num_attention_heads = widths[0], heads[0]
        if hasattr(config, "head_dim"):
            config.head_dim = weights.head_dim
    else:
        model_class = PrunedLlamaForCausalLM
        fields = {k: v for k, v in config.to_dict().items() if k in LLAMA_FIELDS}
        fields.update(intermediate_size=max(widths), num_attention_heads=max(heads))
        fields.update(head_dim=weights.head_dim)
        config = PrunedLlamaConfig(**fields, intermediate_sizes=widths, attention_heads=heads)
        PrunedLlamaConfig.register_for_auto_class()
        PrunedLlamaForCausalLM.register_for_auto_class("AutoModelForCausalLM")
    model = model_class(config)
    model.load_state_dict(weights.state, strict=True)
    model.generation_config = copy.deepcopy(workbench.model.generation_config)
    model.to(DTYPES[dtype]).save_pretrained(out)
    workbench.student.tokenizer.save_pretrained(out)


def weight_bytes(folder: Path) -> int:
    """Bytes of the weight files (safetensors, GGUF or CTranslate2's model.bin) in a folder."""
    suffixes = (".safetensors", ".gguf", ".bin")
    return sum(f.stat().st_size for f in folder.iterdir() if f.suffix in suffixes)


def export_pruned(
    workbench: Workbench,
    plan: PruningPlan,
    out: Path,
    fmt: str = "hf",
    dtype: str = "f32",
    quant: str | None = None,
    kl_in_env: float | None = None,
) -> dict:
    """Save the pruned model, measure its size and sparsity and check its KL after reloading.

    `kl_in_env`: the plan's KL on the workbench's prompts when already measured (else measured).

    Structured plans lose their pruned channels and heads (smaller tensors); HF folders
    keep per-layer widths (with modelling code when they differ), GGUF pads them to the
    widest layer. Returns the report, also written as ``pruning_report.json`` and ``.md``
    in `out`, next to a model card (``README.md``).
    """
    check_format(fmt, dtype, quant)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if kl_in_env is None:
        kl_in_env = workbench.kl(plan).mean
    if fmt == "hf":
        weights = pruned_weights(workbench, plan)
        save_hf(workbench, weights, out, dtype)
    else:
        weights = pruned_weights(workbench, plan, pad=True, multiple=QUANT_BLOCK if quant else 1)
        student = workbench.student
        write_gguf(
            weights, student.model.config, student.tokenizer, out / GGUF_FILE, dtype, quant,
            name=f"{student.name} pruned",
        )  # fmt: skip
    plan.save(out / "pruning_plan.json")
    report: dict[str, object] = {}
    if fmt == "hf" and plan.granularity == "weights":
        report = sparsity_report(out, unit_tensor_names(workbench.model, workbench), plan)
        report["zeros_before"] = zeros_before_pruning(workbench.model, out)
        added = report["zeros"] - report["zeros_before"]
        report["pruned_model_sparsity"] = added / report["total_params"]
    report.update(
        {
            "folder": str(out),
            "model": plan.model,
            "criterion": plan.criterion,
            "granularity": plan.granularity,
            "format": fmt,
            "dtype": dtype,
            "quant": quant,
            "dense_params": workbench.total_params,
            "saved_params": weights.num_parameters,
            "removed_params": int(workbench.removed_params(plan)),
            "planned_model_sparsity": plan.model_sparsity,
            "planned_prunable_sparsity": plan.prunable_sparsity,
            "intermediate_sizes": weights.intermediate_sizes,
            "attention_heads": weights.attention_heads,
            "weight_bytes": weight_bytes(out),
            "kl_in_env": kl_in_env,
            "kl_reloaded": reloaded_kl(workbench, out),
            "kl_prompts": workbench.num_prompts,
            "licence": licence_note(workbench.student.name, workbench.model.config._name_or_path),
        }
    )
    report["applied_model_sparsity"] = report["removed_params"] / workbench.total_params
    (out / "pruning_report.json").write_text(json.dumps(report, indent=1) + "\n")
    markdown = report_markdown(report, plan) if "units" in report else shape_markdown(report)
    (out / "pruning_report.md").write_text(markdown)
    (out / "README.md").write_text(model_card(report, plan, workbench.student.name))
    return report


def report_markdown(report: dict, plan: PruningPlan) -> str:
    """The sparsity report as Markdown: totals, per module type, and the layer x module table."""
    totals = [
        ("whole model, all zeros", f"{report['model_sparsity']:.3%}", ""),
        (
            "whole model, zeros added by pruning",
            f"{report['pruned_model_sparsity']:.3%}",
            f"{report['planned_model_sparsity']:.3%}",
        ),
        (
            "prunable units",
            f"{report['prunable_sparsity']:.3%}",
            f"{report['planned_prunable_sparsity']:.3%}",
        ),
    ]
    module_rows = [
        (m, f"{v['params']:,}", f"{v['zeros']:,}", f"{v['sparsity']:.2%}")
        for m, v in report["modules"].items()
    ]
    grid: dict[int, dict[str, float]] = {}
    for unit in report["units"]:
        grid.setdefault(unit["layer"], {})[unit["module"]] = unit["sparsity"]
    layer_rows = [
        (layer, *(f"{row[m]:.1%}" for m in plan.modules)) for layer, row in sorted(grid.items())
    ]
    name = _clean(report["model"])
    sections = [
        f"# Pruned {name} ({report['criterion']})",
        "Measured by counting exact zeros in the saved safetensors weights; "
        f"{report['zeros_before']:,} of them were zero before pruning (a quantized "
        "checkpoint has some).",
        markdown_table(["", "measured", "planned"], totals),
        f"KL per token on {report['kl_prompts']} calibration prompts: in the env "
        f"{report['kl_in_env']:.6f}, after reloading with transformers "
        f"{report['kl_reloaded']:.6f}.",
        report["licence"],
        "## Per module type",
        markdown_table(["module", "params", "zeros", "sparsity"], module_rows),
        "## Per layer",
        markdown_table(["layer", *plan.modules], layer_rows),
    ]
    return "\n\n".join(sections) + "\n"


def shape_markdown(report: dict) -> str:
    """The size report of an export whose tensors lost channels/heads (or were re-encoded)."""
    rows = [
        ("parameters, dense student", f"{report['dense_params']:,}"),
        ("parameters, saved", f"{report['saved_params']:,}"),
        ("parameters removed by the plan", f"{report['removed_params']:,}"),
        ("share of the dense model removed", f"{report['applied_model_sparsity']:.3%}"),
        ("weight file bytes", f"{report['weight_bytes']:,}"),
    ]
    layers = [
        (layer, width, heads)
        for layer, (width, heads) in enumerate(
            zip(report["intermediate_sizes"], report["attention_heads"], strict=True)
        )
    ]
    sections = [
        f"# Pruned {_clean(report['model'])} ({report['granularity']}, {report['criterion']})",
        markdown_table(["", "value"], rows),
        f"KL per token on {report['kl_prompts']} calibration prompts: in the env "
        f"{report['kl_in_env']:.6f}, after reloading with transformers "
        f"{report['kl_reloaded']:.6f}.",
        "## Saved widths per layer",
        markdown_table(["layer", "MLP width", "query heads"], layers),
    ]
    return "\n\n".join(sections) + "\n"


def _clean(text: object) -> str:
    return re.sub(r"[|\n]", " ", str(text)) or "student"


def model_card(report: dict, plan: PruningPlan, student: str) -> str:
    """README.md of an export: base model and licence, plan, sparsity, size, measured KL."""
    base, licence = BASE_MODELS.get(student, (student, "unknown: check the base model's licence"))
    fmt = report["format"]
    encoding = report["quant"] or report["dtype"]
    if fmt == "ct2":
        load = (
            "import ctranslate2\n"
            "from transformers import AutoTokenizer\n"
            "generator = ctranslate2.Generator(folder)  # its stored weight type\n"
            "tokenizer = AutoTokenizer.from_pretrained(folder)"
        )
    elif fmt == "gguf":
        load = (
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            f'model = AutoModelForCausalLM.from_pretrained(folder, gguf_file="{GGUF_FILE}")\n'
            f'tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file="{GGUF_FILE}")'
        )
    else:
        load = (
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            "model = AutoModelForCausalLM.from_pretrained(folder, trust_remote_code=True)\n"
            "tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)"
        )
    remote = (fmt == "hf") and (Path(report["folder"]) / "modeling_pruned_llama.py").is_file()
    shapes = (
        "Its layers differ in width, so the folder carries `modeling_pruned_llama.py` "
        "(a `LlamaForCausalLM` with per-layer `intermediate_sizes` and `attention_heads`); "
        "`trust_remote_code=True` loads it with transformers alone."
        if remote
        else "Every layer has the same shape: a standard Llama checkpoint."
    )
    if fmt == "gguf" and plan.granularity == "channels":
        shapes = (
            "GGUF holds one MLP width and head count for all layers, so narrower layers "
            "are padded with zero channels/heads up to the widest (same outputs)."
        )
    licence_line = f"licence {licence}" + (
        " (this derivative keeps it)" if licence == "Apache-2.0" else ""
    )
    front_matter = "\n".join(
        [
            "---",
            f"license: {licence.lower() if licence == 'Apache-2.0' else 'other'}",
            f"base_model: {base}",
            "tags: [pruned, llm-prune-gym]",
            "---",
        ]
    )
    lines = [
        front_matter,
        f"# {_clean(base)}, pruned ({plan.granularity}, {fmt} {encoding})",
        f"Base model: `{base}`, {licence_line}. Pruned with llm-prune-gym "
        f"(`pruning_plan.json` holds the plan: {plan.num_layers} layers x "
        f"{', '.join(plan.modules)}, criterion {plan.criterion}, granularity "
        f"{plan.granularity}).",
        markdown_table(
            ["", "value"],
            [
                (
                    "parameters (dense -> saved)",
                    f"{report['dense_params']:,} -> {report['saved_params']:,}",
                ),
                ("share of the dense model pruned", f"{report['applied_model_sparsity']:.2%}"),
                ("prunable sparsity (planned)", f"{report['planned_prunable_sparsity']:.2%}"),
                ("weight file size", f"{report['weight_bytes'] / 1e6:.1f} MB"),
                ("KL vs the unpruned student, in the env", f"{report['kl_in_env']:.5f}"),
                ("KL vs the unpruned student, reloaded file", f"{report['kl_reloaded']:.5f}"),
            ],
        ),  # fmt: skip
        f"KL is per token on {report['kl_prompts']} prompts, KL(unpruned || pruned) over "
        "the unpruned student's own greedy answers, computed in float32.",
        shapes,
        "```python\n" + load + "\n```",
    ]
    return "\n\n".join(lines) + "\n"
