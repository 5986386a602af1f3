"""NameError and UnboundLocalError: a misspelt name, one used before the line that sets it,
one set only inside a function, only in some branches or only in a `try`, a function's result
dropped, `self.` forgotten, a global assigned inside a function, Python 2 names, `true`/`null`
for Python's constants and text without quotes."""

from __future__ import annotations

import ast

from ..hintfacts import (
    _BUILTIN_NAMES,
    _TYPE_WORDS,
    Binding,
    Program,
    _code,
    _failing_node,
    _names,
    _quoted,
    _source,
)
from ._common import Diagnosis, _Case, _is_input_call, _is_self_store, _typo_of
from .values import _compared_statements


def _first_line(program: Program, name: str, scope: object = ...) -> int:
    """The first line that binds `name` (in `scope` when given)."""
    lines = [b.line for b in program.bindings.get(name, []) if scope is ... or b.scope is scope]
    return min(lines) if lines else 0


def _here(case: _Case) -> ast.AST | None:
    """The function the failing line is in (None at module level)."""
    statement = case.program.statement_at(case.frame.line)
    return case.program.scope_of(statement) if statement is not None else None


def _misspelt_name(case: _Case) -> Diagnosis | None:
    """An undefined name a letter or two from a name the program sets (or a built-in).

    The name must have no binding before the failing line in its scope: bound nowhere,
    or (at module level) first bound on or after that line, as `total = total + x`.
    """
    name, program, line = case.facts.offending, case.program, case.frame.line
    found = program.bindings.get(name, [])
    if not name or (found and (_here(case) is not None or _first_line(program, name) < line)):
        return None
    if found and not all(b.scope is None for b in found):
        return None
    if _compared_for_equality(program, line, name):
        return None  # `if colour == red`: missing quotes are as likely as a misspelt `reds`
    candidates = set(program.bindings) | {b for b in _BUILTIN_NAMES if b.lower() == name.lower()}
    right, differ = _typo_of(name, candidates), "differ by a letter or two"
    if not right:
        right, differ = _plural_of(name, set(program.bindings)), "are singular and plural"
    if not right:
        return None
    if right in program.bindings:
        where = _first_line(program, right)
        verb = "defines" if _kinds(program, right) <= {"def", "class"} else "sets"
        told = f"the program {verb} {_code(right)} (first on line {where})"
    else:
        where, told = line, f"Python's built-in name is {_code(right)}"
    unset = (
        "never given a value anywhere in the program"
        if not found
        else f"not given a value before line {line} reads it"
    )
    return Diagnosis(
        "misspelt_name",
        where,
        f"{_code(name)} on line {line} is {unset}, but {told}; the two spellings {differ}",
        "Which spelling did you mean, and is it the same everywhere you use it?",
    )


def _plural_of(name: str, names: set[str]) -> str:
    """The one name of `names` that is `name`'s plural or singular (`salary`, `salaries`;
    `score`, `scores`; `box`, `boxes`), else ""."""
    forms = {name + "s", name + "es", name[:-1] + "ies" if name.endswith("y") else ""}
    if name.endswith("ies"):
        forms.add(name[:-3] + "y")
    if name.endswith("es"):
        forms.add(name[:-2])
    if name.endswith("s"):
        forms.add(name[:-1])
    found = {f for f in forms if len(f) >= 3 and f != name} & names
    return found.pop() if len(found) == 1 else ""


def _compared_for_equality(program: Program, line: int, name: str) -> bool:
    """True if `name` on `line` is a side of ``==``, ``!=``, ``in`` or ``not in``."""
    statement = program.statement_at(line)
    for node in ast.walk(statement) if statement is not None else ():
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops
        ):
            sides = [node.left, *node.comparators]
            if any(isinstance(side, ast.Name) and side.id == name for side in sides):
                return True
    return False


def _kinds(program: Program, name: str) -> set[str]:
    return {b.kind for b in program.bindings.get(name, [])}


def _self_attribute(case: _Case) -> Diagnosis | None:
    name, program = case.facts.offending, case.program
    here = _here(case)
    if not name or name in program.bindings or here is None:
        return None
    classes = [c for c in program.enclosing(case.frame.line, (ast.ClassDef,))]
    if not classes or getattr(here, "args", None) is None or not here.args.args:
        return None
    if here.args.args[0].arg != "self" or program.parents.get(here) is not classes[0]:
        return None
    stored = [node.lineno for node in ast.walk(classes[0]) if _is_self_store(node, name)]
    if not stored:
        return None
    return Diagnosis(
        "self_attribute",
        case.frame.line,
        f"{_code('self.' + name)} is set on line {min(stored)}, but line {case.frame.line} "
        f"uses the plain name {_code(name)}, which is a different, undefined variable inside "
        f"the method {_code(here.name)}",
        f"How does a method reach the attributes stored on {_code('self')}?",
    )


