"""TypeError from a value of the wrong type: text from `input()` used as a number (also one
step away, or stored in a dict), `%` places and values that do not pair up, a float from `/`
where a whole number is needed, a number joined to text, a number where a sequence is
needed (`range(xs)`), a list as a key, an item of a string or tuple changed, `.join()` of
numbers, `sum()` of split text."""

from __future__ import annotations

import ast
import re

from ..hintfacts import (
    _LOOKUP_CALLS,
    _TYPE_WORDS,
    Binding,
    Origin,
    Program,
    _argument,
    _code,
    _failing_node,
    _names,
    _only_read,
    _quoted,
    _source,
    _uses,
    _value_type,
)
from ._common import (
    Diagnosis,
    _Case,
    _is_input,
    _is_input_call,
    _loop_over,
    _operator_node,
    _plural,
    _value_origin,
)
from .indexing import _dict_reading


def _repeated_name(node: ast.expr) -> ast.expr:
    """`text * 3` is still the text: the name whose str a repetition keeps."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        if isinstance(node.right, ast.Constant) and type(node.right.value) is int:
            return _repeated_name(node.left)
    return node


def _text_factor(case: _Case, node: ast.expr) -> ast.expr:
    """`recipe[item] * servings` is text: of its two factors, the one from `input()` (a
    string times a number repeats the string), where exactly one is; else `node`."""
    if not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.Mult):
        return node
    sides = [s for s in (node.left, node.right) if _is_input(_value_origin(case, s))]
    return sides[0] if len(sides) == 1 else node


def _text_from_input(case: _Case) -> Diagnosis | None:
    """A str from `input()` used where a number is needed (operator, index, range, %d)."""
    node = _str_operand(case)
    if node is not None and _is_input_call(node) and "input" not in case.program.bindings:
        return _input_used_directly(case, node)
    passed = _input_passed(case, node.id) if isinstance(node, ast.Name) else None
    if passed is not None:
        return _input_passed_as(case, node.id, passed)  # type: ignore[union-attr]
    origin = _value_origin(case, node) if node is not None else None
    if origin is None and isinstance(node, ast.Name):
        origin = _only_text_binding(case.program, node.id)
    if not _is_input(origin):
        return None
    line = case.frame.line
    where = f"{_code(origin.name)} gets its value from {_code(origin.source)} on line {origin.line}"
    if origin.parameter:
        where = (
            f"the parameter {_code(origin.parameter)} gets {_code(origin.name)} in the call on "
            f"line {origin.call_line}, and {where}"
        )
    shown = origin.parameter or origin.name
    return Diagnosis(
        "text_from_input",
        origin.line,
        f"On line {line}, {_code(shown)} is still a string: {where}, and `input()` always "
        "gives back text, even when the user types a number; nothing turns it into a number "
        f"before line {line} uses it as one",
        f"What has to happen to the text from `input()` before {_code(shown)} can be used as a "
        "number?",
    )


def _input_passed(case: _Case, name: str) -> ast.expr | None:
    """`restock(item, input("Pairs: "))` on the caller's line: the `input()` call itself passed
    for the failing function's plain parameter `name` (never rebound in the function)."""
    facts, program = case.facts, case.program
    if not facts.function or facts.recursive or facts.call_line is None:
        return None
    functions = program.functions(facts.function)
    if len(functions) != 1 or "input" in program.bindings or name in program.declared:
        return None
    positional = [a.arg for a in functions[0].args.posonlyargs + functions[0].args.args]
    own = [b for b in program.bindings.get(name, []) if b.scope is functions[0]]
    if name not in positional or len(own) != 1:
        return None
    argument = _argument(program, facts.call_line, facts.function, positional, name)
    return argument if argument is not None and _is_input_call(argument) else None


def _input_passed_as(case: _Case, name: str, argument: ast.expr) -> Diagnosis:
    """`text_from_input`'s wording for `_input_passed`: the call's line is the one to fix."""
    line, call_line, shown = case.frame.line, case.facts.call_line, _code(_source(argument))
    return Diagnosis(
        "text_from_input",
        call_line,  # type: ignore[arg-type]
        f"On line {line}, {_code(name)} is still a string: the call on line {call_line} passes "
        f"{shown} as {_code(name)}, and `input()` always gives back text, even when the user "
        f"types a number; nothing turns it into a number before line {line} uses it as one",
        f"What has to happen to the text from `input()` before {_code(name)} can be used as a "
        "number?",
    )


def _input_used_directly(case: _Case, node: ast.expr) -> Diagnosis:
    """`input("Paid with: ") - total`: the text `input()` gives back is the operand itself."""
    line, shown = case.frame.line, _code(_source(node))
    return Diagnosis(
        "text_from_input",
        line,
        f"On line {line}, {shown} is used as a number, but `input()` always gives back text, "
        "even when the user types a number, and nothing on that line turns it into a number",
        "What has to happen to the text from `input()` before it can be used as a number?",
    )


def _text_piece(case: _Case) -> Diagnosis | None:
    """`row = seat[:-1]` then `row < 10`: the error says `row` is a str, and its one
    assignment takes a piece of text (a slice that gave a str, or an index into a name
    that is certainly text) that nothing turns into a number. An item of a list is left
    out: a header row among numbers may be the slip instead."""
    if _operator_node(case) is None or case.facts.message.startswith("can only concatenate"):
        return None  # `code + 1`: joining text may be what was meant
    node = _str_operand(case)
    binding = case.program.only_binding(node.id) if isinstance(node, ast.Name) else None
    if binding is None or binding.kind != "assign" or not isinstance(binding.value, ast.Subscript):
        return None
    base = binding.value.value
    if not isinstance(binding.value.slice, ast.Slice) and not _is_text(case.program, base):
        return None
    line, name = case.frame.line, node.id  # type: ignore[union-attr]
    return Diagnosis(
        "text_piece",
        binding.line,
        f"On line {line}, {_code(name)} is a string (the error says `str`): line "
        f"{binding.line} sets it to {_code(_source(binding.value))}, a piece of text, and "
        f"nothing turns it into a number before line {line} uses it as one",
        f"What has to happen to {_code(name)} before line {line} can use it as a number?",
    )


def _text_from_split(case: _Case) -> Diagnosis | None:
    """`dh, dm = depart.split(":")` then `ah - dh`, or `for n in scores.split(","):` then
    `n > highest`: every operand the error calls `str` got its one value from the pieces of a
    `.split()`, which are text even when they hold digits. `+` is left out (joining text may
    be what was meant), but not `total += piece` into a number: that adds up."""
    operands = _operator_node(case)
    message = case.facts.message
    adds_up = re.match(r"unsupported operand type\(s\) for \+=: '(int|float)' and 'str'", message)
    if operands is None or (
        not adds_up and message.startswith(("can only", "unsupported operand type(s) for +"))
    ):
        return None
    left, right, types = operands
    if not all(t in ("str", "int", "float") for t in types) or "str" not in types:
        return None
    texts = [node for node, kind in zip((left, right), types, strict=True) if kind == "str"]
    found = [_split_piece(case, node) for node in texts]
    if not all(found) or len({node.id for node in texts}) != len(texts):  # type: ignore[attr-defined]
        return None
    clauses: dict[tuple[int, str], list[str]] = {}  # (line, how) -> the names it sets
    for node, (line, how) in zip(texts, found, strict=True):  # type: ignore[misc]
        clauses.setdefault((line, how), []).append(node.id)  # type: ignore[attr-defined]
    sources = "; ".join(how.format(_names(names)) for (_, how), names in clauses.items())
    line, one = case.frame.line, len(texts) == 1
    return Diagnosis(
        "text_from_split",
        min(piece_line for piece_line, _ in found),  # type: ignore[misc]
        f"On line {line}, {_names([n.id for n in texts])} "  # type: ignore[attr-defined]
        f"{'is a string' if one else 'are strings'} (the error says `str`): {sources}, and the "
        "pieces `.split()` gives are text, even when they hold digits; nothing turns "
        f"{'it into a number' if one else 'them into numbers'} before line {line} uses "
        f"{'it' if one else 'them'} as {'one' if one else 'numbers'}",
        f"What has to happen to each piece of the split text before line {line} can use it as "
        "a number?",
    )


