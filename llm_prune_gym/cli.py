"""The ``llm-prune`` command line.

The environment's own commands live here; ``agents``, ``evaluation`` and
``finetune`` add theirs through the ``llm_prune_gym.commands`` entry points
(each a ``register(subparsers)`` function), so this package imports none of them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from importlib.metadata import entry_points

import numpy as np
import torch

from . import __version__
from .env import LLMPruneEnv
from .extras import MissingExtra
from .pruning import CRITERIA, DEFAULT_MODULES
from .settings import OBSERVATION_MODES, SAMPLING_MODES
from .structured import DEFAULT_CHANNEL_MODULES, GRANULARITIES


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def unit_ratio(text: str) -> float:
    """argparse type: a number in [0, 1] (NaN and infinities refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise argparse.ArgumentTypeError(f"must lie in [0, 1], got {text}")
    return value


def add_env_arguments(parser: argparse.ArgumentParser) -> None:
    """The environment options every command that builds an env shares."""
    group = parser.add_argument_group("environment")
    group.add_argument("--student", default="smollm2", help="smollm2, stub, a .gguf or a HF folder")
    group.add_argument(
        "--modules",
        default="",
        help=f"comma-separated (default {','.join(DEFAULT_MODULES)}; "
        f"with --granularity channels {','.join(DEFAULT_CHANNEL_MODULES)})",
    )
    group.add_argument("--criterion", default="magnitude", choices=CRITERIA)
    group.add_argument(
        "--granularity",
        default="weights",
        choices=GRANULARITIES,
        help="weights: unstructured (the paper's); channels: whole MLP channels and query heads",
    )
    group.add_argument("--prompts", default="builtin:train", help="builtin:SPLIT or a JSONL file")
    group.add_argument("--batch-size", type=int, default=8)
    group.add_argument("--sampling", default="fixed", choices=SAMPLING_MODES)
    group.add_argument("--answer-tokens", type=int, default=32)
    group.add_argument(
        "--observation",
        default="paper",
        choices=OBSERVATION_MODES,
        help="paper: the 4L+1 vector; layer: plus a one-hot of the current layer; "
        "sensitivity: plus the current layer's unit sensitivities",
    )
    group.add_argument(
        "--max-ratio",
        type=float,
        default=None,
        help="widest ratio an action picks: grid of 31 ratios 0..MAX (default 0..0.30)",
    )
    group.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    group.add_argument("--dtype", default="float32", choices=("float32", "bfloat16", "float16"))
    group.add_argument("--threads", type=positive_int, default=None, help="torch CPU threads")


def ratio_grid(max_ratio: float, choices: int = 31) -> tuple[float, ...]:
    """`choices` evenly spaced ratios from 0 to `max_ratio` (the default grid for 0.30)."""
    if not 0 < max_ratio <= 1:
        raise ValueError(f"the largest ratio must lie in (0, 1], got {max_ratio}")
    return tuple(round(max_ratio * i / (choices - 1), 6) for i in range(choices))


def env_kwargs(args: argparse.Namespace, **overrides) -> dict:
    """Keyword arguments for `LLMPruneEnv` from the shared options (plus overrides)."""
    if args.threads:
        torch.set_num_threads(args.threads)
    kwargs = {
        "student": args.student,
        "modules": tuple(m for m in args.modules.split(",") if m) or None,
        "granularity": getattr(args, "granularity", None) or "weights",
        "criterion": args.criterion,
        "prompts": args.prompts,
        "batch_size": args.batch_size,
        "sampling": args.sampling,
        "answer_tokens": args.answer_tokens,
        "observation": args.observation,
        "device": args.device,
        "dtype": args.dtype,
        "progress": True,
    }
    if getattr(args, "max_ratio", None) is not None:
        kwargs["ratio_grid"] = ratio_grid(args.max_ratio)
    kwargs.update(overrides)
    return kwargs


def rollout(args: argparse.Namespace) -> int:
    """One episode with a random or a constant policy; prints its KL and sparsity."""
    started = time.perf_counter()
    env = LLMPruneEnv(**env_kwargs(args))
    loaded = time.perf_counter()
    observation, info = env.reset(seed=args.seed)
    rng = np.random.default_rng(args.seed)
    total, terminated = 0.0, False
    while not terminated:
        if args.ratio is None:
            action = rng.integers(0, len(env.ratio_grid), env.num_modules)
        else:
            action = np.full(env.num_modules, int(np.abs(env.ratio_grid - args.ratio).argmin()))
        observation, reward, terminated, _, info = env.step(action)
        total += reward
    finished = time.perf_counter()
    if args.plan_out:
        env.current_plan().save(args.plan_out)
    report = {
        "student": env.student.name,
        "layers": env.num_layers,
        "return": round(total, 6),
        "kl": round(info["kl"], 6),
        "prunable_sparsity": round(info["prunable_sparsity"], 6),
        "model_sparsity": round(info["model_sparsity"], 6),
        "load_seconds": round(loaded - started, 2),
        "episode_seconds": round(finished - loaded, 3),
    }
    print(json.dumps(report))
    env.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llm-prune", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("rollout", help="run one episode and print its KL and sparsity")
    add_env_arguments(run)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument(
        "--ratio", type=unit_ratio, default=None, help="constant ratio (default: a random policy)"
    )
    run.add_argument("--plan-out", default=None, help="save the episode's plan as JSON")
    run.set_defaults(func=rollout)
    for entry in sorted(entry_points(group="llm_prune_gym.commands"), key=lambda e: e.name):
        entry.load()(commands)
    return parser


def run_parsed(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse `argv` and run the chosen command; bad input exits 2 with a one-line error."""
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError, MissingExtra) as error:  # bad input, a bad path, an extra
        print(f"{parser.prog} {args.command}: error: {error}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    return run_parsed(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
