"""Claims a hint makes that the program and its traceback refute (evaluation.claims)."""

from __future__ import annotations

from evaluation.claims import (
    refuted_claims,
    text_as_number,
    text_lines,
    unconverted_input_lines,
)
from evaluation.rerank import uncheckable, verify_hint
from llm_prune_gym.hintfacts import Program, hint_facts


def error(line: int, text: str, message: str, function: str = "<module>") -> str:
    """A traceback as Python prints it for one frame of main.py."""
    return (
        "Traceback (most recent call last):\n"
        f'  File "main.py", line {line}, in {function}\n    {text}\n{message}\n'
    )


def refuted(hint: str, code: str, error_output: str) -> list[str]:
    return refuted_claims(hint, code, error_output, hint_facts(code, error_output))


PRICE = 'price = input("Price? ")\ntax = 2\ntotal = price * 1.08\n'
PRICE_ERROR = error(
    3, "total = price * 1.08", "TypeError: can't multiply sequence by non-int of type 'float'"
)


def test_input_text_blamed_on_a_line_without_it_is_refuted():
    right = "The cause is on line 1. input() returns a string, even when the user types digits."
    assert refuted(right, PRICE, PRICE_ERROR) == []
    wrong = right.replace("line 1", "line 2")
    assert "blames input() on line 2, where no input() text is set" in refuted(
        wrong, PRICE, PRICE_ERROR
    )


def test_input_text_passed_on_unconverted_counts_as_its_line():
    code = 'line = input("Numbers: ")\nnumbers = line.split()\ntotal = sum(numbers)\n'
    output = error(
        3, "total = sum(numbers)", "TypeError: unsupported operand type(s) for +: 'int' and 'str'"
    )
    hint = "The mistake that causes it is on line 2. input() returns a string."
    assert refuted(hint, code, output) == []
    assert text_lines(Program(code), unconverted_input_lines(Program(code))) == {1, 2, 3}


def test_input_text_is_refuted_when_every_input_is_converted():
    code = 'number = int(input("N: "))\nfor digit in number:\n    print(digit)\n'
    output = error(2, "for digit in number:", "TypeError: 'int' object is not iterable")
    hint = "The problem is on line 2. Remember that input() returns a string."
    assert refuted(hint, code, output) == [
        "says input() text is the cause, but every input() is converted"
    ]
    assert unconverted_input_lines(Program(code)) == set()


def test_input_text_is_refuted_for_an_error_that_is_not_text_used_as_a_number():
    code = 'word = "python"\nshown = "_" * len(word)\nguess = input()\nshown[0] = guess\n'
    output = error(
        4, "shown[0] = guess", "TypeError: 'str' object does not support item assignment"
    )
    hint = "The value read with input() is a string. Turn it into a number before you do math."
    assert refuted(hint, code, output) == [
        "says input() text is the cause of a TypeError that is not about text"
    ]


def test_a_type_the_one_assignment_contradicts_is_refuted():
    code = "total = 0.0\nentry = input()\nwhile entry != 'done':\n    total += float(input())\n"
    output = error(
        4, "total += float(input())", "ValueError: could not convert string to float: 'done'"
    )
    wrong = "Look at the value `total` gets first: it is written as a string."
    assert refuted(wrong, code, output) == ["says total is string (float)"]
    true = "Look at the value `total` gets first: it is a float."
    assert refuted(true, code, output) == []


ATTRIBUTE = "groups = {}\ngroups['a'] = 0\ngroups['a'].append(1)\n"
ATTRIBUTE_ERROR = error(
    3, "groups['a'].append(1)", "AttributeError: 'int' object has no attribute 'append'"
)


def test_a_real_method_called_a_wrong_name_is_refuted():
    wrong = "Check line 3. `append` is wrong here: the method you meant has another name."
    assert refuted(wrong, ATTRIBUTE, ATTRIBUTE_ERROR) == [
        "says append is a wrong name; it is a method of Python's types"
    ]
    true = "Line 3 calls `append` on an int: the value stored for 'a' on line 2 is 0, not a list."
    assert refuted(true, ATTRIBUTE, ATTRIBUTE_ERROR) == []


def test_a_misspelt_method_may_be_called_a_wrong_name():
    code = "items = []\nitems.apend(1)\n"
    output = error(2, "items.apend(1)", "AttributeError: 'list' object has no attribute 'apend'")
    hint = "Check line 2: `apend` is a misspelling; the method you meant has another name."
    assert refuted(hint, code, output) == []


