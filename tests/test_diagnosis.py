"""Diagnoses the program and its real traceback settle (llm_prune_gym.diagnosis.diagnose),
and the hint pipeline that puts them first (evaluation.hints.final_hint, `llm-prune hint`).

Every program runs in the sandbox, so each traceback is the one Python really prints. Each
rule has a program it must fire on and a near miss (the same pattern with one link of the
argument uncertain) where it must stay silent.
"""

from __future__ import annotations

import json

import pytest

from finetune.sandbox import Limits, error_output, run_program
from llm_prune_gym.diagnosis import diagnose
from llm_prune_gym.hintfacts import facts_hint, hint_facts


def traceback_of(code: str, stdin: str = "") -> str:
    result = run_program(code, stdin, Limits(timeout=1.0, max_lines=5_000))
    assert not result.ok, "the program should fail"
    return error_output(result)


def diagnosis_of(code: str, stdin: str = ""):
    return diagnose(code, traceback_of(code, stdin))


# a method named on line 10 but never called (`method_not_called`)
LAMP = (
    "class Lamp:\n    def __init__(self):\n        self.on = False\n\n"
    "    def switch_on(self):\n        self.on = True\n\n\n"
    "lamps = [Lamp(), Lamp()]\nlamps[1].switch_on\nlit = [x for x in lamps if x.on]\n"
)

# a function whose one bare `return` gives None (`bare_return`)
BANK = "def withdraw(balance, amount):\n    if amount > balance:\n        print('No')\n"
BANK += "        return\n    return balance - amount\n\n\n"

# a number in quotes passed to a method that stores it among numbers (`quoted_number_passed`)
TILL = (
    "class Till:\n    def __init__(self):\n        self.coins = []\n\n"
    "    def pay(self, coin):\n        self.coins.append(coin)\n\n"
    "    def total(self):\n        return sum(self.coins)\n\n\n"
    "till = Till()\ntill.pay(2)\n"
)

