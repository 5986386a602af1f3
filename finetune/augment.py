"""Renamed copies of labelled programs: the same mistake, written with other names.

A student distilled from the rule pipeline (``llm-prune data distill``) reproduces the
diagnosis on programs like its training programs, and on new ones often fills the right
template with the wrong variable (blind set 9: sft-v6 named the cause in 24%, and its
false hints were mostly the diagnosis's words about another name). Renaming a program's
own names consistently keeps its mistake and makes the student read the names from the
program instead of remembering them, the way identifier renaming augments code models.

A copy is kept only if the sandbox shows it is the same mistake: it fails with the same
exception on the same line as the original, and its renamed fix runs to the end. Its
chosen hint is the pipeline's (:func:`finetune.distill.pipeline_hint`): the diagnosis
where it names the cause line, the facts hint where no diagnosis fires; a copy whose
diagnosis names another line is dropped (no hint of ours is known to be right there).
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import random
import re
import tokenize
from collections.abc import Sequence

from tqdm import tqdm

from .distill import pipeline_hint
from .handwritten import CASE_FIELDS, case_pair
from .sandbox import Job, error_output, parse_error, run_many

TEACHER = "rule pipeline, renamed copy"
CHUNK = 64  # copies per sandbox batch
# Names a beginner might choose; a copy takes its new names from here, none the program uses.
NAME_POOL = tuple(
    """amount answer area avg balance basket best big bill bonus box budget cart cell choice
    city class_list code col colour count counter cost data day days delta digits dist
    distance entry extra fee first flag found fruit goal grade grades guess height hours idx
    info item items key label last left length level limit line lines low marks menu minutes
    money month n_items name names num number numbers order pair parts pet place player
    points pos price prices qty rate record rest result right room row rows rate_per score
    scores seats shop side size speed start step stock store sum_so_far table target temp
    text ticket time_left tips title top total totals unit user value values week weight
    width word words year""".split()
)


def own_names(code: str) -> set[str]:
    """Names the program itself binds (variables, functions, classes, parameters), except
    ones it also uses as an attribute, keyword argument or import, and builtins."""
    tree = ast.parse(code)
    bound, shared = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Attribute):
            shared.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            shared.add(node.arg)
        elif isinstance(node, ast.alias):
            shared.add((node.asname or node.name).split(".")[0])
    reserved = set(dir(builtins)) | set(keyword.kwlist) | {"self", "cls"}
    return {n for n in bound - shared - reserved if not n.startswith("__")}


def rename(code: str, mapping: dict[str, str]) -> str | None:
    """`code` with every name token in `mapping` replaced (not after a dot, not in strings
    or comments); None where the code cannot be tokenized (an unclosed bracket, say)."""
    lines = code.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []
    previous = ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.NAME and token.string in mapping and previous != ".":
                (row, col), (_, end) = token.start, token.end
                edits.append((row, col, end, mapping[token.string]))
            if token.type not in (tokenize.NL, tokenize.COMMENT):
                previous = token.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    for row, col, end, new in reversed(edits):
        text = lines[row - 1]
        lines[row - 1] = text[:col] + new + text[end:]
    return "".join(lines)


def renaming(case: dict, rng: random.Random) -> dict[str, str]:
    """A fresh name for each of the program's own names (read from its fix, which parses)."""
    names = sorted(own_names(case["fixed_code"]))
    taken = set(re.findall(r"[A-Za-z_]\w*", case["code"] + case["fixed_code"]))
    pool = [n for n in NAME_POOL if n not in taken]
    rng.shuffle(pool)
    return dict(zip(names, pool, strict=False))


def _same_words(text: str, mapping: dict[str, str]) -> str:
    if not mapping:
        return text
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, mapping)) + r")\b")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def candidates(cases: Sequence[dict], copies: int, seed: int = 0) -> list[dict]:
    """Up to `copies` renamed copies of each case (not yet checked in the sandbox)."""
    rng = random.Random(seed)
    out = []
    for case in cases:
        for index in range(1, copies + 1):
            mapping = renaming(case, rng)
            code, fixed = rename(case["code"], mapping), rename(case["fixed_code"], mapping)
            if not mapping or code is None or fixed is None or code == case["code"]:
                continue
            out.append(
                {
                    **case,
                    "id": f"{case['id']}~{index}",
                    "code": code,
                    "fixed_code": fixed,
                    "bug": _same_words(case.get("bug", ""), mapping),
                    "renamed_from": case["id"],
                    "renaming": mapping,
                }
            )
    return out


def checked(
    originals: dict[str, dict], copies: Sequence[dict], progress: bool = False
) -> list[dict]:
    """The copies that fail like their original and whose fix runs clean, with their real
    error output (run in chunks, so that a progress bar can follow)."""
    kept = []
    for start in tqdm(range(0, len(copies), CHUNK), "sandbox", disable=not progress, unit="chunk"):
        chunk = copies[start : start + CHUNK]
        jobs = [Job(c["code"], c.get("stdin", "")) for c in chunk]
        results = run_many(jobs + [Job(c["fixed_code"], c.get("stdin", "")) for c in chunk])
        for copy, run, fix in zip(chunk, results[: len(chunk)], results[len(chunk) :], strict=True):
            _, exception, _, line = parse_error(originals[copy["renamed_from"]]["error_output"])
            clean = fix.exit_code == 0 and not fix.timed_out and fix.exception is None
            if run.exception == exception and run.line == line and clean:
                kept.append({**copy, "error_output": error_output(run)})
    return kept


def augmented_pairs(
    cases: Sequence[dict],
    copies: int,
    seed: int = 0,
    style: str = "grounded",
    progress: bool = False,
) -> tuple[list[dict], dict[str, int]]:
    """Pairs for sandbox-checked renamed copies of `cases`, chosen as the pipeline's hint."""
    complete = [c for c in cases if all(c.get(f) not in (None, "") for f in CASE_FIELDS)]
    originals = {c["id"]: c for c in complete}
    proposed = candidates(complete, copies, seed)
    kept = checked(originals, proposed, progress)
    pairs = []
    counts = {
        "incomplete": len(cases) - len(complete),
        "proposed": len(proposed),
        "checked": len(kept),
    }
    for copy in kept:
        pair = case_pair(copy, "(pipeline)", style)
        hint, source = pipeline_hint(pair, abstain="facts")
        if source == "teacher":  # the diagnosis names another line: no hint known right
            counts["dropped_other_line"] = counts.get("dropped_other_line", 0) + 1
            continue
        counts[source] = counts.get(source, 0) + 1
        pair = {**pair, "id": f"renamed/{copy['id']}", "program_id": copy["renamed_from"]}
        chosen = [{"role": "assistant", "content": hint}]
        pairs.append({**pair, "chosen": chosen, "chosen_source": source, "teacher": TEACHER})
    return pairs, counts