def test_an_attribute_the_program_sets_called_a_wrong_name_is_refuted():
    code = (
        "class Hero:\n    def __init__(self):\n        gold = 0\n\n"
        "    def find(self):\n        return self.gold\n\n\nHero().find()\n"
    )
    output = (
        "Traceback (most recent call last):\n"
        '  File "main.py", line 9, in <module>\n    Hero().find()\n'
        '  File "main.py", line 6, in find\n    return self.gold\n'
        "AttributeError: 'Hero' object has no attribute 'gold'\n"
    )
    wrong = "The problem is on line 6. `gold` is a typo: the method you meant has another name."
    assert refuted(wrong, code, output) == [
        "says gold is a wrong name; the program sets or defines it"
    ]


TALLY = "tally = {}\nfor v in input().split():\n    tally[v] = tally[v] + 1\n"
TALLY_ERROR = error(3, "tally[v] = tally[v] + 1", "KeyError: 'Ana'")


def test_a_key_called_misspelt_with_no_close_key_is_refuted():
    wrong = 'The key "Ana" is a misspelling of a key the dictionary really has.'
    assert refuted(wrong, TALLY, TALLY_ERROR) == [
        "says the key 'Ana' is misspelt; no key of the program is close"
    ]
    close = TALLY.replace("tally = {}", 'tally = {"ana": 0}')
    assert refuted(wrong, close, TALLY_ERROR) == []


def test_a_key_that_is_not_the_missing_one_is_refuted():
    code = (
        'grades = {"Mia": 88}\nbest = 0\nfor student in grades.values():\n'
        "    if grades[student] > best:\n        best = 1\n"
    )
    output = error(4, "if grades[student] > best:", "KeyError: 88")
    assert refuted("You look up the key `best` in a dictionary.", code, output) == [
        "names the key best; the missing key is 88"
    ]
    assert refuted("The key `student` holds a mark, not a name.", code, output) == []


LIBRARY = (
    "class Library:\n    def lend(self, title, person):\n        return title\n\n\n"
    'lib = Library\nlib.lend("Wonder", "Sam")\n'
)
LIBRARY_ERROR = error(
    7,
    'lib.lend("Wonder", "Sam")',
    "TypeError: Library.lend() missing 1 required positional argument: 'person'",
)


def test_an_argument_count_the_call_contradicts_is_refuted():
    wrong = (
        "That call passes 0 argument(s) to `lend`, but `lend` is defined with the parameters"
        " (title, person)."
    )
    assert refuted(wrong, LIBRARY, LIBRARY_ERROR) == [
        "says the call passes 0 argument(s); it passes 2"
    ]
    assert refuted(wrong.replace("passes 0", "passes 2"), LIBRARY, LIBRARY_ERROR) == []


def test_parameters_the_def_contradicts_are_refuted():
    code = "class Park:\n    def arrive():\n        return 1\n\n\nPark().arrive()\n"
    output = error(
        6,
        "Park().arrive()",
        "TypeError: Park.arrive() takes 0 positional arguments but 1 was given",
    )
    wrong = "`arrive` is defined with the parameters (no parameters) besides `self`."
    assert refuted(wrong, code, output) == ["says arrive takes (self); it takes ()"]
    true = "`arrive` is defined with the parameters (no parameters): there is no `self`."
    assert refuted(true, code, output) == []


def test_an_off_by_one_story_at_index_zero_is_refuted():
    code = "def first(numbers):\n    return numbers[0]\n\n\nfirst([])\n"
    output = (
        "Traceback (most recent call last):\n"
        '  File "main.py", line 5, in <module>\n    first([])\n'
        '  File "main.py", line 2, in first\n    return numbers[0]\n'
        "IndexError: list index out of range\n"
    )
    wrong = "The index goes one past the end. Work out the last index this code uses."
    assert refuted(wrong, code, output) == [
        "says the index runs past the end; index 0 fails only when empty"
    ]
    assert refuted("Line 2 reads numbers[0] of an empty list.", code, output) == []


def test_a_refuted_claim_makes_the_verifier_call_the_hint_wrong():
    wrong = "The cause is on line 2. input() returns a string, even when the user types digits."
    verdict = verify_hint(wrong, PRICE, PRICE_ERROR)
    assert verdict.looks_wrong
    assert any("where no input() text is set" in reason for reason in verdict.reasons)
    assert not verify_hint(wrong.replace("line 2", "line 1"), PRICE, PRICE_ERROR).looks_wrong


TRACK = (
    'track = list("....#")\npos = 0\ndirection = 1\nfor s in range(9):\n'
    "    pos = pos + direction\n    if pos > len(track):\n        direction = -direction\n"
    '    total = 0\n    if track[pos] == "#":\n        print(pos)\n'
)
TRACK_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 9, in <module>\n    if track[pos] == "#":\n       ~~~~~^^^^^\n'
    "IndexError: list index out of range\n"
)


