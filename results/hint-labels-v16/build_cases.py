"""Runs the fifteenth set of hand-written programs in the sandbox once and keeps its output.

    python results/hint-labels-v16/build_cases.py

Writes `cases.jsonl` next to this script: every record of `evaluation/data/realstyle15.jsonl`
as a labelled-set case (`evaluation.labelset.realstyle_case`) with the `error_output` the
sandbox recorded, so generating hints elsewhere (the GPU machine) needs no sandbox. Stops
with the record's id if a program no longer ends where its record says.
"""

from pathlib import Path

from evaluation.labelset import build_cases_script

HERE = Path(__file__).resolve().parent
build_cases_script(HERE.parents[1] / "evaluation/data/realstyle15.jsonl", HERE / "cases.jsonl")
