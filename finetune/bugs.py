"""Bug injectors: turn a correct program into a typical novice mistake, with ground truth.

Each injector finds the places in a program where its mistake fits (with `ast` and
`tokenize`, so it edits real code, not text that merely looks like code) and proposes
single-line edits. A one-line edit keeps the ground truth simple and exact: the
1-based line is the same in the broken and the fixed program, `original_line` is the
fix, `broken_line` is what the student wrote, and `token` is the piece involved. (One
kind changes more lines: a variable renamed to a built-in is renamed wherever it is used,
`Edit.also`; the line to fix is still the one where the name was chosen.) `Edit.fields`
carries what the kind's hint templates name (see `finetune.kinds`).

An edit only proposes a bug. `finetune.build` runs every broken program in the
sandbox and keeps it only if it fails the way its kind claims (`BugKind.accepts`),
so every traceback in the data set is one Python really printed.

Randomness (which misspelling, which sites to keep) comes from `random.Random` seeded
with strings built from the seed and the site, so results do not depend on order.
The kinds themselves (injector, exception, grader words, hints) are the records of
`finetune.kinds`.
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import random
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, replace

from finetune.corpus import Program

TIMEOUT = "Timeout"  # the "exception" of a program that never finishes


@dataclass(frozen=True)
class Edit:
    """A proposed change of one line (the line to fix); `same_line` asks Python to blame it.

    A mistake that renames a variable also changes the lines that use it (`also`); the
    line to fix is still one line, the one where the student chose the name.
    """

    line: int
    new_text: str
    token: str
    same_line: bool = False
    also: tuple[tuple[int, str], ...] = ()  # (line, text) of other lines the mistake changes
    fields: tuple[tuple[str, str], ...] = ()  # names the teacher's hint templates use


def with_fields(edit: Edit, **fields: str) -> Edit:
    """`edit` carrying names for the hint templates of its kind (see `finetune.kinds`)."""
    return replace(edit, fields=tuple(sorted(fields.items())))


@dataclass(frozen=True)
class Bug:
    """A broken program and the ground truth of what was broken."""

    id: str
    program_id: str
    kind: str
    exception: str
    line: int
    original_line: str
    broken_line: str
    token: str
    code: str
    fixed_code: str
    stdin: str
    same_line: bool = False
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Case:
    """A bug that failed the way it claims, with what Python printed when it ran."""

    bug: Bug
    error_output: str
    exception: str | None
    message: str
    reported_line: int | None


class Source:
    """A parsed program with the indexes the injectors share."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.lines = program.code.splitlines()
        self.tree = ast.parse(program.code)
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.tokens = list(tokenize.generate_tokens(io.StringIO(program.code).readline))
        self.defined = _defined_names(self.tree)
        self.functions = {n.name: n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef)}
        self.classes = {n.name: n for n in ast.walk(self.tree) if isinstance(n, ast.ClassDef)}

    def nodes(self, *types: type) -> Iterator:
        """Nodes of the given types in source order; expressions only if on one line."""
        found = [
            n
            for n in ast.walk(self.tree)
            if isinstance(n, types) and (isinstance(n, ast.stmt) or _one_line(n))
        ]
        return iter(sorted(found, key=lambda n: (n.lineno, n.col_offset)))

    def text(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.program.code, node) or ""

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None

    def span(self, node: ast.AST, text: str, token: str, same_line: bool = False) -> Edit:
        """Replace a one-line node's source with `text`."""
        return self.replace(
            node.lineno, node.col_offset, node.end_col_offset, text, token, same_line
        )

    def replace(
        self, line: int, start: int, end: int, text: str, token: str, same_line: bool = False
    ) -> Edit:
        old = self.lines[line - 1]
        return Edit(line, old[:start] + text + old[end:], token, same_line)

    def indent_of(self, line: int) -> int:
        text = self.lines[line - 1]
        return len(text) - len(text.lstrip(" "))

    def reindent(self, line: int, width: int, token: str = "indentation") -> Edit:
        return Edit(line, " " * width + self.lines[line - 1].lstrip(" "), token)