def test_a_cause_line_the_failing_value_does_not_depend_on_is_refuted():
    for line in (4, 8):  # the loop's counter and `total` play no part in `track[pos]`
        hint = f"The error shows up on line 9; the mistake that causes it is on line {line}."
        assert refuted(hint, TRACK, TRACK_ERROR) == [
            f"says the cause is on line {line}; no value the failing line uses is set there"
        ]
    for line in (1, 5, 6, 7):  # the list, the index, the test that lets it grow, its step
        hint = f"The error shows up on line 9; the mistake that causes it is on line {line}."
        assert refuted(hint, TRACK, TRACK_ERROR) == []


def test_a_name_called_misspelt_that_the_program_binds_elsewhere_is_refuted():
    code = "def ask():\n    name = input()\n\n\nask()\nprint(name)\n"
    output = error(6, "print(name)", "NameError: name 'name' is not defined")
    wrong = "Check line 6. Python doesn't know `name`. Names must match exactly."
    assert refuted(wrong, code, output) == [
        "says name is misspelt; the program binds name on line 2"
    ]
    true = "Line 6 uses `name`, which is only given a value inside `ask`."
    assert refuted(true, code, output) == []


def test_a_misspelt_name_may_be_called_misspelt():
    code = "total = 0\nprint(totl)\n"
    output = error(2, "print(totl)", "NameError: name 'totl' is not defined")
    assert refuted("`totl` is a misspelling of `total`.", code, output) == []


def test_a_module_never_imported_called_misspelt_is_refuted():
    code = "print(math.sqrt(2))\n"
    output = error(1, "print(math.sqrt(2))", "NameError: name 'math' is not defined")
    wrong = "Python doesn't know `math`. Compare its spelling, letter by letter."
    assert refuted(wrong, code, output) == [
        "says math is misspelt; it is a module the program never imports"
    ]
    assert refuted("`math` is used but never imported.", code, output) == []


def test_a_none_for_an_error_without_none_is_refuted():
    code = 'grades = {"Mia": 88}\nfor student in grades.values():\n    print(grades[student])\n'
    output = error(3, "print(grades[student])", "KeyError: 88")
    wrong = "The method has no return value, so a call that ends there gives back None."
    assert refuted(wrong, code, output) == ["says a value is None; the KeyError involves no None"]
    code = "def area(a):\n    print(a)\n\n\nx = area(2) + 1\n"
    output = error(
        5, "x = area(2) + 1", "TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'"
    )
    assert refuted("`area` prints instead of returning, so it gives back None.", code, output) == []


def test_indentation_counts_the_line_contradicts_are_refuted():
    code = "for r in [1]:\n    if r:\n        print(r)\n   print(r)\n"
    output = (
        '  File "main.py", line 4\n    print(r)\n'
        "IndentationError: unindent does not match any outer indentation level\n"
    )
    wrong = "That line starts 2 spaces in, which matches no block around it."
    assert refuted(wrong, code, output) == ["says line 4 starts 2 spaces in; it is 3"]
    assert refuted(wrong.replace("2 spaces", "3 spaces"), code, output) == []
    further = "Line 4 is indented 4 spaces further than the statement just before it."
    assert refuted(further, code, output) == ["says line 4 is 4 spaces further in; -5"]


def test_a_quote_blamed_on_a_line_with_balanced_quotes_is_refuted():
    code = 'hour = 3\nif hour < 12:\n    print("am")\nelse if hour < 18:\n    print("pm")\n'
    output = (
        '  File "main.py", line 4\n    else if hour < 18:\n         ^^\n'
        "SyntaxError: expected ':'\n"
    )
    wrong = "Check line 4. That line starts with a quote but has no closing quote."
    assert refuted(wrong, code, output) == [
        "says a quote is wrong on line 4; its quotes are balanced"
    ]
    assert refuted("Line 4 writes `else if`; Python spells it differently.", code, output) == []


def test_an_off_by_one_story_for_an_error_with_no_index_is_refuted():
    code = "stack = []\nstack.pop()\n"
    output = error(2, "stack.pop()", "IndexError: pop from empty list")
    wrong = "The index goes one step too far. Think about the last index."
    assert refuted(wrong, code, output) == [
        "says an index runs past the end; the error is 'pop from empty list'"
    ]
    assert refuted("Line 2 pops from `stack` while it is empty.", code, output) == []


