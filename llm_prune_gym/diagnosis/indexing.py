"""IndexError and KeyError: an index that reaches the length (a loop's end, `randint`'s
upper end, a list shorter than the one the loop counts), more `{}` than `.format()` values,
the first letter of an empty piece of `split(" ")`, and a key misspelt, never stored, of
the wrong type or in other capitals."""

from __future__ import annotations

import ast
import difflib
import re
import string

from ..hintfacts import (
    _LOOKUP_CALLS,
    HintFacts,
    Program,
    _code,
    _contains,
    _failing_node,
    _fixed_dict_keys,
    _fixed_sequence,
    _names,
    _only_read,
    _quoted,
    _source,
    _static_int,
    _uses,
)
from ._common import (
    Diagnosis,
    _Case,
    _is_input,
    _is_input_call,
    _loop_over,
    _typed_as_is,
    _value_origin,
)


def _index_past_end(case: _Case) -> Diagnosis | None:
    facts, program, line = case.facts, case.program, case.frame.line
    sequence, index = facts.sequence, facts.index
    if facts.exception == "IndexError" and not sequence:
        sequence, index = _length_subscript(case)
    if facts.exception != "IndexError" or not sequence or not index:
        return None
    length = f"len({sequence})"
    if sequence == facts.sequence:
        reason = _past_end_reason(facts, program, line, length)
    else:  # read by _length_subscript: the index is the length itself
        reason = line, f"Line {line} uses {_code(length)} itself as an index"
    if reason is None:
        return None
    where, text = reason
    return Diagnosis(
        "index_past_end",
        where,
        f"{text}; the indexes of {_code(sequence)} go from 0 to {_code(length + ' - 1')}, so "
        f"{_code(f'{sequence}[{index}]')} on line {line} reads past its end",
        "Which values should the index take so that it stays inside the sequence?",
    )


def _length_subscript(case: _Case) -> tuple[str, str]:
    """`self.songs[len(self.songs)]`: (sequence, index) where the facts did not read them."""
    node = _failing_node(case.program, case.frame, ast.Subscript)
    if node is None or not isinstance(node.ctx, ast.Load):
        return "", ""
    sequence, index = _source(node.value), _source(node.slice)
    return (sequence, index) if index == f"len({sequence})" else ("", "")


def _past_end_reason(
    facts: HintFacts, program: Program, line: int, length: str
) -> tuple[int, str] | None:
    index, loop = facts.index, facts.loop
    if index == length:
        return line, f"Line {line} uses {_code(length)} itself as an index"
    if loop is not None and index == loop.variable and loop.last_text == length:
        header = _code(f"for {loop.variable} in {loop.iterable}:")
        return loop.line, f"{header} on line {loop.line} lets {_code(index)} reach {_code(length)}"
    fixed = facts.sequence_length
    if loop is not None and index == loop.variable and loop.last is not None and fixed:
        if loop.last >= fixed:
            header = _code(f"for {loop.variable} in {loop.iterable}:")
            return (
                loop.line,
                f"{_code(facts.sequence)} has {fixed} items, and {header} on line {loop.line} "
                f"lets {_code(index)} reach {loop.last}",
            )
    if (
        loop is not None
        and index == f"{loop.variable} + 1"
        and (loop.iterable == f"range({length})" or loop.last_text == f"{length} - 1")
        and facts.sequence.isidentifier()
        and all(_only_read(program, n) for n in _uses(program, facts.sequence))
    ):  # the sequence keeps its length, so the last pass is the one that fails
        header = _code(f"for {loop.variable} in {loop.iterable}:")
        return (
            loop.line,
            f"{header} on line {loop.line} ends with {_code(loop.variable)} equal to "
            f"{_code(length + ' - 1')}, so on that last pass {_code(index)} is {_code(length)}",
        )
    partner = _same_length_partner(facts, program)
    if loop is not None and index == f"{loop.variable} + 1" and partner:
        header = _code(f"for {loop.variable} in {loop.iterable}:")
        return (
            loop.line,
            f"{_code(partner)} has {fixed} items, as {_code(facts.sequence)} has, so {header} "
            f"on line {loop.line} ends with {_code(loop.variable)} equal to {fixed - 1}, and on "
            f"that last pass {_code(index)} is {fixed}",
        )
    if facts.sequence_length is not None and index.lstrip("-").isdigit():
        number = int(index)
        if number >= facts.sequence_length:
            binding = program.only_binding(facts.sequence)
            return (
                binding.line if binding else line,
                f"{_code(facts.sequence)} is created with {facts.sequence_length} items "
                f"(line {binding.line if binding else line}) and never changes size, and "
                f"line {line} asks for index {number}",
            )
    return _while_past_end(program, line, index, length)


def _same_length_partner(facts: HintFacts, program: Program) -> str:
    """`for i in range(len(stops)):` around `times[i + 1]`, both lists written once with
    the same number of items and never changed: the name `stops` ("" if not so)."""
    loop = facts.loop
    match = re.fullmatch(r"range\(len\((\w+)\)\)", loop.iterable) if loop is not None else None
    if match is None or not facts.sequence_length or match.group(1) == facts.sequence:
        return ""
    mine = _fixed_sequence(program, facts.sequence) if facts.sequence.isidentifier() else None
    other = _fixed_sequence(program, match.group(1))
    if mine is None or other is None:
        return ""
    return match.group(1) if mine[1] == other[1] == facts.sequence_length else ""


def _while_past_end(program: Program, line: int, index: str, length: str) -> tuple[int, str] | None:
    """`while i <= len(xs):` around `xs[i]`: the last pass has i == len(xs)."""
    for loop in program.enclosing(line, (ast.While,)):
        test = loop.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            continue
        if (
            isinstance(test.ops[0], ast.LtE)
            and _source(test.left) == index
            and _source(test.comparators[0]) == length
        ):
            return (
                loop.lineno,
                f"{_code(f'while {index} <= {length}:')} on line {loop.lineno} still runs when "
                f"{_code(index)} equals {_code(length)}",
            )
    return None


