"""How well do the agents' models predict a plan's KL? Fit on part of real plan -> KL data.

For every (criterion, target) row of the data, the plans are split at random
(seeded) into a fitting part and a held-out part; each model is fitted on the first
and predicts ``log KL`` of the second. Reported: Spearman's rank correlation (what
choosing between plans needs) and the RMSE of ``log KL``.

- ``psrl``: psrl's model, exactly (``-log KL`` a sum of per-unit degree-4 polynomials
  plus an intercept, its prior and noise), the posterior mean;
- ``power-sum``: the surrogate agent's model (``KL = KL_0 S(x) ** beta``), the most
  probable ``beta``'s posterior mean;
- ``power-sum, beta = 1`` (the KL a sum of unit costs) and ``no groups`` (no
  layer / module-type coefficients): ablations;
- ``nearest``: the KL of the nearest fitted plan (Euclidean), a model-free floor.

``--oracle OUT.npz`` also fits the simulator's oracle for ``bench/agent_sim.py`` on all
the plans of each row: the power-sum model plus a per-layer interaction term (a
polynomial in the layer's pruned share), by least squares at the ``beta`` of least
held-out error.

    python bench/surrogate_fit.py plans.jsonl --oracle /tmp/oracle-magnitude.npz
"""

from __future__ import annotations

import argparse
import dataclasses
import json

import numpy as np
import torch

from agents.settings import SurrogateSettings
from agents.surrogate import PowerSumModel

BETAS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0)  # the oracle's compounding factors to choose from


def ranks(values: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(values)).astype(np.float64)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def psrl_predict(train_x, train_kl, test_x, shares, degree=4, prior_sd=0.1, noise_sd=0.05):
    """psrl's posterior mean (agents/psrl.py's prior and update), as predicted log KLs."""

    def rows(x: np.ndarray) -> np.ndarray:
        powers = x[..., None] ** np.arange(1, degree + 1)
        return np.concatenate([powers.reshape(len(x), -1), np.ones((len(x), 1))], axis=1)

    size = shares.size * degree + 1
    precision = np.eye(size) / prior_sd**2
    precision[-1, -1] = 1e-6
    prior_mean = np.zeros((*shares.shape, degree))
    prior_mean[..., -1] = -shares / shares.mean()
    weighted = precision @ np.append(prior_mean.ravel(), 0.0)
    features = rows(train_x) / noise_sd
    precision += features.T @ features
    weighted += features.T @ (-np.log(train_kl)) / noise_sd
    mean = np.linalg.solve(precision, weighted)
    return -(rows(test_x) @ mean)


def power_sum_predict(train_x, train_kl, test_x, shares, settings: SurrogateSettings):
    """The surrogate agent's model, most probable beta, posterior mean: predicted log KLs."""
    model = PowerSumModel(shares, float(train_x.mean()), settings)
    for x, kl in zip(train_x, train_kl, strict=True):
        model.observe(x, kl)
    index, mean = model.posterior().best()
    return np.array([np.log(model.predict_kl(x, index, mean)) for x in test_x]), index


def no_groups(settings: SurrogateSettings) -> SurrogateSettings:
    """Shared coefficients pinned near 0 (a tiny prior sd): every unit on its own."""
    return dataclasses.replace(settings, group_prior_sd=1e-6)


def nearest_predict(train_x, train_kl, test_x):
    distances = ((test_x[:, None] - train_x[None]) ** 2).sum(axis=(2, 3))
    return np.log(train_kl[distances.argmin(axis=1)])


