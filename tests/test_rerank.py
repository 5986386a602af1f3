"""Best-of-N hints: the verifier (evaluation.rerank), sampled candidates, and the options."""

from __future__ import annotations

import json

import pytest

from evaluation.cli import main
from evaluation.grader import named_lines
from evaluation.hints import Choice, HintCase, best_of_n, generate_hints
from evaluation.rerank import (
    choose,
    quoted_fixes,
    related_lines,
    type_contradictions,
    verify_hint,
)
from llm_prune_gym.generation import Candidate, generate_answers, hint_candidates
from llm_prune_gym.hintfacts import facts_hint, hint_facts
from llm_prune_gym.students import load_student

CODE = 'price = input("Price? ")\ntax = 2\ntotal = price + tax\nprint(total)\n'
ERROR = """Traceback (most recent call last):
  File "main.py", line 3, in <module>
    total = price + tax
            ~~~~~~^~~~~
TypeError: can only concatenate str (not "int") to str
"""
GOOD = "Look at line 1: `price` comes from `input()`, so it is a string. What does `+` need?"


def score(hint: str, finished: bool | None = None) -> float:
    return verify_hint(hint, CODE, ERROR, finished=finished).score


def test_the_origin_line_beats_a_wrong_line_and_the_failing_line():
    wrong = GOOD.replace("line 1", "line 4")
    failing = GOOD.replace("line 1", "line 3").replace("comes from `input()`", "is used")
    assert score(GOOD) > score(failing) > score(wrong)
    assert "-3 wrong line 4" in verify_hint(wrong, CODE, ERROR).reasons


def test_a_type_claim_the_facts_contradict_is_penalised():
    facts = hint_facts(CODE, ERROR)
    assert type_contradictions("`price` is an integer here.", facts)
    assert type_contradictions("price is not a string.", facts)
    assert not type_contradictions("`price` is a string here.", facts)
    assert not type_contradictions("`tax` is a number.", facts)
    assert score("On line 3, `price` is a string.") > score("On line 3, `price` is an integer.")


def test_names_the_program_lacks_and_wrong_causes_are_penalised():
    plain = "On line 3 you add two things of different types."
    assert score(plain) > score(plain + " Check `tax_rate`.")
    assert score(plain) > score(plain + " You divide by zero there.")
    assert score(plain) == score(plain + " Use `str.isdigit` or `math` if you like.")


def test_a_quoted_fix_is_penalised_but_quoting_the_program_is_not():
    assert quoted_fixes("Write `total = int(price) + tax` instead.", CODE)
    assert not quoted_fixes("Line 3, `total = price + tax`, adds a string.", CODE)
    assert not quoted_fixes("It comes from `input()`.", CODE)
    assert score("Line 3 adds `price`.") > score("Line 3: `total = int(price) + tax`.")


def test_repeats_cut_off_and_empty_hints_score_lower():
    clean = "Line 1 gives `price` a string."
    assert score(clean) > score(clean + " Line 1 gives `price` a string.")
    assert score(clean) > score(clean[:-1] + " and")
    assert score(clean) > score(clean, finished=False)
    assert score("") < score("Line 4 of `foo` is an integer. And the")


def test_choose_keeps_the_best_and_the_first_of_equals():
    wrong = Candidate(GOOD.replace("line 1", "line 4"), True)
    good = Candidate(GOOD, True)
    assert choose([wrong, good, good], CODE, ERROR)[0] == 1
    assert choose([good, good], CODE, ERROR)[0] == 0
    with pytest.raises(ValueError, match="no candidate"):
        choose([], CODE, ERROR)


@pytest.fixture(scope="module")
def stub():
    return load_student("stub")


def cases() -> list[HintCase]:
    code = "x = [1, 2]\nprint(x[5])\n"
    error = (
        'Traceback (most recent call last):\n  File "main.py", line 2, in <module>\n'
        "    print(x[5])\nIndexError: list index out of range\n"
    )
    # short prompts keep the stub fast; the verifier reads each case's code and error
    return [
        HintCase("a", [{"role": "user", "content": "Why does line 3 fail?"}], CODE, ERROR),
        HintCase("b", [{"role": "user", "content": "Hint?"}], code, error),
    ]


