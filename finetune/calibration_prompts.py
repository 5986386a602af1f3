"""The environment's built-in calibration prompts, made by the same pipeline as the data.

`llm_prune_gym/data/calibration.jsonl` is read by the environment as plain data (it
never imports `finetune`). Each line is
`{"id", "split": "train"|"heldout", "messages": hint_messages(...), "error_kind"}`.
The split follows the data set's program split for the same seed: heldout prompts
come only from programs the fine-tuning data keeps out of training. Prompts are kept
short (code and error output each under `MAX_CHARS`) because the environment runs
a forward pass over every calibration prompt at every episode's end; kinds are taken
in turns so that one kind of error cannot dominate the KL measurement. They come
from the hand-written programs only, so the shipped file stays what it was.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from importlib import resources
from pathlib import Path

from finetune.bugs import Bug
from finetune.corpus import load_handwritten
from finetune.kinds import KIND_BY_NAME, KINDS, candidates
from finetune.sandbox import Job, Limits, error_output, run_many
from finetune.split import split_programs
from llm_prune_gym.prompts import hint_messages

DEFAULT_PATH = Path(str(resources.files("llm_prune_gym") / "data" / "calibration.jsonl"))
QUOTAS = {"train": 64, "heldout": 32}
MAX_CHARS = 700
BATCH = 96
CALIBRATION_KINDS = tuple(kind for kind in KINDS if kind.calibration)


def _interleave(bugs: list[Bug]) -> list[Bug]:
    """Order bugs so that kinds take turns, and programs vary within a kind."""
    by_kind: dict[str, list[Bug]] = {}
    for bug in bugs:
        by_kind.setdefault(bug.kind, []).append(bug)
    ordered = []
    for rank in range(max((len(v) for v in by_kind.values()), default=0)):
        ordered.extend(queue[rank] for queue in by_kind.values() if rank < len(queue))
    return ordered


def _spread(bugs: list[Bug], seed: int) -> list[Bug]:
    """Within each kind, visit programs round-robin in a seeded order."""
    rng = random.Random(f"{seed}/calibration")
    by_kind: dict[str, dict[str, list[Bug]]] = {}
    for bug in bugs:
        by_kind.setdefault(bug.kind, {}).setdefault(bug.program_id, []).append(bug)
    result = []
    for programs in by_kind.values():
        groups = list(programs.values())
        rng.shuffle(groups)
        for rank in range(max(len(g) for g in groups)):
            result.extend(g[rank] for g in groups if rank < len(g))
    return result


def build_calibration(
    seed: int = 0,
    quotas: dict[str, int] | None = None,
    timeout: float = 1.0,
    max_lines: int = 100_000,
    workers: int | None = None,
    prompt_style: str = "plain",
) -> list[dict]:
    """Pick, run and keep short buggy programs until every split has its quota.

    The shipped file uses the ``plain`` prompt style, so that the KL figures measured on
    it stay comparable; ``grounded`` adds the facts (see `llm_prune_gym.prompts`).
    """
    quotas = quotas or QUOTAS
    programs = load_handwritten()  # the shipped prompts predate the generated programs
    split = split_programs([p.id for p in programs], seed)
    short = [p for p in programs if len(p.code) < MAX_CHARS]
    queue = _interleave(_spread(candidates(short, seed, 3, CALIBRATION_KINDS), seed))
    records: dict[str, list[dict]] = {name: [] for name in quotas}
    per_kind: dict[str, Counter] = {name: Counter() for name in quotas}
    limits = Limits(timeout=timeout, max_lines=max_lines)
    for start in range(0, len(queue), BATCH):
        batch = queue[start : start + BATCH]
        results = run_many([Job(b.code, b.stdin, limits) for b in batch], workers)
        for bug, result in zip(batch, results, strict=True):
            name = "heldout" if split[bug.program_id] == "test" else "train"
            output = error_output(result)
            full = len(records[name]) >= quotas[name]
            crowded = per_kind[name][bug.kind] >= -(-quotas[name] // 8)
            if full or crowded or len(output) >= MAX_CHARS:
                continue
            if KIND_BY_NAME[bug.kind].accepts(result, bug):
                per_kind[name][bug.kind] += 1
                records[name].append(
                    {
                        "id": bug.id,
                        "split": name,
                        "messages": hint_messages(bug.code, output, prompt_style),
                        "error_kind": bug.kind,
                    }
                )
        if all(len(records[n]) >= q for n, q in quotas.items()):
            break
    missing = {n: q - len(records[n]) for n, q in quotas.items() if len(records[n]) < q}
    if missing:
        raise RuntimeError(f"not enough short buggy programs for calibration: {missing}")
    return [record for name in quotas for record in records[name]]


def write_calibration(records: list[dict], path: Path = DEFAULT_PATH) -> Path:
    """Write the records as JSON Lines, atomically (the env may read it at any time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".jsonl.tmp")
    with partial.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    partial.replace(path)
    return path
