"""Greedy (or sampled) answers of a chat model to a list of chat prompts, in batches.

Two levels: :func:`generate_answer_ids` decodes plainly (the env's calibration answers
rely on that), :func:`generate_answers` writes hints and by default decodes so that a
hint ends cleanly: it stops at the chat's end-of-turn token, is capped at
:data:`HINT_MAX_NEW_TOKENS`, and repeats are discouraged with a repetition penalty and a
ban on repeated n-grams, both counted over the answer only (the prompt's code may be
quoted freely).

The defaults come from ``bench/decoding.py`` (``results/decoding``): greedy hints of the
base SmolLM2 for 40 built-in prompts. Plain decoding repeated itself in 32.5% of hints
(a sentence or a 6-token n-gram twice, or a loop) and hit the 128-token cap in 82.5%;
a repetition penalty of 1.1 on the answer's tokens brought repeats to 0% and cap hits to
70% (its finished hints averaged 66 tokens); 1.2 let loops of junk back in (12.5%
repeats), and banning repeated 6-grams kept the hints running into the cap (90%). The
96-token cap leaves room for three short sentences (the teacher's chosen hints are under
~60 tokens); the base model's long answers are a matter for training (SFT), not decoding.

:func:`hint_candidates` writes several hints per prompt for best-of-N selection: the greedy
one plus seeded samples, each with whether it ended at a stop token (a verifier that picks
one lives in ``evaluation.rerank``: it reads the program, the error and the hint facts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm
from transformers import (
    LogitsProcessorList,
    NoRepeatNGramLogitsProcessor,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    RepetitionPenaltyLogitsProcessor,
)

from .prompts import Messages

# Chat templates' end-of-turn tokens (ChatML, Llama 3, Phi-3): the hint ends there even when
# the model's generation_config names only a document-level EOS.
END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|end|>")
HINT_MAX_NEW_TOKENS = 96
HINT_REPETITION_PENALTY = 1.1
HINT_NO_REPEAT_NGRAM = 0  # off: it did not stop loops any better than the penalty


def chat_token_ids(tokenizer: PreTrainedTokenizerBase, messages: Messages) -> list[int]:
    """The prompt's token ids with the model's chat template, ready for the assistant turn."""
    encoded = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
    if isinstance(encoded, dict) or hasattr(encoded, "input_ids"):
        encoded = encoded["input_ids"]
    return list(encoded)


def left_pad(sequences: Sequence[Sequence[int]], pad_id: int, device: torch.device | str = "cpu"):
    """Left-pad token sequences: returns ``input_ids``, ``attention_mask``, ``position_ids``."""
    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, sequence in enumerate(sequences):
        if sequence:
            ids[row, width - len(sequence) :] = torch.tensor(sequence, dtype=torch.long)
            mask[row, width - len(sequence) :] = 1
    positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
    return {
        "input_ids": ids.to(device),
        "attention_mask": mask.to(device),
        "position_ids": positions.to(device),
    }


def stop_token_ids(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> list[int]:
    """Every token that ends an answer: the model's and tokenizer's EOS, the chat's end of turn."""
    return end_token_ids(model.generation_config.eos_token_id, tokenizer)


def end_token_ids(eos: int | list[int] | None, tokenizer: PreTrainedTokenizerBase) -> list[int]:
    """`eos` (a generation config's), the tokenizer's EOS and the chat's end-of-turn tokens.

    Apart from :func:`stop_token_ids` for runtimes that have a generation config but no
    transformers model.
    """
    ids = set(eos if isinstance(eos, list) else [eos]) | {tokenizer.eos_token_id}
    template = tokenizer.chat_template if isinstance(tokenizer.chat_template, str) else ""
    vocabulary = tokenizer.get_vocab()
    ids |= {vocabulary[t] for t in END_OF_TURN_TOKENS if t in vocabulary and t in template}
    ids.discard(None)
    return sorted(ids)


class _AnswerOnly:
    """Runs a logits processor on the answer's tokens only (the left-padded prompt is cut off)."""

    def __init__(self, processor, prompt_width: int) -> None:
        self.processor, self.prompt_width = processor, prompt_width

    def __call__(self, input_ids: torch.LongTensor, scores: torch.Tensor) -> torch.Tensor:
        return self.processor(input_ids[:, self.prompt_width :], scores)


def answer_processors(
    prompt_width: int, repetition_penalty: float, no_repeat_ngram_size: int
) -> LogitsProcessorList:
    """transformers' repetition penalty and n-gram ban, counting the answer's tokens only.

    Their built-in forms also count the prompt, which would stop a hint from quoting the
    student's code.
    """
    if repetition_penalty <= 0 or no_repeat_ngram_size < 0:
        raise ValueError("repetition_penalty must be > 0 and no_repeat_ngram_size >= 0")
    processors = LogitsProcessorList()
    if repetition_penalty != 1.0:
        penalty = RepetitionPenaltyLogitsProcessor(float(repetition_penalty), prompt_width)
        processors.append(penalty)
    if no_repeat_ngram_size > 0:
        ban = NoRepeatNGramLogitsProcessor(no_repeat_ngram_size)
        processors.append(_AnswerOnly(ban, prompt_width))
    return processors


