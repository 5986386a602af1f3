"""Pairs whose chosen hint is what the rule-based pipeline would show: the student learns
to say what the program settles, and to stay vague where it settles nothing.

The students trained on teachers' hints (one true cause per injected bug, and tutor hints
for hand-written programs) learn to name *a* cause on every program; on programs they were
not trained on that cause is usually false (sft-v4 alone: 20-30% identify, 68-78%
misleading on the blind sets). ``llm-prune hint --no-student-hint`` shows a diagnosis where
the program and its traceback settle the cause (right on 141 of 145 blind firings) and a
hint of facts alone elsewhere. Here each pair's chosen hint becomes that pipeline's hint:

- the diagnosis (:func:`llm_prune_gym.diagnosis.diagnose`), where it fires and names the
  pair's known cause line (a diagnosis that names another line keeps the teacher's hint);
- else, with ``abstain="facts"``, the facts hint (:func:`llm_prune_gym.hintfacts.facts_hint`);
  with ``abstain="teacher"``, the teacher's hint as it was.

Prompts and rejected hints are unchanged; each pair records its ``chosen_source``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Literal

from llm_prune_gym.diagnosis import diagnose
from llm_prune_gym.hintfacts import facts_hint, hint_facts

Abstain = Literal["facts", "teacher"]


def pipeline_hint(pair: dict, abstain: Abstain = "facts") -> tuple[str, str]:
    """The chosen hint for one pair and where it came from (diagnosis, facts or teacher)."""
    code, error = pair["code"], pair["error_output"]
    found = diagnose(code, error)
    if found is not None and found.line == pair.get("line"):
        return found.hint, "diagnosis"
    if found is None and abstain == "facts":
        return facts_hint(hint_facts(code, error)), "facts"
    return pair["chosen"][-1]["content"], "teacher"


def distilled(pairs: Iterable[dict], abstain: Abstain = "facts") -> tuple[list[dict], Counter]:
    """The pairs with the pipeline's hint as chosen, and how many came from each source."""
    out, sources = [], Counter()
    for pair in pairs:
        hint, source = pipeline_hint(pair, abstain)
        sources[source] += 1
        chosen = [{"role": "assistant", "content": hint}]
        out.append({**pair, "chosen": chosen, "chosen_source": source})
    return out, sources
