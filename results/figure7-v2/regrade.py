"""Regrades the GPU run's Figure 7 hints with the current offline grader (provenance).

    python results/figure7-v2/regrade.py GPU_OUT/fig7 runs/fig7data/test.jsonl results/figure7-v2

The hints and the held-out KL come from the GPU run (`experiment.csv`, `hints.csv`); only
the grading is redone, so the figure follows the grader's rules as committed.
"""

import csv
import sys
from pathlib import Path

from evaluation import report
from evaluation.experiment import write_experiment
from evaluation.hints import grade_rows, read_cases, summarise

gpu, data, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
cases = {case.id: case for case in read_cases(data)}
kept = ("student", "level", "model_sparsity", "prunable_sparsity", "kl_heldout")
LABELS = {"base": "base", "dpo": "sft-grounded"}  # the experiment's --dpo slot held the SFT student
runs = [{k: r[k] for k in kept} for r in csv.DictReader((gpu / "experiment.csv").open())]
hints: dict[tuple[str, str], dict[str, str]] = {}
for row in csv.DictReader((gpu / "hints.csv").open()):
    hints.setdefault((row["student"], row["level"]), {})[row["id"]] = row["hint"]
summaries, rows = [], []
for run in runs:
    texts = hints[(run["student"], run["level"])]
    chosen = [cases[i] for i in texts]
    name = LABELS[run["student"]]
    graded = grade_rows(
        chosen, [texts[c.id] for c in chosen], student=name, level=float(run["level"])
    )
    rows += graded
    numbers = {k: float(run[k]) for k in kept[1:]}
    summaries.append({"student": name} | numbers | summarise(graded))
facts = report.run_facts("cuda (hints), cpu (grading)") | {
    "title": "base vs SFT student (grounded prompt), pruned by the evolution plan",
    "hints": "one H200, 2026-12-02 16:38 UTC: llm-prune experiment --base SmolLM2 GGUF "
    "--dpo SFT-grounded --plan results/hint-labels/plan-evolution-seed0.json "
    "--levels 0,2.1,6.2,10.3 --data test.jsonl (256 test pairs) --limit 256",
    "grading": "regraded on the CPU with this commit's evaluation/grader.py",
    "command": "python results/figure7-v2/regrade.py GPU_OUT/fig7 runs/fig7data/test.jsonl "
    "results/figure7-v2",
}
write_experiment(out, summaries, rows, facts)
print(
    report.markdown_table(
        ["student", "level", "identifies", "misleading", "gives away"],
        [
            [
                s["student"],
                s["level"],
                f"{s['identifies_error']:.3f}",
                f"{s['misleading']:.3f}",
                f"{s['gives_away']:.3f}",
            ]
            for s in summaries
        ],
    )
)
