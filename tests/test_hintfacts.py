"""Facts read from a program and its real traceback (llm_prune_gym.hintfacts).

Most tracebacks here are real: the programs run in the sandbox, as the data build and
`llm-prune hint` run them. The rest are literal tracebacks in the shapes other Python
versions print (no ~~^^ marks). Each test checks the facts are right and that nothing
is claimed where the program does not settle it.
"""

from __future__ import annotations

import pytest

from finetune.sandbox import Limits, error_output, run_program
from llm_prune_gym.hintfacts import facts_hint, hint_facts, parse_traceback
from llm_prune_gym.prompts import GROUNDED_SYSTEM_PROMPT, SYSTEM_PROMPT, hint_messages


def facts_of(code: str, stdin: str = "abc\n"):
    """Run `code` in the sandbox and read the facts from what it printed."""
    result = run_program(code, stdin, Limits(timeout=2.0, max_lines=5_000))
    assert not result.ok, "the program should fail"
    return hint_facts(code, error_output(result))


def test_type_error_names_the_types_and_the_input_they_come_from():
    code = "price = input()\ntotal = 0\ntotal = total + price\nprint(total)\n"
    facts = facts_of(code, "3\n")
    assert (facts.line, facts.line_text) == (3, "total = total + price")
    assert facts.exception == "TypeError" and facts.types == ("int", "str")
    # `total` is assigned twice, so only `price` has a certain origin
    assert [(o.name, o.line, o.source, o.type) for o in facts.origins] == [
        ("price", 1, "input()", "str")
    ]
    text = facts.render()
    assert "Python stopped at line 3: `total = total + price`" in text
    assert "`price` gets its value from `input()` on line 1, so it is a string" in text


def test_undefined_name_lists_the_closest_names_in_scope():
    code = "def shout(word):\n    total = word.upper()\n    return totl\n\nprint(shout('a'))\n"
    facts = facts_of(code)
    assert facts.offending == "totl" and facts.line == 3
    assert facts.close_names[0] == "total"
    assert (facts.function, facts.call_line, facts.call_text) == ("shout", 5, "print(shout('a'))")
    assert "called on line 5: `print(shout('a'))`" in facts.render()


def test_no_closest_names_for_a_name_the_program_assigns():
    """`x` set only in a branch that did not run: the question is why that line did not
    run, not which other name was meant (set 5's r5-033: `nx` and `dx` misled)."""
    code = (
        "col = 'B'\nif col in 'abc':\n    x = 'abc'.index(col)\nelse:\n    print('no')\n"
        "for dx in [1, 2]:\n    nx = x + dx\n"
    )
    facts = facts_of(code)
    assert facts.offending == "x" and facts.close_names == ()
    assert facts.notes == (
        "`x` is given a value on line 3, which had not run when line 7 needed it",
    )
    assert "closest" not in facts_hint(facts) and "line 3" in facts_hint(facts)


def test_index_error_reads_the_length_the_index_and_the_loop_range():
    code = "scores = [4, 8, 15]\nfor i in range(len(scores) + 1):\n    print(scores[i])\n"
    facts = facts_of(code)
    assert (facts.sequence, facts.index) == ("scores", "i")
    assert (facts.sequence_type, facts.sequence_length) == ("list", 3)
    loop = facts.loop
    assert (loop.variable, loop.line, loop.iterable) == ("i", 2, "range(len(scores) + 1)")
    assert (loop.first, loop.last) == (0, 3)
    assert "`scores` is a list of 3 items (valid indexes 0 to 2)" in facts.render()


def test_a_list_that_changes_has_no_length_claimed():
    code = "xs = [1, 2]\nxs.append(3)\nprint(xs[5])\n"
    facts = facts_of(code)
    assert (facts.sequence, facts.index) == ("xs", "5")
    assert facts.sequence_length is None and "items" not in facts.render()


def test_the_failing_subscript_is_picked_by_pythons_marks():
    code = "xs = [1, 2]\nys = [3]\nprint(xs[1] + ys[1])\n"
    facts = facts_of(code)
    assert (facts.sequence, facts.index, facts.sequence_length) == ("ys", "1", 1)


def test_without_marks_two_candidate_subscripts_give_no_claim():
    code = "xs = [1, 2]\nys = [3]\nprint(xs[1] + ys[1])\n"
    output = (
        "Traceback (most recent call last):\n"
        '  File "main.py", line 3, in <module>\n'
        "    print(xs[1] + ys[1])\n"
        "IndexError: list index out of range\n"
    )
    facts = hint_facts(code, output)
    assert facts.line == 3 and facts.exception == "IndexError"
    assert facts.sequence == "" and facts.sequence_length is None


def test_pop_from_an_empty_list_claims_no_subscript():
    facts = facts_of("xs = []\nys = [1]\nprint(xs.pop(), ys[0])\n")
    assert facts.message == "pop from empty list" and facts.sequence == ""


