"""AttributeError: a method of another type or of another language, `.length`, a built-in
function called as a method (`x.round(1)`), a range used as a list, a misspelt attribute,
a value `__init__` (or another method) kept in a plain variable, never set on `self`, a
dict's key read as an attribute, and loops that give keys or indexes where the code
expects the dict's values or the list's items."""

from __future__ import annotations

import ast

from ..hintfacts import (
    _BUILTIN_TYPES,
    _TYPE_WORDS,
    Origin,
    Program,
    _class_attributes,
    _code,
    _fixed_dict_keys,
    _names,
    _quoted,
    _source,
)
from ._common import (
    _CONTAINER_TYPES,
    Diagnosis,
    _asked_attribute,
    _Case,
    _classes_named,
    _is_self_attribute,
    _is_self_store,
    _loop_over,
    _method,
    _plural,
    _typo_of,
    _value_origin,
)


def _wrong_type_method(case: _Case) -> Diagnosis | None:
    """`x.append` where `x` certainly got a string (or a dict, a tuple, ...) on its one line."""
    program = case.program
    kind, attribute, node = _asked_attribute(case)
    if kind not in _CONTAINER_TYPES or not attribute:
        return None
    owners = [name for name, t in _CONTAINER_TYPES.items() if t is not _CONTAINER_TYPES[kind]]
    having = [name for name in owners if hasattr(_CONTAINER_TYPES[name], attribute)]
    if not having or node is None:
        return None
    origin = _value_origin(case, node.value)
    if origin is not None and origin.type != kind:
        return None
    if isinstance(node.value, ast.Name) and _typo_of(node.value.id, set(program.bindings)):
        return None  # `rows.split` next to a `row`: a mixed-up name is as likely
    plural = _plural(kind)
    if origin is None and kind == "list":
        origin = _split_origin(program, node.value)
    if origin is None:  # the message says the type; where it came from is not read
        return Diagnosis(
            "wrong_type_method",
            case.frame.line,
            f"Line {case.frame.line} uses {_code('.' + attribute)} on "
            f"{_code(_source(node.value))}, which is {_TYPE_WORDS[kind]} there (the error "
            f"says so); {plural} have no {_code(attribute)}, it belongs to "
            f"{_names(having).replace('`', '')}",
            f"Should {_code(_source(node.value))} be another kind of value, or should line "
            f"{case.frame.line} use something {plural} have?",
        )
    where = f"it gets its value from {_code(origin.source)} on line {origin.line}"
    if origin.type == "list" and isinstance(node.value, ast.Name) and origin.source.endswith(")"):
        split = _split_origin(program, node.value)
        if split is not None:
            method = split.source.rsplit(".", 1)[-1].split("(")[0]
            where += f", and `.{method}()` always gives back a list"
    if origin.parameter:
        where = f"it gets {_code(origin.name)} in the call on line {origin.call_line}"
    shown = origin.parameter or origin.name
    return Diagnosis(
        "wrong_type_method",
        origin.call_line if origin.parameter else origin.line,
        f"Line {case.frame.line} uses {_code('.' + attribute)} on {_code(shown)}, which is "
        f"{_TYPE_WORDS[kind]}: {where}; {plural} have no {_code(attribute)}, it belongs to "
        f"{_names(having).replace('`', '')}",
        f"Should {_code(shown)} be another kind of value, or should line {case.frame.line} use "
        f"something {plural} have?",
    )


def _range_as_list(case: _Case) -> Diagnosis | None:
    """`self.free = range(1, 4)` then `self.free.pop(0)`: a range counts numbers but is no
    list, so the list methods that change it are missing."""
    kind, attribute, node = _asked_attribute(case)
    if kind != "range" or node is None or not hasattr(list, attribute):
        return None
    stores = _stores_of(case.program, node.value)
    if len(stores) != 1 or not _is_range_call(case.program, stores[0][1]):
        return None
    line, value = stores[0]
    shown = _source(node.value)
    return Diagnosis(
        "range_as_list",
        line,
        f"Line {line} sets {_code(shown)} to {_code(_source(value))}, a range: it counts the "
        f"numbers but is no list, so it has no {_code('.' + attribute)} for line "
        f"{case.frame.line} to use",
        f"Which kind of value has {_code('.' + attribute)}, and how can line {line} make one "
        "from the range?",
    )


