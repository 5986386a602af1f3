"""The fast paths give the slow paths' results: rank masks, staged pruning, graphed KL, bench."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from llm_prune_gym import ENV_ID
from llm_prune_gym.calibration import layer_attention_mask
from llm_prune_gym.pruning import input_norms, magnitude_order, wanda_order

ROOT = Path(__file__).resolve().parents[1]
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def weights(env) -> list[torch.Tensor]:
    return [unit.weight.detach().clone() for unit in env.workbench.pruner.units]


@pytest.mark.parametrize("criterion", ["magnitude", "wanda"])
def test_rank_masks_zero_exactly_the_first_weights_of_the_order(stub_kwargs, criterion):
    env = gym.make(ENV_ID, **stub_kwargs, criterion=criterion).unwrapped
    pruner = env.workbench.pruner
    batches = [env.workbench.calibration.inputs(env.batch)]  # the fixed pool is one batch
    norms = input_norms(env.workbench.model, pruner.units, batches)  # what the env ranked wanda by
    ratios = np.random.default_rng(0).uniform(0, 0.3, (env.num_layers, env.num_modules))
    pruner.apply(ratios.tolist())
    for index, unit in enumerate(pruner.units):
        original = pruner.originals[index]
        if criterion == "magnitude":
            order = magnitude_order(original)
        else:
            order = wanda_order(original, norms[index])
        count = pruner.pruned[index // env.num_modules][index % env.num_modules]
        expected = original.clone().view(-1)
        expected[order[:count]] = 0
        assert torch.equal(unit.weight.view(-1), expected)
    pruner.restore()
    assert all(
        torch.equal(u.weight, o) for u, o in zip(pruner.units, pruner.originals, strict=True)
    )


def test_staged_layers_are_written_at_commit_and_match_immediate_pruning(stub_kwargs):
    env = gym.make(ENV_ID, **stub_kwargs).unwrapped
    pruner, before = env.workbench.pruner, weights(env)
    ratios = np.random.default_rng(1).uniform(0, 0.3, (env.num_layers, env.num_modules))
    for layer, row in enumerate(ratios):
        pruner.stage_layer(layer, row.tolist())
    assert all(torch.equal(a, b) for a, b in zip(before, weights(env), strict=True))
    assert pruner.pruned_params > 0  # the counts are known before the write
    pruner.commit()
    staged = weights(env)
    pruner.restore()
    for layer, row in enumerate(ratios):
        pruner.prune_layer(layer, row.tolist())
    assert all(torch.equal(a, b) for a, b in zip(staged, weights(env), strict=True))
    pruner.commit()  # nothing staged since: a no-op
    assert all(torch.equal(a, b) for a, b in zip(staged, weights(env), strict=True))
    with pytest.raises(ValueError, match="outside"):
        pruner.stage_layer(0, [0.1, 0.1, 1.5, 0.1])
    assert all(torch.equal(a, b) for a, b in zip(staged, weights(env), strict=True))


def test_each_env_step_prunes_its_layer_in_place(stub_kwargs):
    env = gym.make(ENV_ID, **stub_kwargs)
    unwrapped = env.unwrapped
    env.reset(seed=0)
    for layer in range(unwrapped.num_layers):
        *_, info = env.step(np.full(4, 20))
        shares = [float((w == 0).float().mean()) for w in weights(unwrapped)]
        done, todo = shares[: 4 * (layer + 1)], shares[4 * (layer + 1) :]
        assert min(done) >= 0.19 and max(todo, default=0.0) < 0.01
    assert unwrapped.workbench.kl(info["ratios"], unwrapped.batch).mean == info["kl"]


def test_the_models_own_4d_mask_gives_identical_kl(stub_kwargs):
    """What the CUDA graph feeds the model (its own 4-D mask) changes no number."""
    env = gym.make(ENV_ID, **stub_kwargs).unwrapped
    env.workbench.pruner.apply(np.full((env.num_layers, env.num_modules), 0.2).tolist())
    batch, calibration = env.batch, env.workbench.calibration
    inputs = calibration.inputs(batch)
    mask = layer_attention_mask(env.workbench.model, inputs)
    assert mask is not None and mask.dim() == 4  # the stub's prompts differ in length
    with torch.no_grad():
        eager = calibration.kl_sums(batch, inputs)
        masked = calibration.kl_sums(batch, {**inputs, "attention_mask": mask})
    assert torch.equal(eager, masked)


def test_unpadded_batches_get_an_explicit_causal_mask_and_exact_kl(stub_kwargs):
    """Equal lengths: eager and graphed forwards both see the same explicit causal mask."""
    prompts = [f"prompt number {i}: what is wrong?" for i in range(4)]  # same byte length
    env = gym.make(ENV_ID, **{**stub_kwargs, "prompts": prompts, "answer_tokens": 0}).unwrapped
    calibration, batch = env.workbench.calibration, env.batch
    assert len({len(calibration.sequences[i]) for i in batch}) == 1
    inputs = calibration.model_inputs(batch)
    width = len(calibration.sequences[0])
    assert inputs["attention_mask"].shape == (4, 1, width, width)
    assert calibration.kl(batch).mean == 0.0  # the teacher saw the very same inputs
    env.workbench.pruner.apply(np.full((env.num_layers, env.num_modules), 0.2).tolist())
    with torch.no_grad():
        explicit = calibration.kl_sums(batch, inputs)
        implicit = calibration.kl_sums(batch, calibration.inputs(batch))  # SDPA is_causal
    torch.testing.assert_close(explicit, implicit, rtol=1e-4, atol=1e-6)


@cuda
def test_cuda_graphs_give_the_eager_results(stub_kwargs, monkeypatch):
    plans = np.random.default_rng(2).integers(0, 31, (4, 4, 4))

    def run(graphs: str) -> tuple[list[float], list[torch.Tensor]]:
        monkeypatch.setenv("LLM_PRUNE_GYM_CUDA_GRAPHS", graphs)
        env = gym.make(ENV_ID, **stub_kwargs, device="cuda")
        kls = []
        for plan in plans:
            env.reset(seed=0)
            for action in plan:
                *_, info = env.step(action)
            kls.append(info["kl"])
        pruned = [w.cpu() for w in weights(env.unwrapped)]
        env.reset(seed=0)
        originals = env.unwrapped.workbench.pruner.originals
        assert all(
            torch.equal(w, o) for w, o in zip(weights(env.unwrapped), originals, strict=True)
        )
        graphs_used = (
            env.unwrapped.workbench.calibration.graph_count
            or env.unwrapped.workbench.pruner.graph_count
        )
        assert bool(graphs_used) == (graphs == "1")
        return kls, pruned

    graphed, eager = run("1"), run("0")
    assert graphed[0] == eager[0]
    assert all(torch.equal(a, b) for a, b in zip(graphed[1], eager[1], strict=True))


def test_benchmark_runs_and_reports(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("env_speed", ROOT / "bench" / "env_speed.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    argv = [
        "--students=stub",
        "--devices=cpu",
        "--batch-size=2",
        "--prompt-tokens=24",
        "--answer-tokens=4",
        "--episodes=2",
        "--warmup=1",
        "--naive-episodes=1",
        "--floor-repeats=1",
        "--batch-plans=1,8",
        "--batched-repeats=1",
        "--matmuls=loop,bmm,bmm-tf32",
        "--vector-envs=2",
        "--vector-rounds=1",
        f"--out={tmp_path}",
    ]
    assert bench.main(argv) == 0
    *_, batched, last = capsys.readouterr().out.strip().splitlines()
    assert last.startswith("speedup_vs_naive=") and " floor_ratio=" in last
    assert " hardware_ratio=" in last and "plan_evals_per_s: loop_K1=" in batched
    assert "vector_env_episodes_per_s: K2=" in batched
    (row,) = json.loads((tmp_path / "env_speed.json").read_text())["rows"]
    assert row["env_ms"] > 0 and row["naive_ms"] > 0 and row["floor_ms"] > 0
    assert row["naive_kl_rel_diff_max"] < 1e-3  # the naive reference does the same job
    assert row["batched_loop_kl_equal"] is True  # K plans per forward, one-plan bits
    assert row["evals_per_s_loop_K8"] > 0 and row["evals_per_s_bmm_K1"] > 0
    assert row["evals_per_s_bmm-tf32_K8"] > 0 and "tf32" not in row["best_batched"]
    assert row["vector_eps_per_s_K2"] > 0 and row["vector_K2_kl_equal"] is True  # CPU: exact
    assert row["episode_gflop"] > 0 and row["episode_pruned_mb"] < row["episode_weight_mb"]
    assert row["hardware_ratio"] > 1 and row["batched_hardware_ratio"] > 1
    assert row["seq_tokens_max"] <= 24 + 4
    assert (tmp_path / "env_speed.csv").read_text().startswith("student,")
