"""Judge trained agents on held-out prompts: one run, a benchmark of agents, anytime rows.

The training loop and its run folder are :mod:`agents.runner`'s; this module calls it
in-process and judges the plans it writes on prompts no agent trained on, with
:class:`llm_prune_gym.heldout.HeldOut` (plan KL next to uniform pruning's):

- :func:`train_and_judge`: one run (``llm-prune train``), plus its learning curve;
- :func:`anytime_run`: one run judged after each of several budgets (100, 500,
  2,000 episodes), resuming the same run folder between them;
- :func:`bench_agents`: every agent on every seed on one env (``llm-prune
  bench-agents``): ``runs.csv``, ``summary.csv``, ``summary.md``, the curves, and
  with several budgets ``anytime.csv``.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

import gymnasium as gym
import numpy as np

from agents.base import registered_agents
from agents.runner import TrainResult, read_metrics, train_agent
from agents.settings import AgentSettings, TrainSettings
from llm_prune_gym.heldout import HeldOut

from .plots import plot_curves
from .report import write_csv

ANYTIME_FILE = "anytime.csv"  # per run folder: the held-out row after each budget


def judged_row(result: TrainResult, heldout: HeldOut) -> dict:
    """One run's row: agent, seed, episodes, the held-out comparison, calibration KL, time."""
    row = {"agent": result.agent.name, "seed": result.agent.seed}
    row["episodes"] = result.agent.episodes_done
    row |= heldout.compare(result.plan)
    row["calibration_kl"] = result.plan.metadata.get("calibration_kl", math.nan)
    row["wall_seconds"] = result.seconds
    return row


def train_and_judge(
    name: str,
    env: gym.Env,
    heldout: HeldOut,
    out_dir: str | Path,
    run: TrainSettings,
    settings: AgentSettings | None = None,
) -> tuple[TrainResult, dict]:
    """Train one agent into `out_dir` (:func:`agents.runner.train_agent`), draw its
    ``learning_curve.png`` and judge its plan on `heldout`."""
    result = train_agent(
        name,
        env,
        run.episodes,
        out_dir,
        seed=run.seed,
        settings=settings,
        resume=run.resume,
        checkpoint_every=run.checkpoint_every,
        progress=run.progress,
        force=run.force,
    )
    rows = read_metrics(Path(out_dir) / "metrics.csv")
    plot_curves({name: [rows]}, Path(out_dir) / "learning_curve.png")
    return result, judged_row(result, heldout)


def anytime_run(
    name: str,
    env: gym.Env,
    heldout: HeldOut,
    out_dir: str | Path,
    budgets: Sequence[int],
    run: TrainSettings,
    settings: AgentSettings | None = None,
) -> list[dict]:
    """One run judged after each budget in `budgets` (increasing episode totals).

    Train to the first budget, judge the plan, resume the same run folder up to the
    next, and so on (``train(100) -> judge -> train(500) -> ...``): the checkpoint
    between budgets is the one a stopped run resumes from, so the last row is the one
    a straight run to the last budget gives (SB3 agents drop the rollout in progress
    at each stop). Rows already in the folder's ``anytime.csv`` are kept, not redone,
    so a stopped leaderboard resumes where it was. Returns one row per budget.
    """
    out_dir = Path(out_dir)
    budgets = sorted(set(budgets))
    done = {row["episodes_budget"]: row for row in read_anytime(out_dir)} if run.resume else {}
    rows = []
    for budget in budgets:
        if budget in done:
            rows.append(done[budget])
            continue
        # the first budget of a fresh run starts (or replaces, with force) the folder
        first = not rows and not run.resume
        step = dataclasses.replace(
            run, episodes=budget, resume=not first, force=run.force and first
        )
        _, row = train_and_judge(name, env, heldout, out_dir, step, settings)
        rows.append({"episodes_budget": budget, **row})
        write_csv(out_dir / ANYTIME_FILE, [cells(r) for r in rows])
    return rows


def read_anytime(out_dir: Path) -> list[dict]:
    """The rows of a run folder's ``anytime.csv`` (numbers as numbers; none if absent)."""
    path = out_dir / ANYTIME_FILE
    if not path.is_file():
        return []
    with path.open(newline="") as lines:
        return [_parsed(row) for row in csv.DictReader(lines)]


def _parsed(row: dict[str, str]) -> dict:
    """A CSV row of :func:`judged_row` with its numbers as numbers."""
    counts = ("seed", "episodes", "episodes_budget", "heldout_prompts")
    return {
        key: value if key == "agent" else int(value) if key in counts else float(value)
        for key, value in row.items()
    }


