"""Loops and recursion that never end (KeyboardInterrupt, RecursionError) and a dict or set
changed while a `for` loop goes through it (RuntimeError)."""

from __future__ import annotations

import ast

from ..hintfacts import (
    _READING_METHODS,
    Program,
    _code,
    _failing_node,
    _names,
    _source,
    _unchanged_in_loop,
)
from ._common import Diagnosis, _Case, _is_self_attribute, _is_self_store


def _endless_while(case: _Case) -> Diagnosis | None:
    loops = case.program.enclosing(case.frame.line, (ast.While,))
    if not loops:
        return None
    loop = loops[0]
    unchanged = _unchanged_in_loop(case.program, loop)
    named = sorted({n.id for n in ast.walk(loop.test) if isinstance(n, ast.Name)})
    if not named or len(unchanged) != len(named):
        return None  # some name of the condition does change: why it never ends is unclear
    listed = _names(named).replace(" and ", " or ")
    return Diagnosis(
        "endless_while",
        loop.lineno,
        f"The loop {_code(f'while {_source(loop.test)}:')} on line {loop.lineno} keeps going "
        f"while its condition holds, and no line inside the loop changes {listed}, so the "
        "condition never changes and the loop never ends",
        "Which line should change the condition's value, and is it inside the loop?",
    )


def _same_arguments(case: _Case) -> Diagnosis | None:
    """A recursive call that passes the function's own parameters unchanged (or swapped)."""
    name = case.frame.function
    functions = case.program.functions(name) if name else []
    if len(functions) != 1 or "maximum recursion depth" not in case.facts.message:
        return None
    function = functions[0]
    parameters = [a.arg for a in function.args.posonlyargs + function.args.args]
    calls = [
        n
        for n in ast.walk(function)
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == name
    ]
    if not calls or not parameters or function.args.vararg or function.args.kwarg:
        return None
    reassigned = {
        b.name
        for p in parameters
        for b in case.program.bindings.get(p, [])
        if b.scope is function and b.kind != "arg"
    }
    if reassigned & set(parameters) or _changes_state(case.program, function, set(parameters)):
        return None
    same = [
        c for c in calls if not c.keywords and sorted(map(_whole, c.args)) == sorted(parameters)
    ]
    if len(same) != len(calls) and not _repeats_at(case, name, same):
        return None
    call = same[0]
    dropped = [
        s
        for s in ast.walk(function)
        if isinstance(s, ast.Expr)
        and isinstance(s.value, ast.BinOp)
        and {n.id for n in ast.walk(s.value) if isinstance(n, ast.Name)} & set(parameters)
    ]
    if len(dropped) == 1:
        shown = _source(dropped[0].value)
        return Diagnosis(
            "same_arguments",
            dropped[0].lineno,
            f"Line {dropped[0].lineno} computes {_code(shown)} but keeps the result nowhere, so "
            f"the recursive call {_code(_source(call))} on line {call.lineno} passes "
            f"{_code(name)} the same values it was given, and no call gets closer to a case "
            "that stops",
            f"Where should the result of {_code(shown)} go?",
        )
    return Diagnosis(
        "same_arguments",
        call.lineno,
        f"The recursive call {_code(_source(call))} on line {call.lineno} passes "
        f"{_code(name)} the same values it was given, so every call is like the one before "
        "and none gets closer to a case that stops",
        "What should change in the arguments so that each call is a smaller problem?",
    )


def _repeats_at(case: _Case, name: str, same: list[ast.Call]) -> bool:
    """True if the one call of `same` is where the recursion repeats: the traceback's last
    three frames are all in `name`, on that call's line (`return count_vowels(word)`, where
    another call passes `rest`)."""
    last = case.traceback.frames[-3:]
    return (
        len(same) == 1
        and len(last) == 3
        and all(f.file == case.frame.file and f.function == name for f in last)
        and all(f.line == same[0].lineno for f in last)
    )


def _changes_state(program: Program, function: ast.AST, parameters: set[str]) -> bool:
    """True if the function could make the same arguments mean something new: it changes a
    parameter in place (`stack.pop()`, `xs[0] = 1`) or declares a global or nonlocal.
    `folder.items()`, `xs.count(3)`: a dict or list method that only reads, where the
    program defines no method of that name, changes nothing."""
    for node in ast.walk(function):
        if isinstance(node, ast.Global | ast.Nonlocal):
            return True
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) in parameters:
            call = program.parents.get(node)
            reads = isinstance(call, ast.Call) and call.func is node
            if reads and node.attr in _READING_METHODS and not program.functions(node.attr):
                continue
            return True  # a method of a parameter: it may change it (pop, append, ...)
        if isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
            if getattr(node.value, "id", None) in parameters:
                return True
    return False