def _one_line(node: ast.AST) -> bool:
    return getattr(node, "lineno", None) is not None and node.lineno == node.end_lineno


def _defined_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).partition(".")[0])
    return names


def rng_for(seed: int, *parts: object) -> random.Random:
    """A random stream for one choice, seeded by the seed and the choice's own parts."""
    return random.Random("/".join(str(p) for p in (seed, *parts)))


# ---------------------------------------------------------------- misspellings


def misspellings(name: str) -> list[str]:
    """Typos a person makes: a dropped, doubled or swapped letter, or the wrong case."""
    found = []
    for i in range(1, len(name)):
        found.append(name[:i] + name[i + 1 :])  # drop
        found.append(name[:i] + name[i] + name[i:])  # double
        if name[i - 1] != name[i]:
            found.append(name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :])  # swap
    found.append(name[0].swapcase() + name[1:])
    usable = []
    for typo in found:
        if typo != name and typo.isidentifier() and typo not in usable:
            if not keyword.iskeyword(typo) and not typo.startswith("_"):
                usable.append(typo)
    return usable


def pick_typo(name: str, taken: set[str], rng: random.Random) -> str | None:
    choices = [t for t in misspellings(name) if t not in taken and not hasattr(builtins, t)]
    return rng.choice(choices) if choices else None


# ---------------------------------------------------------------- injectors

COMMON_BUILTINS = {
    "print",
    "input",
    "len",
    "range",
    "int",
    "str",
    "float",
    "sum",
    "max",
    "min",
    "sorted",
    "round",
    "abs",
    "list",
    "open",
    "enumerate",
    "zip",
}
COMPOUND = {
    "if",
    "elif",
    "else",
    "for",
    "while",
    "def",
    "class",
    "try",
    "except",
    "finally",
    "with",
}
CLOSERS = {")": "(", "]": "[", "}": "{"}


def undefined_name(src: Source, seed: int) -> Iterator[Edit]:
    """A misspelled variable, function or built-in name (NameError)."""
    taken = src.defined | COMMON_BUILTINS
    for node in src.nodes(ast.Name):
        if not isinstance(node.ctx, ast.Load) or len(node.id) < 3:
            continue
        if node.id not in src.defined and node.id not in COMMON_BUILTINS:
            continue
        typo = pick_typo(node.id, taken, rng_for(seed, "name", node.lineno, node.col_offset))
        if typo:
            own = node.id in src.defined
            meant = "a name your program defines" if own else "one of Python's built-in names"
            yield with_fields(src.span(node, typo, typo, same_line=True), misspelt=meant)


def missing_colon(src: Source, seed: int) -> Iterator[Edit]:
    """The colon after `if`, `for`, `def`, `else`... left out (SyntaxError)."""
    logical: list[tokenize.TokenInfo] = []
    for tok in src.tokens:
        if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            significant = [t for t in logical if t.type not in (tokenize.COMMENT, tokenize.NL)]
            if len(significant) >= 2:
                first, last = significant[0], significant[-1]
                if (
                    first.string in COMPOUND
                    and last.string == ":"
                    and first.start[0] == last.start[0]
                ):
                    edit = src.replace(last.start[0], last.start[1], last.end[1], "", ":")
                    yield with_fields(edit, keyword=first.string)
            logical = []
        elif tok.type not in (tokenize.INDENT, tokenize.DEDENT):
            logical.append(tok)


def unclosed_bracket(src: Source, seed: int) -> Iterator[Edit]:
    """The last closing bracket of a line forgotten (SyntaxError: '(' was never closed)."""
    stack: list[tokenize.TokenInfo] = []
    last_closer: dict[int, tokenize.TokenInfo] = {}
    for tok in src.tokens:
        if tok.type != tokenize.OP:
            continue
        if tok.string in "([{":
            stack.append(tok)
        elif tok.string in CLOSERS and stack:
            opener = stack.pop()
            if opener.start[0] == tok.start[0]:
                last_closer[tok.start[0]] = tok
    for line, tok in sorted(last_closer.items()):
        yield src.replace(line, tok.start[1], tok.end[1], "", tok.string)