def _stores_of(program: Program, target: ast.expr) -> list[tuple[int, ast.expr | None]]:
    """(line, value) of every assignment to `name` or to `self.name` in the program."""
    if isinstance(target, ast.Name):
        return [(b.line, b.value) for b in program.bindings.get(target.id, [])]
    if not (isinstance(target, ast.Attribute) and getattr(target.value, "id", "") == "self"):
        return []
    found: list[tuple[int, ast.expr | None]] = []
    for node in ast.walk(program.tree):
        if isinstance(node, ast.Attribute) and node.attr == target.attr:
            if isinstance(node.ctx, ast.Store | ast.Del):
                parent = program.parents.get(node)
                one = isinstance(parent, ast.Assign) and parent.targets == [node]
                found.append((node.lineno, parent.value if one else None))  # type: ignore[union-attr]
    return found


def _is_range_call(program: Program, value: ast.expr | None) -> bool:
    return (
        isinstance(value, ast.Call)
        and getattr(value.func, "id", "") == "range"
        and "range" not in program.bindings
    )


def _split_origin(program: Program, node: ast.expr) -> Origin | None:
    """`name = text.split()`: `.split()` always gives back a list of the pieces."""
    binding = program.only_binding(node.id) if isinstance(node, ast.Name) else None
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return None
    if value.func.attr not in ("split", "rsplit", "splitlines"):
        return None
    return Origin(binding.name, binding.line, _source(value), "list")  # type: ignore[union-attr]


def _attribute_typo(case: _Case) -> Diagnosis | None:
    facts, program = case.facts, case.program
    owner = _quoted(facts.message, r"^'(\w+)' object has no attribute")
    if not owner or owner in _BUILTIN_TYPES or not facts.offending:
        return None
    defined = _class_attributes(program, owner)
    right = _typo_of(facts.offending, set(defined))
    if not right:
        return None
    spots = [
        n.lineno
        for c in _classes_named(program, owner)
        for n in ast.walk(c)
        if (isinstance(n, ast.FunctionDef) and n.name == right)
        or (isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store) and n.attr == right)
    ]
    if not spots:
        return None
    return Diagnosis(
        "attribute_typo",
        min(spots),
        f"The class {_code(owner)} has {_code(right)} (line {min(spots)}), but line "
        f"{case.frame.line} asks for {_code(facts.offending)}; the two spellings differ by a "
        "letter or two",
        "Which spelling is the one you meant, and is it the same in both places?",
    )