def _whole(node: ast.expr) -> str:
    """The parameter an argument passes unchanged (`words`, `words[0:]`, `words[:]`), or ""."""
    if isinstance(node, ast.Name):
        return node.id
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and isinstance(node.slice, ast.Slice)
        and node.slice.upper is None
        and node.slice.step is None
        and (node.slice.lower is None or _source(node.slice.lower) == "0")
    ):
        return node.value.id
    return ""


def _dict_changed_in_loop(case: _Case) -> Diagnosis | None:
    """`for k in d:` whose body deletes keys of `d` (or `for g in s:` items of a set `s`)."""
    kind = {
        "dictionary changed size during iteration": "dict",
        "Set changed size during iteration": "set",
    }.get(case.facts.message)
    if kind is None:
        return None
    loop = case.program.statement_at(case.frame.line)
    if not isinstance(loop, ast.For):
        return None
    iterable = loop.iter
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute):
        if kind == "set" or iterable.func.attr not in ("keys", "values", "items") or iterable.args:
            return None
        iterable = iterable.func.value
    if not isinstance(iterable, ast.Name):
        return None
    name = iterable.id
    changes = [
        node
        for statement in loop.body
        for node in ast.walk(statement)
        if _changes_size(node, name, kind)
    ]
    if len(changes) != 1:
        return None
    change = changes[0]
    if kind == "set":
        return Diagnosis(
            "dict_changed_in_loop",
            change.lineno,
            f"The loop on line {loop.lineno} goes through the set {_code(name)}, and line "
            f"{change.lineno} changes which items {_code(name)} has while the loop is still "
            f"going ({_code(_source(change))}); a set must not grow or shrink while a `for` "
            "loop goes through it",
            f"What could the loop go through instead, so that changing {_code(name)} does not "
            "disturb it?",
        )
    return Diagnosis(
        "dict_changed_in_loop",
        change.lineno,
        f"The loop on line {loop.lineno} goes through the dict {_code(name)}, and line "
        f"{change.lineno} changes which keys {_code(name)} has while the loop is still going "
        f"({_code(_source(change))}); a dict must not grow or shrink while a `for` loop goes "
        "through it",
        f"What could the loop go through instead, so that changing {_code(name)} does not "
        "disturb it?",
    )


def _changes_size(node: ast.AST, name: str, kind: str = "dict") -> bool:
    """`del d[k]`, `d.pop(k)`, `d.popitem()`, `d.clear()`: a statement that drops keys of d
    (of a set: `s.remove(x)`, `s.discard(x)`, `s.add(x)`, `s.pop()`, `s.clear()`)."""
    methods = ("pop", "popitem", "clear")
    if kind == "set":
        methods = ("remove", "discard", "add", "pop", "clear")
    elif isinstance(node, ast.Delete):
        return any(
            isinstance(t, ast.Subscript) and getattr(t.value, "id", None) == name
            for t in node.targets
        )
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and getattr(node.func.value, "id", None) == name
        and node.func.attr in methods
    )


def _recursion_through_self(case: _Case) -> Diagnosis | None:
    """`__str__` that formats `{self}`; a property setter that assigns `self.<itself>`."""
    if "maximum recursion depth" not in case.facts.message:
        return None
    program, line = case.program, case.frame.line
    statement = program.statement_at(line)
    function = program.scope_of(statement) if statement is not None else None
    if not isinstance(function, ast.FunctionDef) or function.name != case.frame.function:
        return None
    name = function.name
    if name == "__str__":
        uses = [n for n in ast.walk(statement) if _self_as_text(n)]  # type: ignore[arg-type]
        if not uses:
            return None
        return Diagnosis(
            "recursion_through_self",
            line,
            f"Line {line}, inside {_code(name)}, puts {_code('self')} itself into the text; "
            f"turning {_code('self')} into text calls {_code(name)} again, which does the same, "
            "without end",
            f"Which of the object's attributes should line {line} put into the text instead?",
        )
    setter = any(
        isinstance(d, ast.Attribute) and d.attr == "setter" and _source(d.value) == name
        for d in function.decorator_list
    )
    stores = [n for n in ast.walk(statement) if _is_self_store(n, name)]  # type: ignore[arg-type]
    getter = any(getattr(d, "id", "") == "property" for d in function.decorator_list)
    if getter and any(_is_self_attribute(n, name, ast.Load) for n in ast.walk(statement)):  # type: ignore[arg-type]
        return Diagnosis(
            "recursion_through_self",
            line,
            f"Line {line}, inside the property {_code(name)}, reads {_code('self.' + name)}, "
            "and reading that property calls the same method again, which does the same, "
            "without end",
            "Under which other attribute name is the value kept?",
        )
    if not setter or not stores:
        return None
    return Diagnosis(
        "recursion_through_self",
        line,
        f"Line {line}, inside the setter of the property {_code(name)}, assigns "
        f"{_code('self.' + name)}, and assigning that property calls the same setter again, "
        "which does the same, without end",
        "Under which other attribute name should the setter keep the value?",
    )