def unclosed_string(src: Source, seed: int) -> Iterator[Edit]:
    """A string whose closing quote is missing (SyntaxError: unterminated string literal)."""
    for tok in src.tokens:
        text = tok.string
        if tok.type != tokenize.STRING or tok.start[0] != tok.end[0]:
            continue
        if text.endswith(('"""', "'''")) or len(text) < 2:
            continue
        yield src.replace(tok.start[0], tok.end[1] - 1, tok.end[1], "", text[-1])


def _bodies(tree: ast.AST) -> Iterator[tuple[ast.AST, list[ast.stmt]]]:
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield node, block


SIMPLE = (
    ast.Assign,
    ast.AugAssign,
    ast.Expr,
    ast.Return,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.Import,
    ast.ImportFrom,
)


def bad_indentation(src: Source, seed: int) -> Iterator[Edit]:
    """A line indented too far, not at all, or to a level that matches nothing."""
    for owner, block in _bodies(src.tree):
        for index, stmt in enumerate(block):
            if not isinstance(stmt, SIMPLE) or not _one_line(stmt):
                continue
            indent = src.indent_of(stmt.lineno)
            if index == 0 and not isinstance(owner, ast.Module):
                if owner.lineno != stmt.lineno and stmt.lineno - 1 == owner.lineno:
                    edit = src.reindent(stmt.lineno, src.indent_of(owner.lineno))
                    header = re.match(r"\s*(\w+)", src.lines[owner.lineno - 1])
                    yield with_fields(edit, header=header[1]) if header else edit
            elif index > 0 and isinstance(block[index - 1], SIMPLE):
                yield with_fields(src.reindent(stmt.lineno, indent + 4), deeper="4")
                if indent >= 4:
                    yield with_fields(src.reindent(stmt.lineno, indent - 2), spaces=str(indent - 2))


def assign_in_condition(src: Source, seed: int) -> Iterator[Edit]:
    """`=` written for `==` in an `if` or `while` test (SyntaxError)."""
    for node in src.nodes(ast.If, ast.While):
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and _one_line(test):
            if isinstance(test.ops[0], ast.Eq) and test.lineno == node.lineno:
                line = src.lines[test.lineno - 1]
                start = line.find("==", test.left.end_col_offset)
                if start >= 0:
                    yield src.replace(test.lineno, start, start + 2, "=", "=")


def _call_to(node: ast.AST, *names: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in names
        and len(node.args) == 1
        and not node.keywords
    )


def str_plus_int(src: Source, seed: int) -> Iterator[Edit]:
    """`"text" + number` after dropping the str() around the number (TypeError)."""
    for node in src.nodes(ast.BinOp):
        if not isinstance(node.op, ast.Add):
            continue
        for side in (node.left, node.right):
            if _call_to(side, "str") and not isinstance(side.args[0], ast.Constant):
                inner = src.text(side.args[0])
                yield src.span(side, inner, inner, same_line=True)


def missing_int_conversion(src: Source, seed: int) -> Iterator[Edit]:
    """input() used as a number without int()/float() (TypeError later on)."""
    for node in src.nodes(ast.Call):
        if _call_to(node, "int", "float") and _call_to_input(node.args[0]):
            yield src.span(node, src.text(node.args[0]), node.func.id)


