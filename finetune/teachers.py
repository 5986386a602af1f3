"""Teachers write the preferred ("chosen") hint for a buggy program.

- `OracleTeacher` knows the injected bug, so it can always name the right line and
  the real problem. It phrases hints from the templates of the bug's kind
  (`finetune.kinds`, several per kind, chosen with the seed) that point at the mistake
  without ever writing the fix.
- `OpenAITeacher` asks any OpenAI-compatible server (OpenAI, vLLM, llama.cpp, ...)
  through the `openai` client, with the report's rubric and the ground truth in its
  prompt. Rate limits and server errors are retried by the client (exponential
  backoff); every request is bounded in total time and reply size
  (:func:`finetune.openai_api.bounded_http_client`); an answer that is malformed,
  refused or gives the fix away is returned as a failure with a reason, never
  raised, so one bad answer cannot stop a long build.

Both return `TeacherAnswer`. The API key is read from the options or the
environment, handed to the client and never printed, logged or stored: failure
reasons go through :func:`finetune.openai_api.redact`.
"""

from __future__ import annotations

import os
import random
import re
import string
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from finetune.bugs import Case
from finetune.kinds import KIND_BY_NAME
from finetune.openai_api import bounded_http_client, first_choice_text, redact
from llm_prune_gym.extras import require_extra
from llm_prune_gym.hintfacts import hint_facts
from llm_prune_gym.prompts import hint_messages


@dataclass(frozen=True)
class TeacherAnswer:
    """A hint, or why there is none (`error`), from one teacher for one case."""

    hint: str | None
    error: str | None = None


# ---------------------------------------------------------------- the oracle

LOCATE = {
    True: [
        "Look closely at line {line}.",
        "The problem is on line {line}.",
        "Check line {line}.",
        "Line {line} is where things go wrong.",
    ],
    False: [
        "Python stops on line {reported}, but the real cause is on line {line}.",
        "The error shows up on line {reported}; the mistake that causes it is on line {line}.",
        "Don't only look at line {reported} where Python complains: the cause is on line {line}.",
    ],
}


BASE_FIELDS = frozenset({"line", "reported", "token", "open", "message"})


def hint_fields(case: Case) -> dict[str, object]:
    """What the hint templates may name: the ground truth, the facts the grounded prompt
    shows (:mod:`llm_prune_gym.hintfacts`) and what the injector recorded."""
    bug = case.bug
    token = bug.token
    base = {
        "line": bug.line,
        "reported": case.reported_line or bug.line,
        "token": token,
        "open": {")": "(", "]": "[", "}": "{"}.get(token, "("),
        "message": case.message or repr(token),
    }
    return base | _fact_fields(case) | dict(bug.fields)


def _fact_fields(case: Case) -> dict[str, str]:
    """The offending value or name, and the non-string type of a str/other TypeError."""
    facts = hint_facts(case.bug.code, case.error_output)
    found = {"offending": facts.offending} if facts.offending else {}
    others = {t for t in facts.types if t != "str"}
    if facts.exception == "TypeError" and "str" in facts.types and len(others) == 1:
        found["value_type"] = f"a value of type `{others.pop()}`"
    return found


def usable_hints(kind: str, fields: dict[str, object]) -> list[str]:
    """The kind's hint templates whose fields this case has, in the record's order; those
    that name something beyond the base fields come first, as the only choice if any."""
    usable = [t for t in KIND_BY_NAME[kind].hints if _needs(t) <= fields.keys()]
    specific = [t for t in usable if _needs(t) - BASE_FIELDS]
    return specific or usable


