"""What functions give back: None from a function without `return` (also through a list's
items) or from a method that changes the list (`sort`, `random.shuffle`), a function that
ends without reaching its `return`, `__str__` that gives back no string, and one value
unpacked into several names."""

from __future__ import annotations

import ast

from ..hintfacts import (
    _IN_PLACE_METHODS,
    _TYPE_WORDS,
    Program,
    _code,
    _contains,
    _failing_node,
    _only_read,
    _quoted,
    _returns_nothing,
    _source,
    _uses,
    _value_type,
)
from ._common import _CONTAINER_TYPES, Diagnosis, _Case, _loop_over, _operator_node
from .indexing import _assigned_just_before, _dict_reading


def _none_sources(case: _Case) -> list[tuple[ast.expr, str, int]]:
    """Expressions on the failing line that are certainly None: (node, why, cause line)."""
    program, line = case.program, case.frame.line
    statement = program.statement_at(line)
    if statement is None:
        return []
    found = []
    for node in ast.walk(statement):
        if getattr(node, "lineno", line) != line:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            callee = node.func.id
            if _returns_nothing(program, callee):
                where = program.functions(callee)[0].lineno
                why = "it calls " + _no_return_text(callee, where, _source(node))
                found.append((node, why, where))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            found += [(node, why, at) for why, at in _item_is_none(program, node)]
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found += [(node, why, at) for why, at in _name_is_none(program, node)]
            found += [(node, why, at) for why, at in _items_are_none(program, node.id, line)]
        elif _in_place_call(program, node):
            method = node.func.attr  # type: ignore[attr-defined]
            why = (
                f"{_code(_source(node))} changes the list {_code(node.func.value.id)} itself "  # type: ignore[attr-defined]
                f"and gives back None, as a list's {_code(method + '()')} always does"
            )
            found.append((node, why, line))  # type: ignore[arg-type]
    return found


def _items_are_none(program: Program, name: str, line: int) -> list[tuple[str, int]]:
    """`for t in tidy:` where `tidy` starts empty and gets items only from
    `tidy.append(clean(r))`, `clean` a function without `return`: every item is None."""
    loop = _loop_over(program, name, line)
    if loop is None or not isinstance(loop.iter, ast.Name):
        return []
    items = loop.iter.id
    binding = program.only_binding(items)
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if not isinstance(value, ast.List) or value.elts:
        return []
    added = []
    for use in _uses(program, items):
        parent = program.parents.get(use)
        call = program.parents.get(parent) if isinstance(parent, ast.Attribute) else None
        if isinstance(call, ast.Call) and parent.attr == "append" and len(call.args) == 1:  # type: ignore[union-attr]
            added.append(call)
        elif not _only_read(program, use):
            return []
    callees = {getattr(c.args[0], "func", None) for c in added}
    names = {getattr(f, "id", "") for f in callees}
    if not added or len(names) != 1 or not isinstance(added[0].args[0], ast.Call):
        return []
    callee = names.pop()
    if not callee or not _returns_nothing(program, callee):
        return []
    where = program.functions(callee)[0].lineno
    return [
        (
            f"{_code(name)} goes through {_code(items)} (line {loop.lineno}), whose every item "
            f"comes from {_code(_source(added[0]))} on line {added[0].lineno}, which calls "
            f"{_no_return_text(callee, where, _source(added[0].args[0]))}",
            where,
        )
    ]


