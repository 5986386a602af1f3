"""SyntaxError, IndentationError and TabError: read from the program's lines, Python's
message and where its ``^`` points alone (a program that does not parse has no syntax
tree): `=` in a condition, a missing colon, a bracket or string never closed, a block not
indented, tabs mixed with spaces, an `elif` cut off from its `if`, a comma missing between
items, ..."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from ..hintfacts import Frame, _code, _names, _quoted
from ._common import Diagnosis


@dataclass(frozen=True)
class _Syntax:
    """What a syntax rule reads: the program's lines, the reported line and the message."""

    lines: list[str]
    line: int
    message: str
    frame: Frame

    def text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    @property
    def caret(self) -> int:
        """The column in `frame.text` (the line without its indentation) of the first ^."""
        return self.frame.carets.find("^")


_BLOCK_WORDS = (
    "if", "elif", "else", "for", "while", "def", "class", "try", "except", "finally", "with",
)  # fmt: skip


def _code_tokens(text: str) -> list[tokenize.TokenInfo] | None:
    """The tokens of one line without comments and line ends (None if it does not tokenize
    alone, as a line that opens a bracket or a string it does not close)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text.strip() + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    skip = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER)
    return [t for t in tokens if t.type not in skip]


def _indent(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _assign_in_condition(case: _Syntax) -> Diagnosis | None:
    """`if guess = password:`: one `=` in the condition of an if, elif or while."""
    if "Maybe you meant '==' " not in case.message:
        return None
    tokens = _code_tokens(case.text(case.line))
    if not tokens or tokens[0].string not in ("if", "elif", "while") or tokens[-1].string != ":":
        return None
    if [t.string for t in tokens if t.type == tokenize.OP].count("=") != 1:
        return None
    keyword = tokens[0].string
    condition = case.text(case.line).strip()[len(keyword) : -1].strip()
    return Diagnosis(
        "assign_in_condition",
        case.line,
        f"The condition of the `{keyword}` on line {case.line}, {_code(condition)}, uses a "
        "single `=`, which gives a variable a value; it cannot ask whether two values are equal",
        "Which operator asks whether two values are equal?",
    )


def _missing_colon(case: _Syntax) -> Diagnosis | None:
    """`for x in xs` with nothing after it: a block's first line without its colon."""
    tokens = _code_tokens(case.text(case.line))
    if case.message != "expected ':'" or not tokens:
        return None
    keyword = tokens[0].string
    if keyword == "else" and len(tokens) > 1 and tokens[1].string == "if":
        return Diagnosis(
            "else_if",
            case.line,
            f"Line {case.line} starts with `else if`, which Python does not have: after `else` "
            "it expects the colon at once, and a further condition after an `if` is written "
            "with a keyword of its own",
            "Which keyword does Python use for another condition after an `if`?",
        )
    shown = case.frame.text.rstrip()
    if keyword not in _BLOCK_WORDS or tokens[-1].string == ":":
        return None
    if case.caret < len(shown.split("#")[0].rstrip()):
        return None  # the caret must point past the header's end: nothing else is missing
    return Diagnosis(
        "missing_colon",
        case.line,
        f"Line {case.line} starts a `{keyword}` block, {_code(case.text(case.line).strip())}, "
        "but it does not end with a colon, and every line that opens a block (`if`, `for`, "
        "`while`, `def`, ...) has to",
        f"What is missing at the end of line {case.line}?",
    )


def _bracket_never_closed(case: _Syntax) -> Diagnosis | None:
    bracket = _quoted(case.message, r"^'([(\[{])' was never closed$")
    if not bracket or not 0 <= case.caret < len(case.frame.text):
        return None
    if case.frame.text[case.caret] != bracket:
        return None
    shown = case.text(case.line).strip()
    closer = {"(": ")", "[": "]", "{": "}"}[bracket]
    return Diagnosis(
        "bracket_never_closed",
        case.line,
        f"The `{bracket}` opened on line {case.line} ({_code(shown)}) is never closed: no "
        f"`{closer}` matches it, so Python reads the lines after it as part of the same "
        "statement until the program ends",
        f"Where should the `{bracket}` of line {case.line} be closed?",
    )


