"""`llm-prune export`: a plain Hugging Face folder whose reloaded model is the pruned one."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from evaluation.export import export_pruned
from llm_prune_gym import LLMPruneEnv, PruningPlan
from llm_prune_gym.cli import main

PROMPTS = [f"Why does line {i} raise a KeyError?" for i in range(4)]


@pytest.fixture(scope="module")
def env() -> LLMPruneEnv:
    return LLMPruneEnv(student="stub", prompts=PROMPTS, batch_size=2, answer_tokens=4)


def random_plan(env: LLMPruneEnv, seed: int = 0) -> PruningPlan:
    ratios = np.random.default_rng(seed).uniform(0.0, 0.3, env.sizes.shape)
    return PruningPlan.for_pruner(env.pruner, ratios, env.total_params, model=env.student.name)


@torch.no_grad()
def pruned_logits(env: LLMPruneEnv, plan: PruningPlan, inputs: dict) -> torch.Tensor:
    plan.apply(env.pruner)
    try:
        return env.model(**inputs).logits
    finally:
        env.pruner.restore()


def test_reloaded_model_is_the_pruned_model(env, tmp_path):
    plan = random_plan(env)
    report = export_pruned(env, plan, tmp_path / "model")
    inputs = env.calibration.inputs(range(len(env.calibration)))
    expected = pruned_logits(env, plan, inputs)

    model = AutoModelForCausalLM.from_pretrained(tmp_path / "model")
    with torch.no_grad():
        reloaded = model(**inputs).logits
    torch.testing.assert_close(reloaded, expected, rtol=0, atol=1e-5)
    assert report["kl_reloaded"] == pytest.approx(report["kl_in_env"], rel=1e-5)
    assert report["kl_in_env"] == pytest.approx(env.evaluate_plan(plan).mean, rel=1e-6)
    # The env's model is left unpruned.
    assert env.pruner.pruned_params == 0
    assert torch.equal(env.pruner.layers[0][0].weight, env.pruner.originals[0])
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "model")
    assert tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False)


def test_sparsity_report_counts_the_saved_zeros(env, tmp_path):
    plan = random_plan(env, seed=1)
    report = export_pruned(env, plan, tmp_path / "model")
    plan.apply(env.pruner)
    expected = [count for row in env.pruner.pruned for count in row]
    env.pruner.restore()
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
    assert report["total_params"] == env.total_params
    saved = json.loads((tmp_path / "model" / "pruning_report.json").read_text())
    assert saved["units"] == report["units"]
    markdown = (tmp_path / "model" / "pruning_report.md").read_text()
    assert "## Per module type" in markdown and "| q_proj |" in markdown
    assert saved["licence"] in markdown and saved["licence"].startswith("Licence: ")


def test_export_command_scales_and_loads_without_our_packages(env, tmp_path, capsys):
    plan_path = random_plan(env, seed=2).save(tmp_path / "plan.json")
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
