"""Which batched scoring path gives one-at-a-time scoring's KLs bit for bit, and how fast.

For K random plans (seeded) on one calibration batch, each candidate path scores
them together and one at a time, *as that path defines one-at-a-time scoring*, and
reports the largest |difference| of the KLs, whether they are equal bit for bit, the
largest |difference| from the env's own one-plan KL (weights pruned in place,
``Workbench.kl``), and plans/s batched and alone:

- ``loop``, ``bmm``: :mod:`llm_prune_gym.batched` (K plans in one forward; the pruned
  units per plan or as one bmm, everything else shared); alone = ``Workbench.kl``.
- ``fixed-loop``, ``fixed-bmm``: the same with every forward padded to a fixed chunk
  of plans (``--chunk``, unpruned fillers); alone = the same call with one plan, so
  the shapes and kernels are the same and only a plan's position in the batch differs.
- ``sequential``: :class:`llm_prune_gym.sequential.SequentialPlans` (each plan through
  the one-plan path in turn, in place; on CUDA all K captured as one CUDA graph);
  alone = ``Workbench.kl``.

On the CPU the batched paths are bit-equal by design (tests check it); the question
is the GPU. Run on the GPU machine:

    python bench/cuda_exact.py --student PATH.gguf --device cuda --plans 32 --out DIR/x.json
    python bench/cuda_exact.py --student stub --device cpu --plans 8 --out /tmp/x.json  # here
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ helpers
from env_speed import cropped_prompts, synchronize  # noqa: E402

from llm_prune_gym import Workbench  # noqa: E402
from llm_prune_gym.batched import plan_counts  # noqa: E402
from llm_prune_gym.sequential import SequentialPlans  # noqa: E402
from llm_prune_gym.students import load_student, torch_dtype  # noqa: E402

PATHS = ("loop", "bmm", "fixed-loop", "fixed-bmm", "sequential")
Scorer = Callable[[torch.Tensor], list[float]]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_device = "cuda" if torch.cuda.is_available() else "cpu"
    parser.add_argument("--student", default="stub", help="stub, smollm2 or a .gguf path")
    parser.add_argument("--device", default=default_device)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--plans", type=int, default=32, help="K plans scored together")
    parser.add_argument("--chunk", type=int, default=16, help="plans per forward, fixed paths")
    parser.add_argument("--paths", default=",".join(PATHS), help=f"some of {','.join(PATHS)}")
    parser.add_argument("--batch-size", type=int, default=8, help="calibration prompts")
    parser.add_argument("--prompt-tokens", type=int, default=64, help="prompt length cap")
    parser.add_argument("--answer-tokens", type=int, default=32, help="scored answer tokens")
    parser.add_argument("--max-ratio", type=float, default=0.3, help="plans' ratios: U(0, this)")
    parser.add_argument("--repeats", type=int, default=3, help="timed batched calls per path")
    parser.add_argument("--seed", type=int, default=0, help="seeds the plans")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    args = parser.parse_args(argv)
    unknown = set(args.paths.split(",")) - set(PATHS)
    if unknown:
        parser.error(f"unknown paths {sorted(unknown)}; choose from {PATHS}")
    if args.plans < 1 or args.chunk < 1:
        parser.error("--plans and --chunk must be at least 1")
    return args


def timed(score: Scorer, counts: torch.Tensor, device: str) -> tuple[list[float], float]:
    """`score(counts)`'s KLs and its wall time (s), the device synchronized around it."""
    synchronize(device)
    start = time.perf_counter()
    kls = score(counts)
    synchronize(device)
    return kls, time.perf_counter() - start


