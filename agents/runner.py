"""Train any registered agent into a run folder, judge plans on held-out prompts, benchmark agents.

A run folder holds::

    run.json             what makes the run this run: agent, student, seed, target, grid, ...
    plan.json            the agent's plan (PruningPlan JSON)
    metrics.csv          per episode: episode, return, kl, sparsity, seconds, + the agent's own
    checkpoint/          the agent after the last checkpointed episode (resume starts here)
    checkpoint.old/      the checkpoint before it (resume falls back to it if the last is torn)
    learning_curve.png   return and KL per episode
    tensorboard/, sb3_checkpoints/   SB3 agents only

Resuming truncates ``metrics.csv`` to the checkpoint's episode count, so after any
stop the finished file has every episode exactly once. A resume into a folder of another
run (a different ``run.json``, or a ``metrics.csv`` that lacks the checkpoint's episodes)
is refused, and so is a fresh run into a folder that holds one, unless ``force``.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import matplotlib
import numpy as np
from tqdm.auto import tqdm

from llm_prune_gym import PruningPlan
from llm_prune_gym.heldout import HeldOut

from .base import AGENTS, BASE_METRICS, Agent, EpisodeCallback, load_agent, make_agent

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)

CHECKPOINT = "checkpoint"
RUN_FILE = "run.json"


# -- metrics ------------------------------------------------------------------


def metric_columns(agent: Agent) -> list[str]:
    return [*BASE_METRICS, *agent.metric_names]


def read_metrics(path: str | Path) -> list[dict]:
    """A metrics file's rows as numbers (``episode`` an int); a torn last line is dropped.

    Every row ends with a newline when written whole, so a last line without one was
    cut by a stop; rows with missing or extra cells are skipped too.
    """
    path = Path(path)
    if not path.is_file():
        return []
    lines = path.read_text().splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines.pop()
    rows = []
    for row in csv.DictReader(lines):
        if None in row or None in row.values():
            continue
        try:
            parsed = {k: float(v) if v != "" else math.nan for k, v in row.items()}
            parsed["episode"] = int(parsed["episode"])
        except (TypeError, ValueError):
            continue
        rows.append(parsed)
    return rows


class MetricsLog:
    """Appends one CSV row per episode, flushed at once, after rewriting the rows kept."""

    def __init__(self, path: Path, columns: Sequence[str], keep: Sequence[dict] = ()) -> None:
        self.path, self.columns = path, list(columns)
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", newline="") as out:
            writer = csv.DictWriter(out, self.columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(keep)
        tmp.replace(path)
        self.file = path.open("a", newline="")
        self.writer = csv.DictWriter(self.file, self.columns, extrasaction="ignore")

    def write(self, record: dict) -> None:
        self.writer.writerow({k: _cell(record.get(k, "")) for k in self.columns})
        self.file.flush()

    def close(self) -> None:
        self.file.close()


def _cell(value):
    if isinstance(value, float | np.floating):
        return f"{float(value):.8g}"
    return value


# -- checkpoints --------------------------------------------------------------


def save_checkpoint(agent: Agent, out_dir: Path) -> None:
    """Save to a temporary folder, synced to disk, then swap it in; the previous one stays
    as ``checkpoint.old``, so a stop at any moment leaves a whole checkpoint to resume."""
    final, tmp, old = (
        out_dir / CHECKPOINT,
        out_dir / f"{CHECKPOINT}.tmp",
        out_dir / f"{CHECKPOINT}.old",
    )
    shutil.rmtree(tmp, ignore_errors=True)
    agent.save(tmp)
    _sync_folder(tmp)
    if final.exists():
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
    tmp.rename(final)
    _sync_folder(out_dir)


def _sync_folder(folder: Path) -> None:
    """fsync a folder's files and the folder itself: renames then never expose torn files."""
    for path in [*folder.iterdir(), folder]:
        if path.is_dir() and path != folder:
            continue
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def checkpoints(out_dir: Path) -> list[Path]:
    """The run's checkpoints, newest first: the last one, then the one before it."""
    names = (CHECKPOINT, f"{CHECKPOINT}.old")
    return [out_dir / n for n in names if (out_dir / n / "state.json").is_file()]


def load_checkpoint(out_dir: Path, env: gym.Env) -> Agent | None:
    """The agent of the newest readable checkpoint; a torn or empty one falls back to the
    previous. None without checkpoints; ValueError (one line) when none can be read."""
    problems = []
    for path in checkpoints(out_dir):
        try:
            return load_agent(path, env)
        # A torn file fails in whichever reader meets it (json, torch, numpy, zip):
        # any of them means "this checkpoint is unusable", so try the previous one.
        except Exception as error:  # noqa: BLE001
            problems.append(f"{path.name}: {type(error).__name__}: {error}".splitlines()[0])
            print(f"warning: cannot read {path} ({problems[-1]})", file=sys.stderr)
    if problems:
        raise ValueError(f"no readable checkpoint in {out_dir} ({'; '.join(problems)})")
    return None


# -- run identity -------------------------------------------------------------