def _attribute_never_set(case: _Case) -> Diagnosis | None:
    """`self.gold` read, but `__init__` set a plain `gold`, or a subclass's `__init__`
    replaced the one that sets it."""
    owner = _quoted(
        case.facts.message, r"^'(\w+)' object has no attribute '\w+'(?:\. Did you mean: '\w+'\?)?$"
    )
    attribute, program = case.facts.offending, case.program
    mine = _classes_named(program, owner)
    if not owner or not attribute or len(mine) != 1 or owner in _BUILTIN_TYPES:
        return None
    init = _method(program, owner, "__init__")
    if init is None or _stores_self(init, attribute):
        return None
    local = [
        b.line
        for b in program.bindings.get(attribute, [])
        if b.scope is init and b.kind == "assign"
    ]
    stored = {
        n.attr
        for n in ast.walk(mine[0])
        if isinstance(n, ast.Attribute)
        and isinstance(n.ctx, ast.Store)
        and isinstance(n.value, ast.Name)
        and n.value.id == "self"
    }
    if _typo_of(attribute, stored):
        return None  # `self.nmae = name`: a misspelt attribute is as likely
    if local and mine[0].bases == []:
        return Diagnosis(
            "attribute_never_set",
            min(local),
            f"`__init__` of {_code(owner)} sets the plain variable {_code(attribute)} on line "
            f"{min(local)}, which exists only while `__init__` runs; it never sets "
            f"{_code('self.' + attribute)}, so the object has no {_code(attribute)} when line "
            f"{case.frame.line} reads it",
            "How does `__init__` store a value on the object itself?",
        )
    bases = [b.id for b in mine[0].bases if isinstance(b, ast.Name)]
    parent = _method(program, bases[0], "__init__") if len(bases) == 1 else None
    if parent is None or len(mine[0].bases) != 1 or not _stores_self(parent, attribute):
        return None
    if _stores_self(mine[0], attribute) or any(
        isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "__init__"
        for n in ast.walk(init)
    ):
        return None  # the parent's `__init__` is called, or the class sets it itself
    line = min(n.lineno for n in ast.walk(parent) if _is_self_store(n, attribute))
    return Diagnosis(
        "attribute_never_set",
        init.lineno,
        f"{_code(owner)} has its own `__init__` (line {init.lineno}), which replaces the one of "
        f"{_code(bases[0])}; {_code(bases[0])}'s `__init__` sets "
        f"{_code('self.' + attribute)} (line {line}), but {_code(owner)}'s never calls it, so "
        f"an object of {_code(owner)} has no {_code(attribute)}",
        f"How can {_code(owner)}'s `__init__` let {_code(bases[0])}'s `__init__` do its part?",
    )


def _attribute_set_as_local(case: _Case) -> Diagnosis | None:
    """`self.temperature` read, but the method `set_temperature` set a plain
    `temperature`: nothing anywhere stores the attribute, one method keeps a local of
    that name."""
    owner = _quoted(
        case.facts.message, r"^'(\w+)' object has no attribute '\w+'(?:\. Did you mean: '\w+'\?)?$"
    )
    attribute, program = case.facts.offending, case.program
    mine = _classes_named(program, owner)
    if (
        not owner
        or not attribute
        or len(mine) != 1
        or mine[0].bases
        or _stores_self(mine[0], attribute)
    ):
        return None
    if any(
        isinstance(n, ast.Attribute) and n.attr == attribute and not isinstance(n.ctx, ast.Load)
        for n in ast.walk(program.tree)
    ):
        return None  # `tank.temperature = 25` somewhere: set from outside, maybe too late
    methods = [m for m in mine[0].body if isinstance(m, ast.FunctionDef) and m.name != "__init__"]
    found = {
        (m.name, b.line)
        for m in methods
        for b in program.bindings.get(attribute, [])
        if b.scope is m and b.kind in ("assign", "augassign")
    }
    if len({name for name, _ in found}) != 1 or _typo_of(attribute, _self_stores(mine[0])):
        return None
    method, line = min(found, key=lambda f: f[1])
    return Diagnosis(
        "attribute_set_as_local",
        line,
        f"Line {line} in the method {_code(method)} sets the plain variable "
        f"{_code(attribute)}, which exists only while {_code(method)} runs; no line of "
        f"{_code(owner)} sets {_code('self.' + attribute)}, so the object has no "
        f"{_code(attribute)} when line {case.frame.line} reads it",
        "How does a method store a value on the object itself?",
    )


def _self_stores(cls: ast.ClassDef) -> set[str]:
    """The attributes a class stores on `self` (`self.name = ...`)."""
    return {
        n.attr
        for n in ast.walk(cls)
        if isinstance(n, ast.Attribute)
        and isinstance(n.ctx, ast.Store)
        and isinstance(n.value, ast.Name)
        and n.value.id == "self"
    }


def _stores_self(scope: ast.AST, attribute: str) -> bool:
    """True if `self.<attribute> = ...` (or `setattr`) appears anywhere in `scope`."""
    return any(
        _is_self_store(n, attribute)
        or (isinstance(n, ast.Call) and getattr(n.func, "id", "") == "setattr")
        for n in ast.walk(scope)
    )


_LENGTH_WORDS = ("length", "lenght", "len", "size", "lengh")


