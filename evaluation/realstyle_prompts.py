"""The ``builtin:heldout-realstyle`` prompt set: hint prompts of hand-written beginner programs.

    python -m evaluation.realstyle_prompts   # rewrites llm_prune_gym/data/heldout_realstyle.jsonl

Each prompt is the plain-style hint chat (:func:`llm_prune_gym.prompts.hint_messages`,
the style of the built-in calibration prompts) of one program of
``evaluation/data/realstyle.jsonl`` with the traceback the sandbox recorded for it in
``results/hint-labels/cases.jsonl`` (``build_realstyle_part.py`` ran them there), so
building the set runs no untrusted code. The programs are held out: this set is for
judging plans (held-out KL), never for calibration or training.
"""

from __future__ import annotations

import json
from pathlib import Path

from llm_prune_gym.prompts import hint_messages

from .labelset import read_jsonl, write_jsonl

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "evaluation" / "data" / "realstyle.jsonl"
RECORDED = ROOT / "results" / "hint-labels" / "cases.jsonl"
OUT = ROOT / "llm_prune_gym" / "data" / "heldout_realstyle.jsonl"
SPLIT = "heldout-realstyle"


def realstyle_prompts(programs: Path = PROGRAMS, recorded: Path = RECORDED) -> list[dict]:
    """One prompt record per program (id, split, messages, source, licence), in file order."""
    tracebacks = {
        case["id"]: case["error_output"]
        for case in read_jsonl(recorded)
        if case.get("origin") == "realstyle"
    }
    records = []
    for program in read_jsonl(programs):
        if program["id"] not in tracebacks:
            raise ValueError(f"{recorded} has no recorded traceback for {program['id']}")
        records.append(
            {
                "id": program["id"],
                "split": SPLIT,
                "messages": hint_messages(program["code"], tracebacks[program["id"]], "plain"),
                "source": program["source"],
                "licence": program["licence"],
            }
        )
    return records


if __name__ == "__main__":
    prompts = realstyle_prompts()
    write_jsonl(OUT, prompts)
    print(json.dumps({"prompts": len(prompts), "out": str(OUT.relative_to(ROOT))}))
