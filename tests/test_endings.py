"""How hints end: the repeat and cut-off detectors, and decoding that stops and does not loop."""

from __future__ import annotations

import pytest
import torch

from evaluation.endings import cut_off, loops, repeated_ngram, repeated_sentence, repeats
from evaluation.hints import summarise
from llm_prune_gym.generation import answer_processors, generate_answer_ids, stop_token_ids
from llm_prune_gym.students import load_student

GOOD = (
    'Line 9 calls `counts("s")` as if `counts` were a function, but it is a dictionary. '
    "How do you look up a key in a dictionary?"
)
GOOD_WITH_CODE = (
    'On line 3 you add a number to text. Compare `print("Age: " + age)` with what '
    '`print("Age: " + str(age))` would do.'
)
LOOPING = (
    "The error is on line 4. The variable total is not defined before the loop. "
    "The variable total is not defined before the loop. The variable total is not defined"
)
NGRAM_AGAIN = (
    "You forgot to close the bracket on line 2, so Python reads on; "
    "then you forgot to close the bracket on line 5 too."
)
STUTTER = "Check line 1: `x = x = x = x = x = x = x`."
CUT = "The list has three items, so index 3 is past its end and you should"


def test_a_good_hint_neither_repeats_nor_is_cut_off():
    for hint in (GOOD, GOOD_WITH_CODE):
        assert not repeats(hint), hint
        assert not cut_off(hint), hint


def test_a_looping_hint_repeats_and_is_cut_off():
    assert repeated_sentence(LOOPING) and repeats(LOOPING)
    assert cut_off(LOOPING)


def test_each_repeat_rule():
    assert repeated_ngram(NGRAM_AGAIN) and not repeated_sentence(NGRAM_AGAIN)
    assert loops(STUTTER) and not repeated_ngram(STUTTER)  # the loop is inside code
    assert loops("Oh no!!!!!!!!!!") and not loops("Oh no!!!")
    assert not repeats("Yes. Yes.")  # short sentences may recur


@pytest.mark.parametrize(
    ("hint", "finished", "expected"),
    [
        (CUT, None, True),
        ("Look at line 2:", None, True),  # announces something that never comes
        ("Try this:\n```python\nprint(x)\n", None, True),  # a code block left open
        ("Try this:\n```python\nprint(x)\n```", None, False),
        ("Did you mean `total`?", None, False),
        ('He said "use a colon."', None, False),
        ("Add a colon (`:`) after the condition.", None, False),
        ("Line 2 needs a colon.", False, True),  # the token cap cut it right there
        ("", None, False),  # empty hints are counted as empty, not cut off
    ],
)
def test_cut_off(hint, finished, expected):
    assert cut_off(hint, finished) is expected


def test_summary_reports_the_rates():
    rows = [{"hint": h} | {"repeats": repeats(h), "cut_off": cut_off(h)} for h in (GOOD, LOOPING)]
    summary = summarise(rows)
    assert summary["repeats"] == 0.5 and summary["cut_off"] == 0.5 and summary["repeats_n"] == 2


def test_repeat_controls_count_the_answer_only():
    prompt = torch.tensor([[5, 6, 7, 5, 6]])  # the prompt already holds "5 6 7"
    scores = torch.zeros(1, 10)
    ban = answer_processors(prompt_width=3, repetition_penalty=1.0, no_repeat_ngram_size=3)
    assert ban(prompt, scores.clone())[0, 7] == 0  # "5 6" in the answer: 7 is still allowed
    answer = torch.tensor([[1, 1, 1, 5, 6, 7, 5, 6]])
    assert ban(answer, scores.clone())[0, 7] == float("-inf")  # the answer said "5 6 7"
    penalty = answer_processors(prompt_width=3, repetition_penalty=2.0, no_repeat_ngram_size=0)
    penalised = penalty(torch.tensor([[9, 9, 9, 4]]), torch.ones(1, 10))
    assert penalised[0, 4] == 0.5 and penalised[0, 9] == 1.0  # the prompt's 9 is not penalised
    assert len(answer_processors(3, 1.0, 0)) == 0
    with pytest.raises(ValueError, match="repetition_penalty"):
        answer_processors(3, 0.0, 0)


def test_generation_stops_at_the_end_of_turn():
    student = load_student("stub")
    stops = stop_token_ids(student.model, student.tokenizer)
    assert student.tokenizer.convert_tokens_to_ids("<|im_end|>") in stops
    prompts = [[{"role": "user", "content": "print(y)"}]]
    plain = generate_answer_ids(student.model, student.tokenizer, prompts, 24)[0]
    varied = generate_answer_ids(
        student.model, student.tokenizer, prompts, 24, no_repeat_ngram_size=2
    )[0]
    assert not any(token in stops for token in plain[:-1])  # nothing after a stop token
    pairs = list(zip(varied, varied[1:], strict=False))
    assert len(pairs) == len(set(pairs))  # no 2-gram twice in the answer