def layer_load(x: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """``[N, L]``: each layer's pruned share of its prunable weights (ratios / r_max)."""
    return (x * shares).sum(axis=-1) / shares.sum(axis=-1)


def oracle_rows(x: np.ndarray, shares: np.ndarray, degree: int) -> np.ndarray:
    unit = x[..., None] ** np.arange(1, degree + 1)
    layer = layer_load(x, shares)[..., None] ** np.arange(1, degree + 1)
    return np.concatenate(
        [unit.reshape(len(x), -1), layer.reshape(len(x), -1), np.ones((len(x), 1))], axis=1
    )


def fit_oracle(x, kl, shares, betas, degree=4, ridge=1e-4, seed=0) -> dict:
    """The simulator's oracle: weighted ridge least squares of ``(KL / KL_0) ** (1 / beta)``."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    fold = order[: len(x) // 5]
    rest = order[len(x) // 5 :]
    reference = float(np.exp(np.log(kl).mean()))

    def fit(indices, beta):
        z = (kl[indices] / reference) ** (1 / beta)
        weights = 1 / z  # log KL's noise carried to z: sd proportional to z
        rows = oracle_rows(x[indices], shares, degree) * weights[:, None]
        gram = rows.T @ rows + ridge * np.eye(rows.shape[1])
        return np.linalg.solve(gram, rows.T @ (z * weights))

    def error(beta):
        theta = fit(rest, beta)
        total = np.maximum(oracle_rows(x[fold], shares, degree) @ theta, 1e-9)
        return float(np.sqrt(np.mean((beta * np.log(total) - np.log(kl[fold] / reference)) ** 2)))

    errors = {beta: error(beta) for beta in betas}
    beta = min(errors, key=errors.get)
    theta = fit(np.arange(len(x)), beta)
    units = shares.size * degree
    return {
        "beta": beta,
        "reference": reference,
        "unit": theta[:units].reshape(*shares.shape, degree),
        "layer": theta[units:-1].reshape(shares.shape[0], degree),
        "intercept": theta[-1],
        "heldout_rmse": errors[beta],
    }


def compare(x, kl, shares, seed: int, fit_share: float) -> dict:
    """Every model's held-out Spearman and log-KL RMSE on one split of one row's plans."""
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(fit_share * len(x))
    train, test = order[:cut], order[cut:]
    truth = np.log(kl[test])
    settings = SurrogateSettings()
    predictions = {
        "psrl": psrl_predict(x[train], kl[train], x[test], shares),
        "power-sum": power_sum_predict(x[train], kl[train], x[test], shares, settings)[0],
        "power-sum, beta=1": power_sum_predict(
            x[train], kl[train], x[test], shares, dataclasses.replace(settings, betas=(1.0,))
        )[0],
        "power-sum, no groups": power_sum_predict(
            x[train], kl[train], x[test], shares, no_groups(settings)
        )[0],
        "nearest": nearest_predict(x[train], kl[train], x[test]),
    }
    beta = settings.betas[power_sum_predict(x[train], kl[train], x[test], shares, settings)[1]]
    result = {
        name: (spearman(p, truth), float(np.sqrt(np.mean((p - truth) ** 2))))
        for name, p in predictions.items()
    }
    return {"models": result, "beta": beta, "fit": len(train), "test": len(test)}


def load_rows(path: str) -> dict[tuple[str, float], dict]:
    """JSONL, one scored plan a line: ``criterion``, ``target``, ``ratios`` (L x K), ``kl``,
    ``max_ratio`` and ``unit_sizes`` (L x K); grouped by (criterion, target)."""
    rows: dict[tuple[str, float], dict] = {}
    with open(path) as lines:
        for line in lines:
            if not line.strip():
                continue
            item = json.loads(line)
            row = rows.setdefault(
                (item["criterion"], float(item["target"])),
                {"x": [], "kl": [], "cap": float(item["max_ratio"]), "sizes": item["unit_sizes"]},
            )
            row["x"].append(np.array(item["ratios"], dtype=np.float64) / row["cap"])
            row["kl"].append(float(item["kl"]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="JSONL of scored plans (load_rows says the keys)")
    parser.add_argument("--fit-share", type=float, default=0.5)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--criterion", default="magnitude", help="the oracle's rows")
    parser.add_argument("--oracle", help="write the simulator's oracle here (.npz)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = load_rows(args.data)
    for (criterion, target), row in sorted(rows.items()):
        x, kl = np.array(row["x"]), np.array(row["kl"])
        shares = np.array(row["sizes"], dtype=np.float64)
        shares /= shares.sum()
        results = [compare(x, kl, shares, int(s), args.fit_share) for s in args.seeds.split(",")]
        print(
            f"{criterion} {target}: {len(x)} plans, fit on {results[0]['fit']}, "
            f"beta {[r['beta'] for r in results]}"
        )
        for name in results[0]["models"]:
            rho = np.mean([r["models"][name][0] for r in results])
            rmse = np.mean([r["models"][name][1] for r in results])
            print(f"  {name:<22} Spearman {rho:.3f}  log-KL RMSE {rmse:.3f}")
    if args.oracle:
        chosen = sorted(key for key in rows if key[0] == args.criterion)
        fits = []
        for key in chosen:
            row = rows[key]
            shares = np.array(row["sizes"], dtype=np.float64) / np.sum(row["sizes"])
            fits.append(fit_oracle(np.array(row["x"]), np.array(row["kl"]), shares, BETAS))
            print(
                f"oracle {key}: beta {fits[-1]['beta']}, held-out log-KL RMSE "
                f"{fits[-1]['heldout_rmse']:.3f}"
            )
        np.savez(
            args.oracle,
            targets=[key[1] for key in chosen],
            cap=rows[chosen[0]]["cap"],
            shares=shares,
            **{
                name: [fit[name] for fit in fits]
                for name in ("beta", "reference", "unit", "layer", "intercept")
            },
        )


if __name__ == "__main__":
    main()