def _item_is_none(program: Program, node: ast.Subscript) -> list[tuple[str, int]]:
    """`choir[part]` where `choir` is a dict written out with lists and every item stored
    into it is `choir[part] = choir[part].append(name)` (on one line): `append()` gives back
    None, so every item ever stored is None, and the written-out lists are never None."""
    name = node.value.id if isinstance(node.value, ast.Name) else ""
    binding = program.only_binding(name) if name else None
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if isinstance(node.slice, ast.Slice) or not isinstance(value, ast.Dict) or None in value.keys:
        return []
    if not value.values or any(_value_type(program, v) != "list" for v in value.values):
        return []
    calls = []
    for use in _uses(program, name):
        parent = program.parents.get(use)
        call = _stored_in_place_call(program, name, parent)
        if call is not None:
            calls += [] if call in calls else [call]  # its target and its receiver
        elif not (
            _only_read(program, use)
            or _dict_reading(program, use)
            or (isinstance(parent, ast.For) and parent.iter is use)
        ):
            return []
    stores = [n for n in ast.walk(program.tree) if isinstance(n, ast.Subscript)]
    stores = [n for n in stores if isinstance(n.ctx, ast.Store) and n.value.id == name]  # type: ignore[attr-defined]
    if not calls or len(stores) != len(calls) or len({c.lineno for c in calls}) != 1:
        return []
    call = calls[0]
    return [
        (
            f"every item line {call.lineno} stores in {_code(name)} is the result of "
            f"{_code(_source(call))}, and a list's {_code(call.func.attr + '()')} changes the "  # type: ignore[attr-defined]
            "list itself and gives back None",
            call.lineno,
        )
    ]


def _stored_in_place_call(program: Program, name: str, node: ast.AST | None) -> ast.Call | None:
    """The call of `name[k] = name[k].append(x)` where `node` is its `name[k]` (either one)."""
    statement = program.parents.get(node) if isinstance(node, ast.Subscript) else None
    if isinstance(statement, ast.Attribute):
        statement = program.parents.get(program.parents.get(statement))
    if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
        return None
    target, call = statement.targets[0], statement.value
    if not isinstance(target, ast.Subscript) or getattr(target.value, "id", "") != name:
        return None
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return None
    receiver = call.func.value
    if call.func.attr not in _IN_PLACE_METHODS or not isinstance(receiver, ast.Subscript):
        return None
    return call if getattr(receiver.value, "id", "") == name else None