def _length_attribute(case: _Case) -> Diagnosis | None:
    """`word.length` or `xs.size()`: Python finds a length with a built-in function."""
    kind, attribute, node = _asked_attribute(case)
    if kind not in ("str", "list", "dict", "tuple", "set") or attribute not in _LENGTH_WORDS:
        return None
    if node is None:
        return None
    plural = _plural(kind)
    return Diagnosis(
        "length_attribute",
        case.frame.line,
        f"Line {case.frame.line} asks {_code(_source(node.value))}, {_TYPE_WORDS[kind]}, for "
        f"{_code('.' + attribute)}, but Python's {plural} have no such attribute or method: "
        "the length of a string, list or dict is found with a built-in function",
        "Which built-in function gives the number of items in a sequence?",
    )


def _dict_literal(program: Program, node: ast.expr) -> tuple[str, ast.Dict, int] | None:
    """A name whose one binding is a dict literal with constant str keys and values of one
    container type that is only read: (name, literal, line)."""
    if not isinstance(node, ast.Name):
        return None
    keys = _fixed_dict_keys(program, node.id)
    binding = program.only_binding(node.id)
    if not keys or binding is None or not all(type(k) is str for k in keys):
        return None
    return node.id, binding.value, binding.line  # type: ignore[return-value]


def _dict_loop_keys(case: _Case) -> Diagnosis | None:
    """`for name in gradebook: name.items()`: looping over a dict gives its keys (strings),
    and the method belongs to the dict's values."""
    program = case.program
    kind, attribute, node = _asked_attribute(case)
    if kind != "str" or node is None:
        return None
    if not isinstance(node.value, ast.Name):
        return None
    loop = _loop_over(program, node.value.id, case.frame.line)
    found = _dict_literal(program, loop.iter) if loop is not None else None
    if found is None or hasattr(str, attribute):
        return None
    name, literal, line = found
    values = {type(v).__name__ for v in literal.values}
    kinds = {"Dict": dict, "List": list, "Set": set, "Tuple": tuple}
    if len(values) != 1 or not hasattr(kinds.get(values.pop(), str), attribute):
        return None
    variable = node.value.id
    return Diagnosis(
        "dict_loop_keys",
        loop.lineno,  # type: ignore[union-attr]
        f"{_code(f'for {variable} in {name}:')} on line {loop.lineno} goes through the keys "  # type: ignore[union-attr]
        f"of the dict {_code(name)} (line {line}), which are strings, so {_code(variable)} is "
        f"a string and line {case.frame.line} cannot use {_code('.' + attribute)} on it; the "
        f"values stored under the keys have {_code(attribute)}",
        "How can the loop give each key together with its value?",
    )


def _index_as_item(case: _Case) -> Diagnosis | None:
    """`for row in range(len(rows)): row.split()`: the loop gives indexes, not items."""
    program = case.program
    kind, attribute, node = _asked_attribute(case)
    if kind != "int" or node is None or hasattr(int, attribute):
        return None
    if not isinstance(node.value, ast.Name):
        return None
    loop = _loop_over(program, node.value.id, case.frame.line)
    iterable = loop.iter if loop is not None else None
    if not (
        isinstance(iterable, ast.Call)
        and getattr(iterable.func, "id", "") == "range"
        and "range" not in program.bindings
        and len(iterable.args) == 1
        and isinstance(iterable.args[0], ast.Call)
        and getattr(iterable.args[0].func, "id", "") == "len"
        and len(iterable.args[0].args) == 1
    ):
        return None
    variable, sequence = node.value.id, _source(iterable.args[0].args[0])
    return Diagnosis(
        "index_as_item",
        loop.lineno,  # type: ignore[union-attr]
        f"{_code(f'for {variable} in {_source(iterable)}:')} on line {loop.lineno} gives "  # type: ignore[union-attr]
        f"{_code(variable)} the positions 0, 1, 2, ... of {_code(sequence)}, which are "
        f"integers, not its items; so line {case.frame.line} uses {_code('.' + attribute)} on "
        "an integer",
        f"Should the loop go through the items of {_code(sequence)} themselves, or should "
        f"line {case.frame.line} read the item at that position?",
    )