def _defined_later(case: _Case) -> Diagnosis | None:
    name, program, line = case.facts.offending, case.program, case.frame.line
    found = program.bindings.get(name, [])
    if not name or not found or _here(case) is not None:
        return None
    if not all(b.scope is None for b in found) or min(b.line for b in found) <= line:
        return None
    first = min(b.line for b in found)
    what = "defined" if any(b.kind in ("def", "class") for b in found) else "given a value"
    return Diagnosis(
        "defined_later",
        line,
        f"Line {line} uses {_code(name)}, but {_code(name)} is first {what} on line {first}, "
        f"further down; Python runs a program from the top, so on line {line} it does not "
        "exist yet",
        "Which of the two lines has to run first?",
    )


def _only_in_function(case: _Case) -> Diagnosis | None:
    name, program, line = case.facts.offending, case.program, case.frame.line
    found = program.bindings.get(name, [])
    scopes = {b.scope for b in found}
    if not name or not found or None in scopes or len(scopes) != 1:
        return None
    scope = scopes.pop()
    if scope is _here(case) or not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    return Diagnosis(
        "only_in_function",
        _first_line(program, name),
        f"{_code(name)} is only given a value inside the function {_code(scope.name)} "
        f"(line {_first_line(program, name)}); a variable set inside a function exists only "
        f"while that function runs, so line {line} cannot see it",
        f"How can the value get from {_code(scope.name)} to the place that needs it?",
    )


def _conditional_bindings(program: Program, bindings: list[Binding], line: int) -> list[ast.If]:
    """The if/elif chains without an else that hold every binding, all before `line` and
    none around `line`, in order; [] if the bindings are not all of that shape."""
    if not bindings or any(b.kind not in ("assign", "augassign", "for") for b in bindings):
        return []
    if max(b.line for b in bindings) >= line:
        return []
    heads = set()
    for binding in bindings:
        ifs = [n for n in program.enclosing(binding.line, (ast.If,)) if n.lineno != binding.line]
        if not ifs:
            return []
        head = ifs[-1] if binding.scope is None else _chain_head(program, ifs[0])
        heads.add(head)
    for head in heads:
        if head.lineno <= line <= (head.end_lineno or 0):
            return []
        tail = head
        while len(tail.orelse) == 1 and isinstance(tail.orelse[0], ast.If):
            tail = tail.orelse[0]
        if tail.orelse:
            return []
    return sorted(heads, key=lambda h: h.lineno)


def _chain_head(program: Program, node: ast.If) -> ast.If:
    """The `if` that starts the if/elif chain `node` belongs to."""
    parent = program.parents.get(node)
    while isinstance(parent, ast.If) and parent.orelse == [node]:
        node, parent = parent, program.parents.get(parent)
    return node


def _set_only_in_branches(case: _Case) -> Diagnosis | None:
    name, program, line = case.facts.offending, case.program, case.frame.line
    if case.facts.exception == "UnboundLocalError":
        name = _quoted(case.facts.message, r"local variable '(\w+)'")
    here = _here(case)
    found = [b for b in program.bindings.get(name, []) if b.scope is here] if name else []
    others = [b for b in program.bindings.get(name, []) if b.scope is not here]
    if here is None and others:
        return None
    heads = _conditional_bindings(program, found, line)
    if not heads or _misspelt_before(program, name, here, line):
        return None
    lines = sorted({b.line for b in found})
    listed = f"line {lines[0]}" if len(lines) == 1 else f"lines {_names([str(n) for n in lines])}"
    head = heads[0]
    if len(heads) > 1:  # separate `if` statements, none with an `else`
        starts = _names([str(h.lineno) for h in heads]).replace("`", "")
        return Diagnosis(
            "set_only_in_branches",
            head.lineno,
            f"{_code(name)} is only given a value inside the `if` statements that start on "
            f"lines {starts} (on {listed.replace('`', '')}), and none of them has an `else`: "
            f"this time none of their conditions held, so {_code(name)} has no value when "
            f"line {line} reads it",
            "Which values do the conditions not cover, and what should happen for them?",
        )
    if not head.orelse:  # a lone `if`: no chain, so no `else` to miss
        return _set_only_under_if(program, name, head, listed, line)
    return Diagnosis(
        "set_only_in_branches",
        head.lineno,
        f"{_code(name)} is only given a value inside the `if`/`elif` branches that start on "
        f"line {head.lineno} (on {listed.replace('`', '')}), and that chain has no `else`: "
        f"this time none of those branches ran, so {_code(name)} has no value when line "
        f"{line} reads it",
        "Which values does the chain not cover, and what should happen for them?",
    )


