"""``llm-prune train``, ``bench-agents`` and ``leaderboard`` (see :mod:`evaluation.cli`).

They live in :mod:`evaluation` because they judge plans on held-out prompts; the
training loop itself is :mod:`agents.runner`'s, called in-process. Imports no torch:
the agents, the env and the runner load when a command runs. The training loop's
options come from :class:`agents.settings.TrainSettings`, the env's from
:class:`llm_prune_gym.settings.EnvSettings`; an agent's own settings are a JSON object
checked against its settings dataclass (:func:`agents.base.agent_settings`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from cyclopts import Parameter

from agents.settings import TrainSettings
from llm_prune_gym.cli import (
    CALIBRATION_FIELDS,
    ENV_CLI_TYPES,
    PRUNER_FIELDS,
    RUN_FIELDS,
    Device,
    Names,
    PositiveInt,
    Threads,
    env_options,
    env_settings,
    log,
    options_from,
    print_json,
    ratio_grid,
    resolve_device,
    rounded,
    set_threads,
    settings_from,
)

# The benchmark's default line-up, in the order of the table's story: learned, then baselines.
BENCH_DEFAULT = (
    "surrogate",
    "surrogate-evo",
    "psrl",
    "a2c",
    "sb3-ppo",
    "sb3-a2c",
    "random",
    "uniform",
    "sensitivity",
    "owl",
    "random-search",
    "evolution",
)

AgentEnv = env_options(
    "AgentEnv",
    (
        *RUN_FIELDS,
        *PRUNER_FIELDS,
        *CALIBRATION_FIELDS,
        "sampling",
        "observation",
        "target_sparsity",
        "reward",
        "batch_matmul",
    ),
    defaults={"reward": None},
)


def _check_train(type_: Any, settings: Any) -> None:
    """cyclopts validator: the loop's counts are whole numbers of at least 1."""
    for name in ("episodes", "checkpoint_every"):
        if getattr(settings, name) < 1:
            flag = "--" + name.replace("_", "-")
            raise ValueError(f"{flag}: must be at least 1, got {getattr(settings, name)}")


Criterion = ENV_CLI_TYPES["criterion"]
TRAIN_FIELDS = ("episodes", "seed", "checkpoint_every", "resume", "force", "progress")
TrainOptions = Annotated[
    options_from(TrainSettings, TRAIN_FIELDS, "TrainOptions", group="training"),
    Parameter(name="*", validator=_check_train),
]
BenchOptions = Annotated[
    options_from(
        TrainSettings, [f for f in TRAIN_FIELDS if f != "seed"], "BenchOptions", group="training"
    ),
    Parameter(name="*", validator=_check_train),
]
HeldOutPrompts = Annotated[str, Parameter(help="prompts the plans are judged on")]