@torch.no_grad()
def generate_answer_ids(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[Messages],
    max_new_tokens: int = 128,
    batch_size: int = 8,
    do_sample: bool = False,
    seed: int = 0,
    progress: bool = False,
    repetition_penalty: float = 1.0,
    no_repeat_ngram_size: int = 0,
) -> list[list[int]]:
    """Token ids of each answer, up to and including the end-of-turn token if one came.

    An answer without a stop token at its end was cut at `max_new_tokens`.
    """
    device = next(model.parameters()).device
    eos_ids = stop_token_ids(model, tokenizer)
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    answers: list[list[int]] = []
    starts = range(0, len(prompts), batch_size)
    try:
        for start in tqdm(starts, desc="generating", disable=not progress, unit="batch"):
            chunk = [chat_token_ids(tokenizer, p) for p in prompts[start : start + batch_size]]
            inputs = left_pad(chunk, tokenizer.pad_token_id, device)
            inputs.pop("position_ids")  # generate() derives positions from the mask
            width = inputs["input_ids"].shape[1]
            output = model.generate(
                **inputs,
                logits_processor=answer_processors(width, repetition_penalty, no_repeat_ngram_size),
                eos_token_id=eos_ids,
                max_new_tokens=max_new_tokens,
                do_sample=do_sample,
                temperature=None if not do_sample else 0.7,
                top_p=None,
                top_k=None,
                pad_token_id=tokenizer.pad_token_id,
            )
            for row in output[:, width:].tolist():
                answer = []
                for token in row:
                    answer.append(token)
                    if token in eos_ids:
                        break
                answers.append(answer)
    finally:
        torch.random.set_rng_state(generator_state)
    return answers


def generate_answers(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[Messages],
    max_new_tokens: int = HINT_MAX_NEW_TOKENS,
    batch_size: int = 8,
    do_sample: bool = False,
    seed: int = 0,
    progress: bool = False,
    repetition_penalty: float = HINT_REPETITION_PENALTY,
    no_repeat_ngram_size: int = HINT_NO_REPEAT_NGRAM,
) -> list[str]:
    """Each prompt's hint as text (special tokens dropped), decoded to end cleanly."""
    ids = generate_answer_ids(
        model,
        tokenizer,
        prompts,
        max_new_tokens,
        batch_size,
        do_sample,
        seed,
        progress,
        repetition_penalty=repetition_penalty,
        no_repeat_ngram_size=no_repeat_ngram_size,
    )
    return [tokenizer.decode(answer, skip_special_tokens=True).strip() for answer in ids]


@dataclass(frozen=True)
class Candidate:
    """One hint a model wrote, and whether it ended at a stop token (False: the cap cut it)."""

    text: str
    finished: bool


def hint_candidates(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[Messages],
    candidates: int,
    seed: int = 0,
    max_new_tokens: int = HINT_MAX_NEW_TOKENS,
    batch_size: int = 8,
    progress: bool = False,
) -> list[list[Candidate]]:
    """`candidates` hints per prompt: the greedy hint first, then `candidates - 1` samples.

    The samples of a prompt are one batch of copies of it, seeded with `seed` alone, so a
    prompt's candidates do not depend on the other prompts, their order or `batch_size`
    (which batches the greedy pass only). Decoding settings are :func:`generate_answers`'s.
    """
    if candidates < 1:
        raise ValueError(f"candidates must be >= 1, got {candidates}")
    stops = set(stop_token_ids(model, tokenizer))
    greedy = generate_answer_ids(
        model,
        tokenizer,
        prompts,
        max_new_tokens,
        batch_size,
        progress=progress,
        repetition_penalty=HINT_REPETITION_PENALTY,
        no_repeat_ngram_size=HINT_NO_REPEAT_NGRAM,
    )
    results = []
    pairs = zip(prompts, greedy, strict=True)
    quiet = not progress or candidates == 1
    for messages, first in tqdm(pairs, "sampling", len(prompts), disable=quiet, unit="prompt"):
        sampled = []
        if candidates > 1:
            sampled = generate_answer_ids(
                model,
                tokenizer,
                [messages] * (candidates - 1),
                max_new_tokens,
                batch_size=candidates - 1,
                do_sample=True,
                seed=seed,
                repetition_penalty=HINT_REPETITION_PENALTY,
                no_repeat_ngram_size=HINT_NO_REPEAT_NGRAM,
            )
        results.append(
            [
                Candidate(
                    tokenizer.decode(ids, skip_special_tokens=True).strip(),
                    bool(ids) and ids[-1] in stops,
                )
                for ids in [first, *sampled]
            ]
        )
    return results
