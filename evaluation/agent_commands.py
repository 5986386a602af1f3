"""`llm-prune` subcommands that train agents and judge their plans: ``train``,
``bench-agents`` and ``leaderboard``.

They live in :mod:`evaluation` because they judge plans on held-out prompts; the
training loop itself is :mod:`agents.runner`'s, called in-process.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from agents.base import agent_settings, registered_agents
from agents.settings import TrainSettings
from llm_prune_gym import LLMPruneEnv
from llm_prune_gym.cli import add_env_arguments, env_kwargs, positive_int
from llm_prune_gym.heldout import HeldOut

from . import leaderboard
from .bench_agents import bench_agents, train_and_judge
from .leaderboard import PROTOCOL, build_board, select

# The benchmark's default line-up, in the order of the table's story: learned, then baselines.
BENCH_DEFAULT = "psrl,a2c,sb3-ppo,sb3-a2c,random,uniform,sensitivity,owl,random-search,evolution"


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not JSON ({error})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    add_env_arguments(parser)
    group = parser.add_argument_group("training")
    group.add_argument(
        "--episodes", type=positive_int, required=True, help="episode budget per run"
    )
    group.add_argument("--out", required=True, help="run folder (created)")
    group.add_argument(
        "--target-sparsity",
        type=float,
        default=None,
        help="prunable sparsity every plan ends at (budget-matched comparison)",
    )
    group.add_argument(
        "--reward",
        choices=("paper", "budget"),
        default=None,
        help="default: budget with --target-sparsity, else the paper's reward",
    )
    group.add_argument(
        "--heldout-prompts", default="builtin:heldout", help="prompts plans are judged on"
    )
    group.add_argument("--checkpoint-every", type=positive_int, default=10, help="episodes")
    group.add_argument(
        "--resume", action="store_true", help="continue from the run folder's last checkpoint"
    )
    group.add_argument(
        "--force", action="store_true", help="replace a run already in the run folder"
    )


def _build_env(args: argparse.Namespace) -> LLMPruneEnv:
    reward = args.reward or ("budget" if args.target_sparsity is not None else "paper")
    return LLMPruneEnv(**env_kwargs(args, target_sparsity=args.target_sparsity, reward=reward))


def _rounded(report: dict) -> dict:
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in report.items()}


def _train_settings(args: argparse.Namespace, seed: int = 0) -> TrainSettings:
    return TrainSettings(
        episodes=args.episodes,
        seed=seed,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
        force=args.force,
    )


def train_command(args: argparse.Namespace) -> int:
    """Train one agent; print its plan's held-out KL next to uniform's at the same sparsity."""
    settings = agent_settings(args.agent, **args.agent_kwargs)
    env = _build_env(args)
    heldout = HeldOut.beside(
        env.workbench, args.heldout_prompts, answer_tokens=args.answer_tokens, progress=True
    )
    run = _train_settings(args, args.seed)
    result, row = train_and_judge(args.agent, env, heldout, args.out, run, settings)
    judged = ("prunable_sparsity", "model_sparsity", "heldout_kl", "uniform_heldout_kl")
    comparison = {k: row[k] for k in (*judged, "kl_ratio", "heldout_prompts")}
    print(
        f"{args.agent}: prunable sparsity {comparison['prunable_sparsity']:.4f}, held-out KL "
        f"{comparison['heldout_kl']:.5f} vs uniform {comparison['uniform_heldout_kl']:.5f} "
        f"at the same sparsity ({comparison['kl_ratio']:.3f}x); run folder {args.out}",
        file=sys.stderr,
    )
    report = {
        "agent": args.agent,
        "student": env.unwrapped.student.name,
        "seed": result.agent.seed,
        "episodes": result.agent.episodes_done,
        "resumed_from": result.resumed_from,
        **comparison,
        "calibration_kl": result.plan.metadata.get("calibration_kl"),
        "seconds": result.seconds,
        "out": str(args.out),
    }
    print(json.dumps(_rounded(report)))
    return 0


def bench_command(args: argparse.Namespace) -> int:
    """Train every agent on every seed with the same env; one table of held-out results."""
    names = [n for n in args.agents.split(",") if n]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    flat = [name for name, kwargs in args.agent_kwargs.items() if not isinstance(kwargs, dict)]
    if flat:
        raise ValueError(f"--agent-kwargs maps agents to objects: {flat[0]!r} maps to no object")
    settings = {name: agent_settings(name, **values) for name, values in args.agent_kwargs.items()}
    env = _build_env(args)
    heldout = HeldOut.beside(
        env.workbench, args.heldout_prompts, answer_tokens=args.answer_tokens, progress=True
    )
    bench_agents(
        names,
        env,
        heldout,
        _train_settings(args),
        seeds,
        args.out,
        settings=settings,
        log=lambda line: print(line, file=sys.stderr),
    )
    print((Path(args.out) / "summary.md").read_text())
    return 0


def leaderboard_command(args: argparse.Namespace) -> int:
    """Run the protocol (with the options' overrides) in-process, then write the table."""
    protocol = select(
        PROTOCOL,
        criterion=args.criterion,
        targets=_numbers(args.targets, float),
        max_ratio=args.max_ratio,
        **{k: getattr(args, k) for k in ("student", "episodes") if getattr(args, k) is not None},
        **{
            k: tuple(v)
            for k, v in (("seeds", _numbers(args.seeds, int)), ("agents", _names(args.agents)))
            if v is not None
        },
    )
    out = Path(args.out)
    command = "llm-prune leaderboard " + " ".join(sys.argv[2:])
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    gpus = [g for g in (args.gpus or "").split(",") if g]
    table = build_board(out, protocol, command, device, gpus, args.aggregate_only, args.force)
    print((out / "LEADERBOARD.md").read_text())
    return 0 if table else 1


def _numbers(text: str | None, cast) -> list | None:
    return None if text is None else [cast(v) for v in text.split(",") if v]


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [v for v in text.split(",") if v]


def add_agent_commands(subparsers) -> None:
    """Add ``train``, ``bench-agents`` and ``leaderboard`` to the `llm-prune` parser."""
    train = subparsers.add_parser(
        "train",
        help="train an agent and write its plan, metrics, checkpoints and learning curve",
        description="Train an agent on LLMPrune-v0; print its plan's held-out KL next to "
        "uniform pruning at the same sparsity, as one JSON line.",
    )
    train.add_argument("--agent", required=True, choices=sorted(registered_agents()))
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--agent-kwargs",
        type=_json_object,
        default={},
        help='hyperparameters as JSON, e.g. \'{"eps_decay": 0.99, "actor_lr": 3e-4}\'',
    )
    _add_run_arguments(train)
    train.set_defaults(func=train_command)

    bench = subparsers.add_parser(
        "bench-agents",
        help="train several agents on several seeds and compare their plans on held-out prompts",
    )
    bench.add_argument("--agents", default=BENCH_DEFAULT, help="comma-separated")
    bench.add_argument("--seeds", default="0,1,2", help="comma-separated")
    bench.add_argument(
        "--agent-kwargs",
        type=_json_object,
        default={},
        help='per-agent hyperparameters as JSON, e.g. \'{"a2c": {"eps_decay": 0.99}}\'',
    )
    _add_run_arguments(bench)
    bench.set_defaults(func=bench_command)

    _register_leaderboard(subparsers)