def _in_place_call(program: Program, node: ast.AST) -> bool:
    """`names.sort()` (or `.append()`, `.reverse()`, ...) on a name set once to a list."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    receiver = node.func.value
    if node.func.attr not in _IN_PLACE_METHODS or not isinstance(receiver, ast.Name):
        return False
    binding = program.only_binding(receiver.id)
    value = binding.value if binding is not None and binding.kind == "assign" else None
    return value is not None and _value_type(program, value) == "list"


def _shuffled(program: Program, value: ast.Call) -> bool:
    """`random.shuffle(xs)` with `random` the imported module: it gives back None."""
    module = value.func.value  # type: ignore[attr-defined]
    imports = program.bindings.get("random", [])
    return (
        value.func.attr == "shuffle"  # type: ignore[attr-defined]
        and isinstance(module, ast.Name)
        and module.id == "random"
        and bool(imports)
        and all(b.kind == "import" for b in imports)
    )


def _no_return_text(callee: str, where: int, call: str) -> str:
    return (
        f"{_code(call)}, and the function {_code(callee)} (line {where}) has no `return` "
        "with a value, so the call gives back None"
    )


def _name_is_none(program: Program, node: ast.Name) -> list[tuple[str, int]]:
    """Why the name read at `node` is None, where one of its bindings certainly makes it None
    and every other binding certainly does not. Only the bindings of the scope it is read in
    count (module level where that scope binds it nowhere): a function's parameter of the
    same name is another variable."""
    name, scope = node.id, program.scope_of(node)
    everywhere = program.bindings.get(name, [])
    bindings = [b for b in everywhere if b.scope is scope]
    if not bindings and scope is not None:
        bindings = [b for b in everywhere if b.scope is None]
    if not bindings or name in program.declared:
        return []
    causes, others = [], []
    for binding in bindings:
        value = binding.value
        if binding.kind != "assign" or value is None:
            return []
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            if value.func.attr in _IN_PLACE_METHODS:
                causes.append(
                    (
                        f"line {binding.line} gives {_code(name)} the result of "
                        f"{_code(_source(value))}, and a list's {_code(value.func.attr + '()')} "
                        "changes the list itself and gives back None",
                        binding.line,
                    )
                )
                continue
            if _shuffled(program, value):
                causes.append(
                    (
                        f"line {binding.line} gives {_code(name)} the result of "
                        f"{_code(_source(value))}, and `random.shuffle()` shuffles the list "
                        "itself and gives back None",
                        binding.line,
                    )
                )
                continue
        value_type = _value_type(program, value)
        if value_type == "NoneType" and isinstance(value, ast.Call):
            callee = value.func.id  # type: ignore[attr-defined]
            where = program.functions(callee)[0].lineno
            text = _no_return_text(callee, where, _source(value))
            causes.append((f"{_code(name)} is set on line {binding.line} from {text}", where))
            continue
        if value_type in ("", "NoneType"):
            return []
        others.append(binding)
    return causes if len(causes) == 1 else []


def _none_used(case: _Case) -> Diagnosis | None:
    """None from a function without `return` or from a list method, used on the failing line."""
    message = case.facts.message
    if "NoneType" not in message and "'NoneType' object" not in message:
        return None
    sources = sorted(_none_sources(case), key=lambda s: s[0].col_offset)
    if len({where for _, _, where in sources}) != 1:
        return None  # several Nones with one cause (one function) are as certain as one
    node, why, where = sources[0]
    why = why[0].lower() + why[1:]
    attribute = _quoted(message, r"has no attribute '(\w+)'")
    if attribute:
        parent = case.program.parents.get(node)
        if not (isinstance(parent, ast.Attribute) and parent.attr == attribute):
            return None
    return Diagnosis(
        "none_used",
        where,
        f"Line {case.frame.line} gets None where it needs a value: {why}",
        "What should that value be instead of None, and which line has to provide it?",
    )


def _str_method_result(case: _Case) -> Diagnosis | None:
    """`__str__` that prints instead of returning, or returns a number."""
    kind = _quoted(case.facts.message, r"^__str__ returned non-string \(type (\w+)\)$")
    methods = [
        node
        for node in ast.walk(case.program.tree)
        if isinstance(node, ast.FunctionDef)
        and node.name == "__str__"
        and isinstance(case.program.parents.get(node), ast.ClassDef)
    ]
    if not kind or len(methods) != 1:
        return None
    method = methods[0]
    owner = case.program.parents[method].name  # type: ignore[attr-defined]
    returns = [
        node
        for node in ast.walk(method)
        if isinstance(node, ast.Return) and case.program.scope_of(node) is method
    ]
    valued = [r for r in returns if r.value is not None]
    if kind == "NoneType" and not valued:
        prints = [
            node.lineno
            for node in ast.walk(method)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print"
        ]
        also = f"; it prints on line {prints[0]} instead" if len(prints) == 1 else ""
        return Diagnosis(
            "str_method_result",
            method.lineno,
            f"The method `__str__` of {_code(owner)} (line {method.lineno}) has no `return` "
            f"with a value{also}, so it gives back None, and line {case.frame.line} needs "
            "`__str__` to give back a string",
            "What should `__str__` do with the text instead of printing it?",
        )
    if len(returns) != 1 or len(valued) != 1 or kind == "NoneType":
        return None
    value = valued[0]
    word = _TYPE_WORDS.get(kind, f"a value of type {_code(kind)}")
    return Diagnosis(
        "str_method_result",
        value.lineno,
        f"The method `__str__` of {_code(owner)} gives back {_code(_source(value.value))} "
        f"(line {value.lineno}), which is {word}, not a string, and line {case.frame.line} "
        "needs `__str__` to give back a string",
        "How can `__str__` turn what it gives back into text?",
    )


def _own_function(program: Program, node: ast.expr | None) -> ast.FunctionDef | None:
    """The plain function (defined once, no decorator, not a generator) that `node` calls;
    for `loan.fine()`, the one method `fine` of the program's classes."""
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Attribute):
        owner = node.func.value
        imported = isinstance(owner, ast.Name) and any(
            b.kind == "import" for b in program.bindings.get(owner.id, [])
        )
        function = None if imported else _own_method(program, node.func.attr)
    elif isinstance(node.func, ast.Name):
        functions = program.functions(node.func.id)
        if len(functions) != 1 or len(program.bindings.get(node.func.id, [])) != 1:
            return None
        function = functions[0]
    else:
        return None
    if not isinstance(function, ast.FunctionDef) or function.decorator_list:
        return None
    if any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(function)):
        return None
    return function


