"""Which of surrogate-evo's plans generalises best: one search, several reported plans.

The leaderboard scores ``agent.plan()``, the plan of least calibration KL, on held-out
prompts. The calibration KL of a plan is fixed, so the best of 2,000 plans is partly
chosen for the calibration batch's own quirks (a winner's curse), which matters most
where allocation gains are small (Wanda 20%). ``SurrogateEvolutionAgent.plan_by`` reads
other plans off the same search: the model's pick among the best observed (``model``) or
the least mean of observed and model log KL (``blend``). This script runs surrogate-evo
under the board's protocol (``evaluation/leaderboard.py``: its env, held-out prompts,
budgets) for one (criterion, target, seed), and after each budget judges every
incumbent's plan on the held-out prompts: a paired comparison from one run.

One process per (row, seed), e.g. on the GPU::

    python bench/incumbent_check.py --student $G --device cuda --criterion wanda \\
        --target 0.2 --seed 0 --out incumbents/w20-s0

It writes ``OUT/incumbents.csv`` (one row per budget and incumbent: held-out KL, uniform's,
their ratio, the plan's calibration KL, its index among the scored plans), the plans
(``OUT/plans.npz``) and prints one line per budget. The ``observed`` row is the board's
figure for the same seed (the search is the board's; it trains in one process where the
board resumes from checkpoints, which gives the same plans). ``--summary
inc/*/incumbents.csv`` prints the table of several runs (mean over seeds, each incumbent
minus ``observed``, paired by seed).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from agents import make_agent  # noqa: E402
from agents.surrogate_evolution import plan_key  # noqa: E402
from evaluation.leaderboard import PROTOCOL, Protocol, Row, select  # noqa: E402
from llm_prune_gym import LLMPruneEnv  # noqa: E402
from llm_prune_gym.cli import resolve_device, set_threads  # noqa: E402
from llm_prune_gym.heldout import HeldOut  # noqa: E402
from llm_prune_gym.prompts import load_prompts  # noqa: E402

AGENT = "surrogate-evo"


def parse_incumbents(spec: str) -> list[tuple[str, int]]:
    """``observed,model:20,blend:0`` -> ``[(kind, pool), ...]`` (pool default 20)."""
    kinds = []
    for item in spec.split(","):
        kind, _, pool = item.partition(":")
        kinds.append((kind, int(pool or 20)))
    return kinds


def check(
    protocol: Protocol,
    row: Row,
    seed: int,
    device: str,
    incumbents: list[tuple[str, int]],
    out: Path,
    agent_kwargs: dict | None = None,
    log=print,
) -> list[dict]:
    """Train surrogate-evo on `row` to each of the protocol's budgets and judge every
    incumbent's plan on the held-out prompts; write ``incumbents.csv`` and ``plans.npz``
    under `out` and return the rows."""
    started = time.perf_counter()
    env = LLMPruneEnv(protocol.env_settings(row, device))
    prompts = [p for source in protocol.heldout_prompts for p in load_prompts(source)]
    heldout = HeldOut.beside(env.workbench, prompts, answer_tokens=protocol.answer_tokens)
    settings = protocol.agent_settings.get(AGENT)
    agent = make_agent(AGENT, env, seed=seed, settings=settings, **(agent_kwargs or {}))
    out.mkdir(parents=True, exist_ok=True)
    rows, plans = [], {}
    for budget in sorted(protocol.budgets):
        agent.train(budget)
        judged: dict[bytes, dict] = {}  # a plan two incumbents share is judged once
        for kind, pool in incumbents:
            plan = agent.plan_by(kind, pool)
            key = plan_key(plan.ratios)
            if key not in judged:
                judged[key] = heldout.compare(plan)
            label = kind if kind == "observed" else f"{kind}:{pool}"
            plans[f"{label}@{budget}"] = plan.ratios
            rows.append(
                {
                    "criterion": row.criterion,
                    "target": row.target,
                    "seed": seed,
                    "budget": budget,
                    "incumbent": label,
                    **judged[key],
                    "calibration_kl": plan.metadata["calibration_kl"],
                    "plan_index": index_of(agent, plan.ratios),
                    "wall_seconds": round(time.perf_counter() - started, 1),
                }
            )
        mine = [r for r in rows if r["budget"] == budget]
        log(
            f"{row.criterion} {row.target:g} seed {seed} @{budget}: "
            + " ".join(f"{r['incumbent']} {r['kl_ratio']:.4f}" for r in mine)
            + f"  (held-out KL / uniform; {mine[-1]['wall_seconds']:.0f} s)"
        )
        write_rows(out / "incumbents.csv", rows)
        np.savez(out / "plans.npz", **plans)
    return rows


def index_of(agent, ratios: np.ndarray) -> int:
    """Where `ratios` is among the agent's scored plans (episode - 1)."""
    keys = [plan_key(plan) for plan, _ in agent.history]
    return keys.index(plan_key(ratios))