def _unterminated_string(case: _Syntax) -> Diagnosis | None:
    found = _quoted(case.message, r"^unterminated string literal \(detected at line (\d+)\)$")
    if not found or int(found) != case.line or case.caret < 0:
        return None
    rest = case.frame.text[case.caret :]
    quote = re.match(r"[rRbBfFuU]{0,2}(['\"])", rest)
    if quote is None:
        return None
    mark = quote.group(1)
    return Diagnosis(
        "unterminated_string",
        case.line,
        f"On line {case.line}, Python reads {_code(rest.rstrip())} as a text that starts with "
        f"{_code(mark)}: no {_code(mark)} after it on that line closes it, so Python reads the "
        "rest of the line, brackets included, as part of the text",
        f"Which quote on line {case.line} has no partner, and where should its partner go?",
    )


def _print_statement(case: _Syntax) -> Diagnosis | None:
    if not case.message.startswith("Missing parentheses in call to 'print'"):
        return None
    tokens = _code_tokens(case.text(case.line))
    if not tokens or tokens[0].string != "print" or len(tokens) < 2:
        return None
    return Diagnosis(
        "print_statement",
        case.line,
        f"Line {case.line} writes `print` followed by a space and the values "
        f"({_code(case.text(case.line).strip())}), the way Python 2 did; in Python 3 `print` "
        "is a function, called like every other function",
        "How are the values given to a function when it is called?",
    )


def _block_not_indented(case: _Syntax) -> Diagnosis | None:
    match = re.match(
        r"^expected an indented block after (?:'(\w+)' statement|(function|class) definition)"
        r" on line (\d+)$",
        case.message,
    )
    if match is None:
        return None
    keyword = match.group(1) or {"function": "def", "class": "class"}[match.group(2)]
    head = int(match.group(3))
    if len(_indent(case.text(case.line))) > len(_indent(case.text(head))):
        return None
    if "\t" in _indent(case.text(case.line)) + _indent(case.text(head)):
        return None
    return Diagnosis(
        "block_not_indented",
        case.line,
        f"The `{keyword}` on line {head} ends with `:`, so the lines of its body have to be "
        f"indented further than it, but line {case.line} is not",
        f"Which lines belong inside the `{keyword}` of line {head}, and how does Python see "
        "that they do?",
    )


def _unexpected_indent(case: _Syntax) -> Diagnosis | None:
    if case.message != "unexpected indent":
        return None
    before = [n for n in range(case.line - 1, 0, -1) if case.text(n).strip()]
    before = [n for n in before if not case.text(n).strip().startswith("#")]
    if not before:
        return None
    previous = before[0]
    tokens = _code_tokens(case.text(previous))
    here, there = _indent(case.text(case.line)), _indent(case.text(previous))
    if tokens is None or not tokens or tokens[-1].string == ":" or "\t" in here + there:
        return None  # a line that continues a bracket, or one that opens a block
    if len(here) <= len(there) or case.text(previous).rstrip().endswith("\\"):
        return None
    found = _dedented_line(case, before, here, there) or _broken_chain(case, before, here)
    if found is not None:
        return found
    return Diagnosis(  # either line may be the one out of place
        "unexpected_indent",
        case.line,
        f"Line {case.line} is indented further than line {previous} before it, but line "
        f"{previous} does not start a block (it does not end with `:`), so the two lines do "
        "not fit together",
        f"Is line {case.line} too far in, or line {previous} not far enough?",
    )


_CONTINUES = {
    "else": ("if", "elif", "for", "while", "try", "except"),
    "elif": ("if", "elif"),
    "except": ("try", "except"),
    "finally": ("try", "except", "else"),
}