def _set_only_under_if(
    program: Program, name: str, head: ast.If, listed: str, line: int
) -> Diagnosis:
    """`found` set only when one `if` holds: its test was never true this time. Inside a
    search loop that means no item matched, which is what to ask about; the test may be
    the bug (a number compared with text), so the hint does not ask for an `else`."""
    loops = [
        n
        for n in program.enclosing(head.lineno, (ast.For, ast.While))
        if not n.lineno <= line <= (n.end_lineno or 0)
    ]
    if loops and isinstance(loops[0], ast.For):
        return Diagnosis(
            "set_only_in_branches",
            head.lineno,
            f"{_code(name)} is only given a value (on {listed.replace('`', '')}) when the "
            f"`if` on line {head.lineno} is true, and this time it was not true for any item "
            f"of the loop on line {loops[0].lineno}, so {_code(name)} has no value when line "
            f"{line} reads it{_start_compared(program, head.test, loops[0])}",
            f"Why did no item pass the test on line {head.lineno}? What does each side of "
            "that test hold?",
        )
    return Diagnosis(
        "set_only_in_branches",
        head.lineno,
        f"{_code(name)} is only given a value (on {listed.replace('`', '')}) when the `if` "
        f"on line {head.lineno} is true, and this time it was not, so {_code(name)} has no "
        f"value when line {line} reads it",
        f"Why was the test on line {head.lineno} false this time, and what should "
        f"{_code(name)} be then?",
    )


def _start_compared(program: Program, test: ast.expr, loop: ast.For) -> str:
    """ ", and the test compares each item with `most`, which starts at 0 on line 7" where the
    `if` is `item > most` (or <, >=, <=) and the statement just before the loop sets `most` to
    a number: the start value every item had to beat (r13-022); else ""."""
    if not (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.Gt, ast.GtE, ast.Lt, ast.LtE))
        and isinstance(test.comparators[0], ast.Name)
    ):
        return ""
    bound = test.comparators[0].id
    for node in ast.walk(program.tree) if program.tree is not None else ():
        body = getattr(node, "body", None)
        if not isinstance(body, list) or loop not in body or body.index(loop) == 0:
            continue
        before = body[body.index(loop) - 1]
        if (
            isinstance(before, ast.Assign)
            and len(before.targets) == 1
            and isinstance(before.targets[0], ast.Name)
            and before.targets[0].id == bound
            and isinstance(before.value, ast.Constant)
            and type(before.value.value) in (int, float)
        ):
            return (
                f"; the test compares with {_code(bound)}, which starts at "
                f"{before.value.value!r} on line {before.lineno}, just before the loop"
            )
    return ""


def _misspelt_before(program: Program, name: str, scope: ast.AST | None, line: int) -> str:
    """A name a letter or two from `name`, assigned in `scope` before `line` ("" if none)."""
    earlier = {
        b.name
        for found in program.bindings.values()
        for b in found
        if b.scope is scope and b.line < line and b.kind == "assign"
    }
    return _typo_of(name, earlier)


def _global_assigned_locally(case: _Case) -> Diagnosis | None:
    name = _quoted(case.facts.message, r"local variable '(\w+)'")
    here, program = _here(case), case.program
    if not name or here is None or name in program.declared:
        return None
    inside = sorted(b.line for b in program.bindings.get(name, []) if b.scope is here)
    # a module-level value set before the function is defined: a global the function means
    outside = [
        b for b in program.bindings.get(name, []) if b.scope is None and b.line < here.lineno
    ]
    if not inside or not outside or any(b.kind == "arg" for b in program.bindings[name]):
        return None
    return Diagnosis(
        "global_assigned_locally",
        inside[0],
        f"{_code(name)} is set at the top level of the program (line "
        f"{min(b.line for b in outside)}), but line {inside[0]} assigns to it inside "
        f"{_code(here.name)}, and an assignment makes {_code(name)} a new local variable for "
        f"the whole function; that local has no value yet when line {case.frame.line} reads it",
        f"How can {_code(here.name)} say it means the {_code(name)} outside the function?",
    )


