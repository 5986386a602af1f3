"""Program generator families, part 1: input and arithmetic, strings, lists, loops.

Each family takes a seeded `random.Random` and a `Run` recorder, returns the program's
lines, and records the stdin it reads and the stdout it must print.
"""

from __future__ import annotations

import random

from finetune.generator_kit import (
    ANIMALS,
    CITIES,
    FRUITS,
    PEOPLE,
    SUBJECTS,
    WORDS,
    Run,
    indent,
    names,
    numbers,
)


def greet_age(rng: random.Random, run: Run) -> list[str]:
    name, age = names(rng, ["name", "user", "first_name", "person"], ["age", "years", "user_age"])
    who, years, later = rng.choice(PEOPLE), rng.randint(8, 70), rng.randint(2, 10)
    limit, label = rng.choice([(13, "a teenager"), (18, "an adult"), (21, "allowed in")])
    p1 = rng.choice(["What is your name? ", "Name: ", "Enter your name: "])
    p2 = rng.choice(["How old are you? ", "Age: ", "Enter your age: "])
    code = [f'{name} = input("{p1}")', f'{age} = int(input("{p2}"))']
    run.ask(p1, who)
    run.ask(p2, years)
    if rng.random() < 0.5:
        code += [
            f"future = {age} + {later}",
            f'print("In {later} years, " + {name} + " will be " + str(future) + ".")',
        ]
        run.say(f"In {later} years, {who} will be {years + later}.")
    else:
        code.append(f'print({name}, "will be", {age} + {later}, "in {later} years")')
        run.say(who, "will be", years + later, "in", later, "years")
    code += [
        f"if {age} >= {limit}:",
        f'    print({name} + " is {label}.")',
        "else:",
        f"    wait = {limit} - {age}",
        f'    print({name} + " has to wait " + str(wait) + " more years.")',
    ]
    if years >= limit:
        run.say(f"{who} is {label}.")
    else:
        run.say(f"{who} has to wait {limit - years} more years.")
    return code


def shape_area(rng: random.Random, run: Run) -> list[str]:
    shape = rng.choice(["rectangle", "triangle", "square", "box"])
    a, b, c = rng.randint(2, 20), rng.randint(2, 20), rng.randint(2, 9)
    unit = rng.choice(["cm", "m", "inches", "feet", "units"])
    x, y = names(
        rng, ["w", "width", "a", "side_a", "first"], ["h", "height", "b", "side_b", "second"]
    )
    ask = rng.choice(["Enter the {}: ", "{}? ", "What is the {}? ", "{}: "])
    code: list[str] = []
    if shape == "rectangle":
        f1, f2 = rng.choice(
            [("area", "perimeter"), ("rect_area", "rect_perimeter"), ("get_area", "get_border")]
        )
        code += [f"def {f1}({x}, {y}):", f"    return {x} * {y}", ""]
        code += [f"def {f2}({x}, {y}):", f"    return 2 * ({x} + {y})", ""]
        p1, p2 = ask.format("width"), ask.format("height")
        code += [f'{x} = int(input("{p1}"))', f'{y} = int(input("{p2}"))']
        code += [f'print("Area:", {f1}({x}, {y}), "square {unit}")']
        code += [f'print("Perimeter:", {f2}({x}, {y}), "{unit}")']
        run.ask(p1, a)
        run.ask(p2, b)
        run.say("Area:", a * b, f"square {unit}")
        run.say("Perimeter:", 2 * (a + b), unit)
        if rng.random() < 0.5:
            code += [f"if {x} == {y}:", '    print("It is a square!")']
            if a == b:
                run.say("It is a square!")
    elif shape == "triangle":
        func = rng.choice(["triangle_area", "tri_area", "half_box"])
        code += [f"def {func}({x}, {y}):", f"    return {x} * {y} / 2", ""]
        p1, p2 = ask.format("base"), ask.format("height")
        code += [f'{x} = int(input("{p1}"))', f'{y} = int(input("{p2}"))']
        code += [f"result = {func}({x}, {y})"]
        code += [f'print("The area is " + str(result) + " square {unit}")']
        run.ask(p1, a)
        run.ask(p2, b)
        run.say(f"The area is {a * b / 2} square {unit}")
    elif shape == "square":
        func = rng.choice(["square_area", "area_of_square", "sq"])
        code += [
            f"def {func}({x}):",
            f"    return {x} ** 2" if rng.random() < 0.5 else f"    return {x} * {x}",
            "",
        ]
        p1 = ask.format("side length")
        grow = rng.randint(1, 3)
        code += [f'{x} = int(input("{p1}"))', f"sizes = [{x}, {x} + {grow}, {x} * 2]"]
        code += ["for s in sizes:", f'    print("Side", s, "{unit} has area", {func}(s))']
        run.ask(p1, a)
        for s in (a, a + grow, a * 2):
            run.say("Side", s, f"{unit} has area", s**2)
    else:
        big = rng.choice([100, 500, 1000])
        code += [f"def volume(length, {x}, depth):", f"    return length * {x} * depth", ""]
        prompts = [ask.format(w) for w in ("length", "width", "depth")]
        code += [f'l = int(input("{prompts[0]}"))', f'{x} = int(input("{prompts[1]}"))']
        code += [f'd = int(input("{prompts[2]}"))', f"v = volume(l, {x}, d)"]
        code += [f'print("Volume: " + str(v) + " cubic {unit}")', f"if v > {big}:"]
        code += ['    print("That is a big box.")', "else:", '    print("That box is small.")']
        for prompt, value in zip(prompts, (a, b, c), strict=True):
            run.ask(prompt, value)
        run.say(f"Volume: {a * b * c} cubic {unit}")
        run.say("That is a big box." if a * b * c > big else "That box is small.")
    return code