def run_identity(name: str, env: gym.Env, seed: int) -> dict:
    """What a resume must match: a run folder holds one run of one agent on one env."""
    prune_env = env.unwrapped
    return {
        "agent": name,
        "student": prune_env.student.name,
        "seed": int(seed),
        "target_sparsity": prune_env.target_sparsity,
        "modules": list(prune_env.workbench.modules),
        "criterion": prune_env.workbench.criterion,
        "ratio_grid": [float(r) for r in prune_env.ratio_grid],
        "reward": prune_env.settings.reward,
        "observation": prune_env.settings.observation,
    }


def holds_a_run(out_dir: Path) -> bool:
    names = (RUN_FILE, "metrics.csv", "plan.json", CHECKPOINT, f"{CHECKPOINT}.old")
    return any((out_dir / n).exists() for n in names)


def check_same_run(out_dir: Path, identity: dict) -> None:
    """Refuse (ValueError) to resume `out_dir` as the run `identity` if it holds another."""
    path = out_dir / RUN_FILE
    if not path.is_file():
        return
    try:
        recorded = json.loads(path.read_text())
    except ValueError:
        raise ValueError(f"{path} is not readable JSON; cannot check the run to resume") from None
    differ = [k for k in identity if recorded.get(k) != identity[k]]
    if differ:
        shown = ", ".join(f"{k} {recorded.get(k)!r} there, {identity[k]!r} now" for k in differ)
        raise ValueError(f"{out_dir} holds another run ({shown}): not resuming it")


def resumed_metrics(out_dir: Path, agent: Agent) -> list[dict]:
    """The metrics rows of the checkpoint's episodes; ValueError if some are missing."""
    done = agent.episodes_done
    kept = [r for r in read_metrics(out_dir / "metrics.csv") if r["episode"] <= done]
    episodes = [r["episode"] for r in kept]
    if episodes != list(range(1, done + 1)):
        raise ValueError(
            f"{out_dir}: the checkpoint has {done} episodes but metrics.csv holds episodes "
            f"{_span(episodes)}: not the same run, not resuming it"
        )
    return kept


def _span(episodes: list[int]) -> str:
    if not episodes:
        return "none"
    return f"{episodes[0]}..{episodes[-1]} ({len(episodes)} rows)"


# -- one run ------------------------------------------------------------------


@dataclass
class TrainResult:
    agent: Agent
    plan: PruningPlan
    out_dir: Path
    seconds: float  # wall time of all its episodes (over resumes) and of planning
    resumed_from: int  # episodes already done when this call started


def train_agent(
    name: str,
    env: gym.Env,
    episodes: int,
    out_dir: str | Path,
    seed: int = 0,
    agent_kwargs: dict | None = None,
    resume: bool = False,
    checkpoint_every: int = 10,
    progress: bool = True,
    callback: EpisodeCallback | None = None,
    force: bool = False,
) -> TrainResult:
    """Train agent `name` for `episodes` episodes into `out_dir`, then write its plan.

    With `resume`, continue from the folder's last readable checkpoint (a fresh start if
    it has none) after checking the folder holds this same run; without, a folder that
    holds a run is refused unless `force` (then the run is replaced). `callback` sees
    every episode's metrics row after it is written (return False to stop, or raise).
    """
    if checkpoint_every < 1:
        raise ValueError(f"checkpoint_every must be at least 1, got {checkpoint_every}")
    out_dir = Path(out_dir)
    identity = run_identity(name, env, seed)
    if resume:
        check_same_run(out_dir, identity)
    elif holds_a_run(out_dir) and not force:
        raise ValueError(
            f"{out_dir} already holds a run: resume it (--resume) or replace it (--force)"
        )
    agent = load_checkpoint(out_dir, env) if resume else None
    if agent is not None:
        if (agent.name, agent.seed) != (name, int(seed)):
            raise ValueError(
                f"{out_dir} holds a run of {agent.name!r} seed {agent.seed}, "
                f"not {name!r} seed {seed}: not resuming it"
            )
        kept = resumed_metrics(out_dir, agent)
    else:
        for stale in (CHECKPOINT, f"{CHECKPOINT}.old", "tensorboard", "sb3_checkpoints"):
            shutil.rmtree(out_dir / stale, ignore_errors=True)
        agent = make_agent(name, env, seed=seed, **(agent_kwargs or {}))
        kept = []
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / RUN_FILE).write_text(json.dumps(identity, indent=1) + "\n")
    agent.log_dir = out_dir
    resumed_from = agent.episodes_done
    log = MetricsLog(out_dir / "metrics.csv", metric_columns(agent), kept)
    bar = tqdm(
        total=episodes, initial=agent.episodes_done, desc=name, disable=not progress, leave=False
    )
    recent: list[dict] = kept[-10:]
    saved_at = [None]  # the episode count of the last checkpoint this call wrote

    def on_episode(record: dict):
        log.write(record)
        recent.append(record)
        del recent[:-10]
        bar.update(1)
        bar.set_postfix(
            ret=f"{np.mean([r['return'] for r in recent]):.3f}",
            kl=f"{np.mean([r['kl'] for r in recent]):.4f}",
        )
        if agent.episodes_done % checkpoint_every == 0:
            save_checkpoint(agent, out_dir)
            saved_at[0] = agent.episodes_done
        return None if callback is None else callback(record)

    try:
        agent.train(episodes, on_episode)
    finally:
        bar.close()
        log.close()
    if saved_at[0] != agent.episodes_done:  # a second save would push out the previous one
        save_checkpoint(agent, out_dir)
    started = time.perf_counter()
    plan = agent.plan()
    rows = read_metrics(out_dir / "metrics.csv")
    seconds = sum(r["seconds"] for r in rows) + time.perf_counter() - started
    plan.save(out_dir / "plan.json")
    plot_curves({name: [rows]}, out_dir / "learning_curve.png")
    return TrainResult(agent, plan, out_dir, seconds, resumed_from)