def _local_misspelt(case: _Case) -> Diagnosis | None:
    name = _quoted(case.facts.message, r"local variable '(\w+)'")
    here, program, line = _here(case), case.program, case.frame.line
    if not name or here is None:
        return None
    inside = [b for b in program.bindings.get(name, []) if b.scope is here]
    if not inside or min(b.line for b in inside) < line:
        return None
    earlier = {
        b.name: b.line
        for found in program.bindings.values()
        for b in found
        if b.scope is here and b.line < line and b.kind == "assign"
    }
    typo = _typo_of(name, set(earlier))
    if not typo:
        return None
    return Diagnosis(
        "local_misspelt",
        earlier[typo],
        f"Inside {_code(here.name)}, line {line} reads {_code(name)} before any line of the "
        f"function gives it a value; line {earlier[typo]} sets {_code(typo)}, a name that "
        f"differs by a letter or two",
        "Are those two names meant to be the same variable?",
    )


_PYTHON2 = {
    ("dict", "iteritems"),
    ("dict", "iterkeys"),
    ("dict", "itervalues"),
    ("dict", "has_key"),
}


_PYTHON2_NAMES = {"raw_input", "xrange", "unicode"}


def _python2_name(case: _Case) -> Diagnosis | None:
    """`d.iteritems()`, `raw_input()`, `xrange()`: names Python 3 no longer has."""
    facts = case.facts
    kind = (facts.types or ("",))[0]
    name = facts.offending
    if facts.exception == "AttributeError" and (kind, name) in _PYTHON2:
        node = _failing_node(case.program, case.frame, ast.Attribute)
        if node is None or node.attr != name:
            return None
        what = f"{_code('.' + name + '()')} of {_TYPE_WORDS[kind]}"
    elif facts.exception == "NameError" and name in _PYTHON2_NAMES:
        if name in case.program.bindings:
            return None
        what = _code(name)
    else:
        return None
    return Diagnosis(
        "python2_name",
        case.frame.line,
        f"Line {case.frame.line} uses {what}, which only Python 2 had; the program runs on "
        "Python 3, which does the same under another name",
        "What is its name in Python 3?",
    )


_CONSTANT_SPELLINGS = {
    "true": "True",
    "false": "False",
    "none": "None",
    "null": "None",
    "nil": "None",
}


def _lowercase_constant(case: _Case) -> Diagnosis | None:
    """`false`, `TRUE`, `null`: Python's constants are `True`, `False` and `None`."""
    name, program = case.facts.offending, case.program
    right = _CONSTANT_SPELLINGS.get(name.lower())
    if not right or name == right or name in program.bindings:
        return None
    what = "truth values are keywords" if right != "None" else "value for nothing is a keyword"
    return Diagnosis(
        "constant_spelling",
        case.frame.line,
        f"Line {case.frame.line} uses {_code(name)}, which is no name in this program nor in "
        f"Python: Python's {what} spelt with a capital first letter, and Python "
        "tells capitals apart",
        f"How does Python spell the value {_code(name)} was meant to be?",
    )


def _set_only_in_try(case: _Case) -> Diagnosis | None:
    """`try: number = int(text)` / `except ValueError: print(...)`, then `return number`:
    when the `try` fails, the `except` runs and sets nothing."""
    name, program, line = case.facts.offending, case.program, case.frame.line
    if case.facts.exception == "UnboundLocalError":
        name = _quoted(case.facts.message, r"local variable '(\w+)'")
    here = _here(case)
    found = [b for b in program.bindings.get(name, []) if b.scope is here] if name else []
    if (
        not found
        or name in program.declared
        or (here is None and len(found) != len(program.bindings[name]))
    ):
        return None
    statements = [program.statement_at(b.line) for b in found]
    tries = {id(t): t for s in statements for t in [program.parents.get(s)] if s is not None}
    if len(tries) != 1 or len(statements) != len(found):
        return None
    block = next(iter(tries.values()))
    if not isinstance(block, ast.Try) or not all(s in block.body for s in statements):
        return None
    if not block.handlers or line <= (block.end_lineno or line) or block.finalbody:
        return None
    if program.scope_of(block) is not here or block.orelse:
        return None
    exits = (ast.Return, ast.Raise, ast.Continue, ast.Break)
    if any(isinstance(n, exits) for h in block.handlers for n in ast.walk(h)):
        return None  # a handler that leaves: the failing line is reached some other way
    handler = block.handlers[0] if len(block.handlers) == 1 else None
    where = f"the `except` on line {handler.lineno}" if handler else "an `except` branch"
    first = min(b.line for b in found)
    return Diagnosis(
        "set_only_in_try",
        handler.lineno if handler else block.lineno,
        f"{_code(name)} is only given a value inside the `try` that starts on line "
        f"{block.lineno} (on line {first}); this time that `try` failed before {_code(name)} "
        f"was set, {where} ran instead and gives {_code(name)} no value, so line {line} has "
        "none to read",
        f"What should {_code(name)} be when the `except` branch runs?",
    )


