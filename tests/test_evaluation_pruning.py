"""Pruning evaluation on the stub student: baselines, criteria, statistics and the commands."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from evaluation.cli import main
from evaluation.compare import (
    compare_plans,
    criteria_comparison,
    heldout_evaluator,
    scaled_comparison,
)
from evaluation.stats import mean_interval, paired_summary, per_batch_kls, ratio_interval
from llm_prune_gym import EnvSettings, KLResult, Pruner, PruningPlan, load_student
from llm_prune_gym.heldout import HeldOut
from llm_prune_gym.plan import count_parameters
from llm_prune_gym.pruning import DEFAULT_MODULES

PROMPTS = [f"My loop prints {i} too many times. Why?" for i in range(6)]
CALIBRATION = [f"NameError: name 'x{i}' is not defined. What now?" for i in range(2)]


@pytest.fixture(scope="module")
def stub_model() -> torch.nn.Module:
    return load_student("stub").model


@pytest.fixture(scope="module")
def stub_pruner(stub_model) -> Pruner:
    return Pruner(stub_model, DEFAULT_MODULES)


@pytest.fixture(scope="module")
def evaluator() -> HeldOut:
    settings = EnvSettings(student="stub", modules=DEFAULT_MODULES, prompts=PROMPTS, batch_size=2)
    return heldout_evaluator(settings.replace(answer_tokens=4), CALIBRATION, 2)


def random_plan(pruner: Pruner, total_params: int, seed: int = 0) -> PruningPlan:
    ratios = np.random.default_rng(seed).uniform(0.0, 0.3, np.array(pruner.sizes).shape)
    return PruningPlan.for_pruner(pruner, ratios, total_params, model="stub:0")


def zeros_in_units(pruner: Pruner) -> int:
    return sum(int((lin.weight == 0).sum()) for layer in pruner.layers for lin in layer)


# -- plans at a sparsity --------------------------------------------------------------------------


def test_uniform_plan_hits_the_plans_sparsity_within_one_weight_per_unit(stub_model, stub_pruner):
    plan = random_plan(stub_pruner, count_parameters(stub_model))
    uniform = plan.uniform_like()
    assert np.all(uniform.ratios == uniform.ratios[0, 0])
    uniform.apply(stub_pruner)
    try:
        zeros = zeros_in_units(stub_pruner)
    finally:
        stub_pruner.restore()
    units = uniform.ratios.size
    assert abs(zeros - plan.prunable_sparsity * stub_pruner.prunable_params) <= units


@pytest.mark.parametrize("target", [0.021, 0.062, 0.103])
def test_scaled_plan_removes_that_share_of_all_parameters(stub_model, stub_pruner, target):
    plan = random_plan(stub_pruner, count_parameters(stub_model), seed=1)
    scaled = plan.scaled(model_sparsity=target)
    scaled.apply(stub_pruner)
    try:
        zeros = zeros_in_units(stub_pruner)
    finally:
        stub_pruner.restore()
    assert abs(zeros - target * plan.total_params) <= scaled.ratios.size
    # The allocation's shape is kept: ratios are proportional to the original plan's.
    mask = plan.ratios > 0
    np.testing.assert_allclose(
        scaled.ratios[mask] / plan.ratios[mask], scaled.ratios.max() / plan.ratios.max()
    )


# -- criteria ----------------------------------------------------------------------------------


def wanda_mask(model, norm_values) -> torch.Tensor:
    """Layer 0 q_proj's mask at ratio 0.25 for Wanda with the given input norms."""
    linears = [lin for layer in Pruner(model, DEFAULT_MODULES).layers for lin in layer]
    norms = [torch.as_tensor(norm_values(lin.in_features), dtype=torch.float32) for lin in linears]
    pruner = Pruner(model, DEFAULT_MODULES, "wanda", norms)
    pruner.prune_layer(0, [0.25, 0, 0, 0])
    mask = pruner.layers[0][0].weight == 0
    pruner.restore()
    return mask


def test_wanda_with_equal_activations_is_magnitude_within_each_row():
    model = load_student("stub").model
    weight = Pruner(model, DEFAULT_MODULES).layers[0][0].weight.detach().clone()
    equal = wanda_mask(model, lambda n: np.ones(n))
    assert torch.equal(equal, wanda_mask(model, lambda n: np.full(n, 7.5)))  # the scale is moot
    per_row = weight.shape[1] // 4
    smallest = weight.abs().argsort(dim=1, stable=True)[:, :per_row]
    row_magnitude = torch.zeros_like(equal).scatter_(1, smallest, True)
    assert torch.equal(equal, row_magnitude)
    # Magnitude ranks the whole matrix at once; Wanda always takes the same share per row.
    magnitude = Pruner(model, DEFAULT_MODULES)
    magnitude.prune_layer(0, [0.25, 0, 0, 0])
    global_mask = magnitude.layers[0][0].weight == 0
    magnitude.restore()
    assert global_mask.sum() == equal.sum() and not torch.equal(global_mask, equal)


