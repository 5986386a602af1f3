"""Writing an evaluation's results: CSV tables, Markdown reports and run facts.

Every command writes under one output folder, so a run can be archived or
diffed as a whole; the facts block (command, date, machine) makes a figure
traceable to the run that drew it.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import os
import platform
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch


def write_csv(path: Path, rows: Sequence[dict]) -> Path:
    """Rows of dicts as CSV, columns in the order keys first appear (a row without a
    column leaves it empty: a leaderboard's rows may reach different budgets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def fmt(value: object, digits: int = 4) -> str:
    """A table cell: floats to `digits` significant digits, anything else as text."""
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(fmt(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def run_facts(device: str, seconds: float | None = None) -> dict:
    """Where and when a result was made: the command line, UTC date, machine and threads."""
    facts = {
        "command": " ".join(["llm-prune", *sys.argv[1:]]) if sys.argv else "",
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}",
        "device": device,
        "torch_threads": torch.get_num_threads(),
    }
    if device.startswith("cuda") and torch.cuda.is_available():
        facts["device"] = torch.cuda.get_device_name(torch.device(device))
    if seconds is not None:
        facts["seconds"] = round(seconds, 1)
    return facts


def prompts_digest(prompts: Sequence) -> str:
    """A short hash of a prompt set, so a result names the exact prompts it was measured on."""
    return hashlib.sha256(json.dumps(list(prompts)).encode("utf-8")).hexdigest()[:12]


def facts_markdown(facts: dict) -> str:
    """The run facts as a bullet list (the command in backticks, so it can be copied)."""
    lines = []
    for key, value in facts.items():
        text = f"`{value}`" if key == "command" else str(value)
        lines.append(f"- {key.replace('_', ' ')}: {text}")
    return "\n".join(lines)