def _own_method(program: Program, name: str) -> ast.FunctionDef | None:
    """The method `name` where the program defines it once, in a class body, and nothing
    else has that name: no built-in type's method, no other function, no attribute set."""
    functions = program.functions(name)
    if len(functions) != 1 or any(hasattr(t, name) for t in _CONTAINER_TYPES.values()):
        return None
    if not isinstance(program.parents.get(functions[0]), ast.ClassDef):
        return None
    stored = any(
        isinstance(n, ast.Attribute) and n.attr == name and not isinstance(n.ctx, ast.Load)
        for n in ast.walk(program.tree)
    )
    if stored or len(program.bindings.get(name, [])) != 1:
        return None
    return functions[0]  # type: ignore[return-value]


def _returns(program: Program, function: ast.FunctionDef) -> list[ast.Return]:
    return [
        node
        for node in ast.walk(function)
        if isinstance(node, ast.Return) and program.scope_of(node) is function
    ]


def _never_none(program: Program, function: ast.FunctionDef, value: ast.expr) -> bool:
    """True if `value`, returned by `function`, is certainly not None: a literal, an
    arithmetic result, or a local name every assignment of which is one."""
    if isinstance(value, ast.BinOp | ast.Compare | ast.UnaryOp):
        return True
    if isinstance(value, ast.Name):
        bindings = program.bindings.get(value.id, [])
        own = [b for b in bindings if b.scope is function]
        if not own or len(own) != len(bindings) or value.id in program.declared:
            return False
        return all(
            b.kind == "augassign"
            or (b.kind == "assign" and _never_none(program, function, b.value))  # type: ignore[arg-type]
            for b in own
        )
    return _value_type(program, value) not in ("", "NoneType")


def _call_giving_none(case: _Case) -> ast.Call | None:
    """The call on the failing line (or the one assignment of a name there) that the
    message says gave None: a side of an operator, or the value unpacked."""
    program = case.program
    node: ast.expr | None = None
    if "cannot unpack non-iterable NoneType object" == case.facts.message:
        statement = program.statement_at(case.frame.line)
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Tuple):
            node = statement.value
    else:
        operands = _operator_node(case)
        if operands is not None:
            left, right, types = operands
            sides = [s for s, t in zip((left, right), types, strict=True) if t == "NoneType"]
            node = sides[0] if len(sides) == 1 else None
    if isinstance(node, ast.Name):
        binding = program.only_binding(node.id)
        node = binding.value if binding is not None and binding.kind == "assign" else None
    return node if isinstance(node, ast.Call) else None


def _ends_without_return(case: _Case) -> Diagnosis | None:
    """A function whose every `return` gives a value gave None: it reached its end."""
    call = _call_giving_none(case)
    function = _own_function(case.program, call)
    if function is None:
        return None
    returns = _returns(case.program, function)
    if not returns or any(
        r.value is None or not _never_none(case.program, function, r.value) for r in returns
    ):
        return None
    last = function.body[-1]
    name = function.name
    if isinstance(last, ast.Expr) and _own_function(case.program, last.value) is function:
        where, detail = (
            last.lineno,
            (
                f"line {last.lineno} calls {_code(name)} again but does nothing with what that "
                "call gives back"
            ),
        )
    elif len(returns) == 1:
        blocks = [
            b
            for b in case.program.enclosing(returns[0].lineno, (ast.If, ast.For, ast.While))
            if _contains(function, b)
        ]
        if not blocks:
            return None
        where, detail = (
            returns[0].lineno,
            (
                f"its only `return` (line {returns[0].lineno}) is {_place(blocks[0], returns[0])}, "
                "and this time the function did not get to it"
            ),
        )
    else:
        return None
    return Diagnosis(
        "ends_without_return",
        where,
        f"On line {case.frame.line}, {_code(_source(call))} gave back None: every `return` in "
        f"{_code(name)} (line {function.lineno}) gives a value, so the call reached the end of "
        f"the function without passing one; {detail}",
        f"What should {_code(name)} give back in that case, and which line has to say so?",
    )


