"""Grader-vs-hand-label statistics and the labelled-set files."""

from __future__ import annotations

import pytest

from evaluation.agreement import agreement, agreement_rows, half_of
from evaluation.labelset import hint_key, read_labels


def test_kappa_matches_a_worked_example():
    # 50 items: both yes 20, grader-only 5, label-only 10, both no 15 (Cohen's kappa 0.4)
    grader = [True] * 20 + [True] * 5 + [False] * 10 + [False] * 15
    labels = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    result = agreement(grader, labels)
    assert result.agreement == pytest.approx(0.7)
    assert result.precision == pytest.approx(20 / 25)
    assert result.recall == pytest.approx(20 / 30)
    assert result.kappa == pytest.approx(0.4)


def test_kappa_is_zero_at_chance_and_none_when_undefined():
    assert agreement([True, False, True, False], [True, True, False, False]).kappa == 0
    assert agreement([True, True], [True, True]).kappa is None
    assert agreement([], []).n == 0


def test_halves_are_fixed_and_balanced():
    ids = [f"rs-{n:03d}" for n in range(400)]
    halves = [half_of(i) for i in ids]
    assert halves == [half_of(i) for i in ids]
    assert 150 < halves.count("tune") < 250


def test_agreement_rows_cover_every_item_and_half():
    rows = [
        {"half": h, "grader_identifies": g, "label_identifies": g, "grader_misleading": g,
         "label_misleading": not g, "grader_gives_away": False, "label_gives_away": False}
        for h in ("tune", "check") for g in (True, False)
    ]  # fmt: skip
    table = agreement_rows(rows)
    assert {(r["half"], r["item"]) for r in table} == {
        (h, i) for h in ("tune", "check") for i in ("identifies", "misleading", "gives_away")
    }
    check = {r["item"]: r for r in table if r["half"] == "check"}
    assert check["identifies"]["agreement"] == 1 and check["misleading"]["agreement"] == 0


def test_read_labels_names_the_bad_row(tmp_path):
    path = tmp_path / "labels.csv"
    header = "key,identifies,misleading,gives_away,helpful,clear,note\n"
    path.write_text(header + f"{hint_key('a', 'base')},yes,no,no,3,4,ok\n")
    assert read_labels(path)["a|base"]["identifies"] is True
    path.write_text(header + "a|base,maybe,no,no,3,4,\n")
    with pytest.raises(ValueError, match="row 2"):
        read_labels(path)


def test_check_grader_writes_agreement_and_rates(tmp_path):
    import json

    from evaluation.labelset import check_grader

    code = "total = 0\nprint(totl)\n"
    traceback = (
        'Traceback (most recent call last):\n  File "main.py", line 2, in <module>\n'
        "    print(totl)\nNameError: name 'totl' is not defined\n"
    )
    cases, hints, rows = [], [], ["key,identifies,misleading,gives_away,helpful,clear,note"]
    for n in range(6):
        case_id = f"c{n}"
        cases.append(
            {
                "id": case_id,
                "code": code,
                "fixed_code": code.replace("totl", "total"),
                "error_output": traceback,
                "exception": "NameError",
                "origin": "realstyle",
            }
        )
        good = "Line 2 has a typo: `totl` should match the name you made."
        bad = "You divide by zero on line 1."
        for student, text, label in (("good", good, "yes,no"), ("bad", bad, "no,yes")):
            hints.append(
                {"key": f"{case_id}|{student}", "id": case_id, "student": student, "hint": text}
            )
            rows.append(f"{case_id}|{student},{label},no,3,4,")
    (tmp_path / "cases.jsonl").write_text("\n".join(json.dumps(c) for c in cases))
    (tmp_path / "hints.jsonl").write_text("\n".join(json.dumps(h) for h in hints))
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    result = check_grader(tmp_path, tmp_path / "out")
    assert result["hints"] == 12
    assert "| good |" in (tmp_path / "out" / "rates.md").read_text()
    agreement = (tmp_path / "out" / "agreement.md").read_text()
    assert "identifies" in agreement and "1.00" in agreement
