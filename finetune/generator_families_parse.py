"""Program generator families, part 3: parsing text, records in dicts, recursion, indexes.

These shapes feed the injectors that the simpler families rarely reach: `int()` of a
piece of text, dict lookups with literal keys, loops whose variable divides, recursive
calls on smaller inputs, `while i < len(...)` loops and locals assigned twice.
"""

from __future__ import annotations

import random

from finetune.generator_kit import (
    ANIMALS,
    CITIES,
    FRUITS,
    PEOPLE,
    SUBJECTS,
    Run,
    names,
    numbers,
    show,
)


def parse_pair(rng: random.Random, run: Run) -> list[str]:
    line, parts = names(rng, ["line", "text", "entry", "raw"], ["parts", "pieces", "fields"])
    op, word = rng.choice([("+", "sum"), ("-", "difference"), ("*", "product"), ("//", "quotient")])
    a, b = rng.randint(1, 90), rng.randint(1, 12)
    sep = rng.choice([" ", ",", "x"])
    split = "split()" if sep == " " else f'split("{sep}")'
    code = [f'{line} = input("Two numbers: ")', f"{parts} = {line}.{split}"]
    code += [f"first = int({parts}[0])", f"second = int({parts}[1])", f"result = first {op} second"]
    code.append(show(rng, f"The {word} is", "result"))
    run.ask("Two numbers: ", f"{a}{sep}{b}")
    value = {"+": a + b, "-": a - b, "*": a * b, "//": a // b}[op]
    run.say(f"The {word} is", value)
    if rng.random() < 0.5:
        code += ["if result % 2 == 0:", '    print("even")', "else:", '    print("odd")']
        run.say("even" if value % 2 == 0 else "odd")
    return code


def csv_records(rng: random.Random, run: Run) -> list[str]:
    people = rng.sample(PEOPLE, rng.randint(3, 5))
    field = rng.choice(["score", "age", "points", "height"])
    rows = [f"{p},{rng.randint(5, 99)}" for p in people]
    var, total = names(rng, ["rows", "lines", "records", "data"], ["total", "acc", "summed"])
    code = [f"{var} = {rows}", f"{total} = 0", "best_name = None", "best = -1"]
    code += [f"for row in {var}:", '    fields = row.split(",")', "    name = fields[0]"]
    code += ["    value = int(fields[1])", f"    {total} += value", "    if value > best:"]
    code += ["        best = value", "        best_name = name"]
    code.append(show(rng, f"Total {field}:", total))
    code.append(f'print("Highest {field}:", best_name, best)')
    values = [int(r.split(",")[1]) for r in rows]
    run.say(f"Total {field}:", sum(values))
    top = max(range(len(values)), key=lambda i: (values[i], -i))
    run.say(f"Highest {field}:", people[top], values[top])
    if rng.random() < 0.5:
        code.append(f'print("Average:", {total} / len({var}))')
        run.say("Average:", sum(values) / len(values))
    return code


def divisors(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["divisors", "factors_of", "all_divisors"])
    var = rng.choice(["d", "k", "candidate"])
    start = rng.choice([1, 2])
    code = [f"def {func}(n):", "    found = []", f"    for {var} in range({start}, n + 1):"]
    code += [
        f"        if n % {var} == 0:",
        f"            found.append({var})",
        "    return found",
        "",
    ]
    for _ in range(rng.randint(1, 2)):
        n = rng.randint(6, 60)
        code.append(f"print({n}, {func}({n}))")
        run.say(n, [d for d in range(start, n + 1) if n % d == 0])
    typed = rng.randint(2, 99)
    code += ['number = int(input("Number: "))', f"count = len({func}(number))"]
    code.append(show(rng, "Divisors found:", "count"))
    run.ask("Number: ", typed)
    run.say("Divisors found:", len([d for d in range(start, typed + 1) if typed % d == 0]))
    if rng.random() < 0.5:
        code += [
            f"for {var} in range(1, 4):",
            f"    print(number, '/', {var}, '=', number / {var})",
        ]
        for d in range(1, 4):
            run.say(typed, "/", d, "=", typed / d)
    return code


def record_dict(rng: random.Random, run: Run) -> list[str]:
    var = rng.choice(["student", "person", "profile", "member", "player"])
    who, city, age = rng.choice(PEOPLE), rng.choice(CITIES), rng.randint(8, 80)
    extra_key, extra = rng.choice(
        [
            ("pet", rng.choice(ANIMALS)),
            ("fruit", rng.choice(FRUITS)),
            ("subject", rng.choice(SUBJECTS)),
        ]
    )
    code = [f"{var} = {{", f'    "name": "{who}",', f'    "age": {age},', f'    "city": "{city}",']
    code += [f'    "{extra_key}": "{extra}",', "}"]
    code += [f'print({var}["name"] + " lives in " + {var}["city"])']
    run.say(f"{who} lives in {city}")
    code.append(show(rng, f"Favourite {extra_key}:", f'{var}["{extra_key}"]'))
    run.say(f"Favourite {extra_key}:", extra)
    years = rng.randint(1, 10)
    code += [f'{var}["age"] = {var}["age"] + {years}', f'print("In {years} years:", {var}["age"])']
    run.say(f"In {years} years:", age + years)
    if rng.random() < 0.5:
        code += [f"for key in {var}:", f"    print(key, '=', {var}[key])"]
        for key, value in (("name", who), ("age", age + years), ("city", city), (extra_key, extra)):
            run.say(key, "=", value)
    return code


def recursive_text(rng: random.Random, run: Run) -> list[str]:
    kind = rng.choice(["reverse", "count", "palindrome", "countdown"])
    word = rng.choice(["hello", "level", "python", "racecar", "banana", "stats"])
    s = rng.choice(["s", "text", "word"])
    if kind == "reverse":
        func = rng.choice(["reverse", "rev", "backwards"])
        code = [f"def {func}({s}):", f"    if len({s}) <= 1:", f"        return {s}"]
        code += [f"    return {func}({s}[1:]) + {s}[0]", "", f'print({func}("{word}"))']
        run.say(word[::-1])
    elif kind == "count":
        letter = rng.choice(word)
        func = rng.choice(["count_letter", "occurrences", "how_many"])
        code = [f"def {func}({s}, letter):", f'    if {s} == "":', "        return 0"]
        code += [f"    rest = {func}({s}[1:], letter)", f"    if {s}[0] == letter:"]
        code += ["        return rest + 1", "    return rest", ""]
        code += [f'print({func}("{word}", "{letter}"))']
        run.say(word.count(letter))
    elif kind == "palindrome":
        func = rng.choice(["is_palindrome", "palindrome", "reads_same"])
        code = [f"def {func}({s}):", f"    if len({s}) < 2:", "        return True"]
        code += [
            f"    if {s}[0] != {s}[-1]:",
            "        return False",
            f"    return {func}({s}[1:-1])",
            "",
        ]
        code += [f'print("{word}", {func}("{word}"))']
        run.say(word, word == word[::-1])
    else:
        func = rng.choice(["countdown", "count_down", "blast"])
        n = rng.randint(2, 8)
        code = [f"def {func}(n):", "    if n == 0:", '        print("Go!")', "        return"]
        code += ["    print(n)", f"    {func}(n - 1)", "", f"{func}({n})"]
        for k in range(n, 0, -1):
            run.say(k)
        run.say("Go!")
    return code


def while_index(rng: random.Random, run: Run) -> list[str]:
    seq, i = names(rng, ["items", "names", "guests", "words"], ["i", "index", "pos"])
    pool = rng.choice([PEOPLE, FRUITS, ANIMALS])
    values = rng.sample(pool, rng.randint(3, 6))
    target = rng.choice(values + ["nobody"])
    code = [f"{seq} = {values}", f"{i} = 0", "found = False", f"while {i} < len({seq}):"]
    code += [f'    if {seq}[{i}] == "{target}":', "        found = True", f"    {i} += 1"]
    code += [
        "if found:",
        f'    print("{target} is on the list")',
        "else:",
        f'    print("No {target}")',
    ]
    run.say(f"{target} is on the list" if target in values else f"No {target}")
    if rng.random() < 0.5:
        code += [
            f"for {i} in range(len({seq}) - 1):",
            f'    print({seq}[{i}], "before", {seq}[{i} + 1])',
        ]
        for a, b in zip(values, values[1:], strict=False):
            run.say(a, "before", b)
    else:
        code += [f'print("Last one:", {seq}[len({seq}) - 1])']
        run.say("Last one:", values[-1])
    return code


def running_best(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["summarise", "report", "describe"])
    data, best = names(rng, ["values", "temps", "times", "laps"], ["best", "top", "record"])
    code = [f"def {func}({data}):", f"    {best} = {data}[0]", "    total = 0"]
    code += [f"    for k in range(0, len({data})):", f"        if {data}[k] > {best}:"]
    code += [f"            {best} = {data}[k]", f"        total = total + {data}[k]"]
    code += [f"    mean = total / len({data})", f"    return {best}, mean", ""]
    for _ in range(rng.randint(1, 3)):
        values = numbers(rng, 1, 60, rng.randint(2, 6))
        code += [f"top, avg = {func}({values})", show(rng, "Best:", "top"), 'print("Mean:", avg)']
        run.say("Best:", max(values))
        run.say("Mean:", sum(values) / len(values))
    return code


def age_check(rng: random.Random, run: Run) -> list[str]:
    text, age = names(rng, ["text", "answer", "reply", "typed"], ["age", "years", "value"])
    limit = rng.choice([12, 16, 18])
    code = ["while True:", f'    {text} = input("Age: ")', f"    if {text}.isdigit():"]
    code += [f"        {age} = int({text})", "        break", '    print("Please type a number")']
    code += [f"if {age} >= {limit}:", '    print("Welcome in")', "else:"]
    code += [f'    print("Come back in " + str({limit} - {age}) + " years")']
    for bad in rng.sample(["ten", "12a", "", "old", "-3"], rng.randint(0, 2)):
        run.ask("Age: ", bad)
        run.say("Please type a number")
    value = rng.randint(1, 40)
    run.ask("Age: ", value)
    run.say("Welcome in" if value >= limit else f"Come back in {limit - value} years")
    return code


FAMILIES = {
    "parse_pair": parse_pair,
    "csv_records": csv_records,
    "divisors": divisors,
    "record_dict": record_dict,
    "recursive_text": recursive_text,
    "while_index": while_index,
    "running_best": running_best,
    "age_check": age_check,
}
