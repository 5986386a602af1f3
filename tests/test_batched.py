"""Batched plan evaluation gives one-at-a-time scoring's KLs, bit for bit, and changes no agent."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import agents.search
from agents import make_agent
from agents.base import score_ratios
from evaluation.sensitivity import evaluate_row, module_tables, run_sweeps
from llm_prune_gym import LLMPruneEnv, Workbench
from llm_prune_gym.heldout import HeldOut

PROMPTS = [
    "NameError: name 'total' is not defined",
    "IndexError: list index out of range",
    "TypeError: can only concatenate str (not 'int') to str",
    "ZeroDivisionError: division by zero",
    "KeyError: 'name'",
]


@pytest.fixture(scope="module")
def env() -> LLMPruneEnv:
    """Five prompts in batches of two: scoring all of them takes three forward passes."""
    return LLMPruneEnv(
        student="stub",
        prompts=PROMPTS,
        batch_size=2,
        sampling="sample",
        answer_tokens=8,
        target_sparsity=0.15,
        reward="budget",
    )


def random_plans(env: LLMPruneEnv, count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 0.3, (count, *env.sizes.shape))


def one_at_a_time(env: LLMPruneEnv, plans, indices=None) -> np.ndarray:
    return np.array([env.workbench.kl(plan, indices).mean for plan in plans])


def batched(env: LLMPruneEnv, plans, indices=None, **options) -> np.ndarray:
    return np.array([result.mean for result in env.workbench.batch_kls(plans, indices, **options)])


@pytest.mark.parametrize("max_batch_plans", [1, 4, 16])
def test_batched_kls_equal_one_at_a_time_bit_for_bit(env, max_batch_plans):
    plans = random_plans(env, 9)  # 4 per forward: chunks of 4, 4 and 1
    expected = one_at_a_time(env, plans)
    kls = batched(env, plans, max_batch_plans=max_batch_plans)
    assert kls.dtype == np.float64 and kls.shape == (9,)
    np.testing.assert_array_equal(kls, expected)
    assert len(set(expected.tolist())) == 9  # distinct plans, distinct KLs: nothing is shared


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_batched_kls_match_one_at_a_time_on_cuda():
    """Not bit for bit on CUDA: the shared ops over K x B rows may take other kernels (an
    H200 with torch 2.11 gave 6e-7 relative on this stub, 2026-12-03); the bit-exact CUDA
    path is `fixed_shape` scoring (`bench/cuda_exact.py`)."""
    env = LLMPruneEnv(student="stub", prompts=PROMPTS, batch_size=2, answer_tokens=8, device="cuda")
    plans = random_plans(env, 9)
    expected = one_at_a_time(env, plans)
    np.testing.assert_allclose(batched(env, plans, max_batch_plans=4), expected, rtol=1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_tf32_batched_kls_stay_within_one_percent_on_cuda():
    options = {"student": "stub", "prompts": PROMPTS, "batch_size": 2, "answer_tokens": 8}
    env = LLMPruneEnv(**options, device="cuda", batch_matmul="bmm-tf32")
    plans = random_plans(env, 9)
    np.testing.assert_allclose(batched(env, plans), one_at_a_time(env, plans), rtol=0.01)
    assert torch.get_float32_matmul_precision() == "highest"


def test_sums_and_counts_per_sequence_match_and_a_subset_of_prompts_works(env):
    plans = random_plans(env, 3, seed=1)
    indices = [4, 1, 3]  # batches [4, 1] and [3], as `kl` feeds them
    results = env.workbench.batch_kls(plans, indices, 2)
    for plan, result in zip(plans, results, strict=True):
        single = env.workbench.kl(plan, indices)
        assert result.sums == single.sums and result.counts == single.counts
        assert result.mean == single.mean


def test_one_batched_matmul_per_unit_agrees_too(env):
    plans = random_plans(env, 5, seed=2)
    results = env.workbench.batch_kls(plans, range(5), 8, matmul="bmm")
    expected = one_at_a_time(env, plans)
    # exact with this CPU's kernels; other BLAS builds may order the sums differently
    np.testing.assert_allclose([r.mean for r in results], expected, rtol=1e-6, atol=0)


def test_the_settings_batch_matmul_is_the_default_and_tf32_restores_the_precision():
    """`batch_matmul` picks batch_kls' matmul; a -tf32 one scores under TF32 matmuls (a
    no-op on the CPU, so the same bits as without) and puts torch's precision back."""
    options = {"student": "stub", "prompts": PROMPTS, "batch_size": 2, "answer_tokens": 8}
    plans = random_plans(LLMPruneEnv(**options), 4, seed=5)
    kls = {
        name: batched(LLMPruneEnv(**options, batch_matmul=name), plans)
        for name in ("loop", "bmm", "bmm-tf32", "loop-tf32")
    }
    np.testing.assert_array_equal(kls["loop-tf32"], kls["loop"])
    np.testing.assert_array_equal(kls["bmm-tf32"], kls["bmm"])
    assert torch.get_float32_matmul_precision() == "highest"
    seen = []
    with pytest.MonkeyPatch.context() as patch:
        original = torch.set_float32_matmul_precision
        patch.setattr(
            torch, "set_float32_matmul_precision", lambda p: seen.append(p) or original(p)
        )
        batched(LLMPruneEnv(**options, batch_matmul="bmm-tf32"), plans[:1])
    assert seen == ["high", "highest"]
    with pytest.raises(ValueError, match="batch_matmul"):
        LLMPruneEnv(**options, batch_matmul="tf32")