def _needs(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def oracle_hint(
    case: Case, rng: random.Random, kind: str | None = None, line: int | None = None
) -> str:
    """A hint naming the line and the problem; `kind`/`line` let pairs.py lie on purpose."""
    fields = hint_fields(case)
    if line is not None:
        fields.update(line=line, reported=line)
    same = fields["reported"] == fields["line"]
    where = rng.choice(LOCATE[same]).format(**fields)
    what = rng.choice(usable_hints(kind or case.bug.kind, fields)).format(**fields)
    return f"{where} {what}"


class OracleTeacher:
    """Writes hints from the ground truth; deterministic for a seed and a case id."""

    name = "oracle"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def hints(self, cases: Sequence[Case]) -> list[TeacherAnswer]:
        return [TeacherAnswer(self.hint(case)) for case in cases]

    def hint(self, case: Case) -> str:
        return oracle_hint(case, random.Random(f"{self.seed}/oracle/{case.bug.id}"))


# ---------------------------------------------------------------- OpenAI-compatible

RUBRIC = """You write hints for beginners learning Python. A student's program failed.
A good hint is graded on four things:
1. Identifies the error: it names the line that must be fixed and what is wrong there.
2. Helpful: it helps the student find and understand the mistake themselves.
3. Clear: one to three short sentences in plain language, no jargon.
4. Does not give away code: never write the corrected line, the corrected program,
   or any code block. Describe the problem; let the student write the fix.
Answer with the hint only."""

REFUSALS = re.compile(r"\b(I can(no|')t help|I'm sorry, but|I am unable|as an AI)\b", re.I)
MAX_HINT_CHARS = 800


def teacher_messages(case: Case) -> list[dict[str, str]]:
    """The teacher sees the student's chat plus the ground truth it must not reveal."""
    bug_kind = KIND_BY_NAME[case.bug.kind]
    student = hint_messages(case.bug.code, case.error_output)[1]["content"]
    truth = (
        f"(For you, not the student: the mistake is on line {case.bug.line}: "
        f"{bug_kind.description}. Do not reveal the corrected code.)"
    )
    return [
        {"role": "system", "content": RUBRIC},
        {"role": "user", "content": f"{student}\n\n{truth}"},
    ]


def check_hint(hint: object, case: Case) -> str | None:
    """Why an answer can't be used as a chosen hint, or None if it can."""
    if not isinstance(hint, str) or not hint.strip():
        return "malformed: empty or missing content"
    if len(hint) > MAX_HINT_CHARS:
        return "too long"
    if REFUSALS.search(hint):
        return "refused"
    fixed = case.bug.original_line.strip()
    if "```" in hint or (len(fixed) > 3 and fixed in hint):
        return "gives away code"
    return None


class OpenAITeacher:
    """Hints from an OpenAI-compatible chat endpoint, with retries and recorded failures.

    Options fall back to the environment: `OPENAI_API_KEY`, `OPENAI_BASE_URL` and
    `LLM_PRUNE_TEACHER_MODEL` (default "gpt-4o", the model of the original report).
    """

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        retries: int = 5,
        timeout: float = 60.0,
        workers: int = 4,
        temperature: float = 0.0,
    ) -> None:
        openai = require_extra("judge", "openai")  # the [judge] extra brings the client

        self.model = model or os.environ.get("LLM_PRUNE_TEACHER_MODEL") or "gpt-4o"
        self.name = f"openai:{self.model}"
        self.workers = workers
        self.temperature = temperature
        self._secret = api_key or os.environ.get("OPENAI_API_KEY") or ""
        self._client = openai.OpenAI(
            api_key=self._secret or "not-needed",  # local servers often take any key
            base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None,
            max_retries=retries,  # rate limits, 5xx, time-outs: retried by the client
            timeout=timeout,
            http_client=bounded_http_client(openai, timeout),
        )
        self._transient = (
            openai.RateLimitError,
            openai.APIConnectionError,
            openai.InternalServerError,
        )

    def __repr__(self) -> str:  # never show the key
        return f"OpenAITeacher(model={self.model!r}, base_url={str(self._client.base_url)!r})"

    def hints(self, cases: Sequence[Case]) -> list[TeacherAnswer]:
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(self.answer, cases))

    def answer(self, case: Case) -> TeacherAnswer:
        """One hint; failures come back as `TeacherAnswer(None, reason)`."""
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=teacher_messages(case),
                temperature=self.temperature,
                max_tokens=200,
            )
        except self._transient as error:  # the client's retries are spent
            return TeacherAnswer(None, redact(f"gave up: {error}", self._secret))
        # Whatever else one request raises (a refusal, a reply cut at its bound, an
        # unreadable reply) fails this case only: record why, go on.
        except Exception as error:  # noqa: BLE001
            return TeacherAnswer(None, redact(f"api error: {error}", self._secret))
        hint = first_choice_text(response)
        problem = check_hint(hint, case)
        return TeacherAnswer(None, problem) if problem else TeacherAnswer(hint.strip())


def make_teacher(name: str, seed: int = 0, **options) -> OracleTeacher | OpenAITeacher:
    if name == "oracle":
        return OracleTeacher(seed)
    if name == "openai":
        return OpenAITeacher(**options)
    raise ValueError(f"unknown teacher {name!r}; choose 'oracle' or 'openai'")
