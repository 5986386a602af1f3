"""Episodes per second of `LLMPrune-v0` against a naive reference and the one-forward floor.

For each student x device x dtype it times, over the same calibration batch:

- **env**: `gym.make("LLMPrune-v0")` played by a fixed random policy (seeded actions),
  ``reset`` plus ``L`` steps per episode, after a few warm-up episodes;
- **naive**: the episode written the way the BallPy report describes it: a fresh deep
  copy of the student every episode, ``torch.nn.utils.prune.l1_unstructured`` on every
  unit at its step, and the teacher's forward pass recomputed at the end of every
  episode next to the pruned student's (same actions, same scored tokens, so its KL
  should match the env's up to how ties between equal weights are broken);
- **floor**: one forward pass of the student over the batch (eager, and on CUDA also
  replayed from a CUDA graph; the floor is the faster of the two).

It also times **batched plan evaluation** (``Workbench.batch_kls``: K plans per forward,
for each K in ``--batch-plans`` and each pruned-unit matmul in ``--matmuls``), checks
its KLs against one-at-a-time scoring bit for bit, times the **vector env**
(``LLMPruneVectorEnv``: K episodes side by side, their plans scored together at the
end, for each K in ``--vector-envs``; KLs compared with the single env's), and computes
the **hardware
limit** of an episode: its FLOPs (counted by ``torch.utils.flop_counter`` on one
forward of the batch) and bytes (every parameter read once, the pruned units written
once) over the peaks given (defaults: one H200, dense; float32 uses the FP32 peak, or
TF32's where TF32 matmuls are on). ``hardware_ratio`` is time per episode over that
limit; ``batched_hardware_ratio`` is time per plan evaluation at the best K over the
same limit with the unpruned weights' reads shared by the K plans.

It prints a table and, last, ``speedup_vs_naive=X floor_ratio=Y hardware_ratio=Z`` for
the headline configuration (the default student, on CUDA if measured, in float32),
where ``floor_ratio`` is env time per episode / floor time. With ``--out DIR`` it writes
``env_speed.json`` and ``env_speed.csv`` there. With float32 and bfloat16 both measured,
it reports how far the bfloat16 episodes' KL lies from the float32 ones (same actions);
``--autocast-check`` also measures the forward alone in bfloat16 (autocast, same
tokens, same pruned weights) and, on CUDA, with TF32 matmuls against float32: KL error
and forward time. Every row also records whether a CUDA
graph episode's KL equals the eager one's bit for bit and whether ``reset`` restored
the weights exactly, and the memory of one env copy (RSS, CUDA).

Env, naive and floor run in interleaved rounds and report medians, so that a machine
shared with other jobs slows all three alike. On an oversubscribed CPU use
``--threads 1``: two OpenMP threads that keep being descheduled ran 4x slower here.

    python bench/env_speed.py --students stub,smollm2 --devices cpu --threads 1 \
        --out results/speed/cpu
    bash bench/device_speed.sh "$OUT" smollm2   # the GPU run (see that script)
"""

from __future__ import annotations

import argparse
import copy
import csv
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
import transformers
from torch.nn.utils import prune

