"""Figures for pruning evaluations (matplotlib, no display needed).

Figures are built with `matplotlib.figure.Figure` rather than `pyplot`, so
nothing depends on a GUI backend or on global state, and each function
writes one PNG and returns its path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from llm_prune_gym import PruningPlan

from .compare import Comparison
from .sensitivity import module_matrix
from .stats import mean_interval


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=130, bbox_inches="tight")
    return path


def _error_bars(rows: Sequence[dict], key: str) -> tuple[np.ndarray, np.ndarray]:
    """Means and the (below, above) distances to their CI bounds, for `errorbar`."""
    mean = np.array([r[key] for r in rows])
    low = np.array([r[f"{key}_low"] for r in rows])
    high = np.array([r[f"{key}_high"] for r in rows])
    return mean, np.vstack([mean - low, high - mean])


def plot_sensitivity(rows: Sequence[dict], path: Path, title: str = "") -> Path:
    """Figure 2: KL per module type vs ratio, per layer, and per criterion (uniform)."""
    layer_rows = [r for r in rows if r["analysis"] == "layer"]
    uniform_rows = [r for r in rows if r["analysis"] == "uniform"]
    panels = 1 + bool(layer_rows) + bool(uniform_rows)
    figure = Figure(figsize=(5.2 * panels, 4.2), layout="constrained")
    axes = figure.subplots(1, panels, squeeze=False)[0]

    modules, ratios, matrix = module_matrix(rows)
    for module, kls in zip(modules, matrix, strict=True):
        axes[0].plot(ratios, kls, marker="o", label=module)
    axes[0].set(xlabel="pruning ratio (one module type, all layers)", ylabel="KL per token")
    if np.nanmin(matrix) > 0:  # KL spans decades across ratios: a log scale shows them all
        axes[0].set_yscale("log")
    axes[0].set_title("module types")
    axes[0].legend(fontsize=8)
    axes[0].grid(alpha=0.3)
    panel = 1
    if layer_rows:
        axis = axes[panel]
        axis.bar([r["layer"] for r in layer_rows], [r["kl"] for r in layer_rows], color="tab:red")
        axis.set(xlabel="layer (all its modules pruned)", ylabel="KL per token")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_title(f"single layers at ratio {layer_rows[0]['ratio']:g}")
        axis.grid(alpha=0.3, axis="y")
        panel += 1
    if uniform_rows:
        axis = axes[panel]
        for criterion in dict.fromkeys(r["criterion"] for r in uniform_rows):
            mine = [r for r in uniform_rows if r["criterion"] == criterion]
            axis.plot(
                [r["ratio"] for r in mine], [r["kl"] for r in mine], marker="o", label=criterion
            )
        axis.set(xlabel=f"uniform ratio ({uniform_rows[0]['module']})", ylabel="KL per token")
        axis.set_title("pruning criteria")
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    return _save(figure, path)


def plot_plan(plan: PruningPlan, path: Path, title: str = "") -> Path:
    """Figure 5: each module's ratio across layers (lines) and the layer x module heat map."""
    figure = Figure(figsize=(11, 4), layout="constrained")
    lines, heat = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    layers = np.arange(plan.num_layers)
    for unit, module in enumerate(plan.modules):
        lines.plot(layers, plan.ratios[:, unit], marker=".", label=module)
    lines.set(xlabel="layer", ylabel="pruning ratio")
    lines.xaxis.set_major_locator(MaxNLocator(integer=True))
    lines.set_title(
        f"prunable sparsity {plan.prunable_sparsity:.1%}, model {plan.model_sparsity:.1%}"
    )
    lines.legend(fontsize=8)
    lines.grid(alpha=0.3)
    image = heat.imshow(plan.ratios.T, aspect="auto", cmap="viridis", interpolation="nearest")
    heat.set_yticks(range(len(plan.modules)), plan.modules)
    heat.set_xlabel("layer")
    heat.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.colorbar(image, ax=heat, label="pruning ratio")
    if title:
        figure.suptitle(title)
    return _save(figure, path)


def plot_comparison(comparison: Comparison, path: Path, seed: int = 0, title: str = "") -> Path:
    """Figure 6: mean held-out KL per plan (95% CI), and the per-batch paired differences."""
    names = list(comparison.plans)
    figure = Figure(figsize=(10.5, 4), layout="constrained")
    bars, paired = figure.subplots(1, 2)
    intervals = [mean_interval(comparison.kls[n], seed=seed) for n in names]
    means = np.array([i.estimate for i in intervals])
    errors = np.array([[i.estimate - i.low, i.high - i.estimate] for i in intervals]).T
    labels = [f"{n}\n{comparison.sparsity[n][0]:.1%}" for n in names]
    bars.bar(labels, means, yerr=errors, capsize=6, color=["tab:green"] + ["tab:gray"] * 5)
    bars.set(ylabel="held-out KL per token (mean over batches)")
    bars.set_title(f"{len(comparison.tokens)} batches, 95% bootstrap CI")
    bars.grid(alpha=0.3, axis="y")

    ref = comparison.reference
    rng = np.random.default_rng(seed)  # horizontal jitter only
    for position, name in enumerate(names[1:]):
        diffs = comparison.kls[ref] - comparison.kls[name]
        jitter = rng.uniform(-0.12, 0.12, len(diffs))
        paired.scatter(position + jitter, diffs, s=14, alpha=0.6)
        interval = mean_interval(diffs, seed=seed)
        paired.errorbar(
            position + 0.3,
            interval.estimate,
            yerr=[[interval.estimate - interval.low], [interval.high - interval.estimate]],
            fmt="D",
            color="black",
            capsize=5,
        )
    paired.axhline(0.0, color="gray", linewidth=1)
    paired.set_xlim(-0.5, len(names) - 1.5 + 0.5)
    paired.set_xticks(range(len(names) - 1), [f"{ref} - {n}" for n in names[1:]])
    paired.set(ylabel="per-batch KL difference (<0: plan better)")
    paired.set_title("paired differences (mean, 95% CI)")
    paired.grid(alpha=0.3, axis="y")
    if title:
        figure.suptitle(title)
    return _save(figure, path)