def temperature(rng: random.Random, run: Run) -> list[str]:
    to_f = rng.random() < 0.5
    func = rng.choice(["convert", "to_fahrenheit", "c_to_f"] if to_f else ["to_celsius", "f_to_c"])
    arg = rng.choice(["c", "celsius", "degrees"] if to_f else ["f", "fahrenheit", "temp"])
    body = f"{arg} * 9 / 5 + 32" if to_f else f"({arg} - 32) * 5 / 9"
    values = numbers(rng, -10, 40, rng.randint(2, 4)) if to_f else numbers(rng, 14, 104, 3)
    code = [f"def {func}({arg}):", f"    return {body}", ""]
    unit = "F" if to_f else "C"
    if rng.random() < 0.5:
        code += [f"temps = {values}", "for t in temps:", f'    print(t, "->", {func}(t), "{unit}")']
    else:
        code += [f"temps = {values}", "i = 0", "while i < len(temps):"]
        code += [f'    print(temps[i], "->", {func}(temps[i]), "{unit}")', "    i += 1"]
    for t in values:
        run.say(t, "->", t * 9 / 5 + 32 if to_f else (t - 32) * 5 / 9, unit)
    typed = rng.randint(0, 30)
    code += ['mine = int(input("Your temperature: "))', f'print("Converted:", {func}(mine))']
    run.ask("Your temperature: ", typed)
    run.say("Converted:", typed * 9 / 5 + 32 if to_f else (typed - 32) * 5 / 9)
    return code


def accumulate(rng: random.Random, run: Run) -> list[str]:
    data, total, item = names(
        rng,
        ["numbers", "values", "scores", "marks", "prices"],
        ["total", "acc", "result", "running"],
        ["n", "x", "value", "item"],
    )
    values = numbers(rng, 1, 50, rng.randint(4, 8))
    op = rng.choice(["sum", "product", "evens", "big"])
    start = 1 if op == "product" else 0
    code = [f"{data} = {values}", f"{total} = {start}"]
    if rng.random() < 0.5:
        code.append(f"for {item} in {data}:")
        ref = item
    else:
        code += ["i = 0", f"while i < len({data}):", f"    {item} = {data}[i]"]
        ref = item
    limit = rng.randint(10, 40)
    body = {
        "sum": [f"{total} = {total} + {ref}"],
        "product": [f"{total} = {total} * {ref}"],
        "evens": [f"if {ref} % 2 == 0:", f"    {total} += 1"],
        "big": [f"if {ref} > {limit}:", f"    {total} += {ref}"],
    }[op]
    code += indent(body)
    if code[2].startswith("i = 0"):
        code.append("    i += 1")
    label = {
        "sum": "Sum",
        "product": "Product",
        "evens": "Even numbers",
        "big": f"Sum over {limit}",
    }
    code.append(f'print("{label[op]}: " + str({total}))')
    result = start
    for v in values:
        if op == "sum":
            result += v
        elif op == "product":
            result *= v
        elif op == "evens" and v % 2 == 0:
            result += 1
        elif op == "big" and v > limit:
            result += v
    run.say(f"{label[op]}: {result}")
    return code


def find_extreme(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["find_max", "biggest", "largest", "find_min", "smallest"])
    want_max = func in ("find_max", "biggest", "largest")
    best, seq = names(rng, ["best", "current", "champion", "top"], ["values", "items", "nums"])
    cmp = ">" if want_max else "<"
    code = [f"def {func}({seq}):", f"    {best} = {seq}[0]"]
    if rng.random() < 0.5:
        code += [f"    for v in {seq}:", f"        if v {cmp} {best}:", f"            {best} = v"]
    else:
        code += [f"    for i in range(1, len({seq})):", f"        if {seq}[i] {cmp} {best}:"]
        code += [f"            {best} = {seq}[i]"]
    code += [f"    return {best}", ""]
    for _ in range(rng.randint(2, 3)):
        values = numbers(rng, -20, 99, rng.randint(3, 6))
        code.append(f"print({func}({values}))")
        run.say(max(values) if want_max else min(values))
    return code