def _place(block: ast.If | ast.For | ast.While, node: ast.stmt) -> str:
    """Where `node` sits in `block`: "inside the `for` on line 3", "in the `else` part of
    the `if` on line 2"."""
    if isinstance(block, ast.If) and any(_contains(s, node) for s in block.orelse):
        return f"in the `else` part of the `if` on line {block.lineno}"
    word = {ast.If: "if", ast.For: "for", ast.While: "while"}[type(block)]
    return f"inside the `{word}` on line {block.lineno}"


def _unpack_one_value(case: _Case) -> Diagnosis | None:
    """`e, c = split_price(p)` where the function's one `return` gives a single number."""
    kind = _quoted(case.facts.message, r"^cannot unpack non-iterable (int|float|bool) object$")
    statement = case.program.statement_at(case.frame.line)
    if not kind or not isinstance(statement, ast.Assign):
        return None
    target = statement.targets[0]
    function = _own_function(case.program, statement.value)
    if function is None or not isinstance(target, ast.Tuple) or len(statement.targets) != 1:
        return None
    returns = _returns(case.program, function)
    sized = (ast.Tuple, ast.List, ast.Starred)
    bare = [r for r in returns if not isinstance(r.value, sized)]
    if (
        len(returns) > 1
        and len(bare) == 1
        and all(
            isinstance(r.value, ast.Tuple) and len(r.value.elts) == len(target.elts)
            for r in returns
            if r is not bare[0]
        )
    ):
        returns = bare  # the pairs unpack; the one bare value is what failed
    if len(returns) != 1 or returns[0].value is None:
        return None
    mixed = len(_returns(case.program, function)) > 1
    value = returns[0].value
    if isinstance(value, ast.Tuple | ast.List | ast.Starred):
        return None
    names = len(target.elts)
    shown = ", ".join(_source(e) for e in target.elts)
    return Diagnosis(
        "unpack_one_value",
        returns[0].lineno,
        f"Line {case.frame.line} unpacks what {_code(_source(statement.value))} gives back into "
        f"{names} names ({_code(shown)}), but {_code(function.name)} gives back one "
        f"value, {_code(_source(value))} (line {returns[0].lineno}), which is "
        f"{_TYPE_WORDS[kind]}" + (f"; its other returns give {names} values" if mixed else ""),
        f"How many values should {_code(function.name)} give back, and how?",
    )


def _return_in_loop(case: _Case) -> Diagnosis | None:
    """None from the program's function whose `for` loop ends with its `return` (`if ...:`
    then `return best` or `return None` one level too deep): the loop stops on its first
    pass, and the function gives back None where that return says None or the loop has no
    item (nothing follows the loop)."""
    if "NoneType" not in case.facts.message:
        return None
    program, line = case.program, case.frame.line
    statement = program.statement_at(line)
    callees = set()
    for node in ast.walk(statement) if statement is not None else ():
        if getattr(node, "lineno", line) != line:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            binding = program.only_binding_in(node.id, program.scope_of(node))
            node = binding.value if binding is not None and binding.kind == "assign" else None  # type: ignore[assignment]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            callees.add(node.func.id)
    found = [(name, r) for name in callees if (r := _loop_return(program, name)) is not None]
    if len(found) != 1:
        return None
    name, (loop, ret) = found[0]
    written = program.lines[ret.lineno - 1].strip()
    return Diagnosis(
        "return_in_loop",
        ret.lineno,
        f"The {_code(written if len(written) <= 40 else 'return')} on line {ret.lineno} is the "
        f"last line inside the `for` loop of line {loop.lineno}, so {_code(name)} returns at "
        "the end of the loop's first pass, before it looks at any other item, and line "
        f"{line} gets None from it",
        f"Which lines of {_code(name)} should run for every item, and which only once the "
        "loop has gone through them all?",
    )