def test_plans_may_be_pruning_plans_and_an_episode_in_progress_is_untouched(env):
    plans = random_plans(env, 2, seed=3)
    actions = np.random.default_rng(4).integers(0, 31, (env.num_layers, env.num_modules))

    def episode(interrupt: bool) -> float:
        env.reset(seed=5)
        for layer, action in enumerate(actions):
            if interrupt and layer == 2:
                units = env.workbench.pruner.units
                weights = [unit.weight.clone() for unit in units]
                as_plans = [env.workbench.plan(p) for p in plans]
                np.testing.assert_array_equal(batched(env, as_plans), batched(env, plans))
                one = env.workbench.kl(plans[0])  # prunes, scores, puts the episode back
                assert one.mean == batched(env, plans[:1])[0]
                assert all(
                    torch.equal(unit.weight, w) for unit, w in zip(units, weights, strict=True)
                )
            *_, info = env.step(action)
        return info["kl"]

    assert episode(interrupt=True) == episode(interrupt=False)


def test_bad_plans_are_refused_with_one_line(env):
    too_few_layers = np.zeros((env.num_layers - 1, env.num_modules))
    with pytest.raises(ValueError, match="expected ratios for"):
        batched(env, [too_few_layers])
    with pytest.raises(ValueError, match="outside"):
        batched(env, [np.full(env.sizes.shape, 1.5)])
    with pytest.raises(ValueError, match="max_batch_plans"):
        batched(env, random_plans(env, 1), max_batch_plans=0)
    with pytest.raises(ValueError, match="matmul"):
        batched(env, random_plans(env, 1), [0], matmul="x")
    assert batched(env, []).shape == (0,)
    units = env.workbench.pruner.units
    assert all("forward" not in unit.__dict__ for unit in units)  # patches undone


@pytest.mark.parametrize("base", [0.0, 0.15])
def test_unit_sensitivities_equal_the_one_plan_loop(env, base):
    batch = range(env.batch_size)
    floor = env.workbench.kl(np.full_like(env.sizes, base), batch).mean if base else 0.0
    expected = np.zeros_like(env.sizes)
    for layer, unit in np.ndindex(env.sizes.shape):
        ratios = np.full_like(env.sizes, base)
        ratios[layer, unit] = 0.3
        expected[layer, unit] = env.workbench.kl(ratios, batch).mean - floor
    np.testing.assert_array_equal(env.workbench.unit_sensitivities(0.3, base), expected)


# -- the agents that score plans: the same seed, the same search --------------------------


def scored_one_at_a_time(monkeypatch) -> None:
    """The search agents as they were: one proposal, one `score_ratios`, one observation."""

    def score_plans(env, plans, indices):
        scored = [score_ratios(env, ratios, indices) for ratios in plans]
        return [ret for ret, _ in scored], [kl for _, kl in scored]

    monkeypatch.setattr(agents.search, "score_plans", score_plans)
    monkeypatch.setattr(agents.search.SearchAgent, "proposals_ahead", lambda self: 1)


def search_run(env, name: str, episodes: int, stop_at: int | None = None) -> tuple[list, list]:
    records: list[dict] = []

    def callback(record: dict) -> bool:
        records.append(record)
        return record["episode"] != stop_at

    agent = make_agent(name, env, seed=7, **({"offspring": 3} if name == "evolution" else {}))
    agent.train(episodes, callback)
    if stop_at is not None:  # stopped mid-batch: carry on to the full budget
        assert agent.episodes_done == stop_at
        agent.train(episodes, callback)
    rows = [(r["episode"], r["return"], r["kl"], r["best_return"]) for r in records]
    return rows, agent.plan().ratios.tolist()


@pytest.mark.parametrize("name", ["random-search", "evolution"])
def test_search_agents_find_the_same_plans_and_kls_as_before(env, monkeypatch, name):
    batched = search_run(env, name, 20)
    stopped = search_run(env, name, 20, stop_at=6)  # 6: inside a batch of either agent
    with monkeypatch.context() as patch:
        scored_one_at_a_time(patch)
        before = search_run(env, name, 20)
    assert batched == before
    assert stopped == before


def test_sensitivity_agent_gives_the_same_plan_as_before(env, monkeypatch):
    batched = make_agent("sensitivity", env, seed=0).train(1).plan()
    monkeypatch.setattr(
        Workbench,
        "batch_kls",
        lambda self, plans, indices=None, *_: [self.kl(plan, indices) for plan in plans],
    )
    before = make_agent("sensitivity", env, seed=0).train(1).plan()
    assert batched.to_dict() == before.to_dict()


def test_heldout_kls_are_the_one_plan_sums(env):
    heldout = HeldOut.beside(env.workbench, PROMPTS[:3], answer_tokens=8)  # [0, 1] and [2]
    plan = env.workbench.plan(random_plans(env, 1)[0])
    env.workbench.apply(plan)
    calibration = heldout.workbench.calibration
    first, second = calibration.kl([0, 1]), calibration.kl([2])
    env.workbench.restore()
    expected = (0.0 + sum(first.sums) + sum(second.sums)) / (sum(first.counts) + second.counts[0])
    compared = heldout.compare(plan)
    assert compared["heldout_kl"] == expected == heldout.kl(plan)
    assert compared["uniform_heldout_kl"] == heldout.kl(plan.uniform_like())


def test_sensitivity_sweeps_batched_give_the_one_plan_rows(env):
    bench = env.workbench
    tables = module_tables(bench, [0.05, 0.1, 0.15, 0.2, 0.3])  # 20 tables: two batches
    expected = [evaluate_row(bench, table, **labels) for labels, table in tables]
    assert run_sweeps(bench, tables, progress=False) == expected
