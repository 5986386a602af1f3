"""Program generator families, part 2: classes, string tasks, list algorithms, records."""

from __future__ import annotations

import random

from finetune.generator_kit import (
    ANIMALS,
    CITIES,
    COLOURS,
    FRUITS,
    PEOPLE,
    WORDS,
    Run,
    names,
    numbers,
)


def bank_account(rng: random.Random, run: Run) -> list[str]:
    cls = rng.choice(["BankAccount", "Account", "Wallet", "PiggyBank"])
    attr = rng.choice(["balance", "money", "amount"])
    owner = rng.choice(PEOPLE)
    start = rng.randint(0, 100)
    code = [f"class {cls}:", "    def __init__(self, owner, start):", "        self.owner = owner"]
    code += [f"        self.{attr} = start", "", "    def deposit(self, value):"]
    code += [f"        self.{attr} = self.{attr} + value", "", "    def withdraw(self, value):"]
    code += [
        f"        if value > self.{attr}:",
        '            print(self.owner, "cannot take", value)',
    ]
    code += ["            return False", f"        self.{attr} -= value", "        return True", ""]
    var = rng.choice(["acct", "account", "mine", "wallet"])
    code += [f'{var} = {cls}("{owner}", {start})']
    money = start
    for _ in range(rng.randint(2, 5)):
        value = rng.randint(5, 90)
        if rng.random() < 0.5:
            code.append(f"{var}.deposit({value})")
            money += value
        else:
            code.append(f"{var}.withdraw({value})")
            if value > money:
                run.say(owner, "cannot take", value)
            else:
                money -= value
    code.append(f'print({var}.owner, "has", {var}.{attr})')
    run.say(owner, "has", money)
    return code


def student_record(rng: random.Random, run: Run) -> list[str]:
    cls = rng.choice(["Student", "Pupil", "Learner"])
    who = rng.sample(PEOPLE, rng.randint(2, 3))
    code = [f"class {cls}:", "    def __init__(self, name):", "        self.name = name"]
    code += ["        self.marks = []", "", "    def add_mark(self, mark):"]
    code += ["        self.marks.append(mark)", "", "    def average(self):"]
    code += ["        return sum(self.marks) / len(self.marks)", ""]
    code += ["    def best(self):", "        return max(self.marks)", ""]
    code += ["group = []"]
    for person in who:
        marks = numbers(rng, 40, 100, rng.randint(2, 4))
        var = person.lower()
        code.append(f'{var} = {cls}("{person}")')
        for m in marks:
            code.append(f"{var}.add_mark({m})")
        code.append(f"group.append({var})")
        run_marks = marks
        if rng.random() < 0.5:
            code.append(f'print({var}.name, "best", {var}.best())')
            run.say(person, "best", max(run_marks))
        who_marks = sum(marks) / len(marks)
        run_marks = who_marks
        code.append(f'print({var}.name, "average", {var}.average())')
        run.say(person, "average", run_marks)
    code += ['print("Students:", len(group))']
    run.say("Students:", len(who))
    return code


def rectangle_class(rng: random.Random, run: Run) -> list[str]:
    cls = rng.choice(["Rectangle", "Box", "Plot", "Room"])
    w_attr, h_attr = rng.choice([("width", "height"), ("w", "h"), ("length", "breadth")])
    code = [f"class {cls}:", f"    def __init__(self, {w_attr}, {h_attr}):"]
    code += [f"        self.{w_attr} = {w_attr}", f"        self.{h_attr} = {h_attr}", ""]
    code += ["    def area(self):", f"        return self.{w_attr} * self.{h_attr}", ""]
    code += ["    def is_square(self):", f"        return self.{w_attr} == self.{h_attr}", ""]
    shapes = [(rng.randint(1, 9), rng.randint(1, 9)) for _ in range(rng.randint(2, 3))]
    code.append(f"shapes = [{', '.join(f'{cls}({w}, {h})' for w, h in shapes)}]")
    code += ["for shape in shapes:", '    print("Area", shape.area(), "square", shape.is_square())']
    for w, h in shapes:
        run.say("Area", w * h, "square", w == h)
    code += ['print("Total area:", sum(s.area() for s in shapes))']
    run.say("Total area:", sum(w * h for w, h in shapes))
    return code