import llm_prune_gym
from llm_prune_gym.batched import tf32_matmuls
from llm_prune_gym.generation import chat_token_ids
from llm_prune_gym.prompts import load_prompts
from llm_prune_gym.students import decoder_layers, find_linear, load_student, torch_dtype


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_devices = "cpu,cuda" if torch.cuda.is_available() else "cpu"
    parser.add_argument("--students", default="stub,smollm2", help="comma-separated specs")
    parser.add_argument("--devices", default=default_devices, help="comma-separated devices")
    parser.add_argument("--dtypes", default="float32", help="float32 and/or bfloat16")
    parser.add_argument("--batch-size", type=int, default=8, help="calibration prompts")
    parser.add_argument("--prompt-tokens", type=int, default=64, help="prompt length cap")
    parser.add_argument("--answer-tokens", type=int, default=32, help="scored answer tokens")
    parser.add_argument("--episodes", type=int, default=20, help="timed env episodes")
    parser.add_argument("--warmup", type=int, default=3, help="untimed env episodes first")
    parser.add_argument("--naive-episodes", type=int, default=3, help="timed naive episodes")
    parser.add_argument("--floor-repeats", type=int, default=10, help="timed floor passes")
    parser.add_argument("--autocast-check", action="store_true", help="bf16 forward vs fp32")
    parser.add_argument("--seed", type=int, default=0, help="seeds the random policy")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--headline", help="student of the last line (default: the first)")
    parser.add_argument(
        "--batch-plans", default="1,8,32,128", help="plans per forward (K) for Workbench.batch_kls"
    )
    parser.add_argument("--batched-repeats", type=int, default=3, help="timed calls per K")
    parser.add_argument(
        "--matmuls",
        default="loop,bmm",
        help="batched scoring's matmuls (llm_prune_gym.settings.BATCH_MATMULS)",
    )
    parser.add_argument(
        "--vector-envs",
        default="8,32",
        help="K episodes side by side (LLMPruneVectorEnv); '' skips",
    )
    parser.add_argument("--vector-rounds", type=int, default=2, help="timed rounds of K episodes")
    parser.add_argument("--peak-tflops-fp32", type=float, default=67.0, help="dense float32")
    parser.add_argument("--peak-tflops-tf32", type=float, default=495.0, help="dense TF32")
    parser.add_argument("--peak-tflops-bf16", type=float, default=989.0, help="dense bfloat16")
    parser.add_argument("--peak-tbps", type=float, default=4.8, help="memory bandwidth, TB/s")
    parser.add_argument("--out", type=Path, help="folder for env_speed.json / .csv")
    return parser.parse_args(argv)


# -- helpers ------------------------------------------------------------------------


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