def _register_leaderboard(subparsers) -> None:
    parser = subparsers.add_parser(
        "leaderboard",
        help="run the fixed leaderboard protocol (every agent, targets, seeds) into one table",
        description=leaderboard.__doc__.split("\n\n")[1],
    )
    parser.add_argument("--out", required=True, help="folder of runs; LEADERBOARD.md goes here")
    parser.add_argument(
        "--gpus", default=None, help="CUDA device ids, one worker process each: 0,1"
    )
    parser.add_argument("--device", default=None, help="the env's device (default: cuda if any)")
    parser.add_argument("--aggregate-only", action="store_true", help="only rebuild the table")
    parser.add_argument(
        "--force", action="store_true", help="let --aggregate-only replace existing outputs"
    )
    group = parser.add_argument_group("protocol overrides (the table says what was used)")
    group.add_argument("--student", default=None)
    group.add_argument("--criterion", default=None, choices=("magnitude", "wanda"))
    group.add_argument("--episodes", type=positive_int, default=None)
    group.add_argument("--max-ratio", type=float, default=None)
    group.add_argument("--targets", default=None, help="comma-separated, e.g. 0.2,0.3")
    group.add_argument("--seeds", default=None, help="comma-separated")
    group.add_argument("--agents", default=None, help="comma-separated")
    parser.set_defaults(func=leaderboard_command)