def write_rows(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def summary(paths: list[Path]) -> list[str]:
    """Markdown lines: per (criterion, target, budget, incumbent) the mean held-out KL /
    uniform over seeds, and its difference from ``observed`` paired by seed (mean ±
    standard error, (seeds lower / higher))."""
    ratios: dict = defaultdict(dict)  # (criterion, target, budget, incumbent) -> seed -> ratio
    for path in paths:
        with open(path) as handle:
            for r in csv.DictReader(handle):
                key = (r["criterion"], float(r["target"]), int(r["budget"]), r["incumbent"])
                ratios[key][int(r["seed"])] = float(r["kl_ratio"])
    lines = ["| row | budget | incumbent | seeds | mean | minus observed |", "|---" * 6 + "|"]
    for (criterion, target, budget, kind), mine in sorted(ratios.items()):
        observed = ratios.get((criterion, target, budget, "observed"), {})
        diff = np.array([mine[s] - observed[s] for s in sorted(set(mine) & set(observed))])
        paired = ""
        if kind != "observed" and diff.size:
            error = diff.std(ddof=1) / np.sqrt(diff.size) if diff.size > 1 else float("nan")
            lower, higher = int((diff < 0).sum()), int((diff > 0).sum())
            paired = f"{diff.mean():+.4f} ± {error:.4f} ({lower}/{higher})"
        cells = [f"{criterion} {target:g}", str(budget), kind, str(len(mine))]
        lines.append(
            "| " + " | ".join([*cells, f"{np.mean(list(mine.values())):.4f}", paired]) + " |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--summary", nargs="+", type=Path, help="only print the table of these incumbents.csv"
    )
    parser.add_argument("--student", help="student spec (GGUF / HF path, stub)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--criterion", default="wanda")
    parser.add_argument("--target", type=float, default=0.2)
    parser.add_argument("--max-ratio", type=float, help="default: the protocol's for the row")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--episodes", type=int, help="default: the protocol's (2,000)")
    parser.add_argument("--incumbents", default="observed,model:20,blend:20,model:5,blend:5")
    parser.add_argument("--agent-kwargs", default="{}", help="surrogate-evo settings, JSON")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.summary:
        print("\n".join(summary(args.summary)))
        return
    if not (args.student and args.out):
        parser.error("--student and --out are needed (or --summary)")
    set_threads(args.threads)
    changes = {"student": args.student, "seeds": (args.seed,)}
    if args.episodes:
        changes["episodes"] = args.episodes
    protocol = select(PROTOCOL, args.criterion, [args.target], args.max_ratio, **changes)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "command.json").write_text(
        json.dumps({"argv": sys.argv, "protocol": protocol.to_json()}, indent=1, default=str)
    )
    check(
        protocol,
        protocol.rows[0],
        args.seed,
        resolve_device(args.device),
        parse_incumbents(args.incumbents),
        args.out,
        json.loads(args.agent_kwargs),
        log=lambda line: print(line, flush=True),
    )


if __name__ == "__main__":
    main()