def plot_scaled(rows: Sequence[dict], path: Path, title: str = "") -> Path:
    """Held-out KL of the scaled plan and of uniform pruning vs whole-model sparsity."""
    figure = Figure(figsize=(6, 4), layout="constrained")
    axis = figure.subplots()
    x = np.array([r["model_sparsity"] for r in rows]) * 100
    for name, color in (("plan", "tab:green"), ("uniform", "tab:gray")):
        mean, errors = _error_bars(rows, f"kl_{name}")
        axis.errorbar(x, mean, yerr=errors, marker="o", capsize=4, label=name, color=color)
    axis.set(xlabel="whole-model sparsity (%)", ylabel="held-out KL per token")
    axis.legend()
    axis.grid(alpha=0.3)
    if title:
        axis.set_title(title)
    return _save(figure, path)


def plot_criteria(rows: Sequence[dict], criteria: Sequence[str], path: Path, title="") -> Path:
    """Held-out KL of uniform pruning vs ratio, one line (with 95% CI) per criterion."""
    figure = Figure(figsize=(6, 4), layout="constrained")
    axis = figure.subplots()
    x = [r["ratio"] for r in rows]
    for name in criteria:
        mean, errors = _error_bars(rows, f"kl_{name}")
        axis.errorbar(x, mean, yerr=errors, marker="o", capsize=4, label=name)
    axis.set(xlabel="uniform pruning ratio", ylabel="held-out KL per token")
    axis.legend()
    axis.grid(alpha=0.3)
    if title:
        axis.set_title(title)
    return _save(figure, path)


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    return np.convolve(np.pad(values, (window - 1, 0), mode="edge"), kernel, mode="valid")


def plot_curves(curves: dict[str, list[list[dict]]], path: Path, title: str = "") -> Path:
    """Return and KL per episode: per agent, the mean over its runs (shaded: min to max).

    `curves` maps an agent to its runs' metrics rows. Agents with a single row (fixed
    baselines) are drawn as dashed horizontal lines.
    """
    figure = Figure(figsize=(8, 6.5), layout="tight")
    top, bottom = figure.subplots(2, 1, sharex=True)
    longest = max((len(run) for runs in curves.values() for run in runs), default=1)
    window = max(1, longest // 25)
    for index, (label, runs) in enumerate(curves.items()):
        runs = [run for run in runs if run]
        if not runs:
            continue
        color = f"C{index % 10}"
        for axis, key in ((top, "return"), (bottom, "kl")):
            length = min(len(run) for run in runs)
            values = np.array([[row[key] for row in run[:length]] for run in runs])
            if length == 1:
                axis.axhline(values.mean(), color=color, linestyle="--", label=label)
                continue
            smoothed = np.array([_smooth(v, window) for v in values])
            episodes = np.arange(1, length + 1)
            axis.plot(episodes, smoothed.mean(axis=0), color=color, label=label)
            if len(runs) > 1:
                axis.fill_between(
                    episodes, smoothed.min(axis=0), smoothed.max(axis=0), color=color, alpha=0.2
                )
    top.set_ylabel("episode return")
    bottom.set_ylabel("calibration KL")
    bottom.set_xlabel(f"episode (moving average of {window})" if window > 1 else "episode")
    bottom.set_yscale("log")
    top.legend(fontsize=8, ncols=2)
    if title:
        top.set_title(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    return path


def plot_anytime(rows: Sequence[dict], path: Path, title: str = "") -> Path:
    """Held-out KL / uniform's against the episode budget: one line per method, the mean
    over its seeds (rows: ``agent``, ``episodes_budget``, ``kl_ratio``), log-scaled budgets."""
    figure = Figure(figsize=(6.4, 4.4), layout="constrained")
    axis = figure.subplots()
    for index, agent in enumerate(dict.fromkeys(r["agent"] for r in rows)):
        mine = [r for r in rows if r["agent"] == agent]
        budgets = sorted({int(r["episodes_budget"]) for r in mine})
        means = [
            np.mean([float(r["kl_ratio"]) for r in mine if int(r["episodes_budget"]) == b])
            for b in budgets
        ]
        axis.plot(budgets, means, marker="o", color=f"C{index % 10}", label=agent)
    axis.axhline(1.0, color="grey", linewidth=0.8, linestyle=":")
    axis.set_xscale("log")
    axis.set_xlabel("episodes (scored plans)")
    axis.set_ylabel("held-out KL / uniform's (mean of seeds)")
    axis.legend(fontsize=8, ncols=2)
    if title:
        axis.set_title(title)
    return _save(figure, path)