def _result_dropped(case: _Case) -> Diagnosis | None:
    """`new_board(5)` alone on its line, then `board` used: the function gives back its
    local `board`, and the call keeps it nowhere."""
    name, program, line = case.facts.offending, case.program, case.frame.line
    found = program.bindings.get(name, [])
    if not name or _here(case) is not None or any(b.scope is None for b in found):
        return None
    makers = [
        function
        for function in ast.walk(program.tree)
        if isinstance(function, ast.FunctionDef)
        and any(
            isinstance(n, ast.Return) and isinstance(n.value, ast.Name) and n.value.id == name
            for n in ast.walk(function)
            if program.scope_of(n) is function
        )
        and any(b.scope is function and b.kind == "assign" for b in found)
    ]
    if len(makers) != 1 or len(program.bindings.get(makers[0].name, [])) != 1:
        return None
    maker = makers[0].name
    calls = [
        s
        for s in program.tree.body  # type: ignore[union-attr]
        if isinstance(s, ast.Expr)
        and isinstance(s.value, ast.Call)
        and getattr(s.value.func, "id", "") == maker
        and s.lineno < line
    ]
    if len(calls) != 1:
        return None
    call = calls[0]
    return Diagnosis(
        "result_dropped",
        call.lineno,
        f"{_code(name)} is only a variable inside the function {_code(maker)} (line "
        f"{makers[0].lineno}), which gives it back with {_code('return ' + name)}; line "
        f"{call.lineno} calls {_code(_source(call.value))} but keeps what it gives back "
        f"nowhere, so outside the function there is no {_code(name)} for line {line}",
        f"Where should line {call.lineno} keep what {_code(maker)} gives back?",
    )


def _unquoted_text(case: _Case) -> Diagnosis | None:
    """`if answer == yes:` with `answer` typed at `input()` and no variable `yes`: text
    without quotes is read as a variable's name."""
    name, program, line = case.facts.offending, case.program, case.frame.line
    if not name or name in program.bindings or name in _BUILTIN_NAMES:
        return None
    if _typo_of(name, set(program.bindings)):
        return None  # a misspelt variable is as likely
    statement = program.statement_at(line)
    for node in ast.walk(statement) if statement is not None else ():
        if not isinstance(node, ast.Compare) or len(node.ops) != 1:
            continue
        if not isinstance(node.ops[0], ast.Eq | ast.NotEq):
            continue
        sides = [node.left, node.comparators[0]]
        if not any(isinstance(s, ast.Name) and s.id == name for s in sides):
            continue
        other = [s for s in sides if not (isinstance(s, ast.Name) and s.id == name)]
        typed = other[0] if len(other) == 1 and isinstance(other[0], ast.Name) else None
        bindings = program.bindings.get(typed.id, []) if typed is not None else []
        if bindings and all(
            b.kind == "assign" and b.value is not None and _is_input_call(b.value) for b in bindings
        ):
            return Diagnosis(
                "unquoted_text",
                line,
                f"No line of the program sets a variable {_code(name)}, yet line {line} "
                f"compares {_code(typed.id)}, the text typed at `input()`, with it; a word "  # type: ignore[union-attr]
                "without quotes is read as a variable's name, not as text",
                f"Is {_code(name)} on line {line} meant to be a variable, or the text someone "
                "types?",
            )
    return None


