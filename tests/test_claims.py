"""Claims a hint makes that the program and its traceback refute (evaluation.claims)."""

from __future__ import annotations

from typing import NamedTuple

import pytest

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


def two_frames(call: tuple[int, str], failing: tuple[int, str, str], message: str) -> str:
    """A traceback of a call on main.py's `call` line failing in function `failing[2]`."""
    return (
        "Traceback (most recent call last):\n"
        f'  File "main.py", line {call[0]}, in <module>\n    {call[1]}\n'
        f'  File "main.py", line {failing[0]}, in {failing[2]}\n    {failing[1]}\n{message}\n'
    )


def syntax_error(line: int, text: str, message: str) -> str:
    return f'  File "main.py", line {line}\n    {text}\n{message}\n'


def refuted(hint: str, code: str, error_output: str) -> list[str]:
    return refuted_claims(hint, code, error_output, hint_facts(code, error_output))


class Case(NamedTuple):
    """A program, its error, a hint with a claim the program refutes (and the reason the
    check gives), and a hint the check must let pass."""

    code: str
    error_output: str
    false_hint: str
    reason: str
    true_hint: str


PRICE = 'price = input("Price? ")\ntax = 2\ntotal = price * 1.08\n'
PRICE_ERROR = error(
    3, "total = price * 1.08", "TypeError: can't multiply sequence by non-int of type 'float'"
)
LIBRARY = (
    "class Library:\n    def lend(self, title, person):\n        return title\n\n\n"
    'lib = Library\nlib.lend("Wonder", "Sam")\n'
)
LIBRARY_ERROR = error(
    7,
    'lib.lend("Wonder", "Sam")',
    "TypeError: Library.lend() missing 1 required positional argument: 'person'",
)
PARK = "class Park:\n    def arrive():\n        return 1\n\n\npark = Park()\npark.arrive()\n"
PARK_ERROR = error(
    7, "park.arrive()", "TypeError: Park.arrive() takes 0 positional arguments but 1 was given"
)
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
GRADES = (
    'grades = {"Mia": 88}\nbest = 0\nfor student in grades.values():\n'
    "    if grades[student] > best:\n        best = 1\n"
)
GRADES_ERROR = error(4, "if grades[student] > best:", "KeyError: 88")
TALLY = "tally = {}\nfor v in input().split():\n    tally[v] = tally[v] + 1\n"
HERO = (
    "class Hero:\n    def __init__(self):\n        gold = 0\n\n"
    "    def find(self):\n        return self.gold\n\n\nHero().find()\n"
)
INDENT = "for r in [1]:\n    if r:\n        print(r)\n   print(r)\n"
INDENT_ERROR = syntax_error(
    4, "print(r)", "IndentationError: unindent does not match any outer indentation level"
)
CAUSE = "The error shows up on line 9; the mistake that causes it is on line {}."

