"""The teacher kept as top-k log-probs plus a remainder (``teacher_topk``), and the default."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from llm_prune_gym import EnvSettings, Workbench

PROMPTS = [f"Why does line {i} raise a NameError?" for i in range(4)]


def workbench(teacher_topk: int | None = None) -> Workbench:
    return Workbench(
        student="stub",
        prompts=PROMPTS,
        batch_size=2,
        sampling="sample",
        answer_tokens=6,
        teacher_topk=teacher_topk,
    )


@pytest.fixture(scope="module")
def full() -> Workbench:
    return workbench()


def plans(bench: Workbench, count: int) -> np.ndarray:
    return np.random.default_rng(0).uniform(0.1, 0.3, (count, *bench.sizes.shape))


@torch.no_grad()
def reference_kl_sums(bench: Workbench, plan: np.ndarray) -> list[float]:
    """The full-distribution KL sums as the code before `teacher_topk` computed them."""
    calibration = bench.calibration
    indices = list(range(bench.num_prompts))
    teacher = [calibration.logprobs(indices[i : i + 2]) for i in range(0, len(indices), 2)]
    bench.apply(plan)
    student = [calibration.logprobs(indices[i : i + 2]) for i in range(0, len(indices), 2)]
    bench.restore()
    sums = []
    for teacher_batch, student_batch in zip(teacher, student, strict=True):
        batch = []
        for teacher_logprobs, student_logprobs in zip(teacher_batch, student_batch, strict=True):
            probs = teacher_logprobs.exp()
            neg_entropy = (probs * teacher_logprobs).sum(dim=-1)
            batch.append((neg_entropy - (probs * student_logprobs).sum(dim=-1)).sum())
        sums += torch.stack(batch).clamp(min=0.0).tolist()
    return sums


def test_the_default_keeps_the_full_teacher_and_its_kl_bit_for_bit(full):
    calibration = full.calibration
    vocab = full.model.config.vocab_size
    assert calibration.teacher_topk is None and not calibration.teacher_top_index
    assert all(probs.shape[-1] == vocab for probs in calibration.teacher_probs)
    plan = plans(full, 1)[0]
    assert full.kl(plan).sums == reference_kl_sums(full, plan)


def test_top_k_kl_stays_below_the_full_kl_and_reaches_it_at_vocab_minus_one(full):
    vocab = full.model.config.vocab_size
    tables = plans(full, 3)
    full_kls = [full.kl(table).mean for table in tables]
    small = workbench(teacher_topk=4)
    assert small.calibration.teacher_bytes < full.calibration.teacher_bytes
    for table, full_kl in zip(tables, full_kls, strict=True):
        assert 0 < small.kl(table).mean <= full_kl * (1 + 1e-5)  # merging outcomes lowers KL
    whole = workbench(teacher_topk=vocab - 1)  # k + 1 = V outcomes: the full distribution
    for table, full_kl in zip(tables, full_kls, strict=True):
        assert whole.kl(table).mean == pytest.approx(full_kl, rel=1e-4)


def test_top_k_batched_kls_match_one_at_a_time():
    bench = workbench(teacher_topk=8)
    tables = plans(bench, 3)
    one_by_one = [bench.kl(table).sums for table in tables]
    batched = [result.sums for result in bench.batch_kls(tables, max_batch_plans=2)]
    assert batched == one_by_one


def test_bad_teacher_topk_is_refused():
    with pytest.raises(ValueError, match="teacher_topk must be None or at least 1"):
        EnvSettings(teacher_topk=0)
    with pytest.raises(ValueError, match="below the vocabulary"):
        workbench(teacher_topk=10**6)