def test_a_hint_that_names_no_line_or_writes_code_cannot_be_checked():
    facts = hint_facts(PRICE, PRICE_ERROR)
    assert uncheckable("The price is read as text; make it a number first.", facts) == [
        "names no line"
    ]
    block = "Line 1 reads text. Write:\n```python\nprice = float(input())\n```"
    assert uncheckable(block, facts) == ["writes a code block"]
    assert uncheckable("Line 1 reads `price` as text.", facts) == []
    verdict = verify_hint("The price is read as text; make it a number.", PRICE, PRICE_ERROR)
    assert verdict.looks_wrong and "-1 names no line" in verdict.reasons


def test_a_hint_cut_off_looks_wrong():
    verdict = verify_hint("Line 1 reads `price` with input(), so", PRICE, PRICE_ERROR)
    assert verdict.looks_wrong and "-2 cut off" in verdict.reasons
    assert not verify_hint("Line 1 reads `price` with input().", PRICE, PRICE_ERROR).looks_wrong


def test_a_name_compared_with_one_created_earlier_that_does_not_exist_is_refuted():
    code = "count = 0\nwhile true:\n    count += 1\n"
    output = error(2, "while true:", "NameError: name 'true' is not defined")
    wrong = "Compare its spelling, letter by letter, with the name you created earlier."
    assert refuted(wrong, code, output) == [
        "says a name like true was created earlier; the program has none close"
    ]
    close = "counter = 0\nprint(countr)\n"
    close_output = error(2, "print(countr)", "NameError: name 'countr' is not defined")
    assert refuted(wrong, close, close_output) == []


def test_a_call_said_to_return_nothing_where_none_was_assigned_is_refuted():
    code = "items = None\nitems.append(1)\n"
    output = error(
        2, "items.append(1)", "AttributeError: 'NoneType' object has no attribute 'append'"
    )
    wrong = "Check that the function or method really returns a result instead of printing."
    assert refuted(wrong, code, output) == [
        "says a call returns nothing; items is set to None on line 1"
    ]
    called = "def make():\n    print(1)\n\n\nitems = make()\nitems.append(1)\n"
    called_output = error(
        6, "items.append(1)", "AttributeError: 'NoneType' object has no attribute 'append'"
    )
    assert refuted(wrong, called, called_output) == []


def test_counting_arguments_for_an_error_not_about_arguments_is_refuted():
    code = "import math\nx = -1.0\nprint(math.sqrt(x))\n"
    output = error(3, "print(math.sqrt(x))", "ValueError: math domain error")
    wrong = (
        "The call to `math.sqrt` doesn't match its definition: check how many values it expects."
    )
    assert refuted(wrong, code, output) == [
        "says the arguments are wrong; the ValueError is not about them"
    ]
    assert refuted(wrong, LIBRARY, LIBRARY_ERROR) == []  # "missing 1 required ... argument"


def test_other_syntax_for_a_rebound_function_is_refuted():
    code = "sum = 0\nfor n in [1, 2]:\n    sum += n\nprint(sum([1]))\n"
    output = error(4, "print(sum([1]))", "TypeError: 'int' object is not callable")
    wrong = "`()` follows something that isn't a function. To get an item, use other syntax."
    assert refuted(wrong, code, output) == [
        "advises other syntax; sum is a function rebound on line 1"
    ]
    plain = "x = 3\nprint(x(2))\n"  # x was never a function: other syntax may be what was meant
    assert (
        refuted(wrong, plain, error(2, "print(x(2))", "TypeError: 'int' object is not callable"))
        == []
    )


def test_text_used_as_a_number_is_read_from_the_message():
    assert text_as_number("unsupported operand type(s) for -: 'str' and 'str'")
    assert text_as_number("can't multiply sequence by non-int of type 'float'")
    assert text_as_number("Unknown format code 'f' for object of type 'str'")
    assert not text_as_number(
        "unsupported operand type(s) for +: 'builtin_function_or_method' and 'str'"
    )
    assert not text_as_number("'str' object does not support item assignment")


def test_a_definition_placed_on_the_wrong_line_is_refuted():
    code = "class Park:\n    def arrive():\n        return 1\n\n\npark = Park()\npark.arrive()\n"
    output = error(
        7, "park.arrive()", "TypeError: Park.arrive() takes 0 positional arguments but 1 was given"
    )
    wrong = (
        "The cause is on line 6. The method `arrive` of `Park` is defined on that line without"
        " `self` as its first parameter."
    )
    assert refuted(wrong, code, output) == ["says arrive is defined on line 6; it is on line 2"]
    assert refuted(wrong.replace("line 6", "line 2"), code, output) == []
    with_self = code.replace("def arrive():", "def arrive(self):")
    assert refuted(wrong.replace("line 6", "line 2"), with_self, output) == [
        "says arrive lacks self; its def on line 2 has it"
    ]
