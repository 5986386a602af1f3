"""Candidate paths for batched scoring that is bit-equal on CUDA too (issue 19), on the stub.

On the CPU every path must give one-at-a-time scoring's bits; the GPU tests (skipped
here) and ``bench/cuda_exact.py`` ask the same on a CUDA device.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from llm_prune_gym import Workbench
from llm_prune_gym.batched import plan_counts
from llm_prune_gym.sequential import SequentialPlans

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = [
    "NameError: name 'total' is not defined",
    "IndexError: list index out of range",
    "TypeError: can only concatenate str (not 'int') to str",
]


def workbench_on(device: str) -> Workbench:
    return Workbench(student="stub", prompts=PROMPTS, batch_size=3, answer_tokens=6, device=device)


@pytest.fixture(scope="module")
def bench() -> Workbench:
    return workbench_on("cpu")


def random_counts(bench: Workbench, count: int, seed: int = 0) -> np.ndarray:
    ratios = np.random.default_rng(seed).uniform(0, 0.3, (count, *bench.sizes.shape))
    flat = plan_counts(bench.pruner, list(ratios)).numpy()
    return flat.reshape(count, *bench.sizes.shape)


def in_place(bench: Workbench, counts: np.ndarray) -> list[float]:
    return [bench.kl_of_counts(plan.tolist(), range(3)).mean for plan in counts]


@pytest.mark.parametrize("matmul", ["loop", "bmm"])
def test_fixed_shape_gives_a_plan_the_same_kl_alone_and_at_any_position(bench, matmul):
    counts = random_counts(bench, 5)  # chunks of 3: the second is filled with one unpruned plan
    together = [r.mean for r in bench.count_kls(counts, range(3), 3, matmul, fixed_shape=True)]
    alone = [
        bench.count_kls(counts[k : k + 1], range(3), 3, matmul, fixed_shape=True)[0].mean
        for k in range(len(counts))
    ]
    assert together == alone and len(set(together)) == len(counts)
    assert together == in_place(bench, counts)  # on the CPU also the in-place bits


def test_sequential_plans_give_the_in_place_kls_and_leave_the_episode_as_it_was(bench):
    counts = random_counts(bench, 5, seed=1)
    bench.prune_layer(0, np.full(bench.num_modules, 0.2))  # an episode in progress
    weights = [unit.weight.clone() for unit in bench.pruner.units]
    try:
        sequential = SequentialPlans(bench.calibration, bench.pruner, range(3), plans=8)
        flat = torch.as_tensor(counts.reshape(len(counts), -1))
        kls = [r.mean for r in sequential.kls(flat)]  # 5 of 8: three unpruned fillers
        assert all(
            torch.equal(u.weight, w) for u, w in zip(bench.pruner.units, weights, strict=True)
        )
    finally:
        bench.restore()
    assert kls == in_place(bench, counts)
    with pytest.raises(ValueError, match="expected 1 to 8 plans"):
        sequential.kls(torch.zeros(9, flat.shape[1], dtype=torch.int32))


def test_the_exactness_benchmark_runs_on_the_cpu(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("cuda_exact", ROOT / "bench" / "cuda_exact.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "exact.json"
    argv = ["--student=stub", "--device=cpu", "--plans=3", "--chunk=2", "--batch-size=2"]
    argv += ["--prompt-tokens=24", "--answer-tokens=4", "--repeats=1", f"--out={out}"]
    assert module.main(argv) == 0
    report = json.loads(out.read_text())
    assert set(report["paths"]) == set(module.PATHS)
    for name, row in report["paths"].items():
        assert row["equal"] and row["max_abs_diff"] == 0.0, name  # the CPU: exact by design
        assert row["batched_plans_per_s"] > 0 and len(row["kls"]) == 3
    assert "sequential" in capsys.readouterr().out


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("path", ["sequential", "fixed-bmm", "fixed-loop"])
def test_the_candidate_paths_are_exact_on_cuda(path):
    bench = workbench_on("cuda")
    counts = random_counts(bench, 6, seed=2)
    if path == "sequential":
        sequential = SequentialPlans(bench.calibration, bench.pruner, range(3), plans=6)
        kls = [r.mean for r in sequential.kls(torch.as_tensor(counts.reshape(6, -1)))]
        assert kls == in_place(bench, counts)
    else:
        matmul = path.removeprefix("fixed-")
        together = [r.mean for r in bench.count_kls(counts, range(3), 4, matmul, fixed_shape=True)]
        alone = [
            bench.count_kls(counts[k : k + 1], range(3), 4, matmul, fixed_shape=True)[0].mean
            for k in range(6)
        ]
        assert together == alone
