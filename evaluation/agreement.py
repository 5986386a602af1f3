"""How far the offline grader agrees with hints labelled by hand.

Hand labels (``docs/hint-rubric.md``) are the reference; the grader's yes/no verdicts
are compared with them item by item (identifies, misleading, gives away) and reported
as agreement, precision and recall of the grader's *yes*, and Cohen's kappa
(Cohen, 1960): ``(p_o - p_e) / (1 - p_e)``, the agreement beyond what two raters with
the same yes-rates would reach by chance. Kappa is 0 for chance-level agreement and 1
for perfect agreement; it is undefined (reported as None) when both raters give one
answer only.

Cases are split into two halves by program, with a hash of the program id, so the
split never depends on the order of a file: the grader's rules may be tuned on the
``tune`` half only, and its figures are reported on the ``check`` half.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

ITEMS = ("identifies", "misleading", "gives_away")
HALVES = ("tune", "check")


def half_of(program_id: str, salt: str = "hint-labels-v1") -> str:
    """``tune`` or ``check``: a fixed, order-free split of programs into two halves."""
    digest = hashlib.sha256(f"{salt}:{program_id}".encode()).digest()
    return HALVES[digest[0] % 2]


@dataclass(frozen=True)
class Agreement:
    """The grader's verdicts against hand labels for one yes/no item."""

    n: int
    agreement: float | None
    precision: float | None
    recall: float | None
    kappa: float | None
    grader_yes: int
    label_yes: int

    def row(self, prefix: str = "") -> dict[str, float | int | None]:
        return {f"{prefix}{key}": value for key, value in self.__dict__.items()}


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def agreement(grader: Sequence[bool], labels: Sequence[bool]) -> Agreement:
    """Agreement, precision, recall (of the grader's yes) and Cohen's kappa."""
    if len(grader) != len(labels):
        raise ValueError(f"{len(grader)} grader verdicts for {len(labels)} labels")
    n = len(labels)
    both = sum(1 for g, h in zip(grader, labels, strict=True) if g and h)
    same = sum(1 for g, h in zip(grader, labels, strict=True) if g == h)
    grader_yes, label_yes = sum(map(bool, grader)), sum(map(bool, labels))
    kappa = None
    if n:
        observed = same / n
        expected = (grader_yes * label_yes + (n - grader_yes) * (n - label_yes)) / (n * n)
        kappa = (observed - expected) / (1 - expected) if expected < 1 else None
    return Agreement(
        n=n,
        agreement=_ratio(same, n),
        precision=_ratio(both, grader_yes),
        recall=_ratio(both, label_yes),
        kappa=kappa,
        grader_yes=grader_yes,
        label_yes=label_yes,
    )


def agreement_rows(rows: Sequence[dict], groups: Sequence[str] = ("half",)) -> list[dict]:
    """One row per (group values, item): `rows` hold ``grader_ITEM`` and ``label_ITEM``."""
    keyed: dict[tuple, list[dict]] = {}
    for row in rows:
        keyed.setdefault(tuple(row[g] for g in groups), []).append(row)
    out = []
    for key, members in sorted(keyed.items()):
        for item in ITEMS:
            pairs = [
                (bool(r[f"grader_{item}"]), bool(r[f"label_{item}"]))
                for r in members
                if r.get(f"grader_{item}") is not None and r.get(f"label_{item}") is not None
            ]
            result = agreement([g for g, _ in pairs], [h for _, h in pairs])
            out.append(dict(zip(groups, key, strict=True)) | {"item": item} | result.row())
    return out
