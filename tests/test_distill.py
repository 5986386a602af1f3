"""`llm-prune data distill`: chosen hints rewritten as the rule-based pipeline's."""

from __future__ import annotations

import json

from evaluation.cli import main
from finetune.distill import distilled, pipeline_hint
from llm_prune_gym.diagnosis import diagnose

# input() gives text; the diagnosis settles it and names line 1
SETTLED = "n = input('How many? ')\nprint(n + 1)\n"
SETTLED_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 2, in <module>\n'
    "    print(n + 1)\n"
    "          ~~^~~\n"
    'TypeError: can only concatenate str (not "int") to str\n'
)
# nothing in the program says which value was meant
OPEN = "import math\nx = math.sqrt(-1)\n"
OPEN_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 2, in <module>\n'
    "    x = math.sqrt(-1)\n"
    "ValueError: math domain error\n"
)


def pair(code: str, error: str, line: int) -> dict:
    teacher = [{"role": "assistant", "content": "the teacher's hint"}]
    return {"code": code, "error_output": error, "line": line, "chosen": teacher, "rejected": []}


def test_the_diagnosis_replaces_the_teacher_where_it_names_the_known_line():
    found = diagnose(SETTLED, SETTLED_ERROR)
    assert found is not None
    assert pipeline_hint(pair(SETTLED, SETTLED_ERROR, found.line)) == (found.hint, "diagnosis")
    # a diagnosis of another line than the known cause keeps the teacher's hint
    other = pair(SETTLED, SETTLED_ERROR, found.line + 5)
    assert pipeline_hint(other) == ("the teacher's hint", "teacher")


def test_where_nothing_fires_the_facts_hint_or_the_teacher_is_kept():
    assert diagnose(OPEN, OPEN_ERROR) is None
    hint, source = pipeline_hint(pair(OPEN, OPEN_ERROR, 2))
    assert source == "facts" and "line 2" in hint and hint != "the teacher's hint"
    assert pipeline_hint(pair(OPEN, OPEN_ERROR, 2), "teacher") == ("the teacher's hint", "teacher")


def test_command_rewrites_both_splits_and_counts_sources(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    line = diagnose(SETTLED, SETTLED_ERROR).line
    rows = [pair(SETTLED, SETTLED_ERROR, line), pair(OPEN, OPEN_ERROR, 2)]
    for split in ("train", "test"):
        (data / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    assert main(["data", "distill", "--data", str(data), "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["sources"]["train"] == {"diagnosis": 1, "facts": 1}
    written = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    assert [r["chosen_source"] for r in written] == ["diagnosis", "facts"]
    assert main(["data", "distill", "--data", str(data), "--out", str(out)]) != 0  # no overwrite
    assert distilled(rows)[1] == summary["sources"]["test"]