# (type, method of another language): the question that points at Python's way.
_FOREIGN_METHODS = {
    ("list", "push"): "Which list method adds an item at the end?",
    ("list", "contains"): "Which operator tells whether a list holds an item?",
    ("list", "indexOf"): "Which list method gives the position of an item?",
    ("str", "contains"): "Which operator tells whether a string holds another?",
    ("str", "trim"): "Which string method removes the spaces at both ends?",
    ("str", "toUpperCase"): "Which string method gives the text in capitals?",
    ("str", "toLowerCase"): "Which string method gives the text in small letters?",
    ("str", "toUpper"): "Which string method gives the text in capitals?",
    ("str", "toLower"): "Which string method gives the text in small letters?",
    ("str", "charAt"): "How do you read one character of a string?",
    ("str", "equals"): "Which operator compares two strings?",
    ("str", "indexOf"): "Which string method gives the position of a piece of text?",
    ("dict", "containsKey"): "Which operator tells whether a dict has a key?",
}


_FUNCTIONS_NOT_METHODS = (
    "round", "abs", "sum", "max", "min", "sorted", "len", "int", "float", "str", "print",
)  # fmt: skip


def _function_as_method(case: _Case) -> Diagnosis | None:
    """`per_100.round(1)`, `scores.sum()`: one of Python's built-in functions called as if
    it were a method of the value."""
    kind, attribute, node = _asked_attribute(case)
    if node is None or kind not in _TYPE_WORDS or kind == "NoneType":
        return None
    if attribute not in _FUNCTIONS_NOT_METHODS or attribute in case.program.bindings:
        return None
    call = case.program.parents.get(node)
    if not isinstance(call, ast.Call) or call.func is not node:
        return None
    return Diagnosis(
        "function_as_method",
        case.frame.line,
        f"Line {case.frame.line} calls {_code('.' + attribute + '()')} on "
        f"{_code(_source(node.value))}, {_TYPE_WORDS[kind]}, but Python's {_plural(kind)} "
        f"have no method of that name: {_code(attribute + '()')} is one of Python's built-in "
        "functions, which take the value inside their round brackets",
        f"How is the built-in function {_code(attribute + '()')} called on a value?",
    )


def _foreign_method(case: _Case) -> Diagnosis | None:
    """`stack.push(x)`, `s.trim()`: a method name from another language."""
    kind, attribute, node = _asked_attribute(case)
    question = _FOREIGN_METHODS.get((kind, attribute))
    if question is None or node is None:
        return None
    plural = _plural(kind)
    return Diagnosis(
        "foreign_method",
        case.frame.line,
        f"Line {case.frame.line} calls {_code('.' + attribute)} on {_code(_source(node.value))}"
        f", {_TYPE_WORDS[kind]}, but Python's {plural} have no method of that name (other "
        "languages have it); Python does the same under another name",
        question,
    )


def _key_as_attribute(case: _Case) -> Diagnosis | None:
    """`tallest.name` where `tallest` is a dict with the key "name": a dict's values are
    read by key, not as attributes."""
    kind, attribute, node = _asked_attribute(case)
    if kind != "dict" or not attribute or node is None:
        return None
    keys = sorted(
        n.lineno
        for n in ast.walk(case.program.tree)
        if isinstance(n, ast.Constant)
        and n.value == attribute
        and (
            (isinstance(parent := case.program.parents.get(n), ast.Dict) and n in parent.keys)
            or (isinstance(parent, ast.Subscript) and parent.slice is n)
        )
    )
    if not keys:
        return None
    return Diagnosis(
        "key_as_attribute",
        case.frame.line,
        f"On line {case.frame.line}, {_code(_source(node.value))} is a dict (the error says "
        f"so), and {_code('.' + attribute)} asks it for an attribute; the program uses "
        f"{_code(repr(attribute))} as a key of its dicts (line {keys[0]}), and a dict's "
        "values are not its attributes",
        "How do you read the value stored under a key of a dict?",
    )


