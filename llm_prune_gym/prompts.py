"""Chat prompts for the hint model, and loading prompt sets.

`hint_messages` is the one place that decides what the hint model sees: the
environment's calibration set, the fine-tuning data, the hint evaluation and the
`hint` command all build their prompts with it. Two styles:

- ``grounded`` (the default for new data): the program, the error, then the facts a
  program analysis reads from them for free (:mod:`llm_prune_gym.hintfacts`: the
  failing line, the offending name, the closest names in scope, the types of a
  TypeError, the length of a sequence, ...), under a system prompt that says so;
- ``plain``: the program and the error only. The shipped calibration prompts
  (``llm_prune_gym/data/calibration.jsonl``) and data built before the grounded style
  existed use it, so results measured on them stay comparable.

A prompt file is JSON Lines, one prompt per line, in any of these forms:

    {"messages": [{"role": "system", "content": ...}, {"role": "user", "content": ...}]}
    {"prompt": [{"role": "user", "content": ...}], ...}      # trl's conversational format
    {"prompt": "plain text, sent as one user message"}

Other keys on a line are kept as metadata and ignored here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path

Messages = list[dict[str, str]]

SYSTEM_PROMPT = (
    "You are a patient Python tutor for beginners. A student's program failed. "
    "Give one short hint that helps them find the mistake themselves: say which line "
    "is wrong and what the problem is, but do not write the corrected code."
)

GROUNDED_SYSTEM_PROMPT = (
    f"{SYSTEM_PROMPT} Under the error you get facts that a tool read from the program and "
    "its traceback; they are correct, so use them to find the cause."
)
PROMPT_STYLES = ("grounded", "plain")
DEFAULT_PROMPT_STYLE = "grounded"

BUILTIN_SPLITS = ("train", "heldout", "heldout-realstyle")
# The shipped prompt file of each split: the calibration set's two, and the hint prompts of
# the hand-written beginner programs (held out; built by `evaluation.realstyle_prompts`).
_SPLIT_FILES = {"heldout-realstyle": "heldout_realstyle.jsonl"}


def hint_messages(code: str, error_output: str, style: str = DEFAULT_PROMPT_STYLE) -> Messages:
    """The chat a beginner sends: their program and the error Python printed.

    `style` is ``"grounded"`` (plus the facts read from both, where any could be read)
    or ``"plain"``; see the module docstring.
    """
    if style not in PROMPT_STYLES:
        raise ValueError(f"unknown prompt style {style!r}; choose one of {PROMPT_STYLES}")
    user = (
        "Here is my program:\n```python\n"
        f"{code.rstrip()}\n"
        "```\nWhen I run it I get:\n```\n"
        f"{error_output.rstrip()}\n"
        "```\n"
    )
    system = SYSTEM_PROMPT
    if style == "grounded":
        from .hintfacts import hint_facts  # stdlib only; keeps `plain` free of the analysis

        facts = hint_facts(code, error_output).render()
        if facts:
            user += f"{facts}\n"
            system = GROUNDED_SYSTEM_PROMPT
    user += "Can you give me a hint?"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _messages_from_record(record: object, where: str) -> Messages:
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(record).__name__}")
    value = record.get("messages", record.get("prompt"))
    if isinstance(value, str):
        value = [{"role": "user", "content": value}]
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where}: needs a non-empty 'messages' or 'prompt' field")
    for message in value:
        if not (
            isinstance(message, dict)
            and isinstance(message.get("role"), str)
            and isinstance(message.get("content"), str)
        ):
            raise ValueError(f"{where}: every message needs string 'role' and 'content'")
    return value


def read_jsonl(path: str | Path, what: str = "file") -> Iterator[tuple[int, str, dict]]:
    """Yield ``(line number, "PATH, line N", record)`` for each non-blank line of a JSONL file.

    A missing file, invalid JSON or a line that is not a JSON object raises an error
    that names the file (as `what`) and the line.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} not found: {path}")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}, line {number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{where}: not valid JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise ValueError(f"{where}: expected a JSON object, got {type(record).__name__}")
            yield number, where, record


def read_prompt_file(path: str | Path) -> list[Messages]:
    """Read a JSONL prompt file; a malformed line raises an error naming it."""
    return [
        _messages_from_record(record, where) for _, where, record in read_jsonl(path, "prompt file")
    ]


def builtin_prompts(split: str = "train") -> list[Messages]:
    """The prompts shipped with the package: `train` or `heldout` (the calibration set's),
    or `heldout-realstyle` (130 hand-written beginner programs, never trained on)."""
    if split not in BUILTIN_SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {BUILTIN_SPLITS}")
    data = resources.files("llm_prune_gym") / "data" / _SPLIT_FILES.get(split, "calibration.jsonl")
    records = [json.loads(line) for line in data.read_text("utf-8").splitlines() if line]
    return [_messages_from_record(r, "builtin") for r in records if r["split"] == split]


def load_prompts(source: str | Path | Sequence[str | Messages] = "builtin:train") -> list[Messages]:
    """Resolve a prompt source: `"builtin"`/`"builtin:SPLIT"`, a JSONL path, or a list.

    A list may hold plain strings (each a user message) or chat message lists.
    """
    if isinstance(source, str | Path):
        text = str(source)
        if text == "builtin" or text.startswith("builtin:"):
            prompts = builtin_prompts(text.partition(":")[2] or "train")
        else:
            prompts = read_prompt_file(text)
    else:
        prompts = [
            _messages_from_record({"prompt": item}, f"prompts[{index}]")
            for index, item in enumerate(source)
        ]
    if not prompts:
        raise ValueError(f"the prompt set {source!r} is empty")
    return prompts