def rss_mb() -> float:
    """Resident memory of this process now (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cuda_mb(device: str) -> float:
    return torch.cuda.memory_allocated(device) / 2**20 if device.startswith("cuda") else 0.0


def cropped_prompts(tokenizer, count: int, max_tokens: int) -> list[list[dict]]:
    """The first `count` built-in prompts as one user message, cut to `max_tokens` in all.

    The system message is dropped and the user's text cut from the end, so the chat
    template's own tokens fit too; lengths are reported, not assumed.
    """
    prompts = []
    for messages in load_prompts("builtin:train")[:count]:
        content = messages[-1]["content"]
        ids = tokenizer(content, add_special_tokens=False)["input_ids"]
        keep = len(ids)
        while True:
            cropped = [{"role": "user", "content": tokenizer.decode(ids[:keep])}]
            excess = len(chat_token_ids(tokenizer, cropped)) - max_tokens
            if excess <= 0 or keep <= 1:
                break
            keep = max(1, keep - excess)
        prompts.append(cropped)
    return prompts


def scored_logprobs(model, calibration, indices, inputs=None) -> list[torch.Tensor]:
    """`model`'s next-token log-probs at each sequence's scored tokens (like CalibrationSet)."""
    inputs = calibration.inputs(indices) if inputs is None else inputs
    keep = max(calibration.scored[i] for i in indices) + 1
    logits = model(**inputs, logits_to_keep=keep, use_cache=False).logits
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    scored = [calibration.scored[i] for i in indices]
    return [logprobs[row, keep - 1 - n : keep - 1] for row, n in enumerate(scored)]


def kl_of(teacher: list[torch.Tensor], student: list[torch.Tensor]) -> float:
    """KL(teacher || student) per scored token over the batch."""
    total = sum(float((t.exp() * (t - s)).sum()) for t, s in zip(teacher, student, strict=True))
    return total / sum(len(t) for t in teacher)


# -- the three things timed ---------------------------------------------------------


def play_env(env: gym.Env, plans: np.ndarray, samples: dict) -> None:
    """Play each plan [L, K] as one episode of `env`, appending wall times (s) to `samples`."""
    for plan in plans:
        start = time.perf_counter()
        env.reset(seed=0)
        after_reset = time.perf_counter()
        for action in plan[:-1]:
            env.step(action)
        after_steps = time.perf_counter()
        *_, terminated, _, info = env.step(plan[-1])  # ends with the KL's host sync
        end = time.perf_counter()
        assert terminated
        samples["env"].append(end - start)
        samples["reset"].append(after_reset - start)
        samples["step"].append((after_steps - after_reset) / max(1, len(plan) - 1))
        samples["terminal"].append(end - after_steps)
        samples["env_kl"].append(info["kl"])


@torch.no_grad()
def naive_episode(base, calibration, indices, plan, grid, modules) -> float:
    """One episode the naive way; returns its KL (the reward's other terms are host math)."""
    student = copy.deepcopy(base)
    for layer, action in zip(decoder_layers(student), plan, strict=True):
        for name, index in zip(modules, action, strict=True):
            prune.l1_unstructured(find_linear(layer, name), "weight", amount=float(grid[index]))
    teacher = scored_logprobs(base, calibration, indices)
    kl = kl_of(teacher, scored_logprobs(student, calibration, indices))
    del student
    return kl


def play_naive(env: gym.Env, plans: np.ndarray, device: str, samples: dict) -> None:
    """The naive episodes of `plans` on the env's (unpruned) model and calibration batch."""
    unwrapped = env.unwrapped
    for plan in plans:
        synchronize(device)
        start = time.perf_counter()
        kl = naive_episode(
            unwrapped.workbench.model,
            unwrapped.workbench.calibration,
            unwrapped.batch,
            plan,
            unwrapped.ratio_grid,
            unwrapped.workbench.modules,
        )
        synchronize(device)
        samples["naive"].append(time.perf_counter() - start)
        samples["naive_kl"].append(kl)


class Floor:
    """One forward pass over the batch: eager, and on CUDA replayed from a CUDA graph."""

    def __init__(self, model, calibration, indices, device: str) -> None:
        self.device = device
        inputs = calibration.inputs(indices)
        keep = max(calibration.scored[i] for i in indices) + 1
        self.variants = {
            "floor_eager": lambda: model(**inputs, logits_to_keep=keep, use_cache=False),
        }
        self.error = None
        if device.startswith("cuda"):
            try:
                self.variants["floor_graph"] = _graphed(model, inputs, keep)
            except Exception as error:  # report it, don't fail the whole benchmark
                self.error = f"{type(error).__name__}: {error}"[:300]
        for forward in self.variants.values():
            with torch.no_grad():
                forward()  # warm-up

    @torch.no_grad()
    def time(self, repeats: int, samples: dict) -> None:
        for name, forward in self.variants.items():
            for _ in range(repeats):
                synchronize(self.device)
                start = time.perf_counter()
                forward()
                synchronize(self.device)
                samples[name].append(time.perf_counter() - start)


def _graphed(model, inputs: dict, keep: int):
    """The forward over `inputs` captured as a CUDA graph (mask taken from the eager pass)."""
    from llm_prune_gym.calibration import layer_attention_mask

    inputs = dict(inputs)
    with torch.no_grad():
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            mask = layer_attention_mask(model, inputs)
            if mask is not None:
                inputs["attention_mask"] = mask
            model(**inputs, logits_to_keep=keep, use_cache=False)
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            model(**inputs, logits_to_keep=keep, use_cache=False)
    return graph.replay


def exactness(env: gym.Env, plan: np.ndarray, fast_kl: float) -> dict:
    """Does the fast path (CUDA graphs) give the eager path's KL, and reset the originals?"""
    unwrapped, result = env.unwrapped, {}
    pruner, calibration = unwrapped.workbench.pruner, unwrapped.workbench.calibration
    if hasattr(pruner, "cuda_graphs") and hasattr(calibration, "cuda_graphs"):
        pruner.cuda_graphs = calibration.cuda_graphs = False
        samples: dict[str, list] = defaultdict(list)
        play_env(env, plan[None], samples)
        result["graph_vs_eager_kl_equal"] = samples["env_kl"][0] == fast_kl
        pruner.cuda_graphs = calibration.cuda_graphs = True
    env.reset(seed=0)
    units = [unit for layer in pruner.layers for unit in layer]
    pairs = zip(units, pruner.originals, strict=True)
    result["reset_bit_exact"] = all(torch.equal(u.weight, o) for u, o in pairs)
    return result


def _median_ms(function, device: str, repeats: int = 5) -> float:
    function()  # warm-up: kernels chosen for this precision
    times = []
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        function()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


@torch.no_grad()
def autocast_check(env, actions: np.ndarray, device: str) -> dict:
    """The pruned forward's KL in reduced precision vs float32, and its time, per plan.

    bf16: autocast, teacher and student both in bf16 (same tokens, same pruned weights).
    TF32 (CUDA only): the student's eager forward with TF32 matmuls against the float32
    teacher and the same forward in float32, and both forwards' times. The issue's bar:
    within 1% of float32.
    """
    unwrapped = env.unwrapped
    workbench, indices = unwrapped.workbench, unwrapped.batch
    calibration, pruner = workbench.calibration, workbench.pruner
    autocast = torch.autocast(device.split(":")[0], dtype=torch.bfloat16)
    pruner.restore()
    with autocast:
        teacher = scored_logprobs(workbench.model, calibration, indices)
    teacher32 = scored_logprobs(workbench.model, calibration, indices)  # float32, eager
    errors, tf32_errors = [], []
    for plan in actions:
        pruner.apply(unwrapped.ratio_grid[plan].tolist())
        exact = calibration.kl(indices).mean
        with autocast:
            low = kl_of(teacher, scored_logprobs(workbench.model, calibration, indices))
        errors.append(abs(low - exact) / exact)
        if device.startswith("cuda"):  # eager: the env's CUDA graph keeps its fp32 kernels
            eager = kl_of(teacher32, scored_logprobs(workbench.model, calibration, indices))
            with tf32_matmuls():
                tf32 = kl_of(teacher32, scored_logprobs(workbench.model, calibration, indices))
            tf32_errors.append(abs(tf32 - eager) / eager)
    result = {
        "autocast_bf16_kl_rel_err_max": max(errors),
        "autocast_bf16_kl_rel_err_mean": float(np.mean(errors)),
    }
    if tf32_errors:

        def forward() -> None:
            kl_of(teacher32, scored_logprobs(workbench.model, calibration, indices))

        result["tf32_kl_rel_err_max"] = max(tf32_errors)
        result["tf32_kl_rel_err_mean"] = float(np.mean(tf32_errors))
        result["fp32_forward_kl_ms"] = _median_ms(forward, device)
        with tf32_matmuls():
            result["tf32_forward_kl_ms"] = _median_ms(forward, device)
    pruner.restore()
    return result


# -- batched plan evaluation and the hardware limit ----------------------------------


def time_batched(env: gym.Env, plans: np.ndarray, device: str, args) -> dict:
    """Plan evaluations/s of `Workbench.batch_kls` at each K and matmul, and its exactness.

    Each timed call scores K of the benchmark's plans (cycled; K plans per forward)
    after one warm-up call; the figure is K over the median call time. A K that fails
    (out of memory) records its error and the larger ones are skipped.
    """
    unwrapped, result = env.unwrapped, {}
    workbench, batch = unwrapped.workbench, unwrapped.batch
    ratios = unwrapped.ratio_grid[plans]
    single = [workbench.kl(r, batch).mean for r in ratios[:8]]
    for matmul in args.matmuls.split(","):
        result.update(_time_matmul(workbench, batch, ratios, single, matmul, device, args))
    return result


def _time_matmul(workbench, batch, ratios, single, name, device, args) -> dict:
    """One matmul of `time_batched` (a ``-tf32`` one scores under TF32 matmuls)."""
    result = {}
    kls = [r.mean for r in workbench.batch_kls(ratios[:8], batch, len(ratios[:8]), name)]
    result[f"batched_{name}_kl_equal"] = kls == single
    rel = np.abs(np.array(kls) - np.array(single)) / np.array(single)
    result[f"batched_{name}_kl_rel_diff_max"] = float(rel.max())
    for k in (int(k) for k in args.batch_plans.split(",")):
        chosen = ratios[np.arange(k) % len(ratios)]
        try:
            times = []
            for _ in range(args.batched_repeats + 1):  # the first is a warm-up
                synchronize(device)
                start = time.perf_counter()
                workbench.batch_kls(chosen, batch, k, name)
                synchronize(device)
                times.append(time.perf_counter() - start)
            result[f"evals_per_s_{name}_K{k}"] = k / statistics.median(times[1:])
        except Exception as error:  # out of memory at a large K: report, go on
            result[f"batched_{name}_K{k}_error"] = f"{type(error).__name__}: {error}"[:300]
            if device.startswith("cuda"):
                torch.cuda.empty_cache()
            break
    return result


def time_vector_env(env: gym.Env, timed: np.ndarray, reference: list, device: str, args) -> dict:
    """Episodes/s of `LLMPruneVectorEnv` with K episodes side by side, for each K.

    The vector env shares the env's workbench (its weights are never written); each
    round resets and plays K of the timed plans to their end, where the K finished
    plans are scored in one batched pass (``--matmuls``' first). Its KLs are compared
    with the single env's for the same plans (`reference`, in the order of `timed`).
    """
    from llm_prune_gym.vector import LLMPruneVectorEnv

    unwrapped, result = env.unwrapped, {}
    unwrapped.workbench.restore()
    matmul = args.matmuls.split(",")[0]
    for k in (int(k) for k in args.vector_envs.split(",") if k):
        chosen = np.arange(k) % len(timed)
        try:
            vector = LLMPruneVectorEnv(
                k, workbench=unwrapped.workbench, max_batch_plans=k, matmul=matmul
            )
            times, kls = [], None
            for _ in range(args.vector_rounds + 1):  # the first is a warm-up
                synchronize(device)
                start = time.perf_counter()
                vector.reset(seed=0)
                for layer in range(unwrapped.num_layers):
                    *_, terminated, _, infos = vector.step(timed[chosen, layer])
                synchronize(device)
                times.append(time.perf_counter() - start)
                assert terminated.all()
                kls = infos["kl"]
            result[f"vector_eps_per_s_K{k}"] = k / statistics.median(times[1:])
            count = min(k, len(reference))
            rel = np.abs(kls[:count] - np.array(reference[:count])) / np.array(reference[:count])
            result[f"vector_K{k}_kl_equal"] = bool(np.all(kls[:count] == reference[:count]))
            result[f"vector_K{k}_kl_rel_diff_max"] = float(rel.max())
        except Exception as error:  # out of memory at a large K: report, go on
            result[f"vector_K{k}_error"] = f"{type(error).__name__}: {error}"[:300]
            if device.startswith("cuda"):
                torch.cuda.empty_cache()
            break
    return result


@torch.no_grad()
def episode_work(env: gym.Env) -> dict:
    """FLOPs of the terminal forward (counted) and bytes an episode must move at least."""
    from torch.utils.flop_counter import FlopCounterMode

    workbench, batch = env.unwrapped.workbench, env.unwrapped.batch
    calibration = workbench.calibration
    inputs = calibration.model_inputs(batch)
    keep = max(calibration.scored[i] for i in batch) + 1
    with FlopCounterMode(display=False) as counter:
        workbench.model(**inputs, logits_to_keep=keep, use_cache=False)
    parameters = list(workbench.model.parameters())  # tied weights once
    all_bytes = sum(p.numel() * p.element_size() for p in parameters)
    pruned_bytes = sum(o.numel() * o.element_size() for o in workbench.pruner.originals)
    return {
        "episode_gflop": counter.get_total_flops() / 1e9,
        "episode_weight_mb": all_bytes / 1e6,
        "episode_pruned_mb": pruned_bytes / 1e6,
    }


def hardware_limits(row: dict, args: argparse.Namespace) -> dict:
    """Time bounds of an episode and of a batched plan evaluation at the given peaks."""
    if row["dtype"] == "bfloat16":
        peak, which = args.peak_tflops_bf16, "bf16"
    elif row["device"].startswith("cuda") and torch.backends.cuda.matmul.allow_tf32:
        peak, which = args.peak_tflops_tf32, "tf32"
    else:
        peak, which = args.peak_tflops_fp32, "fp32"
    compute_s = row["episode_gflop"] * 1e9 / (peak * 1e12)
    bandwidth = args.peak_tbps * 1e12
    episode_bytes = (row["episode_weight_mb"] + row["episode_pruned_mb"]) * 1e6
    limit = {"peak_used": f"{which} {peak:g} TFLOP/s, {args.peak_tbps:g} TB/s"}
    limit["episode_limit_ms"] = 1e3 * max(compute_s, episode_bytes / bandwidth)
    limit["hardware_ratio"] = row["env_ms"] / limit["episode_limit_ms"]
    # the target is float32-exact: TF32 kernels ("-tf32") are reported, not ranked here
    rates = {k: v for k, v in row.items() if k.startswith("evals_per_s_") and "-tf32" not in k}
    if rates:
        best = max(rates, key=rates.get)
        k = int(best.rsplit("_K", 1)[1])
        unpruned = row["episode_weight_mb"] - row["episode_pruned_mb"]
        plan_bytes = (unpruned / k + 2 * row["episode_pruned_mb"]) * 1e6  # masked: write, read
        plan_limit_s = max(compute_s, plan_bytes / bandwidth)
        limit["best_batched"] = best.removeprefix("evals_per_s_")
        limit["batched_hardware_ratio"] = 1.0 / (rates[best] * plan_limit_s)
    return limit


# -- one configuration --------------------------------------------------------------


def measure(spec: str, device: str, dtype: str, args: argparse.Namespace) -> dict:
    """All figures of one configuration; env, floor and naive run in interleaved rounds.

    Interleaving makes the three share whatever else loads the machine (a shared CPU
    varies several-fold within a minute); figures are medians over the rounds' samples.
    """
    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    row: dict = {"student": spec, "device": device, "dtype": dtype}
    rss0, cuda0 = rss_mb(), cuda_mb(device)
    student = load_student(spec, device=device, dtype=torch_dtype(dtype))
    row["model_rss_mb"], row["model_cuda_mb"] = rss_mb() - rss0, cuda_mb(device) - cuda0
    prompts = cropped_prompts(student.tokenizer, args.batch_size, args.prompt_tokens)
    env = gym.make(
        llm_prune_gym.ENV_ID,
        student=student,
        prompts=prompts,
        batch_size=args.batch_size,
        answer_tokens=args.answer_tokens,
        device=device,
        dtype=dtype,
    )
    unwrapped = env.unwrapped
    row["env_rss_mb"], row["env_cuda_mb"] = rss_mb() - rss0, cuda_mb(device) - cuda0
    calibration, batch = unwrapped.workbench.calibration, unwrapped.batch
    lengths = [len(calibration.sequences[i]) for i in batch]
    row["batch"] = len(lengths)
    row["seq_tokens_mean"] = float(np.mean(lengths))
    row["seq_tokens_max"] = max(lengths)
    row["scored_tokens"] = sum(calibration.scored[i] for i in batch)

    rng = np.random.default_rng(args.seed)  # the fixed random policy
    shape = (unwrapped.num_layers, unwrapped.num_modules)
    plans = rng.integers(0, len(unwrapped.ratio_grid), (args.warmup + args.episodes, *shape))
    samples: dict[str, list] = defaultdict(list)
    play_env(env, plans[: args.warmup], defaultdict(list))  # warm-up: caches, CUDA graphs
    row["env_rss_warm_mb"] = rss_mb() - rss0  # one env copy after episodes, before the naive
    if device.startswith("cuda"):
        row["env_cuda_peak_mb"] = torch.cuda.max_memory_allocated(device) / 2**20 - cuda0
    env.reset(seed=0)  # unpruned, for the floor and the naive reference
    floor = Floor(unwrapped.workbench.model, calibration, batch, device)
    if floor.error:
        row["floor_graph_error"] = floor.error

    timed = plans[args.warmup :]
    rounds = max(1, args.naive_episodes)
    for chunk, naive_plans in zip(
        np.array_split(timed, rounds),
        np.array_split(timed[: args.naive_episodes], rounds),
        strict=True,
    ):
        play_env(env, chunk, samples)
        env.reset(seed=0)
        floor.time(max(1, args.floor_repeats // rounds), samples)
        play_naive(env, naive_plans, device, samples)
    row["env_rss_after_mb"] = rss_mb() - rss0

    for name in ("env", "floor_eager", "floor_graph", "naive"):
        if samples[name]:
            row[f"{name}_ms"] = 1e3 * statistics.median(samples[name])
    for name in ("reset", "step", "terminal"):
        row[f"{name}_ms"] = 1e3 * statistics.median(samples[name])
    row["env_mean_ms"] = 1e3 * statistics.fmean(samples["env"])
    row["env_eps_per_s"] = 1e3 / row["env_ms"]
    row["floor_ms"] = min(row.get("floor_graph_ms", np.inf), row["floor_eager_ms"])
    row["speedup_vs_naive"] = row["naive_ms"] / row["env_ms"]
    row["floor_ratio"] = row["env_ms"] / row["floor_ms"]
    row["kls"] = samples["env_kl"]
    env_kls = np.array(samples["env_kl"][: args.naive_episodes])
    rel = np.abs(np.array(samples["naive_kl"]) - env_kls) / env_kls
    row["naive_kl_rel_diff_max"], row["naive_kl_rel_diff_mean"] = map(
        float, (rel.max(), rel.mean())
    )
    row.update(exactness(env, timed[0], samples["env_kl"][0]))
    phase = time.perf_counter()
    row.update(time_batched(env, plans, device, args))
    row["batched_seconds"] = time.perf_counter() - phase
    phase = time.perf_counter()
    row.update(time_vector_env(env, timed, samples["env_kl"], device, args))
    row["vector_seconds"] = time.perf_counter() - phase
    row.update(episode_work(env))
    row.update(hardware_limits(row, args))
    if args.autocast_check and dtype == "float32":
        row.update(autocast_check(env, timed[:4], device))
    row["load_avg_1min"] = os.getloadavg()[0]
    env.close()
    del env, unwrapped, student, floor
    return row


# -- reporting ----------------------------------------------------------------------

COLUMNS = (
    ("student", "{}"),
    ("device", "{}"),
    ("dtype", "{}"),
    ("batch", "{}"),
    ("seq_tokens_mean", "{:.0f}"),
    ("env_eps_per_s", "{:.2f}"),
    ("env_ms", "{:.1f}"),
    ("step_ms", "{:.3f}"),
    ("terminal_ms", "{:.1f}"),
    ("floor_eager_ms", "{:.1f}"),
    ("floor_graph_ms", "{:.1f}"),
    ("naive_ms", "{:.1f}"),
    ("speedup_vs_naive", "{:.1f}"),
    ("floor_ratio", "{:.2f}"),
    ("hardware_ratio", "{:.0f}"),
)


def table(rows: list[dict]) -> str:
    cells = [[name for name, _ in COLUMNS]]
    for row in rows:
        cells.append([fmt.format(row[k]) if k in row else "-" for k, fmt in COLUMNS])
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells)


def bf16_agreement(rows: list[dict]) -> list[dict]:
    """Relative KL difference of bf16 episodes from fp32 ones (same student, device, actions)."""
    found = []
    for low in (r for r in rows if r["dtype"] == "bfloat16" and "kls" in r):
        for high in rows:
            if (high["student"], high["device"], high["dtype"]) == (
                low["student"],
                low["device"],
                "float32",
            ) and "kls" in high:
                a, b = np.array(low["kls"]), np.array(high["kls"])
                rel = np.abs(a - b) / b
                low["bf16_vs_fp32_kl_rel_diff_max"] = float(rel.max())
                low["bf16_vs_fp32_kl_rel_diff_mean"] = float(rel.mean())
                found.append(low)
    return found


def accuracy_lines(rows: list[dict]) -> list[str]:
    """How far the fast paths' KL lies from the reference's, one line per check."""
    lines = []
    for row in rows:
        where = f"{row['student']} on {row['device']} in {row['dtype']}"
        checks = (
            ("naive_kl_rel_diff", "naive vs env KL"),
            ("bf16_vs_fp32_kl_rel_diff", "bf16 env vs fp32 env KL"),
            ("autocast_bf16_kl_rel_err", "bf16 (autocast) forward vs fp32 KL"),
        )
        for key, what in checks:
            if f"{key}_max" in row:
                mean = row.get(f"{key}_mean", float("nan"))
                lines.append(
                    f"{what}, {where}: max rel. diff {row[f'{key}_max']:.2e}, mean {mean:.2e}"
                )
    return lines


def batched_line(row: dict) -> str:
    """Episodes/s, plan evaluations/s per K and matmul, exactness and hardware ratios."""
    rates = " ".join(
        f"{key.removeprefix('evals_per_s_')}={value:.1f}"
        for key, value in row.items()
        if key.startswith("evals_per_s_")
    )
    exact = " ".join(
        f"{key.removeprefix('batched_')}={value}"
        for key, value in row.items()
        if key.startswith("batched_") and key.endswith("_kl_equal")
    )
    vector = " ".join(
        f"K{key.rsplit('_K', 1)[1]}={value:.1f}"
        for key, value in row.items()
        if key.startswith("vector_eps_per_s_")
    )
    return (
        f"episodes_per_s={row['env_eps_per_s']:.1f} vector_env_episodes_per_s: {vector or '-'}; "
        f"plan_evals_per_s: {rates}; {exact}; "
        f"limit {row['episode_limit_ms']:.3f} ms/episode ({row['peak_used']}); "
        f"batched_hardware_ratio={row.get('batched_hardware_ratio', float('nan')):.1f} "
        f"at {row.get('best_batched', '-')}"
    )


def headline(rows: list[dict], student: str) -> dict | None:
    measured = [r for r in rows if "env_ms" in r and "naive_ms" in r]
    for wanted in (
        lambda r: (
            r["student"] == student and r["device"].startswith("cuda") and r["dtype"] == "float32"
        ),
        lambda r: r["student"] == student and r["dtype"] == "float32",
        lambda r: r["student"] == student,
        lambda r: True,
    ):
        chosen = [r for r in measured if wanted(r)]
        if chosen:
            return chosen[0]
    return None


def write(rows: list[dict], args: argparse.Namespace, argv: list[str]) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {
        "command": " ".join(["python", "bench/env_speed.py", *argv]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpu_threads": torch.get_num_threads(),
        "cuda_device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "package": str(Path(llm_prune_gym.__file__).parent),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
    }
    (args.out / "env_speed.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    keys = [k for k in dict.fromkeys(k for row in rows for k in row) if k != "kls"]
    with open(args.out / "env_speed.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    args.headline = args.headline or args.students.split(",")[0]
    rows, began = [], time.perf_counter()  # the whole run should fit a device call
    for spec in args.students.split(","):
        for device in args.devices.split(","):
            for dtype in args.dtypes.split(","):
                print(f"measuring {spec} on {device} in {dtype} ...", flush=True)
                start = time.perf_counter()
                try:
                    rows.append(measure(spec, device, dtype, args))
                    rows[-1]["measure_seconds"] = time.perf_counter() - start
                    print(f"  done in {rows[-1]['measure_seconds']:.0f} s", flush=True)
                except Exception as error:  # one failing configuration must not hide the rest
                    print(f"  failed: {type(error).__name__}: {error}", flush=True)
                    rows.append(
                        {"student": spec, "device": device, "dtype": dtype, "error": str(error)}
                    )
    print(f"measured in {time.perf_counter() - began:.0f} s", flush=True)
    bf16_agreement(rows)
    for line in accuracy_lines(rows):
        print(line)
    if args.out:
        write(rows, args, argv)
    print(table(rows))
    best = headline(rows, args.headline)
    if best is None:
        print("speedup_vs_naive=nan floor_ratio=nan")
        return 1
    print(f"headline: {best['student']} on {best['device']} in {best['dtype']}")
    print(batched_line(best))
    print(
        f"speedup_vs_naive={best['speedup_vs_naive']:.2f} floor_ratio={best['floor_ratio']:.2f} "
        f"hardware_ratio={best['hardware_ratio']:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