def _call_to_input(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "input"


def _callee_params(src: Source, call: ast.Call) -> str | None:
    """The name of a function or class defined in the program that `call` calls."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name in src.functions or name in src.classes:
        return name
    return None


def wrong_arg_count(src: Source, seed: int) -> Iterator[Edit]:
    """A call to the program's own function with one argument too few or too many."""
    for call in src.nodes(ast.Call):
        name = _callee_params(src, call)
        if name is None or call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        line = src.lines[call.lineno - 1]
        fields = _signature_fields(src, name)
        if call.args:
            last = call.args[-1]
            before = call.args[-2] if len(call.args) > 1 else None
            start = before.end_col_offset if before else call.func.end_col_offset + 1
            edit = src.replace(call.lineno, start, last.end_col_offset, "", name, same_line=True)
            yield with_fields(edit, **fields, passed=str(len(call.args) - 1))
            extra = ", " + src.text(last)
            edit = src.replace(
                call.lineno, last.end_col_offset, last.end_col_offset, extra, name, same_line=True
            )
            yield with_fields(edit, **fields, passed=str(len(call.args) + 1))
        elif line[call.func.end_col_offset : call.end_col_offset] == "()":
            at = call.func.end_col_offset + 1
            edit = src.replace(call.lineno, at, at, "1", name, same_line=True)
            yield with_fields(edit, **fields, passed="1")


def _signature_fields(src: Source, name: str) -> dict[str, str]:
    """The parameters (without `self`) of the one definition called `name`;
    a class stands for its `__init__`. Empty when that is not certain."""
    if name in src.classes:
        found = [n for n in src.classes[name].body if getattr(n, "name", "") == "__init__"]
        if (
            len(found) != 1
            or sum(1 for n in ast.walk(src.tree) if getattr(n, "name", "") == name) != 1
        ):
            return {}
    else:
        found = [n for n in ast.walk(src.tree) if isinstance(n, ast.FunctionDef) and n.name == name]
    if len(found) != 1 or not isinstance(found[0], ast.FunctionDef):
        return {}
    function = found[0]
    args = function.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults or args.posonlyargs:
        return {}
    params = [a.arg for a in args.args]
    method = params[:1] == ["self"]
    listed = ", ".join(params[1:] if method else params) or "no parameters"
    besides = " besides `self`" if method else ""
    return {"params": listed, "besides": besides}


def _len_of(node: ast.AST) -> bool:
    return _call_to(node, "len")


def off_by_one(src: Source, seed: int) -> Iterator[Edit]:
    """An index one past the end: range(len(x) + 1), x[len(x)], <= len(x) (IndexError)."""
    for node in src.nodes(ast.Call):
        if _call_to_range(node) and _len_of(node.args[-1]):
            end = node.args[-1]
            yield src.replace(end.lineno, end.end_col_offset, end.end_col_offset, " + 1", "+ 1")
    for node in src.nodes(ast.Subscript):
        index, seq = node.slice, src.text(node.value)
        if not isinstance(node.value, ast.Name):
            continue
        if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub):
            if isinstance(index.operand, ast.Constant) and index.operand.value == 1:
                edit = src.span(index, f"len({seq})", f"len({seq})", same_line=True)
                yield with_fields(edit, past_end=f"{seq}[len({seq})]")
        elif isinstance(index, ast.Name) and _range_len_loop(src, node, index.id):
            yield src.span(index, index.id + " + 1", "+ 1", same_line=True)
    for node in src.nodes(ast.BinOp):  # len(x) - 1, as an index, a range end or a start
        if isinstance(node.op, ast.Sub) and _len_of(node.left) and _is_one(node.right):
            edit = src.span(node, src.text(node.left), src.text(node.left))
            parent = src.parents.get(node)
            if isinstance(parent, ast.Subscript) and parent.slice is node:
                edit = with_fields(
                    edit, past_end=f"{src.text(parent.value)}[{src.text(node.left)}]"
                )
            yield edit
    for node in src.nodes(ast.For):  # for i in range(len(x)) -> range(1, len(x) + 1)
        if _call_to_range(node.iter) and len(node.iter.args) == 1 and _len_of(node.iter.args[0]):
            end = src.text(node.iter.args[0])
            yield src.span(node.iter, f"range(1, {end} + 1)", "range")
    for node in src.nodes(ast.Compare):
        if len(node.ops) == 1 and isinstance(node.ops[0], ast.Lt) and _len_of(node.comparators[0]):
            line = src.lines[node.lineno - 1]
            at = line.find("<", node.left.end_col_offset)
            if at >= 0:
                yield src.replace(node.lineno, at, at + 1, "<=", "<=")