# -- held-out evaluation --------------------------------------------------------


# -- plots ----------------------------------------------------------------------


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    return np.convolve(np.pad(values, (window - 1, 0), mode="edge"), kernel, mode="valid")


def plot_curves(curves: dict[str, list[list[dict]]], path: Path, title: str = "") -> Path:
    """Return and KL per episode: per agent, the mean over its runs (shaded: min to max).

    Agents with a single row (fixed baselines) are drawn as dashed horizontal lines.
    """
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True)
    longest = max((len(run) for runs in curves.values() for run in runs), default=1)
    window = max(1, longest // 25)
    for index, (label, runs) in enumerate(curves.items()):
        runs = [run for run in runs if run]
        if not runs:
            continue
        color = f"C{index % 10}"
        for axis, key in ((top, "return"), (bottom, "kl")):
            length = min(len(run) for run in runs)
            values = np.array([[row[key] for row in run[:length]] for run in runs])
            if length == 1:
                axis.axhline(values.mean(), color=color, linestyle="--", label=label)
                continue
            smoothed = np.array([_smooth(v, window) for v in values])
            episodes = np.arange(1, length + 1)
            axis.plot(episodes, smoothed.mean(axis=0), color=color, label=label)
            if len(runs) > 1:
                axis.fill_between(
                    episodes, smoothed.min(axis=0), smoothed.max(axis=0), color=color, alpha=0.2
                )
    top.set_ylabel("episode return")
    bottom.set_ylabel("calibration KL")
    bottom.set_xlabel(f"episode (moving average of {window})" if window > 1 else "episode")
    bottom.set_yscale("log")
    top.legend(fontsize=8, ncols=2)
    if title:
        top.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


# -- benchmark ------------------------------------------------------------------


def bench_agents(
    names: Sequence[str],
    env: gym.Env,
    heldout: HeldOut,
    episodes: int,
    seeds: Sequence[int],
    out_dir: str | Path,
    agent_kwargs: dict[str, dict] | None = None,
    resume: bool = False,
    progress: bool = True,
    log: Callable[[str], None] = print,
    force: bool = False,
    checkpoint_every: int = 10,
) -> list[dict]:
    """Train every agent on every seed on the same env, judge every plan on `heldout`.

    Writes ``runs.csv`` (one row per run), ``summary.csv`` and ``summary.md`` (per
    agent: mean and standard deviation over seeds) and ``learning_curves.png``.
    """
    unknown = [n for n in names if n not in AGENTS]
    if unknown:
        raise ValueError(f"unknown agents {unknown}; choose from {sorted(AGENTS)}")
    out_dir = Path(out_dir)
    runs, curves = [], {}
    for name in names:
        curves[name] = []
        for seed in seeds:
            run_dir = out_dir / name / f"seed{seed}"
            result = train_agent(
                name,
                env,
                episodes,
                run_dir,
                seed=seed,
                agent_kwargs=(agent_kwargs or {}).get(name),
                resume=resume,
                progress=progress,
                force=force,
                checkpoint_every=checkpoint_every,
            )
            row = {"agent": name, "seed": seed, "episodes": result.agent.episodes_done}
            row |= heldout.compare(result.plan)
            row["calibration_kl"] = result.plan.metadata.get("calibration_kl", math.nan)
            row["wall_seconds"] = result.seconds
            runs.append(row)
            curves[name].append(read_metrics(run_dir / "metrics.csv"))
            log(
                f"{name} seed {seed}: sparsity {row['prunable_sparsity']:.4f}, held-out KL "
                f"{row['heldout_kl']:.5f} (uniform {row['uniform_heldout_kl']:.5f}, "
                f"ratio {row['kl_ratio']:.3f}), {row['wall_seconds']:.1f} s"
            )
    write_csv(out_dir / "runs.csv", runs)
    summary = summarise(runs)
    write_csv(out_dir / "summary.csv", summary)
    (out_dir / "summary.md").write_text(markdown_table(summary, episodes, list(seeds)))
    plot_curves(
        curves, out_dir / "learning_curves.png", f"{episodes} episodes, seeds {list(seeds)}"
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


def write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, list(rows[0]))
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