def average_marks(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["average", "mean", "avg", "get_average"])
    param, acc = names(rng, ["numbers", "marks", "grades", "data"], ["total", "s", "summed"])
    code = [f"def {func}({param}):"]
    if rng.random() < 0.5:
        code += [f"    {acc} = 0", f"    for n in {param}:", f"        {acc} += n"]
        code += [f"    return {acc} / len({param})", ""]
    else:
        code += [f"    return sum({param}) / len({param})", ""]
    for _ in range(rng.randint(2, 3)):
        values = numbers(rng, 1, 100, rng.randint(2, 5))
        if rng.random() < 0.5:
            code.append(f"print({func}({values}))")
            run.say(sum(values) / len(values))
        else:
            code.append(f"print(round({func}({values}), 1))")
            run.say(round(sum(values) / len(values), 1))
    if rng.random() < 0.5:
        count = rng.randint(2, 4)
        entered = numbers(rng, 0, 20, count)
        code += ['how_many = int(input("How many numbers? "))', "mine = []"]
        code += ["for i in range(how_many):", '    mine.append(int(input("Number: ")))']
        code += [f'print("Your average is", {func}(mine))']
        run.ask("How many numbers? ", count)
        for value in entered:
            run.ask("Number: ", value)
        run.say("Your average is", sum(entered) / count)
    return code


def count_letters(rng: random.Random, run: Run) -> list[str]:
    kind = rng.choice(["vowels", "consonants", "uppercase", "spaces"])
    text = rng.choice(["Hello World", "Python Is Fun", "I Like Green Apples", "Open The Door"])
    func = rng.choice([f"count_{kind}", f"how_many_{kind}", f"{kind}_in"])
    word = rng.choice(["text", "sentence", "phrase", "s"])
    tests = {
        "vowels": ('    if ch.lower() in "aeiou":', lambda ch: ch.lower() in "aeiou"),
        "consonants": (
            '    if ch.isalpha() and ch.lower() not in "aeiou":',
            lambda ch: ch.isalpha() and ch.lower() not in "aeiou",
        ),
        "uppercase": ("    if ch.isupper():", lambda ch: ch.isupper()),
        "spaces": ('    if ch == " ":', lambda ch: ch == " "),
    }
    line, check = tests[kind]
    code = [f"def {func}({word}):", "    count = 0", f"    for ch in {word}:"]
    code += ["    " + line, "            count = count + 1", "    return count", ""]
    code += [f'print({func}("{text}"))']
    run.say(sum(check(ch) for ch in text))
    typed = rng.choice(["banana split", "Good Morning", "I am Here", "queue up"])
    code += [f'{word} = input("Type something: ")']
    code += [f'print("It has " + str({func}({word})) + " {kind}.")']
    run.ask("Type something: ", typed)
    run.say(f"It has {sum(check(ch) for ch in typed)} {kind}.")
    return code


def reverse_text(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["reverse", "backwards", "flip", "reverse_word"])
    word = rng.choice(["word", "text", "s"])
    out = rng.choice(["result", "backward", "reversed_text"])
    style = rng.randrange(3)
    code = [f"def {func}({word}):", f'    {out} = ""']
    if style == 0:
        code += [f"    for i in range(len({word}) - 1, -1, -1):", f"        {out} += {word}[i]"]
    elif style == 1:
        code += [f"    for ch in {word}:", f"        {out} = ch + {out}"]
    else:
        code += [f"    i = len({word}) - 1", "    while i >= 0:", f"        {out} += {word}[i]"]
        code += ["        i -= 1"]
    code += [f"    return {out}", ""]
    items = rng.sample(["python", "level", "stressed", "drawer", "hello", "racecar"], 2)
    for item in items:
        code.append(f'print({func}("{item}"))')
        run.say(item[::-1])
    typed = rng.choice(["noon", "banana", "robot", "kayak"])
    code += ['mine = input("Word: ")', f"if {func}(mine) == mine:"]
    code += [
        '    print(mine, "is a palindrome")',
        "else:",
        '    print(mine, "is not a palindrome")',
    ]
    run.ask("Word: ", typed)
    run.say(typed, "is a palindrome" if typed == typed[::-1] else "is not a palindrome")
    return code


def word_count(rng: random.Random, run: Run) -> list[str]:
    counts, word = names(rng, ["counts", "freq", "tally", "seen"], ["word", "w", "token"])
    sentence = " ".join(rng.choice(WORDS[:12]) for _ in range(rng.randint(6, 10)))
    style = rng.randrange(3)
    code = [f'sentence = "{sentence}"', f"{counts} = {{}}", f"for {word} in sentence.split():"]
    if style == 0:
        code += [f"    {counts}[{word}] = {counts}.get({word}, 0) + 1"]
    else:
        code += [f"    if {word} in {counts}:", f"        {counts}[{word}] += 1", "    else:"]
        code += [f"        {counts}[{word}] = 1"]
    tally: dict[str, int] = {}
    for w in sentence.split():
        tally[w] = tally.get(w, 0) + 1
    if style == 2:
        code += [f"for key in sorted({counts}.keys()):", f"    print(key, {counts}[key])"]
        for key in sorted(tally):
            run.say(key, tally[key])
    else:
        code += [f"for key, value in {counts}.items():", '    print(key + ": " + str(value))']
        for key, value in tally.items():
            run.say(f"{key}: {value}")
    probe = rng.choice(sentence.split())
    code.append(f'print("{probe} appears", {counts}["{probe}"], "times")')
    run.say(probe, "appears", tally[probe], "times")
    return code


