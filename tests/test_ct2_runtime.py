"""The CTranslate2 runtime (the ct2 extra): conversion, logits and greedy decoding vs torch.

Skipped without ``ctranslate2`` (except the error that says how to install it); its
bench-model rows are tested in ``test_bench_model.py``.
"""

from __future__ import annotations

import sys

import pytest
import torch

from llm_prune_gym import LLMPruneEnv, MissingExtra
from llm_prune_gym.generation import generate_answers
from llm_prune_gym.students import stub_student


def test_a_missing_ctranslate2_says_how_to_install_it(monkeypatch):
    from evaluation.ct2_runtime import import_ctranslate2

    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # import fails as if absent
    with pytest.raises(MissingExtra, match=r"pip install 'llm-prune-gym\[ct2\]'"):
        import_ctranslate2()


@pytest.fixture
def stub_folders(tmp_path):
    """The stub saved as an HF folder and converted to CTranslate2 float32."""
    pytest.importorskip("ctranslate2")
    from evaluation.ct2_runtime import convert_to_ct2

    student = stub_student(0)
    hf = tmp_path / "hf"
    student.model.save_pretrained(hf)
    student.tokenizer.save_pretrained(hf)
    LLMPruneEnv(student="stub").current_plan().save(hf / "pruning_plan.json")
    return student, hf, convert_to_ct2(hf, tmp_path / "ct2", "float32")


def test_ct2_float32_matches_torch(stub_folders):
    from evaluation.ct2_runtime import CT2Logits, CT2Runtime, load_generator

    student, _, folder = stub_folders
    ids = torch.tensor([[258, 258, 72, 101, 108, 108, 111], [1, 5, 7, 9, 11, 13, 17]])
    mask = (ids != 258).long()  # the first row is left-padded
    with torch.no_grad():
        wanted = student.model(input_ids=ids, attention_mask=mask, logits_to_keep=3).logits
    got = CT2Logits(load_generator(folder, 1))(ids, attention_mask=mask, logits_to_keep=3).logits
    assert got.shape == wanted.shape
    assert torch.allclose(got, wanted, atol=1e-4)
    runtime = CT2Runtime(folder, threads=1)
    messages = [{"role": "user", "content": "print(x) fails"}]
    tokens, seconds = runtime.timed_tokens(messages, 9)
    assert len(tokens) == 9 and seconds > 0
    hint = generate_answers(student.model, student.tokenizer, [messages], max_new_tokens=9)[0]
    assert runtime.hint(messages, max_new_tokens=9) == hint
