"""Refit's ridge: held-out KL of two 20.1% channel plans as pruned and re-fitted at each ridge.

``--refit`` (:meth:`llm_prune_gym.structured.StructuredPruner._refit`) re-fits the kept
``down_proj`` columns by ridge least squares on the calibration tokens; the ridge is
``REFIT_RIDGE`` times the kept inputs' mean energy. This sweeps that constant with the
pruner bench-model builds (Wanda norms and Gram matrices on the 128 calibration prompts of
the searches, KL on ``builtin:heldout``).

    PYTHONPATH=. python results/structured/refit/measure.py --out results/structured/refit
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from evaluation.bench_model import BenchModelSettings, heldout_workbench
from llm_prune_gym import PruningPlan, load_student, structured

PLANS = {
    "uniform-aligned32": "results/structured/cpu-aligned/uniform-aligned32_plan.json",
    "surrogate-p128-m1450": "results/structured/h200-m/surrogate-p128_plan.json",
}
CALIBRATION = "results/structured/h200-j/prompts-128.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ridges", type=float, nargs="+", default=[1e-2, 1e-3, 1e-4, 1e-5])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    settings = BenchModelSettings(
        plans=("dense",), out=args.out, calibration_prompts=CALIBRATION, calibration_count=128
    )
    student = load_student("smollm2")
    key = ("channels", ("gate_proj",), 32, "wanda")
    plain, refitted = (heldout_workbench(student, (*key, r), settings) for r in (False, True))
    rows = []
    for name, path in PLANS.items():
        plan = PruningPlan.load(path)
        row = {"plan": name, "kl_heldout": plain.kl(plan).mean}
        for ridge in args.ridges:
            structured.REFIT_RIDGE = ridge  # read at each write
            row[f"kl_refit_{ridge:g}"] = refitted.kl(plan).mean
        print(row, flush=True)
        rows.append(row)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "refit.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
