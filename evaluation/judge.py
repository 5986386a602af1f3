"""An LLM judge for hints, through any OpenAI-compatible server, with the report's rubric.

For each hint the judge sees the program, what Python printed, the known fix when
there is one (marked as hidden from the student) and the hint, and answers four
questions (the BallPy report's rubric): does the hint identify the error (yes/no),
how helpful is it (1-5), how clear (1-5), does it give away the code (yes/no).

Answers are parsed strictly (:func:`parse_verdict`): one JSON object, optionally in a
single ```json fence, with exactly typed values (booleans, integers 1-5). A malformed
answer is sent back with the reason and asked again, ``parse_retries`` times; if it
still fails the hint is recorded as ``unparsable`` with the raw answer. Server errors
(HTTP 5xx, 429, connection errors, time-outs) are retried ``retries`` times by the
``openai`` client itself (its exponential backoff, and the server's ``Retry-After``),
then recorded as ``error``; so is a malformed reply (no choices, HTML, invalid UTF-8,
non-text content): one bad reply never stops the run. Other HTTP errors (a wrong key,
an unknown model) stop the run: they would fail every hint. Every request is bounded in
total time (``timeout``, to the reply's last byte) and its reply in size
(``max_reply_bytes``, refused before it is read when announced too large).

Verdicts, and unparsable answers, are cached on disk, one JSON file per (judge prompt,
judge model), so a rerun sends no request for a hint already judged; failed requests
are not cached. With ``journal`` set, every verdict is also appended there (one JSON line)
as soon as it comes, so an interrupted run keeps what it had. Settings come from options
or the environment: ``OPENAI_API_KEY`` (or the variable ``api_key_env`` names),
``OPENAI_BASE_URL``, ``LLM_PRUNE_JUDGE_MODEL``.
The key goes to the client only: every error text kept or logged is redacted
(:func:`finetune.openai_api.redact`), so it is never printed, logged, cached or reported.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tqdm.auto import tqdm

from finetune.openai_api import MAX_REPLY_BYTES, bounded_http_client, first_choice_text, redact
from llm_prune_gym.extras import require_extra
from llm_prune_gym.students import cache_dir

RUBRIC_VERSION = 1
DEFAULT_MODEL = "gpt-4o"
FIELDS = {"identifies_error": bool, "helpfulness": int, "clarity": int, "gives_away_code": bool}

SYSTEM = (
    "You grade hints that an AI tutor wrote for beginner Python programmers whose program "
    "failed. A good hint helps the student find and fix the mistake themselves: it points "
    "at the right place and explains the problem, but does not write the corrected code. "
    "Answer with one JSON object and nothing else."
)

QUESTIONS = """Grade the tutor's hint:
- identifies_error: true if the hint points at the actual mistake (its line, the name \
involved, or its cause), false otherwise.
- helpfulness: 1 to 5, how much the hint helps a beginner fix the mistake on their own \
(1 = useless or misleading, 5 = exactly the nudge they need).
- clarity: 1 to 5, how clear and easy to follow the hint is for a beginner \
(1 = confusing, 5 = very clear).
- gives_away_code: true if the hint writes out the corrected code (the fixed line or an \
equivalent code fix), false otherwise.

Reply with only this JSON object:
{"identifies_error": true or false, "helpfulness": 1-5, "clarity": 1-5, \
"gives_away_code": true or false}"""


class JudgeParseError(ValueError):
    """A judge answer that is not a verdict of the required form."""


class JudgeError(ValueError):
    """A request the server refused in a way retrying cannot fix (auth, model, bad request)."""


@dataclass(frozen=True)
class JudgeItem:
    """What the judge sees for one hint."""

    code: str
    error_output: str
    hint: str
    reference: str = ""  # the known fix, in words ("" when unknown)


@dataclass(frozen=True)
class Verdict:
    """The judge's answer for one hint; the scores are None unless `status` is ``ok``."""

    status: str  # "ok", "unparsable" or "error"
    identifies_error: bool | None = None
    helpfulness: int | None = None
    clarity: int | None = None
    gives_away_code: bool | None = None
    raw: str = ""
    detail: str = ""
    cached: bool = False

    def row(self) -> dict:
        """Columns for the per-hint CSV."""
        return {
            "judge_status": self.status,
            "judge_identifies_error": self.identifies_error,
            "judge_helpfulness": self.helpfulness,
            "judge_clarity": self.clarity,
            "judge_gives_away_code": self.gives_away_code,
            "judge_detail": self.detail,
        }