def test_wanda_follows_non_uniform_activations():
    model = load_student("stub").model
    equal = wanda_mask(model, lambda n: np.ones(n))
    skewed = wanda_mask(model, lambda n: np.geomspace(0.01, 100.0, n))
    assert equal.sum() == skewed.sum() and not torch.equal(equal, skewed)
    # Inputs with tiny activations lose far more weights than inputs with huge ones.
    columns = skewed.float().mean(dim=0)
    eighth = len(columns) // 8
    assert columns[:eighth].mean() > 0.9 and columns[-2 * eighth :].max() == 0


# -- statistics --------------------------------------------------------------------------------


def test_per_batch_kls_weight_tokens_within_each_batch():
    result = KLResult(mean=0.0, sums=[1.0, 3.0, 2.0, 2.0, 5.0], counts=[1, 3, 2, 2, 5])
    np.testing.assert_allclose(per_batch_kls(result, 2), [1.0, 1.0, 1.0])
    result = KLResult(mean=0.0, sums=[0.0, 4.0, 9.0], counts=[2, 2, 3])
    np.testing.assert_allclose(per_batch_kls(result, 2), [1.0, 3.0])


def test_bootstrap_intervals_are_seeded_and_cover_the_estimate():
    values = np.random.default_rng(0).gamma(2.0, 0.05, 40)
    first, again = mean_interval(values, seed=3), mean_interval(values, seed=3)
    assert first == again and first.low < values.mean() < first.high
    narrow = mean_interval(np.tile(values, 10), seed=3)
    assert narrow.high - narrow.low < first.high - first.low
    ratio = ratio_interval(values * 0.5, values, seed=0)
    assert ratio.estimate == pytest.approx(0.5) and ratio.low == pytest.approx(0.5)
    paired = paired_summary(values * 0.5, values)
    assert paired["diff_high"] < 0 and paired["wins"] == 1.0


# -- held-out comparisons ----------------------------------------------------------------------


def test_compare_pairs_plans_on_the_same_batches(evaluator):
    bench = evaluator.workbench
    plan = evaluator.rebase(random_plan(bench.pruner, bench.total_params, seed=2))
    comparison = compare_plans(evaluator, {"plan": plan, "uniform": plan.uniform_like()})
    assert evaluator.num_batches == 3 and len(comparison.tokens) == 3
    summary = comparison.summary()
    kls = comparison.kls
    assert summary["kl_plan"] == pytest.approx(kls["plan"].mean())
    assert summary["kl_plan_over_uniform"] == pytest.approx(
        kls["plan"].mean() / kls["uniform"].mean()
    )
    assert summary["kl_plan_low"] <= summary["kl_plan"] <= summary["kl_plan_high"]
    rows = comparison.batch_rows()
    assert [r["diff_plan_minus_uniform"] for r in rows] == pytest.approx(
        kls["plan"] - kls["uniform"]
    )
    # Per-batch KL is a property of the plan and the batch: the same plan scores the same.
    np.testing.assert_array_equal(per_batch_kls(evaluator.result(plan), 2), kls["plan"])


def test_scaled_comparison_and_criteria(evaluator):
    plan = random_plan(evaluator.workbench.pruner, evaluator.workbench.total_params, seed=3)
    rows, plans = scaled_comparison(evaluator, plan, [0.02, 0.06])
    assert [r["model_sparsity"] for r in rows] == [0.02, 0.06]
    for row in rows:
        assert plans[row["model_sparsity"]].model_sparsity == pytest.approx(row["model_sparsity"])
    assert rows[1]["kl_plan"] > rows[0]["kl_plan"] and rows[1]["kl_uniform"] > rows[0]["kl_uniform"]
    (row,) = criteria_comparison(evaluator, [0.2])
    assert (
        row["kl_wanda"] > 0 and row["kl_magnitude"] > 0 and row["kl_wanda"] != row["kl_magnitude"]
    )
    assert evaluator.pruning_by("wanda").criterion == "wanda"


# -- the commands ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved_plan(tmp_path_factory):
    model = load_student("stub").model
    plan = random_plan(Pruner(model, DEFAULT_MODULES), count_parameters(model), seed=4)
    return plan.save(tmp_path_factory.mktemp("plan") / "plan.json")


def write_prompts(path, lines: list[str]):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def short_prompts(tmp_path_factory):
    """Short calibration prompts: the built-in ones are long, and the stub is byte-level."""
    path = tmp_path_factory.mktemp("prompts") / "short.jsonl"
    return write_prompts(path, [json.dumps({"prompt": p}) for p in CALIBRATION])


