"""`llm-prune eval-hints` on a user's own programs ({code, stdin, fixed_code?}), stub student."""

from __future__ import annotations

import csv
import json

from evaluation.cli import main
from evaluation.hints import read_cases

USER_PROGRAMS = [
    {
        "id": "greet",
        "code": "name = input()\nprint('Hi ' + nmae)\n",
        "stdin": "Ada\n",
        "fixed_code": "name = input()\nprint('Hi ' + name)\n",
    },
    {
        "code": "a = int(input())\nb = 10 / a\nprint(b)\n",
        "stdin": "0\n",
        "fixed_code": "a = int(input())\nb = 10 / (a + 1)\nprint(b)\n",
    },
    {"code": "print(1 +)\n"},  # no fix: only a judge could grade it
]


def run_command(argv: list[str]) -> int:
    return main(argv)


def write_user_file(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in USER_PROGRAMS))
    return path


def test_user_programs_get_their_real_traceback(tmp_path):
    cases = read_cases(write_user_file(tmp_path))
    assert [c.exception for c in cases] == ["NameError", "ZeroDivisionError", "SyntaxError"]
    assert "name 'nmae' is not defined" in cases[0].error_output
    assert "name 'nmae' is not defined" in cases[0].messages[-1]["content"]
    assert cases[0].id == "greet" and cases[1].id == "mine.jsonl:2"
    assert cases[0].truth.lines == (2,) and cases[0].truth.token == "nmae"
    assert cases[1].truth.fixed_lines == ("b = 10 / (a + 1)",)
    assert cases[2].truth is None and all(c.source == "user" for c in cases)


def test_eval_hints_on_a_user_file(tmp_path, capsys):
    out = tmp_path / "out"
    code = run_command(
        [
            "eval-hints",
            "--student",
            "stub",
            "--data",
            str(write_user_file(tmp_path)),
            "--max-new-tokens",
            "6",
            "--generation-batch-size",
            "4",
            "--device",
            "cpu",
            "--no-progress",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["n"] == 3
    rows = list(csv.DictReader((out / "hints.csv").open()))
    assert [r["exception"] for r in rows] == ["NameError", "ZeroDivisionError", "SyntaxError"]
    assert [r["line"] for r in rows] == ["2", "2", ""]
    assert rows[2]["identifies_error"] == "" and rows[2]["evidence"] == "no ground truth"
    assert {r["identifies_error"] for r in rows[:2]} <= {"True", "False"}
    summary = next(csv.DictReader((out / "summary.csv").open()))
    assert (summary["n"], summary["identifies_error_n"]) == ("3", "2")
    markdown = (out / "summary.md").read_text()
    assert "| stub:0 | 3 |" in markdown and "## By error kind" in markdown
    assert "NameError" in markdown  # user programs are grouped by their exception
    assert {r["hint_source"] for r in rows} == {"student"}  # no diagnosis unless asked for
    assert "- diagnosis: off: every hint is the student's\n" in markdown


def test_eval_hints_with_the_diagnosis_states_a_misspelt_name(tmp_path, capsys):
    from llm_prune_gym.diagnosis import diagnose

    data, out = write_user_file(tmp_path), tmp_path / "out"
    argv = ["eval-hints", "--student", "stub", "--data", str(data), "--max-new-tokens", "6"]
    assert (
        run_command([*argv, "--diagnosis", "--device", "cpu", "--no-progress", "--out", str(out)])
        == 0
    )
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    rows = list(csv.DictReader((out / "hints.csv").open()))
    greet = rows[0]
    assert (greet["hint_source"], greet["diagnosis_rule"]) == ("diagnosis", "misspelt_name")
    case = read_cases(data)[0]
    assert greet["hint"] == diagnose(case.code, case.error_output).hint
    assert "`nmae`" in greet["hint"] and "`name`" in greet["hint"]
    assert all(r["hint_source"] in {"student", "facts"} for r in rows[1:])  # no rule fires
    assert line["hints_by_diagnosis"] == 1 and sum(v for k, v in line.items() if "_by_" in k) == 3
    markdown = (out / "summary.md").read_text()
    assert "- diagnosis: on: a certain diagnosis" in markdown
    assert "- hints written by: diagnosis 1, " in markdown
    assert "written by diagnosis / student / facts" in markdown
