"""`llm-prune hint`, `llm-prune grade`, and the eval-hints summary table (stub student)."""

from __future__ import annotations

import csv
import json
import time

import pytest

from evaluation.cli import main
from evaluation.hint_command import STUDENT_ENV, default_student
from evaluation.hints import read_cases, summarise, summary_table
from llm_prune_gym.generation import Candidate
from llm_prune_gym.prompts import hint_messages

USER_CASES = [
    {
        "id": "greet",
        "code": "name = input()\nprint('Hi ' + nmae)\n",
        "stdin": "Ada\n",
        "fixed_code": "name = input()\nprint('Hi ' + name)\n",
    },
    {
        "id": "half",
        "code": "a = int(input())\nb = 10 / a\nprint(b)\n",
        "stdin": "0\n",
        "fixed_code": "a = int(input())\nb = 10 / (a + 1)\nprint(b)\n",
    },
    {"id": "nofix", "code": "print(1 +)\n"},
]
DATA_BUILD_LINE = {
    "id": "p/undefined_name/L1-1",
    "prompt": [{"role": "user", "content": "hi"}],
    "error_kind": "undefined_name",
    "exception": "NameError",
    "line": 1,
    "original_line": "print(a)",
    "broken_line": "prnt(a)",
    "token": "prnt",
    "code": "a = 1\nprnt(a)\n",
    "error_output": "Traceback (most recent call last):\n"
    '  File "main.py", line 2, in <module>\n    prnt(a)\n'
    "NameError: name 'prnt' is not defined\n",
    "fixed_code": "a = 1\nprint(a)\n",
}


def run_command(argv: list[str]) -> int:
    return main(argv)


