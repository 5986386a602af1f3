"""The leaderboard: one fixed protocol, every agent, several targets and seeds, one table.

``llm-prune leaderboard --out DIR`` runs ``llm-prune bench-agents`` once per
(target sparsity, agent) as a separate process, ``--jobs`` at a time and spread
over ``--gpus``, each resumable (``--resume``), then writes ``DIR/LEADERBOARD.md``,
``DIR/leaderboard.csv`` and, per target, the learning curves and each method's
best-seed plan (``plan_AGENT.png``). Score = uniform KL / method KL on the held-out
prompts at the same prunable sparsity (higher is better; 1 is uniform).
``--aggregate-only`` rebuilds the table from finished folders, with the protocol and
command the runs recorded (``protocol.json``); it replaces no existing table or figure
unless ``--force``, and never draws a figure without data.

The protocol (:data:`PROTOCOL`) fixes what a comparison needs to be fair: the
student, the pruned modules and criterion, the ratio grid, the calibration
batch, the episode budget (one scored plan is one episode for the search
baselines), the seeds, the held-out prompts and the learned agents' settings.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from evaluation.plots import plot_plan
from llm_prune_gym import PruningPlan

from .runner import plot_curves, read_metrics, write_csv

PROTOCOL: dict = {
    "student": "smollm2",
    "criterion": "magnitude",
    "targets": (0.2, 0.3),
    "max_ratio": 0.6,  # 31 ratios 0, 0.02, ..., 0.60: room to allocate around a 30% target
    "batch_size": 8,
    "answer_tokens": 32,
    "episodes": 2000,
    "seeds": (0, 1, 2),
    "heldout_prompts": "builtin:heldout",
    "agents": (
        "psrl",
        "a2c",
        "sb3-ppo",
        "sb3-a2c",
        "evolution",
        "random-search",
        "sensitivity",
        "owl",
        "uniform",
        "random",
    ),
    # Chosen on a cheap stand-in of this env (bench/rl_standin.py, results/RESULTS.md):
    # every learned agent starts at uniform pruning; ours learns from whole-episode
    # returns; PPO without discounting (its default settings collapsed 2 of 3 seeds).
    "agent_kwargs": {
        "a2c": {
            "n_steps": None,
            "gamma": 1.0,
            "actor_lr": 5e-4,
            "critic_lr": 1e-3,
            "ent_coef": 0.001,
            "eps_start": 0.0,
            "start_at_target": True,
            "device": "cpu",  # a tiny MLP: a GPU would only add syncs
        },
        "sb3-ppo": {"start_at_target": True, "gamma": 1.0, "gae_lambda": 1.0},
        "sb3-a2c": {"start_at_target": True},
    },
}


def bench_command_line(
    agent: str, target: float, out_dir: Path, protocol: dict, extra: Sequence[str] = ()
) -> list[str]:
    """The ``bench-agents`` call that runs one agent at one target for every seed."""
    kwargs = protocol["agent_kwargs"].get(agent)
    command = [
        sys.executable,
        "-m",
        "evaluation.cli",
        "bench-agents",
        "--agents",
        agent,
        "--seeds",
        ",".join(str(s) for s in protocol["seeds"]),
        "--episodes",
        str(protocol["episodes"]),
        "--target-sparsity",
        str(target),
        "--student",
        str(protocol["student"]),
        "--criterion",
        protocol["criterion"],
        "--max-ratio",
        str(protocol["max_ratio"]),
        "--batch-size",
        str(protocol["batch_size"]),
        "--answer-tokens",
        str(protocol["answer_tokens"]),
        "--heldout-prompts",
        protocol["heldout_prompts"],
        "--checkpoint-every",
        "100",
        "--resume",
        "--out",
        str(out_dir),
    ]
    if kwargs:
        command += ["--agent-kwargs", json.dumps({agent: kwargs})]
    return command + list(extra)


def target_dir(out: Path, target: float) -> Path:
    return out / f"target{round(target * 100):02d}"


def run_jobs(jobs: list[tuple[str, list[str]]], parallel: int, gpus: Sequence[str], out: Path):
    """Run `jobs` (name, command), `parallel` at a time, round-robin over `gpus`."""
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    pending, running, failed = list(jobs), [], []
    slot = 0
    while pending or running:
        while pending and len(running) < parallel:
            name, command = pending.pop(0)
            env = dict(os.environ, OMP_NUM_THREADS="1")  # the agent's MLP: one core each
            if gpus:
                env["CUDA_VISIBLE_DEVICES"] = gpus[slot % len(gpus)]
            slot += 1
            log = (logs / f"{name}.log").open("w")
            print(f"start {name}", file=sys.stderr)
            running.append((name, subprocess.Popen(command, stdout=log, stderr=log, env=env), log))
        time.sleep(2)
        for job in list(running):
            name, process, log = job
            if process.poll() is None:
                continue
            running.remove(job)
            log.close()
            print(f"done {name} (exit {process.returncode})", file=sys.stderr)
            if process.returncode != 0:
                failed.append(name)
    return failed


def read_runs(out: Path, targets: Sequence[float]) -> list[dict]:
    rows = []
    for target in targets:
        for path in sorted(target_dir(out, target).glob("*/runs.csv")):
            with path.open(newline="") as lines:
                for row in csv.DictReader(lines):
                    rows.append({**row, "target": target})
    return rows


def leaderboard_rows(runs: list[dict]) -> list[dict]:
    """Per (target, agent): score = uniform KL / method KL, mean and sd over seeds."""
    table = []
    for target in dict.fromkeys(r["target"] for r in runs):
        for agent in dict.fromkeys(r["agent"] for r in runs if r["target"] == target):
            mine = [r for r in runs if r["target"] == target and r["agent"] == agent]
            scores = [float(r["uniform_heldout_kl"]) / float(r["heldout_kl"]) for r in mine]
            ratios = [float(r["kl_ratio"]) for r in mine]
            table.append(
                {
                    "target": target,
                    "agent": agent,
                    "score_mean": statistics.fmean(scores),
                    "score_sd": statistics.stdev(scores) if len(scores) > 1 else 0.0,
                    "kl_ratio_mean": statistics.fmean(ratios),
                    "kl_ratio_best": min(ratios),
                    "heldout_kl_mean": statistics.fmean(float(r["heldout_kl"]) for r in mine),
                    "uniform_heldout_kl": float(mine[0]["uniform_heldout_kl"]),
                    "episodes": int(float(mine[0]["episodes"])),
                    "wall_seconds_mean": statistics.fmean(float(r["wall_seconds"]) for r in mine),
                    "seeds": len(mine),
                }
            )
    table.sort(key=lambda r: (r["target"], -r["score_mean"]))
    return table


def markdown(table: list[dict], protocol: dict, command: str) -> str:
    lines = [
        "# Leaderboard: budget-matched pruning of LLMPrune-v0",
        "",
        "Score = uniform KL / method KL on the held-out prompts at the same prunable "
        "sparsity (higher is better, 1 = uniform); mean ± sd over seeds, and the "
        "KL / uniform of the mean and of the best seed.",
        "",
        "Protocol: " + ", ".join(f"{k} = {protocol[k]}" for k in PROTOCOL if k != "agent_kwargs"),
        "",
        f"Learned agents' settings (others: the library's defaults): "
        f"`{json.dumps(protocol['agent_kwargs'])}`",
        "",
        f"Command: `{command}`",
    ]
    for target in dict.fromkeys(r["target"] for r in table):
        lines += [
            "",
            f"## Target {target:.0%} of prunable weights",
            "",
            "| rank | method | score | KL / uniform | best seed | held-out KL "
            "| episodes | wall s | seeds |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        mine = [r for r in table if r["target"] == target]
        for rank, r in enumerate(mine, 1):
            lines.append(
                f"| {rank} | {r['agent']} | {r['score_mean']:.2f} ± {r['score_sd']:.2f} "
                f"| {r['kl_ratio_mean']:.3f} | {r['kl_ratio_best']:.3f} "
                f"| {r['heldout_kl_mean']:.5f} | {r['episodes']} "
                f"| {r['wall_seconds_mean']:.0f} | {r['seeds']} |"
            )
    return "\n".join(lines) + "\n"


def outputs(out: Path, runs: list[dict]) -> list[Path]:
    """Every file `aggregate` writes for these runs."""
    paths = [out / "leaderboard.csv", out / "LEADERBOARD.md"]
    for target in dict.fromkeys(r["target"] for r in runs):
        folder = target_dir(out, target)
        paths.append(folder / "learning_curves.png")
        paths += [folder / f"plan_{agent}.png" for agent in {r["agent"] for r in runs}]
    return paths


def aggregate(out: Path, protocol: dict, command: str, force: bool = True) -> list[dict]:
    """Write the table, curves and best plans; with `force` False, refuse (ValueError) to
    replace any of them that exists."""
    runs = read_runs(out, protocol["targets"])
    if not runs:
        raise SystemExit(f"no finished runs under {out}")
    existing = [p for p in outputs(out, runs) if p.exists()]
    if existing and not force:
        raise ValueError(
            f"{existing[0]} exists ({len(existing)} outputs in all); --aggregate-only replaces "
            "no table or figure unless --force"
        )
    table = leaderboard_rows(runs)
    write_csv(out / "leaderboard.csv", table)
    (out / "LEADERBOARD.md").write_text(markdown(table, protocol, command))
    for target in protocol["targets"]:
        folder = target_dir(out, target)
        curves = {
            # bench-agents writes AGENT/AGENT/seedN/ under each job's folder
            agent.name: [read_metrics(run / "metrics.csv") for run in sorted(agent.glob("*/seed*"))]
            for agent in sorted(folder.iterdir())
            if agent.is_dir()
        }
        if any(any(runs) for runs in curves.values()):  # no metrics: keep any figure there
            plot_curves(curves, folder / "learning_curves.png", f"target {target:.0%}")
    plot_best_plans(out, runs)
    return table


def plot_best_plans(out: Path, runs: list[dict]) -> None:
    """``targetXX/plan_AGENT.png``: each agent's best-seed plan (Figure 5's layout)."""
    for target in dict.fromkeys(r["target"] for r in runs):
        for agent in dict.fromkeys(r["agent"] for r in runs if r["target"] == target):
            mine = [r for r in runs if r["target"] == target and r["agent"] == agent]
            best = min(mine, key=lambda r: float(r["kl_ratio"]))
            folder = target_dir(out, target)
            plan = PruningPlan.load(folder / agent / agent / f"seed{best['seed']}" / "plan.json")
            title = (
                f"{agent} (seed {best['seed']}), {target:.0%} target: held-out KL "
                f"{float(best['kl_ratio']):.2f}x uniform"
            )
            plot_plan(plan, folder / f"plan_{agent}.png", title)


def leaderboard_command(args: argparse.Namespace) -> int:
    protocol = dict(PROTOCOL)
    for key in ("student", "criterion", "episodes", "max_ratio"):
        if getattr(args, key) is not None:
            protocol[key] = getattr(args, key)
    for key in ("targets", "seeds", "agents"):
        value = getattr(args, key)
        if value is not None:
            cast = str if key == "agents" else (float if key == "targets" else int)
            protocol[key] = tuple(cast(v) for v in value.split(",") if v)
    out = Path(args.out)
    command = "llm-prune leaderboard " + " ".join(sys.argv[2:])
    recorded = out / "protocol.json"
    if args.aggregate_only and recorded.is_file():  # the runs' own protocol and command
        saved = json.loads(recorded.read_text())
        protocol, command = saved["protocol"], saved["command"]
    if not args.aggregate_only:
        out.mkdir(parents=True, exist_ok=True)
        recorded.write_text(json.dumps({"protocol": protocol, "command": command}, indent=1))
        extra = ["--device", args.device] if args.device else []
        jobs = [
            (
                f"{target_dir(out, t).name}-{agent}",
                bench_command_line(agent, t, target_dir(out, t) / agent, protocol, extra),
            )
            for t in protocol["targets"]
            for agent in protocol["agents"]
        ]
        gpus = [g for g in (args.gpus or "").split(",") if g]
        failed = run_jobs(jobs, args.jobs, gpus, out)
        if failed:
            print(f"failed jobs (logs in {out / 'logs'}): {failed}", file=sys.stderr)
    table = aggregate(out, protocol, command, force=args.force or not args.aggregate_only)
    print((out / "LEADERBOARD.md").read_text(), file=sys.stderr)
    print(json.dumps({"out": str(out), "table": str(out / "LEADERBOARD.md"), "rows": table}))
    return 0 if table else 1