def _loop_return(program: Program, name: str) -> tuple[ast.For, ast.Return] | None:
    """(the loop, its return) where the program's one function `name` ends with a `for` loop
    whose body is a test (`if`) and then a `return`, that return giving None or nothing
    following the loop."""
    functions = program.functions(name)
    if len(functions) != 1 or len(program.bindings.get(name, [])) != 1:
        return None
    body = functions[0].body  # type: ignore[attr-defined]
    loop = body[-1] if body else None
    if not isinstance(loop, ast.For) or loop.orelse or len(loop.body) < 2:
        return None
    last = loop.body[-1]
    if not isinstance(last, ast.Return) or not any(isinstance(s, ast.If) for s in loop.body):
        return None
    return loop, last


def _bare_return(case: _Case) -> Diagnosis | None:
    """`change = machine.buy("chocolate", 1.0)` then `round(change, 2)` fails on None (r13-002):
    `buy` ends with a `return` of a value, every other `return` gives a value that is never
    None, and one bare `return` gives None: the only way the call can give back None."""
    program, line = case.program, case.frame.line
    node = _none_operand(case)
    call: ast.expr | None = node
    shown = ""
    if isinstance(node, ast.Name):
        binding = program.only_binding(node.id)
        set_at = binding.value if binding is not None and binding.kind == "assign" else None
        just_before = _assigned_just_before(program, line, node.id)
        call = just_before.value if just_before is not None else set_at
        where = just_before.lineno if just_before is not None else getattr(binding, "line", 0)
        shown = f"{_code(node.id)}, which line {where} sets to "
    function = _own_function(program, call)
    if function is None or not isinstance(function.body[-1], ast.Return):
        return None
    returns = _returns(program, function)
    bare = [r for r in returns if r.value is None]
    if len(bare) != 1 or not all(
        _never_none(program, function, r.value) or _given_not_none(program, call, function, r.value)  # type: ignore[arg-type]
        for r in returns
        if r.value is not None
    ):
        return None
    where = bare[0].lineno
    return Diagnosis(
        "bare_return",
        where,
        f"On line {line}, {shown}{_code(_source(call))}{shown and ','} is None: "  # type: ignore[arg-type]
        f"every other `return` in {_code(function.name)} (line {function.lineno}) gives a "
        f"value, but the bare `return` on line {where} gives back None",
        f"What should {_code(function.name)} give back when it stops at line {where}?",
    )


def _none_operand(case: _Case) -> ast.expr | None:
    """The one operand the message says is None, or the number `round()` was given."""
    if case.facts.message == "type NoneType doesn't define __round__ method":
        call = _failing_node(case.program, case.frame, ast.Call)
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "round" and call.args:
            return call.args[0] if "round" not in case.program.bindings else None
        return None
    operands = _operator_node(case)
    if operands is None:
        return None
    left, right, types = operands
    sides = [s for s, t in zip((left, right), types, strict=True) if t == "NoneType"]
    return sides[0] if len(sides) == 1 else None


def _given_not_none(
    program: Program, call: ast.Call, function: ast.FunctionDef, value: ast.expr
) -> bool:
    """`return paid` where `paid` is a parameter the function never rebinds and this call
    passes a written-out value that is not None (`buy("cola", 2.0)`)."""
    if not isinstance(value, ast.Name) or call.keywords:
        return False
    names = [a.arg for a in function.args.posonlyargs + function.args.args]
    if isinstance(call.func, ast.Attribute):
        names = names[1:]  # `self`
    own = [b for b in program.bindings.get(value.id, []) if b.scope is function]
    if value.id not in names or len(own) != 1 or len(names) != len(call.args):
        return False
    given = call.args[names.index(value.id)]
    return isinstance(given, ast.Constant) and given.value is not None
