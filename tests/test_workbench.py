"""The workbench (student, pruner, calibration set), the env on top of it, settings and reward."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
import torch

from llm_prune_gym import ENV_ID, EnvSettings, LLMPruneEnv, Workbench, reward
from llm_prune_gym.calibration import batchwise_mean
from llm_prune_gym.heldout import HeldOut
from llm_prune_gym.plan import bisect_knob

PROMPTS = [f"Why does line {i} raise a NameError?" for i in range(5)]


@pytest.fixture(scope="module")
def bench() -> Workbench:
    """Five prompts in batches of two (sampling="sample" keeps them all)."""
    return Workbench(
        student="stub", prompts=PROMPTS, batch_size=2, sampling="sample", answer_tokens=6
    )


def weights(bench: Workbench) -> list[torch.Tensor]:
    return [unit.weight.detach().clone() for unit in bench.pruner.units]


def plans(bench: Workbench, count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 0.3, (count, *bench.sizes.shape))


def test_kl_prunes_scores_and_puts_the_model_back_as_it_was(bench):
    first, second = plans(bench, 2)
    bench.apply(first)
    pruned, now = weights(bench), bench.kl()  # plan None: the model as it is
    assert bench.kl(first).mean == now.mean
    other = bench.kl(second)
    assert other.mean != now.mean and len(other.sums) == len(other.counts) == 5
    assert all(torch.equal(a, b) for a, b in zip(pruned, weights(bench), strict=True))
    bench.restore()
    assert bench.removed_params() == 0
    originals = bench.pruner.originals
    assert all(torch.equal(a, b) for a, b in zip(originals, weights(bench), strict=True))


def test_batch_kls_are_the_one_plan_kls_bit_for_bit(bench):
    tables = plans(bench, 5, seed=1)
    expected = [bench.kl(table, [4, 0, 2]) for table in tables]
    batched = bench.batch_kls(tables, [4, 0, 2], max_batch_plans=2)
    assert [r.sums for r in batched] == [r.sums for r in expected]
    assert [r.mean for r in batched] == [r.mean for r in expected]


def test_sparsity_counts_what_the_pruner_applies(bench):
    table = plans(bench, 1, seed=2)[0]
    planned = bench.sparsity(table)
    bench.apply(bench.plan(table))
    try:
        assert bench.sparsity() == planned
    finally:
        bench.restore()
    nominal = bench.plan(table)
    assert planned.prunable == pytest.approx(nominal.prunable_sparsity, abs=1e-3)
    assert planned.model == pytest.approx(nominal.model_sparsity, abs=1e-3)
    assert bench.sparsity() == (0.0, 0.0)


def test_channel_plans_are_scored_one_at_a_time():
    bench = Workbench(student="stub", prompts=PROMPTS[:2], batch_size=2, granularity="channels")
    tables = np.random.default_rng(3).uniform(0, 0.5, (3, *bench.sizes.shape))
    assert [r.mean for r in bench.batch_kls(tables)] == [bench.kl(t).mean for t in tables]


def test_held_out_prompts_share_the_student_and_the_pruner(bench):
    heldout = HeldOut.beside(bench, PROMPTS[:3], batch_size=2)
    assert heldout.workbench.pruner is bench.pruner and heldout.workbench.model is bench.model
    assert heldout.num_prompts == 3 and heldout.num_batches == 2
    table = plans(bench, 1, seed=4)[0]
    expected = batchwise_mean(heldout.workbench.kl(table), 2)
    assert heldout.kls([table]) == [expected] and heldout.kl(table) == expected
    compared = heldout.compare(bench.plan(table))
    assert compared["heldout_kl"] == expected and compared["heldout_prompts"] == 3
    wanda = heldout.pruning_by("wanda")  # fitted on the calibration prompts, not these
    assert wanda.criterion == "wanda" and wanda.calibration is heldout.workbench.calibration


def test_the_env_is_the_decision_process_on_its_workbench(bench):
    env = LLMPruneEnv(workbench=bench, target_sparsity=0.2, reward="budget")
    assert env.settings.student == "stub" and env.settings.reward == "budget"
    assert env.workbench is bench and env.batch_size == 2
    actions = np.random.default_rng(5).integers(0, 31, (env.num_layers, env.num_modules))
    env.reset(seed=0)
    steps = [env.step(action) for action in actions]
    rewards, info = [step[1] for step in steps], steps[-1][-1]
    assert rewards[:-1] == [0.0] * (env.num_layers - 1)
    kl, uniform = bench.kl(None, env.batch).mean, bench.uniform_kl(0.2, env.batch)
    assert info["kl"] == kl and info["kl_uniform"] == uniform
    assert rewards[-1] == reward(
        env.settings, info["ratios"][-1], info["prunable_sparsity"], kl, uniform
    )
    env.reset(seed=0)
    assert bench.removed_params() == 0


def test_settings_and_keywords_build_the_same_env(stub_kwargs):
    by_keywords = gym.make(ENV_ID, **stub_kwargs, c1=0.01).unwrapped
    by_settings = LLMPruneEnv(EnvSettings(**stub_kwargs, c1=0.01))
    assert by_keywords.settings == by_settings.settings
    assert by_keywords.settings.c1 == 0.01 and by_keywords.settings.unit_modules[0] == "q_proj"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"reward": "budget"}, "target_sparsity"),
        ({"target_sparsity": 0.5}, "below the largest ratio"),
        ({"c3": float("nan")}, "c3 must be a finite number"),
        ({"ratio_grid": (0.1,)}, "at least two ratios"),
        ({"modules": ("q_proj", "q_proj")}, "distinct"),
        ({"dtype": "int8"}, "unknown dtype"),
        ({"criterion": "random"}, "criterion"),
        ({"granularity": "rows"}, "unknown granularity"),
    ],
)
def test_bad_settings_fail_with_one_line(changes, message):
    with pytest.raises(ValueError, match=message):
        EnvSettings(student="stub", **changes)


def test_settings_import_without_torch_numpy_or_transformers():
    code = (
        "import sys, importlib.util;"
        "sys.modules.update(dict.fromkeys(['torch', 'numpy', 'transformers']));"
        "spec = importlib.util.spec_from_file_location('settings', 'llm_prune_gym/settings.py');"
        "module = importlib.util.module_from_spec(spec); sys.modules['settings'] = module;"
        "spec.loader.exec_module(module);"
        "print(module.EnvSettings.field_docs()['batch_size'])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "calibration prompts" in result.stdout


def test_reward_pays_the_papers_terms_and_the_budgets_ratio():
    paper = EnvSettings(c1=0.5, c2=2.0, c3=-3.0)
    assert reward(paper, [0.1, 0.2]) == pytest.approx(0.15)
    assert reward(paper, [0.1, 0.2], 0.25, 0.125) == pytest.approx(0.15 + 0.5 - 0.375)
    budget = EnvSettings(target_sparsity=0.2, reward="budget")
    assert reward(budget, [0.3, 0.3]) == 0.0
    assert reward(budget, [0.3, 0.3], 0.2, 0.1, 0.4) == pytest.approx(0.75)


def test_bisection_finds_the_knob_and_grows_its_bracket():
    assert bisect_knob(lambda x: x**3, 8.0, 0.0, 1.0, grow=True) == pytest.approx(2.0)
    assert bisect_knob(lambda x: x, -5.0, -1.0, 1.0, grow=True) == pytest.approx(-5.0)
    assert bisect_knob(lambda x: 2 * x, 1.0, 0.0, 1.0, steps=60) == pytest.approx(0.5)
