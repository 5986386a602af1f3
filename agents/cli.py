"""``llm-prune train``, ``bench-agents`` and ``leaderboard`` (see :mod:`evaluation.cli`).

Imports no torch: the agents, the env and the runner load when a command runs.
The training loop's options come from :class:`agents.settings.TrainSettings`, the
env's from :class:`llm_prune_gym.settings.EnvSettings`; an agent's own settings are
a JSON object checked against its dataclass in :data:`agents.settings.AGENT_SETTINGS`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from cyclopts import Parameter

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
    print_json,
    ratio_grid,
    rounded,
    set_threads,
)

from .settings import AGENT_SETTINGS, TrainSettings

# The benchmark's default line-up, in the order of the table's story: learned, then baselines.
BENCH_DEFAULT = (
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
    ),
    defaults={"reward": None},
)


def _check_train(type_: Any, settings: TrainSettings) -> None:
    """cyclopts validator: the loop's counts are whole numbers of at least 1."""
    for name in ("episodes", "checkpoint_every"):
        if getattr(settings, name) < 1:
            flag = "--" + name.replace("_", "-")
            raise ValueError(f"{flag}: must be at least 1, got {getattr(settings, name)}")


Criterion = ENV_CLI_TYPES["criterion"]
TrainOptions = Annotated[TrainSettings, Parameter(name="*", validator=_check_train)]
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
    """The agent's settings dataclass from JSON values (None: an agent not built in)."""
    cls = AGENT_SETTINGS.get(name)
    if cls is None:
        return None
    from .settings import settings_for

    return settings_for(cls, values, name)


def _build_env(env: Any, max_ratio: float | None, progress: bool):
    """The env of `env`'s options; the reward defaults to budget when a target is set."""
    from llm_prune_gym import LLMPruneEnv
    from llm_prune_gym.cli import settings_kwargs

    reward = env.reward or ("budget" if env.target_sparsity is not None else "paper")
    grid = {"ratio_grid": ratio_grid(max_ratio)} if max_ratio is not None else {}
    settings = env_settings(env, reward=reward, progress=progress, **grid)
    return LLMPruneEnv(**settings_kwargs(settings))


def train(
    *,
    agent: str,
    out: Path,
    run: TrainOptions,
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
        the agent: psrl, a2c, sb3-ppo, sb3-a2c, random, uniform, sensitivity, owl,
        random-search, evolution (or a plugin's)
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
    _agent_settings(agent, values)  # a wrong name or type is one line before any loading
    set_threads(threads)
    from .runner import HeldOut, train_agent

    pruning_env = _build_env(env, max_ratio, run.progress)
    heldout = HeldOut(pruning_env, heldout_prompts, env.answer_tokens, progress=run.progress)
    result = train_agent(
        agent,
        pruning_env,
        run.episodes,
        out,
        seed=run.seed,
        agent_kwargs=values,
        resume=run.resume,
        checkpoint_every=run.checkpoint_every,
        progress=run.progress,
        force=run.force,
    )
    comparison = heldout.compare(result.plan)
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
    episodes: PositiveInt,
    out: Path,
    env: AgentEnv = AgentEnv(),  # noqa: B008 (frozen: a safe shared default)
    agents: Names = BENCH_DEFAULT,
    seeds: Names = ("0", "1", "2"),
    agent_kwargs: str = "{}",
    max_ratio: float | None = None,
    heldout_prompts: HeldOutPrompts = "builtin:heldout",
    checkpoint_every: PositiveInt = 10,
    resume: bool = False,
    force: bool = False,
    threads: Threads = None,
    progress: bool = True,
) -> int:
    """Train every agent on every seed with the same env; one table of held-out results.

    Writes runs.csv, summary.csv, summary.md and learning_curves.png into the folder;
    prints one JSON line with the summary.

    Parameters
    ----------
    episodes
        episode budget per run
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
    checkpoint_every
        episodes between checkpoints
    resume
        continue every run from its last checkpoint
    force
        replace runs already in the folder
    threads
        torch CPU threads
    progress
        show progress bars on stderr
    """
    values = _json_object(agent_kwargs, "--agent-kwargs")
    for name, settings in values.items():
        if not isinstance(settings, dict):
            raise ValueError(f"--agent-kwargs maps agents to objects: {name!r} maps to no object")
        _agent_settings(name, settings)
    seed_numbers = [_whole(s, "--seeds") for s in seeds]
    set_threads(threads)
    from .runner import HeldOut
    from .runner import bench_agents as run_bench

    pruning_env = _build_env(env, max_ratio, progress)
    heldout = HeldOut(pruning_env, heldout_prompts, env.answer_tokens, progress=progress)
    summary = run_bench(
        list(agents),
        pruning_env,
        heldout,
        episodes,
        seed_numbers,
        out,
        agent_kwargs=values,
        resume=resume,
        progress=progress,
        log=log,
        force=force,
        checkpoint_every=checkpoint_every,
    )
    log((Path(out) / "summary.md").read_text())
    return print_json({"out": str(out), "summary": [rounded(row) for row in summary]})


def _whole(text: str, flag: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{flag}: expected whole numbers, got {text!r}") from None


def leaderboard(
    *,
    out: Path,
    jobs: PositiveInt = 1,
    gpus: Names = (),
    device: Device | None = None,
    aggregate_only: bool = False,
    force: bool = False,
    student: Annotated[str | None, Parameter(group="protocol overrides")] = None,
    criterion: Annotated[Criterion | None, Parameter(group="protocol overrides")] = None,
    episodes: Annotated[PositiveInt | None, Parameter(group="protocol overrides")] = None,
    max_ratio: Annotated[float | None, Parameter(group="protocol overrides")] = None,
    targets: Annotated[Names | None, Parameter(group="protocol overrides")] = None,
    seeds: Annotated[Names | None, Parameter(group="protocol overrides")] = None,
    agents: Annotated[Names | None, Parameter(group="protocol overrides")] = None,
) -> int:
    """Run the fixed leaderboard protocol (every agent, targets, seeds) into one table.

    One bench-agents process per (target sparsity, agent), --jobs at a time over --gpus,
    each resumable; then LEADERBOARD.md, leaderboard.csv and per-target figures under
    --out. Prints one JSON line: where the table is and its rows. The protocol overrides
    default to the protocol's own values (agents/leaderboard.py); the table says what
    was used.

    Parameters
    ----------
    out
        folder of runs; LEADERBOARD.md goes here
    jobs
        bench processes at once
    gpus
        CUDA device ids to spread jobs over, e.g. 0,1
    device
        the env's device (default: cuda if there is one)
    aggregate_only
        only rebuild the table from finished runs
    force
        let --aggregate-only replace existing outputs
    student
        the student spec
    criterion
        magnitude or wanda
    episodes
        episode budget per run
    max_ratio
        widest ratio of the action grid
    targets
        comma-separated target sparsities, e.g. 0.2,0.3
    seeds
        comma-separated seeds
    agents
        comma-separated agent names
    """
    from types import SimpleNamespace

    from .leaderboard import leaderboard_command

    args = SimpleNamespace(
        out=out,
        jobs=jobs,
        gpus=",".join(gpus),
        device=device,
        aggregate_only=aggregate_only,
        force=force,
        student=student,
        criterion=criterion,
        episodes=episodes,
        max_ratio=max_ratio,
        **{k: ",".join(v) if v else None for k, v in [("targets", targets), ("seeds", seeds)]},
        agents=",".join(agents) if agents else None,
    )
    return leaderboard_command(args)
