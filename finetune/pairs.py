"""Rejected hints, and the recipe that mixes them into preference pairs.

Every pair shares its prompt and its chosen hint (the teacher's) and differs in the
rejected hint, which comes from one of four sources:

- `student`: the student model's own answer to the same prompt. Preferring the
  teacher's hint over it is DPO-KD in its offline form (the student is sampled once,
  before training). Used only when a student is given (`--student SPEC`).
- `giveaway`: a hint that hands over the fix (the corrected line or program). The
  report's rubric counts giving away code as a failure; this teaches the model not to.
- `wrong_line`: a well-phrased hint that points at another line of the program.
- `wrong_error`: a hint for the right line that describes a different mistake.

Recipe, decided per bug from the seed and the bug id alone (so a resumed build makes
the same choices): with a student, the rejected hint is the student's answer with
probability `STUDENT_SHARE` (0.5); otherwise, and always without a student, it is a
synthetic negative drawn with `SYNTHETIC_WEIGHTS` (giveaway 0.4, wrong line 0.3,
wrong error 0.3). A student answer that is empty, or identical to the chosen hint,
is replaced by a synthetic negative drawn the same way. One pair is made per bug.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import replace

from finetune.bugs import Case
from finetune.kinds import KIND_BY_NAME, KINDS
from finetune.teachers import hint_fields, oracle_hint, usable_hints
from llm_prune_gym.prompts import DEFAULT_PROMPT_STYLE, hint_messages

STUDENT_SHARE = 0.5
SYNTHETIC_WEIGHTS = {"giveaway": 0.4, "wrong_line": 0.3, "wrong_error": 0.3}
SOURCES = ("student", *SYNTHETIC_WEIGHTS)


def _rng(seed: int, case: Case, purpose: str) -> random.Random:
    return random.Random(f"{seed}/{purpose}/{case.bug.id}")


def choose_source(case: Case, seed: int, with_student: bool) -> str:
    """Which kind of rejected hint this bug gets (see the module's recipe)."""
    rng = _rng(seed, case, "source")
    if with_student and rng.random() < STUDENT_SHARE:
        return "student"
    return synthetic_source(case, seed)


def synthetic_source(case: Case, seed: int) -> str:
    rng = _rng(seed, case, "synthetic")
    names, weights = list(SYNTHETIC_WEIGHTS), list(SYNTHETIC_WEIGHTS.values())
    return rng.choices(names, weights)[0]


def giveaway_hint(case: Case, rng: random.Random) -> str:
    """A hint that writes the fix for the student (what a good tutor must not do)."""
    bug = case.bug
    fixed, broken = bug.original_line.strip(), bug.broken_line.strip()
    block = f"```python\n{bug.original_line}\n```"
    choices = [
        f"Line {bug.line} should be:\n{block}",
        f"Here is the corrected program:\n```python\n{bug.fixed_code.rstrip()}\n```",
        f"Replace line {bug.line} with this and it works:\n{block}",
    ]
    if fixed != broken:
        choices += [
            f"On line {bug.line}, change `{broken}` to `{fixed}`.",
            f"Just write `{fixed}` on line {bug.line} instead of `{broken}`.",
        ]
    return rng.choice(choices)


def wrong_line_hint(case: Case, rng: random.Random) -> str:
    """A confident hint about a line that is fine."""
    lines = case.bug.code.splitlines()
    avoid = {case.bug.line, case.reported_line}
    others = [n for n, text in enumerate(lines, 1) if text.strip() and n not in avoid]
    line = rng.choice(others) if others else case.bug.line + 1
    return oracle_hint(case, rng, line=line)


def wrong_error_hint(case: Case, rng: random.Random) -> str:
    """A hint for the right line that explains a mistake of another kind.

    Its code word is a name taken from the broken line, so the hint reads as plausibly
    as a real misdiagnosis does (a `)` "with no attribute" would be too easy to reject).
    """
    own = KIND_BY_NAME[case.bug.kind].exception
    fields = hint_fields(case)
    kinds = [k.kind for k in KINDS if k.exception != own and usable_hints(k.kind, fields)]
    names = re.findall(r"[A-Za-z_]\w*", case.bug.broken_line)
    if names and not case.bug.token.isidentifier():
        case = replace(case, bug=replace(case.bug, token=rng.choice(names)))
    return oracle_hint(case, rng, kind=rng.choice(kinds))


SYNTHETIC = {
    "giveaway": giveaway_hint,
    "wrong_line": wrong_line_hint,
    "wrong_error": wrong_error_hint,
}


def synthetic_rejected(case: Case, seed: int, source: str | None = None) -> tuple[str, str]:
    """(source, hint) for a synthetic negative; the source is drawn if not given."""
    source = source or synthetic_source(case, seed)
    return source, SYNTHETIC[source](case, _rng(seed, case, source))


def student_answers(
    student: object,
    cases: Sequence[Case],
    max_new_tokens: int = 160,
    batch_size: int = 8,
    prompt_style: str = DEFAULT_PROMPT_STYLE,
) -> list[str]:
    """The student's own hints for these prompts (greedy; DPO-KD's rejected side).

    `student` is a spec for `llm_prune_gym.students.load_student` or an already
    loaded `(model, tokenizer)` pair; it sees the prompt in the data's `prompt_style`.
    """
    if not cases:
        return []
    from llm_prune_gym.generation import generate_answers

    model, tokenizer = load_student_once(student)
    prompts = [hint_messages(c.bug.code, c.error_output, prompt_style) for c in cases]
    return generate_answers(
        model, tokenizer, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size
    )


_LOADED: dict[str, tuple] = {}


def load_student_once(student: object) -> tuple:
    """(model, tokenizer) for a spec, loaded once per process (answers come per chunk).

    `load_student` returns a `Student` with `.model`/`.tokenizer` (or, in older
    versions, a pair); both are accepted, as is an already loaded pair.
    """
    if isinstance(student, tuple):
        return student
    if student not in _LOADED:
        from llm_prune_gym.students import load_student

        loaded = load_student(student)
        pair = (loaded.model, loaded.tokenizer) if hasattr(loaded, "model") else tuple(loaded)
        _LOADED[student] = pair
    return _LOADED[student]


def rejected_hints(
    cases: Sequence[Case],
    chosen: Sequence[str],
    seed: int,
    student: object | None = None,
    student_tokens: int = 160,
    prompt_style: str = DEFAULT_PROMPT_STYLE,
) -> list[tuple[str, str]]:
    """(source, rejected hint) per case, following the recipe in this module's doc."""
    sources = [choose_source(c, seed, student is not None) for c in cases]
    asks = [i for i, s in enumerate(sources) if s == "student"]
    asked = [cases[i] for i in asks]
    generated = student_answers(student, asked, student_tokens, 8, prompt_style) if asks else []
    answers = dict(zip(asks, generated, strict=True))
    result = []
    for i, case in enumerate(cases):
        answer = answers.get(i, "").strip()
        if sources[i] == "student" and answer and answer != chosen[i].strip():
            result.append(("student", answer))
        else:
            result.append(synthetic_rejected(case, seed))
    return result