def test_candidates_start_with_the_greedy_hint_and_depend_on_the_seed_only(stub):
    prompts = [case.messages for case in cases()]
    first = hint_candidates(stub.model, stub.tokenizer, prompts, 3, seed=1, max_new_tokens=6)
    again = hint_candidates(stub.model, stub.tokenizer, prompts[::-1], 3, seed=1, max_new_tokens=6)
    other = hint_candidates(stub.model, stub.tokenizer, prompts, 3, seed=2, max_new_tokens=6)
    greedy = generate_answers(stub.model, stub.tokenizer, prompts, max_new_tokens=6)
    assert [len(c) for c in first] == [3, 3]
    assert [c[0].text for c in first] == greedy
    assert first == again[::-1]  # a prompt's candidates ignore the other prompts
    assert first != other and [c[0] for c in first] == [c[0] for c in other]
    with pytest.raises(ValueError, match="candidates must be >= 1"):
        hint_candidates(stub.model, stub.tokenizer, prompts, 0)


def test_generate_hints_best_of_n_is_seeded_and_matches_best_of_n(stub):
    # the stub's few random tokens name no line and stop mid-word: every one looks wrong, so
    # the fallback to facts is off here, where the choice itself is tested
    chosen = best_of_n(stub, cases(), 3, seed=4, max_new_tokens=6, fallback=False)
    hints = generate_hints(stub, cases(), 6, candidates=3, seed=4, progress=False, fallback=False)
    assert hints == [c.hint for c in chosen]
    assert hints == generate_hints(
        stub, cases(), 6, candidates=3, seed=4, progress=False, fallback=False
    )
    for choice in chosen:
        rows = choice.row()
        assert len(rows) == 3 and sum(r["chosen"] for r in rows) == 1
        assert rows[choice.index]["score"] == max(r["score"] for r in rows)
    greedy = generate_hints(stub, cases(), 6, progress=False)
    assert greedy == [c.candidates[0].text for c in chosen]