def _split_piece(case: _Case, node: ast.expr) -> tuple[int, str] | None:
    """(the split's line, a clause saying how `node` gets a piece, `{}` for its name) where
    `node` is a name whose one binding takes a piece of a `.split()`: `a, b = text.split()`,
    or `for a in <the split, or a name set once to it>:`."""
    program = case.program
    binding = program.only_binding(node.id) if isinstance(node, ast.Name) else None
    if binding is None:
        return None
    statement = program.statement_at(binding.line)
    if binding.kind == "assign" and (piece := _item_of_split(program, binding.value)):
        return binding.line, f"line {binding.line} sets {{}} to {piece}"
    if binding.kind in ("assign", "other") and isinstance(statement, ast.Assign):
        target = statement.targets[0] if len(statement.targets) == 1 else None
        if (
            isinstance(target, ast.Tuple)
            and _is_split(program, statement.value)
            and any(isinstance(t, ast.Name) and t.id == node.id for t in target.elts)  # type: ignore[union-attr]
        ):
            split = _code(_source(statement.value))
            return binding.line, f"line {binding.line} sets {{}} from {split}"
        return None
    loop = _loop_over(program, node.id, case.frame.line)
    if binding.kind != "for" or loop is None or loop.lineno != binding.line:
        return None
    pieces, start = loop.iter, f"the loop on line {loop.lineno} sets {{}} to each item of "
    if isinstance(pieces, ast.Name) and (split := program.only_binding(pieces.id)):
        if split.kind == "assign" and _is_split(program, _unwrapped(program, split.value)):
            return split.line, (
                f"{start}{_code(pieces.id)}, which line {split.line} sets to "
                f"{_code(_source(split.value))}"  # type: ignore[arg-type]
            )
        return None
    if _is_split(program, pieces):
        return loop.lineno, f"{start}{_code(_source(pieces))}"
    return None


def _is_split(program: Program, value: ast.expr | None) -> bool:
    """`text.split(...)` where the program defines no `split` of its own: a string's (or
    `re`'s) split always gives back a list of strings."""
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return False
    return value.func.attr in ("split", "rsplit") and not program.functions(value.func.attr)


def _text_arithmetic(case: _Case) -> Diagnosis | None:
    """`return parts[0] * 60 + parts[1]` or `lengths.append(hours * 60 + minutes)` with split
    pieces: on text `*` repeats and `+` joins, so the sum is quietly text too and fails only
    later, where a function's results meet `-` or `sum()` adds the list up. The line to fix
    is the one that does the arithmetic, not the one that fails."""
    found = _returned_text(case) or _summed_text(case)
    if found is None:
        return None
    shown, where, expr = found
    if not isinstance(expr, ast.BinOp):
        return None  # a bare piece: no `*` or `+` hid the text
    line, pieces = case.frame.line, _pieces_in(case.program, expr)
    splits: dict[tuple[int, str], list[str]] = {}
    for leaf, split_line, split in pieces or []:
        splits.setdefault((split_line, split), []).append(leaf)
    sources = "; ".join(
        f"{_names(leaves)} {'is a piece' if len(leaves) == 1 else 'are pieces'} of "
        f"{_code(split)} from line {split_line}"
        for (split_line, split), leaves in splits.items()
    )
    return Diagnosis(
        "text_arithmetic",
        expr.lineno,
        f"On line {line}, {shown} (the error says `str`): {where} {_code(_source(expr))}, "
        f"where {sources}, and the pieces `.split()` gives are text, even when they hold "
        "digits; on text `*` repeats it and `+` joins it, so the result is text as well",
        f"What has to happen to each piece of the split text before line {expr.lineno} can "
        "do arithmetic with it?",
    )