def _key_not_in_dict(case: _Case) -> Diagnosis | None:
    facts, program = case.facts, case.program
    name = facts.sequence
    key = _quoted(facts.message, r"^'(.*)'$")
    keys = _fixed_dict_keys(program, name) if name else None
    if keys is None and name and key:  # `", ".join(d)` only reads it too
        keys = _literal_keys(program, name)
        if keys and key != key.lower() and all(type(k) is str and k == k.lower() for k in keys):
            return None  # capitals looked up among lower-case keys: `key_case` says it
    if keys is None or not key:
        return None
    same = [k for k in keys if isinstance(k, str) and k.lower() == key.lower() and k != key]
    close = same or difflib.get_close_matches(key, [k for k in keys if isinstance(k, str)], 1)
    binding = program.only_binding(name)
    if not close or binding is None:
        return None
    how = "only in upper and lower case" if same else _how_keys_differ(key, close[0])
    typed = ""
    node = _failing_node(program, case.frame, ast.Subscript) if same else None
    if isinstance(node, ast.Subscript):  # `allowance[airline]`, `airline` typed as it is
        typed = _typed_as_is(case, node.slice)[1]
    return Diagnosis(
        "key_not_in_dict",
        case.frame.line,
        f"Line {case.frame.line} looks up the key {_code(repr(key))}{typed} in {_code(name)}, but "
        f"{_code(name)} (line {binding.line}) has the key {_code(repr(close[0]))}, which "
        f"differs from it {how}",
        "Where does the key come from, and how does it have to be written to match?",
    )


def _how_keys_differ(key: str, stored: str) -> str:
    """How a looked-up key differs from the close key the dict has ('Tue' is not "a letter
    or two" from 'Tuesday': it is its start)."""
    if abs(len(key) - len(stored)) > 2 and stored.startswith(key):
        return f"in length: {_code(repr(key))} is only its start"
    if abs(len(key) - len(stored)) > 2 and key.startswith(stored):
        return f"in length: it is only the start of {_code(repr(key))}"
    matcher = difflib.SequenceMatcher(None, key, stored)
    changed = sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )
    return "by a letter or two" if changed <= 2 else "in a few letters"


def _key_never_stored(case: _Case) -> Diagnosis | None:
    """`counts[word] += 1` on a dict that starts empty and gets keys nowhere else."""
    facts, program = case.facts, case.program
    name = facts.sequence
    binding = program.only_binding(name) if name else None
    if binding is None or binding.kind != "assign" or not _empty_dict(program, binding.value):
        return None
    statement = program.statement_at(case.frame.line)
    if any(
        not _contains(statement, node) and not _adds_to_itself(program, node)
        for node in _item_stores(program, name)
    ):
        return None
    own = binding.scope is not None and binding.scope is program.scope_of(statement)
    if not all(
        _only_read(program, node, stores=True)
        or _dict_reading(program, node)
        or (own and isinstance(program.parents.get(node), ast.Return))
        for node in _uses(program, name)
    ):
        return None
    return Diagnosis(
        "key_never_stored",
        case.frame.line,
        f"{_code(name)} starts empty (line {binding.line}), and line {case.frame.line} reads "
        f"{_code(f'{name}[{facts.index}]')} before any value was stored under that key "
        f"({_code(facts.message)})",
        "What should happen the first time a key is seen?",
    )


def _empty_dict(program: Program, value: ast.expr | None) -> bool:
    """`{}`, or `dict()` with no arguments where the program never rebinds `dict`."""
    if isinstance(value, ast.Dict):
        return not value.keys
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "dict"
        and not value.args
        and not value.keywords
        and "dict" not in program.bindings
    )


def _adds_to_itself(program: Program, store: ast.Subscript) -> bool:
    """`d[k] += 1` or `d[k] = d[k] + 1`: a store that reads the same key first, so it can
    never be the one that puts a new key in (it fails on a missing key instead)."""
    parent = program.parents.get(store)
    if isinstance(parent, ast.AugAssign):
        return parent.target is store
    if not (isinstance(parent, ast.Assign) and parent.targets == [store]):
        return False
    key = ast.dump(store.slice)
    return any(
        isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Load)
        and ast.dump(node.value) == ast.dump(store.value)
        and ast.dump(node.slice) == key
        for node in ast.walk(parent.value)
    )


def _item_stores(program: Program, name: str) -> list[ast.Subscript]:
    """Every `name[key] = ...` (or `+=`, `for name[key] in`) in the program."""
    return [
        node
        for node in ast.walk(program.tree)
        if isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Store)
        and getattr(node.value, "id", None) == name
    ]


def _dict_reading(program: Program, node: ast.AST) -> bool:
    """`d.get`, `d.keys()`, `d.pop(k)`, `k in d`, ...: a use of a dict that adds no key."""
    parent = program.parents.get(node)
    if isinstance(parent, ast.Compare) and node in parent.comparators:
        return all(isinstance(op, ast.In | ast.NotIn) for op in parent.ops)
    return isinstance(parent, ast.Attribute) and parent.attr in (
        "get", "keys", "values", "items", "copy", "pop", "popitem", "clear",
    )  # fmt: skip