def pet_class(rng: random.Random, run: Run) -> list[str]:
    cls = rng.choice(["Pet", "Animal", "Creature"])
    kind, name = rng.choice(ANIMALS), rng.choice(["Rex", "Tom", "Luna", "Bella", "Max", "Coco"])
    hunger = rng.randint(3, 8)
    code = [f"class {cls}:", "    def __init__(self, name, kind):", "        self.name = name"]
    code += [
        "        self.kind = kind",
        f"        self.hunger = {hunger}",
        "",
        "    def feed(self, food):",
    ]
    code += ["        self.hunger = self.hunger - food", "        if self.hunger < 0:"]
    code += ["            self.hunger = 0", "", "    def describe(self):"]
    code += [
        '        return self.name + " the " + self.kind + " (hunger " + str(self.hunger) + ")"',
        "",
    ]
    code += [f'pet = {cls}("{name}", "{kind}")', "print(pet.describe())"]
    run.say(f"{name} the {kind} (hunger {hunger})")
    meals = numbers(rng, 1, 4, rng.randint(1, 3))
    code += [f"for food in {meals}:", "    pet.feed(food)", "    print(pet.describe())"]
    for food in meals:
        hunger = max(0, hunger - food)
        run.say(f"{name} the {kind} (hunger {hunger})")
    return code


def counter_class(rng: random.Random, run: Run) -> list[str]:
    cls = rng.choice(["Counter", "Clicker", "Tally", "StepCounter", "Turnstile"])
    attr = rng.choice(["count", "clicks", "total", "value"])
    up, reset = rng.choice(
        [("click", "reset"), ("press", "clear"), ("add_one", "zero"), ("tick", "restart")]
    )
    step, cap = rng.randint(1, 3), rng.choice([None, 5, 10, 20])
    code = [f"class {cls}:", "    def __init__(self):", f"        self.{attr} = 0", ""]
    code += [f"    def {up}(self):"]
    if cap is None:
        code += [f"        self.{attr} += {step}"]
    else:
        code += [f"        if self.{attr} + {step} <= {cap}:", f"            self.{attr} += {step}"]
    code += ["", f"    def {reset}(self):", f"        self.{attr} = 0", ""]
    var = rng.choice(["c", "counter", "clicker", "door"])
    code += [f"{var} = {cls}()", 'presses = int(input("Presses: "))']
    if rng.random() < 0.5:
        code += ["for i in range(presses):", f"    {var}.{up}()"]
    else:
        code += ["done = 0", "while done < presses:", f"    {var}.{up}()", "    done += 1"]
    code += [
        f'print("Count:", {var}.{attr})',
        f"{var}.{reset}()",
        f'print("After {reset}:", {var}.{attr})',
    ]
    presses = rng.randint(1, 12)
    run.ask("Presses: ", presses)
    value = 0
    for _ in range(presses):
        if cap is None or value + step <= cap:
            value += step
    run.say("Count:", value)
    run.say(f"After {reset}:", 0)
    return code


def acronym(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["acronym", "initials", "short_form"])
    phrase = " ".join(
        rng.sample(
            [
                "portable",
                "network",
                "graphics",
                "north",
                "atlantic",
                "treaty",
                "as",
                "soon",
                "possible",
                "central",
                "unit",
            ],
            3,
        )
    )
    code = [f"def {func}(phrase):", '    letters = ""', "    for word in phrase.split():"]
    code += ["        letters += word[0].upper()", "    return letters", ""]
    code += [f'print({func}("{phrase}"))']
    run.say("".join(w[0].upper() for w in phrase.split()))
    typed = rng.choice(["ada lovelace", "grace brewster hopper", "alan turing", "guido van rossum"])
    code += ['name = input("Full name: ")', f'print("Initials:", {func}(name))']
    run.ask("Full name: ", typed)
    run.say("Initials:", "".join(w[0].upper() for w in typed.split()))
    return code