def _returned_text(case: _Case) -> tuple[str, str, ast.expr] | None:
    """(what is text, how, the expression) where every operand the error calls `str` is a
    call of one program function whose one `return` gives split pieces joined or repeated."""
    operands = _operator_node(case)
    if operands is None:
        return None
    texts = [n for n, kind in zip(operands[:2], operands[2], strict=True) if kind == "str"]
    calls = [n for n in texts if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    if not texts or len(calls) != len(texts) or len({c.func.id for c in calls}) != 1:  # type: ignore[attr-defined]
        return None
    functions = case.program.functions(calls[0].func.id)  # type: ignore[attr-defined]
    if len(functions) != 1:
        return None
    returns = [n for n in ast.walk(functions[0]) if isinstance(n, ast.Return)]
    if len(returns) != 1 or returns[0].value is None:
        return None
    if not _pieces_in(case.program, returns[0].value):
        return None
    one = len(texts) == 1
    shown = f"{_names([_source(c) for c in calls])} {'is a string' if one else 'are strings'}"
    return shown, f"line {returns[0].lineno} returns", returns[0].value


def _summed_text(case: _Case) -> tuple[str, str, ast.expr] | None:
    """`sum(lengths)` adding text, where `lengths = []` gets one `.append(...)` of split
    pieces joined or repeated and is otherwise only read."""
    if case.facts.message != "unsupported operand type(s) for +: 'int' and 'str'":
        return None
    call = _failing_node(case.program, case.frame, ast.Call)
    if call is None or getattr(call.func, "id", "") != "sum" or len(call.args) != 1:
        return None
    if "sum" in case.program.bindings or not isinstance(call.args[0], ast.Name):
        return None
    appends = _append_calls(case.program, call.args[0].id)
    if appends is None or len(appends) != 1 or not _pieces_in(case.program, appends[0].args[0]):
        return None
    name, line = call.args[0].id, appends[0].lineno
    where = f"{_code(name)} gets its items only from line {line}, which appends"
    return f"{_code(_source(call))} adds up strings", where, appends[0].args[0]


def _append_calls(program: Program, name: str) -> list[ast.Call] | None:
    """Each `name.append(x)` where `name = []` is set once and otherwise only read."""
    binding = program.only_binding(name)
    if binding is None or not isinstance(binding.value, ast.List) or binding.value.elts:
        return None
    found = []
    for use in _uses(program, name):
        call = program.parents.get(program.parents.get(use))
        is_append = isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "append"
        if is_append and call.func.value is use and len(call.args) == 1:  # type: ignore[union-attr]
            found.append(call)
        elif not _only_read(program, use):
            return None
    return found  # type: ignore[return-value]


def _pieces_in(program: Program, node: ast.expr) -> list[tuple[str, int, str]] | None:
    """(each piece's source, its split's line and source) where `node` is certainly text
    made of split pieces: a piece, a piece repeated (`*`), pieces joined (`+`)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Add):
        left, right = _pieces_in(program, node.left), _pieces_in(program, node.right)
        if isinstance(node.op, ast.Mult) and left and right:
            return None  # text times text fails: not what ran
        return (left or []) + (right or []) or None
    if _item_of_split(program, node):
        split = program.only_binding(node.value.id)  # type: ignore[attr-defined]
        return [(_source(node), split.line, _source(split.value))]  # type: ignore[union-attr,arg-type]
    binding = program.only_binding(node.id) if isinstance(node, ast.Name) else None
    if binding is None or binding.kind not in ("assign", "other"):
        return None
    statement = program.statement_at(binding.line)
    item = _pieces_in(program, binding.value) if binding.kind == "assign" else None  # type: ignore[arg-type]
    if item and isinstance(binding.value, ast.Subscript):  # `amount = parts[1]`
        return [(node.id, item[0][1], item[0][2])]
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Tuple) and _is_split(program, statement.value):
            if any(isinstance(t, ast.Name) and t.id == node.id for t in target.elts):  # type: ignore[attr-defined]
                return [(node.id, binding.line, _source(statement.value))]  # type: ignore[attr-defined]
    return None


def _unwrapped(program: Program, value: ast.expr | None) -> ast.expr | None:
    """`set(text.split())` holds the same pieces as `text.split()`: the call inside a
    built-in `set`, `list`, `sorted` or `tuple` (the program defining none of its own)."""
    if (
        isinstance(value, ast.Call)
        and getattr(value.func, "id", "") in ("set", "list", "sorted", "tuple")
        and getattr(value.func, "id", "") not in program.bindings
        and len(value.args) == 1
        and not value.keywords
    ):
        return value.args[0]
    return value


def _item_of_split(program: Program, value: ast.expr | None) -> str:
    """`parts[1]` where `parts` is set once to `line.split()`: a clause naming the piece and
    its split ("" if `value` is no such item). A slice is a list, so it is left out."""
    if not isinstance(value, ast.Subscript) or not isinstance(value.value, ast.Name):
        return ""
    if isinstance(value.slice, ast.Slice):
        return ""
    split = program.only_binding(value.value.id)
    if split is None or split.kind != "assign" or not _is_split(program, split.value):
        return ""
    return (
        f"{_code(_source(value))}, a piece of {_code(_source(split.value))} "  # type: ignore[arg-type]
        f"from line {split.line}"
    )


def _is_text(program: Program, node: ast.expr) -> bool:
    """A name set once to text: a string literal, `input()`, text joined or repeated."""
    binding = program.only_binding(node.id) if isinstance(node, ast.Name) else None
    value = binding.value if binding is not None and binding.kind == "assign" else None
    return value is not None and (_is_input_call(value) or _text_type(program, value) == "str")


def _only_text_binding(program: Program, name: str) -> Origin | None:
    """`amount = input(...)` in one branch, `amount = float(input(...))` in another: where
    the error says `amount` is text, the one binding that gives text is the one that ran."""
    found = program.bindings.get(name, [])
    if name in program.declared or any(b.kind != "assign" or b.value is None for b in found):
        return None
    texts = [b for b in found if _is_input_call(b.value)]  # type: ignore[arg-type]
    others = [b for b in found if b not in texts]
    if len(texts) != 1 or not others:
        return None
    if any(_value_type(program, b.value) not in ("int", "float") for b in others):  # type: ignore[arg-type]
        return None
    return Origin(name, texts[0].line, _source(texts[0].value), "str")  # type: ignore[arg-type]


_PERCENT_PLACE = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z%]")


def _format_count(case: _Case) -> Diagnosis | None:
    """`"%d items, %.2f euros" % (name, count, cost)`: more or fewer values than places."""
    if not re.match(
        r"^%\w format: |^not all arguments converted|^not enough arguments for format",
        case.facts.message,
    ):
        return None
    node = _failing_node(case.program, case.frame, ast.BinOp)
    if node is None or not isinstance(node.op, ast.Mod) or not isinstance(node.right, ast.Tuple):
        return None
    text = node.left
    if not isinstance(text, ast.Constant) or not isinstance(text.value, str):
        return None
    places = [p for p in _PERCENT_PLACE.findall(text.value) if p != "%%"]
    values = node.right.elts
    if any("*" in p or "(" in p for p in places) or any(isinstance(v, ast.Starred) for v in values):
        return None
    if len(places) == len(values):
        return None
    return Diagnosis(
        "format_count",
        case.frame.line,
        f"The text on line {case.frame.line} has {len(places)} `%` places "
        f"({_names(places).replace('`', '')}), but the tuple after `%` gives "
        f"{len(values)} values, so the values and the places do not pair up",
        f"Which value belongs in which place on line {case.frame.line}, and does each "
        "place's letter suit its value?",
    )


def _dict_of_input_text(case: _Case) -> Diagnosis | None:
    """`heights[name] = input(...)` and later `heights[tallest] > 50`: every value stored in
    the dict is the text `input()` gave back."""
    node = _str_operand(case)
    if not isinstance(node, ast.Subscript) or not isinstance(node.value, ast.Name):
        return None
    name, program = node.value.id, case.program
    binding = program.only_binding(name)
    if binding is None or not isinstance(binding.value, ast.Dict) or binding.value.keys:
        return None
    stores = []
    for use in _uses(program, name):
        parent = program.parents.get(use)
        if isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store):
            statement = program.parents.get(parent)
            if not isinstance(statement, ast.Assign) or statement.targets != [parent]:
                return None
            stores.append(statement)
        elif not _only_read(program, use):
            return None
    if not stores or not all(_is_input_call(s.value) for s in stores):
        return None
    lines = sorted({s.lineno for s in stores})
    shown = ("line " if len(lines) == 1 else "lines ") + _names([str(n) for n in lines])
    return Diagnosis(
        "text_from_input",
        lines[0],
        f"On line {case.frame.line}, {_code(_source(node))} is a string: every value stored in "
        f"{_code(name)} is the text {_code('input()')} gives back ({shown.replace('`', '')}"
        f"), even when the user types a number, and nothing turns it into a number",
        f"What has to happen to the text from `input()` before it is stored in {_code(name)}?",
    )


def _list_of_input_text(case: _Case) -> Diagnosis | None:
    """`for r in readings:` then `r > too_hot`, where `readings = []` gets items only from
    `readings.append(reading)` and `reading = input(...)`: every item is the text `input()`
    gave back."""
    node, program = _str_operand(case), case.program
    loop = _loop_over(program, node.id, case.frame.line) if isinstance(node, ast.Name) else None
    binding = program.only_binding(node.id) if loop is not None else None  # type: ignore[union-attr]
    if binding is None or binding.kind != "for" or binding.line != loop.lineno:  # type: ignore[union-attr]
        return None
    items = loop.iter  # type: ignore[union-attr]
    appends = _appended_text(program, items.id) if isinstance(items, ast.Name) else None
    if not appends:
        return None
    call, typed = appends[0]
    return Diagnosis(
        "text_from_input",
        typed.lineno,
        f"On line {case.frame.line}, {_code(node.id)} is a string: the loop on line "  # type: ignore[union-attr]
        f"{loop.lineno} sets it to each item of {_code(items.id)}, and line {call.lineno} "  # type: ignore[union-attr]
        f"appends {_code(_source(call.args[0]))}, the text {_code(_source(typed))} gives back "
        f"on line {typed.lineno}; `input()` always gives back text, even when the user types "
        "a number, and nothing turns it into a number",
        f"What has to happen to the text from `input()` before it goes into {_code(items.id)}?",
    )


def _appended_text(program: Program, name: str) -> list[tuple[ast.Call, ast.expr]] | None:
    """(each `name.append(x)`, the `input(...)` that x is) where `name = []` is set once and
    otherwise only read, and every item appended is `input(...)` or a name set once to it."""
    binding = program.only_binding(name)
    if binding is None or not isinstance(binding.value, ast.List) or binding.value.elts:
        return None
    found = []
    for use in _uses(program, name):
        call = program.parents.get(program.parents.get(use))
        is_append = isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "append"
        if not is_append or call.func.value is not use or len(call.args) != 1:  # type: ignore[union-attr]
            if not _only_read(program, use):
                return None
            continue
        item = call.args[0]  # type: ignore[union-attr]
        if isinstance(item, ast.Name) and (set_once := program.only_binding(item.id)):
            item = set_once.value if set_once.kind == "assign" else None
        if item is None or not _is_input_call(item) or "input" in program.bindings:
            return None
        found.append((call, item))
    return found


_ORDER_MIXED = re.compile(
    r"^'[<>]=?' not supported between instances of '(str|int|float)' and '(str|int|float)'$"
)


def _input_among_numbers(case: _Case) -> Diagnosis | None:
    """`max(heights)` (or `min`, `sorted`, `.sort()`, `sorted(d.values())`) where `heights`
    is written out with numbers only and gets nothing else but `input()` text: the one
    string among the numbers is what `input()` gave back."""
    kinds = _ORDER_MIXED.match(case.facts.message)
    if kinds is None or sorted(kinds.groups())[-1] != "str" or len(set(kinds.groups())) != 2:
        return None
    found = _ordered_collection(case)
    binding = case.program.only_binding(found.id) if found is not None else None
    value = binding.value if binding is not None and binding.kind == "assign" else None
    items = value.elts if isinstance(value, ast.List) else getattr(value, "values", None)
    if not items or not all(_value_type(case.program, i) in ("int", "float") for i in items):
        return None
    added = _added_input(case.program, found.id)  # type: ignore[union-attr]
    if not added:
        return None
    store, typed = added[0]
    name, line = _code(found.id), case.frame.line  # type: ignore[union-attr]
    return Diagnosis(
        "text_from_input",
        typed.lineno,
        f"Line {line} compares the values of {name} by size, and they are the numbers written on "
        f"line {binding.line} and {_code(_source(store))} (line {store.lineno}), the text "  # type: ignore[union-attr]
        f"{_code(_source(typed))} gives back on line {typed.lineno}; `input()` always gives "
        "back text, even when the user types a number, and text cannot be compared with "
        "numbers by size",
        f"What has to happen to the text from `input()` before it goes into {name}?",
    )


def _ordered_collection(case: _Case) -> ast.Name | None:
    """`x` of `max(x)`, `min(x)`, `sorted(x)`, `sorted(x.values())` or `x.sort()` on the
    failing line."""
    call = _failing_node(case.program, case.frame, ast.Call)
    if call is None or call.keywords and getattr(call.func, "id", "") != "sorted":
        return None
    name = getattr(call.func, "id", "")
    if isinstance(call.func, ast.Attribute) and call.func.attr == "sort" and not call.args:
        target = call.func.value
    elif name in ("max", "min", "sorted") and name not in case.program.bindings:
        target = call.args[0] if len(call.args) == 1 else None
    else:
        return None
    if isinstance(target, ast.Call) and getattr(target.func, "attr", "") == "values":
        target = target.func.value if not target.args else None  # type: ignore[attr-defined]
    return target if isinstance(target, ast.Name) else None


def _added_input(program: Program, name: str) -> list[tuple[ast.expr, ast.expr]] | None:
    """(each item added to `name`, the `input(...)` it is) where every `name.append(x)` or
    `name[k] = x` adds `input(...)` or a name set once to it, and other uses only read."""
    found = []
    for use in _uses(program, name):
        parent = program.parents.get(use)
        call = program.parents.get(parent)
        if isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store):
            statement = program.parents.get(parent)
            if not isinstance(statement, ast.Assign) or statement.targets != [parent]:
                return None
            item = statement.value
        elif (
            isinstance(call, ast.Call)
            and getattr(call.func, "attr", "") == "append"
            and call.func.value is use  # type: ignore[attr-defined]
            and len(call.args) == 1
        ):
            item = call.args[0]
        elif _only_read(program, use) or _dict_reading(program, use):
            continue
        else:
            return None
        typed = item
        if isinstance(item, ast.Name) and (set_once := program.only_binding(item.id)):
            typed = set_once.value if set_once.kind == "assign" else None
        if typed is None or not _is_input_call(typed) or "input" in program.bindings:
            return None
        found.append((item, typed))
    return found


def _str_operand(case: _Case) -> ast.expr | None:
    """The expression on the failing line that the message says is a str used as a number."""
    message, program, frame = case.facts.message, case.program, case.frame
    operands = _operator_node(case)
    if operands is not None:
        left, right, types = operands
        if message.startswith("can only concatenate") and not isinstance(right, ast.Constant):
            return None  # `name + age`: the text, or the number joined to it, may be the slip
        if types[0] == "str" and types[1] in ("int", "float"):
            return _text_factor(case, _repeated_name(left))
        if types[1] == "str" and types[0] in ("int", "float"):
            return _text_factor(case, _repeated_name(right))
        return None
    if re.search(r"indices must be integers(?: or slices)?, not '?str'?$", message):
        node = _failing_node(program, frame, ast.Subscript, _LOOKUP_CALLS)
        return node.slice if node is not None else None
    if message.startswith("can't multiply sequence by non-int of type 'float'"):
        node = _failing_node(program, frame, ast.BinOp)
        if node is None or not isinstance(node.op, ast.Mult):
            return None
        sides = [s for s in (node.left, node.right) if _is_input(_value_origin(case, s))]
        return sides[0] if len(sides) == 1 else None
    if message == "'str' object cannot be interpreted as an integer":
        call = _failing_node(program, frame, ast.Call)
        if call is None or getattr(call.func, "id", "") != "range" or "range" in program.bindings:
            return None
        texts = [a for a in call.args if _is_input(_value_origin(case, a))]
        return texts[0] if len(texts) == 1 else None
    if re.match(r"%[dif] format: a real number is required, not str", message):
        node = _failing_node(program, frame, ast.BinOp)
        if node is not None and isinstance(node.op, ast.Mod):
            return node.right
    return None


_FLOAT_USES = (
    re.compile(r"indices must be integers(?: or slices)?, not '?float'?$"),
    re.compile(r"^'float' object cannot be interpreted as an integer$"),
    re.compile(r"^can't multiply sequence by non-int of type 'float'$"),
)


def _float_from_division(case: _Case) -> Diagnosis | None:
    """A name set once from `a / b` (always a float) used as an index, a count or a range."""
    if not any(p.search(case.facts.message) for p in _FLOAT_USES):
        return None
    statement = case.program.statement_at(case.frame.line)
    found = []
    for node in ast.walk(statement) if statement is not None else ():
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            binding = _division_binding(case.program, node.id)
            if binding is not None:
                found.append((node.id, binding))
    if not found:
        return _divided_index(case)
    if len({name for name, _ in found}) != 1:
        return None
    name, binding = found[0]
    return Diagnosis(
        "float_from_division",
        binding.line,
        f"{_code(name)} is computed on line {binding.line} as "
        f"{_code(_source(binding.value))}, and `/` always gives a float (a number with a "
        f"decimal point), even when it divides evenly; line {case.frame.line} needs a whole "
        "number there",
        "Which kind of division gives a whole number?",
    )


def _division_binding(program: Program, name: str) -> Binding | None:
    """The binding `name = a / b` where every other binding of `name` only adds a whole
    number to it (`rows = rows + 1`, `rows += 1`): a float stays a float, so the float
    certainly comes from that division."""
    bindings = program.bindings.get(name, [])
    divisions = [
        b
        for b in bindings
        if b.kind == "assign" and isinstance(b.value, ast.BinOp) and isinstance(b.value.op, ast.Div)
    ]
    if len(divisions) != 1 or name in program.declared:
        return None
    rest = [b for b in bindings if b is not divisions[0]]
    if any(b.line <= divisions[0].line or not _adds_whole(program, b) for b in rest):
        return None
    return divisions[0]


def _adds_whole(program: Program, binding: Binding) -> bool:
    """`rows = rows + 1` or `rows += 1` (or `-`): the name plus or minus a whole number."""
    statement = program.statement_at(binding.line)
    if isinstance(statement, ast.AugAssign):
        step, op = statement.value, statement.op
    elif binding.kind == "assign" and isinstance(binding.value, ast.BinOp):
        value = binding.value
        if not (isinstance(value.left, ast.Name) and value.left.id == binding.name):
            return False
        step, op = value.right, value.op
    else:
        return False
    return (
        isinstance(op, ast.Add | ast.Sub)
        and isinstance(step, ast.Constant)
        and type(step.value) is int
    )


def _divided_index(case: _Case) -> Diagnosis | None:
    """`values[len(values) / 2]`: the index is itself a `/` division, always a float."""
    if not _FLOAT_USES[0].search(case.facts.message):
        return None
    node = _failing_node(case.program, case.frame, ast.Subscript, _LOOKUP_CALLS)
    index = node.slice if isinstance(node, ast.Subscript) else None
    if not isinstance(index, ast.BinOp) or not isinstance(index.op, ast.Div):
        return None
    return Diagnosis(
        "float_from_division",
        case.frame.line,
        f"Line {case.frame.line} uses {_code(_source(index))} as an index, and `/` always "
        "gives a float (a number with a decimal point), even when it divides evenly; an "
        "index must be a whole number",
        "Which kind of division gives a whole number?",
    )


def _range_of_sequence(case: _Case) -> Diagnosis | None:
    """`for day in range(temps):` with `temps` a list: range counts up to a number."""
    kind = _quoted(
        case.facts.message, r"^'(list|dict|tuple|set)' object cannot be interpreted as an integer$"
    )
    call = _failing_node(case.program, case.frame, ast.Call)
    if not kind or call is None or getattr(call.func, "id", "") != "range":
        return None
    if "range" in case.program.bindings or call.keywords:
        return None
    found = [
        a
        for a in call.args
        if isinstance(a, ast.Name)
        and (origin := _value_origin(case, a)) is not None
        and origin.type == kind
    ]
    if len(found) != 1 or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    name = found[0].id
    return Diagnosis(
        "range_of_sequence",
        case.frame.line,
        f"Line {case.frame.line} gives `range()` {_code(name)} itself, which is "
        f"{_TYPE_WORDS[kind]}, but `range()` counts up to a number",
        f"Which number should `range()` count up to, and how do you get it from {_code(name)}?",
    )


def _sum_of_text(case: _Case) -> Diagnosis | None:
    """`sum(prices)` with `prices = input(...).split(...)`: the pieces are text."""
    if case.facts.message != "unsupported operand type(s) for +: 'int' and 'str'":
        return None
    call = _failing_node(case.program, case.frame, ast.Call)
    if call is None or getattr(call.func, "id", "") != "sum" or len(call.args) != 1:
        return None
    if "sum" in case.program.bindings or not isinstance(call.args[0], ast.Name):
        return None
    name = call.args[0].id
    binding = case.program.only_binding(name)
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return None
    base = value.func.value
    if value.func.attr != "split" or not (
        _is_input_call(base) or _is_input(_value_origin(case, base))  # `line = input()`
    ):
        return None
    return Diagnosis(
        "sum_of_text",
        binding.line,  # type: ignore[union-attr]
        f"{_code(name)} is a list of strings: line {binding.line} splits the text typed at "  # type: ignore[union-attr]
        f"`input()`, and each piece is still text, even when it holds digits; `sum()` on line "
        f"{case.frame.line} can only add numbers",
        "What has to happen to each piece before the pieces can be added up?",
    )


def _number_joined_to_text(case: _Case) -> Diagnosis | None:
    """`"text" + number`: the number is certainly the right operand of the `+` that failed."""
    operands = _operator_node(case)
    match = re.search(r'can only concatenate str \(not "(int|float)"\)', case.facts.message)
    if operands is None or match is None:
        return None
    left, right, _types = operands
    if not _built_from_literal_text(left) or isinstance(right, ast.Constant):
        return None  # text that may have been meant as a number (`total = ""`), or `+ 1`
    shown = _source(right)
    if len(shown) > 30:
        return None
    kind = _TYPE_WORDS[match.group(1)]
    return Diagnosis(
        "number_joined_to_text",
        case.frame.line,
        f"On line {case.frame.line}, `+` joins text with {_code(shown)}, which is {kind} (a "
        "number), and `+` can only join text to text",
        f"How can {_code(shown)} be turned into text before it is joined?",
    )


def _range_counter_joined(case: _Case) -> Diagnosis | None:
    """`i + " x "` with `i` from `for i in range(...)`: an integer joined to text."""
    operands = _operator_node(case)
    if operands is None or "for +: 'int' and 'str'" not in case.facts.message:
        return None
    left, right, _types = operands
    if isinstance(left, ast.Call) and _built_from_literal_text(right):
        return _call_result_joined(case, left)
    if not isinstance(left, ast.Name) or not _built_from_literal_text(right):
        return None
    loop = _loop_over(case.program, left.id, case.frame.line)
    iterable = loop.iter if loop is not None else None
    if loop is None:
        return _whole_number_joined(case, left.id)
    if not isinstance(iterable, ast.Call) or getattr(iterable.func, "id", "") != "range":
        return None
    if "range" in case.program.bindings:
        return None
    why = f"it counts through {_code(_source(iterable))} on line {loop.lineno}"
    return _integer_joined(case, left.id, why)


def _call_result_joined(case: _Case, call: ast.Call) -> Diagnosis | None:
    """`word.count("a") + " a's"`, `len(names) + " names"`: the error says the left of `+`
    is an int, the call is a built-in's that counts (not the program's own function, whose
    `return` may be the slip), and the text on the right is text by intent."""
    shown, func, program = _source(call), call.func, case.program
    if isinstance(func, ast.Name):
        ok = func.id in _COUNTING_BUILTINS and func.id not in program.bindings
    else:
        ok = getattr(func, "attr", "") in _COUNTING_METHODS and not program.functions(func.attr)  # type: ignore[attr-defined]
    if not ok or len(shown) > 30:
        return None
    return _integer_joined(case, shown, "the error says `int`, the number the call gives back")


_COUNTING_BUILTINS = ("len", "sum", "round", "int", "abs")
_COUNTING_METHODS = ("count", "index", "find", "rfind")


def _whole_number_joined(case: _Case, name: str) -> Diagnosis | None:
    """`round_number + ": spell"` where the program's one line that sets `round_number`
    gives it a whole number written out (`round_number = 3`)."""
    binding = case.program.only_binding(name)
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if not (isinstance(value, ast.Constant) and type(value.value) is int):
        return None
    why = f"line {binding.line} sets it to {_code(_source(value))}"  # type: ignore[union-attr]
    return _integer_joined(case, name, why)


def _integer_joined(case: _Case, name: str, why: str) -> Diagnosis:
    """`number_joined_to_text`'s wording, with `why` saying how `name` is known to be an int."""
    return Diagnosis(
        "number_joined_to_text",
        case.frame.line,
        f"On line {case.frame.line}, `+` joins {_code(name)} to text, but {_code(name)} is an "
        f"integer ({why}), and `+` can only join text to text",
        f"How can {_code(name)} be turned into text before it is joined?",
    )