def _key_of_wrong_type(case: _Case) -> Diagnosis | None:
    """`menu[choice]` with text from `input()` where the keys are numbers; `d[v]` with `v`
    from `d.values()`."""
    facts, program = case.facts, case.program
    name = facts.sequence
    keys = _fixed_dict_keys(program, name) if name else None
    node = _failing_node(program, case.frame, ast.Subscript)
    if keys is None or node is None or not isinstance(node.slice, ast.Name):
        return None
    key = node.slice.id
    binding = program.only_binding(name)
    origin = _value_origin(case, node.slice)
    number = re.fullmatch(r"-?\d+", facts.message)
    if number and keys and all(type(k) is str for k in keys) and facts.message in keys:
        return Diagnosis(
            "key_of_wrong_type",
            binding.line,  # type: ignore[union-attr]
            f"The keys of {_code(name)} (line {binding.line}) are text, such as "  # type: ignore[union-attr]
            f"{_code(repr(facts.message))}, but line {case.frame.line} looks one up with "
            f"{_code(key)}, the integer {facts.message} (the error shows it without quotes), "
            "and a number never equals text",
            f"Should the keys be numbers, or should {_code(key)} be turned into text first?",
        )
    digits = _quoted(facts.message, r"^'(\d+)'$")
    text_key = program.only_binding(key)
    if digits and not _is_input(origin) and keys and all(type(k) is int for k in keys):
        if text_key is not None and text_key.kind == "assign" and text_key.value is not None:
            return Diagnosis(
                "key_of_wrong_type",
                text_key.line,
                f"{_code(key)} is the text {_code(repr(digits))} (the error shows it in quotes"
                f"; line {text_key.line} sets it to {_code(_source(text_key.value))}), but the "
                f"keys of {_code(name)} (line {binding.line}) are numbers, and text never "  # type: ignore[union-attr]
                "equals a number",
                f"What has to happen to {_code(key)} before it can find a number among the keys?",
            )
    if digits and _is_input(origin) and keys and all(type(k) is int for k in keys):
        return Diagnosis(
            "key_of_wrong_type",
            origin.line,  # type: ignore[union-attr]
            f"{_code(key)} gets its value from {_code(origin.source)} on line {origin.line}, "  # type: ignore[union-attr]
            f"so it is the text {_code(repr(digits))}, but the keys of {_code(name)} (line "
            f"{binding.line}) are numbers, and text never equals a number",  # type: ignore[union-attr]
            f"What has to happen to {_code(key)} before it can find a number among the keys?",
        )
    loops = [
        loop
        for loop in program.enclosing(case.frame.line, (ast.For,))
        if isinstance(loop.target, ast.Name) and loop.target.id == key
    ]
    if not loops or len(program.bindings.get(key, [])) != 1:
        return None
    iterable = loops[0].iter
    if not (
        isinstance(iterable, ast.Call)
        and getattr(iterable.func, "attr", "") == "values"
        and _source(iterable.func.value) == name  # type: ignore[attr-defined]
    ):
        return None
    return Diagnosis(
        "key_of_wrong_type",
        loops[0].lineno,
        f"The loop on line {loops[0].lineno} goes through {_code(_source(iterable))}, so "
        f"{_code(key)} is one of the values of {_code(name)}, not a key; line "
        f"{case.frame.line} then looks that value up as a key",
        f"What should the loop go through so that {_code(key)} is a key?",
    )


def _typed_key_of_wrong_type(case: _Case) -> Diagnosis | None:
    """`number = input("Room: ")` and, as the very next statement, `rooms[number]` fails on
    `'102'` where the dict's literal has the integer key 102: the dict may also get items by
    `rooms[k] = v` (which `key_of_wrong_type` does not allow), and `number` may be bound
    elsewhere too, since the statement just before the lookup sets it (r14-025)."""
    facts, program = case.facts, case.program
    name, digits = facts.sequence, _quoted(facts.message, r"^'(\d+)'$")
    node = _failing_node(program, case.frame, ast.Subscript)
    if not name or not digits or node is None or not isinstance(node.slice, ast.Name):
        return None
    binding = program.only_binding(name)
    if _source(node.value) != name or binding is None or binding.kind != "assign":
        return None
    keys = binding.value.keys if isinstance(binding.value, ast.Dict) else []
    if not keys or not all(isinstance(k, ast.Constant) and type(k.value) is int for k in keys):
        return None
    if int(digits) not in [k.value for k in keys]:  # type: ignore[union-attr]
        return None
    if not all(_only_read(program, use, stores=True) for use in _uses(program, name)):
        return None
    typed = _assigned_just_before(program, case.frame.line, node.slice.id)
    if typed is None or not _is_input_call(typed.value) or "input" in program.bindings:
        return None
    return Diagnosis(
        "key_of_wrong_type",
        typed.lineno,
        f"{_code(node.slice.id)} gets its value from {_code(_source(typed.value))} on line "
        f"{typed.lineno}, so it is the text {_code(repr(digits))}, but the keys {_code(name)} "
        f"gets on line {binding.line} are numbers ({digits} among them), and text never "
        "equals a number",
        f"What has to happen to {_code(node.slice.id)} before it can find a number among the keys?",
    )