def letter_grade(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["grade", "letter_grade", "get_grade", "to_letter"])
    cut = sorted(rng.sample(range(50, 95, 5), 3), reverse=True)
    letters = ["A", "B", "C"]
    code = [f"def {func}(score):", f"    if score >= {cut[0]}:", '        return "A"']
    code += [f"    elif score >= {cut[1]}:", '        return "B"', f"    elif score >= {cut[2]}:"]
    code += ['        return "C"', "    else:", '        return "F"', ""]

    def letter(score: int) -> str:
        return next((g for g, c in zip(letters, cut, strict=True) if score >= c), "F")

    scores = numbers(rng, 30, 100, rng.randint(3, 5))
    who = rng.sample(PEOPLE, len(scores))
    if rng.random() < 0.5:
        code += [f"scores = {scores}", "for s in scores:", f"    print(s, {func}(s))"]
        for s in scores:
            run.say(s, letter(s))
    else:
        code += [f"students = {who}", f"scores = {scores}", "for i in range(len(students)):"]
        code += [f'    print(students[i] + ": " + {func}(scores[i]))']
        for w, s in zip(who, scores, strict=True):
            run.say(f"{w}: {letter(s)}")
    mine = rng.randint(0, 100)
    code += ['mark = int(input("Your mark: "))', f'print("You got", {func}(mark))']
    run.ask("Your mark: ", mine)
    run.say("You got", letter(mine))
    return code


def times_table(rng: random.Random, run: Run) -> list[str]:
    n, top = rng.randint(2, 12), rng.randint(3, 10)
    var, counter = names(rng, ["n", "number", "base", "table"], ["i", "k", "step", "j"])
    code = [f'{var} = int(input("Which table? "))', 'limit = int(input("Up to? "))']
    run.ask("Which table? ", n)
    run.ask("Up to? ", top)
    if rng.random() < 0.5:
        code += [f"for {counter} in range(1, limit + 1):"]
        code += [f'    print({var}, "x", {counter}, "=", {var} * {counter})']
    else:
        code += [f"{counter} = 1", f"while {counter} <= limit:"]
        code += [f'    print({var}, "x", {counter}, "=", {var} * {counter})', f"    {counter} += 1"]
    for i in range(1, top + 1):
        run.say(n, "x", i, "=", n * i)
    if rng.random() < 0.5:
        code += ["total = 0", f"for {counter} in range(1, limit + 1):"]
        code += [f"    total += {var} * {counter}", 'print("Sum of the table:", total)']
        run.say("Sum of the table:", sum(n * i for i in range(1, top + 1)))
    return code


def countdown(rng: random.Random, run: Run) -> list[str]:
    var = rng.choice(["count", "n", "seconds", "left", "timer"])
    start, step = rng.randint(3, 9), rng.choice([1, 1, 2, 3])
    word = rng.choice(["Liftoff!", "Go!", "Happy New Year!", "Time is up!"])
    code = [f'{var} = int(input("Start from: "))', f"while {var} > 0:", f"    print({var})"]
    code += [f"    {var} -= {step}" if rng.random() < 0.5 else f"    {var} = {var} - {step}"]
    code += [f'print("{word}")']
    run.ask("Start from: ", start)
    for value in range(start, 0, -step):
        run.say(value)
    run.say(word)
    return code


def guess_number(rng: random.Random, run: Run) -> list[str]:
    secret = rng.randint(1, 50)
    guesses = [g for g in rng.sample(range(1, 51), 4) if g != secret][:3] + [secret]
    var, tries = names(rng, ["guess", "attempt", "number"], ["tries", "attempts", "count"])
    code = [f"secret = {secret}", f"{tries} = 0", f"{var} = 0", f"while {var} != secret:"]
    code += [f'    {var} = int(input("Guess: "))', f"    {tries} += 1"]
    code += [f"    if {var} < secret:", '        print("Too low")']
    code += [f"    elif {var} > secret:", '        print("Too high")']
    code += [f'print("Got it in", {tries}, "tries")']
    for g in guesses:
        run.ask("Guess: ", g)
        if g < secret:
            run.say("Too low")
        elif g > secret:
            run.say("Too high")
    run.say("Got it in", len(guesses), "tries")
    return code


def bank_menu(rng: random.Random, run: Run) -> list[str]:
    balance, choice = names(rng, ["balance", "money", "account", "savings"], ["choice", "option"])
    start = rng.randint(0, 100)
    code = [f"{balance} = {start}", "while True:"]
    code += [f'    {choice} = input("d)eposit, w)ithdraw, q)uit: ")']
    code += [f'    if {choice} == "d":', '        amount = int(input("Amount: "))']
    code += [f"        {balance} += amount", f'    elif {choice} == "w":']
    code += ['        amount = int(input("Amount: "))', f"        if amount > {balance}:"]
    code += ['            print("Not enough money")', "        else:"]
    code += [f"            {balance} -= amount", f'    elif {choice} == "q":', "        break"]
    code += ["    else:", '        print("Unknown choice")', f'    print("Balance:", {balance})']
    code += ['print("Bye")']
    money = start
    for _ in range(rng.randint(2, 5)):
        action = rng.choice("ddwwx")
        run.ask("d)eposit, w)ithdraw, q)uit: ", action)
        if action in "dw":
            amount = rng.randint(1, 80)
            run.ask("Amount: ", amount)
            if action == "d":
                money += amount
            elif amount > money:
                run.say("Not enough money")
            else:
                money -= amount
        else:
            run.say("Unknown choice")
        run.say("Balance:", money)
    run.ask("d)eposit, w)ithdraw, q)uit: ", "q")
    run.say("Bye")
    return code


