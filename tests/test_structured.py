"""granularity="channels": whole MLP channels and query heads, masked in place, exactly restored."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env as gym_check_env

from evaluation.cli import main
from llm_prune_gym import ENV_ID, LLMPruneEnv, PruningPlan, Workbench
from llm_prune_gym.structured import StructuredPruner


@pytest.fixture(scope="module")
def env() -> LLMPruneEnv:
    return LLMPruneEnv(student="stub", batch_size=4, answer_tokens=8, granularity="channels")


def zero_rows(weight: torch.Tensor) -> set[int]:
    return set(torch.nonzero(weight.abs().sum(1) == 0).flatten().tolist())


def zero_columns(weight: torch.Tensor) -> set[int]:
    return set(torch.nonzero(weight.abs().sum(0) == 0).flatten().tolist())


def all_weights_equal_originals(pruner: StructuredPruner) -> bool:
    return all(
        torch.equal(linear.weight, original)
        for unit, originals in zip(pruner.units, pruner.originals, strict=True)
        for linear, original in zip(unit.linears, originals, strict=True)
    )


def test_default_units_are_heads_and_mlp_channels(env):
    assert env.workbench.pruner.modules == ("q_proj", "gate_proj")
    assert env.action_space == gym.spaces.MultiDiscrete([31, 31])
    config = env.workbench.model.config
    hidden, inter = config.hidden_size, config.intermediate_size
    # A unit holds every weight its structures own, down_proj / o_proj columns included.
    assert env.sizes[0].tolist() == [2 * hidden * hidden, 3 * hidden * inter]


def test_a_ratio_zeroes_whole_channels_and_heads_with_their_columns(env):
    env.reset(seed=0)
    for _ in range(env.num_layers):
        *_, info = env.step(np.array([30, 20]))
    config = env.workbench.model.config
    head_dim = config.hidden_size // config.num_attention_heads
    per_group = config.num_attention_heads // config.num_key_value_heads
    pruner = env.workbench.pruner
    for index, layer in enumerate(env.workbench.model.model.layers):
        mlp, attention = layer.mlp, layer.self_attn
        removed = set(range(config.intermediate_size)) - set(pruner.kept(index, 1).tolist())
        assert len(removed) == round(0.2 * config.intermediate_size)
        assert zero_rows(mlp.gate_proj.weight) == removed == zero_rows(mlp.up_proj.weight)
        assert zero_columns(mlp.down_proj.weight) == removed
        heads = set(range(config.num_attention_heads)) - set(pruner.kept(index, 0).tolist())
        rows = {h * head_dim + i for h in heads for i in range(head_dim)}
        assert zero_rows(attention.q_proj.weight) == rows == zero_columns(attention.o_proj.weight)
        # GQA stays regular: every KV group loses the same number of query heads.
        groups = [h // per_group for h in heads]
        assert len(set(groups)) == config.num_key_value_heads and len(heads) % len(set(groups)) == 0
        assert zero_rows(attention.k_proj.weight) == set()
    np.testing.assert_allclose(info["ratios"][:, 1], 0.2, atol=1 / config.intermediate_size)


def test_sparsity_counts_every_removed_parameter(env):
    env.reset(seed=0)
    for _ in range(env.num_layers):
        *_, info = env.step(np.array([10, 25]))
    zeros = sum(
        int((linear.weight == 0).sum())
        for unit in env.workbench.pruner.units
        for linear in unit.linears
    )
    assert env.workbench.pruner.pruned_params == zeros
    assert info["prunable_sparsity"] == pytest.approx(zeros / env.sizes.sum())
    assert info["model_sparsity"] == pytest.approx(zeros / env.total_params)
    plan = env.current_plan()
    assert plan.granularity == "channels"
    assert plan.pruned_params == pytest.approx(zeros)


@pytest.mark.parametrize("criterion", ["magnitude", "wanda"])
def test_restore_is_bit_exact(criterion):
    env = LLMPruneEnv(
        student="stub", batch_size=4, answer_tokens=8, granularity="channels", criterion=criterion
    )
    rng = np.random.default_rng(0)
    for seed in range(3):
        env.reset(seed=seed)
        for _ in range(env.num_layers):
            env.step(rng.integers(0, 31, 2))
        assert env.workbench.pruner.pruned_params > 0
    env.reset()
    assert all_weights_equal_originals(env.workbench.pruner)


def test_wanda_ranking_differs_from_norms_and_beats_it_here():
    kwargs = {"student": "stub", "batch_size": 4, "answer_tokens": 8, "granularity": "channels"}
    magnitude, wanda = LLMPruneEnv(**kwargs), LLMPruneEnv(**kwargs, criterion="wanda")
    assert not torch.equal(
        magnitude.workbench.pruner.structure_ranks[1], wanda.workbench.pruner.structure_ranks[1]
    )
    ratios = np.full(magnitude.sizes.shape, 0.2)
    assert wanda.workbench.kl(ratios).mean < magnitude.workbench.kl(ratios).mean


def test_conformance_and_budget_mode():
    env = gym.make(
        ENV_ID, student="stub", batch_size=4, answer_tokens=8, granularity="channels",
        modules=("gate_proj",), target_sparsity=0.2, reward="budget",
    ).unwrapped  # fmt: skip
    gym_check_env(env)
    env.reset(seed=0)
    for _ in range(env.num_layers):
        *_, info = env.step(env.action_space.sample())
    assert info["prunable_sparsity"] == pytest.approx(0.2, abs=1 / 160)


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        (("q_proj", "o_proj"), "names one structure twice"),
        (("gate_proj", "up_proj"), "names one structure twice"),
        (("k_proj",), "cannot be pruned by channels"),
    ],
)
def test_bad_module_sets_fail_clearly(modules, message):
    with pytest.raises(ValueError, match=message):
        LLMPruneEnv(student="stub", granularity="channels", modules=modules)


def test_unknown_granularity_fails_clearly():
    with pytest.raises(ValueError, match="unknown granularity 'rows'"):
        LLMPruneEnv(student="stub", granularity="rows")


def test_plan_records_granularity_and_refuses_the_other_pruner(env, tmp_path):
    plan = env.workbench.plan(np.full(env.sizes.shape, 0.1))
    loaded = PruningPlan.load(plan.save(tmp_path / "plan.json"))
    assert loaded.granularity == "channels" and loaded.scaled(0.15).granularity == "channels"
    unstructured = Workbench(student="stub", batch_size=4, answer_tokens=8, modules=plan.modules)
    with pytest.raises(ValueError, match="this plan prunes channels"):
        unstructured.apply(loaded)
    old = json.loads((tmp_path / "plan.json").read_text())
    del old["granularity"]  # plans saved before the option are unstructured
    assert PruningPlan.from_dict(old).granularity == "weights"


def test_rollout_command_takes_granularity(tmp_path, capsys):
    args = ["rollout", "--student", "stub", "--granularity", "channels", "--ratio", "0.25"]
    assert main([*args, "--batch-size", "2", "--plan-out", str(tmp_path / "p.json")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["prunable_sparsity"] > 0.15  # MLP channels at 25%; heads round to 0
    assert PruningPlan.load(tmp_path / "p.json").granularity == "channels"


# -- width_multiple: kept MLP widths in multiples of N, the plan's total on budget ------------


def test_aligned_widths_round_together_within_half_a_step():
    from llm_prune_gym.structured import aligned_widths

    wanted = [1013.76] * 30  # uniform 34% of 1536
    widths = aligned_widths(wanted, 32, 1536)
    assert all(w % 32 == 0 for w in widths) and set(widths) == {992, 1024}
    assert abs(sum(widths) - sum(wanted)) <= 16
    uneven = [1174, 950, 790, 1535, 40, 1536, 0]  # near the ends too
    widths = aligned_widths(uneven, 64, 1536)
    assert all(w % 64 == 0 and 64 <= w <= 1536 for w in widths)
    assert all(abs(w - u) < 64 for w, u in zip(widths, uneven, strict=True) if u >= 64)
    assert aligned_widths([100, 99, 50], 32, 100) == [100, 100, 64]  # the full width counts


@pytest.fixture(scope="module")
def aligned() -> Workbench:
    return Workbench(
        student="stub", batch_size=4, answer_tokens=8, granularity="channels",
        modules=("q_proj", "gate_proj"), width_multiple=16,
    )  # fmt: skip


def kept_widths(bench: Workbench, plan) -> list[int]:
    bench.apply(plan)
    try:
        return [len(bench.pruner.kept(layer, 1)) for layer in range(bench.num_layers)]
    finally:
        bench.restore()


@pytest.mark.parametrize("seed", range(4))
def test_width_multiple_keeps_multiples_and_the_budget(aligned, seed):
    inter = aligned.model.config.intermediate_size  # 160 on the stub
    ratios = np.random.default_rng(seed).uniform(0.0, 0.6, aligned.sizes.shape)
    plan = aligned.plan(ratios)
    widths = kept_widths(aligned, plan)
    assert all(w % 16 == 0 for w in widths)
    # The MLP total is within half a step (8 channels) of the nominal plan's.
    wanted = (inter * (1 - ratios[:, 1])).sum()
    assert abs(sum(widths) - wanted) <= 8
    channel = aligned.pruner.structures[0][1].params_per_structure
    mlp_removed = sum(aligned.pruner.plan_counts(ratios.tolist())[layer][1] for layer in range(4))
    assert abs(mlp_removed - (ratios[:, 1] * aligned.sizes[:, 1]).sum()) <= 8 * channel
    # The saved plan holds the applied widths, so any pruner gives the same widths.
    np.testing.assert_allclose(plan.ratios[:, 1] * inter, inter - np.array(widths), atol=1e-3)
    assert aligned.removed_params(plan) == aligned.removed_params(ratios)


def test_aligned_plan_json_round_trips_and_needs_the_multiple(aligned, env, tmp_path):
    plan = aligned.plan(np.full(aligned.sizes.shape, 0.34))
    assert plan.width_multiple == 16
    loaded = PruningPlan.load(plan.save(tmp_path / "plan.json"))
    assert json.loads((tmp_path / "plan.json").read_text())["width_multiple"] == 16
    assert loaded.width_multiple == 16 and loaded.uniform_like().width_multiple == 16
    np.testing.assert_allclose(loaded.ratios, plan.ratios, atol=1e-6)
    assert kept_widths(aligned, loaded) == kept_widths(aligned, plan)
    with pytest.raises(ValueError, match="width_multiple=16"):
        env.workbench.apply(loaded)  # a pruner of any width would round it otherwise
    unaligned = env.workbench.plan(np.full(env.sizes.shape, 0.34))
    assert "width_multiple" not in unaligned.to_dict()  # plans without it are unchanged


def test_aligned_env_steps_end_on_budget():
    env = LLMPruneEnv(
        student="stub", batch_size=4, answer_tokens=8, granularity="channels",
        modules=("gate_proj",), target_sparsity=0.34, width_multiple=16,
        ratio_grid=tuple(0.02 * i for i in range(31)),
    )  # fmt: skip
    env.reset(seed=0)
    for _ in range(env.num_layers):
        *_, info = env.step(env.action_space.sample())
    widths = [len(env.workbench.pruner.kept(layer, 0)) for layer in range(env.num_layers)]
    assert all(w % 16 == 0 for w in widths)
    assert info["prunable_sparsity"] == pytest.approx(0.34, abs=8 / 640)  # half a step
    assert info["plan"]["width_multiple"] == 16


def test_width_multiple_is_for_channels_only():
    with pytest.raises(ValueError, match="granularity='channels'"):
        Workbench(student="stub", width_multiple=32)
    with pytest.raises(ValueError, match="at least 1"):
        Workbench(student="stub", granularity="channels", width_multiple=0)


@pytest.fixture(scope="module")
def refitted() -> Workbench:
    return Workbench(
        student="stub", batch_size=4, answer_tokens=8, granularity="channels",
        modules=("q_proj", "gate_proj"), refit=True,
    )  # fmt: skip


def output_error(bench: Workbench, plan, unit: int, grams: list[torch.Tensor]) -> float:
    """Squared error of every layer's output linear against its dense output on the
    calibration tokens, with `plan` applied (the Gram matrices give it exactly)."""
    pruner = bench.pruner
    bench.apply(plan)
    try:
        total = 0.0
        for layer in range(bench.num_layers):
            index = layer * len(pruner.modules) + unit
            structure = pruner.units[index]
            delta = structure.output.weight.double() - pruner.originals[index][-1].double()
            total += float(torch.trace(delta @ grams[index].cpu() @ delta.T))
        return total
    finally:
        bench.restore()


def test_refit_fits_the_dense_outputs_better_than_zeroing(refitted):
    plan = np.full(refitted.sizes.shape, 0.4)
    pruner = refitted.pruner
    grams = pruner.grams
    refit_error = [output_error(refitted, plan, unit, grams) for unit in range(2)]
    pruner.grams = None  # the same pruner, zeroing only
    try:
        zeroed_error = [output_error(refitted, plan, unit, grams) for unit in range(2)]
        zeroed_kl = refitted.kl(plan).mean
    finally:
        pruner.grams = grams
    for refit, zeroed in zip(refit_error, zeroed_error, strict=True):
        assert 0 < refit < 0.9 * zeroed  # least squares beats the masked columns
    assert refitted.kl(plan).mean != zeroed_kl


def test_refit_keeps_pruned_columns_zero_and_restores_bit_exactly(refitted):
    plan = np.full(refitted.sizes.shape, 0.5)
    pruner = refitted.pruner
    refitted.apply(plan)
    try:
        for layer in range(refitted.num_layers):
            kept = pruner.kept(layer, 1)
            down = pruner.units[layer * 2 + 1].output.weight
            assert zero_columns(down) == set(range(down.shape[1])) - set(kept.tolist())
    finally:
        refitted.restore()
    assert all_weights_equal_originals(pruner)


def test_refit_is_for_channels_only():
    with pytest.raises(ValueError, match="refit applies to granularity='channels'"):
        Workbench(student="stub", refit=True)