# (rule, program, stdin, the cause line, words the hint must have)
FIRES = [
    (
        "quoted_numbers",
        "laps = ['61.2', '60.5', '59.8']\nlaps.sort()\nfor lap in laps:\n    print(lap - 0.5)\n",
        "",
        1,
        [
            "`lap` is a string (the error says `str`): it is an item of `laps`",
            "line 1 writes every item of `laps` in quotes (`'61.2'`, ...)",
        ],
    ),
    (
        "replace_missed",
        "card = '1234-5678'\nclean = card.replace('/', '')\ntotal = 0\nfor d in clean:\n"
        "    total += int(d)\n",
        "",
        2,
        [
            "`d` is `'-'`",
            "line 2 sets `clean` to `card.replace('/', '')`",
            "the text `'1234-5678'` (line 1) has no `'/'` in it",
        ],
    ),
    (
        "object_replaced",
        "class Jar:\n    def __init__(self):\n        self.coins = 0\n\n"
        "    def add(self, n):\n        self.coins += n\n        return self.coins\n\n"
        "jar = Jar()\nfor n in [1, 2]:\n    jar = jar.add(n)\n",
        "",
        11,
        [
            "`jar` is an integer (the error says `int`), not the `Jar` made on line 9",
            "line 11 sets `jar` to what `jar.add(n)` gives back",
        ],
    ),
    (
        "popped_past_end",
        "cards = ['ace', 'king', 'queen']\nfor turn in range(4):\n    card = cards.pop()\n"
        "    print('Turn', turn, card)\n",
        "",
        2,
        [
            "The loop on line 2 runs 4 times",
            "`cards.pop()` on line 3",
            "`cards` has only 3 items (line 1)",
            "pass 4 finds `cards` empty",
        ],
    ),
    (
        "counted_from_one",
        "shelves = ['jam', 'tea', 'rice', 'oats']\nn = int(input('Shelf (1 to 4): '))\n"
        "print(shelves[n])\n",
        "4\n",
        2,
        [
            "Line 2 asks for `n` from 1 to 4",
            "line 3 uses it unchanged as an index into `shelves`",
            "its indexes run from 0 to 3",
        ],
    ),
    (
        "text_arithmetic",
        "def seconds(lap):\n    m, s = lap.split(':')\n    return m * 60 + s\n\n"
        "print(seconds('1:05') - seconds('0:58'))\n",
        "",
        3,
        [
            "`seconds('1:05')` and `seconds('0:58')` are strings",
            "line 3 returns `m * 60 + s`",
            "`m` and `s` are pieces of `lap.split(':')` from line 2",
        ],
    ),
    (
        "empty_past_base",
        "def total(nums):\n    if nums == None:\n        return 0\n"
        "    return nums[0] + total(nums[1:])\n\nprint(total([4, 5]))\n",
        "",
        2,
        ["Line 4 takes `nums[0]` when `nums` is empty", "lets the empty list through"],
    ),
    (
        "space_after_separator",
        "stock = {'tea': 2, 'jam': 1}\nfor item in input('Items: ').split(','):\n"
        "    print(stock[item])\n",
        "tea, jam\n",
        2,
        ["`' jam'`, with a space in front", "a split at `','` keeps the space"],
    ),
    (
        "length_always_true",
        "plates = ['a', 'b']\nwhile len(plates) >= 0:\n    print(plates.pop())\n",
        "",
        2,
        ["`len(plates) >= 0`, is true for every length", "line 3 runs when `plates` is empty"],
    ),
    (
        "step_away",
        "def stars(n):\n    if n == 0:\n        return ''\n    return '*' + stars(n + 1)\n\n"
        "print(stars(3))\n",
        "",
        4,
        ["passes `n + 1`", "(line 2, `n == 0`)"],
    ),
    (
        "key_past_range",
        "squares = {}\nfor n in range(1, 5):\n    squares[n] = n * n\nprint(squares[5])\n",
        "",
        2,
        ["over `range(1, 5)`", "never reaches 5"],
    ),
    (
        "text_compared_with_number",
        "secret = 7\nwhile True:\n    guess = input('Guess: ')\n    if guess == secret:\n"
        "        print('Yes!')\n        break\n",
        "3\n7\n",
        4,
        ["Line 4 compares `guess`", "`secret`, a number (line 1 sets it to `7`)", "never true"],
    ),
    (
        "return_in_loop",
        "def first_long(words):\n    for w in words:\n        if len(w) > 4:\n"
        "            return w\n        return None\n\nprint(first_long(['ox', 'zebra']).upper())\n",
        "",
        5,
        ["The `return None` on line 5", "`for` loop of line 2", "line 7 gets None"],
    ),
    (
        "text_from_split",
        "size = '30x40'\nw, h = size.split('x')\nprint(h - w)\n",
        "",
        2,
        ["line 2 sets `h` and `w` from `size.split('x')`"],
    ),
    (
        "text_from_split",
        "ages = '12 9 15'.split()\nfor a in ages:\n    if a > 10:\n        print(a)\n",
        "",
        1,
        ["the loop on line 2 sets `a` to each item of `ages`"],
    ),
    (
        "separator_not_in_prompt",
        "score = input('Score (home-away): ')\nh, a = score.split(':')\nprint(h, a)\n",
        "3-1\n",
        2,
        ["splits `score` at `':'`", "as `home-away`"],
    ),
    (
        "base_case_jumped",
        "def fold(width, target):\n    if width == target:\n        return 0\n"
        "    return 1 + fold(width // 3, target)\n\nprint(fold(100, 10))\n",
        "",
        2,
        ["exactly `target`", "`width // 3`"],
    ),
    (
        "odd_item_unpacked",
        "scores = [\n    ['Ada', 3, 1],\n    ['Bo', 2],\n    ['Cy', 0, 4],\n]\n"
        "for name, won, lost in scores:\n    print(name, won - lost)\n",
        "",
        3,
        ["`['Bo', 2]` on line 3, which holds 2", "into 3 names"],
    ),
    (
        "compared_not_set",
        "def shipping(kg):\n    if kg < 2:\n        cost = 4\n    else:\n        cost == 9\n"
        "    return cost\n\nprint(shipping(5))\n",
        "",
        5,
        ["Line 5 is `cost == 9`", "a comparison (`==`) that changes nothing"],
    ),
    (
        "typo_never_read",
        "def bonus(goals):\n    if goals > 3:\n        reward = 10\n    else:\n"
        "        rewrad = 0\n    return reward\n\nprint(bonus(1))\n",
        "",
        5,
        ["line 5 sets `rewrad`", "Line 6 reads `reward`"],
    ),
    ("misspelt_name", "total = 3\nprint(totl)\n", "", 1, ["`totl`", "`total`"]),
    ("misspelt_name", "totl = 0\nfor x in [1]:\n    total = total + x\n", "", 1, ["`totl`"]),
    ("module_not_imported", "print(math.sqrt(4))\n", "", 1, ["imports `math`"]),
    (
        "self_attribute",
        "class A:\n    def __init__(self):\n        self.songs = []\n"
        "    def n(self):\n        return len(songs)\n\nprint(A().n())\n",
        "",
        5,
        ["`self.songs`", "line 3"],
    ),
    ("defined_later", "report()\n\ndef report():\n    print(1)\n", "", 1, ["line 3"]),
    (
        "only_in_function",
        "def ask():\n    name = 'a'\n\nask()\nprint(name)\n",
        "",
        2,
        ["`ask`"],
    ),
    (
        "set_only_in_branches",
        "score = 45\nif score > 90:\n    grade = 'A'\nelif score > 60:\n    grade = 'B'\n"
        "print(grade)\n",
        "",
        2,
        ["no `else`", "lines 3 and 5"],
    ),
    (
        "global_assigned_locally",
        "lives = 3\n\ndef lose():\n    lives = lives - 1\n\nlose()\n",
        "",
        4,
        ["line 1", "local"],
    ),
    (
        "local_misspelt",
        "def f():\n    seps = 0\n    steps += 1\n    return steps\n\nf()\n",
        "",
        2,
        ["`seps`"],
    ),
    (
        "text_from_input",
        "price = input('Price? ')\ntotal = price * 1.2\n",
        "3\n",
        1,
        ["`price`", "line 1", "input()"],
    ),
    (
        "text_from_input",
        "def twice(n):\n    return n + 1\n\nx = input()\nprint(twice(x))\n",
        "3\n",
        4,
        ["parameter `n`", "line 5", "line 4"],
    ),
    ("text_from_input", "menu = ['a', 'b']\nc = input()\nprint(menu[c])\n", "1\n", 2, ["`c`"]),
    (
        "number_joined_to_text",
        "age = 3\nprint('Age: ' + age)\n",
        "",
        2,
        ["`age`", "an integer"],
    ),
    ("float_from_division", "n = 6\nhalf = n / 2\nprint('ab'[half])\n", "", 2, ["`n / 2`"]),
    ("function_not_called", "count = len\nfor i in range(count):\n    pass\n", "", 1, ["`len`"]),
    ("function_not_called", "d = {}\nfor k in d.items:\n    pass\n", "", 2, ["`d.items`"]),
    (
        "none_used",
        "def get():\n    print('x')\n\nname = get()\nprint(name.upper())\n",
        "",
        1,
        ["`get`", "no `return`"],
    ),
    ("none_used", "xs = [3, 1]\nys = xs.sort()\nprint(ys[0])\n", "", 2, ["`sort()`"]),
    ("shadowed_builtin", "sum = 0\nprint(sum([1, 2]))\n", "", 1, ["built-in function `sum`"]),
    ("called_a_value", "rates = {'EUR': 1}\nprint(rates('EUR'))\n", "", 2, ["a dict"]),
    (
        "wrong_type_method",
        "shopping = ''\nshopping.append('milk')\n",
        "",
        1,
        ["a string", "list"],
    ),
    (
        "attribute_typo",
        "class Pet:\n    def __init__(self):\n        self.nmae = 'Rex'\n\nprint(Pet().name)\n",
        "",
        3,
        ["`nmae`", "`name`"],
    ),
    (
        "missing_self",
        "class T:\n    def set(degrees):\n        pass\n\nT().set(21)\n",
        "",
        2,
        ["def set(degrees)"],
    ),
    (
        "called_on_class",
        "class P:\n    def total(self):\n        return 1\n\nprint(P.total())\n",
        "",
        5,
        ["the class `P`"],
    ),
    (
        "init_misspelt",
        "class Dog:\n    def __int__(self, name):\n        self.name = name\n\nDog('Rex')\n",
        "",
        2,
        ["`__int__`"],
    ),
    (
        "argument_count",
        "def area(w, h):\n    return w * h\n\nprint(area(3))\n",
        "",
        4,
        ["2 parameters", "passes 1 value"],
    ),
    (
        "index_past_end",
        "xs = [1, 2, 3]\nfor i in range(len(xs) + 1):\n    print(xs[i])\n",
        "",
        2,
        ["has 3 items", "reach 3"],
    ),
    (
        "index_past_end",
        "xs = [1, 2]\ni = 0\nwhile i <= len(xs):\n    print(xs[i])\n    i += 1\n",
        "",
        3,
        ["`while i <= len(xs):`"],
    ),
    ("index_past_end", "xs = [1, 2]\nprint(xs[len(xs)])\n", "", 2, ["itself as an index"]),
    (
        "zero_divisor",
        "def mean(v):\n    return sum(v) / len(v)\n\nprint(mean([]))\n",
        "",
        4,
        ["empty list", "line 4"],
    ),
    (
        "zero_divisor",
        "n = 7\nfor i in range(n):\n    print(n % i)\n",
        "",
        2,
        ["first value is 0"],
    ),
    ("decimal_into_int", "x = int(input())\n", "3.50\n", 1, ["'3.50'"]),
    ("comma_decimal", "x = float(input())\n", "12,5\n", 1, ["comma"]),
    ("split_unpack", "a, b = input().split()\n", "Mary Ann Smith\n", 1, ["more than 2"]),
    (
        "dict_unpack",
        "prices = {'tea': 2}\nfor name, price in prices:\n    pass\n",
        "",
        2,
        ["only its keys"],
    ),
    ("key_not_in_dict", "votes = {'green': 1}\nprint(votes['Green'])\n", "", 2, ["'green'"]),
    ("key_not_in_dict", "days = {'Tuesday': 3}\nprint(days['Tue'])\n", "", 2, ["only its start"]),
    ("key_not_in_dict", "votes = {'green': 1}\nprint(votes['gren'])\n", "", 2, ["a letter or two"]),
    (
        "key_never_stored",
        "counts = {}\nfor w in ['a', 'a']:\n    counts[w] += 1\n",
        "",
        3,
        ["starts empty"],
    ),
    (
        "endless_while",
        "i = 0\nwhile i < 3:\n    n = 2\ni += 1\n",
        "",
        2,
        ["changes `i`"],
    ),
    (
        "same_arguments",
        "def rev(text):\n    if text == '':\n        return ''\n    return rev(text) + text[0]\n\n"
        "rev('ab')\n",
        "",
        4,
        ["`rev(text)`"],
    ),
    # syntax errors: read from the lines and the message alone
    ("assign_in_condition", "n = 3\nwhile n = 3:\n    n -= 1\n", "", 2, ["`n = 3`", "`while`"]),
    ("missing_colon", "x = 2\nwhile x > 0\n    x -= 1\n", "", 2, ["`while`", "colon"]),
    ("missing_colon", "def f(x) -> int\n    return x\n", "", 1, ["`def`"]),
    ("else_if", "x = 1\nif x > 2:\n    y = 1\nelse if x > 0:\n    y = 2\n", "", 4, ["`else if`"]),
    (
        "bracket_never_closed",
        "names = {'a': 1,\n         'b': 2\nprint(names)\n",
        "",
        1,
        ["`{` opened on line 1", "`}`"],
    ),
    ("unterminated_string", "x = 1\nprint('total:, x)\n", "", 2, ["`'total:, x)`"]),
    ("print_statement", "x = 1\nif x:\n    print x\n", "", 3, ["`print x`"]),
    (
        "block_not_indented",
        "def area(w, h):\nreturn w * h\n",
        "",
        2,
        ["`def` on line 1", "line 2 is not"],
    ),
    ("unexpected_indent", "x = 1\ny = 2\n      z = 3\n", "", 3, ["line 2 before it"]),
    (
        "unindent_mismatch",
        "for i in range(3):\n    if i:\n        print(i)\n  print('done')\n",
        "",
        4,
        ["by 2 spaces", "0, 4 and 8 spaces"],
    ),
    (
        "tabs_and_spaces",
        "def f():\n\tif True:\n        return 1\n",
        "",
        3,
        ["Line 2 is indented with a tab", "line 3 with spaces"],
    ),
    # values that cannot change, modules, formats, dicts in loops, what functions give back
    (
        "item_assignment",
        "name = input()\nname[0] = 'B'\n",
        "bob\n",
        1,
        ["`name` is a string", "`name[0]`"],
    ),
    (
        "item_assignment",
        "def move(p):\n    p[0] += 1\n\nstart = (1, 2)\nmove(start)\n",
        "",
        5,
        ["`p` is a tuple"],
    ),
    (
        "module_misspelt",
        "import randon\nprint(random.randint(1, 2))\n",
        "",
        1,
        ["`randon`", "`random`"],
    ),
    (
        "module_attribute_typo",
        "import math\nprint(math.sqrtt(4))\n",
        "",
        2,
        ["`sqrtt`", "`sqrt`"],
    ),
    (
        "format_code",
        "w = input()\nprint(f'{w:.2f} kg')\n",
        "3\n",
        1,
        ["`:.2f`", "`input()`"],
    ),
    (
        "format_code",
        "n = 7\nhalf = n / 2\nprint(f'{half:3d}')\n",
        "",
        2,
        ["`:3d`", "`n / 2`"],
    ),
    (
        "dict_changed_in_loop",
        "ages = {'a': 3, 'b': 30}\nfor k, v in ages.items():\n    if v < 18:\n"
        "        ages.pop(k)\n",
        "",
        4,
        ["line 2", "`ages.pop(k)`"],
    ),
    (
        "str_method_result",
        "class P:\n    def __str__(self):\n        print('P')\n\nprint(P())\n",
        "",
        2,
        ["no `return`", "prints on line 3"],
    ),
    (
        "str_method_result",
        "class P:\n    def __init__(self):\n        self.n = 2\n\n    def __str__(self):\n"
        "        return self.n\n\nprint(P())\n",
        "",
        6,
        ["`self.n`", "an integer"],
    ),
    (
        "ends_without_return",
        "def first_even(xs):\n    for x in xs:\n        if x % 2 == 0:\n"
        "            return x * 1\n\n"
        "print(first_even([1, 3]) + 1)\n",
        "",
        4,
        ["`first_even([1, 3])` gave back None", "inside the `if` on line 3"],
    ),
    (
        "ends_without_return",
        "def total(xs):\n    if not xs:\n        return 0\n    total(xs[1:])\n\n"
        "print(1 + total([1]))\n",
        "",
        4,
        ["line 4 calls `total` again"],
    ),
    (
        "unpack_one_value",
        "def minmax(xs):\n    return min(xs)\n\nlo, hi = minmax([3, 1])\n",
        "",
        2,
        ["2 names (`lo, hi`)", "`min(xs)`"],
    ),
    (
        "none_used",
        "def add(a, b):\n    print(a + b)\n\nx = add(1, 2)\ny = add(3, 4)\nprint(x + y)\n",
        "",
        1,
        ["`x` is set on line 4"],
    ),  # both sides None, from the one function
    (
        "attribute_never_set",
        "class Bag:\n    def __init__(self):\n        items = []\n\n    def add(self, x):\n"
        "        self.items.append(x)\n\nBag().add(1)\n",
        "",
        3,
        ["plain variable `items` on line 3", "`self.items`"],
    ),
    (
        "attribute_never_set",
        "class A:\n    def __init__(self):\n        self.n = 1\n\nclass B(A):\n"
        "    def __init__(self):\n        self.m = 2\n\nprint(B().n)\n",
        "",
        6,
        ["replaces the one of `A`", "(line 3)"],
    ),
    (
        "unhashable_list",
        "seen = {}\nkey = [1, 2]\nseen[key] = True\n",
        "",
        2,
        ["`key` is a list (line 2)", "a dict's key"],
    ),
    (
        "number_as_sequence",
        "n = int(input())\nfor d in n:\n    print(d)\n",
        "12\n",
        1,
        ["`n` is an integer", "`for` loop"],
    ),
    (
        "number_as_sequence",
        "names = ['a', 'b']\nfor i in len(names):\n    print(i)\n",
        "",
        2,
        ["`len(names)`"],
    ),
    (
        "key_of_wrong_type",
        "rooms = {101: 'Ann', 102: 'Bo'}\nr = input()\nprint(rooms[r])\n",
        "101\n",
        2,
        ["the text `'101'`", "are numbers"],
    ),
    (
        "key_of_wrong_type",
        "ages = {'a': 3}\nfor age in ages.values():\n    print(ages[age])\n",
        "",
        2,
        ["`ages.values()`", "not a key"],
    ),
    (
        "item_not_in_list",
        "xs = [3, 1, 2]\nxs.remove(max)\n",
        "",
        2,
        ["passes `max`"],
    ),
    (
        "item_not_in_list",
        "days = ['Mon', 'Tue']\nprint(days.index('tue'))\n",
        "",
        2,
        ["`'tue'`", "`'Tue'`"],
    ),
    (
        "join_numbers",
        "ages = [3, 4]\nprint('-'.join(ages))\n",
        "",
        2,
        ["item 0 of `ages` is an integer"],
    ),
    (
        "length_attribute",
        "xs = [1, 2]\nprint(xs.size())\n",
        "",
        2,
        ["`.size`", "a list"],
    ),
    (
        "wrong_type_method",
        "for w in 'ab cd'.split():\n    w.append('!')\n",
        "",
        2,
        ["`w`, which is a string there"],
    ),
    (
        "called_on_class",
        "class C:\n    def add(self, a, b):\n        return a + b\n\nprint(C.add(1, 2))\n",
        "",
        5,
        ["`1` is taken as `self`"],
    ),
    (
        "called_on_class",
        "class C:\n    def go(self, n):\n        return n\n\nc = C\nprint(c.go(1))\n",
        "",
        5,
        ["sets `c` to the class `C`"],
    ),
    (
        "set_only_in_branches",
        "t = 20\nif t < 10:\n    w = 'cold'\nif t > 25:\n    w = 'hot'\nprint(w)\n",
        "",
        2,
        ["lines 2 and 4", "none of them has an `else`"],
    ),
    (
        "key_never_stored",
        "counts = {}\nfor c in 'aab':\n    counts[c] = counts[c] + 1\n"
        "print(max(counts, key=counts.get))\n",
        "",
        3,
        ["starts empty"],
    ),
    (
        "python2_name",
        "ages = {'a': 3}\nif ages.has_key('a'):\n    print(1)\n",
        "",
        2,
        ["`.has_key()` of a dict", "Python 2"],
    ),
    ("python2_name", "for i in xrange(3):\n    print(i)\n", "", 1, ["`xrange`"]),
    (
        "random_index",
        "import random\ncolours = ['red', 'blue']\npick = random.randint(2, 2)\n"
        "print(colours[pick])\n",
        "",
        3,
        ["can give 2", "2 items"],
    ),
    (
        "text_one_step",
        "n = input()\ntwice = n * 2\nprint(twice / 4)\n",
        "3\n",
        1,
        ["`twice` is text", "`n * 2`"],
    ),
    (
        "key_case",
        "stock = {}\nfor item in ['Tea', 'Milk']:\n    stock[item.lower()] = 1\ndel stock['Tea']\n",
        "",
        4,
        ["line 3: `item.lower()`", "`'Tea'`"],
    ),
    # -- widened on set 3 (task diag4)
    ("constant_spelling", "done = 1\nif done == false:\n    print(1)\n", "", 2, ["`false`"]),
    ("name_not_imported", "from math import pi\nprint(sqrt(pi))\n", "", 1, ["`pi`", "`sqrt`"]),
    ("name_not_imported", "import math\nprint(sqrt(4))\n", "", 1, ["module `math`"]),
    ("import_name_typo", "from random import randInt\n", "", 1, ["`randint`"]),
    (
        "dict_loop_keys",
        "book = {'Ann': {'art': 9}, 'Bo': {'art': 5}}\nfor name in book:\n"
        "    for s, m in name.items():\n        print(s, m)\n",
        "",
        2,
        ["keys", "`.items`"],
    ),
    (
        "index_as_item",
        "rows = ['a,1', 'b,2']\nfor row in range(len(rows)):\n    print(row.split(','))\n",
        "",
        2,
        ["`row`", "positions"],
    ),
    ("foreign_method", "stack = []\nstack.push(1)\n", "", 2, ["`.push`", "a list"]),
    ("foreign_method", "name = 'ab'\nprint(name.toUpperCase())\n", "", 2, ["a string"]),
    (
        "missing_comma",
        "rivers = [\n    ('Amazon', 6400),\n    ('Nile', 6650)\n    ('Yangtze', 6300),\n]\n",
        "",
        3,
        ["No comma", "line 3"],
    ),
    (
        "method_hidden",
        "class Lamp:\n    def __init__(self):\n        self.switch = False\n\n"
        "    def switch(self):\n        self.switch = not self.switch\n\n"
        "lamp = Lamp()\nlamp.switch()\n",
        "",
        3,
        ["`self.switch`", "a bool"],
    ),
    (
        "recursion_through_self",
        "class Card:\n    def __init__(self, rank):\n        self.rank = rank\n\n"
        "    def __str__(self):\n        return f'{self} card'\n\nprint(Card('Q'))\n",
        "",
        6,
        ["`__str__`"],
    ),
    (
        "recursion_through_self",
        "class T:\n    def __init__(self):\n        self._c = 0\n\n    @property\n"
        "    def c(self):\n        return self._c\n\n    @c.setter\n    def c(self, value):\n"
        "        self.c = value\n\nt = T()\nt.c = 3\n",
        "",
        11,
        ["setter", "`self.c`"],
    ),
    (
        "recursion_through_self",
        "class T:\n    def __init__(self):\n        self._c = 1\n\n    @property\n"
        "    def c(self):\n        return self.c\n\nprint(T().c)\n",
        "",
        7,
        ["property `c`", "`self.c`"],
    ),
    ("mismatched_bracket", "days = {\n    'Fri': ['Art', 'PE'),\n}\n", "", 2, ["`)`", "`[`"]),
    ("number_with_words", "n = int(input())\n", "3 apples\n", 1, ["`'3 apples'`"]),
    (
        "format_count",
        "name, n = 'Ali', 3\nprint('%d items' % (name, n))\n",
        "",
        2,
        ["1 `%` place", "2 values"],
    ),
    (
        "unpack_count",
        "recipes = [('soup', 45, 'boil'), ('salad', 10, 'none')]\nfor recipe in recipes:\n"
        "    name, minutes = recipe\n",
        "",
        3,
        ["3 values", "only 2 names"],
    ),
    (
        "dict_unpack",
        "def big(table):\n    for city, people in table:\n        print(city)\n\n"
        "population = {'Lisbon': 545000}\nbig(population)\n",
        "",
        2,
        ["passed as `table`", "keys"],
    ),
    (
        "index_past_end",
        "temps = [1, 5, 2]\nfor i in range(len(temps)):\n    print(temps[i + 1] - temps[i])\n",
        "",
        2,
        ["`i + 1`", "line 3"],
    ),
    (
        "index_past_end",
        "class P:\n    def __init__(self):\n        self.songs = ['a']\n\n    def last(self):\n"
        "        return self.songs[len(self.songs)]\n\nprint(P().last())\n",
        "",
        6,
        ["`len(self.songs)`"],
    ),
    (
        "number_joined_to_text",
        "for i in range(1, 3):\n    print(i + ' x 3')\n",
        "",
        2,
        ["`i`", "`range(1, 3)`"],
    ),
    (
        "key_case",
        "stock = {'apple': 1, 'banana': 2}\nprint(', '.join(stock))\nfruit = input()\n"
        "print(stock[fruit])\n",
        "Banana\n",
        3,
        ["lower case", "`'Banana'`", "line 3"],
    ),
    (
        "key_of_wrong_type",
        "stops = {'1': 'Station', '2': 'Market'}\nfor n in range(1, 3):\n    print(stops[n])\n",
        "",
        1,
        ["text", "integer 1"],
    ),
    (
        "item_not_in_list",
        "ranks = ['J', 'Q', 'K']\nfirst = input().strip()\nprint(ranks.index(first))\n",
        "k\n",
        2,
        ["`'k'`", "`'K'`", "capitals", "line 2"],
    ),
    (
        "unhashable_list",
        "seen = {}\nfor _ in range(2):\n    point = [1, 2]\n    if point in seen:\n"
        "        seen[point] += 1\n    else:\n        seen[point] = 1\n"
        "for point, n in seen.items():\n    print(point)\n",
        "",
        3,
        ["`point` is a list", "with `in`"],
    ),
    (
        "text_from_input",
        "heights = {}\nfor _ in range(2):\n    name = input()\n    heights[name] = input()\n"
        "print(heights[name] > 50)\n",
        "rose\n40\nmint\n25\n",
        4,
        ["`heights[name]`", "line 4"],
    ),
    (
        "unpack_one_value",
        "def check(x):\n    if x < 0:\n        return 0, 'bad'\n    return x\n\n"
        "value, message = check(2.5)\n",
        "",
        4,
        ["`x` (line 4)", "other returns give 2 values"],
    ),
    (
        "same_arguments",
        "def days(lilies, pond):\n    if lilies >= pond:\n        return 0\n    lilies * 2\n"
        "    return 1 + days(lilies, pond)\n\nprint(days(1, 48))\n",
        "",
        4,
        ["`lilies * 2`", "keeps the result nowhere"],
    ),
    (
        "unexpected_indent",
        "def line(item, qty):\n    cost = qty * 2\n    if qty > 5:\n        cost = cost * 0.9\n"
        "name = item.ljust(12)\n    return name + str(cost)\n",
        "",
        5,
        ["Line 5 starts at the left margin", "`return`"],
    ),
    (
        "zero_divisor",
        "count = 0\nfor x in [4, 8]:\n    if x > 5:\n        count + 1\nprint(12 / count)\n",
        "",
        4,
        ["`count + 1`", "keeps the result nowhere"],
    ),
    (
        "zero_divisor",
        "minutes = int(input())\nhours = minutes // 60\nprint(100 / hours)\n",
        "45\n",
        2,
        ["`minutes // 60`", "below 60"],
    ),
    (
        "wrong_type_method",
        "name = input().split()\nprint(name.lower())\n",
        "Ada Lovelace\n",
        1,
        ["`.split()`", "a list"],
    ),
    (
        "attribute_never_set",
        "class G:\n    def __init__(self):\n        plants = {}\n\n    def plant(self, k):\n"
        "        self.plants[k] = 1\n\nG().plant('x')\n",
        "",
        3,
        ["plain variable `plants`", "`self.plants`"],
    ),
    (
        "module_not_imported",
        "from math import sqrt\nprint(sqrt(4), math.floor(2.5))\n",
        "",
        1,
        ["imports only `sqrt`", "`math`"],
    ),
    (
        "module_misspelt",
        "import strings\nprint(strings.digits)\n",
        "",
        1,
        ["`strings`", "`string`"],
    ),
    (
        "dict_changed_in_loop",
        "guests = {'Amal', 'Bruno', 'Ebo'}\nfor g in guests:\n    if g != 'Amal':\n"
        "        guests.remove(g)\n",
        "",
        4,
        ["the set `guests`", "`guests.remove(g)`"],
    ),
    (
        "none_used",
        "import random\npupils = ['a', 'b', 'c']\nmixed = random.shuffle(pupils)\n"
        "print(mixed[:2])\n",
        "",
        3,
        ["`random.shuffle(pupils)`", "gives back None"],
    ),
    (
        "none_used",
        "names = ['b', 'a']\nranking = names.sort().reverse()\n",
        "",
        2,
        ["`names.sort()`", "gives back None"],
    ),
    (
        "set_only_in_try",
        "def read(text):\n    try:\n        number = int(text)\n    except ValueError:\n"
        "        print('bad', text)\n    return number\n\nprint(read('x'))\n",
        "",
        4,
        ["`try`", "line 4", "line 6"],
    ),
    (
        "result_dropped",
        "def new_board(size):\n    board = ['.'] * size\n    return board\n\nnew_board(3)\n"
        "print(board)\n",
        "",
        5,
        ["`new_board(3)`", "`return board`"],
    ),
    (
        "unquoted_text",
        "answer = input('Sure? ').strip()\nif answer == yes:\n    print('ok')\n",
        "yes\n",
        2,
        ["`yes`", "without quotes"],
    ),
    (
        "called_a_value",
        "scores = [87, 92]\nprint(scores(0))\n",
        "",
        2,
        ["`scores(0)`", "round brackets"],
    ),
    (
        "range_of_sequence",
        "temps = [18.5, 21.0]\nfor day in range(temps):\n    print(day)\n",
        "",
        2,
        ["`range()` `temps` itself", "a list"],
    ),
    (
        "sum_of_text",
        "prices = input('Prices: ').split(',')\nprint(sum(prices))\n",
        "2,3\n",
        1,
        ["`prices`", "`sum()`"],
    ),
    (
        "text_from_input",
        "balance = 10\nfor choice in ['1', '2']:\n    if choice == '1':\n"
        "        amount = input('In: ')\n        balance = balance + amount\n    else:\n"
        "        amount = float(input('Out: '))\n",
        "5\n",
        4,
        ["`amount`", "line 4"],
    ),
    (
        "number_as_sequence",
        "number = int(input())\nprint(number[0])\n",
        "123\n",
        1,
        ["`number[0]`", "an integer"],
    ),
    (
        "item_assignment",
        "card = input()\nmasked = card\nmasked[0] = '*'\n",
        "1234\n",
        2,
        ["`card`", "`masked[0]`"],
    ),
    (
        "unhashable_list",
        "seen = {}\nfor pair in [['a', 'b']]:\n    key = sorted(pair)\n    if key in seen:\n"
        "        print(key)\n",
        "",
        3,
        ["`sorted(pair)`", "a list"],
    ),
    (
        "float_from_division",
        "values = [1, 2, 3]\nprint(values[len(values) / 2])\n",
        "",
        2,
        ["`len(values) / 2`", "float"],
    ),
    (
        "key_never_stored",
        "bookings = {}\nfor name in ['Ravi']:\n    if name in bookings:\n        print('again')\n"
        "    bookings[name] += 2\n",
        "",
        5,
        ["starts empty", "`bookings[name]`"],
    ),
    (
        "key_as_attribute",
        "people = [{'name': 'Sam'}]\nbest = people[0]\nprint(best.name)\n",
        "",
        3,
        ["`best`", "`'name'`"],
    ),
    (
        "format_fields",
        "name = 'Ana'\nprint('{} scored {} points'.format(name))\n",
        "",
        2,
        ["2 `{}` places", "only 1 value"],
    ),
    (
        "orphan_branch",
        "for move in ['a', 'b']:\n    if move == 'a':\n        print(1)\n    elif move == 'b':\n"
        "        print(2)\n    print('moved')\n    elif move == 'c':\n        print(3)\n",
        "",
        6,
        ["`if` on line 2", "line 7"],
    ),
    (
        "item_not_in_list",
        "todo = ['wash', 'shop']\ndone = int(input())\ntodo.remove(done)\n",
        "1\n",
        3,
        ["`todo.remove(done)`", "a number", "position"],
    ),
    (
        "function_not_called",
        "word = 'cat'\nattempt = input()\nwhile attempt != word:\n    attempt = input().strip\n",
        "dog\ncat\n",
        4,
        ["`input().strip`", "`while attempt != word`"],
    ),
    (
        "split_missed",
        "laps = input('Laps: ').split(', ')\ntimes = []\nfor lap in laps:\n"
        "    times.append(int(lap))\n",
        "61,59,63\n",
        1,
        ["`'61,59,63'`", "no `', '`"],
    ),
    (
        "shorter_partner",
        "steps = [4, 8, 10]\ndays = ['Mon', 'Tue']\nfor i in range(len(steps)):\n"
        "    print(days[i], steps[i])\n",
        "",
        2,
        ["`steps`, which has 3 items", "only 2"],
    ),
    (
        "none_used",
        "def clean(name):\n    name = name.strip()\n\ntidy = []\nfor r in [' a']:\n"
        "    tidy.append(clean(r))\nfor t in tidy:\n    print(t.center(5))\n",
        "",
        1,
        ["`tidy.append(clean(r))`", "no `return`"],
    ),
    (
        "comma_between_items",
        'prices = {\n    "tea": 1.50,\n    "coffee": 2.10\n    "water": 0.90,\n}\n',
        "",
        3,
        ["line 3", "line 4"],
    ),
    # diag6: widened or added on set 5's misses
    (
        "float_from_division",
        "xs = [1, 2, 3, 4, 5]\nrows = len(xs) / 2\nif len(xs) % 2:\n    rows = rows + 1\n"
        "for r in range(rows):\n    print(r)\n",
        "",
        2,
        ["`len(xs) / 2`"],
    ),
    (
        "text_from_input",
        "n = input()\nprices = {'a': 2}\nfor k in prices:\n    print(prices[k] * n / 4)\n",
        "3\n",
        1,
        ["`n` is still a string"],
    ),
    (
        "function_not_called",
        "def double(x):\n    return 2 * x\n\nresult = double\nif result > 4:\n    print(1)\n",
        "",
        4,
        ["`double`", "round brackets"],
    ),
    (
        "ends_without_return",
        "class Loan:\n    def __init__(self, days):\n        self.days = days\n\n"
        "    def fine(self):\n        if self.days <= 0:\n            return 0\n"
        "        amount = self.days * 0.25\n\ntotal = 0\nfor loan in [Loan(0), Loan(3)]:\n"
        "    total = total + loan.fine()\n",
        "",
        7,
        ["`loan.fine()` gave back None"],
    ),
    (
        "split_missed",
        "raw = input()\nsteps = []\nfor d in raw.split():\n    steps.append(int(d))\n",
        "8200,9400,12050\n",
        3,
        ["splits at spaces"],
    ),
    (
        "function_as_method",
        "per = 7 / 3\nprint(per.round(1))\n",
        "",
        2,
        ["`.round()`", "a float"],
    ),
    (
        "attribute_set_as_local",
        "class Tank:\n    def __init__(self):\n        self.fish = []\n\n"
        "    def set_temp(self, degrees):\n        temp = degrees\n\n"
        "t = Tank()\nt.set_temp(25)\nprint(t.temp)\n",
        "",
        6,
        ["`set_temp`", "`self.temp`"],
    ),
    (
        "empty_divisor",
        "temps = [12, 14, 11]\nwarm = []\nfor t in temps:\n    if t > 25:\n"
        "        warm.append(t)\nprint(sum(warm) / len(warm))\n",
        "",
        4,
        ["`if t > 25:`", "no item passed"],
    ),
    (
        "empty_divisor",
        "trips = {'Mon': ['A', 'B'], 'Wed': []}\nfor day, riders in trips.items():\n"
        "    print(day, 9.6 / len(riders))\n",
        "",
        3,
        ["`'Wed': []`"],
    ),
    (
        "key_case",
        "options = ['zoo', 'beach']\ntally = {}\nfor place in options:\n    tally[place] = 0\n"
        "for v in input().split():\n    tally[v] += 1\n",
        "Beach\n",
        6,
        ["the items of `options`", "`'Beach'`"],
    ),
    (
        "key_of_wrong_type",
        "key = {1: 'b', 2: 'd'}\nfor answer in input().split():\n    number = answer[0]\n"
        "    print(key[number])\n",
        "1b\n",
        3,
        ["`'1'`", "`answer[0]`"],
    ),
    (
        "text_piece",
        "for p in ['Kim 23A', 'Lou 5C']:\n    name, seat = p.split()\n    row = seat[:-1]\n"
        "    if row < 10:\n        print(name)\n",
        "",
        3,
        ["`seat[:-1]`", "`row` is a string"],
    ),
    (
        "text_piece",
        "code = 'AB12'\nnumber = code[2]\nprint(number * 2 - 1)\n",
        "",
        2,
        ["`code[2]`"],
    ),
    (
        "item_assignment",
        "grid = []\nfor y in range(3):\n    grid.append('.' * 4)\ngrid[1][2] = 'X'\n",
        "",
        3,
        ["Each item of `grid` is a string"],
    ),
    (
        "index_past_end",
        "stops = ['A', 'B', 'C']\ntimes = [0, 4, 9]\nfor i in range(len(stops)):\n"
        "    print(times[i + 1] - times[i])\n",
        "",
        3,
        ["`stops` has 3 items, as `times` has"],
    ),
    (
        "range_as_list",
        "class Hotel:\n    def __init__(self, rooms):\n        self.free = range(1, rooms + 1)\n\n"
        "    def check_in(self):\n        return self.free.pop(0)\n\nprint(Hotel(3).check_in())\n",
        "",
        3,
        ["`range(1, rooms + 1)`", "`.pop`"],
    ),
    (
        "empty_piece",
        "words = input().split(' ')\nfor w in words:\n    print(w[0])\n",
        "ab  cd\n",
        1,
        ["empty string", "`' '`"],
    ),
    (
        "typo_stored_unread",
        "scores = {'ann': 3, 'bo': 7}\nbest = None\nfor k in scores:\n"
        "    if best is None or scores[k] > scores[best]:\n        bset = k\nprint(scores[best])\n",
        "",
        5,
        ["`bset`", "`best`", "line 2, to `None`"],
    ),
    (
        "typo_stored_unread",
        "going = True\nwhile going:\n    cmd = input('> ')\n    if cmd == 'q':\n"
        "        gonig = False\n",
        "a\nq\n",
        5,
        ["`gonig`", "`while` on line 2 never ends"],
    ),
    (
        "attribute_stored_as_other",
        "class Lamp:\n    def __init__(self):\n        self.lit = False\n        self.level = 3\n"
        "    def dim(self):\n        self.brightness -= 1\n"
        "        print(self.lit)\n\nLamp().dim()\n",
        "",
        4,
        ["`self.brightness`", "`self.level` on line 4"],
    ),
    (
        "module_name_other",
        "import math\nside = 3\nprint(math.power(side, 2))\n",
        "",
        3,
        ["`power`", "`pow`"],
    ),
    (
        "remainder_of_a_constant",
        "days = ['Mon', 'Tue', 'Wed']\nday = int(input())\nprint(days[day + 2 % 3])\n",
        "2\n",
        3,
        ["`day + 2 % 3`", "only `2` is taken `% 3`", "the index is `day + 2`"],
    ),
    (
        "method_not_called",
        LAMP + "print(lit[0])\n",
        "",
        10,
        ["`lamps[1].switch_on`", "never sets `.on`", "line 12"],
    ),
    (
        "bare_return",
        BANK + "left = withdraw(10, 4)\nleft = withdraw(left, 20)\nprint(left * 2)\n",
        "",
        4,
        ["`left`, which line 9 sets to `withdraw(left, 20)`, is None", "bare `return` on line 4"],
    ),
    (
        "quoted_number_passed",
        TILL + "till.pay('0.5')\ntill.pay(1)\nprint(till.total())\n",
        "",
        14,
        ["`sum(self.coins)`", "the call on line 14 passes `'0.5'`", "`pay` (line 5)"],
    ),
]

