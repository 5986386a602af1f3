"""The one training loop into a run folder: metrics CSV, checkpoints, resume.

A run folder holds::

    run.json             what makes the run this run: agent, student, seed, target, grid,
                         the agent's settings, ...
    plan.json            the agent's plan (PruningPlan JSON)
    metrics.csv          per episode: episode, return, kl, sparsity, seconds, + the agent's own
    checkpoint/          the agent after the last checkpointed episode (resume starts here)
    checkpoint.old/      the checkpoint before it (resume falls back to it if the last is torn)
    tensorboard/, sb3_checkpoints/   SB3 agents only

Resuming truncates ``metrics.csv`` to the checkpoint's episode count, so after any
stop the finished file has every episode exactly once. A resume into a folder of another
run (a different ``run.json``, or a ``metrics.csv`` that lacks the checkpoint's episodes)
is refused, and so is a fresh run into a folder that holds one, unless ``force``.
Held-out evaluation, learning curves and benchmarks are :mod:`evaluation`'s.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
from tqdm.auto import tqdm

from llm_prune_gym import PruningPlan

from .base import (
    BASE_METRICS,
    Agent,
    EpisodeCallback,
    agent_settings,
    load_agent,
    make_agent,
    to_json,
)
from .settings import AgentSettings

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


def run_identity(name: str, env: gym.Env, seed: int, settings: AgentSettings) -> dict:
    """What a resume must match: a run folder holds one run of one agent on one env, with
    one set of settings."""
    prune_env = env.unwrapped
    multiple = prune_env.workbench.width_multiple  # named only when it rounds the widths
    refit = prune_env.workbench.settings.refit  # named only when on
    return {
        **({"width_multiple": multiple} if multiple > 1 else {}),
        **({"refit": True} if refit else {}),
        "agent": name,
        "student": prune_env.student.name,
        "seed": int(seed),
        "target_sparsity": prune_env.target_sparsity,
        "modules": list(prune_env.workbench.modules),
        "criterion": prune_env.workbench.criterion,
        "ratio_grid": [float(r) for r in prune_env.ratio_grid],
        "reward": prune_env.settings.reward,
        "observation": prune_env.settings.observation,
        "settings": to_json(dataclasses.asdict(settings)),
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
    # run.json files from before settings were recorded do not name them
    differ = [k for k in identity if recorded.get(k, identity[k]) != identity[k]]
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
    settings: AgentSettings | None = None,
    resume: bool = False,
    checkpoint_every: int = 10,
    progress: bool = True,
    callback: EpisodeCallback | None = None,
    force: bool = False,
) -> TrainResult:
    """Train agent `name` (with `settings`, default its defaults) for `episodes` episodes
    into `out_dir`, then write its plan.

    With `resume`, continue from the folder's last readable checkpoint (a fresh start if
    it has none) after checking the folder holds this same run; without, a folder that
    holds a run is refused unless `force` (then the run is replaced). `callback` sees
    every episode's metrics row after it is written (return False to stop, or raise).
    """
    if checkpoint_every < 1:
        raise ValueError(f"checkpoint_every must be at least 1, got {checkpoint_every}")
    out_dir = Path(out_dir)
    settings = agent_settings(name, settings)
    identity = run_identity(name, env, seed, settings)
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
        agent = make_agent(name, env, seed=seed, settings=settings)
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
    return TrainResult(agent, plan, out_dir, seconds, resumed_from)