def _self_as_text(node: ast.AST) -> bool:
    """`{self}` (no format), `{self!s}` or `str(self)`: text that calls `__str__`."""
    if isinstance(node, ast.FormattedValue):
        plain = node.conversion in (-1, ord("s")) and node.format_spec is None
        return plain and getattr(node.value, "id", "") == "self"
    return (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "str"
        and len(node.args) == 1
        and getattr(node.args[0], "id", "") == "self"
    )


_STEPS = (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Div)


def _base_case_jumped(case: _Case) -> Diagnosis | None:
    """`if length == stove: return 0` and the one recursive call passes `length // 2`: a
    step that moves by 2 or more (or halves, doubles) can go past the value the base case
    waits for without ever equalling it, so the recursion never stops. A base case for 0
    reached by `// k` is left out (whole numbers halved do reach 0)."""
    recursion = _one_base_one_call(case)
    if recursion is None:
        return None
    parameters, call, base = recursion
    test = base.test
    if not isinstance(test, ast.Compare) or [type(o) for o in test.ops] != [ast.Eq]:
        return None
    found = _jumping_step(test, call, parameters)
    if found is None:
        return None
    parameter, target, step = found
    if target == "0" and isinstance(step.op, ast.FloorDiv):  # type: ignore[attr-defined]
        return None
    line = base.lineno
    return Diagnosis(
        "base_case_jumped",
        line,
        f"Line {line} ends the recursion only when {_code(parameter)} is exactly "
        f"{_code(target)} (`==`), but the call on line {call.lineno} passes "
        f"{_code(_source(step))} each time, which can go past {_code(target)} without ever "
        "being equal to it, and then the calls never stop",
        f"Which values of {_code(parameter)} should end the recursion on line {line}?",
    )


def _one_base_one_call(case: _Case) -> tuple[list[str], ast.Call, ast.If] | None:
    """(parameters, the one recursive call, the one base case) of the function the
    RecursionError goes round in, where the call passes every parameter by position, the
    parameters are never set in the body and no state outside changes, and the traceback
    shows the recursion going round through that call."""
    name = case.frame.function
    functions = case.program.functions(name) if name else []
    if len(functions) != 1 or "maximum recursion depth" not in case.facts.message:
        return None
    function = functions[0]
    parameters = [a.arg for a in function.args.posonlyargs + function.args.args]
    calls = [n for n in ast.walk(function) if isinstance(n, ast.Call) and _calls(n, name)]
    bases = [s for s in function.body if isinstance(s, ast.If) and _returns_at_top(s.body)]
    if len(calls) != 1 or len(bases) != 1 or calls[0].keywords or function.args.vararg:
        return None
    call = calls[0]
    if len(call.args) != len(parameters) or _changes_state(case.program, function, set(parameters)):
        return None
    reassigned = any(
        b.scope is function and b.kind != "arg"
        for p in parameters
        for b in case.program.bindings.get(p, [])
    )
    if reassigned or not _repeated_at(case, name, call.lineno):
        return None
    return parameters, call, bases[0]


def _step_away(case: _Case) -> Diagnosis | None:
    """`if rows == 1: return 1` and the one recursive call passes `rows + 1`: from any
    `rows` above the bottom value 0 or 1 (the RecursionError says it started there), each
    call moves further from the base case, so the recursion never stops."""
    recursion = _one_base_one_call(case)
    if recursion is None:
        return None
    parameters, call, base = recursion
    test = base.test
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    mine, bottom = test.left, test.comparators[0]
    if not isinstance(test.ops[0], (ast.Eq, ast.LtE, ast.Lt)) or not isinstance(mine, ast.Name):
        return None
    if not isinstance(bottom, ast.Constant) or bottom.value not in (0, 1):
        return None
    if type(bottom.value) is not int or mine.id not in parameters:
        return None
    step = call.args[parameters.index(mine.id)]
    if not isinstance(step, ast.BinOp) or not isinstance(step.op, ast.Add):
        return None
    size = step.right
    if _source(step.left) != mine.id or not isinstance(size, ast.Constant):
        return None
    if type(size.value) is not int or size.value < 1:
        return None
    shown, line = _code(mine.id), call.lineno
    return Diagnosis(
        "step_away",
        line,
        f"The call on line {line} passes {_code(_source(step))}, so {shown} grows with each "
        f"call, but the only base case (line {base.lineno}, {_code(_source(test))}) waits for "
        f"{shown} to come down to {bottom.value}: from any {shown} above that the calls move "
        "away from the base case and never stop",
        f"Which way does {shown} have to move on line {line} to reach the base case on line "
        f"{base.lineno}?",
    )