def factorial(rng: random.Random, run: Run) -> list[str]:
    func, arg = names(rng, ["factorial", "fact", "product_down"], ["n", "num", "k"])
    code = [f"def {func}({arg}):", f"    if {arg} <= 1:", "        return 1"]
    code += [f"    return {arg} * {func}({arg} - 1)", ""]
    values = sorted(rng.sample(range(0, 12), rng.randint(2, 4)))
    code += [f"for value in {values}:", f'    print(value, "! =", {func}(value))']
    for v in values:
        prod = 1
        for k in range(2, v + 1):
            prod *= k
        run.say(v, "! =", prod)
    typed = rng.randint(1, 9)
    code += ['x = int(input("n = "))', f"print({func}(x))"]
    run.ask("n = ", typed)
    prod = 1
    for k in range(2, typed + 1):
        prod *= k
    run.say(prod)
    return code


def fibonacci(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["fib", "fibonacci", "fibo"])
    recursive = rng.random() < 0.5
    if recursive:
        code = [f"def {func}(n):", "    if n < 2:", "        return n"]
        code += [f"    return {func}(n - 1) + {func}(n - 2)", ""]
    else:
        code = [f"def {func}(n):", "    a = 0", "    b = 1", "    count = 0"]
        code += ["    while count < n:", "        a, b = b, a + b", "        count += 1"]
        code += ["    return a", ""]
    seq = [0, 1]
    while len(seq) < 20:
        seq.append(seq[-1] + seq[-2])
    top = rng.randint(5, 12)
    if rng.random() < 0.5:
        code += [f"for i in range({top}):", f"    print({func}(i))"]
        for i in range(top):
            run.say(seq[i])
    else:
        code += ["terms = []", f"for i in range({top}):", f"    terms.append({func}(i))"]
        code += ['print("First terms:", terms)']
        run.say("First terms:", seq[:top])
    typed = rng.randint(3, 15)
    code += ['k = int(input("Which term? "))', f'print("Term", k, "is", {func}(k))']
    run.ask("Which term? ", typed)
    run.say("Term", typed, "is", seq[typed])
    return code


def digit_sum(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["digit_sum", "sum_digits", "add_digits"])
    style = rng.randrange(3)
    if style == 0:
        code = [f"def {func}(n):", "    total = 0", "    while n > 0:", "        total += n % 10"]
        code += ["        n = n // 10", "    return total", ""]
    elif style == 1:
        code = [f"def {func}(n):", "    if n < 10:", "        return n"]
        code += [f"    return n % 10 + {func}(n // 10)", ""]
    else:
        code = [
            f"def {func}(n):",
            "    total = 0",
            "    for ch in str(n):",
            "        total += int(ch)",
        ]
        code += ["    return total", ""]
    for _ in range(rng.randint(2, 3)):
        value = rng.randint(10, 99999)
        code.append(f"print({value}, {func}({value}))")
        run.say(value, sum(int(c) for c in str(value)))
    typed = rng.randint(100, 9999)
    code += ['number = int(input("A number: "))', f'print("Digit sum:", {func}(number))']
    run.ask("A number: ", typed)
    run.say("Digit sum:", sum(int(c) for c in str(typed)))
    return code


def shopping_cart(rng: random.Random, run: Run) -> list[str]:
    prices = {f: rng.randint(1, 9) for f in rng.sample(FRUITS, 4)}
    table, cart = names(rng, ["prices", "menu", "price_list", "costs"], ["cart", "basket", "order"])
    chosen = [rng.choice(list(prices)) for _ in range(rng.randint(2, 4))]
    code = [f"{table} = {prices}", f"{cart} = {chosen}", "total = 0", f"for thing in {cart}:"]
    code += [f"    total += {table}[thing]"]
    code += [f'print("Items:", len({cart}))', 'print("Total: " + str(total))']
    run.say("Items:", len(chosen))
    run.say("Total: " + str(sum(prices[c] for c in chosen)))
    first = rng.choice(list(prices))
    code += [f'print("One {first} costs", {table}["{first}"])']
    run.say(f"One {first} costs", prices[first])
    if rng.random() < 0.5:
        wanted = rng.choice(list(prices))
        qty = rng.randint(1, 6)
        code += ['item = input("What do you want? ")', 'qty = int(input("How many? "))']
        code += [f"cost = {table}[item] * qty", 'print("That is " + str(cost) + " euros")']
        run.ask("What do you want? ", wanted)
        run.ask("How many? ", qty)
        run.say(f"That is {prices[wanted] * qty} euros")
    return code