def test_hint_command_reports_its_candidates(tmp_path, capsys):
    program = tmp_path / "main.py"
    program.write_text("print(1 / 0)\n")
    argv = ["hint", str(program), "--student", "stub", "--max-new-tokens", "6"]
    assert main([*argv, "--candidates", "2", "--seed", "3"]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert report["candidates"] == 2 and len(report["scores"]) == 2
    # the stub's 6 random tokens name no line: both candidates look wrong, the facts speak
    assert report["chosen"] is None and report["source"] == "facts"
    capsys.readouterr()
    assert main([*argv, "--candidates", "0"]) == 2
    assert "--candidates must be >= 1" in capsys.readouterr().err


def test_a_line_the_failing_line_depends_on_is_not_a_wrong_line():
    code = "rate = 5\nrate = input()\nname = 'x'\ncost = rate * 2.5\n"
    error = (
        'Traceback (most recent call last):\n  File "main.py", line 4, in <module>\n'
        "    cost = rate * 2.5\nTypeError: can't multiply sequence by non-int of type 'float'\n"
    )
    assert 2 not in named_lines(hint_facts(code, error).render())  # two bindings: no origin
    assert 2 in related_lines(code, hint_facts(code, error))
    earlier = verify_hint("The cause is on line 2: what type does `rate` get?", code, error)
    unrelated = verify_hint("The cause is on line 3: what type does `rate` get?", code, error)
    assert not any("line" in reason for reason in earlier.reasons if reason.startswith("-"))
    assert earlier.score > unrelated.score and "-3 wrong line 3" in unrelated.reasons


def test_eval_hints_takes_candidates_and_says_so(tmp_path, capsys):
    data = tmp_path / "mine.jsonl"
    data.write_text(json.dumps({"id": "p", "code": CODE, "stdin": "3\n"}) + "\n")
    argv = ["eval-hints", "--student", "stub", "--data", str(data), "--max-new-tokens", "6"]
    argv += ["--device", "cpu", "--no-progress", "--out", str(tmp_path / "out")]
    assert main([*argv, "--candidates", "3", "--seed", "2"]) == 0
    assert "best of 3 (greedy + 2 seeded samples" in (tmp_path / "out/summary.md").read_text()
    capsys.readouterr()
    assert main([*argv, "--candidates", "0"]) == 2
    assert "candidates must be >= 1" in capsys.readouterr().err


def test_the_function_a_value_came_from_is_related():
    code = "def make(n):\n    rows = [n]\n    print(rows)\n\n\nrows = make(3)\nx = 1\n"
    code += "for r in rows:\n    print(r)\n"
    error = (
        'Traceback (most recent call last):\n  File "main.py", line 8, in <module>\n'
        "    for r in rows:\nTypeError: 'NoneType' object is not iterable\n"
    )
    related = related_lines(code, hint_facts(code, error))
    assert {1, 2, 3, 4, 6, 8} <= related and 7 not in related
    assert "-3 wrong line 7" in verify_hint("Look at line 7.", code, error).reasons
    assert not any("wrong" in r for r in verify_hint("Look at line 4.", code, error).reasons)


def test_lines_of_close_names_and_one_step_back_are_related():
    misspelt = "total = 0\nname = 'a'\nprint(totl)\n"
    error = (
        'Traceback (most recent call last):\n  File "main.py", line 3, in <module>\n'
        "    print(totl)\nNameError: name 'totl' is not defined. Did you mean: 'total'?\n"
    )
    assert 1 in related_lines(misspelt, hint_facts(misspelt, error))  # where `total` is set
    assert 2 not in related_lines(misspelt, hint_facts(misspelt, error))
    chained = "price = input()\nname = 'x'\ntotal = price\nprint(total * 2.5)\n"
    error = (
        'Traceback (most recent call last):\n  File "main.py", line 4, in <module>\n'
        "    print(total * 2.5)\nTypeError: can't multiply sequence by non-int of type 'float'\n"
    )
    related = related_lines(chained, hint_facts(chained, error))
    assert {1, 3} <= related and 2 not in related  # `total` is set from `price` on line 1


WRONG = [
    Candidate("Line 4 divides by zero.", True),
    Candidate("`price` is an integer; write `total = int(price) + tax`.", True),
]


def test_when_every_candidate_looks_wrong_the_hint_is_made_of_facts(stub, monkeypatch):
    assert choose(WRONG, CODE, ERROR, fallback=True)[0] is None
    assert choose(WRONG, CODE, ERROR)[0] == 0
    assert choose([*WRONG, Candidate(GOOD, True)], CODE, ERROR, fallback=True)[0] == 2
    monkeypatch.setattr("evaluation.hints.hint_candidates", lambda *args, **kw: [WRONG])
    case = HintCase("a", [{"role": "user", "content": "?"}], CODE, ERROR)
    choice = best_of_n(stub, [case], 2)[0]
    assert choice.index is None and choice.hint == facts_hint(hint_facts(CODE, ERROR))
    assert not verify_hint(choice.hint, CODE, ERROR).looks_wrong
    assert [row["looks_wrong"] for row in choice.row()] == [True, True]
    assert best_of_n(stub, [case], 2, fallback=False)[0].hint == WRONG[0].text


def test_hint_command_says_when_the_hint_is_made_of_facts(tmp_path, monkeypatch, capsys):
    program = tmp_path / "main.py"
    program.write_text("print(1 / 0)\n")
    choice = Choice("Python stopped at line 1.", None, tuple(WRONG), (), "facts")
    monkeypatch.setattr("evaluation.hint_command._best_hint", lambda *args: choice)
    assert main(["hint", str(program), "--student", "stub"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out.splitlines()[-1])["chosen"] is None
    assert "every hint of student stub" in captured.err and "looked wrong" in captured.err
