"""Greedy (or sampled) answers of a chat model to a list of chat prompts, in batches."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .prompts import Messages


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
) -> list[list[int]]:
    """Token ids of each answer, up to and including the end-of-turn token if one came."""
    device = next(model.parameters()).device
    eos = model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos]) | {tokenizer.eos_token_id}
    eos_ids.discard(None)
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    answers: list[list[int]] = []
    starts = range(0, len(prompts), batch_size)
    try:
        for start in tqdm(starts, desc="generating", disable=not progress, unit="batch"):
            chunk = [chat_token_ids(tokenizer, p) for p in prompts[start : start + batch_size]]
            inputs = left_pad(chunk, tokenizer.pad_token_id, device)
            inputs.pop("position_ids")  # generate() derives positions from the mask
            output = model.generate(
                **inputs,
                max_new_tokens=max_new_tokens,
                do_sample=do_sample,
                temperature=None if not do_sample else 0.7,
                top_p=None,
                top_k=None,
                pad_token_id=tokenizer.pad_token_id,
            )
            for row in output[:, inputs["input_ids"].shape[1] :].tolist():
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
    max_new_tokens: int = 128,
    batch_size: int = 8,
    do_sample: bool = False,
    seed: int = 0,
    progress: bool = False,
) -> list[str]:
    """Each prompt's answer as text (special tokens dropped)."""
    ids = generate_answer_ids(
        model, tokenizer, prompts, max_new_tokens, batch_size, do_sample, seed, progress
    )
    return [tokenizer.decode(answer, skip_special_tokens=True).strip() for answer in ids]