def _broken_chain(case: _Syntax, before: list[int], here: str) -> Diagnosis | None:
    """`else:` indented as the `if`/`elif` above it, with a line less indented than that
    block just before it: that line ended the `if` statement, so it is the one out of place,
    not the `else`."""
    word = case.text(case.line).split()
    keyword = word[0].rstrip(":") if word else ""
    if keyword not in _CONTINUES or not case.text(case.line).rstrip().endswith(":"):
        return None
    previous = before[0]
    if len(_indent(case.text(previous))) >= len(here):
        return None
    heads = [n for n in before[1:] if len(_indent(case.text(n))) <= len(here)]
    if not heads or _indent(case.text(heads[0])) != here or "\t" in here:
        return None
    head_word = case.text(heads[0]).split()[0].rstrip(":")
    if head_word not in _CONTINUES[keyword] or not case.text(heads[0]).rstrip().endswith(":"):
        return None
    if not any(heads[0] < n < previous for n in before):
        return None  # the head's block must have a body before the stray line
    statement = {"elif": "if", "except": "try"}.get(head_word, head_word)
    return Diagnosis(
        "unexpected_indent",
        previous,
        f"Line {previous} is indented less than the body of the `{head_word}` on line "
        f"{heads[0]} it comes after, so it ends that `{statement}` statement; the "
        f"`{keyword}` on line {case.line}, indented to continue it, then has nothing to "
        "continue",
        f"Which block should line {previous} be part of, and how far is it indented?",
    )


def _dedented_line(case: _Syntax, before: list[int], here: str, there: str) -> Diagnosis | None:
    """`return` indented as the function's body right after a line at the left margin,
    while the line before that was inside the function: that line left the function."""
    word = case.text(case.line).split()
    if there or not word or word[0] not in ("return", "yield") or len(before) < 2:
        return None
    previous, earlier = before[0], before[1]
    inside = _indent(case.text(earlier))
    if len(inside) < len(here) or "\t" in inside:
        return None
    blocks = [n for n in before[1:] if case.text(n).lstrip().startswith("def ")]
    if not blocks or _indent(case.text(blocks[0])):
        return None  # the function the return belongs to starts at the left margin
    between = [n for n in before[1:] if blocks[0] < n]
    if not all(_indent(case.text(n)) for n in between):
        return None  # another line at the margin: the function may have ended earlier
    return Diagnosis(
        "unexpected_indent",
        previous,
        f"Line {previous} starts at the left margin, between lines of the function that "
        f"starts on line {blocks[0]} (line {earlier} before it and line {case.line} after it "
        f"are indented), so line {previous} ends the function; the {_code(word[0])} on line "
        f"{case.line} is then indented with nothing to be inside",
        f"Which block should line {previous} be part of, and how far is it indented?",
    )


def _unindent_mismatch(case: _Syntax) -> Diagnosis | None:
    if case.message != "unindent does not match any outer indentation level":
        return None
    here = _indent(case.text(case.line))
    open_blocks = _open_indents(case.lines[: case.line - 1])
    if open_blocks is None or "\t" in here or len(here) in open_blocks:
        return None
    widths = _names([str(w) for w in open_blocks]).replace("`", "")
    return Diagnosis(
        "unindent_mismatch",
        case.line,
        f"Line {case.line} is indented by {len(here)} spaces, but the blocks open at that "
        f"point are indented by {widths} spaces, and a line that ends a block has to line up "
        "with one of the blocks around it",
        f"Which block should line {case.line} belong to?",
    )


def _open_indents(lines: list[str]) -> list[int] | None:
    """The indentation widths of the blocks open after `lines` (None if they do not
    tokenize, or indent with tabs)."""
    widths = [0]
    try:
        for token in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            if token.start[0] > len(lines):
                break  # the end of the text closes every block; the program goes on
            if token.type == tokenize.INDENT:
                if "\t" in token.string:
                    return None
                widths.append(len(token.string))
            elif token.type == tokenize.DEDENT:
                widths.pop()
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return widths


