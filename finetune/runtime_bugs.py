"""Injectors for runtime mistakes whose cause lies away from the line Python blames.

Beginners' real errors are mostly of this sort: the traceback points at a call of
``sum()``, but the mistake is the variable called ``sum`` eight lines earlier. Each
injector below proposes one such mistake (see :mod:`finetune.bugs` for `Edit` and how
an edit becomes a bug); the line to fix is where the student made the choice, and the
build keeps a bug only if the sandbox run fails the way its kind (:mod:`finetune.kinds`)
says. `Edit.fields` carries what the hint templates name (the built-in, the method, ...).
"""

from __future__ import annotations

import ast
import builtins
import difflib
from collections.abc import Iterator

from finetune.bugs import Edit, Source, rng_for, with_fields

# Built-ins beginners call and also like as variable names.
SHADOWABLE = frozenset(
    "list sum max min len str input int float sorted round abs dict set range".split()
)


def _scope_names(src: Source, scope: ast.FunctionDef | None) -> list[ast.Name]:
    return [
        n
        for n in ast.walk(src.tree)
        if isinstance(n, ast.Name) and src.enclosing_function(n) is scope
    ]


def _in_fstring(src: Source, node: ast.AST) -> bool:
    while node in src.parents:
        node = src.parents[node]
        if isinstance(node, ast.JoinedStr):
            return True
    return False


def _rename(src: Source, nodes: list[ast.Name], new: str) -> dict[int, str]:
    """The program's lines that hold `nodes`, with each of them renamed to `new`."""
    lines: dict[int, str] = {}
    for node in sorted(nodes, key=lambda n: (n.lineno, -n.col_offset)):
        text = lines.get(node.lineno, src.lines[node.lineno - 1])
        lines[node.lineno] = text[: node.col_offset] + new + text[node.end_col_offset :]
    return lines


def _first_store(nodes: list[ast.Name]) -> ast.Name | None:
    stores = [n for n in nodes if isinstance(n.ctx, ast.Store)]
    return min(stores, key=lambda n: (n.lineno, n.col_offset)) if stores else None


def shadowed_builtin(src: Source, seed: int) -> Iterator[Edit]:
    """A variable named after a built-in it later calls: `sum = 0` ... `sum(xs)` (TypeError).

    The variable is renamed everywhere in its scope; the line to fix is its first
    assignment, where the student chose the name.
    """
    scopes: list[ast.FunctionDef | None] = [None, *src.functions.values()]
    for scope in scopes:
        names = _scope_names(src, scope)
        calls = [
            n
            for n in ast.walk(scope or src.tree)
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name)
            and n.func.id in SHADOWABLE
            and n.func.id not in src.defined
            and src.enclosing_function(n) is scope
        ]
        for var in sorted({n.id for n in names if isinstance(n.ctx, ast.Store)}):
            uses = [n for n in ast.walk(src.tree) if isinstance(n, ast.Name) and n.id == var]
            if any(src.enclosing_function(n) is not scope or _in_fstring(src, n) for n in uses):
                continue
            first = _first_store(uses)
            if first is None or not isinstance(src.parents.get(first), ast.Assign | ast.For):
                continue
            later = sorted({c.func.id for c in calls if c.lineno > first.lineno})
            if not later:
                continue
            builtin = rng_for(seed, "shadow", first.lineno, var).choice(later)
            lines = _rename(src, uses, builtin)
            also = tuple((n, text) for n, text in sorted(lines.items()) if n != first.lineno)
            edit = Edit(first.lineno, lines[first.lineno], builtin, also=also)
            yield with_fields(edit, builtin=builtin)


def _methods(src: Source) -> Iterator[tuple[ast.ClassDef, ast.FunctionDef]]:
    """(class, method) for every plain method whose first parameter is `self`."""
    for cls in src.classes.values():
        for node in cls.body:
            if isinstance(node, ast.FunctionDef) and not node.decorator_list:
                params = node.args.args
                if params and params[0].arg == "self" and not node.args.posonlyargs:
                    yield cls, node


def missing_self(src: Source, seed: int) -> Iterator[Edit]:
    """A method defined without `self`: `def deposit(amount):` (TypeError at the call)."""
    for cls, method in _methods(src):
        params = method.args.args
        if params[0].lineno != method.lineno or method.args.vararg or method.args.kwonlyargs:
            continue
        end = params[1].col_offset if len(params) > 1 else params[0].end_col_offset
        edit = src.replace(method.lineno, params[0].col_offset, end, "", method.name)
        yield with_fields(edit, method=method.name, klass=cls.name)


