"""`llm-prune export`: a plain Hugging Face folder whose reloaded model is the pruned one."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from evaluation.cli import main
from evaluation.export import export_pruned
from llm_prune_gym import PruningPlan, Workbench

PROMPTS = [f"Why does line {i} raise a KeyError?" for i in range(4)]


@pytest.fixture(scope="module")
def bench() -> Workbench:
    return Workbench(student="stub", prompts=PROMPTS, batch_size=2, answer_tokens=4)


def random_plan(bench: Workbench, seed: int = 0) -> PruningPlan:
    ratios = np.random.default_rng(seed).uniform(0.0, 0.3, bench.sizes.shape)
    return bench.plan(ratios)


@torch.no_grad()
def pruned_logits(bench: Workbench, plan: PruningPlan, inputs: dict) -> torch.Tensor:
    bench.apply(plan)
    try:
        return bench.model(**inputs).logits
    finally:
        bench.restore()


def test_reloaded_model_is_the_pruned_model(bench, tmp_path):
    plan = random_plan(bench)
    report = export_pruned(bench, plan, tmp_path / "model")
    inputs = bench.calibration.inputs(range(bench.num_prompts))
    expected = pruned_logits(bench, plan, inputs)

    model = AutoModelForCausalLM.from_pretrained(tmp_path / "model")
    with torch.no_grad():
        reloaded = model(**inputs).logits
    torch.testing.assert_close(reloaded, expected, rtol=0, atol=1e-5)
    assert report["kl_reloaded"] == pytest.approx(report["kl_in_env"], rel=1e-5)
    assert report["kl_in_env"] == pytest.approx(bench.kl(plan).mean, rel=1e-6)
    # The workbench's model is left unpruned.
    assert bench.pruner.pruned_params == 0
    assert torch.equal(bench.pruner.layers[0][0].weight, bench.pruner.originals[0])
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "model")
    assert tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False)


def test_sparsity_report_counts_the_saved_zeros(bench, tmp_path):
    plan = random_plan(bench, seed=1)
    report = export_pruned(bench, plan, tmp_path / "model")
    bench.apply(plan)
    expected = [count for row in bench.pruner.pruned for count in row]
    bench.restore()
    assert [unit["zeros"] for unit in report["units"]] == expected
    units = plan.ratios.size  # each unit rounds its count to a whole weight
    assert report["prunable_sparsity"] == pytest.approx(
        plan.prunable_sparsity, abs=units / report["prunable_params"]
    )
    # The stub's other zeros (its padding embedding row) were there before pruning.
    assert report["zeros_before"] == report["zeros"] - report["prunable_zeros"] > 0
    assert report["pruned_model_sparsity"] == pytest.approx(
        plan.model_sparsity, abs=units / report["total_params"]
    )
    assert report["total_params"] == bench.total_params
    saved = json.loads((tmp_path / "model" / "pruning_report.json").read_text())
    assert saved["units"] == report["units"]
    markdown = (tmp_path / "model" / "pruning_report.md").read_text()
    assert "## Per module type" in markdown and "| q_proj |" in markdown
    assert saved["licence"] in markdown and saved["licence"].startswith("Licence: ")


def test_export_command_scales_and_loads_without_our_packages(bench, tmp_path, capsys):
    plan_path = random_plan(bench, seed=2).save(tmp_path / "plan.json")
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in PROMPTS))
    out = tmp_path / "pruned"
    args = ["export", "--plan", str(plan_path), "--student", "stub", "--answer-tokens", "4"]
    args += ["--prompts", str(prompts), "--batch-size", "2"]
    assert main([*args, "--model-sparsity", "0.05", "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    report = json.loads((out / "pruning_report.json").read_text())
    prunable_share = report["prunable_zeros"] / report["total_params"]
    assert prunable_share == pytest.approx(0.05, abs=16 / report["total_params"])
    assert result["kl_reloaded"] == pytest.approx(result["kl_in_env"], rel=1e-5)
    code = (
        "import sys, transformers;"
        f"m = transformers.AutoModelForCausalLM.from_pretrained({str(out)!r});"
        "ours = {'llm_prune_gym', 'evaluation', 'agents', 'finetune'} & set(sys.modules);"
        "print(sorted(ours), m.num_parameters())"
    )
    printed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert printed.split()[0] == "[]"


# -- structured plans, GGUF, dtypes, model cards -------------------------------------------------


@pytest.fixture(scope="module")
def channels_bench() -> Workbench:
    return Workbench(
        student="stub", prompts=PROMPTS, batch_size=2, answer_tokens=4, granularity="channels"
    )


def test_structured_hf_export_is_smaller_and_reloads_to_the_same_kl(channels_bench, tmp_path):
    bench = channels_bench
    plan = random_plan(bench, seed=3).with_ratios(np.random.default_rng(3).uniform(0, 0.5, (4, 2)))
    report = export_pruned(bench, plan, tmp_path / "model")
    assert report["saved_params"] == bench.total_params - report["removed_params"]
    applied = bench.removed_params(plan)  # the heads round to whole steps (2 of 4 on the stub)
    assert report["removed_params"] == applied > 0
    assert len(set(report["intermediate_sizes"])) > 1  # per-layer widths: modelling code ships
    assert (tmp_path / "model" / "modeling_pruned_llama.py").is_file()
    # float32: the same function with fewer multiply-adds (sums reassociate, ~1e-7).
    assert report["kl_reloaded"] == pytest.approx(report["kl_in_env"], rel=1e-5)
    card = (tmp_path / "model" / "README.md").read_text()
    assert "Base model" in card and f"{report['kl_reloaded']:.5f}" in card
    code = (
        "import sys, transformers;"
        f"m = transformers.AutoModelForCausalLM.from_pretrained({str(tmp_path / 'model')!r},"
        " trust_remote_code=True);"
        "ours = {'llm_prune_gym', 'evaluation', 'agents', 'finetune'} & set(sys.modules);"
        "print(sorted(ours), m.num_parameters())"
    )
    printed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert printed[0] == "[]" and int(printed[1]) == report["saved_params"]


def test_refit_export_keeps_the_refitted_weights(tmp_path):
    settings = {"prompts": PROMPTS, "batch_size": 2, "answer_tokens": 4, "granularity": "channels"}
    bench = Workbench(student="stub", refit=True, **settings)
    plan = random_plan(bench).with_ratios(np.full((4, 2), 0.25))
    report = export_pruned(bench, plan, tmp_path / "model")
    assert report["kl_reloaded"] == pytest.approx(report["kl_in_env"], rel=1e-5)
    zeroed = Workbench(student="stub", **settings).kl(plan).mean  # the same stub, not re-fitted
    assert zeroed != pytest.approx(report["kl_in_env"], rel=1e-3)


def test_uniform_structured_export_is_a_plain_llama(channels_bench, tmp_path):
    plan = random_plan(channels_bench).with_ratios(np.full((4, 2), 0.25))
    report = export_pruned(channels_bench, plan, tmp_path / "model", dtype="bf16")
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["model_type"] == "llama" and "auto_map" not in config
    assert config["intermediate_size"] == report["intermediate_sizes"][0] == 120
    assert report["weight_bytes"] < 2 * report["saved_params"] + 10_000  # two bytes a weight
    assert report["kl_reloaded"] == pytest.approx(report["kl_in_env"], rel=0.05)  # bf16 rounding


@pytest.mark.parametrize(("dtype", "quant", "tolerance"), [
    ("f32", None, 1e-5), ("f16", None, 0.01), ("f32", "q8_0", 0.05), ("f32", "q4_0", 0.5),
])  # fmt: skip
def test_gguf_export_reads_back_with_transformers(
    channels_bench, tmp_path, dtype, quant, tolerance
):
    bench = channels_bench
    plan = random_plan(bench, seed=4).with_ratios(
        np.random.default_rng(4).uniform(0.3, 0.5, (4, 2))
    )
    folder = tmp_path / "gguf"
    report = export_pruned(bench, plan, folder, fmt="gguf", dtype=dtype, quant=quant)
    widths = report["intermediate_sizes"]
    assert len(set(widths)) == 1 and widths[0] < bench.model.config.intermediate_size
    if quant:
        assert widths[0] % 32 == 0  # whole quantization blocks
    # Padding adds zero channels/heads: the same function, so the same KL in float32.
    assert report["kl_reloaded"] == pytest.approx(report["kl_in_env"], rel=tolerance)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file="model.gguf")
    text = "def f(x):\n    return x[1]  # IndexError?"
    assert tokenizer(text)["input_ids"] == bench.student.tokenizer(text)["input_ids"]
    assert "gguf" in (folder / "README.md").read_text()


def test_unstructured_gguf_keeps_shapes(bench, tmp_path):
    report = export_pruned(bench, random_plan(bench), tmp_path / "g", fmt="gguf", dtype="f32")
    assert report["saved_params"] == bench.total_params
    assert report["kl_reloaded"] == pytest.approx(report["kl_in_env"], rel=1e-5)


def test_export_command_formats_and_bad_options(channels_bench, tmp_path, capsys):
    plan = random_plan(channels_bench).with_ratios(np.full((4, 2), 0.3))
    plan_path = plan.save(tmp_path / "plan.json")
    args = ["export", "--plan", str(plan_path), "--student", "stub", "--answer-tokens", "4"]
    args += ["--batch-size", "2", "--prompts", "builtin:heldout"]
    assert main([*args, "--out", str(tmp_path / "q"), "--format", "gguf", "--quant", "q8_0"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["weight_bytes"] == (tmp_path / "q" / "model.gguf").stat().st_size
    assert main([*args, "--out", str(tmp_path / "bad"), "--quant", "q4_0"]) == 2
    assert "--quant needs --format gguf" in capsys.readouterr().err


def test_aligned_plan_exports_multiples_through_the_command(tmp_path, capsys):
    aligned = Workbench(
        student="stub", prompts=PROMPTS, batch_size=2, answer_tokens=4, granularity="channels",
        modules=("gate_proj",), width_multiple=16,
    )  # fmt: skip
    ratios = np.random.default_rng(5).uniform(0.0, 0.6, aligned.sizes.shape)
    plan = aligned.plan(ratios)
    widths = [160 - round(r * 160) for r in plan.ratios[:, 0]]
    assert all(w % 16 == 0 for w in widths) and len(set(widths)) > 1
    # The command takes the plan's width multiple (a pruner of another one is refused).
    args = ["export", "--plan", str(plan.save(tmp_path / "plan.json")), "--student", "stub"]
    args += ["--answer-tokens", "4", "--batch-size", "2", "--prompts", "builtin:heldout"]
    assert main([*args, "--out", str(tmp_path / "model")]) == 0
    printed = json.loads(capsys.readouterr().out)
    report = json.loads((tmp_path / "model" / "pruning_report.json").read_text())
    assert report["intermediate_sizes"] == widths
    assert printed["saved_params"] == aligned.total_params - aligned.removed_params(plan)
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["intermediate_sizes"] == widths
    assert main([*args, "--out", str(tmp_path / "other"), "--width-multiple", "32"]) == 2
    assert "differs from the plan's 16" in capsys.readouterr().err