def _assigned_just_before(program: Program, line: int, name: str) -> ast.Assign | None:
    """`name = ...`, the statement just before the one on `line` in the same block."""
    statement = program.statement_at(line)
    parent = program.parents.get(statement) if statement is not None else None
    for field in ("body", "orelse", "finalbody"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and statement in block:
            index = block.index(statement)
            before = block[index - 1] if index > 0 else None
            if isinstance(before, ast.Assign) and len(before.targets) == 1:
                target = before.targets[0]
                return before if isinstance(target, ast.Name) and target.id == name else None
            return None
    return None


def _remainder_of_a_constant(case: _Case) -> Diagnosis | None:
    """`bins[week + 1 % 3]` runs past the end: `%` is worked out before `+` or `-`, so only
    the written-out `1` is taken `% 3`, which leaves it 1 (it is below 3): the `% 3` does
    nothing, and the index is `week + 1` (also through a name set once to that sum)."""
    program = case.program
    node = _failing_node(program, case.frame, ast.Subscript, _LOOKUP_CALLS)
    if not str(case.facts.message).endswith("index out of range") or node is None:
        return None
    index, line = node.slice, case.frame.line
    if isinstance(index, ast.Name):
        binding = program.only_binding(index.id)
        index = binding.value if binding is not None and binding.kind == "assign" else None
        line = binding.line if binding is not None else line
    if not (isinstance(index, ast.BinOp) and isinstance(index.op, ast.Add | ast.Sub)):
        return None
    remainder = index.right
    if not (isinstance(remainder, ast.BinOp) and isinstance(remainder.op, ast.Mod)):
        return None
    small, divisor = _static_int(program, remainder.left), _static_int(program, remainder.right)
    if not isinstance(remainder.left, ast.Constant) or small is None or divisor is None:
        return None
    if not 0 <= small < divisor:
        return None
    sign = "+" if isinstance(index.op, ast.Add) else "-"
    return Diagnosis(
        "remainder_of_a_constant",
        line,
        f"On line {line}, `%` is worked out before `{sign}`, so in {_code(_source(index))} "
        f"only {_code(str(small))} is taken {_code(f'% {divisor}')}, which leaves it "
        f"{small}: the `%` changes nothing, and the index is "
        f"{_code(f'{_source(index.left)} {sign} {small}')}",
        f"Which part of line {line}'s index should {_code(f'% {divisor}')} apply to?",
    )


def _random_index(case: _Case) -> Diagnosis | None:
    """`xs[random.randint(0, len)]`: randint includes its upper end."""
    facts, program = case.facts, case.program
    length = facts.sequence_length
    node = _failing_node(program, case.frame, ast.Subscript)
    if not length or node is None or _source(node.value) != facts.sequence:
        return None
    index = node.slice
    if isinstance(index, ast.Name):
        binding = program.only_binding(index.id)
        index = binding.value if binding is not None and binding.kind == "assign" else None
    if not (
        isinstance(index, ast.Call)
        and _source(index.func) == "random.randint"
        and len(index.args) == 2
        and "random" in program.bindings
        and all(b.kind == "import" for b in program.bindings["random"])
    ):
        return None
    top = _static_int(program, index.args[1])
    if top is None or top < length:
        return None
    return Diagnosis(
        "random_index",
        index.lineno,
        f"{_code(_source(index))} on line {index.lineno} can give {top}: `randint` includes "
        f"both ends; but {_code(facts.sequence)} has {length} items, with indexes from 0 to "
        f"{length - 1}",
        "Which upper end keeps the random index inside the list?",
    )


def _key_case(case: _Case) -> Diagnosis | None:
    """A key with capitals looked up in a dict whose every stored key is lower case
    (`d[name.lower()] = ...`, or the letters of a lower-case string)."""
    facts, program = case.facts, case.program
    name, key = facts.sequence, _quoted(facts.message, r"^'(.*)'$")
    binding = program.only_binding(name) if name else None
    if not key or key == key.lower() or binding is None or binding.kind != "assign":
        return None
    fixed = _literal_keys(program, name)
    if fixed and all(type(k) is str and k == k.lower() for k in fixed) and key.lower() in fixed:
        node = _failing_node(program, case.frame, ast.Subscript)
        line, typed = _typed_as_is(case, node.slice) if node is not None else (case.frame.line, "")
        return Diagnosis(
            "key_case",
            line,
            f"Every key of {_code(name)} is lower case (the dict is written on line "
            f"{binding.line} and never changed), but line {case.frame.line} looks up "
            f"{_code(repr(key))}{typed}, which has capitals, and keys must match exactly",
            "Where does the key come from, and how does it have to be written to match?",
        )
    if not isinstance(binding.value, ast.Dict) or binding.value.keys:
        return None
    failing = program.statement_at(case.frame.line)
    uses = [n for n in _uses(program, name) if not _deleted_here(program, n, failing)]
    if not all(_only_read(program, n, stores=True) or _dict_reading(program, n) for n in uses):
        return None
    stores = [n for n in _item_stores(program, name) if not _stores_what_it_read(failing, n)]
    reasons = [_lower_key(program, node) for node in stores]
    if not stores or not all(reasons):
        return None
    numbers = sorted({node.lineno for node in stores})
    lines = ("line " if len(numbers) == 1 else "lines ") + _names(
        [str(n) for n in numbers]
    ).replace("`", "")
    return Diagnosis(
        "key_case",
        case.frame.line,
        f"Every key stored in {_code(name)} is lower case ({lines}: {reasons[0]}), but line "
        f"{case.frame.line} looks up {_code(repr(key))}, which has capitals, and keys must "
        "match exactly",
        "Where does the key come from, and how does it have to be written to match?",
    )


def _literal_keys(program: Program, name: str) -> list | None:
    """The constant keys of a dict written once as a literal and only read after (printing
    or joining its keys reads it too)."""
    binding = program.only_binding(name)
    if binding is None or binding.kind != "assign" or not isinstance(binding.value, ast.Dict):
        return None
    keys = binding.value.keys
    if not all(isinstance(k, ast.Constant) for k in keys):
        return None
    for node in _uses(program, name):
        parent = program.parents.get(node)
        joined = isinstance(parent, ast.Call) and getattr(parent.func, "attr", "") == "join"
        if not (_only_read(program, node) or (joined and node in parent.args)):  # type: ignore[union-attr]
            return None
    return [k.value for k in keys]  # type: ignore[union-attr]


def _deleted_here(program: Program, node: ast.Name, failing: ast.stmt | None) -> bool:
    """`del d[k]` in the failing statement: it raised, so it removed nothing."""
    parent = program.parents.get(node)
    return (
        isinstance(parent, ast.Subscript)
        and isinstance(parent.ctx, ast.Del)
        and failing is not None
        and _contains(failing, parent)
    )


def _stores_what_it_read(failing: ast.stmt | None, store: ast.Subscript) -> bool:
    """`d[k] += 1` or `d[k] = d[k] + 1` as the failing statement: it stores only under a key
    it first read, so it never adds a key."""
    if failing is None or not _contains(failing, store):
        return False
    if isinstance(failing, ast.AugAssign) and failing.target is store:
        return True
    return isinstance(failing, ast.Assign) and any(
        isinstance(n, ast.Subscript)
        and isinstance(n.ctx, ast.Load)
        and _source(n) == _source(store)
        for n in ast.walk(failing.value)
    )


def _lower_key(program: Program, store: ast.Subscript) -> str:
    """Why the key of `d[key] = ...` is certainly lower case ("" if it is not certain)."""
    key = store.slice
    if isinstance(key, ast.Call) and getattr(key.func, "attr", "") in ("lower", "casefold"):
        return f"{_code(_source(key))}"
    if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.islower():
        return f"{_code(repr(key.value))}"
    if not isinstance(key, ast.Name):
        return ""
    for loop in program.enclosing(store.lineno, (ast.For,)):
        if isinstance(loop.target, ast.Name) and loop.target.id == key.id:
            text = loop.iter
            if isinstance(text, ast.Name):
                found = program.only_binding(text.id)
                text = found.value if found is not None and found.kind == "assign" else None
            if isinstance(text, ast.Constant) and isinstance(text.value, str):
                if text.value == text.value.lower():
                    return f"the letters of {_code(_source(loop.iter))}"
            if _lower_words(program, loop.iter, text):
                return f"the items of {_code(_source(loop.iter))}"
            return ""
    return ""


def _lower_words(program: Program, iterable: ast.expr, value: ast.expr | None) -> bool:
    """`for place in options:` with `options = ["zoo", "beach"]` written once and only read
    (or the list written in the loop itself): every item is lower-case text."""
    if not isinstance(value, ast.List | ast.Tuple) or not value.elts:
        return False
    if not all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value == e.value.lower()
        for e in value.elts
    ):
        return False
    if isinstance(iterable, ast.Name):
        return all(_only_read(program, use) for use in _uses(program, iterable.id))
    return iterable is value