# (the rule that must not fire, program, stdin): one link of each rule's argument is unsure
NEAR_MISSES = [
    (
        "quoted_numbers",
        "laps = ['61.2', 'DNF', '59.8']\nlaps.sort()\nprint(laps[0] - 0.5)\n",
        "",
    ),
    (
        "replace_missed",
        "card = '12 34-56'\nclean = card.replace(' ', '')\ntotal = 0\nfor d in clean:\n"
        "    total += int(d)\n",
        "",
    ),
    (
        "object_replaced",
        "class Jar:\n    def __init__(self):\n        self.coins = 0\n\n"
        "    def add(self, n):\n        self.coins += n\n        return self.coins\n\n"
        "jar = Jar()\njar = 5\nfor n in [1, 2]:\n    jar.add(n)\n",
        "",
    ),
    (
        "popped_past_end",
        "cards = ['ace', 'king', 'queen']\nfor turn in range(4):\n    if turn < 3:\n"
        "        print(cards.pop())\n    print(cards.pop())\n",
        "",
    ),
    (
        "counted_from_one",
        "shelves = ['', 'jam', 'tea', 'rice', 'oats']\nn = int(input('Shelf (1 to 4): '))\n"
        "print(shelves[n])\n",
        "5\n",
    ),
    (
        "text_arithmetic",
        "def pence(price):\n    pounds, pence = price.split('.')\n    return pounds\n\n"
        "print(pence('2.50') - pence('1.20'))\n",
        "",
    ),
    (
        "empty_past_base",
        "def total(nums):\n    if len(nums) == 1:\n        return nums[0]\n"
        "    return nums[0] + total(nums[1:])\n\nprint(total([]))\n",
        "",
    ),  # the first call is given the empty list: the caller may be the slip
    (
        "space_after_separator",
        "stock = {'tea': 2, 'jam': 1}\nfor item in input('Items: ').split(', '):\n"
        "    print(stock[item])\n",
        "tea,  jam\n",
    ),  # the split already takes one space: the second was typed
    (
        "length_always_true",
        "row = [1]\nwhile len(row) >= 0:\n    print(row[2])\n    row.pop()\n",
        "",
    ),  # `row[2]` fails on a list of one item too: the test need not be the slip
    (
        "step_away",
        "def stars(n):\n    if n == 10:\n        return ''\n    return '*' + stars(n + 1)\n\n"
        "print(stars(12))\n",
        "",
    ),  # counting up to 10 is fine: the start may be the slip
    (
        "key_past_range",
        "squares = {}\nfor n in range(1, 5):\n    squares[n] = n * n\nprint(squares[6])\n",
        "",
    ),  # two past the end: not the range's stop
    (
        "text_compared_with_number",
        "secret = 7\nwhile True:\n    guess = input('Guess: ')\n    if guess == 'q':\n"
        "        break\n    if guess == secret:\n        break\n",
        "3\n7\n",
    ),  # the loop also stops on text: it may have been left another way
    (
        "return_in_loop",
        "def first(words):\n    for w in words:\n        return w\n\nprint(first([]).upper())\n",
        "",
    ),  # `for ...: return w` alone: the first item on purpose, None for an empty list
    (
        "text_from_split",
        "w, h = '3x4'.split('x')\nif w:\n    h = 'x'\nprint(h - 1)\n",
        "",
    ),  # `h` is set again before it is used: which value is text is not settled
    (
        "separator_not_in_prompt",
        "day = input('Date (dd/mm): ')\nd, m = day.split('/')\nprint(d, m)\n",
        "3.4\n",
    ),  # the program splits where its prompt says: the user typed it another way
    (
        "base_case_jumped",
        "def down(n):\n    if n == 0:\n        return 0\n    return 1 + down(n - 1)\n\n"
        "print(down(-3))\n",
        "",
    ),  # one step at a time reaches 0 from above: the start, not `==`, may be the slip
    (
        "odd_item_unpacked",
        "scores = [['Ada', 3], ['Bo', 2]]\nscores.append(['Cy', 0, 4])\n"
        "for name, won in scores:\n    print(name, won)\n",
        "",
    ),  # the list is changed after it is written: the odd item is not on that line
    (
        "compared_not_set",
        "def shipping(kg):\n    if kg < 2:\n        cost = 4\n    elif kg < 9:\n"
        "        cost = 9\n    print(kg == 9)\n    return cost\n\nprint(shipping(12))\n",
        "",
    ),  # the `==` is inside a call, and the name is read on another line
    (
        "typo_never_read",
        "def bonus(goals):\n    if goals > 3:\n        reward = 10\n    else:\n"
        "        rewrad = 0\n        print(rewrad)\n    return reward\n\nprint(bonus(1))\n",
        "",
    ),  # the near name is read: it may be a second variable on purpose
    ("misspelt_name", "radius = 2\nprint(r * radius)\n", ""),  # nothing close to `r`
    ("misspelt_name", "reds = 1\nif 'red' == red:\n    pass\n", ""),  # quotes missing?
    ("module_not_imported", "times = [1]\nprint(time[0])\n", ""),  # a misspelt `times`
    ("self_attribute", "class A:\n    def n(self):\n        return songs\n\nA().n()\n", ""),
    ("defined_later", "def f():\n    return x\n\nf()\nx = 1\n", ""),  # read inside a function
    (
        "only_in_function",
        "def a():\n    name = 1\n\ndef b():\n    name = 2\n\nprint(name)\n",
        "",
    ),
    ("set_only_in_branches", "s = 5\nif s > 9:\n    g = 1\nelse:\n    pass\nprint(g)\n", ""),
    ("global_assigned_locally", "def lose():\n    lives = lives - 1\n\nlives = 3\nlose()\n", ""),
    ("local_misspelt", "def f():\n    print(n)\n    n = 1\n\nf()\n", ""),
    ("text_from_input", "x = input()\nx = x.strip()\nprint(x + 1)\n", "3\n"),  # set twice
    ("text_from_input", "name = input()\nage = 3\nprint(name + age)\n", "Al\n"),  # which?
    ("number_joined_to_text", "total = ''\nfor n in [1]:\n    total = total + n\n", ""),
    ("float_from_division", "half = 6 / 2\nhalf = 1.5\nprint('ab'[half])\n", ""),
    ("function_not_called", "count = len\ncount = 2.5\nprint(range(count))\n", ""),
    (
        "none_used",
        "def f(x):\n    if x:\n        return 'a'\n\nprint(f(0).upper())\n",
        "",
    ),  # returns on one path: which path gave None is not read here
    ("shadowed_builtin", "str = 'abc'\nprint(str(0))\n", ""),  # `str(0)`: brackets mixed up?
    ("called_a_value", "def f(rates):\n    return rates('EUR')\n\nf({'EUR': 1})\n", ""),
    (
        "wrong_type_method",
        "row = 'a,b'\nrows = ['a,b']\nprint(rows.split(','))\n",
        "",
    ),  # `rows` next to `row`
    ("attribute_typo", "class Pet:\n    pass\n\nprint(Pet().name)\n", ""),
    (
        "missing_self",
        "class T:\n    @staticmethod\n    def set(d):\n        pass\n\nT().set(1, 2)\n",
        "",
    ),
    ("called_on_class", "class P:\n    def t(self, x):\n        return x\n\nP().t()\n", ""),
    (
        "init_misspelt",
        "class B:\n    pass\n\nclass D(B):\n    def __int__(self, n):\n        pass\n\nD(1)\n",
        "",
    ),
    ("argument_count", "def area(w, h=1, *more):\n    return w\n\narea()\n", ""),
    (
        "index_past_end",
        "xs = [1, 2]\ni = 0\nwhile i < len(xs) + 1:\n    print(xs[i])\n    i += 1\n",
        "",
    ),
    (
        "zero_divisor",
        "count = 0\nfor s in []:\n    count += 1\nprint(10 / count)\n",
        "",
    ),  # set twice: why it is 0 here is the loop's business
    ("decimal_into_int", "x = int(input())\n", "twelve\n"),
    ("comma_decimal", "x = float(input())\n", "abc\n"),
    ("split_unpack", "a, b = [1, 2, 3]\n", ""),
    ("dict_unpack", "def f(p):\n    for a, b in p:\n        pass\n\nf({'tea': 2})\n", ""),
    ("key_not_in_dict", "votes = {'green': 1}\nprint(votes['purple'])\n", ""),
    (
        "key_never_stored",
        "counts = {}\nfor c in 'ab':\n    counts[c] = 0\nprint(counts['B'])\n",
        "",
    ),
    ("endless_while", "i = 0\nwhile i < 3:\n    i -= 1\n", ""),
    ("same_arguments", "def down(n):\n    return down(n - 1)\n\ndown(3)\n", ""),
    (
        "same_arguments",
        "def drain(s):\n    if not s:\n        return 0\n    s.pop()\n    return 1 + drain(s)\n\n"
        "drain(list(range(5000)))\n",
        "",
    ),  # the same list, but shorter each time: too deep, not endless
    ("assign_in_condition", "x = 1\nprint(x) = 2\n", ""),  # the same hint, but no condition
    ("missing_colon", "x = 1\nif x:\n    pass\nelse x\n", ""),  # more than a colon is wrong
    ("else_if", "x = 1\nif x:\n    y = 1\nelse x > 0:\n    y = 2\n", ""),
    ("bracket_never_closed", "x = (1]\n", ""),  # a wrong closer: another message
    ("unterminated_string", "x = '''abc\n", ""),  # a triple-quoted string: another message
    ("print_statement", "x = 1\nexec 'x'\n", ""),
    ("block_not_indented", "if True:\n\tif x:\n\tpass\n", ""),  # tabs: widths unclear
    ("unexpected_indent", "x = [1,\n        2]\n    y = 3\n", ""),  # after a bracket's lines
    ("unindent_mismatch", "if True:\n\tx = 1\n  y = 2\n", ""),  # tabs: widths unclear
    ("tabs_and_spaces", "if True:\n    \tx = 1\n\t    y = 2\n", ""),  # both lines mix them
    (
        "item_assignment",
        "def g():\n    return (1, 2)\n\ndef f(p):\n    p[0] = 1\n\nf(g())\n",
        "",
    ),  # the tuple comes from a call: its type is not read
    ("module_misspelt", "import randon\nprint(random)\n", ""),  # `random` not used as a module
    ("module_attribute_typo", "import math as m\nprint(m.sqrtt(4))\n", ""),
    ("format_code", "a = input()\nb = input()\nprint(f'{a:.2f} {b:.1f}')\n", "3\n4\n"),
    ("dict_changed_in_loop", "d = {1: 2}\ne = d\nfor k in d:\n    e.pop(k)\n", ""),  # an alias
    (
        "str_method_result",
        "class P:\n    def __str__(self):\n        return 1\n\n"
        "class Q(P):\n    def __str__(self):\n        return 2\n\nprint(Q())\n",
        "",
    ),
    (
        "ends_without_return",
        "def f(x):\n    if x:\n        return x\n\nprint(f(0) + 1)\n",
        "",
    ),  # `return x` may itself give None
    (
        "unpack_one_value",
        "def f():\n    if 1:\n        return 1\n    return 2, 3, 4\n\na, b = f()\n",
        "",
    ),
    (
        "attribute_never_set",
        "class Bag:\n    def __init__(self):\n        items = []\n        self.items = items\n\n"
        "    def add(self, x):\n        self.itemz.append(x)\n\nBag().add(1)\n",
        "",
    ),  # `__init__` does set `self.items`: the missing `itemz` is some other slip
    (
        "unhashable_list",
        "def f():\n    return [1]\n\nkey = f()\nseen = {}\nseen[key] = 1\n",
        "",
    ),  # the list comes from a call: not read
    ("number_as_sequence", "def f():\n    return 5\n\nfor d in f():\n    print(d)\n", ""),
    (
        "key_of_wrong_type",
        "rooms = {101: 'Ann', '7': 'Bo'}\nr = input()\nprint(rooms[r])\n",
        "101\n",
    ),  # some keys are text
    ("item_not_in_list", "days = ['Mon', 'Tue']\ndays.remove('Mon')\ndays.remove('Mon')\n", ""),
    ("join_numbers", "ages = [3, 4]\nsep = '-'\nprint(sep.join(ages))\n", ""),  # not a literal
    ("length_attribute", "xs = [1, 2]\nprint(xs.lenth_of)\n", ""),
    ("python2_name", "print(xrange(3))\nxrange = range\n", ""),  # the program's own xrange
    (
        "random_index",
        "import random\ncolours = ['red', 'blue']\ncolours.pop()\n"
        "print(colours[random.randint(1, 1)])\n",
        "",
    ),  # the list shrinks: its length is not read
    ("text_one_step", "n = input()\nm = input()\nboth = n + m\nprint(both / 4)\n", "3\n4\n"),
    (
        "key_case",
        "stock = {}\nfor item in ['Tea', 'Milk']:\n    stock[item] = 1\nprint(stock['TEA'])\n",
        "",
    ),  # the keys are stored as written: some have capitals
    # -- widened on set 3 (task diag4)
    ("constant_spelling", "false = 0\ndel false\nprint(false)\n", ""),  # the program's own name
    ("name_not_imported", "from math import pi\nprint(sqrtt(pi))\n", ""),  # in no module
    ("import_name_typo", "from random import shufle_all\n", ""),  # nothing a letter away
    (
        "dict_loop_keys",
        "book = {'Ann': 9, 'Bo': 5}\nfor name in book:\n    print(name.items())\n",
        "",
    ),  # the values are numbers: nothing in the dict has `.items`
    (
        "index_as_item",
        "rows = ['a,1']\nfor row in range(len(rows)):\n    row = rows[row]\n    print(row.nope)\n",
        "",
    ),  # the loop's index is replaced by the item inside the loop
    ("foreign_method", "stack = []\nstack.pushh(1)\n", ""),  # no other language's name
    ("missing_comma", "f = (1, 2)\nprint(f(3))\n", ""),  # a name called, not a literal
    (
        "method_hidden",
        "class A:\n    def go(self):\n        pass\n\nclass B:\n    def __init__(self):\n"
        "        self.go = 1\n\nB().go()\n",
        "",
    ),  # the value is another class's attribute
    (
        "recursion_through_self",
        "class C:\n    def __str__(self):\n        return self.text()\n\n"
        "    def text(self):\n        return 'C' + self.text()\n\nprint(C())\n",
        "",
    ),  # endless, but not through `self` turned into text
    ("mismatched_bracket", "days = ['Art', 'PE'\n", ""),  # never closed: another message
    ("number_with_words", "n = int(input())\n", "apples 3\n"),  # not a number first
    ("format_count", "name, n = 'Ali', 3\nprint('%d items %d' % (name, n))\n", ""),
    (
        "unpack_count",
        "recipes = [('soup', 45, 'boil'), ('salad', 10)]\nfor recipe in recipes:\n"
        "    name, minutes = recipe\n",
        "",
    ),  # the items differ in size
    (
        "index_past_end",
        "temps = [1, 5, 2, 4]\nfor i in range(len(temps)):\n    temps.pop()\n"
        "    print(temps[i + 1])\n",
        "",
    ),  # the list shrinks in the loop
    ("number_joined_to_text", "for i in [1, 'a']:\n    print(i + ' x')\n", ""),  # not range
    (
        "key_case",
        "stock = {'banana': 1}\nstock.clear()\nprint(stock['Banana'])\n",
        "",
    ),  # the dict is changed
    ("key_of_wrong_type", "stops = {'1': 'a', 2: 'b'}\nprint(stops[1])\n", ""),  # mixed keys
    (
        "item_not_in_list",
        "ranks = ['J', 'K']\nranks.append('q')\nfirst = input()\nprint(ranks.index(first))\n",
        "k\n",
    ),  # the list is changed
    (
        "unhashable_list",
        "seen = {}\nfor i in range(2):\n    if i:\n        point = [1]\n"
        "        print(point in seen)\n    point = 5\n",
        "",
    ),  # another binding in the same loop
    (
        "text_from_input",
        "heights = {}\nheights['a'] = input()\nheights['b'] = 3\nprint(heights['a'] > 5)\n",
        "7\n",
    ),  # one value stored is a number
    (
        "unpack_one_value",
        "def check(x):\n    if x < 0:\n        return 0\n    return x\n\na, b = check(2.5)\n",
        "",
    ),  # two bare returns
    (
        "set_only_in_try",
        "def read(text):\n    try:\n        number = int(text)\n    except ValueError:\n"
        "        print('bad', text)\n        if text:\n            return 0\n    return number\n\n"
        "print(read(''))\n",
        "",
    ),  # a handler that can return: the read is reached some other way too
    (
        "result_dropped",
        "def new_board(size):\n    board = ['.'] * size\n    return board\n\nprint(board)\n"
        "new_board(3)\n",
        "",
    ),  # the call comes after the failing line
    (
        "unquoted_text",
        "answer = 'yes'\nif answer == yes:\n    print('ok')\n",
        "",
    ),  # the other side is not typed text
    (
        "range_of_sequence",
        "temps = [18.5, 21.0]\nn = temps\nfor day in range(len(temps), n):\n    print(day)\n",
        "",
    ),  # `n` is the list, but only through another name
    (
        "sum_of_text",
        "prices = ['2', '3']\nprint(sum(prices))\n",
        "",
    ),  # text, but not split from input()
    (
        "key_as_attribute",
        "people = [{'first': 'Sam'}]\nbest = people[0]\nprint(best.name)\n",
        "",
    ),  # `name` is no key anywhere in the program
    (
        "format_fields",
        "name = 'Ana'\nprint('{0} scored {1} points'.format(name))\n",
        "",
    ),  # numbered places
    (
        "orphan_branch",
        "x = 1\nprint(x)\nelse:\n    print(2)\n",
        "",
    ),  # no `if` above at that indentation
    (
        "split_missed",
        "laps = input('Laps: ').split(', ')\ntimes = []\nfor lap in laps:\n"
        "    times.append(int(lap))\n",
        "61, 59, 6x\n",
    ),  # the split worked; one piece is no number
    (
        "shorter_partner",
        "steps = [4, 8, 10]\ndays = ['Mon', 'Tue']\ndays.append('Wed')\ndays.pop()\n"
        "for i in range(len(steps)):\n    print(days[i], steps[i])\n",
        "",
    ),  # `days` changes length after it is written
    (
        "comma_between_items",
        "total = (1 +\n    2\n    3,\n)\n",
        "",
    ),  # the line above does not end an item with a comma at the same indentation
    (
        "function_as_method",
        "class R:\n    pass\n\nprint(R().round(1))\n",
        "",
    ),  # a class of the program's own: not a built-in type
    (
        "attribute_set_as_local",
        "class Tank:\n    def set_temp(self, degrees):\n        temp = degrees\n\n"
        "t = Tank()\nprint(t.temp)\nt.temp = 3\n",
        "",
    ),  # set from outside the class too: when, not where, may be the slip
    (
        "empty_divisor",
        "temps = [12, 14, 11]\nwarm = []\nfor t in temps:\n    if t > 25:\n"
        "        print(t)\n    else:\n        warm.append(t)\n    warm.clear()\n"
        "print(sum(warm) / len(warm))\n",
        "",
    ),  # the list is also emptied: the test alone does not decide
    (
        "text_piece",
        "seat = '23A'\nrow = seat[:-1]\nprint(row + 1)\n",
        "",
    ),  # joining text to a number: the number may be the slip
    (
        "text_piece",
        "sheet = [['week', 'sales'], [1, 120]]\ntotal = 0\nfor row in sheet:\n"
        "    value = row[1]\n    total = total + value\n",
        "",
    ),  # an item of a list: the header row, not a missing int(), may be the slip
    (
        "range_as_list",
        "free = range(3)\nif len(free) > 2:\n    free = range(5)\nfree.pop(0)\n",
        "",
    ),  # set twice: which value reached the failing line is not read here
    (
        "empty_piece",
        "words = input().split(' ')\nwords.append('')\nfor w in words:\n    print(w[0])\n",
        "ab cd\n",
    ),  # the list gets an item that is no piece of the split
    (
        "typo_stored_unread",
        "scores = {'ann': 3}\nbest = None\nif len(scores) > 5:\n    best = 'ann'\n"
        "for k in scores:\n    bset = k\nprint(scores[best])\n",
        "",
    ),  # `best` is set twice: which value it kept is not settled by the typo alone
    (
        "typo_stored_unread",
        "going = True\nwhile going:\n    cmd = input('> ')\ngonig = False\n",
        "a\n",
    ),  # the misspelt store is outside the loop: it could not have ended it
    (
        "attribute_stored_as_other",
        "class Lamp:\n    def __init__(self):\n        self.lit = False\n        self.level = 3\n"
        "    def on(self):\n        self.brightness = 5\n    def dim(self):\n"
        "        self.brightness -= 1\n        print(self.lit)\n\nLamp().dim()\n",
        "",
    ),  # `on` sets it plainly: the slip may be that `on` was not called first
    (
        "module_name_other",
        "from math import average\nprint(average([1, 2]))\n",
        "",
    ),  # `math` has no averaging function: the table says nothing of it
    (
        "remainder_of_a_constant",  # `% 4` applies to a name: not a constant left alone
        "seats = ['a', 'b', 'c', 'd']\nturn = 5\nprint(seats[turn + turn % 4])\n",
        "",
    ),
    (
        "method_not_called",  # the method is called on another line: line 10 may be a leftover
        LAMP + "lamps[0].switch_on()\nprint(lit[1])\n",
        "",
    ),
    (
        "bare_return",  # `left` comes from a parameter: any caller may pass None
        "def half(left):\n    if left < 0:\n        return\n    return left\n\n\n"
        "def show(left):\n    print(round(left, 1))\n\n\nshow(None)\n",
        "",
    ),
    (
        "quoted_number_passed",  # a second way in: `coin` may come from the typed text too
        TILL + "till.pay('0.5')\ntill.pay(input())\nprint(till.total())\n",
        "3\n",
    ),
]