def _json_object(text: str, what: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ValueError(f"{what}: not JSON ({error})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{what}: expected a JSON object, got {text!r}")
    return value


def _agent_settings(name: str, values: dict) -> Any:
    """The agent's settings from JSON values, checked (ValueError, one line)."""
    from agents.base import agent_settings

    return agent_settings(name, **values)


def _build_env(env: Any, max_ratio: float | None, progress: bool):
    """The env of `env`'s options; the reward defaults to budget when a target is set."""
    from llm_prune_gym import LLMPruneEnv

    reward = env.reward or ("budget" if env.target_sparsity is not None else "paper")
    grid = {"ratio_grid": ratio_grid(max_ratio)} if max_ratio is not None else {}
    settings = env_settings(env, reward=reward, progress=progress, **grid)
    return LLMPruneEnv(settings)


def train(
    *,
    agent: str,
    out: Path,
    training: TrainOptions,
    env: AgentEnv = AgentEnv(),  # noqa: B008 (frozen: a safe shared default)
    agent_kwargs: str = "{}",
    max_ratio: float | None = None,
    heldout_prompts: HeldOutPrompts = "builtin:heldout",
    threads: Threads = None,
) -> int:
    """Train one agent; print its plan's held-out KL next to uniform's at the same sparsity.

    Writes the plan, metrics, checkpoints and learning curve into the run folder.

    Parameters
    ----------
    agent
        the agent: surrogate, surrogate-evo, psrl, a2c, sb3-ppo, sb3-a2c, a2c-prior,
        sb3-ppo-prior, sb3-a2c-prior, random, uniform, sensitivity, owl, random-search,
        evolution (or a plugin's)
    out
        run folder (created)
    agent_kwargs
        the agent's settings as JSON, e.g. '{"eps_decay": 0.99, "actor_lr": 3e-4}'
    max_ratio
        widest ratio an action picks: a grid of 31 ratios 0..MAX (default 0..0.30)
    heldout_prompts
        prompts the plan is judged on
    threads
        torch CPU threads
    """
    values = _json_object(agent_kwargs, "--agent-kwargs")
    settings = _agent_settings(agent, values)  # a wrong name or type: one line, no loading
    run = settings_from(TrainSettings, training)
    set_threads(threads)
    from llm_prune_gym.heldout import HeldOut

    from .bench_agents import train_and_judge

    pruning_env = _build_env(env, max_ratio, run.progress)
    heldout = HeldOut.beside(
        pruning_env.workbench,
        heldout_prompts,
        answer_tokens=env.answer_tokens,
        progress=run.progress,
    )
    result, row = train_and_judge(agent, pruning_env, heldout, out, run, settings)
    judged = ("prunable_sparsity", "model_sparsity", "heldout_kl", "uniform_heldout_kl")
    comparison = {k: row[k] for k in (*judged, "kl_ratio", "heldout_prompts")}
    log(
        f"{agent}: prunable sparsity {comparison['prunable_sparsity']:.4f}, held-out KL "
        f"{comparison['heldout_kl']:.5f} vs uniform {comparison['uniform_heldout_kl']:.5f} "
        f"at the same sparsity ({comparison['kl_ratio']:.3f}x); run folder {out}"
    )
    report = {
        "agent": agent,
        "student": pruning_env.unwrapped.student.name,
        "seed": result.agent.seed,
        "episodes": result.agent.episodes_done,
        "resumed_from": result.resumed_from,
        **comparison,
        "calibration_kl": result.plan.metadata.get("calibration_kl"),
        "seconds": result.seconds,
        "out": str(out),
    }
    return print_json(rounded(report))


def bench_agents(
    *,
    out: Path,
    training: BenchOptions,
    env: AgentEnv = AgentEnv(),  # noqa: B008 (frozen: a safe shared default)
    agents: Names = BENCH_DEFAULT,
    seeds: Names = ("0", "1", "2"),
    agent_kwargs: str = "{}",
    max_ratio: float | None = None,
    heldout_prompts: HeldOutPrompts = "builtin:heldout",
    threads: Threads = None,
) -> int:
    """Train every agent on every seed with the same env; one table of held-out results.

    Writes runs.csv, summary.csv, summary.md and learning_curves.png into the folder;
    prints one JSON line with the summary.

    Parameters
    ----------
    out
        benchmark folder (created)
    agents
        comma-separated agent names
    seeds
        comma-separated seeds, one run per agent and seed
    agent_kwargs
        per-agent settings as JSON, e.g. '{"a2c": {"eps_decay": 0.99}}'
    max_ratio
        widest ratio an action picks: a grid of 31 ratios 0..MAX (default 0..0.30)
    heldout_prompts
        prompts the plans are judged on
    threads
        torch CPU threads
    """
    settings = _per_agent_settings(agent_kwargs)
    seed_numbers = [_whole(s, "--seeds") for s in seeds]
    set_threads(threads)
    from llm_prune_gym.heldout import HeldOut

    from .bench_agents import bench_agents as run_bench

    run = settings_from(TrainSettings, training)
    pruning_env = _build_env(env, max_ratio, run.progress)
    heldout = HeldOut.beside(
        pruning_env.workbench,
        heldout_prompts,
        answer_tokens=env.answer_tokens,
        progress=run.progress,
    )
    summary = run_bench(
        list(agents), pruning_env, heldout, run, seed_numbers, out, settings=settings, log=log
    )
    log((Path(out) / "summary.md").read_text())
    return print_json({"out": str(out), "summary": [rounded(row) for row in summary]})


def _per_agent_settings(agent_kwargs: str) -> dict:
    """--agent-kwargs of several agents ('{"NAME": {...}}') as each agent's settings."""
    values = _json_object(agent_kwargs, "--agent-kwargs")
    flat = [name for name, kwargs in values.items() if not isinstance(kwargs, dict)]
    if flat:
        raise ValueError(f"--agent-kwargs maps agents to objects: {flat[0]!r} maps to no object")
    return {name: _agent_settings(name, kwargs) for name, kwargs in values.items()}


def _whole(text: str, flag: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{flag}: expected whole numbers, got {text!r}") from None


def leaderboard(
    *,
    out: Path,
    gpus: Names = (),
    device: Device | None = None,
    threads: Threads = None,
    aggregate_only: bool = False,
    force: bool = False,
    ray_address: str | None = None,
    student: Annotated[str | None, Parameter(group="protocol overrides")] = None,
    criterion: Annotated[Criterion | None, Parameter(group="protocol overrides")] = None,
    episodes: Annotated[PositiveInt | None, Parameter(group="protocol overrides")] = None,
    max_ratio: Annotated[float | None, Parameter(group="protocol overrides")] = None,
    targets: Annotated[Names | None, Parameter(group="protocol overrides")] = None,
    seeds: Annotated[Names | None, Parameter(group="protocol overrides")] = None,
    agents: Annotated[Names | None, Parameter(group="protocol overrides")] = None,
    agent_kwargs: Annotated[str | None, Parameter(group="protocol overrides")] = None,
) -> int:
    """Run the fixed leaderboard protocol (every agent, targets, seeds) into one table.

    The jobs run in-process, one worker process per GPU of --gpus, or as Ray tasks (one GPU
    each) on the cluster at --ray-address; then LEADERBOARD.md,
    leaderboard.csv and per-target figures go under --out. Prints one JSON line: where the
    table is and its rows. The protocol overrides default to the protocol's own values
    (evaluation/leaderboard.py); the table says what was used.

    Parameters
    ----------
    out
        folder of runs; LEADERBOARD.md goes here
    gpus
        CUDA device ids, one worker process each, e.g. 0,1
    device
        the env's device (default: cuda if there is one)
    threads
        torch CPU threads of this process, or of each GPU's worker (default there: 1)
    aggregate_only
        only rebuild the table from finished runs
    force
        let --aggregate-only replace existing outputs
    ray_address
        run the jobs on this Ray cluster (ray://HOST:10001, HOST:6379, auto, or local for a
        one-machine Ray); needs the [ray] extra on every node
    student
        the student spec
    criterion
        only the protocol's rows of this criterion
    episodes
        episode budget per run
    max_ratio
        widest ratio of every row's action grid
    targets
        comma-separated target sparsities, e.g. 0.2,0.3
    seeds
        comma-separated seeds
    agents
        comma-separated agent names
    agent_kwargs
        per-agent settings as JSON, replacing the protocol's for those agents, e.g.
        '{"surrogate-evo": {"noise_sd": 0.02}}'
    """
    import sys

    from .leaderboard import PROTOCOL, build_board, select

    changes = {k: v for k, v in (("student", student), ("episodes", episodes)) if v is not None}
    if seeds is not None:
        changes["seeds"] = tuple(_whole(s, "--seeds") for s in seeds)
    if agents is not None:
        changes["agents"] = tuple(agents)
    if agent_kwargs is not None:
        changes["agent_settings"] = {**PROTOCOL.agent_settings, **_per_agent_settings(agent_kwargs)}
    protocol = select(
        PROTOCOL,
        criterion=criterion,
        targets=[_number(t, "--targets") for t in targets] if targets is not None else None,
        max_ratio=max_ratio,
        **changes,
    )
    command = "llm-prune leaderboard " + " ".join(sys.argv[2:])
    set_threads(threads)
    device = resolve_device(device or "auto")
    table = build_board(
        out,
        protocol,
        command,
        device,
        list(gpus),
        aggregate_only,
        force,
        threads,
        ray_address=ray_address,
    )
    log((out / "LEADERBOARD.md").read_text())
    print_json({"out": str(out), "table": str(out / "LEADERBOARD.md"), "rows": table})
    return 0 if table else 1


def _number(text: str, flag: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{flag}: expected numbers, got {text!r}") from None