def _empty_piece(case: _Case) -> Diagnosis | None:
    """`current[0]` with `current = words[i]` and `words = text.split(" ")`: index 0 (or -1)
    fails only on an empty string, and a split at a given separator gives one wherever two
    separators meet or the text starts or ends with one."""
    if case.facts.message != "string index out of range":
        return None
    node = _failing_node(case.program, case.frame, ast.Subscript)
    if (
        node is None
        or not isinstance(node.value, ast.Name)
        or _source(node.slice) not in ("0", "-1")
    ):
        return None
    name = node.value.id
    pieces = _pieces_of(case.program, name, case.frame.line)
    binding = case.program.only_binding(pieces) if pieces else None
    split = binding.value if binding is not None and binding.kind == "assign" else None
    if not (
        isinstance(split, ast.Call)
        and getattr(split.func, "attr", "") == "split"
        and len(split.args) == 1
        and not split.keywords
        and isinstance(split.args[0], ast.Constant)
        and isinstance(split.args[0].value, str)
        and split.args[0].value
    ):
        return None
    if not all(_only_read(case.program, use) for use in _uses(case.program, pieces)):
        return None
    separator = repr(split.args[0].value)
    return Diagnosis(
        "empty_piece",
        binding.line,  # type: ignore[union-attr]
        f"{_code(f'{name}[{_source(node.slice)}]')} on line {case.frame.line} fails only when "
        f"{_code(name)} is the empty string {_code(repr(''))}; {_code(name)} is a piece of "
        f"{_code(_source(split))} (line {binding.line}), and a split at {_code(separator)} "  # type: ignore[union-attr]
        "gives an empty piece wherever two of them meet or the text starts or ends with one",
        f"What should happen to an empty piece, and does line {binding.line} split the way "  # type: ignore[union-attr]
        "you meant?",
    )


def _pieces_of(program: Program, name: str, line: int) -> str:
    """The list `name` is an item of: `for name in words:` or `name = words[i]` ("" if
    neither is certain)."""
    loop = _loop_over(program, name, line)
    if loop is not None:
        return loop.iter.id if isinstance(loop.iter, ast.Name) else ""
    binding = program.only_binding(name)
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
        if not isinstance(value.slice, ast.Slice):
            return value.value.id
    return ""


def _format_fields(case: _Case) -> Diagnosis | None:
    """`"{} scored {} goals ({:.2f})".format(name, goals)`: more `{}` than values."""
    if not re.match(r"^Replacement index \d+ out of range", case.facts.message):
        return None
    calls = [
        n
        for n in ast.walk(case.program.statement_at(case.frame.line) or ast.Pass())
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "format"
        and isinstance(n.func.value, ast.Constant)
        and isinstance(n.func.value.value, str)
        and getattr(n, "lineno", 0) == case.frame.line
    ]
    if len(calls) != 1 or calls[0].keywords:
        return None
    call, text = calls[0], calls[0].func.value.value  # type: ignore[attr-defined]
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError:
        return None
    if any(f != "" for f in fields) or any(isinstance(a, ast.Starred) for a in call.args):
        return None  # numbered or named places, or values spread from a sequence
    if len(fields) <= len(call.args):
        return None
    return Diagnosis(
        "format_fields",
        case.frame.line,
        f"The text on line {case.frame.line} has {len(fields)} `{{}}` places, but "
        f"`.format()` gives it only {len(call.args)} "
        f"{'value' if len(call.args) == 1 else 'values'}, so the last "
        f"{'place has' if len(fields) - len(call.args) == 1 else 'places have'} no value",
        f"Which value belongs in each place on line {case.frame.line}, and which one is missing?",
    )