CASES = {
    "input() text blamed on a line that sets none": Case(
        PRICE,
        PRICE_ERROR,
        "The cause is on line 2. input() returns a string, even when the user types digits.",
        "blames input() on line 2, where no input() text is set",
        "The cause is on line 1. input() returns a string, even when the user types digits.",
    ),
    "input() text where every input() is converted": Case(
        'number = int(input("N: "))\nfor digit in number:\n    print(digit)\n',
        error(2, "for digit in number:", "TypeError: 'int' object is not iterable"),
        "The problem is on line 2. Remember that input() returns a string.",
        "says input() text is the cause, but every input() is converted",
        "Line 2 loops over `number`, an int made on line 1.",
    ),
    "input() text for an error not about text as a number": Case(
        'word = "python"\nshown = "_" * len(word)\nguess = input()\nshown[0] = guess\n',
        error(4, "shown[0] = guess", "TypeError: 'str' object does not support item assignment"),
        "The value read with input() is a string. Turn it into a number before you do math.",
        "says input() text is the cause of a TypeError that is not about text",
        "Line 4 changes `shown`, a string made on line 2; strings cannot be changed in place.",
    ),
    "a type the first assignment contradicts": Case(
        "total = 0.0\nentry = input()\nwhile entry != 'done':\n    total += float(input())\n",
        error(
            4, "total += float(input())", "ValueError: could not convert string to float: 'done'"
        ),
        "Look at the value `total` gets first: it is written as a string.",
        "says total is string (float)",
        "Look at the value `total` gets first: it is a float.",
    ),
    "a real method called a wrong name": Case(
        "groups = {}\ngroups['a'] = 0\ngroups['a'].append(1)\n",
        error(3, "groups['a'].append(1)", "AttributeError: 'int' object has no attribute 'append'"),
        "Check line 3. `append` is wrong here: the method you meant has another name.",
        "says append is a wrong name; it is a method of Python's types",
        "Line 3 calls `append` on an int: the value stored for 'a' on line 2 is 0, not a list.",
    ),
    "an attribute the program sets called a wrong name": Case(
        HERO,
        two_frames(
            (9, "Hero().find()"),
            (6, "return self.gold", "find"),
            "AttributeError: 'Hero' object has no attribute 'gold'",
        ),
        "The problem is on line 6. `gold` is a typo: the method you meant has another name.",
        "says gold is a wrong name; the program sets or defines it",
        "Line 3 sets a local `gold`, not `self.gold`, so the hero has no gold on line 6.",
    ),
    "a key called misspelt with no close key": Case(
        TALLY,
        error(3, "tally[v] = tally[v] + 1", "KeyError: 'Ana'"),
        'The key "Ana" is a misspelling of a key the dictionary really has.',
        "says the key 'Ana' is misspelt; no key of the program is close",
        "Line 3 reads `tally[v]` before any count for that name was stored.",
    ),
    "a key that is not the missing one": Case(
        GRADES,
        GRADES_ERROR,
        "You look up the key `best` in a dictionary.",
        "names the key best; the missing key is 88",
        "The key `student` holds a mark, not a name.",
    ),
    "an argument count the call contradicts": Case(
        LIBRARY,
        LIBRARY_ERROR,
        "That call passes 0 argument(s) to `lend`, but `lend` is defined with the parameters"
        " (title, person).",
        "says the call passes 0 argument(s); it passes 2",
        "That call passes 2 argument(s) to `lend`, but `lend` is defined with the parameters"
        " (title, person).",
    ),
    "parameters the def contradicts": Case(
        PARK,
        PARK_ERROR,
        "`arrive` is defined with the parameters (no parameters) besides `self`.",
        "says arrive takes (self); it takes ()",
        "`arrive` is defined with the parameters (no parameters): there is no `self`.",
    ),
    "a definition on the wrong line": Case(
        PARK,
        PARK_ERROR,
        "The cause is on line 6. The method `arrive` of `Park` is defined on that line without"
        " `self` as its first parameter.",
        "says arrive is defined on line 6; it is on line 2",
        "The cause is on line 2. The method `arrive` of `Park` is defined on that line without"
        " `self` as its first parameter.",
    ),
    "a def said to lack self that has it": Case(
        PARK.replace("def arrive():", "def arrive(self):"),
        PARK_ERROR,
        "The cause is on line 2. `arrive` is defined on that line without `self` as its first.",
        "says arrive lacks self; its def on line 2 has it",
        "The cause is on line 7. Look at how `arrive` is called.",
    ),
    "an off-by-one story at index 0": Case(
        "def first(numbers):\n    return numbers[0]\n\n\nfirst([])\n",
        two_frames(
            (5, "first([])"),
            (2, "return numbers[0]", "first"),
            "IndexError: list index out of range",
        ),
        "The index goes one past the end. Work out the last index this code uses.",
        "says the index runs past the end; index 0 fails only when empty",
        "Line 2 reads numbers[0] of an empty list.",
    ),
    "an off-by-one story with no index": Case(
        "stack = []\nstack.pop()\n",
        error(2, "stack.pop()", "IndexError: pop from empty list"),
        "The index goes one step too far. Think about the last index.",
        "says an index runs past the end; the error is 'pop from empty list'",
        "Line 2 pops from `stack` while it is empty.",
    ),
    "a cause line the failing value does not depend on (a loop's counter)": Case(
        TRACK,
        TRACK_ERROR,
        CAUSE.format(4),
        "says the cause is on line 4; no value the failing line uses is set there",
        CAUSE.format(6),  # the test that lets `pos` grow past the end
    ),
    "a cause line the failing value does not depend on (another variable)": Case(
        TRACK,
        TRACK_ERROR,
        CAUSE.format(8),
        "says the cause is on line 8; no value the failing line uses is set there",
        CAUSE.format(7),  # the step `pos` takes
    ),
    "a name called misspelt that the program binds elsewhere": Case(
        "def ask():\n    name = input()\n\n\nask()\nprint(name)\n",
        error(6, "print(name)", "NameError: name 'name' is not defined"),
        "Check line 6. Python doesn't know `name`. Names must match exactly.",
        "says name is misspelt; the program binds name on line 2",
        "Line 6 uses `name`, which is only given a value inside `ask`.",
    ),
    "a module never imported called misspelt": Case(
        "print(math.sqrt(2))\n",
        error(1, "print(math.sqrt(2))", "NameError: name 'math' is not defined"),
        "Python doesn't know `math`. Compare its spelling, letter by letter.",
        "says math is misspelt; it is a module the program never imports",
        "`math` is used on line 1 but never imported.",
    ),
    "a name compared with one created earlier that does not exist": Case(
        "count = 0\nwhile true:\n    count += 1\n",
        error(2, "while true:", "NameError: name 'true' is not defined"),
        "Compare its spelling, letter by letter, with the name you created earlier.",
        "says a name like true was created earlier; the program has none close",
        "Line 2: Python's name for truth is `True`, with a capital T.",
    ),
    "a None for an error without None": Case(
        GRADES,
        GRADES_ERROR,
        "The method has no return value, so a call that ends there gives back None.",
        "says a value is None; the KeyError involves no None",
        "Line 3 loops over the marks, so `student` is 88 on line 4.",
    ),
    "a call said to return nothing where None was assigned": Case(
        "items = None\nitems.append(1)\n",
        error(2, "items.append(1)", "AttributeError: 'NoneType' object has no attribute 'append'"),
        "Check that the function or method really returns a result instead of printing.",
        "says a call returns nothing; items is set to None on line 1",
        "Line 1 sets `items` to None, and None has no `append`.",
    ),
    "counting arguments for an error not about arguments": Case(
        "import math\nx = -1.0\nprint(math.sqrt(x))\n",
        error(3, "print(math.sqrt(x))", "ValueError: math domain error"),
        "The call to `math.sqrt` doesn't match its definition: check how many values it expects.",
        "says the arguments are wrong; the ValueError is not about them",
        "Line 2 makes `x` negative, and line 3 takes its square root.",
    ),
    "other call syntax for a rebound function": Case(
        "sum = 0\nfor n in [1, 2]:\n    sum += n\nprint(sum([1]))\n",
        error(4, "print(sum([1]))", "TypeError: 'int' object is not callable"),
        "`()` follows something that isn't a function. To get an item, use other syntax.",
        "advises other syntax; sum is a function rebound on line 1",
        "Line 1 makes `sum` a number, so Python's `sum()` is gone by line 4.",
    ),
    "an indentation count the line contradicts": Case(
        INDENT,
        INDENT_ERROR,
        "That line starts 2 spaces in, which matches no block around it.",
        "says line 4 starts 2 spaces in; it is 3",
        "That line starts 3 spaces in, which matches no block around it.",
    ),
    "an indentation step the lines contradict": Case(
        INDENT,
        INDENT_ERROR,
        "Line 4 is indented 4 spaces further than the statement just before it.",
        "says line 4 is 4 spaces further in; -5",
        "Line 4 is indented 3 spaces: no block around it starts there.",
    ),
    "a quote blamed on a line whose quotes balance": Case(
        'hour = 3\nif hour < 12:\n    print("am")\nelse if hour < 18:\n    print("pm")\n',
        syntax_error(4, "else if hour < 18:", "SyntaxError: expected ':'"),
        "Check line 4. That line starts with a quote but has no closing quote.",
        "says a quote is wrong on line 4; its quotes are balanced",
        "Line 4 writes `else if`; Python spells it differently.",
    ),
    "a name stored into on a line that does not set it": Case(
        'def zone_of(country):\n    if country == "UK":\n        zone = 1\n'
        '    elif country == "EU":\n        zone = 2\n    return zone\nprint(zone_of("US"))\n',
        two_frames(
            (7, 'print(zone_of("US"))'),
            (6, "return zone", "zone_of"),
            "UnboundLocalError: cannot access local variable 'zone' where it is not associated "
            "with a value",
        ),
        "The mistake that causes it is on line 4. The assignment meant for `zone` stores into "
        "`costs`, a differently spelled name.",
        "says line 4 stores into costs; it does not",
        "Line 3 stores into `zone` only when the test on line 2 holds.",
    ),
    "code said to be on a line that lacks it": Case(
        "minutes = int(input())\nhours = minutes // 60\nspeed = 100 / hours\n",
        error(3, "speed = 100 / hours", "ZeroDivisionError: division by zero"),
        "The error shows up on line 3; the mistake that causes it is on line 2. The division on "
        "that line uses `/`, which always gives a float.",
        "says line 2: 'on that line uses `/`'; the line does not hold it",
        "The error shows up on line 3; the mistake that causes it is on line 2. The division on "
        "that line uses `//`, which gives 0 for fewer than 60 minutes.",
    ),
    "a loop on a line with none": Case(
        'todo = ["a", "b"]\ndone = int(input())\ntodo.remove(done)\n',
        error(3, "todo.remove(done)", "ValueError: list.remove(x): x not in list"),
        "The error shows up on line 3; the mistake that causes it is on line 2. The loop on that "
        "line starts `do` inside a list.",
        "says line 2: 'The loop on that line'; the line does not hold it",
        "The error shows up on line 3; the mistake that causes it is on line 2. The call on that "
        "line makes `done` a number, and the list holds text.",
    ),
    "the assignment sign in a condition that compares": Case(
        'answer = input()\nif answer == "yes"\n    print("ok")\n',
        syntax_error(2, 'if answer == "yes"', "SyntaxError: expected ':'"),
        "Check line 2. That condition uses the assignment sign.",
        "says line 2: 'uses the assignment sign'; the line does not hold it",
        "Check line 2. That condition has nothing at its end to open the block.",
    ),
    "more brackets opened on a line with none": Case(
        'prices = {\n    "tea": 1.50,\n    "coffee": 2.10\n    "cocoa": 2.60,\n}\n',
        syntax_error(
            3, '"coffee": 2.10', "SyntaxError: invalid syntax. Perhaps you forgot a comma?"
        ),
        "Line 3 is where things go wrong. That line opens more brackets than it closes.",
        "says line 3: 'opens more brackets than it closes'; the line does not hold it",
        "Line 3 is where things go wrong. Compare the end of that line with the line before it.",
    ),
    "a misspelt built-in name with none close": Case(
        "new_amount = 5\nprint(round(new_amonut))\n",
        error(
            2,
            "print(round(new_amonut))",
            "NameError: name 'new_amonut' is not defined. Did you mean: 'new_amount'?",
        ),
        "Check line 2. `new_amonut` is a misspelling of one of Python's built-in names.",
        "says new_amonut misspells a built-in name; no built-in name is close to it",
        "Check line 2. `new_amonut` is a misspelling of a name your program defines.",
    ),
    "a misspelt name of the program with none close": Case(
        'answer = input()\nif answer == yes:\n    print("ok")\n',
        error(2, "if answer == yes:", "NameError: name 'yes' is not defined"),
        "The problem is on line 2. `yes` looks like a name your program defines, but its "
        "spelling differs.",
        "says yes misspells a name of the program; the program has none close",
        "The problem is on line 2. Python reads `yes` as a variable, not as text.",
    ),
    "a misspelt name that the program sets as an attribute": Case(
        "class Meter:\n    def __init__(self, per_hour):\n        self.rate = per_hour\n\n"
        "    def cost(self, hours):\n        return hours * rate\n\nprint(Meter(2).cost(3))\n",
        two_frames(
            (8, "print(Meter(2).cost(3))"),
            (6, "return hours * rate", "cost"),
            "NameError: name 'rate' is not defined. Did you mean: 'range'?",
        ),
        "Look closely at line 6. `rate` is a misspelling of one of Python's built-in names.",
        "says rate is misspelt; the program sets it as an attribute (self.rate)",
        "Look closely at line 6. The meter keeps the value as `self.rate`, set on line 3.",
    ),
    "a variable said to print instead of returning": Case(
        'import random\nnames = ["a", "b", "c"]\nmixed = random.shuffle(names)\nprint(mixed[0])\n',
        error(4, "print(mixed[0])", "TypeError: 'NoneType' object is not subscriptable"),
        "Python stops on line 4, but the real cause is on line 3. The function `mixed` prints "
        "its result instead of returning it.",
        "says mixed prints instead of returning; the program defines no mixed",
        "Python stops on line 4, but the real cause is on line 3: `random.shuffle` changes the "
        "list and gives back None.",
    ),
    "a built-in said to be hidden that the program never binds": Case(
        "number = int(input())\ntotal = 0\nfor i in range(3):\n    total += number[i]\n",
        error(4, "total += number[i]", "TypeError: 'int' object is not subscriptable"),
        "The mistake that causes it is on line 1. From then on the name `number` means your "
        "value, not Python's built-in function `sum()`.",
        "says a variable hides sum(); the program never binds sum",
        "The mistake that causes it is on line 1: `number` is made an int there, and an int has "
        "no positions.",
    ),
    "a value called as a function for an error not about calls": Case(
        'queue = ["a"]\nwhile True:\n    queue.pop(0)\n',
        error(3, "queue.pop(0)", "IndexError: pop from empty list"),
        "Check line 3. `queue` is followed by parentheses, which tell Python to call it as a "
        "function, but `queue` is not a function.",
        "says a value is called as a function; the IndexError is not that",
        "Check line 3. The loop on line 2 never stops, so `queue.pop(0)` runs on an empty list.",
    ),
    "a method of another name on a dict with none close": Case(
        'person = {"name": "Sam"}\nprint(person.name)\n',
        error(2, "print(person.name)", "AttributeError: 'dict' object has no attribute 'name'"),
        "The problem is on line 2. `name` is not a method of this kind of object: in Python "
        "that method has another name.",
        "says name is a dict method with another name; none is close",
        "The problem is on line 2. `person` is a dict: its values are read with square brackets "
        "and a key, not with a dot and `name`.",
    ),
    "the error explained with a name the failing line does not use": Case(
        "def read(text):\n    try:\n        number = int(text)\n    except ValueError:\n"
        '        print("bad")\n    return number\n\ncount = 0\nprint(read("x"))\n',
        two_frames(
            (9, 'print(read("x"))'),
            (6, "return number", "read"),
            "UnboundLocalError: cannot access local variable 'number' where it is not associated "
            "with a value",
        ),
        "Line 6 fails. This means that the `count` variable in your function was reassigned.",
        "explains the error with count; the failing line does not use it",
        "Line 6 fails. This means that the `number` variable got no value when line 3 failed.",
    ),
    "a variable called no dictionary where it is one": Case(
        'capitals = {"France": "Paris"}\nfor c in capitals.values():\n    print(capitals[c])\n',
        error(3, "print(capitals[c])", "KeyError: 'Paris'"),
        "The problem is on line 3. `capitals` is not a dictionary.",
        "says capitals is dictionary (dict)",
        "The problem is on line 3. `capitals` is a dictionary whose keys are countries; line 2 "
        "loops over its values.",
    ),
    "a call said to give None for an error without None": Case(
        "nums = []\nprint(sum(nums) / len(nums))\n",
        error(2, "print(sum(nums) / len(nums))", "ZeroDivisionError: division by zero"),
        "Line 2: `sum` finds no value, so a call gives None.",
        "says a value is None; the ZeroDivisionError involves no None",
        "Line 2 divides by `len(nums)`, which is 0 for the empty list of line 1.",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_false_claim_is_refuted_and_a_true_one_passes(case: Case):
    assert case.reason in refuted(case.false_hint, case.code, case.error_output)
    assert refuted(case.true_hint, case.code, case.error_output) == []


# Claims that hold in a program like the refuted ones' must pass.
TRUE_CLAIMS = {
    "a misspelt built-in may be called a misspelt built-in": (
        'prnt("hello")\n',
        error(1, 'prnt("hello")', "NameError: name 'prnt' is not defined. Did you mean: 'print'?"),
        "Check line 1. `prnt` is a misspelling of one of Python's built-in names.",
    ),
    "a loop named on its own line": (
        "rows = [1, 2]\nfor i in range(3):\n    print(rows[i])\n",
        error(3, "print(rows[i])", "IndexError: list index out of range"),
        "The mistake that causes it is on line 2. The loop on that line runs past `rows`.",
    ),
    "a misspelt method may be called a wrong name": (
        "items = []\nitems.apend(1)\n",
        error(2, "items.apend(1)", "AttributeError: 'list' object has no attribute 'apend'"),
        "Check line 2: `apend` is a misspelling; the method you meant has another name.",
    ),
    "a misspelt name may be called misspelt": (
        "total = 0\nprint(totl)\n",
        error(2, "print(totl)", "NameError: name 'totl' is not defined"),
        "`totl` is a misspelling of `total`, which you created earlier.",
    ),
    "a key close to a program's key may be called misspelt": (
        TALLY.replace("tally = {}", 'tally = {"ana": 0}'),
        error(3, "tally[v] = tally[v] + 1", "KeyError: 'Ana'"),
        'The key "Ana" is a misspelling of a key the dictionary really has.',
    ),
    "input() text passed on unconverted is blamed on its line": (
        'line = input("Numbers: ")\nnumbers = line.split()\ntotal = sum(numbers)\n',
        error(
            3,
            "total = sum(numbers)",
            "TypeError: unsupported operand type(s) for +: 'int' and 'str'",
        ),
        "The mistake that causes it is on line 2. input() returns a string.",
    ),
    "a call said to return nothing where it does": (
        "def make():\n    print(1)\n\n\nitems = make()\nitems.append(1)\n",
        error(6, "items.append(1)", "AttributeError: 'NoneType' object has no attribute 'append'"),
        "Check that the function really returns a result instead of printing.",
    ),
    "counting arguments for an error about arguments": (
        LIBRARY,
        LIBRARY_ERROR,
        "Count the arguments you pass to `lend` and compare with its definition.",
    ),
    "other syntax for a value that was never a function": (
        "x = 3\nprint(x(2))\n",
        error(2, "print(x(2))", "TypeError: 'int' object is not callable"),
        "`()` follows something that isn't a function. To multiply, use other syntax.",
    ),
    "a cause line in the definition the failing line calls": (
        PARK,
        PARK_ERROR,
        "The error shows up on line 7; the mistake that causes it is on line 2.",
    ),
}


@pytest.mark.parametrize("code, error_output, hint", TRUE_CLAIMS.values(), ids=TRUE_CLAIMS.keys())
def test_a_true_claim_passes(code: str, error_output: str, hint: str):
    assert refuted(hint, code, error_output) == []


def test_the_text_of_input_follows_assignments_that_do_not_convert_it():
    code = 'line = input("Numbers: ")\nnumbers = line.split()\ncount = int(line)\n'
    program = Program(code)
    assert unconverted_input_lines(program) == {1}
    assert text_lines(program, unconverted_input_lines(program)) == {1, 2}


def test_text_used_as_a_number_is_read_from_the_message():
    assert text_as_number("unsupported operand type(s) for -: 'str' and 'str'")
    assert text_as_number("can't multiply sequence by non-int of type 'float'")
    assert text_as_number("Unknown format code 'f' for object of type 'str'")
    assert not text_as_number(
        "unsupported operand type(s) for +: 'builtin_function_or_method' and 'str'"
    )
    assert not text_as_number("'str' object does not support item assignment")


def test_a_refuted_claim_makes_the_verifier_call_the_hint_wrong():
    wrong = CASES["input() text blamed on a line that sets none"]
    verdict = verify_hint(wrong.false_hint, PRICE, PRICE_ERROR)
    assert verdict.looks_wrong
    assert any("where no input() text is set" in reason for reason in verdict.reasons)
    assert not verify_hint(wrong.true_hint, PRICE, PRICE_ERROR).looks_wrong


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


def test_a_function_said_to_print_instead_of_returning_must_print():
    code = "def add_vat(price):\n    vat = price * 0.2\n{body}\n\ntotal = 1 + add_vat(2)\n"
    failing = error(
        5,
        "total = 1 + add_vat(2)",
        "TypeError: unsupported operand type(s) for +: 'int' and 'NoneType'",
    )
    hint = "Line 5 fails. The function `add_vat` prints its result instead of returning it."
    printing = code.format(body='    print("VAT:", vat)')
    assert refuted(hint, printing, failing) == []
    silent = code.format(body="    vat = round(vat, 2)")
    assert refuted(hint, silent, failing) == [
        "says add_vat prints instead of returning; add_vat never prints"
    ]


def test_an_index_one_past_its_last_item_is_refuted_without_an_index():
    code = 'print("{} and {}".format("a"))\n'
    failing = error(
        1,
        'print("{} and {}".format("a"))',
        "IndexError: Replacement index 1 out of range for positional args tuple",
    )
    hint = "The problem is on line 1. The call reaches one past its last item."
    assert any("runs past the end" in reason for reason in refuted(hint, code, failing))