def write_jsonl(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def strict_json(text: str) -> dict:
    """Parse JSON that must not hold NaN or Infinity (which are not JSON)."""

    def refuse(constant: str):
        raise ValueError(f"not valid JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


# ---------------------------------------------------------------- hint


def hint(tmp_path, capsys, code: str, *options: str, stdin: str | None = None) -> str:
    program = tmp_path / "program.py"
    program.write_text(code)
    flags = [o for o in options if o != "--json"]  # stdout is always the JSON line
    argv = ["hint", str(program), "--student", "stub", "--max-new-tokens", "6", *flags]
    if stdin is not None:
        (tmp_path / "stdin.txt").write_text(stdin)
        argv += ["--stdin", str(tmp_path / "stdin.txt")]
    assert run_command(argv) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 1  # one JSON line; the text goes to stderr
    return captured.err if "--json" not in options else captured.out


def test_hint_prints_the_real_error_and_a_hint(tmp_path, capsys, monkeypatch):
    # the stub's random tokens name no line, so the verifier would show the facts instead
    said = Candidate("Line 1 reads `price` with `input()`, so it is text, not a number.", True)
    monkeypatch.setattr("evaluation.hints.hint_candidates", lambda *args, **kw: [[said]])
    code = "price = input()\ntotal = 0\ntotal = total + price\n"
    out = hint(tmp_path, capsys, code, "--no-diagnosis", stdin="3\n")  # the student's hint
    assert "stopped with an error. Python printed:" in out
    assert "TypeError: unsupported operand type(s) for +: 'int' and 'str'" in out
    assert "Hint (student stub, from --student):" in out and said.text in out


def test_no_student_hint_shows_facts_and_loads_no_model(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("llm_prune_gym.students.load_student", lambda *a, **k: 1 / 0)
    code = "price = input()\ntotal = 0\ntotal = total + price\n"
    argv = ["--no-diagnosis", "--no-student-hint", "--json"]
    report = strict_json(hint(tmp_path, capsys, code, *argv, stdin="3\n"))
    assert report["source"] == "facts" and report["student"] is None
    assert report["hint"].startswith("Python stopped at line 3 with a TypeError")


def test_hint_json_and_a_clean_program(tmp_path, capsys):
    out = hint(tmp_path, capsys, "print(undefined_name)\n", "--json")
    report = strict_json(out)
    assert report["exception"] == "NameError" and report["line"] == 1
    assert report["ran_without_error"] is False and isinstance(report["hint"], str)
    assert report["student"] == "stub" and report["prompt_style"] == "grounded"
    assert report["facts"].startswith("Facts from the traceback and the program:")
    clean = hint(tmp_path, capsys, "print('fine')\n")
    assert "ran without an error (exit status 0): nothing to hint at." in clean
    report = strict_json(hint(tmp_path, capsys, "print('fine')\n", "--json"))
    assert report["ran_without_error"] is True and report["hint"] is None
    plain = strict_json(
        hint(tmp_path, capsys, "x = [1]\nx[3]\n", "--json", "--prompt-style", "plain")
    )
    assert plain["prompt_style"] == "plain" and plain["facts"] == ""


def test_hint_exit_without_traceback_gets_no_hint(tmp_path, capsys):
    out = hint(tmp_path, capsys, "import sys\nsys.exit(3)\n")
    assert "exit status 3 but printed no traceback: nothing to hint at." in out


def test_hint_missing_program_is_a_one_line_error(tmp_path, capsys):
    assert run_command(["hint", str(tmp_path / "absent.py"), "--student", "stub"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"llm-prune hint: error: program not found: {tmp_path / 'absent.py'}"]


def test_hint_contains_a_hostile_program(tmp_path, capsys, monkeypatch):
    """No secrets inside, no writes outside its folder, an endless loop is stopped."""
    monkeypatch.setenv("SECRET_TOKEN", "s3cr3t-value")
    target = tmp_path / "outside.txt"
    code = (
        "import os\n"
        "print(os.environ.get('SECRET_TOKEN'))\n"
        f"open({str(target)!r}, 'w').write('pwned')\n"
    )
    report = strict_json(hint(tmp_path, capsys, code, "--json"))
    assert not target.exists() and "s3cr3t-value" not in json.dumps(report)
    assert report["exception"] == "PermissionError" and report["hint"] is not None
    started = time.monotonic()
    looping = strict_json(
        hint(tmp_path, capsys, "while True:\n    pass\n", "--json", "--sandbox-timeout", "1")
    )
    assert looping["timed_out"] is True and looping["exception"] == "KeyboardInterrupt"
    assert "pressed Ctrl-C" in looping["error_output"] and time.monotonic() - started < 30


def test_default_student(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_PRUNE_GYM_CACHE", str(tmp_path))
    monkeypatch.delenv(STUDENT_ENV, raising=False)
    spec, why = default_student()
    assert spec == "smollm2" and "no model folder at" in why
    best = tmp_path / "students" / "best"
    best.mkdir(parents=True)
    (best / "config.json").write_text("{}")
    assert default_student() == (str(best), f"the best student at {best}")
    monkeypatch.setenv(STUDENT_ENV, "stub")
    assert default_student() == ("stub", f"from ${STUDENT_ENV}")


# ---------------------------------------------------------------- grade


def test_grade_matches_hints_by_id_and_writes_eval_hints_files(tmp_path, capsys):
    data = write_jsonl(tmp_path / "cases.jsonl", [*USER_CASES, DATA_BUILD_LINE])
    hints = write_jsonl(
        tmp_path / "mine.jsonl",
        [
            {"id": "half", "hint": "Line 2 divides by `a`, which can be 0."},
            {"id": "greet", "hint": "Look at line 2: `nmae` is a typo of the name you assigned."},
            {"id": "nofix", "hint": "Something is missing after the plus."},
            {"id": "p/undefined_name/L1-1", "hint": "Check the spelling of `prnt` on line 2."},
        ],
    )
    out = tmp_path / "graded"
    code = run_command(["grade", "--data", data, "--hints", hints, "--out", str(out)])
    assert code == 0
    line = strict_json(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["n"] == 4 and line["out"] == str(out)
    rows = list(csv.DictReader((out / "hints.csv").open()))
    assert [r["id"] for r in rows] == ["greet", "half", "nofix", "p/undefined_name/L1-1"]
    assert rows[0]["student"] == "mine" and rows[0]["hint"].startswith("Look at line 2")
    assert rows[0]["identifies_error"] == "True" and rows[2]["evidence"] == "no ground truth"
    assert "| mine | 4 |" in (out / "summary.md").read_text()


def test_grade_rejects_unknown_and_missing_ids(tmp_path, capsys):
    data = write_jsonl(tmp_path / "cases.jsonl", USER_CASES)
    argv = ["grade", "--data", data, "--out", str(tmp_path / "o"), "--hints"]

    def refused(hints: list[dict], message: str) -> None:
        path = write_jsonl(tmp_path / "h.jsonl", hints)
        assert run_command([*argv, path]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("llm-prune grade: error:"), err
        assert message in err[0]

    refused([{"id": "nope", "hint": "x"}], "not in the test set: 'nope'")
    refused([{"id": "greet", "hint": "line 2"}], "2 of 3 cases have no hint")
    some = write_jsonl(tmp_path / "s.jsonl", [{"id": "greet", "hint": "line 2"}])
    assert run_command([*argv, some, "--partial"]) == 0
    refused([{"hint": "x"}], "line 1: needs an 'id'")
    refused([{"id": "greet", "hint": "a"}] * 2, "appears twice")


def test_read_cases_can_rebuild_prompts_in_a_style(tmp_path):
    data = write_jsonl(tmp_path / "cases.jsonl", [DATA_BUILD_LINE])
    stored = read_cases(data)[0]
    assert stored.messages == DATA_BUILD_LINE["prompt"]
    plain = read_cases(data, prompt_style="plain")[0]
    code, output = DATA_BUILD_LINE["code"], DATA_BUILD_LINE["error_output"]
    assert plain.messages == hint_messages(code, output, "plain")
    grounded = read_cases(data, prompt_style="grounded")[0]
    assert "Names closest to `prnt`: `print`" in grounded.messages[1]["content"]


# ---------------------------------------------------------------- the summary table


def test_summary_table_rows_fill_every_column():
    rows = [
        {
            "student": "s",
            "hint": "a",
            "identifies_error": True,
            "names_line": False,
            "gives_away": True,
            "error_kind": "k",
            "exception": "E",
        },
        {
            "student": "s",
            "hint": "b",
            "identifies_error": False,
            "names_line": False,
            "gives_away": True,
            "error_kind": "k",
            "exception": "E",
        },
    ]
    summary = {"student": "s"} | summarise(rows)
    table = summary_table([summary], ["student"])
    header, _, row = table.splitlines()
    cells = dict(zip(header.strip("|").split("|"), row.strip("|").split("|"), strict=True))
    cells = {k.strip(): v.strip() for k, v in cells.items()}
    assert cells["names the line"].startswith("0.0%")
    assert cells["gives away (offline)"].startswith("100.0%")
    assert cells["identifies error (offline)"].startswith("50.0%")


def test_summaries_without_graded_hints_are_valid_json():
    rows = [{"hint": "x", "identifies_error": None, "names_line": None, "gives_away": None}]
    rows[0] |= {"judge_status": "error"}
    summary = summarise(rows)
    assert summary["identifies_error"] is None and summary["judge_helpfulness"] is None
    assert strict_json(json.dumps(summary, allow_nan=False)) == summary
    assert "n/a" in summary_table([summary | {"student": "s"}], ["student"])


# ---------------------------------------------------------------- prompt styles in the data


def test_build_manifest_records_the_prompt_style(tmp_path):
    from finetune.build import BuildOptions, _check_manifest

    old = BuildOptions(out=tmp_path, prompt_style="plain").manifest()
    del old["prompt_style"]  # a folder built before the option existed
    (tmp_path / "manifest.json").write_text(json.dumps(old))
    _check_manifest(tmp_path, BuildOptions(out=tmp_path, prompt_style="plain"))
    with pytest.raises(ValueError, match="other options"):
        _check_manifest(tmp_path, BuildOptions(out=tmp_path))  # grounded by default
    assert BuildOptions(out=tmp_path).manifest()["prompt_style"] == "grounded"


def test_calibration_prompts_in_the_grounded_style():
    from finetune.calibration_prompts import build_calibration

    records = build_calibration(quotas={"train": 2, "heldout": 1}, prompt_style="grounded")
    assert len(records) == 3
    for record in records:
        user = record["messages"][1]["content"]
        assert "Facts from the traceback and the program:" in user
