"""Sensitivity analysis: how much KL each kind of pruning costs on its own.

Three sweeps, each a list of rows (one KL evaluation over the workbench's
calibration prompts per row):

- ``module``: one linear module type pruned at ratio ``r`` in *every* layer, the
  others untouched (the report's Figure 2: which module types tolerate pruning);
- ``layer``: every prunable module of *one* layer pruned at ``r`` (which layers
  are fragile: the first and last usually are);
- ``uniform``: a set of module types pruned at ``r`` everywhere, for each pruning
  criterion (magnitude vs Wanda).

Build the workbench with ``modules=ALL_LLAMA_MODULES`` to cover all seven linear
modules of a Llama layer, not only the four an agent prunes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tqdm.auto import tqdm

from llm_prune_gym import Workbench
from llm_prune_gym.batched import DEFAULT_MAX_BATCH_PLANS

ANALYSES = ("module", "layer", "uniform")


def evaluate_row(workbench: Workbench, ratios: np.ndarray, **labels) -> dict:
    """One sweep row: the labels, the KL of `ratios` and the sparsity it reaches."""
    return sweep_row(workbench, ratios, workbench.kl(ratios).mean, **labels)


def sweep_row(workbench: Workbench, ratios: np.ndarray, kl: float, **labels) -> dict:
    """One sweep row for `ratios` whose KL is known (sparsities as the pruner rounds)."""
    prunable, model = workbench.sparsity(ratios)
    return {
        **labels,
        "criterion": workbench.criterion,
        "kl": float(kl),
        "prunable_sparsity": prunable,
        "model_sparsity": model,
    }


def module_tables(workbench: Workbench, ratios: Sequence[float]) -> list[tuple[dict, np.ndarray]]:
    """(labels, ratio table) pruning one module type in all layers, for each type and ratio."""
    tables = []
    for unit, module in enumerate(workbench.modules):
        for ratio in ratios:
            table = np.zeros_like(workbench.sizes)
            table[:, unit] = ratio
            labels = {"analysis": "module", "module": module, "layer": "all", "ratio": ratio}
            tables.append((labels, table))
    return tables


def layer_tables(workbench: Workbench, ratio: float) -> list[tuple[dict, np.ndarray]]:
    """(labels, ratio table) pruning all modules of one layer at `ratio`, for each layer."""
    tables = []
    for layer in range(workbench.num_layers):
        table = np.zeros_like(workbench.sizes)
        table[layer, :] = ratio
        labels = {"analysis": "layer", "module": "all", "layer": layer, "ratio": ratio}
        tables.append((labels, table))
    return tables


def uniform_tables(
    workbench: Workbench, ratios: Sequence[float], modules: Sequence[str]
) -> list[tuple[dict, np.ndarray]]:
    """(labels, ratio table) pruning `modules` uniformly at each ratio."""
    missing = sorted(set(modules) - set(workbench.modules))
    if missing:
        raise ValueError(f"modules {missing} are not among the workbench's {workbench.modules}")
    columns = [workbench.modules.index(m) for m in modules]
    tables = []
    for ratio in ratios:
        table = np.zeros_like(workbench.sizes)
        table[:, columns] = ratio
        labels = {"analysis": "uniform", "module": "+".join(modules), "layer": "all"}
        tables.append((labels | {"ratio": ratio}, table))
    return tables


def run_sweeps(
    workbench: Workbench,
    tables: Sequence[tuple[dict, np.ndarray]],
    desc: str = "sensitivity",
    progress: bool = True,
) -> list[dict]:
    """Evaluate each ratio table on `workbench`, a batch of tables per `batch_kls` call."""
    rows: list[dict] = []
    with tqdm(total=len(tables), desc=desc, unit="eval", disable=not progress) as bar:
        for start in range(0, len(tables), DEFAULT_MAX_BATCH_PLANS):
            chunk = tables[start : start + DEFAULT_MAX_BATCH_PLANS]
            results = workbench.batch_kls([table for _, table in chunk])
            for (labels, table), result in zip(chunk, results, strict=True):
                rows.append(sweep_row(workbench, table, result.mean, **labels))
            bar.update(len(chunk))
    return rows


def module_matrix(rows: Sequence[dict]) -> tuple[list[str], list[float], np.ndarray]:
    """The ``module`` rows as (module names, ratios, KL matrix modules x ratios)."""
    rows = [r for r in rows if r["analysis"] == "module"]
    modules = list(dict.fromkeys(r["module"] for r in rows))
    ratios = sorted({r["ratio"] for r in rows})
    matrix = np.full((len(modules), len(ratios)), np.nan)
    for row in rows:
        matrix[modules.index(row["module"]), ratios.index(row["ratio"])] = row["kl"]
    return modules, ratios, matrix