def primes(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["is_prime", "prime", "check_prime"])
    code = [f"def {func}(n):", "    if n < 2:", "        return False"]
    if rng.random() < 0.5:
        code += ["    for d in range(2, n):", "        if n % d == 0:", "            return False"]
    else:
        code += ["    d = 2", "    while d * d <= n:", "        if n % d == 0:"]
        code += ["            return False", "        d += 1"]
    code += ["    return True", ""]
    top = rng.randint(10, 40)

    def prime(n: int) -> bool:
        return n >= 2 and all(n % d for d in range(2, n))

    code += [
        "found = []",
        f"for k in range(1, {top}):",
        f"    if {func}(k):",
        "        found.append(k)",
    ]
    code += ['print("Primes below", ' + str(top) + ', "are", found)']
    run.say("Primes below", top, "are", [k for k in range(1, top) if prime(k)])
    typed = rng.randint(2, 100)
    code += ['x = int(input("Check: "))', f"if {func}(x):", '    print(x, "is prime")']
    code += ["else:", '    print(x, "is not prime")']
    run.ask("Check: ", typed)
    run.say(typed, "is prime" if prime(typed) else "is not prime")
    return code


def gcd_lcm(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["gcd", "greatest_common", "hcf", "common_divisor"])
    a, b = names(rng, ["a", "x", "m", "first"], ["b", "y", "n", "second"])
    if rng.random() < 0.5:
        code = [
            f"def {func}({a}, {b}):",
            f"    while {b} != 0:",
            f"        {a}, {b} = {b}, {a} % {b}",
        ]
        code += [f"    return {a}", ""]
    else:
        code = [f"def {func}({a}, {b}):", f"    if {b} == 0:", f"        return {a}"]
        code += [f"    return {func}({b}, {a} % {b})", ""]

    def gcd(x: int, y: int) -> int:
        while y:
            x, y = y, x % y
        return x

    with_lcm = rng.random() < 0.6
    if with_lcm:
        code += [f"def lcm({a}, {b}):", f"    return {a} * {b} // {func}({a}, {b})", ""]
    if rng.random() < 0.5:
        x, y = rng.randint(2, 60), rng.randint(2, 60)
        p1, p2 = rng.choice(
            [("First: ", "Second: "), ("a = ", "b = "), ("Number 1: ", "Number 2: ")]
        )
        code += [
            f'p = int(input("{p1}"))',
            f'q = int(input("{p2}"))',
            f'print("gcd:", {func}(p, q))',
        ]
        run.ask(p1, x)
        run.ask(p2, y)
        run.say("gcd:", gcd(x, y))
        if with_lcm:
            code.append('print("lcm:", lcm(p, q))')
            run.say("lcm:", x * y // gcd(x, y))
    else:
        pairs = [(rng.randint(2, 90), rng.randint(2, 90)) for _ in range(rng.randint(2, 4))]
        code += [f"pairs = {pairs}", "for pair in pairs:", f"    g = {func}(pair[0], pair[1])"]
        code += ['    print(pair, "->", g)']
        for x, y in pairs:
            run.say((x, y), "->", gcd(x, y))
        if with_lcm:
            code += ['print("lcm of the first pair:", lcm(pairs[0][0], pairs[0][1]))']
            x, y = pairs[0]
            run.say("lcm of the first pair:", x * y // gcd(x, y))
    return code


def power_rec(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["power", "pow_rec", "raise_to"])
    base, exp = names(rng, ["base", "x", "b"], ["exp", "n", "times"])
    code = [f"def {func}({base}, {exp}):", f"    if {exp} == 0:", "        return 1"]
    code += [f"    return {base} * {func}({base}, {exp} - 1)", ""]
    for _ in range(rng.randint(2, 3)):
        b, e = rng.randint(2, 9), rng.randint(0, 6)
        code.append(f'print("{b} to the {e} is", {func}({b}, {e}))')
        run.say(f"{b} to the {e} is", b**e)
    return code


def list_ends(rng: random.Random, run: Run) -> list[str]:
    seq = rng.choice(["items", "queue", "line", "names"])
    people = rng.sample(PEOPLE, rng.randint(3, 6))
    code = [f"{seq} = {people}", f'print("First:", {seq}[0])', f'print("Last:", {seq}[-1])']
    run.say("First:", people[0])
    run.say("Last:", people[-1])
    style = rng.randrange(3)
    if style == 0:
        code += [f"{seq}[0], {seq}[-1] = {seq}[-1], {seq}[0]", f"print({seq})"]
        people[0], people[-1] = people[-1], people[0]
        run.say(people)
    elif style == 1:
        code += [f"middle = {seq}[len({seq}) // 2]", 'print("Middle:", middle)']
        run.say("Middle:", people[len(people) // 2])
    else:
        code += [f"for i in range(len({seq})):", f"    print(i + 1, {seq}[i])"]
        for i, p in enumerate(people):
            run.say(i + 1, p)
    position = rng.randint(1, len(people))
    code += ['pos = int(input("Position: "))', f'print("Person at", pos, "is", {seq}[pos - 1])']
    run.ask("Position: ", position)
    run.say("Person at", position, "is", people[position - 1])
    return code


def grid_sum(rng: random.Random, run: Run) -> list[str]:
    rows, cols = rng.randint(2, 4), rng.randint(2, 4)
    grid = [numbers(rng, 0, 9, cols) for _ in range(rows)]
    var = rng.choice(["grid", "matrix", "table", "board"])
    code = [f"{var} = {grid}"]
    if rng.random() < 0.5:
        code += [
            f"for row in {var}:",
            "    total = 0",
            "    for cell in row:",
            "        total += cell",
        ]
        code += ['    print("Row sum:", total)']
        for row in grid:
            run.say("Row sum:", sum(row))
    else:
        code += [f"for c in range(len({var}[0])):", "    total = 0"]
        code += [f"    for r in range(len({var})):", f"        total += {var}[r][c]"]
        code += ['    print("Column", c, "sum:", total)']
        for c in range(cols):
            run.say("Column", c, "sum:", sum(row[c] for row in grid))
    r, c = rng.randrange(rows), rng.randrange(cols)
    code += [f'print("Cell ({r}, {c}) holds", {var}[{r}][{c}])']
    run.say(f"Cell ({r}, {c}) holds", grid[r][c])
    return code


def phone_book(rng: random.Random, run: Run) -> list[str]:
    people = rng.sample(PEOPLE, rng.randint(3, 5))
    book = {p: f"555-{rng.randint(1000, 9999)}" for p in people}
    var = rng.choice(["phone_book", "contacts", "numbers", "directory"])
    code = [f"{var} = {book}"]
    asked = rng.choice(people)
    missing = rng.choice([p for p in PEOPLE if p not in book])
    if rng.random() < 0.5:
        code += ['who = input("Who? ")', f"if who in {var}:", f'    print(who, "->", {var}[who])']
        code += ["else:", '    print("No number for", who)']
        run.ask("Who? ", asked)
        run.say(asked, "->", book[asked])
        code += ['other = input("Who else? ")', f'print({var}.get(other, "unknown"))']
        run.ask("Who else? ", missing)
        run.say("unknown")
    else:
        code += [f'{var}["{missing}"] = "555-0000"', f"for name in sorted({var}):"]
        code += [f'    print(name + ": " + {var}[name])']
        book[missing] = "555-0000"
        for name in sorted(book):
            run.say(f"{name}: {book[name]}")
    code += [f'print(len({var}), "contacts")']
    run.say(len(book), "contacts")
    return code


def tip_calculator(rng: random.Random, run: Run) -> list[str]:
    bill = rng.randint(10, 200) + rng.choice([0.0, 0.5, 0.25])
    people = rng.randint(1, 6)
    total_var, share_var = names(
        rng, ["total", "grand_total", "to_pay"], ["share", "each", "per_person"]
    )
    currency = rng.choice(["euros", "dollars", "pounds", "francs"])
    code = ['bill = float(input("Bill: "))']
    run.ask("Bill: ", bill)
    if rng.random() < 0.5:
        percent = rng.choice([10, 12, 15, 18, 20])
        code += ['percent = int(input("Tip percent: "))']
        run.ask("Tip percent: ", percent)
    else:
        service = rng.choice(["good", "ok", "bad"])
        rates = {
            "good": rng.choice([18, 20, 25]),
            "ok": rng.choice([10, 12, 15]),
            "bad": rng.choice([0, 5]),
        }
        code += ['service = input("Service (good/ok/bad): ")', 'if service == "good":']
        code += [
            f"    percent = {rates['good']}",
            'elif service == "ok":',
            f"    percent = {rates['ok']}",
        ]
        code += ["else:", f"    percent = {rates['bad']}"]
        run.ask("Service (good/ok/bad): ", service)
        percent = rates[service]
    code += ['people = int(input("People: "))', "tip = bill * percent / 100"]
    code += [f"{total_var} = bill + tip", f"{share_var} = {total_var} / people"]
    code += [
        'print("Tip:", round(tip, 2))',
        f'print("Each pays:", round({share_var}, 2), "{currency}")',
    ]
    run.ask("People: ", people)
    tip = bill * percent / 100
    run.say("Tip:", round(tip, 2))
    run.say("Each pays:", round((bill + tip) / people, 2), currency)
    if rng.random() < 0.5:
        limit = rng.choice([30, 50, 80])
        code += [f"if {share_var} > {limit}:", '    print("That is an expensive dinner.")']
        if (bill + tip) / people > limit:
            run.say("That is an expensive dinner.")
    return code


def read_n_numbers(rng: random.Random, run: Run) -> list[str]:
    count = rng.randint(2, 6)
    values = numbers(rng, -10, 50, count)
    var, n = names(
        rng, ["nums", "readings", "data", "entries", "marks"], ["n", "count", "how_many"]
    )
    ask = rng.choice(["> ", "Number: ", "Next: ", "Value: "])
    code = [f'{n} = int(input("How many? "))', f"{var} = []"]
    run.ask("How many? ", count)
    if rng.random() < 0.5:
        code += [
            f"for i in range({n}):",
            f'    value = int(input("{ask}"))',
            f"    {var}.append(value)",
        ]
    else:
        code += [f"while len({var}) < {n}:", f'    {var}.append(int(input("{ask}")))']
    for v in values:
        run.ask(ask, v)
    report = rng.sample(["min", "max", "positive", "mean", "range", "sorted"], rng.randint(2, 3))
    for what in report:
        if what == "min":
            code.append(f'print("Smallest:", min({var}))')
            run.say("Smallest:", min(values))
        elif what == "max":
            code.append(f'print("Largest:", max({var}))')
            run.say("Largest:", max(values))
        elif what == "positive":
            code += ["positive = 0", f"for v in {var}:", "    if v > 0:", "        positive += 1"]
            code += ['print("Positive:", positive)']
            run.say("Positive:", sum(v > 0 for v in values))
        elif what == "mean":
            code.append(f'print("Mean:", sum({var}) / len({var}))')
            run.say("Mean:", sum(values) / count)
        elif what == "range":
            code.append(f'print("Range:", max({var}) - min({var}))')
            run.say("Range:", max(values) - min(values))
        else:
            code.append(f'print("Sorted:", sorted({var}))')
            run.say("Sorted:", sorted(values))
    return code


def fizzbuzz(rng: random.Random, run: Run) -> list[str]:
    a, b = rng.sample([2, 3, 4, 5, 7], 2)
    wa, wb = rng.sample(["Fizz", "Buzz", "Bing", "Bong", "Zap"], 2)
    top = rng.randint(10, 20)
    code = [f"for i in range(1, {top} + 1):", f"    if i % {a * b} == 0:"]
    code += [f'        print("{wa}{wb}")', f"    elif i % {a} == 0:", f'        print("{wa}")']
    code += [f"    elif i % {b} == 0:", f'        print("{wb}")', "    else:", "        print(i)"]
    for i in range(1, top + 1):
        if i % (a * b) == 0:
            run.say(wa + wb)
        elif i % a == 0:
            run.say(wa)
        elif i % b == 0:
            run.say(wb)
        else:
            run.say(i)
    return code


def favourite_subjects(rng: random.Random, run: Run) -> list[str]:
    subjects = rng.sample(SUBJECTS, 4)
    hours = {s: rng.randint(1, 6) for s in subjects}
    var = rng.choice(["hours", "study", "timetable"])
    code = [f"{var} = {hours}", "most = None", "best = 0", f"for subject in {var}:"]
    code += [
        f"    if {var}[subject] > best:",
        f"        best = {var}[subject]",
        "        most = subject",
    ]
    code += ['print("Most hours:", most, best)', f'print("Total hours:", sum({var}.values()))']
    top = max(hours, key=lambda s: (hours[s], -subjects.index(s)))
    run.say("Most hours:", top, hours[top])
    run.say("Total hours:", sum(hours.values()))
    pick = rng.choice(subjects)
    extra = rng.randint(1, 3)
    code += ['name = input("Subject: ")', 'more = int(input("Extra hours: "))']
    code += [f"{var}[name] = {var}[name] + more", f'print(name, "now has", {var}[name], "hours")']
    run.ask("Subject: ", pick)
    run.ask("Extra hours: ", extra)
    run.say(pick, "now has", hours[pick] + extra, "hours")
    return code


def animal_sounds(rng: random.Random, run: Run) -> list[str]:
    pets = rng.sample(ANIMALS, 3)
    sounds = dict(
        zip(pets, rng.sample(["meow", "woof", "neigh", "squeak", "tweet"], 3), strict=True)
    )
    func = rng.choice(["speak", "make_sound", "sound_of"])
    code = [f"sounds = {sounds}", "", f"def {func}(animal, times):"]
    code += ["    noise = sounds[animal]", '    return (noise + " ") * times', ""]
    for pet in pets:
        n = rng.randint(1, 3)
        code.append(f'print("The {pet} says", {func}("{pet}", {n}).strip())')
        run.say(f"The {pet} says", ((sounds[pet] + " ") * n).strip())
    city = rng.choice(CITIES)
    code += [f'print("Animals in {city}:", len(sounds))']
    run.say(f"Animals in {city}:", len(sounds))
    return code


FAMILIES = {
    "greet_age": greet_age,
    "shape_area": shape_area,
    "temperature": temperature,
    "accumulate": accumulate,
    "find_extreme": find_extreme,
    "average_marks": average_marks,
    "count_letters": count_letters,
    "reverse_text": reverse_text,
    "word_count": word_count,
    "letter_grade": letter_grade,
    "times_table": times_table,
    "countdown": countdown,
    "guess_number": guess_number,
    "bank_menu": bank_menu,
    "factorial": factorial,
    "fibonacci": fibonacci,
    "digit_sum": digit_sum,
    "shopping_cart": shopping_cart,
    "primes": primes,
    "gcd_lcm": gcd_lcm,
    "power_rec": power_rec,
    "list_ends": list_ends,
    "grid_sum": grid_sum,
    "phone_book": phone_book,
    "tip_calculator": tip_calculator,
    "read_n_numbers": read_n_numbers,
    "fizzbuzz": fizzbuzz,
    "favourite_subjects": favourite_subjects,
    "animal_sounds": animal_sounds,
}