def test_syntax_error_reports_the_line_and_where_the_mark_points():
    facts = facts_of("x = 3\nif x > 2\n    print(x)\n")
    assert (facts.exception, facts.line, facts.line_text) == ("SyntaxError", 2, "if x > 2")
    assert facts.caret_column == len("if x > 2")
    assert "its ^ mark points just past the end of that line" in facts.render()
    unclosed = facts_of("print((1 + 2)\nx = 3\n")
    assert unclosed.line == 1 and unclosed.line_text[unclosed.caret_column] == "("


def test_error_inside_a_function_gives_the_call_line_and_the_divisor():
    code = "def average(xs):\n    return sum(xs) / len(xs)\n\nprint(average([]))\n"
    facts = facts_of(code)
    assert (facts.line, facts.function, facts.call_line) == (2, "average", 4)
    assert "The divisor on line 2 is `len(xs)`" in facts.notes


def test_key_error_gives_the_key_and_the_dicts_fixed_keys():
    facts = facts_of("stock = {'apple': 3, 'pear': 1}\nprint(stock['banana'])\n")
    assert facts.offending == "'banana'" and facts.index == "'banana'"
    assert facts.notes == ("`stock` is created on line 1 with the keys: 'apple', 'pear'",)
    changed = facts_of("stock = {'apple': 3}\nstock['pear'] = 1\nprint(stock['kiwi'])\n")
    assert changed.notes == ()  # keys were added later: no list of keys is claimed


def test_attribute_error_on_a_string_and_on_a_class():
    text = facts_of("name = 'bob'\nprint(name.uppper())\n")
    assert text.offending == "uppper" and "upper" in text.close_names
    assert [o.name for o in text.origins] == ["name"]
    code = (
        "class Dog:\n    def __init__(self):\n        self.name = 'Rex'\n"
        "    def bark(self):\n        return 'woof'\n\nprint(Dog().nmae)\n"
    )
    dog = facts_of(code)
    assert dog.types == ("Dog",) and dog.close_names == ("name",)


def test_none_from_a_function_without_return():
    code = "def greet(n):\n    print('hi', n)\n\nx = greet('a')\nprint(x + 1)\n"
    facts = facts_of(code)
    assert facts.types == ("NoneType", "int")
    assert [(o.name, o.type) for o in facts.origins] == [("x", "NoneType")]
    assert "so it is None" in facts.render()


def test_unbound_local_and_wrong_argument_count():
    unbound = facts_of("count = 0\ndef add():\n    count += 1\nadd()\n")
    assert unbound.offending == "count" and unbound.call_line == 4
    assert "assigned on line 3 inside `add`" in unbound.notes[0]
    args = facts_of("def area(w, h):\n    return w * h\nprint(area(3))\n")
    assert args.notes == ("`area` is defined on line 1 as `area(w, h)`",)


def test_a_name_used_before_or_outside_its_assignment():
    before = facts_of("print(total)\ntotal = 5\n")
    assert before.notes == ("`total` is first given a value on line 2, after line 1",)
    outside = facts_of("def f():\n    y = 2\nf()\nprint(y)\n")
    assert "only given a value inside the function `f`" in outside.notes[0]


def test_endless_loop_names_the_loop_and_its_unchanged_variable():
    facts = facts_of("i = 0\nwhile i < 3:\n    print('again')\n")
    assert facts.exception == "KeyboardInterrupt"
    assert facts.notes[0].startswith("Line ") and "`while i < 3:`" in facts.notes[0]
    assert facts.notes[1] == "No line inside that loop mentions `i`, so it never changes"
    shared = facts_of("xs = [1]\ndef grow():\n    xs.append(1)\nwhile xs:\n    grow()\n")
    assert not any("never changes" in note for note in shared.notes)  # a call may change xs


def test_value_error_and_error_raised_in_library_code():
    value = facts_of("age = int(input())\n", "ten\n")
    assert value.offending == "'ten'" and value.line == 1
    library = facts_of("import random\nrandom.choice([])\n")
    assert library.line == 2 and "random.py" in library.raised_in
    assert library.sequence == ""


def test_recursion_without_a_base_case():
    facts = facts_of("def fact(n):\n    return n * fact(n - 1)\n\nprint(fact(3))\n")
    assert facts.exception == "RecursionError"
    assert "`fact` keeps calling itself" in facts.notes[0]
    assert facts.recursive and (facts.call_line, facts.call_text) == (4, "print(fact(3))")
    assert "which calls itself; its first call came from line 4" in facts.render()


def test_a_parameter_is_followed_into_the_call_that_passed_it():
    code = (
        "def larger(a, b):\n    if a > b:\n        return a\n    return b\n\n"
        "x = int(input())\ny = input()\nprint(larger(x, y))\n"
    )
    facts = facts_of(code, "3\n4\n")
    assert facts.types == ("int", "str")
    found = {(o.parameter, o.name, o.source, o.type, o.call_line) for o in facts.origins}
    assert found == {("a", "x", "int(input())", "int", 8), ("b", "y", "input()", "str", 8)}
    assert (
        "The parameter `b` gets `y` in the call on line 8; `y` gets its value from `input()` "
        "on line 7, so it is a string" in facts.render()
    )
    changed = code.replace("    if a > b:", "    b = b\n    if a > b:")
    assert not [o for o in facts_of(changed, "3\n4\n").origins if o.parameter == "b"]