def _calls(node: ast.Call, name: str) -> bool:
    return getattr(node.func, "id", "") == name


def _returns_at_top(body: list[ast.stmt]) -> bool:
    """A base case's block: it returns (a `return` among its own statements)."""
    return any(isinstance(s, ast.Return) for s in body)


def _jumping_step(
    test: ast.Compare, call: ast.Call, parameters: list[str]
) -> tuple[str, str, ast.BinOp] | None:
    """(parameter, what it is compared with, the step) where `test` is `p == target`, the
    target is a number or parameters the call passes unchanged, and the call passes `p`
    changed by a whole number of 2 or more (`p - 2`, `p // 2`, `p * 2`)."""
    sides = [test.left, test.comparators[0]]
    for mine, other in (sides, sides[::-1]):
        if not isinstance(mine, ast.Name) or mine.id not in parameters:
            continue
        index = parameters.index(mine.id)
        step = call.args[index]
        if not isinstance(step, ast.BinOp) or not isinstance(step.op, _STEPS):
            return None
        if _source(step.left) != mine.id or not isinstance(step.right, ast.Constant):
            return None
        if type(step.right.value) is not int or step.right.value < 2:
            return None
        names = {n.id for n in ast.walk(other) if isinstance(n, ast.Name)}
        if mine.id in names or not names <= set(parameters):
            return None
        if any(_whole(call.args[parameters.index(n)]) != n for n in names):
            return None  # the target moves too
        if not names and not isinstance(other, ast.Constant):
            return None
        return mine.id, _source(other), step
    return None


def _repeated_at(case: _Case, name: str, line: int) -> bool:
    """The traceback shows the recursion going round through the call on `line`."""
    frames = [f for f in case.traceback.frames if f.file == case.frame.file]
    return sum(f.function == name and f.line == line for f in frames) >= 3


def _empty_past_base(case: _Case) -> Diagnosis | None:
    """`if len(text) == 1: return text` then `text[0] + f(text[2:])` fails on `text[0]`:
    each call passes a shorter piece, so the recursion reached the empty piece, and the one
    base case, above the failing line, let it through."""
    message, program, name = case.facts.message, case.program, case.frame.function
    functions = program.functions(name) if name else []
    if message not in ("string index out of range", "list index out of range"):
        return None
    node = _failing_node(program, case.frame, ast.Subscript)
    if len(functions) != 1 or node is None or not isinstance(node.value, ast.Name):
        return None
    function, piece = functions[0], node.value.id
    parameters = [a.arg for a in function.args.posonlyargs + function.args.args]
    if piece not in parameters or _source(node.slice) not in ("0", "-1"):
        return None
    calls = [n for n in ast.walk(function) if isinstance(n, ast.Call) and _calls(n, name)]
    bases = [  # an `if` that returns without calling again: a base case
        s
        for s in function.body
        if isinstance(s, ast.If)
        and _returns_at_top(s.body)
        and not any(_calls(n, name) for n in ast.walk(s) if isinstance(n, ast.Call))
    ]
    if len(bases) != 1 or bases[0].lineno >= case.frame.line or not calls:
        return None
    index = parameters.index(piece)
    steps = [c.args[index] if len(c.args) == len(parameters) else None for c in calls]
    if not all(_shorter_piece(step, piece) for step in steps):
        return None
    if any(b.scope is function and b.kind != "arg" for b in program.bindings.get(piece, [])):
        return None
    frames = [f for f in case.traceback.frames if f.file == case.frame.file]
    if sum(f.function == name for f in frames) < 2:
        return None
    base, kind = bases[0], "string" if message.startswith("string") else "list"
    return Diagnosis(
        "empty_past_base",
        base.lineno,
        f"Line {case.frame.line} takes {_code(_source(node))} when {_code(piece)} is empty: "
        f"each call passes {_code(_source(steps[0]))}, a shorter piece, and the only base "
        f"case (line {base.lineno}, {_code(_source(base.test))}) lets the empty {kind} "
        "through, so the calls reach it",
        f"Which values of {_code(piece)} should the base case on line {base.lineno} stop at?",
    )


def _shorter_piece(step: ast.expr | None, name: str) -> bool:
    """`name[k:]` (k a whole number of 1 or more) or `name[:-k]`: a slice that is shorter."""
    if not isinstance(step, ast.Subscript) or _source(step.value) != name:
        return False
    cut = step.slice
    if not isinstance(cut, ast.Slice) or cut.step is not None:
        return False
    lower, upper = cut.lower, cut.upper
    if upper is None and isinstance(lower, ast.Constant):
        return type(lower.value) is int and lower.value >= 1
    if lower is None and isinstance(upper, ast.UnaryOp) and isinstance(upper.op, ast.USub):
        size = upper.operand
        return isinstance(size, ast.Constant) and type(size.value) is int and size.value >= 1
    return False