@dataclass(frozen=True)
class JudgeConfig:
    """How to reach the judge and how hard to try. `api_key` never appears in a repr."""

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    concurrency: int = 8
    retries: int = 4
    parse_retries: int = 2
    timeout: float = 60.0  # seconds per request, to the last byte of the reply
    max_reply_bytes: int = MAX_REPLY_BYTES
    max_tokens: int = 200
    json_mode: bool = False  # response_format=json_object (not every server supports it)
    cache: Path | None = None  # default: cache_dir()/judge
    journal: Path | None = None  # JSON lines, one verdict each, appended as they come

    @classmethod
    def from_env(
        cls,
        model: str | None = None,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        **options,
    ) -> JudgeConfig:
        """Options win over ``LLM_PRUNE_JUDGE_MODEL`` / ``OPENAI_BASE_URL``; the key is read
        from the environment variable `api_key_env`, never from the command line."""
        return cls(
            model=model or os.environ.get("LLM_PRUNE_JUDGE_MODEL") or DEFAULT_MODEL,
            base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None,
            api_key=os.environ.get(api_key_env) or None,
            **options,
        )

    @property
    def cache_root(self) -> Path:
        return Path(self.cache) if self.cache else cache_dir() / "judge"

    def describe(self) -> str:
        """Model and server for a report (credentials in the URL are dropped)."""
        if not self.base_url:
            return f"{self.model} (api.openai.com)"
        parts = urlsplit(self.base_url)
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        return f"{self.model} ({urlunsplit((parts.scheme, netloc, parts.path, '', ''))})"


def judge_messages(item: JudgeItem) -> list[dict[str, str]]:
    """The judge's chat for one hint."""
    parts = [
        f"The student's program:\n```python\n{item.code.rstrip()}\n```",
        f"What Python printed:\n```\n{item.error_output.rstrip()}\n```",
    ]
    if item.reference:
        parts.append(f"The actual mistake (the student did not see this):\n{item.reference}")
    parts += [f"The tutor's hint:\n<hint>\n{item.hint.strip()}\n</hint>", QUESTIONS]
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]


_FENCED = re.compile(r"\A```(?:json)?\s*\n(.*)\n```\Z", re.DOTALL)


def parse_verdict(text: str | None) -> dict:
    """The four rubric fields of an answer, or JudgeParseError saying what is wrong."""
    if not text or not text.strip():
        raise JudgeParseError("the answer is empty")
    body = text.strip()
    fenced = _FENCED.match(body)
    if fenced:
        body = fenced.group(1).strip()
    try:
        value = json.loads(body)
    except json.JSONDecodeError as error:
        raise JudgeParseError(f"not a JSON object ({error.msg})") from None
    if not isinstance(value, dict):
        raise JudgeParseError("the answer must be one JSON object")
    verdict = {}
    for name, kind in FIELDS.items():
        if name not in value:
            raise JudgeParseError(f"the field {name!r} is missing")
        field_value = value[name]
        if kind is bool and not isinstance(field_value, bool):
            raise JudgeParseError(f"{name} must be true or false")
        if kind is int and (
            isinstance(field_value, bool)
            or not isinstance(field_value, int)
            or not 1 <= field_value <= 5
        ):
            raise JudgeParseError(f"{name} must be an integer from 1 to 5")
        verdict[name] = field_value
    return verdict