def _built_from_literal_text(node: ast.expr) -> bool:
    """`"Total: "`, an f-string, `str(x)`, or a `+` chain that has one of them: text by
    intent, so the number joined to it is the odd one out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "str":
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _built_from_literal_text(node.left) or _built_from_literal_text(node.right)
    return False


def _text_type(program: Program, value: ast.expr) -> str:
    """`_value_type`, and also `"_" * n` or `"a" + b`: text joined or repeated is text."""
    found = _value_type(program, value)
    if found or not isinstance(value, ast.BinOp) or not isinstance(value.op, ast.Mult | ast.Add):
        return found
    sides = (value.left, value.right)
    return "str" if any(_value_type(program, side) == "str" for side in sides) else ""


def _item_assignment(case: _Case) -> Diagnosis | None:
    """`position[1] += 1` on a tuple, `word[0] = ...` on a string: they cannot change."""
    kind = _quoted(case.facts.message, r"^'(str|tuple)' object does not support item assignment$")
    statement = case.program.statement_at(case.frame.line)
    targets = [
        node
        for node in (ast.walk(statement) if kind and statement is not None else ())
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
    ]
    targets = _one_name_swapped(targets)
    if len(targets) == 1 and kind == "str" and isinstance(targets[0].value, ast.Subscript):
        return _text_rows(case, targets[0])
    if len(targets) == 1 and kind == "tuple" and isinstance(targets[0].value, ast.Subscript):
        return _tuple_rows(case, targets[0])
    if len(targets) != 1 or not isinstance(targets[0].value, ast.Name):
        return None
    name = targets[0].value.id
    origin = _value_origin(case, targets[0].value)
    if origin is None and (binding := case.program.only_binding(name)) is not None:
        if binding.kind == "assign" and binding.value is not None:
            found = _text_type(case.program, binding.value)
            origin = Origin(name, binding.line, _source(binding.value), found) if found else None
    note = ""
    if origin is None and (binding := case.program.only_binding(name)) is not None:
        origin, note = _copied_text(case, binding)
    if origin is None and kind == "str":
        return _text_item_changed(case, targets[0])
    if origin is None or origin.type != kind:
        return None
    where = f"it gets {_code(origin.source)} on line {origin.line}{note}"
    if origin.parameter:
        where = f"it gets {_code(origin.name)} in the call on line {origin.call_line}"
    shown = origin.parameter or name
    plural = _plural(kind)
    return Diagnosis(
        "item_assignment",
        origin.call_line if origin.parameter else origin.line,
        f"{_code(shown)} is {_TYPE_WORDS[kind]} ({where}), and line {case.frame.line} changes "
        f"one of its items, {_code(_source(targets[0]))}; {plural} cannot be changed once "
        "they are made",
        f"Which kind of value could {_code(shown)} be so that its items can change, or should "
        f"line {case.frame.line} build a new {'string' if kind == 'str' else 'tuple'} instead?",
    )


def _one_name_swapped(targets: list[ast.Subscript]) -> list[ast.Subscript]:
    """`position[a], position[b] = ...` (a swap): every target an item of one name is one
    value that cannot change, so the first stands for them all."""
    names = {t.value.id if isinstance(t.value, ast.Name) else None for t in targets}
    return targets[:1] if len(names) == 1 and None not in names else targets


def _text_item_changed(case: _Case, target: ast.Subscript) -> Diagnosis:
    """`word[0] = ...` where `word` got its text is not read (a loop's item, several
    assignments): the error says it is a string there, and that settles the cause."""
    line, shown = case.frame.line, _code(_source(target.value))
    return Diagnosis(
        "item_assignment",
        line,
        f"Line {line} changes {_code(_source(target))}, one item of {shown}, but {shown} is a "
        "string there (the error says `str`), and strings cannot be changed once they are made",
        f"Which kind of value could {shown} be so that its items can change, or should line "
        f"{line} build a new string instead?",
    )


def _text_rows(case: _Case, target: ast.Subscript) -> Diagnosis | None:
    """`grid[y][x] = "X"` where `grid = []` gets its rows only from `grid.append("." * w)`:
    each row is a string, which cannot change."""
    rows = target.value.value  # type: ignore[attr-defined]
    program = case.program
    binding = program.only_binding(rows.id) if isinstance(rows, ast.Name) else None
    if binding is None or not isinstance(binding.value, ast.List) or binding.value.elts:
        return None
    appends = []
    for use in _uses(program, rows.id):
        call = program.parents.get(program.parents.get(use))
        if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "append":
            if call.func.value is use and len(call.args) == 1:  # type: ignore[attr-defined]
                appends.append(call)
                continue
        if not _only_read(program, use):
            return None
    if not appends or any(_text_type(program, c.args[0]) != "str" for c in appends):
        return None
    first = appends[0]
    return Diagnosis(
        "item_assignment",
        first.lineno,
        f"Each item of {_code(rows.id)} is a string (line {first.lineno} appends "
        f"{_code(_source(first.args[0]))}), and line {case.frame.line} changes one letter of "
        f"one, {_code(_source(target))}; strings cannot be changed once they are made",
        f"Which kind of value could each item of {_code(rows.id)} be so that its items can change?",
    )


def _tuple_rows(case: _Case, target: ast.Subscript) -> Diagnosis | None:
    """`stock[i][1] = ...` where `stock` is a list written out once, every item a tuple,
    and only read after: each item is a tuple, which cannot change."""
    rows, program = target.value.value, case.program  # type: ignore[attr-defined]
    binding = program.only_binding(rows.id) if isinstance(rows, ast.Name) else None
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if not isinstance(value, ast.List) or not value.elts:
        return None
    if not all(isinstance(item, ast.Tuple) for item in value.elts):
        return None
    if not all(_only_read(program, use) for use in _uses(program, rows.id)):
        return None
    line = case.frame.line
    return Diagnosis(
        "item_assignment",
        line,
        f"Each item of {_code(rows.id)} is a tuple (written in round brackets on line "
        f"{value.lineno}), and line {line} changes one value inside one, "
        f"{_code(_source(target))}; tuples cannot be changed once they are made",
        f"Which kind of value could each item of {_code(rows.id)} be so that its values can "
        f"change, or should line {line} build a new tuple instead?",
    )


def _copied_text(case: _Case, binding: Binding) -> tuple[Origin | None, str]:
    """`masked = card` where `card` is the text `input()` gave: `masked` is that string
    (its origin, and a clause that says where `card` got it)."""
    value = binding.value if binding.kind == "assign" else None
    source = _value_origin(case, value) if isinstance(value, ast.Name) else None
    if source is None or source.type != "str" or source.parameter:
        return None, ""
    note = (
        f", and {_code(source.name)} is the string {_code(source.source)} gave on line "
        f"{source.line}"
    )
    return Origin(binding.name, binding.line, source.name, "str"), note


def _unhashable_list(case: _Case) -> Diagnosis | None:
    """A list put in a set, used as a dict key or looked up with `in` a dict or set."""
    if case.facts.message != "unhashable type: 'list'":
        return None
    statement = case.program.statement_at(case.frame.line)
    found: list[tuple[ast.expr, str]] = []
    for node in ast.walk(statement) if statement is not None else ():
        if getattr(node, "lineno", case.frame.line) != case.frame.line:
            continue  # the body of an `if` or a loop that starts on the failing line
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add":
            found += [(a, "puts it in a set with `.add()`") for a in node.args[:1]]
        elif isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.In | ast.NotIn):
            found.append((node.left, "looks it up with `in` among a dict's keys or a set's items"))
        elif isinstance(node, ast.Subscript):
            found.append((node.slice, "uses it as a dict's key"))
    lists = []
    for node, how in found:
        if isinstance(node, ast.Name):
            binding = _reaching_binding(case.program, node.id, case.frame.line)
            value = binding.value if binding is not None else None
            if value is not None and _value_type(case.program, value) == "list":
                lists.append((node.id, binding, how))
    if len({name for name, _, _ in lists}) != 1 or len({how for _, _, how in lists}) != 1:
        return None
    name, binding, how = lists[0]
    made = ""
    if isinstance(binding.value, ast.Call):
        made = f", from {_code(_source(binding.value))}, which always gives back a list"
    return Diagnosis(
        "unhashable_list",
        binding.line,
        f"{_code(name)} is a list (line {binding.line}{made}), and line {case.frame.line} {how}; "
        "the keys of a dict and the items of a set must be values that can never change, and "
        "a list can change",
        f"Which kind of sequence, one that cannot change, could {_code(name)} be instead?",
    )


def _reaching_binding(program: Program, name: str, line: int) -> Binding | None:
    """The name's one binding at or before `line` where every other binding comes later and
    outside each loop around `line` (so none of them can reach it)."""
    found = program.bindings.get(name, [])
    before = [b for b in found if b.line <= line]
    if len(before) != 1 or name in program.declared:
        return None
    loops = program.enclosing(line, (ast.For, ast.While))
    for later in found:
        if later is not before[0] and any(
            loop.lineno <= later.line <= (loop.end_lineno or 0) for loop in loops
        ):
            return None
    return before[0]


def _number_as_sequence(case: _Case) -> Diagnosis | None:
    """`for d in number:`, `len(number)` or `for i in len(xs):`: a number where a sequence
    is needed."""
    message, program = case.facts.message, case.program
    statement = program.statement_at(case.frame.line)
    if message == "'int' object is not iterable" and isinstance(statement, ast.For):
        node, how = statement.iter, "goes through it with a `for` loop"
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", "") == "len"
            and "len" not in program.bindings
        ):
            return Diagnosis(
                "number_as_sequence",
                case.frame.line,
                f"The loop on line {case.frame.line} goes through {_code(_source(node))}, which "
                "is one number, the length, and a `for` loop needs a sequence of values to go "
                "through",
                "Which built-in function gives the whole numbers from 0 up to a length?",
            )
    elif message == "'int' object is not subscriptable":
        found = _failing_node(program, case.frame, ast.Subscript)
        if not isinstance(found, ast.Subscript):
            return None
        node, how = found.value, f"picks an item out of it, {_code(_source(found))}"
    elif message == "object of type 'int' has no len()":
        call = _failing_node(program, case.frame, ast.Call)
        if call is None or getattr(call.func, "id", "") != "len" or len(call.args) != 1:
            return None
        node, how = call.args[0], "asks for its length"
    else:
        return None
    origin = _value_origin(case, node)
    if origin is None or origin.type != "int":
        return None
    if not origin.source.startswith("int(") and not origin.source.isdigit():
        return None  # `int(...)` or a whole number written out (`number = 4071`)
    return Diagnosis(
        "number_as_sequence",
        origin.line,
        f"{_code(origin.name)} is an integer (it gets {_code(origin.source)} on line "
        f"{origin.line}), and line {case.frame.line} {how}; a number is one value, with no "
        "items and no length",
        f"What should line {case.frame.line} use there: the digits of {_code(origin.name)} as "
        "text, a range of numbers, or something else?",
    )


def _join_numbers(case: _Case) -> Diagnosis | None:
    """`", ".join(numbers)` where the items are numbers: join only joins text."""
    match = re.match(r"^sequence item (\d+): expected str instance, (int|float) found$",
                     case.facts.message)  # fmt: skip
    call = _failing_node(case.program, case.frame, ast.Call)
    if match is None or call is None or getattr(call.func, "attr", "") != "join":
        return None
    if len(call.args) != 1 or not isinstance(call.func.value, ast.Constant):  # type: ignore[attr-defined]
        return None
    items = _source(call.args[0])
    return Diagnosis(
        "join_numbers",
        case.frame.line,
        f"Line {case.frame.line} joins the items of {_code(items)} with `.join()`, which can "
        f"only join text, but item {match.group(1)} of {_code(items)} is "
        f"{_TYPE_WORDS[match.group(2)]}, a number",
        f"What has to happen to each item of {_code(items)} before it can be joined?",
    )


def _text_operands(case: _Case) -> list[ast.expr]:
    """The operands on the failing line that the message says may be text."""
    node = _str_operand(case)
    if node is not None:
        return [node]
    if case.facts.message.startswith("can't multiply sequence by non-int"):
        operator = _failing_node(case.program, case.frame, ast.BinOp)
        if operator is not None and isinstance(operator.op, ast.Mult):
            return [operator.left, operator.right]
    return []


def _one_step(case: _Case, node: ast.expr) -> tuple | None:
    """(name, its binding, the value, [the input() name]) where `node` is a name set once
    from `*` or `+` with exactly one side the text of `input()`."""
    if not isinstance(node, ast.Name):
        return None
    binding = case.program.only_binding(node.id)
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if not isinstance(value, ast.BinOp) or not isinstance(value.op, ast.Mult | ast.Add):
        return None
    sides = [s for s in (value.left, value.right) if _is_input(_value_origin(case, s))]
    if len(sides) != 1 or not isinstance(sides[0], ast.Name):
        return None
    return node, binding, value, sides


def _text_one_step(case: _Case) -> Diagnosis | None:
    """`total = people * slices` with `slices` from `input()`: `total` is text too, and
    line N uses it as a number."""
    found = [step for node in _text_operands(case) if (step := _one_step(case, node))]
    if len(found) != 1:
        return None
    node, binding, value, sides = found[0]
    origin = _value_origin(case, sides[0])
    line = case.frame.line
    return Diagnosis(
        "text_one_step",
        origin.line,  # type: ignore[union-attr]
        f"On line {line}, {_code(node.id)} is text, not a number: line {binding.line} "  # type: ignore[union-attr]
        f"computes it as {_code(_source(value))}, and {_code(sides[0].id)} gets its value "
        f"from {_code(origin.source)} on line {origin.line}, which always gives back text; "  # type: ignore[union-attr]
        "`*` or `+` with text repeats or joins the text instead of doing arithmetic",
        f"What has to happen to the text from `input()` before {_code(sides[0].id)} can be used "
        "as a number?",
    )


def _split_one_step(case: _Case) -> Diagnosis | None:
    """`now_min = h * 60 + m` with `h, m = now.split(":")`, then `t > now_min`: the error
    says `now_min` is text, and its one value is `*` and `+` of split pieces and written-out
    whole numbers only, so the pieces, text, were repeated and joined (r14-006)."""
    found = [node for node in _text_operands(case) if isinstance(node, ast.Name)]
    binding = case.program.only_binding(found[0].id) if len(found) == 1 else None
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if not isinstance(value, ast.BinOp):
        return None
    pieces, leaves = [], _arithmetic_leaves(value)
    for leaf in leaves or []:
        if isinstance(leaf, ast.Name) and (piece := _split_piece(case, leaf)):
            pieces.append((leaf.id, piece))
        elif not (isinstance(leaf, ast.Constant) and type(leaf.value) is int):
            return None
    if not pieces or len({name for name, _ in pieces}) != len(pieces):
        return None
    clauses: dict[tuple[int, str], list[str]] = {}
    for name, (line, how) in pieces:
        clauses.setdefault((line, how), []).append(name)
    sources = "; ".join(how.format(_names(names)) for (_, how), names in clauses.items())
    line, name = case.frame.line, found[0].id
    return Diagnosis(
        "text_one_step",
        min(piece_line for (piece_line, _) in clauses),  # where the text comes from, as above
        f"On line {line}, {_code(name)} is text, not a number: line {binding.line} computes "  # type: ignore[union-attr]
        f"it as {_code(_source(value))}, and {sources}; the pieces `.split()` gives are text, "
        "even when they hold digits, and `*` or `+` with text repeats or joins the text "
        "instead of doing arithmetic",
        f"What has to happen to the pieces of the split text before line {binding.line} "  # type: ignore[union-attr]
        "can do arithmetic with them?",
    )


def _arithmetic_leaves(node: ast.expr) -> list[ast.expr] | None:
    """The operands of a chain of `*` and `+` (None if another operator is in it)."""
    if not isinstance(node, ast.BinOp):
        return [node]
    if not isinstance(node.op, ast.Mult | ast.Add):
        return None
    left, right = _arithmetic_leaves(node.left), _arithmetic_leaves(node.right)
    return None if left is None or right is None else left + right


def _quoted_numbers(case: _Case) -> Diagnosis | None:
    """`tides[1] + 12.4` (or `-`, `<`, ...) with `tides = ["3.5", "15.9"]`: every item of
    the list is written in quotes, so each is text though it holds a number. The list is
    written out once and only read or reordered (`sort`, `reverse`), so no item came from
    elsewhere; the other operand is a number."""
    operands = _operator_node(case)
    if operands is None:
        return None
    left, right, types = operands
    if sorted(types) not in (["float", "str"], ["int", "str"]):
        return None
    joined = case.facts.message.startswith("can only concatenate")
    if joined and not isinstance(right, ast.Constant):
        return None  # `code + n`: the number joined to the text may be the slip
    node = left if types[0] == "str" else right
    found = _quoted_list(case, node)
    if found is None:
        return None
    name, binding = found
    line, first = case.frame.line, _source(binding.value.elts[0])  # type: ignore[union-attr]
    return Diagnosis(
        "quoted_numbers",
        binding.line,
        f"On line {line}, {_code(_source(node))} is a string (the error says `str`): it is an "
        f"item of {_code(name)}, and line {binding.line} writes every item of {_code(name)} in "
        f"quotes ({_code(first)}, ...), so each is text, even though it holds a number; line "
        f"{line} uses one as a number",
        f"What makes the items on line {binding.line} text rather than numbers?",
    )


def _quoted_list(case: _Case, node: ast.expr) -> tuple[str, Binding] | None:
    """(the list's name, its binding) where `node` is `xs[i]` or a loop's item of `xs`, and
    `xs` is written out once as quoted numbers, otherwise only read or reordered."""
    program = case.program
    if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
        name = node.value.id if isinstance(node.value, ast.Name) else ""
    elif isinstance(node, ast.Name) and (loop := _loop_over(program, node.id, case.frame.line)):
        name = loop.iter.id if isinstance(loop.iter, ast.Name) else ""
    else:
        return None
    binding = program.only_binding(name) if name else None
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if not isinstance(value, ast.List) or not value.elts:
        return None
    texts = [e.value if isinstance(e, ast.Constant) else None for e in value.elts]
    if not all(isinstance(t, str) and _is_number_text(t) for t in texts):
        return None
    for use in _uses(program, name):
        parent = program.parents.get(use)
        reorders = isinstance(parent, ast.Attribute) and parent.attr in ("sort", "reverse")
        if not (reorders or _only_read(program, use, stores=False)):
            return None
    return name, binding  # type: ignore[return-value]


def _is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower() not in ("nan", "inf", "-inf", "infinity")


_ADDED_TEXT = re.compile(r"unsupported operand type\(s\) for \+: '(int|float)' and 'str'")


def _quoted_number_passed(case: _Case) -> Diagnosis | None:
    """`sum(self.notes)` fails on a str where `self.notes` starts `[]` in `__init__` and gets
    items only from `self.notes.append(amount)` in one method, and every call of that method
    passes a written-out number but one, which passes a number in quotes (r14-022)."""
    if not re.fullmatch(
        r"unsupported operand type\(s\) for \+: '(int|float)' and 'str'", str(case.facts.message)
    ):
        return None
    call = _failing_node(case.program, case.frame, ast.Call)
    if call is None or getattr(call.func, "id", "") != "sum" or len(call.args) != 1:
        return None
    held = call.args[0]
    if "sum" in case.program.bindings or _source(held).split(".")[0] != "self":
        return None
    if not isinstance(held, ast.Attribute) or not isinstance(held.value, ast.Name):
        return None
    found = _only_appended_param(case.program, held.attr)
    if found is None:
        return None
    method, parameter, index = found
    calls = [
        n
        for n in ast.walk(case.program.tree)  # type: ignore[arg-type]
        if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == method.name
    ]
    given = [c.args[index] if len(c.args) > index and not c.keywords else None for c in calls]
    if not given or not all(isinstance(g, ast.Constant) for g in given):
        return None
    texts = [g for g in given if isinstance(g.value, str)]  # type: ignore[union-attr]
    if len(texts) != 1 or not _is_number_text(texts[0].value):  # type: ignore[union-attr]
        return None
    if not all(type(g.value) in (int, float) for g in given if g is not texts[0]):  # type: ignore[union-attr]
        return None
    line, quoted = texts[0].lineno, _code(_source(texts[0]))
    return Diagnosis(
        "quoted_number_passed",
        line,
        f"On line {case.frame.line}, {_code(_source(call))} meets text among the numbers: "
        f"{_code(_source(held))} gets its items only from {_code(method.name)} (line "
        f"{method.lineno}), which appends {_code(parameter)}, and the call on line {line} "
        f"passes {quoted}, a number in quotes, which is text; every other call passes a number",
        f"What should line {line} pass so that it can be added up with the others?",
    )


def _only_appended_param(
    program: Program, attribute: str
) -> tuple[ast.FunctionDef, str, int] | None:
    """(the method, its parameter, that parameter's place in a call) where `self.<attribute>`
    is set only to `[]` in `__init__` and changed only by `self.<attribute>.append(p)` in that
    one method, `p` a plain parameter it never rebinds; every other use only reads it."""
    appends: list[tuple[ast.FunctionDef, str]] = []
    for node in ast.walk(program.tree):  # type: ignore[arg-type]
        if not (isinstance(node, ast.Attribute) and node.attr == attribute):
            continue
        scope, parent = program.scope_of(node), program.parents.get(node)
        if isinstance(node.ctx, ast.Store):
            value = parent.value if isinstance(parent, ast.Assign) else None
            if getattr(scope, "name", "") != "__init__" or not (
                isinstance(value, ast.List) and not value.elts
            ):
                return None
            continue
        grand = program.parents.get(parent) if parent is not None else None
        if isinstance(parent, ast.Attribute) and parent.attr == "append":
            if not (isinstance(grand, ast.Call) and len(grand.args) == 1):
                return None
            if not isinstance(grand.args[0], ast.Name) or not isinstance(scope, ast.FunctionDef):
                return None
            appends.append((scope, grand.args[0].id))
        elif not _only_read(program, node):  # type: ignore[arg-type]
            return None
    if len(appends) != 1:
        return None
    method, parameter = appends[0]
    names = [a.arg for a in method.args.posonlyargs + method.args.args][1:]
    own = [b for b in program.bindings.get(parameter, []) if b.scope is method]
    if parameter not in names or len(own) != 1 or len(program.functions(method.name)) != 1:
        return None
    return method, parameter, names.index(parameter)
