"""Does a hint end cleanly? Two per-hint checks: it `repeats` itself, or it is `cut_off`.

Both read the text only, so they grade hints that any system wrote. Tokens here are
words and single punctuation marks (``\\w+|[^\\w\\s]``), not a model's tokens, so that
hints of different students are measured alike.

- repeats: a sentence of 4+ words occurs twice, or a 6-token n-gram of prose occurs
  twice (code is left out of these two: a hint may quote a line and then the same line
  changed), or anything (code included) loops: a span of 1 to 12 tokens repeated three
  or more times back to back, covering 8+ tokens.
- cut_off: the generation hit its token cap before the end-of-turn token (when known),
  or the text stops mid-sentence: its last character, past closing quotes and brackets,
  is not ``.``, ``!`` or ``?`` and it does not end with a closed code span or block.
"""

from __future__ import annotations

import re
from collections import Counter

NGRAM = 6
SENTENCE_WORDS = 4
LOOP_UNIT = 12  # the longest repeated unit a loop is searched for (tokens)
LOOP_TIMES = 3
LOOP_SPAN = 8

_TOKEN = re.compile(r"\w+|[^\w\s]")
_CODE_BLOCK = re.compile(r"```.*?(```|$)", re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_CLOSERS = "\"')]}*_»”’"


def tokens(text: str) -> list[str]:
    """Lower-cased words and single punctuation marks."""
    return _TOKEN.findall(text.lower())


def prose(text: str) -> str:
    """The text with code blocks and inline code replaced by a marker."""
    return _CODE_SPAN.sub(" CODE ", _CODE_BLOCK.sub("\nCODE\n", text))


def repeated_sentence(text: str) -> bool:
    """A sentence (or line) of 4+ words that occurs at least twice."""
    sentences = [" ".join(tokens(s)) for s in _SENTENCE_END.split(prose(text))]
    counts = Counter(s for s in sentences if len(s.split()) >= SENTENCE_WORDS)
    return any(count >= 2 for count in counts.values())


def repeated_ngram(text: str, n: int = NGRAM) -> bool:
    """A prose n-gram of `n` tokens that occurs at least twice."""
    words = tokens(prose(text))
    grams = Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
    return any(count >= 2 for count in grams.values())


def loops(text: str) -> bool:
    """A unit of 1-12 tokens repeated 3+ times back to back over 8+ tokens (code included)."""
    words = tokens(text)
    for unit in range(1, LOOP_UNIT + 1):
        run = 0  # tokens equal to the token `unit` places back, in a row
        for i in range(unit, len(words)):
            run = run + 1 if words[i] == words[i - unit] else 0
            span = run + unit
            if span >= LOOP_SPAN and span >= LOOP_TIMES * unit:
                return True
    return False


def repeats(text: str) -> bool:
    """The hint says something twice or loops (see the module docstring)."""
    return repeated_sentence(text) or repeated_ngram(text) or loops(text)


def cut_off(text: str, finished: bool | None = None) -> bool:
    """The hint stops mid-sentence, or (`finished` False) the token cap cut it.

    An empty hint is not cut off (it is counted as empty elsewhere).
    """
    if finished is False:
        return True
    text = text.rstrip()
    if not text:
        return False
    if text.endswith("```"):
        return text.count("```") % 2 == 1  # an odd count: a block opened at the very end
    if text.count("```") % 2 == 1:
        return True  # inside a code block that never closed
    stripped = text.rstrip(_CLOSERS).rstrip()
    if text.endswith("`") and text.count("`") % 2 == 0:
        return False  # ends with a closed inline code span
    return not stripped or stripped[-1] not in ".!?"