@pytest.mark.parametrize(
    ("rule", "code", "stdin", "line", "words"),
    FIRES,
    ids=[f"{r[0]}-{i}" for i, r in enumerate(FIRES)],
)
def test_each_rule_fires_on_its_pattern(rule, code, stdin, line, words):
    found = diagnosis_of(code, stdin)
    assert found is not None and found.rule == rule, found
    assert found.line == line
    for word in words:
        assert word in found.hint, (word, found.hint)
    assert found.hint.rstrip().endswith("?")


@pytest.mark.parametrize(
    ("rule", "code", "stdin"), NEAR_MISSES, ids=[f"{r[0]}-{i}" for i, r in enumerate(NEAR_MISSES)]
)
def test_each_rule_abstains_on_a_near_miss(rule, code, stdin):
    found = diagnosis_of(code, stdin)
    assert found is None or found.rule != rule, found.hint


def test_every_rule_is_tested_both_ways():
    import re
    from pathlib import Path

    from llm_prune_gym import diagnosis

    source = "".join(p.read_text() for p in Path(diagnosis.__file__).parent.glob("*.py"))
    names = set(re.findall(r'Diagnosis\(\s*"(\w+)"', source))
    assert {r[0] for r in FIRES} == {r[0] for r in NEAR_MISSES} == names