def _is_one(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == 1


def _call_to_range(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "range"
        and 1 <= len(node.args) <= 3
    )


def _range_len_loop(src: Source, node: ast.AST, var: str) -> bool:
    """Whether `node` sits in `for var in range(len(...))`."""
    while node in src.parents:
        node = src.parents[node]
        if isinstance(node, ast.For) and getattr(node.target, "id", None) == var:
            return _call_to_range(node.iter) and _len_of(node.iter.args[-1])
    return False


def missing_key(src: Source, seed: int) -> Iterator[Edit]:
    """A dictionary key that is not there: a misspelled key, or d[k] for d.get(k, 0)."""
    for node in src.nodes(ast.Subscript):
        key = node.slice
        if isinstance(node.ctx, ast.Load) and isinstance(key, ast.Constant):
            typos = misspellings(key.value) if isinstance(key.value, str) and key.value else []
            if typos:
                typo = rng_for(seed, "key", node.lineno, key.col_offset).choice(typos)
                text = repr(typo).replace("'", _quote(src, key))
                yield with_fields(src.span(key, text, typo, same_line=True), misspelt_key=text)
    for node in src.nodes(ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get" and len(node.args) == 2:
            key, name = src.text(node.args[0]), src.text(func.value)
            edit = src.span(node, f"{name}[{key}]", key, same_line=True)
            yield with_fields(edit, dict_name=name)


def _quote(src: Source, node: ast.AST) -> str:
    return src.lines[node.lineno - 1][node.col_offset]


def int_of_text(src: Source, seed: int) -> Iterator[Edit]:
    """int() given text that is not a whole number (ValueError)."""
    for node in src.nodes(ast.Call):
        if _call_to(node, "float"):
            edit = src.span(node.func, "int", "int", same_line=True)
            yield with_fields(edit, decimal_arg=src.text(node.args[0]))
        if not _call_to(node, "int"):
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Subscript) and isinstance(arg.slice, ast.Constant):
            for other in (0, 1, -1):
                if other != arg.slice.value:
                    edit = src.span(arg.slice, str(other), src.text(arg.value), same_line=True)
                    yield with_fields(edit, part=f"{src.text(arg.value)}[{other}]")
        elif isinstance(arg, ast.Name):
            scope = src.enclosing_function(node) or src.tree
            others = sorted(_stored_names(scope) - {arg.id})
            for other in rng_for(seed, "int", node.lineno).sample(others, min(3, len(others))):
                yield with_fields(src.span(arg, other, other, same_line=True), wrong_name=other)


def _stored_names(scope: ast.AST) -> set[str]:
    return {
        n.id for n in ast.walk(scope) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def _loop_var_divides(loop: ast.For) -> bool:
    var = getattr(loop.target, "id", None)
    for node in ast.walk(loop):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod):
            if getattr(node.right, "id", None) == var:
                return True
    return False


def division_by_zero(src: Source, seed: int) -> Iterator[Edit]:
    """Dividing by zero: a divisor loop that starts at 0, or an empty list averaged."""
    for loop in src.nodes(ast.For):
        if _call_to_range(loop.iter) and len(loop.iter.args) >= 2 and _loop_var_divides(loop):
            start = loop.iter.args[0]
            if isinstance(start, ast.Constant) and start.value != 0:
                yield with_fields(src.span(start, "0", "0"), loop_var=src.text(loop.target))
    for call in src.nodes(ast.Call):  # average([1, 2]) -> average([]): divides by len([])
        func = src.functions.get(getattr(call.func, "id", None))
        if func is None or not _divides_by_len_of_param(func):
            continue
        divided = _params_divided_by_len(func)
        for index, arg in enumerate(call.args):
            if isinstance(arg, ast.List) and arg.elts:
                edit = src.span(arg, "[]", func.name)
                params = func.args.args
                if index < len(params) and params[index].arg in divided:
                    edit = with_fields(edit, function=func.name)  # certain: it divides by it
                yield edit


def _divides_by_len_of_param(func: ast.FunctionDef) -> bool:
    return bool(_params_divided_by_len(func))


def _params_divided_by_len(func: ast.FunctionDef) -> set[str]:
    """The parameters of `func` whose len() it divides by."""
    params = {a.arg for a in func.args.args}
    found = set()
    for node in ast.walk(func):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div | ast.FloorDiv):
            name = getattr(node.right.args[0], "id", None) if _len_of(node.right) else None
            if name in params:
                found.add(name)
    return found


