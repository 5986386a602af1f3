"""`llm-prune` subcommands of the agents package: ``train`` and ``bench-agents``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from llm_prune_gym import LLMPruneEnv
from llm_prune_gym.cli import add_env_arguments, env_kwargs, positive_int
from llm_prune_gym.heldout import HeldOut

from . import leaderboard
from .base import AGENTS
from .runner import bench_agents, train_agent

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


def train_command(args: argparse.Namespace) -> int:
    """Train one agent; print its plan's held-out KL next to uniform's at the same sparsity."""
    env = _build_env(args)
    heldout = HeldOut.beside(
        env.unwrapped.workbench, args.heldout_prompts, None, args.answer_tokens, progress=True
    )
    result = train_agent(
        args.agent,
        env,
        args.episodes,
        args.out,
        seed=args.seed,
        agent_kwargs=args.agent_kwargs,
        resume=args.resume,
        checkpoint_every=args.checkpoint_every,
        force=args.force,
    )
    comparison = heldout.compare(result.plan)
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
    env = _build_env(args)
    heldout = HeldOut.beside(
        env.unwrapped.workbench, args.heldout_prompts, None, args.answer_tokens, progress=True
    )
    bench_agents(
        names,
        env,
        heldout,
        args.episodes,
        seeds,
        args.out,
        agent_kwargs=args.agent_kwargs,
        resume=args.resume,
        log=lambda line: print(line, file=sys.stderr),
        force=args.force,
        checkpoint_every=args.checkpoint_every,
    )
    print((Path(args.out) / "summary.md").read_text())
    return 0


def register(subparsers) -> None:
    """Add this package's subcommands to the `llm-prune` parser."""
    train = subparsers.add_parser(
        "train",
        help="train an agent and write its plan, metrics, checkpoints and learning curve",
        description="Train an agent on LLMPrune-v0; print its plan's held-out KL next to "
        "uniform pruning at the same sparsity, as one JSON line.",
    )
    train.add_argument("--agent", required=True, choices=sorted(AGENTS))
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

    leaderboard.register(subparsers)