def bench_agents(
    names: Sequence[str],
    env: gym.Env,
    heldout: HeldOut,
    run: TrainSettings,
    seeds: Sequence[int],
    out_dir: str | Path,
    settings: dict[str, AgentSettings] | None = None,
    budgets: Sequence[int] = (),
    log: Callable[[str], None] = print,
) -> list[dict]:
    """Train every agent on every seed on the same env, judge every plan on `heldout`.

    Each run is judged after each of `budgets` (default: only ``run.episodes``; see
    :func:`anytime_run`). Writes ``runs.csv`` (one row per run, at ``run.episodes``),
    ``anytime.csv`` (one row per run and budget), ``summary.csv`` and ``summary.md``
    (per agent: mean and standard deviation over seeds) and ``learning_curves.png``.
    """
    agents = registered_agents()
    unknown = [n for n in names if n not in agents]
    if unknown:
        raise ValueError(f"unknown agents {unknown}; choose from {sorted(agents)}")
    budgets = sorted({*budgets, run.episodes})
    if budgets[-1] != run.episodes:
        raise ValueError(f"budgets {budgets} go past the episode budget {run.episodes}")
    out_dir = Path(out_dir)
    runs, anytime, curves = [], [], {}
    for name in names:
        curves[name] = []
        for seed in seeds:
            run_dir = out_dir / name / f"seed{seed}"
            seeded = dataclasses.replace(run, seed=seed)
            rows = anytime_run(
                name, env, heldout, run_dir, budgets, seeded, (settings or {}).get(name)
            )
            anytime += rows
            row = {k: v for k, v in rows[-1].items() if k != "episodes_budget"}
            runs.append(row)
            curves[name].append(read_metrics(run_dir / "metrics.csv"))
            log(
                f"{name} seed {seed}: sparsity {row['prunable_sparsity']:.4f}, held-out KL "
                f"{row['heldout_kl']:.5f} (uniform {row['uniform_heldout_kl']:.5f}, "
                f"ratio {row['kl_ratio']:.3f}), {row['wall_seconds']:.1f} s"
            )
    write_csv(out_dir / "runs.csv", [cells(r) for r in runs])
    write_csv(out_dir / ANYTIME_FILE, [cells(r) for r in anytime])
    summary = summarise(runs)
    write_csv(out_dir / "summary.csv", [cells(r) for r in summary])
    (out_dir / "summary.md").write_text(markdown_table(summary, run.episodes, list(seeds)))
    plot_curves(
        curves, out_dir / "learning_curves.png", f"{run.episodes} episodes, seeds {list(seeds)}"
    )
    return summary


def summarise(runs: list[dict]) -> list[dict]:
    """Per agent: mean and standard deviation over its runs, best ratio first."""
    summary = []
    for name in dict.fromkeys(r["agent"] for r in runs):
        mine = [r for r in runs if r["agent"] == name]
        row = {"agent": name, "runs": len(mine)}
        for key in ("heldout_kl", "kl_ratio", "prunable_sparsity", "wall_seconds"):
            values = [r[key] for r in mine]
            row[f"{key}_mean"] = statistics.fmean(values)
            row[f"{key}_sd"] = statistics.stdev(values) if len(values) > 1 else 0.0
        summary.append(row)
    return sorted(summary, key=lambda r: r["kl_ratio_mean"])


def markdown_table(summary: list[dict], episodes: int, seeds: list[int]) -> str:
    lines = [
        f"Held-out KL of each agent's plan next to uniform pruning at the same sparsity "
        f"({episodes} episodes, seeds {seeds}; mean ± sd over seeds; ratio < 1 beats uniform).",
        "",
        "| agent | held-out KL | KL / uniform | prunable sparsity | wall time (s) | runs |",
        "|---|---|---|---|---|---|",
    ]
    for r in summary:
        lines.append(
            f"| {r['agent']} | {r['heldout_kl_mean']:.5f} ± {r['heldout_kl_sd']:.5f} "
            f"| {r['kl_ratio_mean']:.3f} ± {r['kl_ratio_sd']:.3f} "
            f"| {r['prunable_sparsity_mean']:.4f} ± {r['prunable_sparsity_sd']:.4f} "
            f"| {r['wall_seconds_mean']:.1f} ± {r['wall_seconds_sd']:.1f} | {r['runs']} |"
        )
    return "\n".join(lines) + "\n"


def cells(row: dict) -> dict:
    """A row for CSV: floats to 8 significant digits (as the metrics files)."""
    return {
        k: f"{float(v):.8g}" if isinstance(v, float | np.floating) else v for k, v in row.items()
    }
