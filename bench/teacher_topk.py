"""Teacher kept as top-k plus remainder vs the full teacher: KL error, memory, episode time.

Every setting (the full teacher, then each k) plays the same random episodes of
``LLMPrune-v0`` on one shared student and pruner; the settings take turns within each
episode's plan, so load from other processes on the machine falls on all of them alike.
For each k it reports the relative error of the episode's KL against the full
teacher's (mean and max of |kl_k / kl_full - 1| over the plans), the bytes the cached
teacher holds, the mean wall time of an episode (reset, L steps, terminal KL), and
the time of the KL arithmetic alone (log-softmax output to KL sums, no forward).

    OMP_NUM_THREADS=1 python bench/teacher_topk.py --out results/speed/teacher-topk
"""

from __future__ import annotations

import argparse
import csv
import platform
import time
from pathlib import Path

import numpy as np
import torch

from llm_prune_gym import EnvSettings, LLMPruneEnv, Workbench
from llm_prune_gym.calibration import CalibrationSet


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", default="smollm2")
    parser.add_argument("--batch-size", type=int, default=8, help="calibration prompts")
    parser.add_argument("--plans", type=int, default=20, help="random episodes per setting")
    parser.add_argument("--ks", default="8,32,128,512", help="comma-separated top-k sizes")
    parser.add_argument("--kl-repeats", type=int, default=20, help="timed KL-only steps")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="folder for teacher_topk.csv")
    return parser.parse_args(argv)


def play(env: LLMPruneEnv, actions: np.ndarray) -> tuple[float, float]:
    """One episode of `actions` ([L, K] grid indices); its KL and wall time (s)."""
    start = time.perf_counter()
    env.reset(seed=0)
    for action in actions:
        *_, terminated, _, info = env.step(action)
    assert terminated
    return info["kl"], time.perf_counter() - start


def kl_step_ms(calibration: CalibrationSet, indices: list[int], repeats: int) -> float:
    """Mean ms of the KL arithmetic alone (the student's log-probs given, no forward)."""
    given = calibration.logprobs(indices)
    calibration._logprobs = lambda *_: given  # instance attribute: shadows the method
    try:
        start = time.perf_counter()
        for _ in range(repeats):
            calibration.kl_sums(indices, {})
        return 1e3 * (time.perf_counter() - start) / repeats
    finally:
        del calibration._logprobs


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = EnvSettings(student=args.student, batch_size=args.batch_size)
    full = Workbench(settings)
    names: list[int | None] = [None, *(int(k) for k in args.ks.split(","))]
    envs = {None: LLMPruneEnv(workbench=full)}
    for k in names[1:]:  # same student and pruner; only the cached teacher differs
        bench = Workbench(
            settings.replace(student=full.student, teacher_topk=k), pruner=full.pruner
        )
        envs[k] = LLMPruneEnv(workbench=bench)
    env = envs[None]
    rng = np.random.default_rng(args.seed)
    episodes = rng.integers(
        0, len(settings.ratio_grid), (args.plans, env.num_layers, env.num_modules)
    )
    for k in names:  # warm-up: one untimed episode each
        play(envs[k], episodes[0])
    kls = {k: [] for k in names}
    seconds = {k: [] for k in names}
    for actions in episodes:
        for k in names:
            kl, wall = play(envs[k], actions)
            kls[k].append(kl)
            seconds[k].append(wall)
    batch = list(range(full.batch_size))
    step_ms = {k: kl_step_ms(envs[k].workbench.calibration, batch, args.kl_repeats) for k in names}
    reference = np.array(kls[None])
    rows = []
    for k in names:
        error = np.abs(np.array(kls[k]) / reference - 1)
        rows.append(
            {
                "teacher_topk": "full" if k is None else k,
                "mean_rel_kl_error": f"{error.mean():.3e}",
                "max_rel_kl_error": f"{error.max():.3e}",
                "mean_kl": f"{np.mean(kls[k]):.5f}",
                "teacher_mb": f"{envs[k].workbench.calibration.teacher_bytes / 1e6:.3f}",
                "episode_s": f"{np.mean(seconds[k]):.3f}",
                "episode_s_std": f"{np.std(seconds[k]):.3f}",
                "kl_step_ms": f"{step_ms[k]:.2f}",
            }
        )
    for row in rows:
        print(row)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        with open(args.out / "teacher_topk.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        scored = sum(full.calibration.scored)
        print(f"{platform.processor() or platform.machine()}, {scored} scored tokens")
    return rows


if __name__ == "__main__":
    main()