def not_callable(src: Source, seed: int) -> Iterator[Edit]:
    """Parentheses where brackets or an operator belong: xs(0), 2(x + 1) (TypeError)."""
    for node in src.nodes(ast.Subscript):
        if isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name):
            if not isinstance(node.slice, ast.Slice | ast.Tuple):
                text = f"{node.value.id}({src.text(node.slice)})"
                edit = src.span(node, text, node.value.id, same_line=True)
                yield with_fields(edit, meant="get an item from it")
    for node in src.nodes(ast.BinOp):
        if isinstance(node.op, ast.Mult) and isinstance(node.left, ast.Constant):
            line = src.lines[node.lineno - 1]
            gap = line[node.left.end_col_offset : node.right.col_offset]
            number = src.text(node.left)
            if gap.strip() == "*" and line[node.right.col_offset :].startswith("("):
                yield with_fields(
                    src.replace(
                        node.lineno,
                        node.left.end_col_offset,
                        node.right.col_offset,
                        "",
                        number,
                        same_line=True,
                    ),
                    meant="multiply",
                )
            elif gap.strip() == "* (":
                yield with_fields(
                    src.replace(
                        node.lineno,
                        node.left.end_col_offset,
                        node.left.end_col_offset + gap.index("("),
                        "",
                        number,
                        same_line=True,
                    ),
                    meant="multiply",
                )


CONFUSED_METHODS = {
    "append": ["add", "push"],
    "lower": ["lowercase", "toLower"],
    "upper": ["uppercase"],
    "split": ["splits"],
    "strip": ["trim"],
    "items": ["item"],
    "keys": ["key"],
    "remove": ["delete"],
    "insert": ["add"],
    "startswith": ["startsWith", "beginswith"],
    "join": ["concat"],
    "capitalize": ["capitalise"],
    "replace": ["replaceAll"],
    "get": ["fetch"],
    "readlines": ["readLines"],
    "isdigit": ["isDigit"],
    "isupper": ["isUpper"],
    "isalpha": ["isletter"],
    "pop": ["dequeue"],
    "index": ["indexOf"],
    "sqrt": ["squareroot"],
    "randint": ["randInt"],
    "write": ["writeLine"],
    "read": ["readAll"],
    "count": ["counts"],
}


def attribute_typo(src: Source, seed: int) -> Iterator[Edit]:
    """A method or attribute name that does not exist: xs.add(), self.balnce (AttributeError)."""
    for node in src.nodes(ast.Attribute):
        if not isinstance(node.ctx, ast.Load) or len(node.attr) < 3:
            continue
        rng = rng_for(seed, "attr", node.lineno, node.col_offset)
        confused = node.attr in CONFUSED_METHODS
        choices = CONFUSED_METHODS.get(node.attr) or misspellings(node.attr)
        new = rng.choice(choices) if choices else None
        if new:
            start = node.end_col_offset - len(node.attr)
            edit = src.replace(node.lineno, start, node.end_col_offset, new, new, same_line=True)
            yield with_fields(edit, **{"confused_attr" if confused else "misspelt_attr": new})


MUTATING = {"append", "sort", "reverse", "extend", "insert"}


def none_value(src: Source, seed: int) -> Iterator[Edit]:
    """A None used as a value: print instead of return, x = x.append(...), x.sort()."""
    for node in src.nodes(ast.Return):
        function = src.enclosing_function(node)
        if node.value is not None and function is not None:
            edit = src.span(node, f"print({src.text(node.value)})", "print")
            yield with_fields(edit, printing_function=function.name)
    for node in src.nodes(ast.Assign):
        if _call_to(node.value, "sorted") and isinstance(node.value.args[0], ast.Name):
            seq = node.value.args[0].id
            yield with_fields(src.span(node.value, f"{seq}.sort()", "sort"), sorted_list=seq)
    for node in src.nodes(ast.Expr):
        call = node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            target = call.func.value
            if call.func.attr in MUTATING and isinstance(target, ast.Name | ast.Attribute):
                name = src.text(target)
                edit = src.span(node, f"{name} = {src.text(call)}", call.func.attr)
                yield with_fields(edit, method=call.func.attr, target=name)


