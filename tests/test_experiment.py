"""`llm-prune experiment` end to end on stub students, a tiny plan and a tiny test set."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

import evaluation.experiment as experiment
from evaluation.cli import main
from evaluation.experiment import ExperimentConfig, run_experiment
from evaluation.hints import read_cases
from llm_prune_gym import PruningPlan, hint_messages
from llm_prune_gym.plan import count_parameters
from llm_prune_gym.pruning import Pruner
from llm_prune_gym.students import stub_student

BUGS = [  # (code, error output, line, original line, broken line, token, kind, exception)
    (
        "x = 1\nprint(y)\n",
        "NameError: name 'y' is not defined",
        2,
        "print(x)",
        "print(y)",
        "y",
        "undefined_name",
        "NameError",
    ),
    (
        "if x\n    f()\n",
        "SyntaxError: expected ':'",
        1,
        "if x:",
        "if x",
        ":",
        "missing_colon",
        "SyntaxError",
    ),
    (
        "a = 0\nprint(1 / a)\n",
        "ZeroDivisionError: division by zero",
        1,
        "a = 2",
        "a = 0",
        "0",
        "division_by_zero",
        "ZeroDivisionError",
    ),
]
LEVELS = [0.0, 2.1, 6.2, 10.3]


def write_test_set(path):
    lines = []
    for index, (code, error, line, original, broken, token, kind, exc) in enumerate(BUGS):
        fixed = code.replace(broken, original, 1)
        record = {
            "id": f"p{index}/{kind}",
            "prompt": hint_messages(code, error),
            "chosen": [{"role": "assistant", "content": "A hint."}],
            "rejected": [{"role": "assistant", "content": f"Write {original}"}],
            "error_kind": kind,
            "exception": exc,
            "line": line,
            "original_line": original,
            "broken_line": broken,
            "token": token,
            "program_id": f"p{index}",
            "code": code,
            "stdin": "",
            "error_output": error,
            "fixed_code": fixed,
        }
        lines.append(json.dumps(record) + "\n")
    path.write_text("".join(lines))
    return path


def write_plan(path, criterion="magnitude") -> PruningPlan:
    model = stub_student(0).model
    pruner = Pruner(model)
    ratios = np.random.default_rng(0).uniform(0.05, 0.3, np.array(pruner.sizes).shape)
    plan = PruningPlan.for_pruner(pruner, ratios, count_parameters(model), model="stub:0")
    plan.criterion = criterion
    plan.save(path)
    return plan


def write_heldout(path):
    prompts = [hint_messages(f"print(v{i})", f"NameError: name 'v{i}'") for i in range(3)]
    path.write_text("".join(json.dumps({"messages": p}) + "\n" for p in prompts))
    return path


def run_command(argv: list[str]) -> int:
    return main(argv)


def experiment_argv(tmp_path, levels: str) -> list[str]:
    """An `experiment` command on stub students and the test set written under tmp_path."""
    return [
        "experiment", "--base", "stub", "--dpo", "stub:1",
        "--plan", str(tmp_path / "plan.json"), "--levels", levels,
        "--data", str(write_test_set(tmp_path / "test.jsonl")),
        "--heldout-prompts", str(write_heldout(tmp_path / "heldout.jsonl")),
        "--answer-tokens", "4", "--max-new-tokens", "6", "--generation-batch-size", "4",
        "--device", "cpu", "--no-progress", "--out", str(tmp_path / "out"),
    ]  # fmt: skip


def test_experiment_end_to_end_and_resume(tmp_path, monkeypatch):
    out = tmp_path / "out"
    argv = experiment_argv(tmp_path, "0,2.1,6.2,10.3")
    write_plan(tmp_path / "plan.json")
    assert run_command(argv) == 0

    rows = list(csv.DictReader((out / "experiment.csv").open()))
    assert [(r["student"], float(r["level"])) for r in rows] == [
        (s, level) for s in ("base", "dpo") for level in LEVELS
    ]
    for row in rows:
        assert float(row["model_sparsity"]) == pytest.approx(float(row["level"]) / 100, abs=1e-6)
        assert row["n"] == "3" and row["identifies_error_n"] == "3"
        assert (float(row["kl_heldout"]) > 0) == (float(row["level"]) > 0)
    table = (out / "experiment.md").read_text()
    assert table.count("| base |") == 4 and table.count("| dpo |") == 4
    assert "| base | 10.3% |" in table and "![experiment](experiment.png)" in table
    png = (out / "experiment.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    hints = list(csv.DictReader((out / "hints.csv").open()))
    assert len(hints) == 2 * 4 * 3
    assert {h["evidence"] for h in hints} != {"no ground truth"}
    assert {p.name for p in (out / "plans").iterdir()} == {f"level_{lv:g}.json" for lv in LEVELS}

    def no_generation(*args, **kwargs):
        raise AssertionError("a rerun must reuse the saved hints")

    monkeypatch.setattr(experiment, "generate_choices", no_generation)
    (out / "experiment.csv").unlink()
    assert run_command(argv) == 0
    assert list(csv.DictReader((out / "experiment.csv").open())) == rows


def with_real_tracebacks(path):
    """The test set with the error output Python really prints for each program."""
    from finetune.sandbox import error_output, run_program

    records = [json.loads(line) for line in path.read_text().splitlines()]
    for record in records:
        record["error_output"] = error_output(run_program(record["code"]))
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_experiment_with_the_diagnosis_keeps_who_wrote_each_hint(tmp_path):
    out = tmp_path / "out"
    argv = experiment_argv(tmp_path, "0,10.3")
    write_plan(tmp_path / "plan.json")
    with_real_tracebacks(tmp_path / "test.jsonl")  # the diagnosis reads the frames
    assert run_command(argv) == 0
    greedy = json.loads((out / "hints" / "base_level_0.json").read_text())
    assert greedy["sources"] == ["student"] * 3
    assert run_command([*argv, "--diagnosis"]) == 0  # not the greedy run's saved hints
    hints = list(csv.DictReader((out / "hints.csv").open()))
    zero = [h for h in hints if h["exception"] == "ZeroDivisionError"]
    assert len(zero) == 4 and {(h["hint_source"], h["diagnosis_rule"]) for h in zero} == {
        ("diagnosis", "zero_divisor")
    }
    assert {h["hint_source"] for h in hints} - {"diagnosis"} <= {"student", "facts"}
    rows = list(csv.DictReader((out / "experiment.csv").open()))
    assert {r["hints_by_diagnosis"] for r in rows} == {"2"}  # `if x`'s colon, the zero
    assert "written by diagnosis / student / facts" in (out / "experiment.md").read_text()
    saved = json.loads((out / "hints" / "dpo_level_10.3.json").read_text())
    assert saved["sources"][1:] == ["diagnosis"] * 2 and saved["key"] != greedy["key"]


def test_hints_saved_before_sources_were_kept_read_as_unknown():
    stored = {"key": "k", "spec": "stub", "hints": ["a", "b"]}
    choices = experiment._stored_choices(stored)
    assert [(c.hint, c.source, c.rule, c.index) for c in choices] == [
        ("a", "", "", None),
        ("b", "", "", None),
    ]


@pytest.mark.parametrize("criterion", ["magnitude", "wanda"])
def test_pruning_applies_during_generation_and_is_restored(tmp_path, criterion):
    plan = write_plan(tmp_path / "plan.json", criterion)
    base = stub_student(0)
    original = {k: v.clone() for k, v in base.model.state_dict().items()}
    config = ExperimentConfig(
        levels=(0.0, 10.3),
        max_new_tokens=6,
        batch_size=4,
        heldout_prompts=str(write_heldout(tmp_path / "heldout.jsonl")),
        calibration_prompts=str(tmp_path / "heldout.jsonl"),
        calibration_batch=2,
        answer_tokens=4,
        progress=False,
    )
    cases = read_cases(write_test_set(tmp_path / "test.jsonl"))
    summaries, rows = run_experiment({"base": base}, plan, cases, tmp_path / "out", config)
    assert [(s["student"], s["level"]) for s in summaries] == [("base", 0.0), ("base", 10.3)]
    for name, tensor in base.model.state_dict().items():
        assert torch.equal(tensor, original[name]), name
    by_level = {lv: [r["hint"] for r in rows if r["level"] == lv] for lv in config.levels}
    assert by_level[0.0] != by_level[10.3]  # the pruned student answered differently
    assert summaries[1]["kl_heldout"] > 0