def _shorter_partner(case: _Case) -> Diagnosis | None:
    """`for i in range(len(steps)):` then `days[i]`, where the list `days` is written
    shorter than `steps`: the loop counts positions of the other, longer list."""
    program = case.program
    node = _failing_node(program, case.frame, ast.Subscript)
    if "index out of range" not in case.facts.message or not isinstance(node, ast.Subscript):
        return None
    if not isinstance(node.value, ast.Name) or not isinstance(node.slice, ast.Name):
        return None
    sequence, variable = node.value.id, node.slice.id
    loop = _loop_over(program, variable, case.frame.line)
    match = re.fullmatch(r"range\(len\((\w+)\)\)", _source(loop.iter)) if loop else None
    other = match.group(1) if match else ""
    if not other or other == sequence or "range" in program.bindings or "len" in program.bindings:
        return None
    mine, theirs = _fixed_sequence(program, sequence), _fixed_sequence(program, other)
    if mine is None or theirs is None or mine[1] >= theirs[1]:
        return None
    line = program.only_binding(sequence).line  # type: ignore[union-attr]
    return Diagnosis(
        "shorter_partner",
        line,
        f"The loop on line {loop.lineno} counts {_code(variable)} through the positions "  # type: ignore[union-attr]
        f"of {_code(other)}, which has {theirs[1]} items, but line {case.frame.line} reads "
        f"{_code(f'{sequence}[{variable}]')}, and {_code(sequence)} has only {mine[1]} "
        f"(line {line})",
        f"Should {_code(sequence)} and {_code(other)} have the same number of items, and which "
        "of them is off?",
    )


def _key_past_range(case: _Case) -> Diagnosis | None:
    """`for n in range(2, 10): values[str(n)] = n`, then `values["10"]` fails: `range`
    stops one before its end, so the one key the loop would have stored for the end itself
    is never stored. Fires only where that loop is the dict's one store of keys."""
    name, program = case.facts.sequence, case.program
    binding = program.only_binding(name) if name else None
    if binding is None or binding.kind != "assign" or not isinstance(binding.value, ast.Dict):
        return None
    stores = _item_stores(program, name)  # type: ignore[arg-type]
    if len(stores) != 1 or not _only_stores_and_reads(program, name):  # type: ignore[arg-type]
        return None
    loop = program.enclosing(stores[0].lineno, (ast.For,))
    found = _range_loop_key(loop[0], stores[0].slice) if loop else None
    if found is None or "range" in program.bindings or "str" in program.bindings:
        return None
    end, as_text = found
    if case.facts.message != (repr(str(end)) if as_text else str(end)):
        return None
    if any(_source(k) == case.facts.message for k in binding.value.keys if k is not None):
        return None
    iterable, line = _code(_source(loop[0].iter)), loop[0].lineno  # type: ignore[attr-defined]
    return Diagnosis(
        "key_past_range",
        line,
        f"Line {case.frame.line} looks up the key {_code(case.facts.message)} in "
        f"{_code(name)}, whose keys come from the loop on line {line} over {iterable}; "
        f"`range` stops one before its end, so the loop never reaches {end} and that key is "
        "never stored",
        f"Which numbers should the loop on line {line} go through?",
    )


def _only_stores_and_reads(program: Program, name: str) -> bool:
    """Every use of `name` stores an item or only reads (no other way to add keys)."""
    for node in _uses(program, name):
        parent = program.parents.get(node)
        if isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store):
            continue
        if not (_only_read(program, node) or _dict_reading(program, node)):
            return False
    return True


def _range_loop_key(loop: ast.For, key: ast.expr) -> tuple[int, bool] | None:
    """(the range's end, whether the key is `str(n)`) for `for n in range(a, end)` (or
    `range(end)`, whole numbers written out) storing under the key `n` or `str(n)`."""
    call = loop.iter
    if not isinstance(loop.target, ast.Name) or not isinstance(call, ast.Call):
        return None
    if getattr(call.func, "id", "") != "range" or len(call.args) not in (1, 2) or call.keywords:
        return None
    if not all(isinstance(a, ast.Constant) and type(a.value) is int for a in call.args):
        return None
    variable, as_text = loop.target.id, False
    if isinstance(key, ast.Call) and getattr(key.func, "id", "") == "str" and len(key.args) == 1:
        key, as_text = key.args[0], True
    if not isinstance(key, ast.Name) or key.id != variable:
        return None
    return call.args[-1].value, as_text  # type: ignore[attr-defined]


def _space_after_separator(case: _Case) -> Diagnosis | None:
    """`for name in text.split(","):` then `register[name]` fails on `' Dev'`: the piece
    starts with the space typed after the comma, which `split(",")` keeps."""
    key = _quoted(case.facts.message, r"^'(\s+\S.*)'$")
    program = case.program
    node = _failing_node(program, case.frame, ast.Subscript) if key else None
    if node is None or not isinstance(node.slice, ast.Name):
        return None
    name = node.slice.id
    loop = _loop_over(program, name, case.frame.line)
    pieces, where = (loop.iter, loop.lineno) if loop is not None else (None, 0)
    via = ""
    if isinstance(pieces, ast.Name) and (binding := program.only_binding(pieces.id)):
        via = f"{_code(pieces.id)}, which line {binding.line} sets to "
        pieces, where = (binding.value, binding.line) if binding.kind == "assign" else (None, 0)
    if not isinstance(pieces, ast.Call) or getattr(pieces.func, "attr", "") != "split":
        return None
    separator = pieces.args[0] if len(pieces.args) == 1 and not pieces.keywords else None
    if not isinstance(separator, ast.Constant) or not isinstance(separator.value, str):
        return None
    if not separator.value or separator.value[-1].isspace():
        return None
    mark = _code(repr(separator.value))
    return Diagnosis(
        "space_after_separator",
        where,
        f"Line {case.frame.line} looks up {_code(name)}, which is {_code(repr(key))}, with a "
        f"space in front: the loop on line {loop.lineno} sets {_code(name)} to each piece of "  # type: ignore[union-attr]
        f"{via}{_code(_source(pieces))}, and a split at {mark} keeps the space that follows "
        f"each {mark} in the text",
        f"How can the pieces that line {where} makes lose the space after each {mark}?",
    )