def test_no_diagnosis_without_a_program_frame_or_a_tree():
    assert diagnose("x = 1\n", "") is None
    assert diagnose("x = = 1\n", traceback_of("x = = 1\n")) is None  # a syntax error: no rule
    assert diagnose("print(1/0)\n", traceback_of("print(1/0)\n")) is None  # `0` itself


def test_the_diagnosis_writes_no_fix():
    from evaluation.grader import giveaway_evidence, truth_from_fix

    code = "price = input()\ntotal = price * 1.5\nprint(total)\n"
    fixed = "price = int(input())\ntotal = price * 1.5\nprint(total)\n"
    output = traceback_of(code, "3\n")
    found = diagnose(code, output)
    truth = truth_from_fix(code, fixed, "TypeError", "")
    assert found is not None and "int(input" not in found.hint
    assert giveaway_evidence(found.hint, truth) == []


# ---------------------------------------------------------------- the pipeline

DIAGNOSED = "price = input()\ntotal = price * 1.5\n"  # text_from_input
UNSURE = "def f(x):\n    if x:\n        return 'a'\n\nprint(f(0).upper())\n"  # no rule fires


def test_final_hint_prefers_the_diagnosis_then_a_verified_student_then_the_facts():
    from evaluation.hints import final_hint

    output = traceback_of(DIAGNOSED, "3\n")
    chosen = final_hint(DIAGNOSED, output, "Line 2 divides by zero.")
    assert (chosen.source, chosen.rule) == ("diagnosis", "text_from_input")
    assert chosen.hint == diagnose(DIAGNOSED, output).hint

    off = final_hint(DIAGNOSED, output, "Line 2 divides by zero.", diagnosis=False)
    assert off.source == "facts" and off.hint == facts_hint(hint_facts(DIAGNOSED, output))

    unsure = traceback_of(UNSURE)
    good = "`f(0)` gives None on line 5: `f` returns nothing when `x` is 0. What should it return?"
    kept = final_hint(UNSURE, unsure, good)
    assert (kept.source, kept.hint, kept.index) == ("student", good, 0)
    wrong = final_hint(UNSURE, unsure, "Line 9 divides by zero.")
    assert wrong.source == "facts" and wrong.index is None


def test_best_of_n_asks_the_student_only_where_no_diagnosis_fired(monkeypatch):
    from evaluation.hints import HintCase, best_of_n
    from llm_prune_gym.generation import Candidate

    asked: list = []

    def fake_candidates(model, tokenizer, prompts, n, **kwargs):
        asked.extend(prompts)
        return [[Candidate("Line 9 divides by zero.", True)] for _ in prompts]

    monkeypatch.setattr("evaluation.hints.hint_candidates", fake_candidates)
    cases = [
        HintCase(
            "a", [{"role": "user", "content": "a"}], DIAGNOSED, traceback_of(DIAGNOSED, "3\n")
        ),
        HintCase("b", [{"role": "user", "content": "b"}], UNSURE, traceback_of(UNSURE)),
    ]
    student = type("S", (), {"model": None, "tokenizer": None})()
    choices = best_of_n(student, cases, 1, diagnosis=True)
    assert [c.source for c in choices] == ["diagnosis", "facts"]
    assert asked == [cases[1].messages]
    assert [c.source for c in best_of_n(student, cases, 1)] == ["facts", "facts"]