def _tabs_and_spaces(case: _Syntax) -> Diagnosis | None:
    if not case.message.startswith("inconsistent use of tabs and spaces"):
        return None
    here = _indent(case.text(case.line))
    before = [n for n in range(case.line - 1, 0, -1) if case.text(n).strip()]
    if not before or not here:
        return None
    previous = before[0]
    there = _indent(case.text(previous))
    kinds = {"\t" in here and " " not in here, "\t" in there and " " not in there}
    if kinds != {True, False} or not there:
        return None  # one line indented with tabs only, the other with spaces only
    tabs, spaces = (case.line, previous) if "\t" in here else (previous, case.line)
    return Diagnosis(
        "tabs_and_spaces",
        case.line,
        f"Line {tabs} is indented with a tab, and line {spaces} with spaces; Python cannot "
        f"tell whether a tab lines up with a number of spaces, so it cannot tell which block "
        f"line {case.line} belongs to",
        "Which one kind of indentation should every line of the program use?",
    )


def _mismatched_bracket(case: _Syntax) -> Diagnosis | None:
    """`["Art", "PE")`: a closing bracket of another kind than the one still open."""
    match = re.match(
        r"^closing parenthesis '([)\]}])' does not match opening parenthesis '([(\[{])'"
        r"(?: on line (\d+))?$",
        case.message,
    )
    if match is None:
        return None
    closer, opener, where = match.groups()
    opened = int(where) if where else case.line
    place = f"on line {opened}" if opened != case.line else "earlier on the same line"
    return Diagnosis(
        "mismatched_bracket",
        case.line,
        f"On line {case.line} a `{closer}` comes while the `{opener}` opened {place} is still "
        f"open, and a `{opener}` is closed only by its own kind of bracket",
        f"Is a closing bracket missing before the `{closer}` on line {case.line}, or is the "
        f"`{closer}` the wrong kind?",
    )


def _orphan_branch(case: _Syntax) -> Diagnosis | None:
    """An `elif` or `else` right after a line at its own indentation that is not part of
    the `if` chain: that line ends the chain, so the branch has no `if`."""
    tokens = _code_tokens(case.text(case.line))
    if case.message != "invalid syntax" or not tokens or tokens[0].string not in ("elif", "else"):
        return None
    keyword, indent = tokens[0].string, _indent(case.text(case.line))
    before = [
        n
        for n in range(case.line - 1, 0, -1)
        if case.text(n).strip() and not case.text(n).strip().startswith("#")
    ]
    if not before or _indent(case.text(before[0])) != indent:
        return None
    previous = before[0]
    words = _code_tokens(case.text(previous))
    if not words or words[0].string in _BLOCK_WORDS or case.text(previous).rstrip().endswith(":"):
        return None
    heads = []
    for n in before[1:]:
        if len(_indent(case.text(n))) < len(indent):
            break
        first = _code_tokens(case.text(n))
        if _indent(case.text(n)) != indent:
            continue
        if not first or first[0].string != "elif":
            heads += [n] if first and first[0].string == "if" else []
            break
    if not heads:
        return None
    return Diagnosis(
        "orphan_branch",
        previous,
        f"Line {previous} is indented like the `{keyword}` on line {case.line}, so it is not "
        f"inside the chain that starts with the `if` on line {heads[0]}: it ends that chain, "
        f"and the `{keyword}` on line {case.line} has no `if` to belong to",
        f"Which block should line {previous} belong to, and how does its indentation show it?",
    )


def _comma_between_items(case: _Syntax) -> Diagnosis | None:
    """A line of a list or dict written one item a line, the one line without a comma."""
    if case.message != "invalid syntax. Perhaps you forgot a comma?":
        return None
    line, text = case.line, case.text(case.line).split("#")[0].rstrip()
    after = case.text(line + 1).split("#")[0].rstrip()
    before = case.text(line - 1).split("#")[0].rstrip()
    if not text or text.endswith((",", "(", "[", "{")) or not after.endswith(","):
        return None
    if _indent(text) != _indent(after):
        return None
    if not before.endswith(("(", "[", "{")) and not (
        before.endswith(",") and _indent(before) == _indent(text)
    ):
        return None
    return Diagnosis(
        "comma_between_items",
        line,
        f"The items around line {line} each end with a comma, but line {line} "
        f"({_code(text.strip())}) does not, so Python cannot tell where its item ends and "
        f"the one on line {line + 1} begins",
        f"What is missing at the end of line {line}?",
    )