_ONE_TO = re.compile(r"\b1\s*(?:-|to)\s*(\d+)\b")


def _counted_from_one(case: _Case) -> Diagnosis | None:
    """`column = int(input("Column (1-7): "))` then `grid[r][column]` on rows of 7 items:
    the prompt counts from 1, the indexes from 0, so the last number it asks for (7) is past
    the end. The list's length must be fixed by the program's text and equal the prompt's."""
    program, line = case.program, case.frame.line
    node = _failing_node(program, case.frame, ast.Subscript, _LOOKUP_CALLS)
    if case.facts.message != "list index out of range" or not isinstance(node, ast.Subscript):
        return None
    binding = program.only_binding(node.slice.id) if isinstance(node.slice, ast.Name) else None
    prompt = _typed_number_prompt(program, binding.value) if binding is not None else ""
    match = _ONE_TO.search(prompt)
    if match is None or _built_length(program, node.value, line) != int(match.group(1)):
        return None
    name, top, sequence = node.slice.id, int(match.group(1)), _source(node.value)  # type: ignore[attr-defined]
    return Diagnosis(
        "counted_from_one",
        binding.line,  # type: ignore[union-attr]
        f"Line {binding.line} asks for {_code(name)} from 1 to {top} ({_code(repr(prompt))}), "  # type: ignore[union-attr]
        f"and line {line} uses it unchanged as an index into {_code(sequence)}, which has "
        f"{top} items: its indexes run from 0 to {top - 1}, so {top}, a number the prompt "
        "asks for, is past the end",
        f"Where does the counting start for the prompt on line {binding.line}, and where "  # type: ignore[union-attr]
        f"for the indexes of {_code(sequence)}?",
    )


def _typed_number_prompt(program: Program, value: ast.expr | None) -> str:
    """The prompt of `int(input("Row (1-5): "))` ("" where `value` is not that)."""
    if not isinstance(value, ast.Call) or getattr(value.func, "id", "") != "int":
        return ""
    inner = value.args[0] if len(value.args) == 1 and not value.keywords else None
    if not isinstance(inner, ast.Call) or getattr(inner.func, "id", "") != "input":
        return ""
    if "int" in program.bindings or "input" in program.bindings or len(inner.args) != 1:
        return ""
    prompt = inner.args[0]
    if isinstance(prompt, ast.Constant) and isinstance(prompt.value, str):
        return prompt.value
    return ""


def _built_length(program: Program, sequence: ast.expr, line: int) -> int | None:
    """The length of `grid` or of a row `grid[r]` where the program's text fixes it: a list
    written out (rows all one length), or `grid = []` filled by one `grid.append(row)` in a
    top-level `for _ in range(n):`, each row `[x] * m` or written out. Every other use of
    `grid` before the failure must leave the lengths alone."""
    row = isinstance(sequence, ast.Subscript) and not isinstance(sequence.slice, ast.Slice)
    name = sequence.value if row else sequence  # type: ignore[attr-defined]
    binding = program.only_binding(name.id) if isinstance(name, ast.Name) else None
    if binding is None or binding.kind != "assign" or not isinstance(binding.value, ast.List):
        return None
    if _has_starred_item(binding.value):
        return None
    items, count, append = binding.value.elts, len(binding.value.elts), None
    if not items:
        built = _building_append(program, name.id)  # type: ignore[attr-defined]
        if built is None:
            return None
        append, count = built
        items = [append.args[0]]
    if not _lengths_kept(program, name.id, append, row, line):  # type: ignore[attr-defined]
        return None
    if not row:
        return count
    lengths = {_row_length(program, item) for item in items}
    return lengths.pop() if len(lengths) == 1 else None


def _has_starred_item(value: ast.List) -> bool:
    return any(isinstance(e, ast.Starred) for e in value.elts)


def _building_append(
    program: Program, name: str, besides: ast.Call | None = None
) -> tuple[ast.Call, int] | None:
    """(the one `name.append(row)`, how often it runs) where it is a statement of its own
    directly in the body of a top-level `for _ in range(n):` with `n` fixed, and no other
    call (but `besides`) adds or takes items."""
    calls = [
        n
        for n in ast.walk(program.tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == name
        and n.func.attr in ("append", "extend", "insert", "pop", "remove", "clear")
        and n is not besides
    ]
    if len(calls) != 1 or calls[0].func.attr != "append" or len(calls[0].args) != 1:  # type: ignore[attr-defined]
        return None
    statement = program.parents.get(calls[0])
    loop = program.parents.get(statement) if isinstance(statement, ast.Expr) else None
    if not isinstance(loop, ast.For) or not isinstance(program.parents.get(loop), ast.Module):
        return None
    call = loop.iter
    if not isinstance(call, ast.Call) or getattr(call.func, "id", "") != "range":
        return None
    if "range" in program.bindings or len(call.args) != 1 or loop.orelse:
        return None
    if any(isinstance(n, ast.Break | ast.Continue) for n in ast.walk(loop)):
        return None
    count = _static_int(program, call.args[0])
    return None if count is None else (calls[0], count)


def _row_length(program: Program, item: ast.expr) -> int | None:
    """`[x] * m` or a list written out: a row's length, where the text fixes it."""
    if isinstance(item, ast.List) and not _has_starred_item(item):
        return len(item.elts)
    if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Mult):
        if isinstance(item.left, ast.List) and len(item.left.elts) == 1:
            return _static_int(program, item.right)
    return None