def test_hint_command_json_says_who_wrote_the_hint(tmp_path, capsys, monkeypatch):
    from evaluation.cli import main
    from evaluation.hints import Choice

    program = tmp_path / "main.py"
    program.write_text(DIAGNOSED)
    stdin = tmp_path / "in.txt"
    stdin.write_text("3\n")
    loaded: list = []
    monkeypatch.setattr("evaluation.hint_command._best_hint", lambda *a: loaded.append(a) or None)
    assert main(["hint", str(program), "--stdin", str(stdin), "--student", "stub"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out.splitlines()[-1])
    assert (report["source"], report["rule"], report["student"]) == (
        "diagnosis",
        "text_from_input",
        None,
    )
    assert not loaded and "diagnosis text_from_input" in captured.err

    choice = Choice("A student hint.", 0, (), (), "student")
    monkeypatch.setattr("evaluation.hint_command._best_hint", lambda *a: choice)
    argv = ["hint", str(program), "--stdin", str(stdin), "--student", "stub", "--no-diagnosis"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (report["source"], report["rule"], report["hint"]) == ("student", "", "A student hint.")


def test_a_line_left_at_the_margin_is_blamed_only_before_a_return():
    """A line at the margin inside a function: blamed when the next line is a `return`
    (which must be inside the function); any other indented line keeps the old hint."""
    moved = "def f(x):\n    y = x\n    if y:\n        y = 2\nz = y\n    print(z)\n"
    found = diagnosis_of(moved)
    assert found is not None and (found.rule, found.line) == ("unexpected_indent", 6)


# A widened rule's near miss: the new branch stays silent (the old one may still fire).
WIDENED_MISSES = [
    (
        "count = 0\nfor x in [4, 8]:\n    count + 1\n    count - 1\nprint(12 / count)\n",
        "",
        "keeps the result nowhere",
    ),  # two dropped steps: which one is meant is not settled
    ("m = int(input())\nstep = 60\nh = m // step\nprint(1 / h)\n", "45\n", "rounds down"),
    ("name = input().strip()\nname = name.split()\nprint(name.lower())\n", "a b\n", "`.split()`"),
    ("from math import *\nprint(math.e)\n", "", "imports only"),
    ("import strings\nprint(len('a'))\n", "", "`string`"),  # the name is used nowhere else
    ("from random import shuffle\nxs = [1, 2]\nys = shuffle(xs)\nprint(ys[0])\n", "", "shuffle"),
    ("names = ['b']\nnames = None\nprint(names.sort())\n", "", "`names.sort()`"),
    ("x = input()\nif x:\n    x = input()\nprint(x + 1)\n", "a\nb\n", "`input("),  # two texts
    ("number = len(input())\nprint(number[0])\n", "12\n", "an integer"),
    ("def f(card):\n    masked = card\n    masked[0] = '*'\n\nf('12')\n", "", "`card`"),
    ("key = sorted\nseen = {}\nprint([1] in seen, key)\n", "", "`sorted"),
    ("values = [1, 2, 3]\nhalf = 3 / 2\nprint(values[half + 0])\n", "", "as an index"),
    ("d = {}\nd['b'] = 1\nfor k in ['a']:\n    d[k] += 1\n", "", "starts empty"),
    ("class Box:\n    pass\nb = Box()\nprint(b.items)\n", "", "plain variable"),
    (
        "class P:\n    def __init__(self, name):\n        name = name.strip()\n"
        "        self.nmae = name\n\nprint(P(' a').name)\n",
        "",
        "plain variable",
    ),  # `self.nmae` is set: a misspelt attribute is as likely
    ("list = [5]\nprint(list(0))\n", "", "round brackets"),  # a built-in's name hidden
    (
        "todo = ['wash', 'shop']\ntodo.append(2)\ndone = int(input())\ntodo.remove(done)\n",
        "1\n",
        "a number",
    ),  # the list also gets an item that is not text
    (
        "attempt = input()\nwhile len(attempt) < 9:\n    attempt = input().strip\n",
        "a\n",
        "never equal",
    ),  # the loop's test is no comparison for equality
    (
        "def clean(name):\n    name = name.strip()\n\ntidy = ['x']\nfor r in [' a']:\n"
        "    tidy.append(clean(r))\nfor t in tidy:\n    print(t.center(5))\n",
        "",
        "whose every item",
    ),  # the list starts with an item that is not None
    ("s = {1, 2}\nfor g in s:\n    s.discard(g)\n    s.discard(g + 10)\n", "", "the set"),
    (
        "xs = [1, 2, 3]\nrows = len(xs) / 2\nrows = int(rows) + 0.5\nprint(range(rows))\n",
        "",
        "`len(xs) / 2`",
    ),  # the other binding is no whole step of the name itself
    (
        "n = input()\nm = input()\nprint(n * m / 4)\n",
        "3\n4\n",
        "is still a string",
    ),  # both factors are text: the product fails first, not the division
    (
        "def double(x):\n    return 2 * x\n\ndouble = 3\nresult = double\nprint(result > 'a')\n",
        "",
        "round brackets",
    ),  # the name is also a number
    (
        "class A:\n    def fine(self):\n        if 0:\n            return 1\n\n"
        "class B:\n    def fine(self):\n        return 2\n\nprint(A().fine() + 1)\n",
        "",
        "gave back None",
    ),  # two methods named `fine`: which one ran is not read here
    (
        "raw = input()\nfor d in raw.split():\n    print(int(d))\n",
        "82,94;7\n",
        "splits at spaces",
    ),  # two different marks: which separator is meant is not settled
    (
        "options = ['zoo', 'Beach']\ntally = {}\nfor place in options:\n    tally[place] = 0\n"
        "print(tally['BEACH'])\n",
        "",
        "lower case",
    ),  # one stored key has capitals itself
    (
        "key = {1: 'b'}\nnumber = '1'\nnumber = number + ''\nprint(key[number])\n",
        "",
        "the error shows it in quotes",
    ),  # two assignments: which one gave the text is not settled
    (
        "grid = []\ngrid.append('...')\ngrid.append(['.', '.'])\ngrid[0][1] = 'X'\n",
        "",
        "Each item of",
    ),  # one row is a list: not every item is a string
    (
        "stops = ['A', 'B', 'C']\ntimes = [0, 4]\nfor i in range(len(stops)):\n"
        "    print(times[i + 1])\n",
        "",
        "as `times` has",
    ),  # the lists differ in length: which one is wrong is not settled
]


@pytest.mark.parametrize(("code", "stdin", "words"), WIDENED_MISSES)
def test_widened_branches_abstain_on_a_near_miss(code, stdin, words):
    found = diagnosis_of(code, stdin)
    assert found is None or words not in found.hint, found.hint


# -- readings fixed after blind set 6 (task diag7)
SEARCH = (
    "routes = {'7': 'A', '31': 'B'}\n\ndef find(number):\n    for code, path in routes.items():\n"
    "        if code == number:\n            found = path\n    return found\n\nprint(find(31))\n"
)


def test_a_lone_if_in_a_search_loop_is_no_chain_without_else():
    """r6-044: `found` set only under one `if` in a loop that no item passed; the hint
    asks why no item matched, not which values an if/elif chain leaves out."""
    found = diagnosis_of(SEARCH)
    assert found is not None and (found.rule, found.line) == ("set_only_in_branches", 5)
    assert "when the `if` on line 5 is true" in found.hint
    assert "not true for any item of the loop on line 4" in found.hint
    assert "Why did no item pass the test on line 5?" in found.hint
    assert "elif" not in found.hint and "`else`" not in found.hint


def test_a_lone_if_outside_a_loop_and_a_real_chain():
    """Near misses: a lone `if` with no loop asks why its test was false; an if/elif chain
    keeps the chain wording."""
    lone = diagnosis_of("t = 5\nif t > 9:\n    w = 'hot'\nprint(w)\n")
    assert lone is not None and lone.rule == "set_only_in_branches"
    assert "when the `if` on line 2 is true, and this time it was not" in lone.hint
    assert "item" not in lone.hint and "elif" not in lone.hint
    chain = diagnosis_of("t = 5\nif t > 9:\n    w = 'hot'\nelif t < 0:\n    w = 'cold'\nprint(w)\n")
    assert chain is not None and "that chain has no `else`" in chain.hint


def test_a_divisor_compared_instead_of_set_points_at_the_comparison():
    """r6-024: `votes == votes + 1` on its own line changes nothing; the hint names it."""
    code = "votes = 0\nfor v in 'abc':\n    votes == votes + 1\nprint(3 / votes)\n"
    found = diagnosis_of(code)
    assert found is not None and (found.rule, found.line) == ("zero_divisor", 3)
    assert "line 3 is `votes == votes + 1`, a comparison (`==`) that changes nothing" in (
        found.hint
    )
    # near miss: the comparison is a test, not a statement, so nothing is pointed at
    tested = "votes = 0\nfor v in 'abc':\n    if votes == 1:\n        pass\nprint(3 / votes)\n"
    quiet = diagnosis_of(tested)
    assert quiet is not None and quiet.line == 1 and "never changed" in quiet.hint


def test_a_line_at_the_margin_before_an_else_is_the_one_out_of_place():
    """r6-033: an `else:` indented as the `elif` above it, after a line at the margin:
    that line ended the `if`, so it is named, not the `else`."""
    code = (
        "for g in [1, 5]:\n    if g == 1:\n        print('one')\n    elif g > 3:\n"
        "        print('big')\nprint('next')\n    else:\n        print('small')\n"
    )
    found = diagnosis_of(code)
    assert found is not None and (found.rule, found.line) == ("unexpected_indent", 6)
    assert "body of the `elif` on line 4" in found.hint and "ends that `if` statement" in found.hint


def test_an_indent_after_a_plain_line_does_not_say_which_line_moved():
    """Near miss of r6-033: a plain indented line after a plain one; either may be out of
    place, so the hint asks rather than blaming the flagged line."""
    found = diagnosis_of("x = 1\ny = 2\n      z = 3\n")
    assert found is not None and (found.rule, found.line) == ("unexpected_indent", 3)
    assert "Is line 3 too far in, or line 2 not far enough?" in found.hint
    assert "nothing for line 3 to be inside" not in found.hint


# -- rules widened or added after sets 5-7's misses (task diag8)

TALLY = "def tally(words):\n    seen = {}\n    for w in words:\n        seen[w] = seen[w] + 1\n"


def test_a_count_added_to_before_it_is_stored_in_a_function_that_returns_it():
    found = diagnosis_of(TALLY + "    return seen\n\nprint(tally(['ox']))\n")
    assert found.rule == "key_never_stored" and found.line == 4
    assert "`seen` starts empty (line 2)" in found.hint and "`seen[w]`" in found.hint


def test_a_count_added_to_in_both_branches_names_the_line_that_failed():
    code = (
        "votes = {}\nfor v in ['yes', 'no']:\n    if v in votes:\n        votes[v] += 1\n"
        "    else:\n        votes[v] += 1\nprint(votes)\n"
    )
    found = diagnosis_of(code)
    assert found.rule == "key_never_stored" and found.line == 6


@pytest.mark.parametrize(
    "code",
    [
        "def tally(words, into):\n    seen = {}\n    into(seen)\n    for w in words:\n"
        "        seen[w] = seen[w] + 1\n\ntally(['ox'], print)\n",  # handed to a function
        "seen = {}\nold = {'ox': 1}\nfor w in ['ox', 'yak']:\n    seen[w] = old[w] + 1\n",
        "votes = {}\nfor v in ['yes']:\n    if v in votes:\n        votes[v] = 1\n"
        "    else:\n        votes[v] += 1\n",  # line 4 stores a key: the branches are swapped
    ],
)
def test_a_count_abstains_where_a_key_may_be_stored_or_read_elsewhere(code):
    found = diagnosis_of(code)
    assert found is None or found.rule != "key_never_stored", found.hint


def test_a_method_left_uncalled_before_joining_text_names_where_it_was_set():
    code = "city = 'oslo'\nbig = city.title\nprint('Welcome to ' + big)\n"
    found = diagnosis_of(code)
    assert found.rule == "function_not_called" and found.line == 2
    assert "`city.title`" in found.hint


def test_the_programs_own_method_used_without_brackets():
    code = (
        "class Tank:\n    def __init__(self):\n        self.litres = [3, 4]\n\n"
        "    def total(self):\n        return sum(self.litres)\n\n"
        "t = Tank()\nprint(50 - t.total)\n"
    )
    found = diagnosis_of(code)
    assert found.rule == "function_not_called" and found.line == 9
    assert "`t.total` on line 9" in found.hint


def test_an_own_method_name_that_is_also_stored_as_an_attribute_stays_silent():
    code = (
        "class Tank:\n    def __init__(self):\n        self.total = 0\n\n"
        "    def total(self):\n        return 7\n\n"
        "def show():\n    return 1\n\nt = Tank()\nt.total = show\nprint(50 - t.total)\n"
    )
    found = diagnosis_of(code)
    assert found is None or found.rule != "function_not_called", found.hint


def test_a_standard_module_imported_with_a_capital():
    found = diagnosis_of("# dice\nfrom Math import floor\nprint(floor(2.5))\n")
    assert found.rule == "module_misspelt" and found.line == 2
    assert "`math` differs only in capitals" in found.hint


def test_a_capitalised_module_that_is_no_standard_module_stays_silent():
    found = diagnosis_of("from Numpy import floor\nprint(floor(2.5))\n")
    assert found is None or "only in capitals" not in found.hint, found.hint


def test_a_recursive_call_on_the_same_dict_it_only_reads():
    code = (
        "def depth(tree):\n    best = 0\n    for key, sub in tree.items():\n"
        "        best = max(best, 1 + depth(tree))\n    return best\n\n"
        "print(depth({'a': {}}))\n"
    )
    found = diagnosis_of(code)
    assert found.rule == "same_arguments" and found.line == 4


def test_a_recursive_call_whose_argument_has_its_own_changing_get_stays_silent():
    code = (
        "class Counter:\n    def __init__(self):\n        self.left = 5000\n\n"
        "    def get(self):\n        self.left -= 1\n        return self.left\n\n"
        "def run(c):\n    if c.get() <= 0:\n        return 0\n    return 1 + run(c)\n\n"
        "print(run(Counter()))\n"
    )
    found = diagnosis_of(code)
    assert found is None or found.rule != "same_arguments", found.hint


def test_a_whole_number_set_once_joined_to_text():
    found = diagnosis_of("level = 4\nprint(level + ' stars')\n")
    assert found.rule == "number_joined_to_text" and found.line == 2
    assert "line 1 sets it to `4`" in found.hint


def test_a_number_set_twice_joined_to_text_does_not_say_where_it_was_set():
    found = diagnosis_of("level = 4\nlevel = level * 2\nprint(level + ' stars')\n")
    assert found is None or "sets it to" not in found.hint, found.hint


def test_an_item_of_a_loop_string_changed():
    found = diagnosis_of("for n in ['ann', 'bo']:\n    n[0] = 'A'\n    print(n)\n")
    assert found.rule == "item_assignment" and found.line == 2
    assert "`n` is a string there" in found.hint


def test_an_item_of_a_loop_tuple_changed_stays_silent():
    found = diagnosis_of("for p in [(1, 2)]:\n    p[0] = 3\n")
    assert found is None or found.rule != "item_assignment", found.hint


def test_a_singular_name_where_the_program_sets_its_plural():
    found = diagnosis_of("cities = ['Oslo']\nfor c in cities:\n    print(c)\nprint(len(city))\n")
    assert found.rule == "misspelt_name" and found.line == 1
    assert "`city` on line 4" in found.hint and "singular and plural" in found.hint


def test_a_singular_name_with_two_plurals_set_stays_silent():
    found = diagnosis_of("allies = [1]\nallyes = [2]\nprint(ally)\n")
    assert found is None or found.rule != "misspelt_name", found.hint


def test_the_text_of_input_used_as_a_number_on_the_same_line():
    found = diagnosis_of("price = 3.5\nleft = input('Paid: ') - price\n", "5\n")
    assert found.rule == "text_from_input" and found.line == 2
    assert "`input('Paid: ')` is used as a number" in found.hint


def test_an_input_function_of_the_programs_own_stays_silent():
    code = "def input(q):\n    return q\n\nleft = input('5') - 1\n"
    found = diagnosis_of(code)
    assert found is None or "is used as a number" not in found.hint, found.hint


def test_the_one_recursive_call_of_two_that_passes_the_same_values_and_repeats():
    code = (
        "def steps(n):\n    if n <= 0:\n        return 0\n    if n % 2 == 0:\n"
        "        return 1 + steps(n - 2)\n    return 1 + steps(n)\n\nprint(steps(5))\n"
    )
    found = diagnosis_of(code)
    assert found.rule == "same_arguments" and found.line == 6
    assert "`steps(n)` on line 6" in found.hint


def test_a_same_value_call_that_is_not_where_the_recursion_repeats_stays_silent():
    code = (
        "def down(n, flag):\n    if flag:\n        return down(n, flag)\n"
        "    return down(n + 1, flag)\n\nprint(down(0, False))\n"
    )
    found = diagnosis_of(code)
    assert found is None or found.rule != "same_arguments", found.hint


# -- rules widened or added after sets 8-9's misses (task diag9)


def test_a_name_set_to_the_programs_own_method_without_brackets():
    code = (
        "class Shelf:\n    def __init__(self):\n        self.jars = ['jam']\n\n"
        "    def take(self):\n        return self.jars.pop()\n\n"
        "s = Shelf()\njar = s.take\nprint(jar.upper(), jar.title())\n"
    )
    found = diagnosis_of(code)
    assert found.rule == "function_not_called" and found.line == 9
    assert "sets `jar` to `s.take`" in found.hint


def test_a_name_set_to_a_decorated_method_stays_silent():
    code = (
        "class Shelf:\n    @staticmethod\n    def take():\n        return 'jam'\n\n"
        "jar = Shelf.take\nprint(jar.upper())\n"
    )
    found = diagnosis_of(code)
    assert found is None or found.rule != "function_not_called", found.hint


def test_a_misspelt_module_imported_from():
    found = diagnosis_of("# dice\nfrom randon import randint\nprint(randint(1, 6))\n")
    assert found.rule == "module_misspelt" and found.line == 2
    assert "`random` differs by a letter or two" in found.hint and "`randint`" in found.hint


def test_a_module_imported_from_that_lacks_the_name_stays_silent():
    found = diagnosis_of("from maths import cube\nprint(cube(2))\n")  # math has no cube
    assert found is None or found.rule != "module_misspelt", found.hint


def test_the_length_of_a_list_joined_to_text():
    found = diagnosis_of("pets = ['cat', 'dog']\nprint(len(pets) + ' pets')\n")
    assert found.rule == "number_joined_to_text" and found.line == 2
    assert "`len(pets)` is an integer" in found.hint


def test_the_programs_own_function_joined_to_text_stays_silent():
    code = "def label(n):\n    return n * 2\n\nprint(label(3) + ' pets')\n"  # its return?
    found = diagnosis_of(code)
    assert found is None or found.rule != "number_joined_to_text", found.hint


def test_a_value_inside_a_tuple_of_a_list_of_tuples_changed():
    code = "marks = [('ann', 3), ('bo', 5)]\nfor i in range(len(marks)):\n    marks[i][1] += 1\n"
    found = diagnosis_of(code)
    assert found.rule == "item_assignment" and found.line == 3
    assert "Each item of `marks` is a tuple" in found.hint and "line 1" in found.hint


def test_a_list_of_tuples_that_gets_more_items_later_stays_silent():
    code = "marks = [('ann', 3)]\nmarks.append(('bo', 1))\nmarks[1][1] = 2\n"
    found = diagnosis_of(code)
    assert found is None or found.rule != "item_assignment", found.hint


def test_the_sum_of_split_text_typed_one_line_earlier():
    code = "typed = input('Marks: ')\nmarks = typed.split()\nprint(sum(marks))\n"
    found = diagnosis_of(code, "3 4\n")
    assert found.rule == "sum_of_text" and found.line == 2


def test_the_sum_of_split_text_written_in_the_program_stays_silent():
    code = "typed = '3 4'\nmarks = typed.split()\nprint(sum(marks))\n"  # the data?
    found = diagnosis_of(code)
    assert found is None or found.rule != "sum_of_text", found.hint


FILL = "def fill(box, n):\n    box.append(n)\n\n"


def test_a_name_set_from_a_function_without_return_that_shares_a_parameters_name():
    found = diagnosis_of(FILL + "box = []\nbox = fill(box, 3)\nprint(len(box))\n")
    assert found.rule == "none_used" and found.line == 1
    assert "`box` is set on line 5 from `fill(box, 3)`" in found.hint


def test_a_parameter_read_where_the_module_level_name_is_none_stays_silent():
    code = FILL + "def show(box):\n    return len(box)\n\nbox = fill([], 3)\nshow(None)\n"
    found = diagnosis_of(code)
    assert found is None or found.rule != "none_used", found.hint


SIZES = "sizes = {'Small': 1, 'Large': 3}\nprint('Sizes:', ', '.join(sizes))\n"


def test_a_key_typed_in_other_capitals_where_the_dicts_keys_are_joined_for_show():
    found = diagnosis_of(SIZES + "size = input('Size? ')\nprint(sizes[size])\n", "small\n")
    assert found.rule == "key_not_in_dict" and found.line == 4
    assert "(typed at `input('Size? ')` on line 3, capitals as typed)" in found.hint


def test_a_dict_given_keys_later_stays_silent_about_its_keys():
    code = SIZES + "sizes[input('New: ')] = 2\nprint(sizes['small'])\n"
    found = diagnosis_of(code, "Medium\n")
    assert found is None or found.rule != "key_not_in_dict", found.hint


def test_a_whole_number_written_out_gone_through_digit_by_digit():
    found = diagnosis_of("pin = 2580\ntotal = 0\nfor d in pin:\n    total += int(d)\n")
    assert found.rule == "number_as_sequence" and found.line == 1
    assert "`pin` is an integer (it gets `2580` on line 1)" in found.hint


def test_a_whole_number_changed_after_it_is_written_stays_silent():
    found = diagnosis_of("pin = 2580\npin = pin * 2\nfor d in pin:\n    print(d)\n")
    assert found is None or found.rule != "number_as_sequence", found.hint


# task diag10: rules widened on set 10's misses


def test_a_swap_of_two_items_of_one_tuple():
    code = "order = ('tea', 'cake', 'jam')\norder[0], order[2] = order[2], order[0]\n"
    found = diagnosis_of(code)
    assert found.rule == "item_assignment" and found.line == 1
    assert "`order` is a tuple" in found.hint and "line 2 changes" in found.hint


def test_a_swap_across_two_names_stays_silent():
    code = "a = ('x', 'y')\nb = ['p', 'q']\nfor s in (b, a):\n    pass\nb[0], s[0] = s[0], b[0]\n"
    found = diagnosis_of(code)
    assert found is None or found.rule != "item_assignment", found.hint


def test_an_if_test_on_a_length_never_below_zero_before_an_average():
    code = "marks = []\nif 0 <= len(marks):\n    print(sum(marks) / len(marks))\n"
    found = diagnosis_of(code)
    assert found.rule == "length_always_true" and found.line == 2


def test_a_piece_of_a_split_at_a_separator_the_text_does_not_use():
    code = "for t in ['9-30', '10-15']:\n    bits = t.split(':')\n    print(int(bits[0]) * 60)\n"
    found = diagnosis_of(code)
    assert found.rule == "split_missed" and found.line == 2
    assert "`bits[0]` is a piece of `t.split(':')`" in found.hint
    assert "only `'-'` between its numbers" in found.hint


def test_a_piece_of_a_split_that_is_a_word_stays_silent():
    code = "for t in ['9:30', 'ten:15']:\n    bits = t.split(':')\n    print(int(bits[0]) * 60)\n"
    found = diagnosis_of(code)
    assert found is None or found.rule != "split_missed", found.hint


def test_a_list_filled_only_with_input_text_and_looped_over_as_numbers():
    code = (
        "ages = []\nfor i in range(2):\n    ages.append(input('Age: '))\n"
        "for a in ages:\n    if a >= 18:\n        print('adult')\n"
    )
    found = diagnosis_of(code, "20\n15\n")
    assert found.rule == "text_from_input" and found.line == 3
    assert "the loop on line 4 sets it to each item of `ages`" in found.hint


def test_a_list_with_text_written_out_before_the_input_stays_silent():
    code = "ages = ['12']\nages.append(input('Age: '))\nfor a in ages:\n    print(a > 10)\n"
    found = diagnosis_of(code, "20\n")
    assert found is None or found.rule != "text_from_input", found.hint


def test_input_text_added_to_numbers_written_out_then_compared_by_size():
    code = "times = {'ann': 31, 'bo': 28}\nlap = input('Lap: ')\ntimes['cy'] = lap\n"
    code += "print(min(times.values()))\n"
    found = diagnosis_of(code, "30\n")
    assert found.rule == "text_from_input" and found.line == 2
    assert "Line 4 compares the values of `times` by size" in found.hint


def test_text_written_out_among_the_numbers_stays_silent():
    code = "prices = [3, '5']\nprices.append(input('Price: '))\nprint(min(prices))\n"
    found = diagnosis_of(code, "4\n")
    assert found is None or found.rule != "text_from_input", found.hint


# task diag11: widenings from set 11's misses


def test_an_item_of_a_split_added_into_a_number():
    code = "words = input('Item and price: ').split()\nprice = words[1]\ntotal = 0\n"
    code += "total += price\nprint(total)\n"
    found = diagnosis_of(code, "tea 3\n")
    assert found.rule == "text_from_split" and found.line == 2
    assert "line 2 sets `price` to `words[1]`, a piece of" in found.hint


def test_an_item_of_a_split_joined_with_plus_stays_silent():
    code = "words = input('Name and age: ').split()\nname = words[0]\ncount = 3\n"
    code += "print(count + name)\n"
    found = diagnosis_of(code, "ann 3\n")
    assert found is None or found.rule != "text_from_split", found.hint


def test_the_pieces_of_a_split_kept_in_a_set_and_compared_with_a_number():
    code = "picks = set(input('Picks: ').split())\nfor p in picks:\n    if p > 10:\n"
    code += "        print(p)\n"
    found = diagnosis_of(code, "4 12\n")
    assert found.rule == "text_from_split" and found.line == 1
    assert "each item of `picks`, which line 1 sets to `set(input('Picks: ').split())`" in (
        found.hint
    )


def test_a_set_of_split_pieces_sorted_with_a_key_stays_silent():
    code = "picks = sorted(input('Picks: ').split(), key=len)\nfor p in picks:\n"
    code += "    if p > 10:\n        print(p)\n"
    found = diagnosis_of(code, "4 12\n")
    assert found is None or found.rule != "text_from_split", found.hint


def test_split_pieces_joined_and_appended_then_summed():
    code = "times = ['1:05', '0:58']\nsecs = []\nfor t in times:\n    m, s = t.split(':')\n"
    code += "    secs.append(m * 60 + s)\nprint(sum(secs))\n"
    found = diagnosis_of(code)
    assert found.rule == "text_arithmetic" and found.line == 5
    assert "`secs` gets its items only from line 5, which appends `m * 60 + s`" in found.hint


def test_split_pieces_appended_to_a_list_written_out_with_text_stays_silent():
    code = "times = ['1:05', '0:58']\nsecs = []\nsecs.append('x')\nfor t in times:\n"
    code += "    m, s = t.split(':')\n    secs.append(m * 60 + s)\nprint(sum(secs))\n"
    found = diagnosis_of(code)
    assert found is None or found.rule != "text_arithmetic", found.hint


def test_a_number_typed_from_one_as_a_column_of_rows_built_in_a_loop():
    code = "board = []\nfor _ in range(3):\n    board.append(['-'] * 4)\n"
    code += "col = int(input('Column 1-4: '))\nprint(board[0][col])\nfor row in board:\n"
    code += "    print(row)\n"
    found = diagnosis_of(code, "4\n")
    assert found.rule == "counted_from_one" and found.line == 4
    assert "an index into `board[0]`, which has 4 items" in found.hint


def test_rows_that_grow_before_the_failure_stay_silent():
    code = "board = []\nfor _ in range(3):\n    board.append(['-'] * 4)\n"
    code += "board[1].append('-')\ncol = int(input('Column 1-4: '))\nprint(board[0][col])\n"
    found = diagnosis_of(code, "4\n")
    assert found is None or found.rule != "counted_from_one", found.hint


def test_a_list_filled_by_a_counted_loop_popped_once_per_item_of_a_longer_list():
    code = "cups = []\nfor n in range(3):\n    cups.append(n)\nguests = ['a', 'b', 'c', 'd']\n"
    code += "for g in guests:\n    cup = cups.pop()\n    print(g, cup)\n"
    found = diagnosis_of(code)
    assert found.rule == "popped_past_end" and found.line == 2
    assert "the loop on line 2 puts only 3 items into `cups`" in found.hint


def test_a_popping_loop_and_a_filling_loop_both_counted_by_range_stay_silent():
    code = "cups = []\nfor n in range(3):\n    cups.append(n)\nfor g in range(4):\n"
    code += "    cup = cups.pop()\n"
    found = diagnosis_of(code)
    assert found is None or found.rule != "popped_past_end", found.hint


def test_a_dict_of_lists_whose_items_are_replaced_by_append_results():
    code = "teams = {'red': [], 'blue': []}\nfor kid, colour in [('Al', 'red'), ('Bo', 'blue')]:\n"
    code += "    teams[colour] = teams[colour].append(kid)\nfor c in teams:\n"
    code += "    print(c, len(teams[c]))\n"
    found = diagnosis_of(code)
    assert found.rule == "none_used" and found.line == 3
    assert "every item line 3 stores in `teams` is the result of `teams[colour].append(kid)`" in (
        found.hint
    )


def test_a_dict_of_lists_with_another_item_store_stays_silent():
    code = "teams = {'red': [], 'blue': []}\nteams['green'] = None\n"
    code += "teams['red'] = teams['red'].append('Al')\nfor c in teams:\n"
    code += "    print(c, len(teams[c]))\n"
    found = diagnosis_of(code)
    assert found is None or found.rule != "none_used", found.hint


MENU = (
    "while True:\n    pick = input('1) tea 2) quit: ')\n    if pick == '1':\n"
    "        print('tea')\n    elif pick == 2:\n        break\n"
)


def test_a_menu_whose_only_way_out_compares_the_typed_text_with_a_number():
    found = diagnosis_of(MENU, "1\n2\n")
    assert found.rule == "text_compared_with_number" and found.line == 5
    assert "`pick == 2` is never true" in found.hint
    assert "The other tests of `pick` in the loop compare it with text" in found.hint


def test_a_menu_with_another_way_out_stays_silent():
    code = MENU.replace("print('tea')", "break")
    found = diagnosis_of(code + "print('x')\n", "3\n")
    assert found is None or found.rule != "text_compared_with_number", found.hint


def test_a_menu_that_can_also_end_through_exit_stays_silent():
    code = MENU.replace("print('tea')", "exit()")
    found = diagnosis_of(code, "3\n")
    assert found is None or found.rule != "text_compared_with_number", found.hint


def test_a_list_filled_only_after_the_popping_loop_stays_silent():
    code = "guests = ['a', 'b', 'c', 'd']\ncups = []\nfor g in guests:\n    cup = cups.pop()\n"
    code += "for n in range(3):\n    cups.append(n)\n"
    found = diagnosis_of(code)
    assert found is None or found.rule != "popped_past_end", found.hint


def test_a_filtered_list_of_a_written_out_dict_that_no_item_passes():
    code = "marks = {'ann': 40, 'bo': 55}\ntop = [marks[n] for n in marks if marks[n] > 90]\n"
    code += "print(sum(top) / len(top))\n"
    found = diagnosis_of(code)
    assert found.rule == "empty_divisor" and found.line == 2
    assert "line 2 builds it only from the items of `marks` that pass `if marks[n] > 90`" in (
        found.hint
    )


def test_a_filtered_list_of_typed_words_stays_silent():
    code = "words = input('Words: ').split()\nlong = [w for w in words if len(w) > 3]\n"
    code += "print(len(words) / len(long))\n"
    found = diagnosis_of(code, "a bb\n")
    assert found is None or found.rule != "empty_divisor", found.hint


def test_a_filtered_list_whose_test_reads_a_limit_set_elsewhere_stays_silent():
    code = "laps = [61.2, 59.8]\nlimit = 1\nfast = [t for t in laps if t < limit]\n"
    code += "print(sum(fast) / len(fast))\n"
    found = diagnosis_of(code)
    assert found is None or found.rule != "empty_divisor", found.hint


# task diag12: wording fixes of existing rules and of the facts hint (post-blind notes, set 13)


def test_a_split_of_text_written_in_the_program_does_not_say_typed():
    code = "pairs = ['a:1', 'b:2:3']\nfor p in pairs:\n    key, value = p.split(':')\n"
    found = diagnosis_of(code)
    assert found.rule == "split_unpack" and "typed" not in found.hint
    typed = diagnosis_of("line = input()\nkey, value = line.split(':')\n", "a:1:2\n")
    assert typed.rule == "split_unpack" and "the text typed" in typed.hint


def test_a_missing_attribute_asks_only_which_was_meant():
    hint = facts_hint(
        hint_facts(
            "name = 'bo'\nprint(name.uppper())\n",
            traceback_of("name = 'bo'\nprint(name.uppper())\n"),
        )
    )
    assert "Which of these did you mean?" in hint and "defined before" not in hint
    code = "total = 1\nprint(totl)\n"
    assert "defined before that line runs" in facts_hint(hint_facts(code, traceback_of(code)))


def test_a_search_loop_names_the_start_value_set_just_before_it():
    code = "def top(xs):\n    best = 0\n    for x in xs:\n        if x > best:\n"
    code += "            best = x\n            name = x\n    return name\n\nprint(top([-2, -5]))\n"
    found = diagnosis_of(code)
    assert found.rule == "set_only_in_branches" and found.line == 4
    assert "`best`, which starts at 0 on line 2, just before the loop" in found.hint


def test_a_search_loop_with_its_start_value_set_elsewhere_does_not_name_it():
    code = "def top(xs, best):\n    for x in xs:\n        if x > best:\n"
    code += (
        "            best = x\n            name = x\n    return name\n\nprint(top([-2, -5], 0))\n"
    )
    found = diagnosis_of(code)
    assert found.rule == "set_only_in_branches" and "starts at" not in found.hint


def test_typed_text_looked_up_among_numbers_names_the_input_line():
    code = "floors = [1, 2, 3, 4]\npick = input('Floor: ')\nprint(floors.index(pick))\n"
    found = diagnosis_of(code, "3\n")
    assert found.rule == "item_not_in_list" and found.line == 2
    assert "every item of `floors` (line 1) is a number" in found.hint


def test_typed_text_of_a_number_not_in_the_list_stays_silent():
    code = "floors = [1, 2, 3, 4]\npick = input('Floor: ')\nprint(floors.index(pick))\n"
    found = diagnosis_of(code, "9\n")
    assert found is None or found.rule != "item_not_in_list", found.hint


# task diag13: widened or added after set 14's misses


def test_a_number_joined_to_text_with_a_pound_sign_on_the_line():
    code = "cost = 4\nprint('Ticket: £' + cost)\n"
    found = diagnosis_of(code)
    assert found.rule == "number_joined_to_text" and found.line == 2 and "`cost`" in found.hint


def test_a_pound_sign_does_not_shift_the_marks_onto_another_node():
    code = "cost = '4'\nextra = 2\nprint('£', cost + extra)\n"
    found = diagnosis_of(code)
    assert found is None or found.rule != "number_joined_to_text", found.hint


def test_a_count_added_to_in_a_dict_made_by_dict_with_no_arguments():
    code = "colours = dict()\nfor c in ['red', 'blue', 'red']:\n    colours[c] += 1\n"
    found = diagnosis_of(code)
    assert found.rule == "key_never_stored" and found.line == 3
    assert "`colours` starts empty (line 1)" in found.hint


def test_a_count_in_a_dict_made_from_other_values_stays_silent():
    code = "start = {'red': 0}\ncolours = dict(start)\nfor c in ['red', 'blue']:\n"
    code += "    colours[c] += 1\n"
    found = diagnosis_of(code)
    assert found is None or found.rule != "key_never_stored", found.hint


def test_a_split_at_spaces_of_text_the_prompt_asks_for_with_a_colon():
    code = "start = input('Start (hh:mm): ')\nh, m = start.split()\nprint(int(h) * 60 + int(m))\n"
    found = diagnosis_of(code, "9:30\n")
    assert found.rule == "separator_not_in_prompt" and found.line == 2
    assert "at spaces" in found.hint and "`hh:mm`" in found.hint and "no space" in found.hint


def test_a_split_at_spaces_with_a_prompt_that_shows_no_format_stays_silent():
    code = "start = input('Start time: ')\nh, m = start.split()\nprint(int(h) * 60 + int(m))\n"
    found = diagnosis_of(code, "9:30\n")
    assert found is None or found.rule != "separator_not_in_prompt", found.hint


def test_the_text_of_input_passed_straight_into_a_function_that_adds_it():
    code = "def top_up(balance, amount):\n    return balance + amount\n\n"
    code += "print(top_up(5, input('Amount: ')))\n"
    found = diagnosis_of(code, "3\n")
    assert found.rule == "text_from_input" and found.line == 4
    assert "the call on line 4 passes `input('Amount: ')` as `amount`" in found.hint


def test_a_parameter_rebound_inside_the_function_stays_silent_about_the_call():
    code = "def top_up(balance, amount):\n    amount = str(amount)\n    return balance + amount\n\n"
    code += "print(top_up(5, input('Amount: ')))\n"
    found = diagnosis_of(code, "3\n")
    assert found is None or "the call on line 5 passes" not in found.hint, found.hint


def test_typed_text_looked_up_in_a_dict_of_number_keys_that_also_gets_items():
    code = "seats = {1: 'Ann', 2: ''}\nwhile True:\n    n = input('Seat: ')\n"
    code += "    if seats[n] == '':\n        seats[n] = input('Name: ')\n"
    found = diagnosis_of(code, "2\n")
    assert found.rule == "key_of_wrong_type" and found.line == 3
    assert "the keys `seats` gets on line 1 are numbers (2 among them)" in found.hint


def test_typed_text_of_a_number_that_is_no_key_stays_silent():
    code = "seats = {1: 'Ann', 2: ''}\nwhile True:\n    n = input('Seat: ')\n"
    code += "    if seats[n] == '':\n        seats[n] = input('Name: ')\n"
    found = diagnosis_of(code, "7\n")
    assert found is None or found.rule != "key_of_wrong_type", found.hint


SHOP = "prices = {'tea': 2, 'bun': 3}\ntotal = 0\nfor item in input('Order: ').split('; '):\n"
SHOP += "    total += prices[item]\nprint(total)\n"


def test_a_split_that_missed_leaves_several_keys_in_one_piece():
    found = diagnosis_of(SHOP, "tea;bun;tea\n")
    assert found.rule == "split_missed" and found.line == 3
    assert "only `';'` between its words" in found.hint and "keys of `prices`" in found.hint


def test_a_piece_with_a_word_that_is_no_key_stays_silent():
    found = diagnosis_of(SHOP, "tea;cake\n")
    assert found is None or found.rule != "split_missed", found.hint


def test_split_pieces_repeated_and_joined_then_used_as_a_number():
    code = "a, b = input('Score (x-y): ').split('-')\ntotal = a * 2 + b\nprint(total / 3)\n"
    found = diagnosis_of(code, "4-5\n")
    assert found.rule == "text_one_step" and found.line == 1
    assert "line 2 computes it as `a * 2 + b`" in found.hint and "`.split()`" in found.hint


def test_a_sum_of_split_pieces_and_another_name_stays_silent():
    code = "bonus = '1'\na, b = input('Score (x-y): ').split('-')\ntotal = a * 2 + bonus\n"
    code += "print(total / 3)\n"
    found = diagnosis_of(code, "4-5\n")
    assert found is None or found.rule != "text_one_step", found.hint


def test_a_bare_return_is_the_one_way_a_function_gives_back_none():
    code = BANK + "left = withdraw(10, 4)\nleft = withdraw(left, 20)\nprint(left * 2)\n"
    found = diagnosis_of(code)
    assert found.rule == "bare_return" and found.line == 4
    assert "`left`, which line 9 sets to `withdraw(left, 20)`, is None" in found.hint


def test_a_function_that_may_also_fall_off_its_end_stays_silent_about_the_bare_return():
    code = BANK.replace("    return balance - amount\n", "    if amount:\n        return 1\n")
    found = diagnosis_of(code + "left = withdraw(10, 40)\nprint(left * 2)\n")
    assert found is None or found.rule != "bare_return", found.hint


ROT = "abc = list('abcdefghijklmnopqrstuvwxyz')\nsecret = input('Word: ')\nout = ''\n"
ROT += "for part in secret.split('-'):\n    for ch in part:\n"
ROT += "        out += abc[abc.index(ch) - 1]\n"


def test_a_typed_capital_looked_up_in_a_list_of_small_letters_names_the_input_line():
    found = diagnosis_of(ROT, "Ifmmp-xpsme\n")
    assert found.rule == "item_not_in_list" and found.line == 2
    assert "taken from `secret`, typed at `input('Word: ')` on line 2" in found.hint
    assert "has `'i'`" in found.hint


def test_a_typed_sign_that_is_in_no_case_in_the_list_stays_silent():
    found = diagnosis_of(ROT, "ifmmp!\n")
    assert found is None or found.rule != "item_not_in_list", found.hint


# -- unterminated_string asks which quote lacks a partner (task diag14): the lone quote Python
# flags may be an opening one, a closing one earlier in the line, or a closing one at the end.
QUOTE_QUESTION = "Which quote on line {} has no partner, and where should its partner go?"


@pytest.mark.parametrize(
    ("code", "line", "flagged"),
    [
        ("n = 3\nprint('apples:, n)\n", 2, "`'apples:, n)`"),  # closing quote missing
        ("n = 3\nprint(Apples left: ', n)\n", 2, "`', n)`"),  # opening quote missing
        ("ages = {'ann': '7', 'tom: '9'}\nprint(ages)\n", 1, "`'}`"),  # closing, earlier
    ],
)
def test_an_unterminated_string_asks_which_quote_has_no_partner(code, line, flagged):
    found = diagnosis_of(code)
    assert found.rule == "unterminated_string" and found.line == line
    assert f"Python reads {flagged} as a text" in found.hint
    assert QUOTE_QUESTION.format(line) in found.hint
    assert "Where should that text end?" not in found.hint
