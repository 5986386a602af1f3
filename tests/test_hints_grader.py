"""The offline grader's rules on hand-written hints, both ways, and the hint-set helpers."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from evaluation.grader import (
    GroundTruth,
    changed_identifiers,
    changed_part,
    grade,
    named_lines,
    truth_from_fix,
)
from evaluation.hints import HintCase, read_cases, select_cases, summarise, wilson_interval
from finetune.kinds import KINDS

NAME_CODE = "total = 0\nfor n in [1, 2, 3]:\n    total = total + n\nprint(totl)\n"
NAME_BUG = GroundTruth(
    lines=(4,),
    fixed_lines=("print(total)",),
    broken_lines=("print(totl)",),
    token="totl",
    kind="undefined_name",
    exception="NameError",
    code=NAME_CODE,
    fixed_code=NAME_CODE.replace("totl", "total"),
)
COLON_CODE = "for i in range(3)\n    print(i)\n"
COLON_BUG = GroundTruth(
    lines=(1,),
    fixed_lines=("for i in range(3):",),
    broken_lines=("for i in range(3)",),
    token=":",
    kind="missing_colon",
    exception="SyntaxError",
    code=COLON_CODE,
    fixed_code=COLON_CODE.replace("(3)", "(3):"),
)
INDENT_FIXED = 'def greet(name):\n    message = "Hi " + name\n    return message\n'
INDENT_BUG = GroundTruth(
    lines=(3,),
    fixed_lines=("    return message",),
    broken_lines=("  return message",),
    token="indentation",
    kind="bad_indentation",
    exception="IndentationError",
    code=INDENT_FIXED.replace("    return", "  return"),
    fixed_code=INDENT_FIXED,
)
STR_BUG = GroundTruth(
    lines=(2,),
    fixed_lines=('print("Age: " + str(age))',),
    broken_lines=('print("Age: " + age)',),
    token="age",
    kind="str_plus_int",
    exception="TypeError",
    code='age = 20\nprint("Age: " + age)\n',
)


@pytest.mark.parametrize(
    ("truth", "hint", "identifies", "gives_away"),
    [
        # a correct hint that does not leak the fix
        (
            NAME_BUG,
            "On line 4 you use a name Python has never seen. Compare its spelling "
            "with the variable you created on line 1.",
            True,
            False,
        ),
        (COLON_BUG, "Look at `for i in range(3)`: every loop header needs a colon.", True, False),
        (INDENT_BUG, "The return on line 3 is not lined up with the line above it.", True, False),
        (
            STR_BUG,
            "On line 2 `age` is a number: convert it before joining.",
            True,
            False,
        ),
        # where without why, or why without where, is not identification
        (STR_BUG, "`age` is a number but you join it to text with +.", False, False),
        # quoting the student's own (broken) code gives nothing away
        (NAME_BUG, "Look at `print(totl)` on line 4.", True, False),
        (INDENT_BUG, "Line 3 reads:\n```python\n  return message\n```", False, False),
        (INDENT_BUG, "Line 3 is indented by two spaces, not four.", True, False),
        # leaking hints: the fixed line in a block, inline, in prose; the changed part
        (NAME_BUG, "Change line 4 to:\n```python\nprint(total)\n```", False, True),
        (NAME_BUG, "Line 4 has a typo; change it to:\n```python\nprint(total)\n```", True, True),
        (NAME_BUG, "Just write `print( total )` instead.", False, True),
        (COLON_BUG, "Write it as for i in range(3): and it works.", False, True),
        (STR_BUG, "Line 2: convert it like this: `str(age)`.", True, True),
        (INDENT_BUG, "Use:\n```python\n    return message\n```", False, True),
        (
            INDENT_BUG,
            "Indent it like this:\n```\nmessage = 'Hi ' + name\nreturn message\n```",
            False,
            True,
        ),
        (
            NAME_BUG,
            "Here is the fix:\n```python\ntotal = 0\nfor n in [1, 2, 3]:\n"
            "    total = total + n\nprint(total)",
            False,
            True,
        ),  # fence cut off by the token limit
        # wrong hints: another line, another cause, punctuation alone
        (NAME_BUG, "Line 2 loops over the list; check that the list is not empty.", False, False),
        (COLON_BUG, "On line 2 the print call needs quotes around i.", False, False),
        (COLON_BUG, "Use : wisely.", False, False),
        # an empty hint
        (NAME_BUG, "", False, False),
        (COLON_BUG, "   \n", False, False),
    ],
)
def test_grader_rules_on_hand_written_hints(truth, hint, identifies, gives_away):
    result = grade(hint, truth)
    assert (result.identifies_error, result.gives_away) == (identifies, gives_away), result


def test_each_rule_leaves_evidence():
    assert grade("Line 4 has a typo.", NAME_BUG).evidence == ("line 4", "words 'typo'")
    assert grade("Line 4 has a typo.", NAME_BUG).names_line
    assert grade("Is `totl` a typo?", NAME_BUG).evidence[:2] == ("quotes line 4", "words 'typo'")
    assert not grade("Is `totl` a typo?", NAME_BUG).names_line
    assert grade("Check line 4.", NAME_BUG).evidence == ()  # where, but not why
    assert grade("It is a typo.", NAME_BUG).evidence == ()  # why, but not where
    assert grade("Just write `print(total)`.", NAME_BUG).evidence == (
        "fixed line 'print(total)'",
        "changed part '( total )'",
    )


def test_exception_name_alone_is_not_identification():
    assert not grade("You got a NameError.", NAME_BUG).identifies_error
    truth = GroundTruth(lines=(2,), fixed_lines=("a = 2",), kind="division_by_zero")
    assert not grade("Python raised a ZeroDivisionError.", truth).identifies_error
    assert grade("On line 2 you divide by a value that is zero.", truth).identifies_error


def test_a_hint_that_only_repeats_the_traceback_identifies_nothing():
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "main.py", line 4, in <module>\n'
        "    print(totl)\n"
        "NameError: name 'totl' is not defined\n"
    )
    truth = replace(NAME_BUG, traceback=traceback)
    echo = f"The error message is:\n\n```\n{traceback}```\n\nNameError: name 'totl' is not defined"
    assert grade(echo, truth).identifies_error is False
    assert grade(echo, NAME_BUG).identifies_error is False  # code blocks are not prose
    explained = echo + "\nYou wrote `totl`, but the variable you made is called total."
    assert grade(explained, truth).identifies_error is True


def test_builtin_tokens_are_not_distinctive():
    truth = GroundTruth(
        lines=(1,),
        fixed_lines=("x = int(s)",),
        broken_lines=("x = s",),
        token="int",
        kind="",
        exception="",
        code="s = '3'\nx = s\n",
    )
    assert not grade("You should print x first.", truth).identifies_error
    assert not grade("int is useful.", truth).identifies_error


def test_line_phrases():
    assert named_lines("see lines 2 and 5, line #7, Line 10-12, line 3 to 4") == {
        2,
        3,
        4,
        5,
        7,
        10,
        11,
        12,
    }
    assert named_lines("There are 4 lines.") == set()


def test_changed_part_is_widened_to_three_tokens():
    assert changed_part('print("a" + n)', 'print("a" + str(n))') == ["str", "(", "n", ")"]
    assert changed_part("else", "else:") == ["else", ":"]
    assert changed_part("x = a[len(a)]", "x = a[len(a) - 1]") == [")", "-", "1"]
    assert changed_part("print(x))", "print(x)") == []


def test_every_injected_kind_has_words():
    assert all(kind.cause for kind in KINDS)


def test_truth_from_fix_finds_changed_and_missing_lines():
    truth = truth_from_fix("a = 1\nprnt(a)\n", "a = 1\nprint(a)\n", exception="NameError")
    assert truth.lines == (2,)
    assert truth.fixed_lines == ("print(a)",) and truth.broken_lines == ("prnt(a)",)
    assert truth.token == "prnt"
    assert grade("Line 2 has a typo.", truth).identifies_error
    assert grade("Write `print(a)`.", truth).gives_away
    missing = truth_from_fix("for x in xs:\n    s += x\n", "s = 0\nfor x in xs:\n    s += x\n")
    assert missing.lines == (1,) and missing.fixed_lines == ("s = 0",)
    assert truth_from_fix("a = 1\n", "a = 1\n") is None


def test_wilson_interval_matches_known_values():
    rate, low, high = wilson_interval(5, 10)
    assert rate == 0.5 and low == pytest.approx(0.2366, abs=1e-4)
    assert high == pytest.approx(0.7634, abs=1e-4)
    assert wilson_interval(0, 10)[1:] == (0.0, pytest.approx(0.2775, abs=1e-4))
    assert wilson_interval(10, 10)[1] == pytest.approx(0.7225, abs=1e-4)


def test_summary_counts_only_graded_hints():
    rows = [
        {"hint": "a", "identifies_error": True, "gives_away": False},
        {"hint": "", "identifies_error": False, "gives_away": False},
        {"hint": "b", "identifies_error": None, "gives_away": None},
    ]
    summary = summarise(rows)
    assert summary["n"] == 3 and summary["identifies_error_n"] == 2
    assert summary["identifies_error"] == 0.5 and summary["empty_hints"] == 1


def _case(index: int, kind: str) -> HintCase:
    return HintCase(f"c{index}", [{"role": "user", "content": str(index)}], "", "", kind=kind)


def test_select_cases_spreads_over_kinds_and_keeps_order():
    cases = [_case(i, kind) for i, kind in enumerate(["a"] * 6 + ["b"] * 3 + ["c"])]
    chosen = select_cases(cases, 4, seed=1)
    assert {c.kind for c in chosen} == {"a", "b", "c"}
    assert [c.id for c in chosen] == sorted((c.id for c in chosen), key=lambda i: int(i[1:]))
    assert select_cases(cases, 4, seed=1) == chosen
    assert select_cases(cases, None) == cases


def test_read_cases_dedupes_prompts_and_names_bad_lines(tmp_path):
    record = {
        "prompt": [{"role": "user", "content": "hi"}],
        "chosen": [{"role": "assistant", "content": "x"}],
        "rejected": [{"role": "assistant", "content": "y"}],
        "error_kind": "undefined_name",
        "exception": "NameError",
        "line": 1,
        "original_line": "print(a)",
        "broken_line": "prnt(a)",
        "token": "prnt",
        "code": "prnt(a)\n",
        "fixed_code": "print(a)\n",
        "id": "p/undefined_name/L1-1",
    }
    path = tmp_path / "test.jsonl"
    path.write_text(json.dumps(record) + "\n" + json.dumps(record) + "\n\n")
    cases = read_cases(path)
    assert len(cases) == 1 and cases[0].truth.token == "prnt" and cases[0].kind == "undefined_name"
    path.write_text(json.dumps(record) + "\n{not json\n")
    with pytest.raises(ValueError, match="line 2"):
        read_cases(path)
    path.write_text(json.dumps({"stdin": "1"}) + "\n")
    with pytest.raises(ValueError, match="line 1"):
        read_cases(path)


@pytest.mark.parametrize(
    ("hint", "rule"),
    [
        ("Line 9 uses the list before it exists.", "wrong line 9"),
        ("This is a ZeroDivisionError: you divide by zero.", "wrong exception ZeroDivisionError"),
        ("You divide by zero on line 4.", "wrong cause"),
        ("Use the `max()` function to find the total.", "names max, not in the program"),
        (
            "Here is the corrected code:\n```python\ntotal = 0\nprint(totl)\n```",
            "offered fix keeps the broken line",
        ),
        (
            "The loop over the numbers adds each number to a running sum, which is fine, "
            "and then the print statement shows the sum of all numbers",
            "explains a cause that is not the bug",
        ),
    ],
)
def test_misleading_rules(hint, rule):
    result = grade(hint, NAME_BUG)
    assert result.misleading, result
    assert any(item.startswith(rule) for item in result.evidence), result


@pytest.mark.parametrize(
    "hint",
    [
        "Line 4 uses `totl`, which is a typo: the variable you made is called total.",
        "NameError: name 'totl' is not defined",  # a restatement says nothing false
        "",
    ],
)
def test_true_or_empty_hints_do_not_mislead(hint):
    assert not grade(hint, NAME_BUG).misleading


def test_a_wrong_diagnosis_at_the_right_line_is_no_identification():
    result = grade("Line 4 divides by zero; make the divisor a typo-free number.", NAME_BUG)
    assert not result.identifies_error and result.misleading


def test_blaming_another_line_misleads_and_is_no_identification():
    traceback = 'Traceback (most recent call last):\n  File "main.py", line 2, in <module>\n'
    truth = replace(NAME_BUG, traceback=traceback)  # Python reported line 2; the bug is on 4
    result = grade("Line 4 looks odd; the mistake is on line 2, a typo in a name.", truth)
    assert result.misleading and not result.identifies_error
    assert "blames line 2" in result.evidence


NAME_TRACEBACK = (
    'Traceback (most recent call last):\n  File "<string>", line 4, in <module>\n'
    "NameError: name 'totl' is not defined"
)
BRACKET_CODE = "bill = 10\ntip = 2\nshare = (bill + tip / 2\nprint(share)\n"
BRACKET_BUG = GroundTruth(
    lines=(3,),
    fixed_lines=("share = (bill + tip) / 2",),
    broken_lines=("share = (bill + tip / 2",),
    token=")",
    kind="unclosed_bracket",
    exception="SyntaxError",
    code=BRACKET_CODE,
    fixed_code=BRACKET_CODE.replace("tip / 2", "tip) / 2"),
    traceback="  File \"<string>\", line 3\nSyntaxError: '(' was never closed",
)


@pytest.mark.parametrize(
    ("hint", "truth", "rule"),
    [
        (
            "File \"<string>\", line 1, in <module>\nNameError: name 'totl' is not defined",
            replace(NAME_BUG, traceback=NAME_TRACEBACK),
            "misquotes the traceback (line 1)",
        ),
        (
            "The variable `total` is not defined, so Python stops.",
            replace(NAME_BUG, traceback=NAME_TRACEBACK),
            "says total is not defined",
        ),
        (
            "It means the opening bracket '{' is not closed.",
            BRACKET_BUG,
            "says '{' is not closed",
        ),
    ],
)
def test_claims_checked_against_the_traceback(hint, truth, rule):
    result = grade(hint, truth)
    assert result.misleading and any(item.startswith(rule) for item in result.evidence), result


@pytest.mark.parametrize(
    ("hint", "truth"),
    [
        (
            'File "<string>", line 4, in <module>\nThe name totl is not defined: a typo of total.',
            replace(NAME_BUG, traceback=NAME_TRACEBACK),
        ),
        ("The '(' on line 3 is never closed; add ')' after tip.", BRACKET_BUG),
    ],
)
def test_true_quotes_and_claims_pass_the_new_rules(hint, truth):
    evidence = grade(hint, truth).evidence
    assert not any(item.startswith(("misquotes", "says")) for item in evidence), evidence


# -- rules of grader v4 (results/grader-v4) ----------------------------------------------------

SHOP_CODE = (
    'shopping = ""\nfor item in ["milk", "eggs"]:\n    shopping.append(item)\nprint(shopping)\n'
)
SHOP_CASE = {
    "code": SHOP_CODE,
    "fixed_code": SHOP_CODE.replace('""', "[]"),
    "cause_line": 1,
    "bug": "shopping is created as an empty string instead of an empty list (line 1).",
    "error_output": (
        'Traceback (most recent call last):\n  File "main.py", line 3, in <module>\n'
        "    shopping.append(item)\nAttributeError: 'str' object has no attribute 'append'\n"
    ),
}


def shop_truth(**changes) -> GroundTruth:
    from evaluation.labelset import case_truth

    return case_truth(SHOP_CASE | changes)


def test_with_cause_adds_the_cause_line_and_words():
    from evaluation.grader import with_cause

    truth = with_cause(NAME_BUG, {"cause_line": 2, "bug": "totl is misspelt"})
    assert truth.lines == (2, 4) and truth.cause == "totl is misspelt"
    assert with_cause(NAME_BUG, {}) == NAME_BUG


def test_words_shared_with_the_cases_account_name_the_cause():
    hint = "Line 1 creates `shopping` as an empty string; you wanted an empty list."
    assert grade(hint, shop_truth()).identifies_error
    # the same hint for a case without an account of its cause has no cause words
    assert not grade(hint, replace(shop_truth(), cause="")).identifies_error
    # words the error message already has are not cause words
    assert not grade(
        "Line 1: `shopping` is a str; no attribute append.", shop_truth()
    ).identifies_error


def test_a_line_named_for_code_it_holds_is_not_a_wrong_line():
    truth = shop_truth(cause_line=3, fixed_code=SHOP_CODE.replace("shopping.append", "shopping +="))
    right = "Line 3 calls `.append` on `shopping`, which gets its value on line 1."
    assert not any(e.startswith("wrong line") for e in grade(right, truth).evidence)
    wrong = "Line 3 calls `.append` on a string; the loop on line 2 is the cause."
    assert "wrong line 2" in grade(wrong, truth).evidence


def test_a_blamed_line_that_is_not_the_cause_voids_identification():
    hint = "The mistake that causes it is on line 3: `shopping` is an empty string, not a list."
    result = grade(hint, shop_truth())
    assert not result.identifies_error and result.misleading
    assert "blames line 3" in result.evidence


def test_questions_claim_nothing():
    from evaluation.grader import MIN_CLAIM_WORDS, claim_words

    question = "Where does each value that line uses come from, and is it what that line needs?"
    assert claim_words(" ".join([question] * 3), NAME_BUG) == []
    statement = question.replace("?", ".")
    assert len(claim_words(statement + " " + statement, NAME_BUG)) >= MIN_CLAIM_WORDS


def test_quoting_part_of_the_students_line_gives_nothing_away():
    code = "cart = []\nfor item in ['a', 'b']:\n    cart = cart.append(item)\n"
    truth = truth_from_fix(code, code.replace("cart = cart.append", "cart.append"))
    quote = "Line 3 gives `cart` the result of `cart.append(item)`, which is None."
    assert not grade(quote, truth).gives_away
    assert grade("Write it as\n```python\ncart.append(item)\n```", truth).gives_away


def test_a_spelling_claim_is_wrong_when_the_fix_renames_nothing():
    hint = "Check line 3. `append` is misspelt: the method you meant has another name."
    result = grade(hint, shop_truth())
    assert result.misleading and not result.identifies_error
    assert any("renames nothing" in e for e in result.evidence)
    # for a real misspelling the same words are the cause
    assert not any(
        "renames nothing" in e for e in grade("Line 4: `totl` is misspelt.", NAME_BUG).evidence
    )


def test_a_misquoted_error_message_misleads():
    truth = shop_truth()
    wrong = "The error says:\n```\nAttributeError: 'list' object has no attribute 'append'\n```"
    assert any(e.startswith("misquotes the error message") for e in grade(wrong, truth).evidence)
    right = "The error says:\n```\nAttributeError: 'str' object has no attribute 'append'\n```"
    assert not grade(right, truth).misleading
    cut = "The error says:\nAttributeError: 'str' object has no"  # cut off by the token limit
    assert not grade(cut, truth).misleading


def test_the_cause_named_among_much_else_is_no_identification():
    from evaluation.grader import MAX_IDENTIFY_WORDS

    short = "Line 4 has a typo in `totl`."
    assert grade(short, NAME_BUG).identifies_error
    padding = " ".join(
        f"Maybe variable{n} also matters somewhere." for n in range(MAX_IDENTIFY_WORDS)
    )
    result = grade(short + " " + padding, NAME_BUG)
    assert not result.identifies_error and result.misleading


def test_text_from_input_in_plain_words_names_a_missing_conversion():
    code = 'age = input("Age? ")\nprint(age + 1)\n'
    truth = truth_from_fix(code, code.replace('input("Age? ")', 'int(input("Age? "))'))
    hint = "The mistake is on line 1: input() gives you text, even when the user types digits."
    assert grade(hint, truth).identifies_error
    assert grade("Line 1: `age` is written as a string.", truth).identifies_error


def test_naming_the_function_that_holds_the_cause_says_where():
    code = (
        "def clean(words):\n    out = [w.strip() for w in words]\n    print(out)\n\n"
        "for word in clean(['a ', ' b']):\n    print(word)\n"
    )
    truth = with_cause_case(code, code.replace("print(out)", "return out"), cause_line=3)
    hint = "The function `clean` prints its list instead of returning it, so the call gives None."
    assert "names the function clean" in grade(hint, truth).evidence
    assert grade(hint, truth).identifies_error
    # the function Python reported the error in says nothing more than the traceback
    inside = with_cause_case(code, code.replace("print(out)", "return out"), 3, reported=3)
    assert "names the function clean" not in grade(hint, inside).evidence


def with_cause_case(code: str, fixed: str, cause_line: int, reported: int = 5) -> GroundTruth:
    from evaluation.labelset import case_truth

    error = (
        f'Traceback (most recent call last):\n  File "main.py", line {reported}, in <module>\n'
        "TypeError: 'NoneType' object is not iterable\n"
    )
    case = {"code": code, "fixed_code": fixed, "cause_line": cause_line, "error_output": error}
    return case_truth(case | {"bug": "clean prints its list instead of returning it (line 3)."})


SLICE_CODE = 'word = "python"\nhalf = len(word) / 2\nprint(word[:half])\n'
SLICE_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 3, in <module>\n'
    "    print(word[:half])\n"
    "TypeError: slice indices must be integers or None or have an __index__ method\n"
)


def test_quoting_the_part_the_fix_replaces_says_why():
    truth = replace(
        truth_from_fix(SLICE_CODE, SLICE_CODE.replace(" / ", " // "), "TypeError"),
        traceback=SLICE_ERROR,
    )
    right = (
        "`half` is computed on line 2 as `len(word) / 2`, and `/` always gives a float, even "
        "when it divides evenly; line 3 needs a whole number there. Which division gives one?"
    )
    assert grade(right, truth).identifies_error
    near = right.replace("as `len(word) / 2`, and `/`", "from `len(word)`, and it")
    assert not grade(near, truth).identifies_error  # the right line, not the wrong part
    copy = "Python stopped because of line 2: `half = len(word) / 2`. What does it give?"
    assert not grade(copy, truth).identifies_error  # a copy of the whole line points at nothing


TOTAL_CODE = 'prices = [3, 4]\ntotal = "0"\nfor p in prices:\n    total = total + p\n'
TOTAL_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 4, in <module>\n'
    "    total = total + p\n"
    'TypeError: can only concatenate str (not "int") to str\n'
)
INPUT_STORY = (
    "Python stops on line 4, but the real cause is on line 2. The value read with input() is a "
    "string. You need to turn it into a number before you do math with it."
)


def test_a_claim_the_program_refutes_misleads_and_identifies_nothing():
    truth = replace(
        truth_from_fix(TOTAL_CODE, TOTAL_CODE.replace('"0"', "0"), "TypeError"),
        traceback=TOTAL_ERROR,
    )
    verdict = grade(INPUT_STORY, truth)  # no input() in the program
    assert verdict.misleading and not verdict.identifies_error
    assert any(item.startswith("refuted") for item in verdict.evidence)
    code = TOTAL_CODE.replace('"0"', 'input("Start: ")')
    near = replace(
        truth_from_fix(
            code, code.replace('input("Start: ")', 'int(input("Start: "))'), "TypeError"
        ),
        traceback=TOTAL_ERROR,
    )
    verdict = grade(INPUT_STORY, near)  # the same story where it is true
    assert verdict.identifies_error and not verdict.misleading


GLOBAL_CODE = (
    "floor = 0\ntrips = 0\n\ndef go_to(n):\n    global floor\n    floor = n\n    trips += 1\n\n"
    "go_to(3)\n"
)
GLOBAL_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 9, in <module>\n    go_to(3)\n'
    '  File "main.py", line 7, in go_to\n    trips += 1\n'
    "UnboundLocalError: cannot access local variable 'trips' where it is not associated with a "
    "value\n"
)


def test_a_long_account_tied_to_the_program_line_by_line_is_not_presumed_wrong():
    fixed = GLOBAL_CODE.replace("global floor", "global floor, trips")
    truth = replace(truth_from_fix(GLOBAL_CODE, fixed, "UnboundLocalError"), traceback=GLOBAL_ERROR)
    hint = (
        "`trips` is set at the top level of the program (line 2), but line 7 assigns to it "
        "inside `go_to`, and an assignment makes `trips` a new local variable for the whole "
        "function; that local has no value yet when line 7 reads it. How can `go_to` say it "
        "means the `trips` outside the function?"
    )
    assert not grade(hint, truth).misleading
    loose = hint.replace(" (line 2)", "")  # the same account tied to one line only
    assert "explains a cause that is not the bug" in grade(loose, truth).evidence


def _total_truth(code: str = TOTAL_CODE, fixed: str | None = None):
    fixed = fixed if fixed is not None else code.replace('"0"', "0")
    return replace(truth_from_fix(code, fixed, "TypeError"), traceback=TOTAL_ERROR)


def test_a_line_placed_on_another_line_misleads_and_identifies_nothing():
    truth = _total_truth()
    hint = "Line 4 is on line 3, but `total` starts as a string on line 2. How can it be a number?"
    verdict = grade(hint, truth)
    assert verdict.misleading and not verdict.identifies_error
    assert "places line 4 on line 3" in verdict.evidence
    near = "Line 4 is where it fails, but `total` starts as a string on line 2. Why a number?"
    assert "places line 4 on line 3" not in grade(near, truth).evidence


def test_a_failure_placed_on_a_line_without_it_misleads_and_identifies_nothing():
    truth = _total_truth()
    hint = "Check line 2. The `+` on line 3 fails because `total` starts as a string."
    verdict = grade(hint, truth)
    assert verdict.misleading and not verdict.identifies_error
    assert "says line 3 fails" in verdict.evidence
    near = "Check line 2. The `+` on line 4 fails because `total` starts as a string."
    verdict = grade(near, truth)  # line 4 is where Python stops: true
    assert not verdict.misleading


def test_a_string_read_by_something_other_than_input_misleads():
    code = TOTAL_CODE.replace('"0"', 'input("Start: ")')
    truth = _total_truth(code, code.replace('input("Start: ")', 'int(input("Start: "))'))
    wrong = INPUT_STORY.replace("read with input()", "read with print()")
    verdict = grade(wrong, truth)
    assert verdict.misleading and not verdict.identifies_error
    assert not grade(INPUT_STORY, truth).misleading  # the same story with the true reader


ZERO_CODE = "metres = 800\nkm = metres // 1000\nprint(10 / km)\n"
ZERO_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 3, in <module>\n    print(10 / km)\n'
    "ZeroDivisionError: division by zero\n"
)


def test_a_hint_denying_the_division_by_zero_python_reports_misleads():
    fixed = ZERO_CODE.replace("//", "/")
    truth = replace(truth_from_fix(ZERO_CODE, fixed, "ZeroDivisionError"), traceback=ZERO_ERROR)
    hint = "The divisor on line 3 is `km`, a number, so the division by zero never happens."
    assert grade(hint, truth).misleading
    near = "The divisor on line 3 is `km`, which is 0 here, so the division by zero happens."
    assert not grade(near, truth).misleading


def test_a_comment_replaced_by_the_fix_lends_no_names():
    code = "score = 0\ndef win():\n    # add the points\n    score += 3\nwin()\n"
    fixed = code.replace("# add the points", "global score")
    truth = truth_from_fix(code, fixed, "UnboundLocalError")
    assert "the" not in changed_identifiers(truth)  # a comment's word
    assert "global" not in changed_identifiers(truth) and "score" in changed_identifiers(truth)
    assert not grade("The cause is on line 3: the value starts there.", truth).identifies_error


def test_an_account_tied_to_the_program_that_reaches_the_line_to_fix_identifies():
    truth = _total_truth()
    hint = (
        "`total` gets its first value on line 2, and line 4 adds each `p` to `total`. "
        "What kind of value does line 2 give `total`?"
    )
    verdict = grade(hint, truth)
    assert verdict.identifies_error and not verdict.misleading
    near = hint.replace("on line 2", "at the top").replace("does line 2 give", "is")
    assert not grade(near, truth).identifies_error  # tied to line 4 only: no line to fix


KEY_CODE = 'ages = {"Bo": 3}\nname = "Ana"\nprint(ages[name])\n'
KEY_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 3, in <module>\n    print(ages[name])\n'
    "KeyError: 'Ana'\n"
)


def test_a_dictionary_named_for_a_key_error_is_no_cause():
    fixed = KEY_CODE.replace("ages[name]", "ages.get(name, 0)")
    truth = replace(truth_from_fix(KEY_CODE, fixed, "KeyError"), traceback=KEY_ERROR)
    hint = "The problem is on line 3, which reads the dictionary."
    assert not grade(hint, truth).identifies_error
    near = "The problem is on line 3, which reads the dictionary; `get` can give a default."
    assert grade(near, truth).identifies_error  # a cause the KeyError does not imply


SUB_CODE = 'a = "5"\nb = "3"\nprint(a - b)\n'
SUB_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 3, in <module>\n    print(a - b)\n'
    "TypeError: unsupported operand type(s) for -: 'str' and 'str'\n"
)


def test_a_copied_message_differing_only_in_form_does_not_mislead():
    truth = replace(
        truth_from_fix(SUB_CODE, SUB_CODE.replace('"5"', "5"), "TypeError"), traceback=SUB_ERROR
    )
    message = "TypeError: unsupported operand type(s) for '-': 'str' and 'str'"
    form = f"The error message is:\n```\n{message}\n```"
    assert not grade(form, truth).misleading  # quotes around the operator only
    altered = form.replace("'str' and 'str'", "'str' and 'int'")
    assert any(e.startswith("misquotes the error") for e in grade(altered, truth).evidence)
    assert grade(altered, truth).misleading


SPELL_CODE = "diffrence = 5 - 3\nif difference > 0:\n    print(difference)\n"
SPELL_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 2, in <module>\n    if difference > 0:\n'
    "NameError: name 'difference' is not defined. Did you mean: 'diffrence'?\n"
)


def test_python_s_own_spelling_suggestion_repeated_at_the_failing_line_does_not_mislead():
    fixed = SPELL_CODE.replace("diffrence =", "difference =")
    truth = replace(truth_from_fix(SPELL_CODE, fixed, "NameError"), traceback=SPELL_ERROR)
    hint = (
        "The problem is on line 2. `difference` looks like a name your program defines, but its "
        "spelling differs, and names must match exactly for Python to find them."
    )
    verdict = grade(hint, truth)
    assert not verdict.misleading and not verdict.identifies_error
    near = hint.replace("a name your program defines", "one of Python's built-in names")
    assert grade(near, truth).misleading  # no built-in name is close: false


TRACE_CODE = 'tides = ["6.5", "18.9"]\nnext_tide = tides[1] + 12.4\nprint(round(next_tide))\n'
TRACE_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 2, in <module>\n    next_tide = tides[1] + 12.4\n'
    "                ~~~~~~~~~^~~~~~\n"
    'TypeError: can only concatenate str (not "float") to str\n'
)


def test_a_copied_traceback_with_a_line_the_output_lacks_misleads():
    fixed = TRACE_CODE.replace('"6.5", "18.9"', "6.5, 18.9")
    truth = replace(truth_from_fix(TRACE_CODE, fixed, "TypeError"), traceback=TRACE_ERROR)
    frame = '  File "main.py", line 2, in <module>\n    next_tide = tides[1] + 12.4\n'
    message = 'TypeError: can only concatenate str (not "float") to str\n'
    copy = f"The error message is:\n```\nTraceback (most recent call last):\n{frame}{message}```"
    assert not grade(copy, truth).misleading  # a true copy without the carets
    added = copy.replace(frame, frame + "    print(round(next_tide))\n")
    verdict = grade(added, truth)
    assert verdict.misleading
    assert any(e.startswith("alters the traceback") for e in verdict.evidence)


def test_program_code_put_on_a_line_without_it_misleads():
    fixed = TRACE_CODE.replace('"6.5", "18.9"', "6.5, 18.9")
    truth = replace(truth_from_fix(TRACE_CODE, fixed, "TypeError"), traceback=TRACE_ERROR)
    hint = "`tides[1] + 12.4` on line 1 adds a number to text. What kind of value is `tides[1]`?"
    assert "puts `tides[1] + 12.4` on line 1" in grade(hint, truth).evidence
    near = hint.replace("on line 1", "on line 2")
    assert not any(e.startswith("puts") for e in grade(near, truth).evidence)


def test_a_name_placed_on_a_line_that_holds_it_only_in_a_comment_misleads():
    code = "# the price bands\nbands = [(1, 2.5)]\nprice = bands[0][1] + 'p'\n"
    truth = truth_from_fix(code, code.replace(" + 'p'", ""), "TypeError")
    hint = "`price` is set at the top of the program (line 1). What does line 3 add to it?"
    assert "places `price` on comment line 1" in grade(hint, truth).evidence
    near = hint.replace("(line 1)", "(line 3)")
    assert not any("comment line" in e for e in grade(near, truth).evidence)


def test_a_function_called_a_string_misleads_and_identifies_nothing():
    code = "def litres(cups):\n    cups * 0.25\n\nprint(2 - litres(3))\n"
    truth = truth_from_fix(code, code.replace("    cups", "    return cups"), "TypeError")
    hint = "On line 2, `litres` is still a string, so line 4 cannot subtract it. Why?"
    verdict = grade(hint, truth)
    assert verdict.misleading and not verdict.identifies_error
    assert "refuted: calls the function litres a value" in verdict.evidence
    near = hint.replace("`litres` is still a string", "`litres(3)` gives None")
    assert "refuted: calls the function litres a value" not in grade(near, truth).evidence


def test_a_line_said_to_run_code_it_does_not_hold_misleads():
    fixed = TRACE_CODE.replace('"6.5", "18.9"', "6.5, 18.9")
    truth = replace(truth_from_fix(TRACE_CODE, fixed, "TypeError"), traceback=TRACE_ERROR)
    hint = "Line 3 computes `tides[1] + 12.4`, adding a number to text."
    assert "puts `tides[1] + 12.4` on line 3" in grade(hint, truth).evidence
    near = hint.replace("Line 3", "Line 2")
    assert not any(e.startswith("puts") for e in grade(near, truth).evidence)


def test_the_missing_key_said_to_be_there_misleads():
    fixed = KEY_CODE.replace("ages[name]", "ages.get(name, 0)")
    truth = replace(truth_from_fix(KEY_CODE, fixed, "KeyError"), traceback=KEY_ERROR)
    hint = "Line 3 reads `ages[name]`, which has the key 'Ana'. What if a name is new?"
    assert grade(hint, truth).misleading
    near = hint.replace("which has the key", "which has no key")
    assert not any("the key" in e for e in grade(near, truth).evidence)


def test_a_false_count_of_spaces_misleads():
    code = "def f(x):\n    if x:\n        y = 1\n   return y\n"
    truth = truth_from_fix(code, code.replace("   return", "    return"), "IndentationError")
    hint = "Line 4 is indented by 2 spaces, but the blocks around it use 0 and 4. Which one?"
    assert "miscounts the spaces of line 4 (2)" in grade(hint, truth).evidence
    near = hint.replace("by 2 spaces", "by 3 spaces")
    assert not any(e.startswith("miscounts") for e in grade(near, truth).evidence)


def test_a_line_said_to_have_no_division_by_zero_misleads():
    fixed = ZERO_CODE.replace("//", "/")
    truth = replace(truth_from_fix(ZERO_CODE, fixed, "ZeroDivisionError"), traceback=ZERO_ERROR)
    hint = "The divisor on line 3 is `km`, and the program has no division by zero there."
    assert grade(hint, truth).misleading
    near = "The divisor on line 3 is `km`; where does the division by zero come from?"
    assert not grade(near, truth).misleading
