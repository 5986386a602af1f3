"""`llm-prune bench-model` on the stub: exports, subprocess measurements, table and plot."""

from __future__ import annotations

import csv
import json

import numpy as np

from evaluation.cli import main
from llm_prune_gym import LLMPruneEnv


def test_bench_model_measures_every_export(tmp_path, capsys):
    env = LLMPruneEnv(student="stub", granularity="channels", modules=("gate_proj",))
    plan = env.current_plan().with_ratios(np.full(env.sizes.shape, 0.5))
    plan_path = plan.save(tmp_path / "uniform.json")
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"line {i} fails"}) + "\n" for i in range(3)))
    args = ["bench-model", "--student", "stub", "--plans", f"dense,half={plan_path}"]
    args += ["--formats", "hf-f32,gguf-q8_0", "--heldout-prompts", str(prompts)]
    args += ["--heldout-batch-size", "3"]
    args += ["--answer-tokens", "4", "--speed-prompts", str(prompts), "--speed-count", "2"]
    args += ["--new-tokens", "5", "--threads", "1", "--out", str(tmp_path / "bench")]
    assert main(args) == 0
    with open(tmp_path / "bench" / "bench_model.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["name"], r["format"]) for r in rows] == [
        ("dense", "hf-f32"), ("dense", "gguf-q8_0"), ("half", "hf-f32"), ("half", "gguf-q8_0")
    ]  # fmt: skip
    by = {(r["name"], r["format"]): r for r in rows}
    assert float(by["dense", "hf-f32"]["kl_heldout"]) == 0.0
    assert int(by["half", "hf-f32"]["params"]) < int(by["dense", "hf-f32"]["params"])
    assert float(by["half", "hf-f32"]["file_mb"]) < float(by["dense", "hf-f32"]["file_mb"])
    assert float(by["dense", "gguf-q8_0"]["file_mb"]) < float(by["dense", "hf-f32"]["file_mb"])
    assert all(float(r["tokens_per_s"]) > 0 and float(r["peak_ram_mb"]) > 50 for r in rows)
    assert (tmp_path / "bench" / "bench_model.png").stat().st_size > 1000
    assert "| half | gguf-q8_0 |" in (tmp_path / "bench" / "bench_model.md").read_text()
