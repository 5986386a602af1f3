"""Measure how hints end under several decoding settings: repeats, cut-offs, length, speed.

    OMP_NUM_THREADS=1 python bench/decoding.py --student smollm2 --prompts 40 --out DIR

Greedy hints for the first N prompts of ``builtin:heldout`` (then ``builtin:train``),
one row per setting in ``DIR/decoding.md`` and every hint in ``DIR/hints.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from evaluation import report
from evaluation.endings import cut_off, repeats
from llm_prune_gym.generation import generate_answer_ids, stop_token_ids
from llm_prune_gym.prompts import load_prompts
from llm_prune_gym.students import load_student

# (name, max_new_tokens, repetition_penalty, no_repeat_ngram_size)
SETTINGS = [
    ("plain, 128 tokens", 128, 1.0, 0),
    ("penalty 1.1", 128, 1.1, 0),
    ("penalty 1.2", 128, 1.2, 0),
    ("no repeated 6-gram", 128, 1.0, 6),
    ("penalty 1.1 + no repeated 6-gram", 128, 1.1, 6),
]


def prompts(count: int) -> list:
    pool = load_prompts("builtin:heldout") + load_prompts("builtin:train")
    return pool[:count]


def measure(student, chats, setting, batch_size: int) -> tuple[dict, list[dict]]:
    name, cap, penalty, ngram = setting
    stops = set(stop_token_ids(student.model, student.tokenizer))
    started = time.perf_counter()
    answers = generate_answer_ids(
        student.model,
        student.tokenizer,
        chats,
        cap,
        batch_size,
        repetition_penalty=penalty,
        no_repeat_ngram_size=ngram,
    )
    seconds = time.perf_counter() - started
    hints = []
    for ids in answers:
        text = student.tokenizer.decode(ids, skip_special_tokens=True).strip()
        finished = bool(ids) and ids[-1] in stops
        hints.append(
            {
                "setting": name,
                "hint": text,
                "tokens": len(ids),
                "finished": finished,
                "repeats": repeats(text),
                "cut_off": cut_off(text, finished),
            }
        )
    n = len(hints)
    generated = sum(h["tokens"] for h in hints)
    row = {
        "setting": name,
        "hints": n,
        "repeats": sum(h["repeats"] for h in hints) / n,
        "cut_off": sum(h["cut_off"] for h in hints) / n,
        "hit the cap": sum(not h["finished"] for h in hints) / n,
        "mean tokens": generated / n,
        "tokens/s": generated / seconds,
        "seconds": seconds,
    }
    return row, hints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", default="smollm2")
    parser.add_argument("--prompts", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    student = load_student(args.student)
    chats = prompts(args.prompts)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    with (args.out / "hints.jsonl").open("w") as every_hint:
        for setting in SETTINGS:
            row, hints = measure(student, chats, setting, args.batch_size)
            rows.append(row)
            every_hint.writelines(json.dumps(h) + "\n" for h in hints)
            every_hint.flush()
            print(json.dumps(row), flush=True)
    headers = list(rows[0])
    cells = [[f"{v:.3g}" if isinstance(v, float) else v for v in r.values()] for r in rows]
    table = report.markdown_table(headers, cells)
    (args.out / "decoding.md").write_text(
        f"# Decoding of {args.student} hints, {len(chats)} prompts, greedy\n\n{table}\n"
    )


if __name__ == "__main__":
    main()