def caesar(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["encode", "shift_text", "caesar"])
    shift = rng.randint(1, 25)
    code = [f"def {func}(text, shift):", '    result = ""', "    for ch in text:"]
    code += ["        if ch.isalpha():", '            code = ord(ch) - ord("a")']
    code += ['            result += chr((code + shift) % 26 + ord("a"))', "        else:"]
    code += ["            result += ch", "    return result", ""]
    message = " ".join(rng.sample(WORDS, 3))
    code += [f'secret = {func}("{message}", {shift})', "print(secret)"]

    def enc(text: str, k: int) -> str:
        return "".join(chr((ord(c) - 97 + k) % 26 + 97) if c.isalpha() else c for c in text)

    run.say(enc(message, shift))
    code += [f"print({func}(secret, 26 - {shift}))"]
    run.say(enc(enc(message, shift), 26 - shift))
    return code


def password_check(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["is_strong", "check_password", "good_password", "valid"])
    need = rng.randint(6, 10)
    rules = rng.sample(["digit", "upper", "lower"], rng.randint(1, 3))
    method = {"digit": "isdigit", "upper": "isupper", "lower": "islower"}
    code = [f"def {func}(password):", f"    if len(password) < {need}:", "        return False"]
    code += [f"    has_{r} = False" for r in rules]
    code += ["    for ch in password:"]
    for r in rules:
        code += [f"        if ch.{method[r]}():", f"            has_{r} = True"]
    code += ["    return " + " and ".join(f"has_{r}" for r in rules), ""]
    tries = rng.sample(
        [
            "abc",
            "Secret99",
            "password",
            "Hello2024",
            "qwerty7",
            "PyThon3xyz",
            "12345678",
            "LOUDWORDS1",
        ],
        3,
    )
    limit = rng.randint(2, 3)

    def strong(p: str) -> bool:
        checks = {"digit": str.isdigit, "upper": str.isupper, "lower": str.islower}
        return len(p) >= need and all(any(checks[r](c) for c in p) for r in rules)

    code += ["attempt = 0", f"while attempt < {limit}:", '    word = input("Password: ")']
    code += [f"    if {func}(word):", '        print("Accepted")', "        break"]
    code += ['    print("Too weak")', "    attempt += 1"]
    for t in tries[:limit]:
        run.ask("Password: ", t)
        if strong(t):
            run.say("Accepted")
            break
        run.say("Too weak")
    return code


def bubble_sort(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["bubble_sort", "sort_list", "my_sort"])
    seq = rng.choice(["items", "values", "arr"])
    code = [f"def {func}({seq}):", f"    n = len({seq})", "    for i in range(n):"]
    code += ["        for j in range(n - 1 - i):", f"            if {seq}[j] > {seq}[j + 1]:"]
    code += [
        f"                {seq}[j], {seq}[j + 1] = {seq}[j + 1], {seq}[j]",
        f"    return {seq}",
        "",
    ]
    for _ in range(rng.randint(1, 3)):
        values = numbers(rng, 0, 99, rng.randint(3, 7))
        code.append(f"print({func}({values}))")
        run.say(sorted(values))
    return code


