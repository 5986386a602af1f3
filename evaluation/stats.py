"""Confidence intervals for KL measured over many small batches of held-out prompts.

The unit of replication is a *batch*: a forward pass over a few prompts gives
one token-weighted KL. Plans compared on the same batches are *paired*, so the
difference per batch removes the prompt-to-prompt variance that dominates KL.

Intervals are percentile bootstrap intervals over batches (Efron & Tibshirani,
1993): resample the batches with replacement ``resamples`` times, recompute
the statistic, and take the 2.5% and 97.5% quantiles. For a ratio of two mean
KLs the same resampled batches feed numerator and denominator (a paired
bootstrap). The bootstrap needs no normality assumption, which per-batch KL
(positive, right-skewed) does not meet, and no SciPy. The generator is seeded,
so a report is reproducible to the digit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from llm_prune_gym import KLResult

CONFIDENCE = 0.95
RESAMPLES = 10_000


@dataclass
class Interval:
    """A point estimate with its bootstrap confidence interval."""

    estimate: float
    low: float
    high: float

    def to_dict(self, prefix: str) -> dict[str, float]:
        return {prefix: self.estimate, f"{prefix}_low": self.low, f"{prefix}_high": self.high}


def per_batch_kls(result: KLResult, batch_size: int) -> np.ndarray:
    """Token-weighted KL of each consecutive batch of `batch_size` sequences of `result`."""
    sums, counts = np.asarray(result.sums), np.asarray(result.counts, dtype=np.float64)
    starts = range(0, len(sums), batch_size)
    return np.array(
        [sums[i : i + batch_size].sum() / counts[i : i + batch_size].sum() for i in starts]
    )


def _resample_indices(n: int, resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def _percentiles(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(samples, [tail, 1.0 - tail])
    return float(low), float(high)


def mean_interval(
    values: Sequence[float],
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Interval:
    """Mean of `values` with a percentile-bootstrap confidence interval."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        raise ValueError("no values to summarise")
    means = values[_resample_indices(values.size, resamples, seed)].mean(axis=1)
    return Interval(float(values.mean()), *_percentiles(means, confidence))


def ratio_interval(
    numerator: Sequence[float],
    denominator: Sequence[float],
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Interval:
    """mean(numerator) / mean(denominator) over paired batches, with a paired bootstrap CI."""
    a, b = np.asarray(numerator, dtype=np.float64), np.asarray(denominator, dtype=np.float64)
    if a.shape != b.shape or a.size == 0:
        raise ValueError("a ratio needs two equally long, non-empty series of paired batches")
    if b.mean() <= 0:
        raise ValueError("the baseline's mean KL is zero: the ratio is undefined")
    index = _resample_indices(a.size, resamples, seed)
    ratios = a[index].mean(axis=1) / np.maximum(b[index].mean(axis=1), np.finfo(float).tiny)
    return Interval(float(a.mean() / b.mean()), *_percentiles(ratios, confidence))


def paired_summary(
    plan: Sequence[float], baseline: Sequence[float], seed: int = 0
) -> dict[str, float]:
    """Mean per-batch difference plan - baseline and the ratio of means, each with its CI.

    Also the share of batches where the plan's KL is lower (a sign-test view).
    """
    plan, baseline = np.asarray(plan, dtype=np.float64), np.asarray(baseline, dtype=np.float64)
    summary = mean_interval(plan - baseline, seed=seed).to_dict("diff")
    summary |= ratio_interval(plan, baseline, seed=seed).to_dict("ratio")
    summary["wins"] = float(np.mean(plan < baseline))
    return summary
