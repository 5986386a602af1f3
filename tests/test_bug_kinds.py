"""Bug kinds as records: one per kind, read by the build, the teachers and the grader."""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path

import pytest

from evaluation.grader import GroundTruth, cause_pattern, grade
from finetune.build import to_case
from finetune.corpus import Program
from finetune.kinds import KIND_BY_NAME, KINDS, candidates, propose
from finetune.sandbox import Job, Limits, run_many
from finetune.teachers import OracleTeacher, hint_fields, oracle_hint, usable_hints

ROOT = Path(__file__).resolve().parents[1]

# A small correct program per new kind, where that kind's mistake fits and crashes.
PROGRAMS = {
    "shadowed_builtin": (
        "prices = [3, 5, 8]\ntotal = 0\nfor p in prices:\n    total += p\n"
        'print("Total:", total)\nprint("Biggest:", max(prices))\n'
    ),
    "missing_self": (
        "class Counter:\n    def __init__(self):\n        self.count = 0\n\n"
        "    def add(self, n):\n        self.count += n\n\n\n"
        "c = Counter()\nc.add(2)\nprint(c.count)\n"
    ),
    "method_on_class": (
        "class Counter:\n    def __init__(self):\n        self.count = 0\n\n"
        "    def add(self, n):\n        self.count += n\n\n\n"
        "c = Counter()\nc.add(2)\nprint(c.count)\n"
    ),
    "str_start_value": (
        'names = []\nfor word in ["a", "b"]:\n    names.append(word)\nprint(names)\n'
    ),
    "missing_return": "def double(x):\n    return x * 2\n\n\nprint(double(4) + 1)\n",
    "float_division": "items = [1, 2, 3, 4]\nmiddle = items[len(items) // 2]\nprint(middle)\n",
    "similar_name": 'words = ["hi", "yo"]\nfor word in words:\n    print(word.upper())\n',
    "global_assigned": (
        "rate = 2\n\n\ndef cost(n):\n    price = n * rate\n    return price\n\n\nprint(cost(3))\n"
    ),
    "swapped_args": (
        "def describe(name, age):\n"
        '    return name.upper() + " is " + str(age)\n\n\nprint(describe("Ann", 30))\n'
    ),
}
NEW_KINDS = tuple(PROGRAMS)


def cases_of(kind: str) -> list:
    """Every bug of `kind` in its program that fails as its record says, as cases."""
    program = Program(f"test-{kind}", PROGRAMS[kind])
    bugs = propose(program, KIND_BY_NAME[kind], seed=0)
    results = run_many([Job(b.code, b.stdin, Limits(timeout=2.0)) for b in bugs])
    return [c for b, r in zip(bugs, results, strict=True) if (c := to_case(b, r)) is not None]


def truth_of(case) -> GroundTruth:
    bug = case.bug
    return GroundTruth(
        lines=(bug.line,),
        fixed_lines=(bug.original_line,),
        broken_lines=(bug.broken_line,),
        token=bug.token,
        kind=bug.kind,
        exception=case.exception or "",
        code=bug.code,
        fixed_code=bug.fixed_code,
        traceback=case.error_output,
    )


def test_every_kind_is_one_complete_record():
    assert len({k.kind for k in KINDS}) == len(KINDS)
    for kind in KINDS:
        assert callable(kind.find) and kind.exception and kind.description
        re.compile(kind.cause)
        re.compile(kind.message)
        assert len(kind.hints) >= 2, kind.kind
        for template in kind.hints:
            assert "```" not in template and template.strip() == template
    assert set(NEW_KINDS) <= set(KIND_BY_NAME)


def test_new_kinds_stay_out_of_the_shipped_calibration_and_the_grader_fallback():
    for kind in NEW_KINDS:
        assert not KIND_BY_NAME[kind].calibration
        assert not KIND_BY_NAME[kind].fallback_words
    assert [k.kind for k in KINDS][: len(KINDS) - len(NEW_KINDS)] == [
        k.kind for k in KINDS if k.calibration
    ]


def test_the_grader_reads_cause_words_from_the_records():
    for kind in KINDS:
        assert cause_pattern(GroundTruth((1,), ("x",), kind=kind.kind)) == kind.cause
    unknown = cause_pattern(GroundTruth((1,), ("x",), exception="TypeError"))
    assert KIND_BY_NAME["str_plus_int"].cause in unknown
    assert KIND_BY_NAME["shadowed_builtin"].cause not in unknown


def test_templates_need_fields_the_case_has():
    case = cases_of("missing_self")[0]
    fields = hint_fields(case)
    assert fields["method"] in {"__init__", "add"} and fields["klass"] == "Counter"
    for kind in KINDS:
        for template in usable_hints(kind.kind, fields):
            template.format(**fields)  # every usable template can be filled in
    assert usable_hints("missing_key", {"line": 1, "token": "k"}) == []


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_new_kind_fails_as_claimed_and_its_hints_name_the_cause(kind):
    """The mistake crashes in the sandbox; every hint the oracle writes for it names the
    line to fix, never quotes the fix, and is graded identifying and not misleading."""
    cases = cases_of(kind)
    assert cases, f"no {kind} bug failed as its record claims"
    for case in cases:
        hints = {OracleTeacher(seed).hint(case) for seed in range(12)}
        assert len(hints) >= 2
        for hint in hints:
            assert re.search(rf"\bline {case.bug.line}\b", hint, re.IGNORECASE), hint
            assert case.bug.original_line.strip() not in hint
            verdict = grade(hint, truth_of(case))
            assert verdict.identifies_error, (hint, verdict.evidence)
            assert not verdict.misleading and not verdict.gives_away, (hint, verdict.evidence)


def test_cause_away_from_the_crash_line_is_named_as_such():
    for kind in ("shadowed_builtin", "missing_self", "missing_return", "swapped_args"):
        case = cases_of(kind)[0]
        assert case.reported_line != case.bug.line, kind
        hint = oracle_hint(case, random.Random(0))
        assert f"line {case.reported_line}" in hint and f"line {case.bug.line}" in hint


def test_shadowing_renames_the_variable_everywhere_in_its_scope():
    program = Program("p", PROGRAMS["shadowed_builtin"])
    found = propose(program, KIND_BY_NAME["shadowed_builtin"], seed=0)
    assert {b.line for b in found} == {1, 2, 3}  # prices, total and p, each renamed to max
    bug = next(b for b in found if b.line == 1)
    assert bug.broken_line == "max = [3, 5, 8]"
    assert "for p in max:" in bug.code and "max(max)" in bug.code
    assert bug.fixed_code.splitlines()[bug.line - 1] == bug.original_line


def test_candidates_take_a_chosen_set_of_kinds():
    programs = [Program(f"test-{k}", code) for k, code in PROGRAMS.items()]
    only = [KIND_BY_NAME["float_division"]]
    assert {b.kind for b in candidates(programs, 0, 2, only)} == {"float_division"}


def test_finetune_does_not_import_evaluation():
    for path in (ROOT / "finetune").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                module = getattr(node, "module", None) or ""
                assert not any(n.startswith("evaluation") for n in [module, *names]), path
