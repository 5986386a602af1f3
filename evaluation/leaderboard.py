"""The leaderboard: one fixed protocol, every agent, several rows and seeds, one table.

``llm-prune leaderboard --out DIR`` runs every (row, agent) of the protocol in this
process (one worker process per GPU when ``--gpus`` names several; one Ray task per
job, one GPU each, with ``--ray-address``: :mod:`evaluation.ray_jobs`), each resumable,
then writes ``DIR/LEADERBOARD.md``, ``DIR/leaderboard.csv`` and, per row, the
learning curves, the anytime curve (held-out KL / uniform's after 100, 500 and
2,000 episodes, one line per method) and each method's best-seed plan
(``plan_AGENT.png``). Score = uniform KL / method KL on the held-out prompts at the
same prunable sparsity (higher is better; 1 is uniform). ``--aggregate-only``
rebuilds the table from finished folders, with the protocol and command the runs
recorded (``protocol.json``); it replaces no existing table or figure unless
``--force``, and never draws a figure without data.

The protocol (:class:`Protocol`) fixes what a comparison needs to be fair: the
student, the rows (pruning criterion, target sparsity, and the ratio grid's width
that target needs), the calibration batch, the episode budgets (one scored plan is
one episode for the search baselines), the seeds, the held-out prompts and the
learned agents' settings. It turns directly into the env's and the agents' settings
objects (:meth:`Protocol.env_settings`, :attr:`Protocol.agent_settings`).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import multiprocessing
import os
import statistics
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agents.runner import read_metrics
from agents.settings import (
    AGENT_SETTINGS,
    A2CPriorSettings,
    A2CSettings,
    AgentSettings,
    SB3A2CPriorSettings,
    SB3A2CSettings,
    SB3PPOPriorSettings,
    SB3PPOSettings,
    TrainSettings,
    settings_for,
)
from llm_prune_gym import LLMPruneEnv, PruningPlan
from llm_prune_gym.cli import ratio_grid
from llm_prune_gym.heldout import HeldOut
from llm_prune_gym.prompts import load_prompts
from llm_prune_gym.settings import EnvSettings

from .bench_agents import bench_agents, cells
from .plots import plot_anytime, plot_curves, plot_plan
from .report import write_csv

DEFAULT_AGENTS = (
    "surrogate",
    "surrogate-evo",
    "psrl",
    "a2c",
    "sb3-ppo",
    "sb3-a2c",
    "a2c-prior",
    "sb3-ppo-prior",
    "sb3-a2c-prior",
    "evolution",
    "random-search",
    "sensitivity",
    "owl",
    "uniform",
    "random",
)


@dataclass(frozen=True)
class Row:
    """One line of the board: a pruning criterion at a target share of prunable weights.

    ``max_ratio`` is the widest ratio an action picks (a grid of 31 ratios from 0):
    a target needs room above it to allocate around, and the env needs it above the
    target (at it only uniform pruning fits).
    """

    criterion: str
    target: float
    max_ratio: float = 0.6

    def __post_init__(self) -> None:
        if not 0 < self.target < self.max_ratio <= 1:
            raise ValueError(
                f"a row needs 0 < target < max_ratio <= 1, got target {self.target} and "
                f"max_ratio {self.max_ratio}"
            )

    @property
    def folder(self) -> str:
        """``target20`` for magnitude (the first board's names), ``target20-wanda`` else."""
        name = f"target{round(self.target * 100):02d}"
        return name if self.criterion == "magnitude" else f"{name}-{self.criterion}"

    @property
    def title(self) -> str:
        return f"{self.criterion}, target {self.target:.0%} (max ratio {self.max_ratio:g})"


# Chosen on a cheap stand-in of this env (bench/rl_standin.py, results/RESULTS.md):
# every learned agent starts at uniform pruning; ours learns from whole-episode
# returns; PPO without discounting (its default settings collapsed 2 of 3 seeds).
LEARNED_AGENT_SETTINGS: dict[str, AgentSettings] = {
    "a2c": A2CSettings(
        n_steps=None,
        gamma=1.0,
        actor_lr=5e-4,
        critic_lr=1e-3,
        ent_coef=0.001,
        eps_start=0.0,
        start_at_target=True,
        device="cpu",  # a tiny MLP: a GPU would only add syncs
    ),
    "sb3-ppo": SB3PPOSettings(start_at_target=True, gamma=1.0, gae_lambda=1.0),
    "sb3-a2c": SB3A2CSettings(start_at_target=True),
    # issue 20: the same agents as offsets around the sensitivity plan (its 123 scored
    # plans count as episodes), log-KL reward, best episode (agents/residual.py)
    "a2c-prior": A2CPriorSettings(),
    "sb3-ppo-prior": SB3PPOPriorSettings(),
    "sb3-a2c-prior": SB3A2CPriorSettings(),
}


@dataclass(frozen=True)
class Protocol:
    """What every run of the board shares (see the module docstring)."""

    student: str = "smollm2"
    rows: tuple[Row, ...] = (
        Row("magnitude", 0.2),
        Row("magnitude", 0.3),
        Row("wanda", 0.2),
        Row("wanda", 0.3),
        Row("wanda", 0.5, max_ratio=0.9),  # 31 ratios 0, 0.03, ..., 0.90
    )
    calibration_prompts: str = "builtin:train"  # the first batch_size are the env's batch
    batch_size: int = 8
    answer_tokens: int = 32
    budgets: tuple[int, ...] = (100, 500, 2000)  # episodes; each run is judged after each
    seeds: tuple[int, ...] = (0, 1, 2)
    # plans are judged on all of these together: the calibration set's 32 held-out
    # prompts and the 130 hand-written beginner programs' hint prompts
    heldout_prompts: tuple[str, ...] = ("builtin:heldout", "builtin:heldout-realstyle")
    agents: tuple[str, ...] = DEFAULT_AGENTS
    agent_settings: dict[str, AgentSettings] = field(
        default_factory=lambda: dict(LEARNED_AGENT_SETTINGS)
    )  # agents not named here run with their defaults
    checkpoint_every: int = 100

    @property
    def episodes(self) -> int:
        """The full budget: the last of `budgets`."""
        return max(self.budgets)

    def env_settings(self, row: Row, device: str) -> EnvSettings:
        """The env every agent of `row` trains on: budget reward at the row's target."""
        return EnvSettings(
            student=self.student,
            criterion=row.criterion,
            ratio_grid=ratio_grid(row.max_ratio),
            prompts=self.calibration_prompts,
            batch_size=self.batch_size,
            answer_tokens=self.answer_tokens,
            target_sparsity=row.target,
            reward="budget",
            device=device,
            progress=True,
        )

    def train_settings(self) -> TrainSettings:
        """Every run: the full budget, resumable, no progress bars (logs say how it goes)."""
        return TrainSettings(
            episodes=self.episodes,
            checkpoint_every=self.checkpoint_every,
            resume=True,
            progress=False,
        )

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["agent_settings"] = {
            name: dataclasses.asdict(settings) for name, settings in self.agent_settings.items()
        }
        return data

    @classmethod
    def from_json(cls, data: dict) -> Protocol:
        """A recorded protocol: this class's JSON, or the first board's flat dict
        (``criterion``, ``targets``, ``max_ratio``, ``episodes``, ``agent_kwargs``)."""
        if "rows" not in data:
            data = _first_board_protocol(data)
        return cls(
            student=data["student"],
            rows=tuple(Row(**row) for row in data["rows"]),
            calibration_prompts=data.get("calibration_prompts", "builtin:train"),
            batch_size=data["batch_size"],
            answer_tokens=data["answer_tokens"],
            budgets=tuple(data["budgets"]),
            seeds=tuple(data["seeds"]),
            heldout_prompts=_sources(data["heldout_prompts"]),
            agents=tuple(data["agents"]),
            agent_settings={
                name: settings_for(AGENT_SETTINGS[name], values, name)
                for name, values in data["agent_settings"].items()
                if name in AGENT_SETTINGS
            },
            checkpoint_every=data.get("checkpoint_every", 100),
        )

    def describe(self) -> str:
        """One line for the table: every setting but the agents' own."""
        rows = "; ".join(row.title for row in self.rows)
        return (
            f"student = {self.student}, rows = {rows}, "
            f"calibration_prompts = {self.calibration_prompts}, batch_size = {self.batch_size}, "
            f"answer_tokens = {self.answer_tokens}, budgets = {self.budgets}, "
            f"seeds = {self.seeds}, heldout_prompts = {self.heldout_prompts}, "
            f"agents = {self.agents}"
        )


def _sources(recorded: str | list[str]) -> tuple[str, ...]:
    """Prompt sources as recorded: one (the first board's) or several."""
    return (recorded,) if isinstance(recorded, str) else tuple(recorded)


def _first_board_protocol(old: dict) -> dict:
    """The first board's protocol.json (one criterion, a list of targets) as rows."""
    return {
        **old,
        "rows": [
            {"criterion": old["criterion"], "target": t, "max_ratio": old["max_ratio"]}
            for t in old["targets"]
        ],
        "budgets": [old["episodes"]],
        "agent_settings": old.get("agent_kwargs", {}),
    }


PROTOCOL = Protocol()


def select(
    protocol: Protocol,
    criterion: str | None = None,
    targets: Sequence[float] | None = None,
    max_ratio: float | None = None,
    **changes,
) -> Protocol:
    """`protocol` restricted to the rows of `criterion` and `targets` (a pair the protocol
    lacks becomes a new row), every row's grid set to `max_ratio` if given, and other
    fields replaced by `changes` (``episodes=N`` keeps the budgets below N, then N)."""
    rows = [
        row
        for row in protocol.rows
        if (criterion is None or row.criterion == criterion)
        and (targets is None or row.target in targets)
    ]
    for target in targets or ():
        for kind in [criterion] if criterion else sorted({r.criterion for r in protocol.rows}):
            if not any(r.criterion == kind and r.target == target for r in rows):
                rows.append(Row(kind, target, max_ratio or (0.6 if target <= 0.3 else 0.9)))
    if max_ratio is not None:
        rows = [dataclasses.replace(row, max_ratio=max_ratio) for row in rows]
    episodes = changes.pop("episodes", None)
    if episodes is not None:
        changes["budgets"] = (*(b for b in protocol.budgets if b < episodes), episodes)
    return dataclasses.replace(protocol, rows=tuple(rows), **changes)


# -- running ----------------------------------------------------------------------------


def run_job(protocol: Protocol, row: Row, agent: str, out: Path, device: str, envs: dict) -> None:
    """Train and judge one agent on one row for every seed (`envs` caches one env and
    its held-out judge per row, so a row's model loads once per process)."""
    if row not in envs:
        env = LLMPruneEnv(protocol.env_settings(row, device))
        prompts = [p for source in protocol.heldout_prompts for p in load_prompts(source)]
        heldout = HeldOut.beside(env.workbench, prompts, answer_tokens=protocol.answer_tokens)
        envs[row] = (env, heldout)
    env, heldout = envs[row]
    bench_agents(
        [agent],
        env,
        heldout,
        protocol.train_settings(),
        protocol.seeds,
        out / row.folder / agent,
        settings={agent: protocol.agent_settings[agent]}
        if agent in protocol.agent_settings
        else None,
        budgets=protocol.budgets,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )


def jobs_of(protocol: Protocol) -> list[tuple[Row, str]]:
    return [(row, agent) for row in protocol.rows for agent in protocol.agents]


def run_jobs(
    protocol: Protocol,
    out: Path,
    device: str,
    gpus: Sequence[str] = (),
    threads: int | None = None,
    ray_address: str | None = None,
) -> list[str]:
    """Every (row, agent) job: in this process, or one worker process per GPU in `gpus`
    (each sees only its GPU, as ``cuda``, and has `threads` torch CPU threads, default 1),
    or, with `ray_address`, one Ray task per job on that cluster
    (:mod:`evaluation.ray_jobs`; one GPU a job on CUDA; `gpus` is then unused).

    A failing job is logged (``out/logs/JOB.log``) and skipped; returns the failed jobs.
    """
    jobs = jobs_of(protocol)
    if ray_address:
        from .ray_jobs import run_on_ray  # ray is an optional extra: imported only here

        return run_on_ray(protocol, jobs, out, device, ray_address)
    if len(gpus) <= 1:
        if gpus and device.startswith("cuda"):  # one GPU named: this process uses it
            device = f"cuda:{gpus[0]}"
        envs: dict = {}
        return [name for job in jobs if (name := _run_logged(protocol, *job, out, device, envs))]
    context = multiprocessing.get_context("spawn")  # fresh processes: CUDA is not forkable
    todo, failed = context.Queue(), context.Queue()
    for job in jobs:
        todo.put(job)
    workers = []
    for gpu in gpus:
        todo.put(None)  # one stop sign per worker
        environment = {"CUDA_VISIBLE_DEVICES": gpu, "OMP_NUM_THREADS": str(threads or 1)}
        with _environment(environment):  # a spawned child copies os.environ at start
            worker = context.Process(target=_worker, args=(protocol, out, device, todo, failed))
            worker.start()
        workers.append(worker)
    for worker in workers:
        worker.join()
    names = []
    while not failed.empty():
        names.append(failed.get())
    return names + [f"worker {w.pid} (exit {w.exitcode})" for w in workers if w.exitcode]


def _worker(protocol: Protocol, out: Path, device: str, todo, failed) -> None:
    """One GPU's process: take jobs until the stop sign, one env per row it meets."""
    envs: dict = {}
    while (job := todo.get()) is not None:
        if name := _run_logged(protocol, *job, out, device, envs):
            failed.put(name)


def _run_logged(protocol: Protocol, row: Row, agent: str, out: Path, device: str, envs) -> str:
    """Run one job; on failure write its traceback to ``logs/`` and return its name."""
    name = f"{row.folder}-{agent}"
    print(f"start {name}", file=sys.stderr, flush=True)
    try:
        run_job(protocol, row, agent, out, device, envs)
    except Exception:  # one job's failure must not stop the board; its log says why
        logs = out / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        (logs / f"{name}.log").write_text(traceback.format_exc())
        print(f"failed {name} (log in {logs})", file=sys.stderr, flush=True)
        return name
    print(f"done {name}", file=sys.stderr, flush=True)
    return ""


class _environment:
    """Set environment variables for a block (the spawned workers copy them)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values, self.saved = values, {}

    def __enter__(self) -> None:
        self.saved = {k: os.environ.get(k) for k in self.values}
        os.environ.update(self.values)

    def __exit__(self, *exc) -> None:
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# -- the table ----------------------------------------------------------------------------


def _csv_rows(path: Path) -> list[dict]:
    with path.open(newline="") as lines:
        return list(csv.DictReader(lines))


def read_runs(out: Path, rows: Sequence[Row]) -> list[dict]:
    """Every finished run's row (``runs.csv`` of each job folder), tagged with its row."""
    found = []
    for row in rows:
        for path in sorted((out / row.folder).glob("*/runs.csv")):
            found += [{**r, "row": row} for r in _csv_rows(path)]
    return found


def read_anytime(out: Path, rows: Sequence[Row]) -> list[dict]:
    """Every run's held-out row after each budget (``anytime.csv`` of each job folder)."""
    found = []
    for row in rows:
        for path in sorted((out / row.folder).glob("*/anytime.csv")):
            found += [{**r, "row": row} for r in _csv_rows(path)]
    return found


def leaderboard_rows(runs: list[dict], anytime: Sequence[dict] = ()) -> list[dict]:
    """Per (row, agent): score = uniform KL / method KL, mean and sd over seeds; with
    anytime rows, the mean KL / uniform after each budget (``kl_ratio_at_N``)."""
    table = []
    for row in dict.fromkeys(r["row"] for r in runs):
        for agent in dict.fromkeys(r["agent"] for r in runs if r["row"] == row):
            mine = [r for r in runs if r["row"] == row and r["agent"] == agent]
            scores = [float(r["uniform_heldout_kl"]) / float(r["heldout_kl"]) for r in mine]
            ratios = [float(r["kl_ratio"]) for r in mine]
            entry = {
                "criterion": row.criterion,
                "target": row.target,
                "max_ratio": row.max_ratio,
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
            table.append(entry | _anytime_means(anytime, row, agent))
    table.sort(
        key=lambda r: (r["criterion"] != "magnitude", r["criterion"], r["target"], -r["score_mean"])
    )
    return table


def _anytime_means(anytime: Sequence[dict], row: Row, agent: str) -> dict:
    mine = [r for r in anytime if r["row"] == row and r["agent"] == agent]
    budgets = sorted({int(r["episodes_budget"]) for r in mine})
    means = {}
    for budget in budgets:
        at = [r for r in mine if int(r["episodes_budget"]) == budget]
        means[f"kl_ratio_at_{budget}"] = statistics.fmean(float(r["kl_ratio"]) for r in at)
        means[f"wall_seconds_at_{budget}"] = statistics.fmean(float(r["wall_seconds"]) for r in at)
    return means


def markdown(table: list[dict], protocol: Protocol, command: str) -> str:
    settings = {name: dataclasses.asdict(s) for name, s in protocol.agent_settings.items()}
    lines = [
        "# Leaderboard: budget-matched pruning of LLMPrune-v0",
        "",
        "Score = uniform KL / method KL on the held-out prompts at the same prunable "
        "sparsity (higher is better, 1 = uniform); mean ± sd over seeds, and the "
        "KL / uniform of the mean and of the best seed. `KL/u @ N`: mean KL / uniform "
        "of the plan after N episodes; `wall s`: mean wall time of the full budget.",
        "",
        "Protocol: " + protocol.describe(),
        "",
        f"Learned agents' settings (others: the library's defaults): `{json.dumps(settings)}`",
        "",
        f"Command: `{command}`",
    ]
    for key in dict.fromkeys((r["criterion"], r["target"], r["max_ratio"]) for r in table):
        mine = [r for r in table if (r["criterion"], r["target"], r["max_ratio"]) == key]
        budgets = sorted(
            {int(k.rsplit("_", 1)[1]) for r in mine for k in r if k.startswith("kl_ratio_at_")}
        )
        anytime_head = "".join(f" KL/u @ {b} |" for b in budgets)
        lines += [
            "",
            f"## {Row(*key).title}",
            "",
            "| rank | method | score | KL / uniform | best seed | held-out KL |"
            f"{anytime_head} episodes | wall s | seeds |",
            "|---|---|---|---|---|---|" + "---|" * len(budgets) + "---|---|---|",
        ]
        for rank, r in enumerate(mine, 1):
            anytime_cells = "".join(
                f" {r[f'kl_ratio_at_{b}']:.3f} |" if f"kl_ratio_at_{b}" in r else " |"
                for b in budgets
            )
            lines.append(
                f"| {rank} | {r['agent']} | {r['score_mean']:.2f} ± {r['score_sd']:.2f} "
                f"| {r['kl_ratio_mean']:.3f} | {r['kl_ratio_best']:.3f} "
                f"| {r['heldout_kl_mean']:.5f} |{anytime_cells} {r['episodes']} "
                f"| {r['wall_seconds_mean']:.0f} | {r['seeds']} |"
            )
    return "\n".join(lines) + "\n"


def outputs(out: Path, runs: list[dict], anytime: Sequence[dict] = ()) -> list[Path]:
    """Every file `aggregate` writes for these runs."""
    paths = [out / "leaderboard.csv", out / "LEADERBOARD.md"]
    for row in dict.fromkeys(r["row"] for r in runs):
        folder = out / row.folder
        paths.append(folder / "learning_curves.png")
        if any(r["row"] == row for r in anytime):
            paths.append(folder / "anytime.png")
        paths += [folder / f"plan_{agent}.png" for agent in {r["agent"] for r in runs}]
    return paths


def aggregate(out: Path, protocol: Protocol, command: str, force: bool = True) -> list[dict]:
    """Write the table, curves and best plans; with `force` False, refuse (ValueError) to
    replace any of them that exists."""
    runs = read_runs(out, protocol.rows)
    if not runs:
        raise SystemExit(f"no finished runs under {out}")
    anytime = read_anytime(out, protocol.rows)
    existing = [p for p in outputs(out, runs, anytime) if p.exists()]
    if existing and not force:
        raise ValueError(
            f"{existing[0]} exists ({len(existing)} outputs in all); --aggregate-only replaces "
            "no table or figure unless --force"
        )
    table = leaderboard_rows(runs, anytime)
    write_csv(out / "leaderboard.csv", [cells(r) for r in table])
    (out / "LEADERBOARD.md").write_text(markdown(table, protocol, command))
    for row in protocol.rows:
        folder = out / row.folder
        if not folder.is_dir():
            continue
        curves = {
            # each job folder holds AGENT/seedN/ run folders
            agent.name: [read_metrics(run / "metrics.csv") for run in sorted(agent.glob("*/seed*"))]
            for agent in sorted(folder.iterdir())
            if agent.is_dir()
        }
        if any(any(runs) for runs in curves.values()):  # no metrics: keep any figure there
            plot_curves(curves, folder / "learning_curves.png", row.title)
        mine = [r for r in anytime if r["row"] == row]
        if mine:
            plot_anytime(mine, folder / "anytime.png", row.title)
    plot_best_plans(out, runs)
    return table


def plot_best_plans(out: Path, runs: list[dict]) -> None:
    """``ROW/plan_AGENT.png``: each agent's best-seed plan (Figure 5's layout)."""
    for row in dict.fromkeys(r["row"] for r in runs):
        for agent in dict.fromkeys(r["agent"] for r in runs if r["row"] == row):
            mine = [r for r in runs if r["row"] == row and r["agent"] == agent]
            best = min(mine, key=lambda r: float(r["kl_ratio"]))
            folder = out / row.folder
            plan = PruningPlan.load(folder / agent / agent / f"seed{best['seed']}" / "plan.json")
            title = (
                f"{agent} (seed {best['seed']}), {row.title}: held-out KL "
                f"{float(best['kl_ratio']):.2f}x uniform"
            )
            plot_plan(plan, folder / f"plan_{agent}.png", title)


def build_board(
    out: Path,
    protocol: Protocol,
    command: str,
    device: str,
    gpus: Sequence[str] = (),
    aggregate_only: bool = False,
    force: bool = False,
    threads: int | None = None,
    ray_address: str | None = None,
) -> list[dict]:
    """The whole board: run every job (unless `aggregate_only`), then the table.

    `threads`: torch CPU threads of each GPU's worker process (default 1).
    `ray_address`: run the jobs as Ray tasks on that cluster (:func:`run_jobs`).

    Running records the protocol and command in ``protocol.json``; `aggregate_only`
    reads them back from there when present (the runs' own, not today's defaults).
    """
    recorded = out / "protocol.json"
    if aggregate_only and recorded.is_file():
        saved = json.loads(recorded.read_text())
        protocol, command = Protocol.from_json(saved["protocol"]), saved["command"]
    if not aggregate_only:
        out.mkdir(parents=True, exist_ok=True)
        provenance = {"protocol": protocol.to_json(), "command": command}
        recorded.write_text(json.dumps(provenance, indent=1) + "\n")
        failed = run_jobs(protocol, out, device, gpus, threads, ray_address)
        if failed:
            print(f"failed jobs (logs in {out / 'logs'}): {failed}", file=sys.stderr)
    return aggregate(out, protocol, command, force=force or not aggregate_only)