class OpenAIJudge:
    """Judges hints with the rubric through an OpenAI-compatible chat completions endpoint.

    Call it with cases and hints (``judge(cases, hints)``) or use :meth:`judge_items`.
    ``requests`` counts the HTTP requests sent (cache hits send none).
    """

    def __init__(self, config: JudgeConfig, progress: bool = True) -> None:
        openai = require_extra("judge", "openai")  # only when a judge is used

        if not config.api_key and not config.base_url:
            raise ValueError(
                "the openai judge needs a key: set OPENAI_API_KEY (or name another variable "
                "with --judge-api-key-env), or give a local server with --judge-base-url"
            )
        self.config = config
        self.progress = progress
        self.requests = 0
        self._lock = threading.Lock()
        self._openai = openai
        self._client = openai.OpenAI(
            api_key=config.api_key or "unused",  # local servers take any key
            base_url=config.base_url,
            max_retries=config.retries,
            timeout=config.timeout,
            http_client=bounded_http_client(
                openai, config.timeout, config.max_reply_bytes, on_request=self._count
            ),
        )

    def _count(self) -> None:
        with self._lock:
            self.requests += 1

    def __call__(self, cases: Sequence, hints: Sequence[str]) -> list[Verdict]:
        items = [
            JudgeItem(case.code, case.error_output, hint, case.reference)
            for case, hint in zip(cases, hints, strict=True)
        ]
        return self.judge_items(items)

    def judge_items(self, items: Sequence[JudgeItem]) -> list[Verdict]:
        """A verdict per item, in order; requests run on a pool of `concurrency` threads."""
        with ThreadPoolExecutor(max_workers=max(1, self.config.concurrency)) as pool:
            futures = [pool.submit(self.judge_one, item) for item in items]
            for index, future in enumerate(futures):
                future.add_done_callback(lambda done, i=index: self._record(i, items[i], done))
            bar = tqdm(futures, desc="judging", unit="hint", disable=not self.progress)
            try:
                return [future.result() for future in bar]
            except JudgeError:  # it would refuse every other hint too: send no more
                for future in futures:
                    future.cancel()
                raise

    def _record(self, index: int, item: JudgeItem, future) -> None:
        """Append a finished verdict to the journal (a refused request has none)."""
        if self.config.journal is None or future.exception() is not None:
            return
        verdict = future.result()
        line = {"index": index, "hint": item.hint, **verdict.__dict__}
        journal_path = Path(self.config.journal)
        journal_path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, journal_path.open("a", encoding="utf-8") as journal:
            journal.write(json.dumps(line) + "\n")

    # -- one hint -------------------------------------------------------------------------

    def cache_path(self, messages: list[dict[str, str]]) -> Path:
        key = json.dumps(
            {"rubric": RUBRIC_VERSION, "model": self.config.model, "messages": messages},
            sort_keys=True,
        )
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        model = re.sub(r"[^A-Za-z0-9._-]+", "_", self.config.model)
        return self.config.cache_root / model / f"{digest[:32]}.json"

    def judge_one(self, item: JudgeItem) -> Verdict:
        messages = judge_messages(item)
        path = self.cache_path(messages)
        if path.is_file():
            return Verdict(**json.loads(path.read_text(encoding="utf-8")), cached=True)
        verdict = self._ask(messages)
        if verdict.status != "error":
            path.parent.mkdir(parents=True, exist_ok=True)
            record = {k: v for k, v in verdict.__dict__.items() if k != "cached"}
            tmp = path.with_suffix(f".{os.getpid()}.{id(item)}.tmp")
            tmp.write_text(json.dumps(record), encoding="utf-8")
            tmp.replace(path)
        return verdict

    def _ask(self, messages: list[dict[str, str]]) -> Verdict:
        """Ask, and ask again with the reason while the answer does not parse."""
        conversation = list(messages)
        answer, problem = "", ""
        for _ in range(self.config.parse_retries + 1):
            try:
                answer = self._complete(conversation)
            except JudgeError:
                raise
            # Anything else one request raises (retries exhausted, a reply cut at its
            # bound, a reply of the wrong shape) fails this hint only: record it, go on.
            except Exception as error:  # noqa: BLE001
                detail = redact(f"{type(error).__name__}: {error}", self.config.api_key, 300)
                return Verdict("error", detail=detail)
            try:
                return Verdict("ok", **parse_verdict(answer), raw=answer)
            except JudgeParseError as error:
                problem = str(error)
            conversation += [
                {"role": "assistant", "content": answer[:2000]},
                {
                    "role": "user",
                    "content": f"That answer cannot be used: {problem}. Reply with only the "
                    "JSON object, with the four fields exactly as asked.",
                },
            ]
        return Verdict("unparsable", raw=answer[:2000], detail=problem)

    def _complete(self, messages: list[dict[str, str]]) -> str:
        """One chat completion's text; the client retries transient errors itself."""
        options = {"response_format": {"type": "json_object"}} if self.config.json_mode else {}
        try:
            response = self._client.chat.completions.create(
                model=self.config.model,
                messages=messages,
                temperature=0,
                max_tokens=self.config.max_tokens,
                **options,
            )
        except self._openai.APIStatusError as error:
            if error.status_code < 500 and error.status_code not in (408, 409, 429):
                raise JudgeError(
                    f"the judge server refused the request (HTTP {error.status_code}); "
                    "check the model name, the base URL and the key"
                ) from None
            raise
        answer = first_choice_text(response)
        if answer is None:
            raise JudgeParseError("malformed reply: no choice with text content")
        return answer
