"""Pairs from hand-written programs and tutor hints (`llm-prune data add-handwritten`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.cli import main
from finetune.handwritten import case_pair, handwritten_pairs, write_data
from finetune.train import load_pairs
from llm_prune_gym.prompts import hint_messages

CODE = 'total = 0\nfor n in ["1", "2"]:\n    total = total + n\nprint(total)\n'
ERROR = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 3, in <module>\n'
    "    total = total + n\n"
    "TypeError: unsupported operand type(s) for +: 'int' and 'str'\n"
)
CASE = {
    "id": "hw-1",
    "code": CODE,
    "stdin": "",
    "error_output": ERROR,
    "fixed_code": CODE.replace('["1", "2"]', "[1, 2]"),
    "bug": "The list on line 2 holds text, so line 3 adds text to a number.",
    "cause_line": 2,
    "exception": "TypeError",
    "source": "hand-written for a test",
    "licence": "MIT (this repository)",
}
HINT = "Line 3 adds each item of the list on line 2 to `total`: what type are those items?"


def test_pair_uses_the_shared_prompt_builder_and_a_giveaway_negative():
    pair = case_pair(CASE, HINT, style="grounded")
    assert pair["prompt"] == hint_messages(CODE, ERROR, style="grounded")
    assert pair["chosen"] == [{"role": "assistant", "content": HINT}]
    assert pair["rejected"][0]["content"] == "Change line 2 to `for n in [1, 2]:` and it will work."
    assert (pair["source"], pair["licence"], pair["line"]) == (CASE["source"], CASE["licence"], 2)


@pytest.mark.parametrize("field", ["error_output", "licence", "cause_line"])
def test_a_case_without_what_a_pair_needs_is_refused(field):
    with pytest.raises(ValueError, match=field):
        case_pair({**CASE, field: None}, HINT)


def test_a_cause_line_outside_the_fixed_program_is_refused():
    with pytest.raises(ValueError, match="not a line"):
        case_pair({**CASE, "cause_line": 9}, HINT)


def test_hints_for_unknown_cases_are_an_error_and_cases_without_hints_are_left_out():
    cases = {"hw-1": CASE, "hw-2": {**CASE, "id": "hw-2"}}
    assert [p["program_id"] for p in handwritten_pairs(cases, {"hw-1": {"hint": HINT}})] == ["hw-1"]
    with pytest.raises(ValueError, match="hw-9"):
        handwritten_pairs(cases, {"hw-9": {"hint": HINT}})


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    return path


def test_command_appends_to_a_build_and_keeps_its_test_split(tmp_path, capsys):
    base = tmp_path / "base"
    base.mkdir()
    built = case_pair({**CASE, "id": "built"}, "an injected bug's hint")
    _write(base / "train.jsonl", [built])
    _write(base / "test.jsonl", [built])
    cases = _write(tmp_path / "cases.jsonl", [CASE])
    hints = _write(tmp_path / "hints.jsonl", [{"id": "hw-1", "hint": HINT}])
    out = tmp_path / "out"
    argv = ["data", "add-handwritten", "--cases", str(cases), "--hints", str(hints)]
    assert main([*argv, "--out", str(out), "--base", str(base)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["handwritten"], summary["base_train"], summary["test"]) == (1, 1, 1)
    pairs = load_pairs(out)
    assert [p["chosen"][0]["content"] for p in pairs["train"]] == ["an injected bug's hint", HINT]
    assert len(pairs["test"]) == 1
    assert main([*argv, "--out", str(out)]) != 0  # never overwrites a data set by default
    again = ["--out", str(out), "--base", str(base), "--no-base-train", "--overwrite"]
    assert main([*argv, *again]) == 0
    assert [p["chosen"][0]["content"] for p in load_pairs(out)["train"]] == [HINT]


def test_write_data_without_a_base_has_an_empty_test_split(tmp_path):
    counts = write_data([case_pair(CASE, HINT)], tmp_path / "d")
    assert counts == {"handwritten": 1, "base_train": 0, "test": 0}
    assert (tmp_path / "d" / "test.jsonl").read_text() == ""