def unbound_local(src: Source, seed: int) -> Iterator[Edit]:
    """A local variable read before it is set: a typo in its first assignment or in
    one branch, or a loop that never runs because range() got its ends swapped."""
    for func in src.functions.values():
        stores: dict[str, list[ast.Name]] = {}
        for node in ast.walk(func):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                stores.setdefault(node.id, []).append(node)
        taken = src.defined | COMMON_BUILTINS
        for node in sorted(ast.walk(func), key=lambda n: getattr(n, "lineno", 0)):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target = node.targets[0]
            if isinstance(target, ast.Name) and len(stores.get(target.id, [])) >= 2:
                rng = rng_for(seed, "unbound", node.lineno)
                typo = pick_typo(target.id, taken, rng)
                if typo and _one_line(target):
                    yield with_fields(src.span(target, typo, target.id), typo=typo)
        for loop in ast.walk(func):
            if isinstance(loop, ast.For) and _call_to_range(loop.iter) and len(loop.iter.args) == 2:
                first, second = loop.iter.args
                if _one_line(loop.iter):
                    text = f"range({src.text(second)}, {src.text(first)})"
                    yield with_fields(src.span(loop.iter, text, "range"), loop_range=text)


def no_base_case(src: Source, seed: int) -> Iterator[Edit]:
    """A recursive call that never gets closer to the base case (RecursionError)."""
    for func in src.functions.values():
        for call in ast.walk(func):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == func.name):
                continue
            for arg in call.args:
                if not _one_line(arg):
                    continue
                if isinstance(arg, ast.BinOp) and isinstance(arg.left, ast.Name):
                    yield src.span(arg, arg.left.id, func.name)
                    if isinstance(arg.op, ast.Sub):
                        flipped = src.text(arg).replace("-", "+", 1)
                        yield src.span(arg, flipped, func.name)
                elif isinstance(arg, ast.Subscript) and isinstance(arg.slice, ast.Slice):
                    yield src.span(arg, src.text(arg.value), func.name)


def infinite_loop(src: Source, seed: int) -> Iterator[Edit]:
    """A `while` loop whose condition never changes (runs until Ctrl-C)."""
    for loop in src.nodes(ast.While):
        watched = {n.id for n in ast.walk(loop.test) if isinstance(n, ast.Name)}
        for index, stmt in enumerate(loop.body):
            if not _one_line(stmt):
                continue
            updates = _assigned_names(stmt) & watched
            last = index == len(loop.body) - 1
            if updates and last and index > 0 and isinstance(stmt, SIMPLE):
                yield src.reindent(stmt.lineno, src.indent_of(loop.lineno))  # out of the loop
            if isinstance(stmt, ast.AugAssign) and getattr(stmt.target, "id", None) in watched:
                if isinstance(stmt.op, ast.Add | ast.Sub):
                    line = src.lines[stmt.lineno - 1]
                    old, new = ("+=", "-=") if isinstance(stmt.op, ast.Add) else ("-=", "+=")
                    at = line.find(old, stmt.target.end_col_offset)
                    yield src.replace(stmt.lineno, at, at + 2, new, new)
                previous = loop.body[index - 1] if index else None
                if isinstance(previous, ast.If) and not previous.orelse:
                    if index == len(loop.body) - 1:
                        width = src.indent_of(previous.body[0].lineno)
                        yield src.reindent(stmt.lineno, width)
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = getattr(stmt.targets[0], "id", None)
                value = stmt.value
                if target in watched and isinstance(value, ast.BinOp):
                    left = getattr(value.left, "id", None)
                    if left and left != target and isinstance(value.right, ast.Constant):
                        yield src.span(value, left, left)


def _assigned_names(stmt: ast.stmt) -> set[str]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
    return {t.id for t in targets if isinstance(t, ast.Name)}