def scorers(workbench: Workbench, batch: list[int], args) -> dict[str, tuple[Scorer, Scorer]]:
    """Per path: (score K plans together, score one plan alone), plans as ``[n, units]``."""
    sizes = workbench.sizes.shape

    def batched(matmul: str, chunk: int, fixed: bool) -> Scorer:
        def score(counts: torch.Tensor) -> list[float]:
            planes = counts.view(len(counts), *sizes).cpu().numpy()
            results = workbench.count_kls(planes, batch, chunk, matmul, fixed_shape=fixed)
            return [r.mean for r in results]

        return score

    def in_place(counts: torch.Tensor) -> list[float]:
        planes = counts.view(len(counts), *sizes).cpu().numpy()
        return [workbench.kl_of_counts(plane.tolist(), batch).mean for plane in planes]

    table: dict[str, tuple[Scorer, Scorer]] = {}
    for matmul in ("loop", "bmm"):
        table[matmul] = (batched(matmul, args.plans, False), in_place)
        fixed = batched(matmul, args.chunk, True)
        table[f"fixed-{matmul}"] = (fixed, fixed)
    if "sequential" in args.paths.split(","):
        sequential = SequentialPlans(
            workbench.calibration, workbench.pruner, batch, args.plans, cuda_graphs=True
        )
        table["sequential"] = (lambda counts: [r.mean for r in sequential.kls(counts)], in_place)
    return table


def measure_path(
    together: Scorer, alone: Scorer, reference: list[float], counts: torch.Tensor, args
) -> dict:
    """One path's exactness (vs its own one-at-a-time and vs in-place) and speed."""
    together(counts)  # warm-up: kernels, CUDA graphs
    runs = [timed(together, counts, args.device) for _ in range(max(1, args.repeats))]
    kls = runs[0][0]
    singles, single_seconds = [], 0.0
    for row in range(len(counts)):
        [kl], seconds = timed(alone, counts[row : row + 1], args.device)
        singles.append(kl)
        single_seconds += seconds
    diff = np.abs(np.array(kls) - np.array(singles))
    return {
        "equal": kls == singles,
        "max_abs_diff": float(diff.max()),
        "max_rel_diff": float((diff / np.maximum(np.abs(singles), 1e-30)).max()),
        "repeat_equal": all(r[0] == kls for r in runs),
        "max_abs_diff_vs_in_place": float(np.abs(np.array(kls) - np.array(reference)).max()),
        "batched_plans_per_s": len(counts) / statistics.median(r[1] for r in runs),
        "single_plans_per_s": len(counts) / single_seconds,
        "kls": kls,
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    student = load_student(args.student, device=args.device, dtype=torch_dtype(args.dtype))
    workbench = Workbench(
        student=student,
        prompts=cropped_prompts(student.tokenizer, args.batch_size, args.prompt_tokens),
        batch_size=args.batch_size,
        answer_tokens=args.answer_tokens,
        device=args.device,
        dtype=args.dtype,
    )
    batch = list(range(workbench.batch_size))
    rng = np.random.default_rng(args.seed)
    ratios = rng.uniform(0.0, args.max_ratio, (args.plans, *workbench.sizes.shape))
    counts = plan_counts(workbench.pruner, list(ratios))
    table = scorers(workbench, batch, args)
    reference = [r.mean for r in (workbench.kl(plan, batch) for plan in ratios)]
    results = {}
    for name in args.paths.split(","):
        print(f"path {name} ...", flush=True)
        try:
            results[name] = measure_path(*table[name], reference, counts, args)
        except Exception as error:  # out of memory, capture failure: report, go on
            results[name] = {"error": f"{type(error).__name__}: {error}"[:400]}
            if args.device.startswith("cuda"):
                torch.cuda.empty_cache()
    report = {
        "meta": {
            "command": " ".join(["python", "bench/cuda_exact.py", *argv]),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": platform.node(),
            "device": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu",
            "torch": torch.__version__,
            "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
            "student": workbench.student.name,
            "plans": args.plans,
            "chunk": args.chunk,
            "batch": len(batch),
            "seq_tokens_max": max(len(workbench.calibration.sequences[i]) for i in batch),
        },
        "in_place_kls": reference,
        "paths": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(
        f"{'path':>11} {'equal':>6} {'max|diff|':>10} {'vs in-place':>11} {'batched/s':>10} "
        f"{'alone/s':>8}"
    )
    for name, row in results.items():
        if "error" in row:
            print(f"{name:>11} error: {row['error']}")
            continue
        print(
            f"{name:>11} {row['equal']!s:>6} {row['max_abs_diff']:>10.3g} "
            f"{row['max_abs_diff_vs_in_place']:>11.3g} {row['batched_plans_per_s']:>10.1f} "
            f"{row['single_plans_per_s']:>8.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
