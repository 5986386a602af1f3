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

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from safetensors import safe_open
from torch import nn
from transformers import AutoModelForCausalLM

from llm_prune_gym import CalibrationSet, LLMPruneEnv, PruningPlan

from .report import markdown_table

SMOLLM2_LICENCE = (
    "SmolLM2-135M-Instruct, the default student, is released by Hugging Face (HuggingFaceTB) "
    "under the Apache License 2.0 (Apache-2.0)"
)


def unit_tensor_names(model: nn.Module, env: LLMPruneEnv) -> list[list[str]]:
    """State-dict names of the weight of every prunable unit (layers x modules)."""
    names = {id(module): name for name, module in model.named_modules()}
    return [[f"{names[id(lin)]}.weight" for lin in layer] for layer in env.pruner.layers]


def save_pruned(env: LLMPruneEnv, plan: PruningPlan, out: Path) -> Path:
    """Write the env's student pruned by `plan` to `out`; the env's model is restored after."""
    out.mkdir(parents=True, exist_ok=True)
    plan.apply(env.pruner)
    try:
        env.student.model.save_pretrained(out)
        env.student.tokenizer.save_pretrained(out)
    finally:
        env.pruner.restore()
    plan.save(out / "pruning_plan.json")
    return out


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


@contextmanager
def scoring_model(calibration: CalibrationSet, model: nn.Module) -> Iterator[None]:
    """Let `calibration` score `model` against its cached teacher, then switch back.

    CUDA graphs are turned off meanwhile: a graph captured for the calibration's own
    model would replay that model, not `model`.
    """
    original, graphs = calibration.model, getattr(calibration, "cuda_graphs", False)
    calibration.model, calibration.cuda_graphs = model, False
    try:
        yield
    finally:
        calibration.model, calibration.cuda_graphs = original, graphs


def reloaded_kl(env: LLMPruneEnv, folder: Path) -> float:
    """KL of the model reloaded from `folder` by plain transformers, on the env's prompts."""
    parameter = next(env.model.parameters())
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=parameter.dtype)
    model.to(parameter.device).eval()
    indices = list(range(len(env.calibration)))
    sums, counts = 0.0, 0
    with scoring_model(env.calibration, model):
        for start in range(0, len(indices), env.batch_size):
            result = env.calibration.kl(indices[start : start + env.batch_size])
            sums += sum(result.sums)
            counts += sum(result.counts)
    return sums / counts


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


def export_pruned(env: LLMPruneEnv, plan: PruningPlan, out: Path) -> dict:
    """Save the pruned model, measure its sparsity and check its KL after reloading.

    Returns the report (also written as ``pruning_report.json`` and ``.md`` in `out`).
    """
    kl_in_env = env.evaluate_plan(plan).mean
    save_pruned(env, plan, out)
    report = sparsity_report(out, unit_tensor_names(env.model, env), plan)
    report["zeros_before"] = zeros_before_pruning(env.model, out)
    added = report["zeros"] - report["zeros_before"]
    report["pruned_model_sparsity"] = added / report["total_params"]
    report["kl_in_env"] = kl_in_env
    report["kl_reloaded"] = reloaded_kl(env, out)
    report["kl_prompts"] = len(env.calibration)
    report["licence"] = licence_note(env.student.name, env.model.config._name_or_path)
    (out / "pruning_report.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "pruning_report.md").write_text(report_markdown(report, plan))
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
    name = re.sub(r"[|\n]", " ", str(report["model"])) or "student"
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
