"""Calibration prompts for session J's structured searches (issue 18): more, and more varied.

h200-g/h200-i found that calibration prompts moved the held-out KL most (16 -> 32 -> 64:
0.89x -> 0.80x -> 0.74x uniform). These files add real-style prompts (the hand-written beginner
programs of `llm_prune_gym/data/heldout_realstyle.jsonl`) to the built-in 64 training prompts;
the held-out check stays `builtin:heldout` (32 injected-bug prompts none of these contain).

    PYTHONPATH=. python results/structured/h200-j/make_prompts.py
"""

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "llm_prune_gym" / "data"
HERE = Path(__file__).resolve().parent


def records(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def main(seed: int = 0) -> None:
    train = [r for r in records("calibration.jsonl") if r["split"] == "train"]
    realstyle = records("heldout_realstyle.jsonl")
    heldout = {
        json.dumps(r["messages"]) for r in records("calibration.jsonl") if r["split"] == "heldout"
    }
    assert not heldout & {json.dumps(r["messages"]) for r in train + realstyle}
    sample = random.Random(seed).sample(realstyle, 64)
    for name, chosen in (
        ("prompts-128.jsonl", train + sample),
        ("prompts-194.jsonl", train + realstyle),
    ):
        lines = [json.dumps({"id": r["id"], "messages": r["messages"]}) for r in chosen]
        (HERE / name).write_text("\n".join(lines) + "\n")
        print(name, len(lines))


if __name__ == "__main__":
    main()