def method_on_class(src: Source, seed: int) -> Iterator[Edit]:
    """A method called on the class instead of the object: `Account.deposit(5)` (TypeError)."""
    methods = {(cls.name, m.name) for cls, m in _methods(src)}
    objects: dict[str, str] = {}  # module-level name -> class, for `obj = Class(...)` once
    for node in src.nodes(ast.Assign):
        target, value = node.targets[0], node.value
        if len(node.targets) == 1 and isinstance(target, ast.Name) and isinstance(value, ast.Call):
            klass = getattr(value.func, "id", None)
            if klass in src.classes and src.enclosing_function(node) is None:
                objects[target.id] = klass
    stored = [
        n.id for n in ast.walk(src.tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    ]
    objects = {name: klass for name, klass in objects.items() if stored.count(name) == 1}
    for call in src.nodes(ast.Call):
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            continue
        obj = func.value.id
        klass = objects.get(obj)
        if klass is None or (klass, func.attr) not in methods or src.enclosing_function(call):
            continue
        if any(isinstance(a, ast.Starred) for a in call.args) or call.keywords:
            continue
        edit = src.span(func.value, klass, klass, same_line=True)
        yield with_fields(edit, obj=obj, klass=klass, method=func.attr)


def str_start_value(src: Source, seed: int) -> Iterator[Edit]:
    """A list or number that starts as a string: `names = ""`, `total = "0"` (fails later)."""
    for node in src.nodes(ast.Assign):
        target, value = node.targets[0], node.value
        if len(node.targets) != 1 or not isinstance(target, ast.Name):
            continue
        if isinstance(value, ast.List) and not value.elts:
            yield with_fields(src.span(value, '""', target.id), name=target.id, meant="list")
        elif isinstance(value, ast.Constant) and type(value.value) is int and value.value == 0:
            yield with_fields(src.span(value, '"0"', target.id), name=target.id, meant="number")


def missing_return(src: Source, seed: int) -> Iterator[Edit]:
    """A function that stores its result instead of returning it (None for the caller)."""
    for function in src.functions.values():
        last = function.body[-1]
        returns = [
            n
            for n in ast.walk(function)
            if isinstance(n, ast.Return) and src.enclosing_function(n) is function
        ]
        if returns != [last] or last.value is None or isinstance(last.value, ast.Name):
            continue
        alone = src.lines[last.lineno - 1].strip() == src.text(last)
        if "result" in src.defined or last.lineno != last.end_lineno or not alone:
            continue
        edit = src.span(last, f"result = {src.text(last.value)}", "result")
        yield with_fields(edit, function=function.name)


def float_division(src: Source, seed: int) -> Iterator[Edit]:
    """`/` where a whole number was needed: `xs[len(xs) / 2]`, `range(n / 2)` (TypeError)."""
    for node in src.nodes(ast.BinOp):
        if isinstance(node.op, ast.FloorDiv):
            line = src.lines[node.lineno - 1]
            at = line.find("//", node.left.end_col_offset, node.right.col_offset)
            if at >= 0:
                yield src.replace(node.lineno, at, at + 2, "/", "/")
    for node in src.nodes(ast.Call):
        if getattr(node.func, "id", None) == "int" and len(node.args) == 1 and not node.keywords:
            inner = node.args[0]
            if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Div):
                yield src.span(node, src.text(inner), "/")


def _bound_before(src: Source, scope: ast.FunctionDef | None, line: int) -> set[str]:
    """Names stored (or taken as parameters) in `scope` before `line`."""
    found = {arg.arg for arg in scope.args.args} if scope is not None else set()
    for node in _scope_names(src, scope):
        if isinstance(node.ctx, ast.Store) and node.lineno < line:
            found.add(node.id)
    return found


def _similar(a: str, b: str) -> bool:
    if a == b or min(len(a), len(b)) < 3:
        return False
    if (a.startswith(b) or b.startswith(a)) and abs(len(a) - len(b)) <= 2:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


def similar_name(src: Source, seed: int) -> Iterator[Edit]:
    """The wrong one of two similar names: `word` for `words`, `total` for `totals`."""
    for node in src.nodes(ast.Name):
        if not isinstance(node.ctx, ast.Load) or _in_fstring(src, node):
            continue
        scope = src.enclosing_function(node)
        bound = _bound_before(src, scope, node.lineno)
        if scope is not None:  # module-level names are visible inside functions too
            bound |= _bound_before(src, None, node.lineno)
        if node.id not in bound:
            continue
        others = sorted(n for n in bound if _similar(node.id, n) and not hasattr(builtins, n))
        if others:
            other = rng_for(seed, "similar", node.lineno, node.col_offset).choice(others)
            yield src.span(node, other, other)


def global_assigned(src: Source, seed: int) -> Iterator[Edit]:
    """A module-level variable assigned inside a function that reads it (UnboundLocalError).

    The assignment `total = count + 1` becomes `count = count + 1`: the function's
    `count` is then local everywhere in it, so its first read fails.
    """
    module = {n.id for n in _scope_names(src, None) if isinstance(n.ctx, ast.Store)}
    module -= set(src.functions) | set(src.classes)
    for function in src.functions.values():
        names = _scope_names(src, function)
        stored = {n.id for n in names if isinstance(n.ctx, ast.Store)}
        params = {a.arg for a in function.args.args}
        read = {n.id for n in names if isinstance(n.ctx, ast.Load)} & module
        for node in ast.walk(function):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target = node.targets[0]
            if not isinstance(target, ast.Name) or src.enclosing_function(node) is not function:
                continue
            used = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
            for name in sorted(used & read - stored - params):
                edit = src.span(target, name, name)
                yield with_fields(edit, name=name, function=function.name)


def swapped_args(src: Source, seed: int) -> Iterator[Edit]:
    """Two arguments of a call to the program's own function in the wrong order."""
    module_functions = {
        node.name: node for node in src.tree.body if isinstance(node, ast.FunctionDef)
    }
    for call in src.nodes(ast.Call):
        function = module_functions.get(getattr(call.func, "id", None))
        if function is None or call.keywords or len(call.args) < 2:
            continue
        params = [a.arg for a in function.args.args]
        if len(params) != len(call.args) or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        for first, second in zip(call.args, call.args[1:], strict=False):
            left, right = src.text(first), src.text(second)
            if left == right:
                continue
            line = src.lines[call.lineno - 1]
            text = (
                line[: first.col_offset]
                + right
                + line[first.end_col_offset : second.col_offset]
                + left
                + line[second.end_col_offset :]
            )
            edit = Edit(call.lineno, text, function.name)
            yield with_fields(
                edit,
                function=function.name,
                params=", ".join(params),
            )
