"""`llm-prune bench-model` on the stub: exports, subprocess measurements, table and plot."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from evaluation.bench_model import (
    HINT_TOKENS,
    BenchModelSettings,
    parse_format,
    prefix_agreement,
)
from evaluation.cli import main
from llm_prune_gym import LLMPruneEnv
from llm_prune_gym.generation import HINT_MAX_NEW_TOKENS

PROGRAMS = [  # users' programs with their fixes: run in the sandbox, graded offline
    {
        "id": "greet",
        "code": "name = input()\nprint('Hi ' + nmae)\n",
        "stdin": "Ada\n",
        "fixed_code": "name = input()\nprint('Hi ' + name)\n",
    },
    {
        "id": "divide",
        "code": "a = int(input())\nb = 10 / a\nprint(b)\n",
        "stdin": "0\n",
        "fixed_code": "a = int(input())\nb = 10 / (a + 1)\nprint(b)\n",
    },
]


def bench_args(tmp_path, plans: str, formats: str) -> list[str]:
    """bench-model on the stub with tiny prompt, hint and token counts."""
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"line {i} fails"}) + "\n" for i in range(3)))
    cases = tmp_path / "programs.jsonl"
    cases.write_text("".join(json.dumps(program) + "\n" for program in PROGRAMS))
    args = ["bench-model", "--student", "stub", "--plans", plans, "--formats", formats]
    args += ["--heldout-prompts", str(prompts), "--heldout-batch-size", "3"]
    args += ["--answer-tokens", "4", "--speed-prompts", str(prompts), "--speed-count", "2"]
    args += ["--new-tokens", "5", "--threads", "1", "--out", str(tmp_path / "bench")]
    return args + ["--hint-cases", str(cases), "--hint-count", "2", "--hint-tokens", "6"]


def uniform_plan(ratio: float = 0.5):
    env = LLMPruneEnv(student="stub", granularity="channels", modules=("gate_proj",))
    return env.current_plan().with_ratios(np.full(env.sizes.shape, ratio))


def test_bench_model_measures_every_export(tmp_path, capsys):
    plan_path = uniform_plan().save(tmp_path / "uniform.json")
    assert main(bench_args(tmp_path, f"dense,half={plan_path}", "hf-f32,gguf-q8_0")) == 0
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
    # hints: every export graded on the same two programs; agreement with its hf-f32
    assert all(r["hints_n"] == "2" for r in rows)
    assert all(float(r[key]) in (0.0, 0.5, 1.0) for r in rows for key in ("identifies_error",
               "misleading", "gives_away"))  # fmt: skip
    assert float(by["half", "hf-f32"]["tokens_as_hf_f32"]) == 1.0
    assert float(by["half", "hf-f32"]["hints_as_hf_f32"]) == 1.0
    assert 0.0 <= float(by["half", "gguf-q8_0"]["tokens_as_hf_f32"]) <= 1.0
    with open(tmp_path / "bench" / "hints" / "hints.csv") as handle:
        hints = list(csv.DictReader(handle))
    assert len(hints) == 8 and {h["id"] for h in hints} == {"greet", "divide"}
    assert {(h["name"], h["format"]) for h in hints} == set(by)


def test_refit_rows_sit_beside_the_plain_plan(tmp_path, capsys):
    plan_path = uniform_plan().save(tmp_path / "uniform.json")
    args = bench_args(tmp_path, f"half={plan_path},half-refit={plan_path}", "hf-f32")[:-6]
    args += ["--refit", "half-refit", "--hint-count", "0", "--calibration-count", "3"]
    args += ["--calibration-prompts", str(tmp_path / "p.jsonl")]
    assert main(args) == 0
    with open(tmp_path / "bench" / "bench_model.csv") as handle:
        by = {row["name"]: row for row in csv.DictReader(handle)}
    assert by["half"]["params"] == by["half-refit"]["params"]
    assert float(by["half-refit"]["kl_heldout"]) != pytest.approx(float(by["half"]["kl_heldout"]))
    assert "re-fitted for half-refit" in (tmp_path / "bench" / "bench_model.md").read_text()
    with pytest.raises(ValueError, match="--refit: no plan named other"):
        BenchModelSettings(plans=("dense",), out=tmp_path, refit=("other",))


def test_prefix_agreement_counts_tokens_up_to_the_first_difference():
    assert prefix_agreement([[1, 2, 3, 4]], [[1, 2, 3, 4]]) == 1.0
    assert prefix_agreement([[1, 2, 9, 4], [5, 6]], [[1, 2, 3, 4], [7, 6]]) == 0.25
    assert prefix_agreement([[1, 2]], [[1, 2, 3, 4]]) == 0.5


def test_formats_and_hint_options_are_checked_up_front(tmp_path):
    assert parse_format("gguf-q8_0") == ("gguf", "f32", "q8_0")
    assert parse_format("hf-bf16") == ("hf", "bf16", None)
    assert parse_format("ct2-int8") == ("ct2", "f32", "int8")
    assert parse_format("ct2-f32") == ("ct2", "f32", None)
    with pytest.raises(ValueError, match="unknown format 'ct2-q4_0'"):
        parse_format("ct2-q4_0")
    with pytest.raises(ValueError, match="blind hint set"):
        BenchModelSettings(plans=("dense",), out=tmp_path, hint_cases=tmp_path / "realstyle2.jsonl")
    with pytest.raises(ValueError, match="blind hint set"):
        BenchModelSettings(
            plans=("dense",), out=tmp_path, hint_cases=tmp_path / "hint-labels-v4" / "cases.jsonl"
        )
    for blind in (
        "realstyle4.jsonl",
        "hint-labels-v5/cases.jsonl",
        "realstyle5.jsonl",
        "hint-labels-v6/cases.jsonl",
        "realstyle6.jsonl",
        "hint-labels-v7/cases.jsonl",
        "realstyle7.jsonl",
        "hint-labels-v8/cases.jsonl",
        "realstyle8.jsonl",
        "hint-labels-v9/cases.jsonl",
        "realstyle9.jsonl",
        "hint-labels-v10/cases.jsonl",
        "realstyle10.jsonl",
        "hint-labels-v11/cases.jsonl",
        "realstyle11.jsonl",
        "hint-labels-v12/cases.jsonl",
        "realstyle12.jsonl",
        "hint-labels-v13/cases.jsonl",
        "realstyle13.jsonl",
        "hint-labels-v14/cases.jsonl",
        "realstyle14.jsonl",
        "hint-labels-v15/cases.jsonl",
        "realstyle15.jsonl",
        "hint-labels-v16/cases.jsonl",
    ):
        with pytest.raises(ValueError, match="blind hint set"):
            BenchModelSettings(plans=("dense",), out=tmp_path, hint_cases=tmp_path / blind)
    with pytest.raises(ValueError, match="--hint-count"):
        BenchModelSettings(plans=("dense",), out=tmp_path, hint_count=-1)
    assert HINT_TOKENS == HINT_MAX_NEW_TOKENS


def test_ct2_refuses_per_layer_widths(tmp_path, capsys):
    pytest.importorskip("ctranslate2")
    env = LLMPruneEnv(student="stub", granularity="channels", modules=("gate_proj",))
    ratios = np.full(env.sizes.shape, 0.5)
    ratios[0] = 0.25
    plan_path = env.current_plan().with_ratios(ratios).save(tmp_path / "mixed.json")
    assert main(bench_args(tmp_path, f"mixed={plan_path}", "ct2-int8")) != 0
    assert "the ct2 formats need a standard Llama checkpoint" in capsys.readouterr().err


def test_bench_model_ct2_rows(tmp_path):
    pytest.importorskip("ctranslate2")
    plan_path = uniform_plan().save(tmp_path / "uniform.json")
    assert main(bench_args(tmp_path, f"half={plan_path}", "hf-f32,ct2-f32,ct2-int8")) == 0
    with open(tmp_path / "bench" / "bench_model.csv") as handle:
        by = {r["format"]: r for r in csv.DictReader(handle)}
    f32, ct2, int8 = by["hf-f32"], by["ct2-f32"], by["ct2-int8"]
    assert float(ct2["tokens_as_hf_f32"]) == 1.0 and float(ct2["hints_as_hf_f32"]) == 1.0
    assert float(ct2["kl_heldout"]) == pytest.approx(float(f32["kl_heldout"]), abs=1e-4)
    assert float(int8["file_mb"]) < 0.4 * float(ct2["file_mb"])
    assert int(int8["params"]) == int(f32["params"]) and int8["hints_n"] == "2"
    card = (tmp_path / "bench" / "models" / "half-ct2-int8" / "README.md").read_text()
    assert "ct2 int8" in card and "ctranslate2.Generator(folder)" in card
