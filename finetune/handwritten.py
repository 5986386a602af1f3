"""Preference pairs from hand-written beginner programs and tutor hints written for them.

The injected-bug pairs of ``llm-prune data build`` teach the student one bug per program,
made by our injectors; on hand-written programs (a wrong name three lines up, a list that
never gets filled, a ``//`` where ``/`` was meant) its hints name the wrong line or invent
a cause. This module turns labelled real-style programs (the ``cases.jsonl`` records of
``results/hint-labels*``: program, stdin, the sandbox's real error output, the author's
``bug``, ``cause_line`` and ``fixed_code``) and one tutor hint per program (``{"id",
"hint"}`` lines, written by reading the program and its ``bug``) into pairs in the same
format as the build's:

- ``prompt``: ``hint_messages(code, error_output, style)``, the builder that training,
  evaluation and ``llm-prune hint`` share;
- ``chosen``: the tutor hint;
- ``rejected``: the give-away negative of :mod:`finetune.pairs` (the corrected line
  written out), so DPO on these pairs also prefers a hint over the fix.

Every pair keeps the program's source and licence. Programs in a blind set must not be
given here: a set used for training is a development set from then on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from llm_prune_gym.prompts import DEFAULT_PROMPT_STYLE, hint_messages, read_jsonl

TEACHER = "hand-written tutor hint"
CASE_FIELDS = ("id", "code", "error_output", "fixed_code", "cause_line", "source", "licence")


def read_records(paths: Iterable[str | Path], what: str) -> dict[str, dict]:
    """Records of JSONL files by id; a repeated id is an error (one program, one pair)."""
    records: dict[str, dict] = {}
    for path in paths:
        for _, where, record in read_jsonl(path, what):
            key = record.get("id")
            if not isinstance(key, str) or key in records:
                raise ValueError(f"{where}: missing or repeated id {key!r}")
            records[key] = record
    return records


def fixed_line(case: dict) -> str:
    """The corrected text of the cause line (what a give-away hint writes out)."""
    number = int(case["cause_line"])
    lines = case["fixed_code"].splitlines()
    if not 1 <= number <= len(lines):
        raise ValueError(f"case {case['id']}: cause_line {number} is not a line of fixed_code")
    return lines[number - 1].strip()


def giveaway(case: dict) -> str:
    line = fixed_line(case)
    return f"Change line {case['cause_line']} to `{line}` and it will work."


def case_pair(case: dict, hint: str, style: str = DEFAULT_PROMPT_STYLE) -> dict:
    """One training pair for a labelled program and its tutor hint."""
    missing = [f for f in CASE_FIELDS if case.get(f) in (None, "")]
    if missing:
        raise ValueError(f"case {case.get('id')!r} lacks {', '.join(missing)}")
    if not hint.strip():
        raise ValueError(f"case {case['id']}: empty hint")
    return {
        "id": f"handwritten/{case['id']}",
        "split": "train",
        "prompt": hint_messages(case["code"], case["error_output"], style=style),
        "chosen": [{"role": "assistant", "content": hint.strip()}],
        "rejected": [{"role": "assistant", "content": giveaway(case)}],
        "rejected_source": "giveaway",
        "teacher": TEACHER,
        "exception": case.get("exception"),
        "line": int(case["cause_line"]),
        "program_id": case["id"],
        "code": case["code"],
        "stdin": case.get("stdin", ""),
        "error_output": case["error_output"],
        "fixed_code": case["fixed_code"],
        "source": case["source"],
        "licence": case["licence"],
    }


def handwritten_pairs(
    cases: dict[str, dict], hints: dict[str, dict], style: str = DEFAULT_PROMPT_STYLE
) -> list[dict]:
    """Pairs for every case that has a hint, in the cases' order; a hint without a case
    (a typo in an id) is an error rather than a silently smaller data set."""
    unknown = sorted(set(hints) - set(cases))
    if unknown:
        raise ValueError(f"hints for unknown case ids: {', '.join(unknown[:5])}")
    return [case_pair(cases[k], hints[k]["hint"], style) for k in cases if k in hints]


def write_data(
    pairs: Sequence[dict],
    out: Path,
    base: Path | None = None,
    *,
    base_train: bool = True,
    overwrite: bool = False,
    name: str = "handwritten",
) -> dict[str, int]:
    """Write ``out/train.jsonl`` (``base``'s train pairs unless not ``base_train``, then
    ``pairs``) and ``out/test.jsonl`` (``base``'s, else empty), plus ``NAME.jsonl`` with
    the new pairs alone. Refuses a folder that already holds pair files unless
    ``overwrite``."""
    if not overwrite and any((out / n).exists() for n in ("train.jsonl", "test.jsonl")):
        raise FileExistsError(f"{out} already holds pair files (use --overwrite)")
    out.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(p, ensure_ascii=False) + "\n" for p in pairs]
    counts = {name: len(lines), "base_train": 0, "test": 0}
    kept = _lines(base / "train.jsonl") if base and base_train else []
    base_test = _lines(base / "test.jsonl") if base else []
    counts.update(base_train=len(kept), test=len(base_test))
    (out / "train.jsonl").write_text("".join(kept + lines), "utf-8")
    (out / "test.jsonl").write_text("".join(base_test), "utf-8")
    (out / f"{name}.jsonl").write_text("".join(lines), "utf-8")
    return counts


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise FileNotFoundError(f"pair file not found: {path}")
    text = path.read_text("utf-8")
    return [line + "\n" for line in text.splitlines() if line.strip()]