def stack_ops(rng: random.Random, run: Run) -> list[str]:
    var = rng.choice(["stack", "pile", "plates", "queue", "line", "jobs"])
    queue = rng.random() < 0.5
    add, take, stop = rng.choice(
        [("push", "pop", "stop"), ("add", "take", "quit"), ("in", "out", "end")]
    )
    ask = f"{add}/{take}/{stop}: "
    code = [f"{var} = []", "while True:", f'    command = input("{ask}")']
    code += [
        f'    if command == "{add}":',
        '        item = input("Item: ")',
        f"        {var}.append(item)",
    ]
    code += [
        f'    elif command == "{take}":',
        f"        if len({var}) == 0:",
        '            print("Empty")',
    ]
    code += ["        else:", f'            print("Took", {var}.pop({0 if queue else ""}))']
    code += [
        f'    elif command == "{stop}":',
        "        break",
        "    else:",
        '        print("What?")',
    ]
    code += [f'print("Left:", {var})']
    items: list[str] = []
    for _ in range(rng.randint(3, 7)):
        roll = rng.random()
        if roll < 0.55:
            item = rng.choice(FRUITS + COLOURS)
            run.ask(ask, add)
            run.ask("Item: ", item)
            items.append(item)
        elif roll < 0.9:
            run.ask(ask, take)
            run.say("Took", items.pop(0 if queue else -1)) if items else run.say("Empty")
        else:
            run.ask(ask, "help")
            run.say("What?")
    run.ask(ask, stop)
    run.say("Left:", items)
    return code


def group_by_letter(rng: random.Random, run: Run) -> list[str]:
    words = rng.sample(FRUITS + ANIMALS + COLOURS, rng.randint(5, 8))
    var = rng.choice(["groups", "by_letter", "index"])
    code = [f"words = {words}", f"{var} = {{}}", "for word in words:", "    first = word[0]"]
    code += [
        f"    if first not in {var}:",
        f"        {var}[first] = []",
        f"    {var}[first].append(word)",
    ]
    code += [f"for letter in sorted({var}):", f"    print(letter, {var}[letter])"]
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[0], []).append(w)
    for letter in sorted(groups):
        run.say(letter, groups[letter])
    probe = words[0][0]
    code += [f'print("Words with {probe}:", len({var}["{probe}"]))']
    run.say(f"Words with {probe}:", len(groups[probe]))
    return code