@pytest.fixture
def stub_args(short_prompts) -> list[str]:
    return [
        "--student",
        "stub",
        "--answer-tokens",
        "4",
        "--calibration-prompts",
        str(short_prompts),
        "--calibration-batch",
        "2",
    ]


def test_compare_command_on_a_user_prompt_file(tmp_path, saved_plan, stub_args, capsys):
    system = {"role": "system", "content": "Be brief."}
    prompts = write_prompts(
        tmp_path / "mine.jsonl",
        [
            json.dumps({"messages": [system, {"role": "user", "content": f"Bug {i}?"}]})
            for i in range(3)
        ]
        + [json.dumps({"prompt": "Why does int('a') fail?", "id": 7}), ""]
        + [json.dumps({"prompt": [{"role": "user", "content": "IndentationError?"}]})],
    )
    out = tmp_path / "compare"
    args = ["compare", "--plan", str(saved_plan), "--heldout-prompts", str(prompts)]
    args += ["--heldout-batch-size", "2"]
    assert main([*args, *stub_args, "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["prompts"] == 5 and result["batches"] == 3
    plan = PruningPlan.load(saved_plan)
    one_weight_per_unit = plan.ratios.size / plan.unit_sizes.sum()  # each unit rounds its count
    for name in ("plan", "uniform", "sensitivity"):
        assert result[f"kl_{name}"] > 0
        assert result[f"prunable_sparsity_{name}"] == pytest.approx(
            plan.prunable_sparsity, abs=one_weight_per_unit
        )
    assert result["kl_plan_over_uniform"] == pytest.approx(
        result["kl_plan"] / result["kl_uniform"], rel=1e-4
    )
    assert result["kl_plan_over_sensitivity"] == pytest.approx(
        result["kl_plan"] / result["kl_sensitivity"], rel=1e-4
    )
    expected = {
        "compare.md",
        "compare.png",
        "plan.png",
        "compare_batches.csv",
        "compare_summary.csv",
    }
    assert expected <= {p.name for p in out.iterdir()}
    with (out / "compare_batches.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 3


def test_compare_names_the_malformed_line(tmp_path, saved_plan, stub_args, capsys):
    prompts = write_prompts(
        tmp_path / "bad.jsonl",
        [json.dumps({"prompt": "fine"}), json.dumps({"prompt": "fine too"}), '{"messages": [}'],
    )
    args = ["compare", "--plan", str(saved_plan), "--heldout-prompts", str(prompts), *stub_args]
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    assert "line 3" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["compare", "scaled", "criteria", "export"])
@pytest.mark.parametrize("flag, shown", [("--progress", True), ("--no-progress", False)])
def test_progress_option_reaches_the_workbench(
    command, flag, shown, saved_plan, tmp_path, monkeypatch, capsys
):
    """--no-progress turns off the bars of the teacher's answers (issue 17's gap)."""
    from llm_prune_gym import Workbench

    seen = []

    def first_workbench(self, settings, *args, **kwargs):
        seen.append(settings.progress)
        raise ValueError("stopped after the first workbench")

    monkeypatch.setattr(Workbench, "__init__", first_workbench)
    plan = [] if command == "criteria" else ["--plan", str(saved_plan)]
    argv = [command, *plan, "--student", "stub", "--out", str(tmp_path), flag]
    assert main(argv) == 2
    assert "stopped after the first workbench" in capsys.readouterr().err
    assert seen == [shown]


def test_sensitivity_command_writes_csv_png_and_markdown(tmp_path, short_prompts, capsys):
    out = tmp_path / "sensitivity"
    args = ["sensitivity", "--student", "stub", "--answer-tokens", "4", "--batch-size", "2"]
    args += ["--prompts", str(short_prompts)]
    assert main([*args, "--ratios", "0.1,0.3", "--out", str(out)]) == 0
    with (out / "sensitivity.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    modules = {r["module"] for r in rows if r["analysis"] == "module"}
    assert modules == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert len([r for r in rows if r["analysis"] == "layer"]) == 4  # the stub's layers
    uniform = {(r["criterion"], r["ratio"]) for r in rows if r["analysis"] == "uniform"}
    assert uniform == {(c, r) for c in ("magnitude", "wanda") for r in ("0.1", "0.3")}
    for module in modules:
        kl = {r["ratio"]: float(r["kl"]) for r in rows if r["module"] == module}
        assert kl["0.3"] > kl["0.1"] > 0
    assert (out / "sensitivity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = (out / "sensitivity.md").read_text()
    assert "| k_proj |" in markdown and "magnitude | wanda" in markdown
    assert json.loads(capsys.readouterr().out)["evaluations"] == len(rows)