def _compared_not_set(case: _Case) -> Diagnosis | None:
    """`fee == 50` alone on the failing line, reading a name with no value yet: a comparison
    as a statement does nothing, so the line was meant to set the name, not read it."""
    name, program, line = case.facts.offending, case.program, case.frame.line
    if case.facts.exception == "UnboundLocalError":
        name = _quoted(case.facts.message, r"local variable '(\w+)'")
    statement = program.statement_at(line)
    if not name or statement not in _compared_statements(program, name):
        return None
    return Diagnosis(
        "compared_not_set",
        line,
        f"Line {line} is {_code(_source(statement.value))}, a comparison (`==`) that changes "
        f"nothing: it reads {_code(name)}, which has no value yet, and does not give it one",
        f"What should line {line} do to {_code(name)}, and does `==` do that?",
    )


def _typo_never_read(case: _Case) -> Diagnosis | None:
    """`fonud = 0` in one branch, `found` read after: the name read has no value, and the
    function sets a name a letter or two from it that no line anywhere reads."""
    name, program, line = case.facts.offending, case.program, case.frame.line
    if case.facts.exception == "UnboundLocalError":
        name = _quoted(case.facts.message, r"local variable '(\w+)'")
    here = _here(case)
    if not name or (here is None and case.facts.exception != "NameError"):
        return None
    read = {n.id for n in ast.walk(program.tree) if _is_load(n)}
    unread = {
        b.name: b.line
        for found in program.bindings.values()
        for b in found
        if b.scope is here and b.kind == "assign" and b.name not in read and len(found) == 1
    }
    typo = _typo_of(name, set(unread))
    if not typo:
        return None
    return Diagnosis(
        "typo_never_read",
        unread[typo],
        f"Line {line} reads {_code(name)}, which has no value when it runs; line "
        f"{unread[typo]} sets {_code(typo)}, a name a letter or two from it that no line of "
        "the program ever reads",
        "Are those two names meant to be the same variable?",
    )


def _is_load(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)


def _typo_stored_unread(case: _Case) -> Diagnosis | None:
    """`worts = player` where `worst = None` is the only other value `worst` ever gets
    (r13-010), or `runing = False` inside `while running:` (r13-014): the store meant to
    change the variable went to a name no line reads, so the variable kept its start value,
    and that value is what fails (the error quotes it, or the loop it keeps going runs out
    of input)."""
    program = case.program
    if program.tree is None:
        return None
    read = {n.id for n in ast.walk(program.tree) if _is_load(n)}
    for typo, found in program.bindings.items():
        if typo in read or len(found) != 1 or found[0].kind != "assign":
            continue
        real = _typo_of(typo, read)
        start = program.bindings.get(real, []) if real else []
        if (
            len(start) != 1
            or start[0].kind != "assign"
            or start[0].scope is not found[0].scope
            or start[0].line >= found[0].line
            or not isinstance(start[0].value, ast.Constant)
        ):
            continue
        effect = _kept_value_fails(case, real, start[0].value.value, found[0].line)
        if effect:
            return Diagnosis(
                "typo_stored_unread",
                found[0].line,
                f"Line {found[0].line} sets {_code(typo)}, a name a letter or two from "
                f"{_code(real)}, and no line of the program reads {_code(typo)}; "
                f"{_code(real)} itself is only set on line {start[0].line}, to "
                f"{_code(repr(start[0].value.value))}, {effect}",
                "Are those two names meant to be the same variable?",
            )
    return None


def _kept_value_fails(case: _Case, real: str, value: object, store: int) -> str:
    """How `real` keeping `value` makes the failure, read for certain ("" if not settled):
    the failing line reads it and the error quotes the value (or its type), or the failure
    is `input()` running out inside a `while real:` that holds the store."""
    line = case.frame.line
    if case.facts.exception == "EOFError":
        loops = [
            n
            for n in case.program.enclosing(line, (ast.While,))
            if isinstance(n.test, ast.Name)  # type: ignore[attr-defined]
            and n.test.id == real  # type: ignore[attr-defined]
            and n.lineno < store <= (n.end_lineno or 0)
        ]
        if value is True and loops:
            return (
                f"so the `while` on line {loops[0].lineno} never ends and the `input()` on "
                f"line {line} runs out of input"
            )
        return ""
    statement = case.program.statement_at(line)
    reads = statement is not None and any(
        _is_load(n) and n.id == real  # type: ignore[attr-defined]
        for n in ast.walk(statement)
    )
    message = case.facts.message.strip()
    quoted = message == repr(value) or f"'{type(value).__name__}'" in message
    if reads and quoted and value is not True and value is not False:
        return f"so it still holds that value when line {line} reads it"
    return ""