def _lengths_kept(
    program: Program, name: str, append: ast.Call | None, row: bool, line: int
) -> bool:
    """Every use of `name` that may run before line `line` fails leaves its length (and,
    with `row`, its rows' lengths) alone: `grid[r][c]` read or stored, `len(grid)`, the one
    building `append`. A use after the failing line's outermost loop, outside any function,
    never ran."""
    outer = program.enclosing(line, (ast.For, ast.While, ast.FunctionDef, ast.AsyncFunctionDef))
    in_function = any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) for n in outer)
    end = max([line] + [n.end_lineno or line for n in outer])
    for use in _uses(program, name):
        if append is not None and use is append.func.value:  # type: ignore[attr-defined]
            continue
        if (
            not in_function
            and use.lineno > end
            and not program.enclosing(use.lineno, (ast.FunctionDef, ast.AsyncFunctionDef))
        ):
            continue
        parent = program.parents.get(use)
        if not row and _only_read(program, use, stores=True):
            continue
        grand = program.parents.get(parent) if isinstance(parent, ast.Subscript) else None
        if (
            isinstance(parent, ast.Subscript)
            and isinstance(parent.ctx, ast.Load)
            and not isinstance(parent.slice, ast.Slice)
            and isinstance(grand, ast.Subscript)
            and grand.value is parent
            and not isinstance(grand.slice, ast.Slice)
        ):
            continue  # `grid[r][c]`, read or stored
        if isinstance(parent, ast.Call) and getattr(parent.func, "id", "") == "len":
            continue
        return False
    return True


def _popped_past_end(case: _Case) -> Diagnosis | None:
    """`for turn in range(5): queue.pop(0)` with `queue` written out with 4 items, or
    `for person in lunch_queue: plates.pop()` with `plates` filled by `range(5)` for 6 people:
    a top-level loop pops one item each pass, more passes than items. The count typed into
    `range(n)` is the line named; with a range on both sides or neither, it is not certain."""
    program = case.program
    call = _failing_node(program, case.frame, ast.Call)
    if case.facts.message != "pop from empty list" or not isinstance(call, ast.Call):
        return None
    if getattr(call.func, "attr", "") != "pop" or not isinstance(call.func.value, ast.Name):  # type: ignore[attr-defined]
        return None
    name, loop = call.func.value.id, _popping_loop(program, call)  # type: ignore[attr-defined]
    binding = program.only_binding(name)
    if loop is None or binding is None or not isinstance(binding.value, ast.List):
        return None
    built = None if binding.value.elts else _building_append(program, name, call)
    items = len(binding.value.elts) if built is None else built[1]
    source_line = binding.line
    if built is not None:
        source_line = program.parents[program.parents[built[0]]].lineno  # the `for` it is in
    passes, counted = _passes(program, loop)
    if passes is None or passes <= items or source_line > loop.lineno:
        return None  # filled after the pops: not what ran first
    if counted == (built is not None) or not _only_popped(program, name, call, built, loop):
        return None
    pop, line = _source(call), case.frame.line
    filled = (
        f"{_code(name)} has only {items} items (line {source_line})"
        if built is None
        else f"the loop on line {source_line} puts only {items} items into {_code(name)}"
    )
    return Diagnosis(
        "popped_past_end",
        loop.lineno if counted else source_line,
        f"The loop on line {loop.lineno} runs {passes} times and each pass takes one item "
        f"with {_code(pop)} on line {line}, but {filled} and nothing else adds to it, so pass "
        f"{items + 1} finds {_code(name)} empty",
        f"Should the {passes} passes of line {loop.lineno} and the {items} items of "
        f"{_code(name)} agree, and which of the two counts is off?",
    )


def _popping_loop(program: Program, call: ast.Call) -> ast.For | None:
    """The top-level `for` whose body has the pop as a statement of its own (or the value
    of one assignment): it runs on every pass, once."""
    statement = program.parents.get(call)
    if not isinstance(statement, ast.Expr | ast.Assign):
        return None
    loop = program.parents.get(statement)
    if not isinstance(loop, ast.For) or statement not in loop.body or loop.orelse:
        return None
    if any(isinstance(n, ast.Continue) for n in ast.walk(loop)):
        return None  # a pass may skip the pop
    return loop if isinstance(program.parents.get(loop), ast.Module) else None


def _passes(program: Program, loop: ast.For) -> tuple[int | None, bool]:
    """(how often `loop` runs, whether that count is typed into `range(n)`): `range(n)`
    with `n` fixed, or a list written out once and never changed."""
    call = loop.iter
    if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "range":
        if "range" in program.bindings or len(call.args) != 1:
            return None, True
        return _static_int(program, call.args[0]), True
    known = _fixed_sequence(program, call.id) if isinstance(call, ast.Name) else None
    return (known[1] if known is not None and known[0] == "list" else None), False


def _only_popped(
    program: Program,
    name: str,
    call: ast.Call,
    built: tuple[ast.Call, int] | None,
    loop: ast.For,
) -> bool:
    """Every use of `name` is the failing pop, the building append, or only reads it;
    uses after the popping loop never ran."""
    for use in _uses(program, name):
        if use is call.func or use is getattr(call.func, "value", None):
            continue
        if built is not None and use is built[0].func.value:  # type: ignore[attr-defined]
            continue
        if use.lineno > (loop.end_lineno or loop.lineno) or _only_read(program, use):
            continue
        return False
    return True