def _object_replaced(case: _Case) -> Diagnosis | None:
    """`game = game.pot(ball)` in a loop, `game` made once by the program's `Snooker(...)`:
    the next `game.pot` is asked of what `pot` gave back. The error names a type that is not
    the class, and the constructor's binding gives the class, so the other one did it."""
    kind, attribute, node = _asked_attribute(case)
    if node is None or not isinstance(node.value, ast.Name) or not kind:
        return None
    program, name = case.program, node.value.id
    found = program.bindings.get(name, [])
    if len(found) != 2 or name in program.declared or any(b.kind != "assign" for b in found):
        return None
    made, replaced = sorted(found, key=lambda b: b.line)
    call = made.value
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        return None
    owner = call.func.id
    if kind == owner or len(_classes_named(program, owner)) != 1 or owner in _CONTAINER_TYPES:
        return None
    if _method(program, owner, attribute) is None or _method(program, owner, "__new__"):
        return None
    value = replaced.value
    if not (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == attribute
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == name
    ):
        return None
    return Diagnosis(
        "object_replaced",
        replaced.line,
        f"On line {case.frame.line}, {_code(name)} is {_TYPE_WORDS.get(kind, _code(kind))} "
        f"(the error says {_code(kind)}), not the {_code(owner)} made on line {made.line}: "
        f"line {replaced.line} sets {_code(name)} to what {_code(_source(value))} gives back, "
        f"so after that line {_code(name)} no longer names the {_code(owner)}",
        f"What does {_code(attribute)} give back, and what should {_code(name)} name after "
        f"line {replaced.line}?",
    )


def _attribute_stored_as_other(case: _Case) -> Diagnosis | None:
    """`self.charge = 100` in `__init__`, `self.battery` read by the methods (r13-019): the
    object never gets the attribute the class reads (its only stores, if any, change it from
    its own value), and `__init__` stores one attribute that no line of the program reads:
    the start value went in under another name."""
    owner = _quoted(case.facts.message, r"^'(\w+)' object has no attribute '\w+'$")
    attribute, program = case.facts.offending, case.program
    mine = _classes_named(program, owner) if owner else []
    if not attribute or len(mine) != 1 or mine[0].bases or owner in _BUILTIN_TYPES:
        return None
    init = _method(program, owner, "__init__")
    if init is None or _stores_self(init, attribute) or _set_from_elsewhere(program, attribute):
        return None
    read = {
        n.attr
        for n in ast.walk(program.tree)  # type: ignore[arg-type]
        if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)
    }
    unread = sorted(
        (n.lineno, n.attr)
        for n in ast.walk(init)
        if isinstance(n, ast.Attribute)
        and isinstance(n.ctx, ast.Store)
        and isinstance(n.value, ast.Name)
        and n.value.id == "self"
        and n.attr not in read
    )
    if len({name for _, name in unread}) != 1:
        return None
    line, other = unread[0]
    return Diagnosis(
        "attribute_stored_as_other",
        line,
        f"`__init__` of {_code(owner)} never sets {_code('self.' + attribute)}, which line "
        f"{case.frame.line} reads; it sets {_code('self.' + other)} on line {line}, which no "
        "line of the program reads",
        f"Are {_code('self.' + other)} and {_code('self.' + attribute)} meant to be the same "
        "value?",
    )


def _set_from_elsewhere(program: Program, attribute: str) -> bool:
    """True if some store of `.attribute` is not `self.attribute` changed from its own value
    (`self.battery = self.battery - needed`), or `setattr` is used: then it may be set first."""
    for node in ast.walk(program.tree):  # type: ignore[arg-type]
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "setattr":
            return True
        if not isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            stored = [
                n for n in ast.walk(target) if isinstance(n, ast.Attribute) and n.attr == attribute
            ]
            if not stored:
                continue
            if isinstance(node, ast.AugAssign) and _is_self_store(stored[0], attribute):
                continue
            value = getattr(node, "value", None)
            if (
                len(targets) == 1
                and _is_self_store(target, attribute)
                and value is not None
                and any(_is_self_attribute(n, attribute, ast.Load) for n in ast.walk(value))
            ):
                continue
            return True
    return False