def seconds_clock(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["split_time", "to_clock", "hms", "convert_seconds"])
    secs = rng.choice(["seconds", "total", "t", "duration"])
    with_days = rng.random() < 0.4
    code = [f"def {func}({secs}):"]
    if with_days:
        code += [f"    days = {secs} // 86400", f"    hours = {secs} % 86400 // 3600"]
    else:
        code += [f"    hours = {secs} // 3600"]
    code += [f"    minutes = {secs} % 3600 // 60", f"    rest = {secs} % 60"]
    code += ["    return " + ("days, " if with_days else "") + "hours, minutes, rest", ""]

    def parts(t: int) -> list[int]:
        head = [t // 86400, t % 86400 // 3600] if with_days else [t // 3600]
        return head + [t % 3600 // 60, t % 60]

    labels = ["d", "h", "m", "s"] if with_days else ["h", "m", "s"]
    if rng.random() < 0.5:
        total = rng.randint(60, 299999)
        code += [
            f'{secs} = int(input("Seconds: "))',
            f"parts = {func}({secs})",
            f"print({secs}, parts)",
        ]
        run.ask("Seconds: ", total)
        samples = [total]
    else:
        samples = [rng.randint(60, 299999) for _ in range(rng.randint(2, 3))]
        code += [
            f"for {secs} in {samples}:",
            f"    parts = {func}({secs})",
            f"    print({secs}, parts)",
        ]
    for t in samples:
        run.say(t, tuple(parts(t)))
    code.append(f'print("Units:", "{"".join(labels)}")')
    run.say("Units:", "".join(labels))
    return code


def leap_years(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["is_leap", "leap", "leap_year"])
    code = [f"def {func}(year):", "    if year % 400 == 0:", "        return True"]
    code += ["    if year % 100 == 0:", "        return False", "    return year % 4 == 0", ""]
    years = rng.sample([1900, 1996, 2000, 2023, 2024, 2100, 1984, 2019], rng.randint(3, 5))
    code += [f"years = {years}", "count = 0", "for y in years:", f"    if {func}(y):"]
    code += ['        print(y, "is a leap year")', "        count += 1"]
    code += ['print(count, "leap years out of", len(years))']

    def leap(y: int) -> bool:
        return y % 400 == 0 or (y % 100 != 0 and y % 4 == 0)

    for y in years:
        if leap(y):
            run.say(y, "is a leap year")
    run.say(sum(map(leap, years)), "leap years out of", len(years))
    return code


def binary_search(rng: random.Random, run: Run) -> list[str]:
    values = sorted(rng.sample(range(1, 100), rng.randint(5, 9)))
    func = rng.choice(["binary_search", "find_index", "search"])
    code = [f"def {func}(items, target):", "    low = 0", "    high = len(items) - 1"]
    code += [
        "    while low <= high:",
        "        mid = (low + high) // 2",
        "        if items[mid] == target:",
    ]
    code += [
        "            return mid",
        "        if items[mid] < target:",
        "            low = mid + 1",
    ]
    code += ["        else:", "            high = mid - 1", "    return -1", ""]
    code += [f"data = {values}"]
    for target in (rng.choice(values), rng.randint(1, 99)):
        code.append(f'print("{target} at", {func}(data, {target}))')
        run.say(f"{target} at", values.index(target) if target in values else -1)
    return code


def letter_frequency(rng: random.Random, run: Run) -> list[str]:
    text = rng.choice(
        ["mississippi", "banana bread", "hello there", "abracadabra", "success", "Good Food"]
        + ["Letter Press"]
    )
    counts_var, ch = names(rng, ["counts", "freq", "table", "seen"], ["ch", "letter", "c"])
    lower = rng.random() < 0.5
    skip = rng.choice([" ", "e", "a"])
    code = ['text = input("Text: ")']
    if lower:
        code.append("text = text.lower()")
    code += [f"{counts_var} = {{}}", f"for {ch} in text:", f'    if {ch} != "{skip}":']
    code += [f"        {counts_var}[{ch}] = {counts_var}.get({ch}, 0) + 1"]
    run.ask("Text: ", text)
    source = text.lower() if lower else text
    counts: dict[str, int] = {}
    for c in source:
        if c != skip:
            counts[c] = counts.get(c, 0) + 1
    if rng.random() < 0.5:
        code += ['best = ""', f"for {ch} in {counts_var}:"]
        code += [
            f'    if best == "" or {counts_var}[{ch}] > {counts_var}[best]:',
            f"        best = {ch}",
        ]
        code += [f'print("Most common:", best, {counts_var}[best])']
        best = ""
        for c in counts:
            if best == "" or counts[c] > counts[best]:
                best = c
        run.say("Most common:", best, counts[best])
    else:
        at_least = rng.randint(1, 3)
        code += [f"for {ch} in sorted({counts_var}):", f"    if {counts_var}[{ch}] >= {at_least}:"]
        code += [f'        print({ch}, "*" * {counts_var}[{ch}])']
        for c in sorted(counts):
            if counts[c] >= at_least:
                run.say(c, "*" * counts[c])
    return code


def squares_list(rng: random.Random, run: Run) -> list[str]:
    top = rng.randint(4, 10)
    power = rng.choice([2, 3])
    var = rng.choice(["squares", "results", "powers"])
    if rng.random() < 0.5:
        code = [f"{var} = []", f"for i in range(1, {top}):", f"    {var}.append(i ** {power})"]
    else:
        code = [f"{var} = [i ** {power} for i in range(1, {top})]"]
    code += [f"print({var})", f'print("Sum:", sum({var}))', f'print("Last:", {var}[-1])']
    values = [i**power for i in range(1, top)]
    run.say(values)
    run.say("Sum:", sum(values))
    run.say("Last:", values[-1])
    return code


def filter_list(rng: random.Random, run: Run) -> list[str]:
    values = numbers(rng, -30, 30, rng.randint(5, 9))
    rules = [
        ("n % 2 == 0", "even", lambda n: n % 2 == 0),
        ("n > 0", "positive", lambda n: n > 0),
        ("n < 0", "negative", lambda n: n < 0),
        ("n % 3 == 0", "multiple of 3", lambda n: n % 3 == 0),
    ]
    rule, text, check = rng.choice(rules)
    func = rng.choice(["keep", "select", "only_matching"])
    code = [
        f"def {func}(numbers):",
        "    kept = []",
        "    for n in numbers:",
        f"        if {rule}:",
    ]
    code += ["            kept.append(n)", "    return kept", ""]
    code += [f"data = {values}", f"chosen = {func}(data)", f'print("{text}:", chosen)']
    code += ['print("Count:", len(chosen))']
    kept = [n for n in values if check(n)]
    run.say(f"{text}:", kept)
    run.say("Count:", len(kept))
    return code


def unit_convert(rng: random.Random, run: Run) -> list[str]:
    kind = rng.choice(["length", "weight", "time"])
    table = {
        "length": ({"km": 1000, "m": 1, "cm": 0.01, "mile": 1609}, "m"),
        "weight": ({"kg": 1000, "g": 1, "pound": 454, "ounce": 28}, "g"),
        "time": ({"hour": 3600, "minute": 60, "second": 1, "day": 86400}, "s"),
    }[kind]
    units = rng.sample(list(table[0]), 3)
    factors = {u: table[0][u] for u in units}
    var, amount_var = names(
        rng, ["factors", "scale", "to_base", "rates"], ["amount", "qty", "value"]
    )
    code = [f"{var} = {factors}"]
    if rng.random() < 0.5:
        code += [f'{amount_var} = float(input("Amount: "))', 'unit = input("Unit: ")']
        code += [
            f"base = {amount_var} * {var}[unit]",
            f'print({amount_var}, unit, "is", base, "{table[1]}")',
        ]
        amount, unit = float(rng.randint(1, 50)), rng.choice(units)
        run.ask("Amount: ", amount)
        run.ask("Unit: ", unit)
        run.say(amount, unit, "is", amount * factors[unit], table[1])
    else:
        amount = rng.randint(1, 20)
        code += [f"{amount_var} = {amount}", f"for unit in {var}:"]
        code += [f'    print({amount_var}, unit, "=", {amount_var} * {var}[unit], "{table[1]}")']
        for unit in factors:
            run.say(amount, unit, "=", amount * factors[unit], table[1])
    return code


def inventory(rng: random.Random, run: Run) -> list[str]:
    stock = {f: rng.randint(0, 12) for f in rng.sample(FRUITS, 4)}
    var = rng.choice(["stock", "inventory", "shelf"])
    func = rng.choice(["sell", "take", "remove_items"])
    code = [f"{var} = {stock}", "", f"def {func}(item, amount):", f"    if {var}[item] >= amount:"]
    code += [f"        {var}[item] -= amount", '        print("Sold", amount, item)', "    else:"]
    code += ['        print("Only", ' + f"{var}[item]" + ', item, "left")', ""]
    for _ in range(rng.randint(2, 4)):
        item, amount = rng.choice(list(stock)), rng.randint(1, 8)
        code.append(f'{func}("{item}", {amount})')
        if stock[item] >= amount:
            stock[item] -= amount
            run.say("Sold", amount, item)
        else:
            run.say("Only", stock[item], item, "left")
    code += [
        f"for item, count in {var}.items():",
        "    if count == 0:",
        '        print(item, "sold out")',
    ]
    for item, count in stock.items():
        if count == 0:
            run.say(item, "sold out")
    return code


def travel_log(rng: random.Random, run: Run) -> list[str]:
    trips = [(rng.choice(CITIES), rng.randint(50, 900)) for _ in range(rng.randint(3, 5))]
    code = [f"trips = {trips}", "longest = trips[0]", "total = 0", "for trip in trips:"]
    code += ["    total += trip[1]", "    if trip[1] > longest[1]:", "        longest = trip"]
    code += ['print("Distance:", total, "km")', 'print("Longest:", longest[0])']
    longest = trips[0]
    for t in trips:
        if t[1] > longest[1]:
            longest = t
    run.say("Distance:", sum(t[1] for t in trips), "km")
    run.say("Longest:", longest[0])
    speed = rng.randint(40, 120)
    code += ['speed = int(input("Speed: "))', 'print("Hours:", round(total / speed, 1))']
    run.ask("Speed: ", speed)
    run.say("Hours:", round(sum(t[1] for t in trips) / speed, 1))
    return code


def sum_recursive(rng: random.Random, run: Run) -> list[str]:
    func = rng.choice(["total", "add_all", "sum_list"])
    if rng.random() < 0.5:
        code = [f"def {func}(items):", "    if len(items) == 0:", "        return 0"]
        code += [f"    return items[0] + {func}(items[1:])", ""]
    else:
        code = [
            f"def {func}(n):",
            "    if n == 0:",
            "        return 0",
            f"    return n + {func}(n - 1)",
            "",
        ]
        top = rng.randint(3, 30)
        code += [f"print({func}({top}))"]
        run.say(top * (top + 1) // 2)
        return code
    for _ in range(rng.randint(2, 3)):
        values = numbers(rng, 0, 20, rng.randint(1, 5))
        code.append(f"print({func}({values}))")
        run.say(sum(values))
    return code


def colour_mixer(rng: random.Random, run: Run) -> list[str]:
    topic = rng.choice(["mix", "capital", "translate", "opposite"])
    table = {
        "mix": {"red+blue": "purple", "red+yellow": "orange", "blue+yellow": "green"},
        "capital": {"france": "Paris", "peru": "Lima", "norway": "Oslo", "egypt": "Cairo"},
        "translate": {"cat": "gato", "dog": "perro", "house": "casa", "water": "agua"},
        "opposite": {"hot": "cold", "up": "down", "big": "small", "fast": "slow"},
    }[topic]
    entries = dict(rng.sample(sorted(table.items()), rng.randint(2, len(table))))
    var = rng.choice(["lookup", "table", "answers", topic + "s"])
    code = [f"{var} = {{"] + [f'    "{k}": "{v}",' for k, v in entries.items()] + ["}"]
    if topic == "mix":
        code += ['first = input("First colour: ")', 'second = input("Second colour: ")']
        code += ['key = first + "+" + second']
        key = rng.choice(list(entries) + ["blue+red"])
        run.ask("First colour: ", key.split("+")[0])
        run.ask("Second colour: ", key.split("+")[1])
    else:
        code += [f'key = input("Which {topic}? ").lower()']
        key = rng.choice(list(entries) + ["moon"])
        run.ask(f"Which {topic}? ", key.upper() if rng.random() < 0.5 else key)
    if rng.random() < 0.5:
        code += [
            f"if key in {var}:",
            f'    print("Answer:", {var}[key])',
            "else:",
            '    print("I do not know")',
        ]
        run.say("Answer:", entries[key]) if key in entries else run.say("I do not know")
    else:
        code += [f'print("Answer:", {var}.get(key, "unknown"))']
        run.say("Answer:", entries.get(key, "unknown"))
    code += [f'print("I know", len({var}), "answers")']
    run.say("I know", len(entries), "answers")
    return code


FAMILIES = {
    "bank_account": bank_account,
    "student_record": student_record,
    "rectangle_class": rectangle_class,
    "pet_class": pet_class,
    "counter_class": counter_class,
    "acronym": acronym,
    "caesar": caesar,
    "password_check": password_check,
    "bubble_sort": bubble_sort,
    "stack_ops": stack_ops,
    "group_by_letter": group_by_letter,
    "seconds_clock": seconds_clock,
    "leap_years": leap_years,
    "binary_search": binary_search,
    "letter_frequency": letter_frequency,
    "squares_list": squares_list,
    "filter_list": filter_list,
    "unit_convert": unit_convert,
    "inventory": inventory,
    "travel_log": travel_log,
    "sum_recursive": sum_recursive,
    "colour_mixer": colour_mixer,
}