def test_none_from_a_list_method_and_the_last_value_of_a_loop():
    none = facts_of("names = ['a']\nnames = names.append('b')\nnames.append('c')\n")
    assert none.notes == (
        "On line 2 `names` is given the result of `names.append('b')`; a list's `append()` "
        "changes the list itself and returns None",
    )
    loop = facts_of("word = input()\nfor i in range(len(word) + 1):\n    print(word[i])\n", "ab\n")
    assert (loop.loop.first, loop.loop.last, loop.loop.last_text) == (None, None, "len(word)")
    assert "the last valid index of `word` is `len(word) - 1`" in loop.render()


def test_unbound_local_lists_the_functions_close_names():
    code = (
        "def sign(n):\n    if n > 0:\n        reslt = 'positive'\n    else:\n"
        "        result = 'other'\n    return result\n\nprint(sign(5))\n"
    )
    facts = facts_of(code)
    assert facts.offending == "result" and facts.close_names == ("reslt",)


def test_nothing_is_claimed_without_a_traceback():
    assert hint_facts("print(1)\n", "").render() == ""
    assert hint_facts("print(1)\n", "some text that is no traceback").empty
    parsed = parse_traceback("")
    assert parsed.frames == () and parsed.exception == ""


def test_unparsable_program_keeps_only_the_traceback_facts():
    output = (
        "Traceback (most recent call last):\n"
        '  File "main.py", line 2, in <module>\n'
        "    print(x)\n"
        "NameError: name 'x' is not defined\n"
    )
    facts = hint_facts("x = (\n", output)  # the program text does not parse
    assert facts.line == 2 and facts.offending == "" and facts.close_names == ()


@pytest.mark.parametrize("style", ["plain", "grounded"])
def test_prompt_styles(style):
    code = "name = input()\nprint('Hi ' + nmae)\n"
    result = run_program(code, "Ada\n")
    messages = hint_messages(code, error_output(result), style)
    user = messages[1]["content"]
    assert user.startswith("Here is my program:") and user.endswith("Can you give me a hint?")
    if style == "plain":
        assert messages[0]["content"] == SYSTEM_PROMPT and "Facts" not in user
    else:
        assert messages[0]["content"] == GROUNDED_SYSTEM_PROMPT
        assert "- Names closest to `nmae`: `name`" in user


def test_unknown_prompt_style_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown prompt style 'fancy'"):
        hint_messages("x = 1\n", "", "fancy")


def test_facts_hint_restates_facts_and_writes_no_fix():
    from llm_prune_gym.hintfacts import facts_hint

    hint = facts_hint(facts_of("age = input()\nprint(age + 1)\n", "3\n"))
    assert hint.startswith("Python stopped at line 2 with a TypeError.")
    assert "`age` gets its value from `input()` on line 1, so it is a string" in hint
    assert "```" not in hint and "int(" not in hint  # no fix written out
    undefined = facts_hint(facts_of("total = 3\nprint(totl)\n"))
    assert "`totl` is not defined there" in undefined and "`total`" in undefined
    assert facts_hint(hint_facts("x = 1\n", "")).startswith("Read the last line")
    elsewhere = 'Traceback (most recent call last):\n  File "/tmp/x/prog.py", line 2, in <module>\n'
    no_line = facts_hint(
        hint_facts("x = 1\nprint(y)\n", elsewhere + "NameError: name 'y' is not defined\n")
    )
    assert no_line.startswith("Python stopped with a NameError.") and "None" not in no_line


def test_none_from_the_programs_own_method_is_not_called_a_lists():
    """r6-009: `shop = shop.remove(...)` where `remove` is the program's own method without
    a `return` value: the note says so, not "a list's `remove()`"."""
    code = (
        "class Shop:\n    def __init__(self):\n        self.stock = {}\n"
        "    def remove(self, item):\n        self.stock.pop(item, None)\n\n"
        "shop = Shop()\nshop = shop.remove('pens')\nshop.remove('glue')\n"
    )
    notes = facts_of(code).notes
    assert notes == (
        "On line 8 `shop` is given the result of `shop.remove('pens')`; the method `remove` "
        "of the program's own class (line 4) has no `return` with a value, so it gives back "
        "None",
    )
    assert "a list's" not in " ".join(notes)


def test_none_from_a_list_method_of_an_unknown_value_is_hedged():
    """Near miss: `names` is a parameter, so it is not known to be a list; an own method
    that returns a value gives no note at all."""
    code = "def add(names):\n    names = names.append('b')\n    names.append('c')\n\nadd([])\n"
    assert facts_of(code).notes == (
        "On line 2 `names` is given the result of `names.append('b')`; if `names` is a list, "
        "its `append()` changes the list itself and returns None",
    )
    own = (
        "class S:\n    def remove(self):\n        return None if self else 1\n\n"
        "s = S()\ns = s.remove()\ns.remove()\n"
    )
    assert facts_of(own).notes == ()
