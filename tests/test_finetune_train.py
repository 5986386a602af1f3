"""DPO / ORPO / online DPO-KD training of the stub student on a handful of pairs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.integrations import is_tensorboard_available

from evaluation.cli import main
from finetune.train import (
    LORA_TARGETS,
    FinetuneConfig,
    _trainer,
    check_target_modules,
    finetune,
    load_pairs,
    merge_adapters,
    read_pairs,
    with_student_rejected,
)
from llm_prune_gym import LLMPruneEnv
from llm_prune_gym.generation import chat_token_ids, generate_answers
from llm_prune_gym.students import load_student

BUGS = [
    ("print(y)", "NameError: y", "y is never defined."),
    ("if x\n  f()", "SyntaxError: ':'", "The if needs a colon."),
    ("'a' + 1", "TypeError: str + int", "Convert 1 to str."),
    ("int('a')", "ValueError: int('a')", "'a' is not a number."),
    ("1 / 0", "ZeroDivisionError", "You divide by zero."),
    ("[1][3]", "IndexError", "The list has one item."),
]


def _pair(code: str, error: str, hint: str, line: int) -> dict:
    """A line of `llm-prune data build`'s output (short, so the byte-level stub stays fast)."""
    return {
        "prompt": [
            {"role": "system", "content": "Give a hint."},
            {"role": "user", "content": f"{code}\n{error}"},
        ],
        "chosen": [{"role": "assistant", "content": hint}],
        "rejected": [{"role": "assistant", "content": f"Fixed: {code}!"}],
        "error_kind": error.split(":")[0],
        "line": line,
        "code": code,
    }


def write_data(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pairs = [json.dumps(_pair(*bug, line)) + "\n" for line, bug in enumerate(BUGS, start=1)]
    (folder / "train.jsonl").write_text("".join(pairs[:4]))
    (folder / "test.jsonl").write_text("".join(pairs[4:]))
    return folder


def small_config(**overrides) -> FinetuneConfig:
    settings = {
        "max_steps": 2,
        "batch_size": 2,
        "learning_rate": 1e-3,
        "max_length": 128,
        "logging_steps": 1,
        "device": "cpu",
        "threads": 1,  # tiny model: one thread is as fast, and far faster on a busy machine
        "progress": False,
        "answer_tokens": 6,
        "generation_batch_size": 4,
    }
    settings.update(overrides)
    return FinetuneConfig(**settings)


def _logits(model, tokenizer, text: str = "<|im_start|>user\nprint(y)<|im_end|>\n"):
    ids = tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        return model(**ids).logits


@pytest.fixture(autouse=True, scope="module")
def _keep_thread_count():
    """`finetune` sets torch's CPU threads on purpose; give the other test modules theirs back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_data(tmp_path_factory.mktemp("pairs"))


@pytest.fixture(scope="module")
def dpo_run(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("dpo")
    return out, finetune(data, "stub", out, small_config())


def test_dpo_steps_change_the_model_and_save_a_plain_folder(dpo_run):
    out, result = dpo_run
    original = load_student("stub").model.state_dict()
    merged = result.student.model
    changed = [
        name
        for name, tensor in merged.state_dict().items()
        if "q_proj" in name and not torch.equal(tensor, original[name])
    ]
    assert changed, "the merged adapter left the attention weights untouched"
    assert not any("lora" in name for name in merged.state_dict())
    assert (out / "model.safetensors").is_file()
    reloaded = AutoModelForCausalLM.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert tokenizer.chat_template
    torch.testing.assert_close(
        _logits(reloaded, tokenizer), _logits(merged, result.student.tokenizer), rtol=0, atol=1e-5
    )


def test_dpo_metrics_are_written(dpo_run):
    out, result = dpo_run
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["rounds"][0]["steps"] == 2
    for key in ("eval_loss", "eval_rewards/margins", "eval_rewards/accuracies"):
        assert math.isfinite(metrics["eval"][key])
    assert metrics["wall_seconds"] > 0
    assert metrics["config"]["lora_rank"] == 8 and metrics["threads"] == 1
    if is_tensorboard_available():  # without it the run warns and logs to metrics.json only
        assert list((out / "tensorboard" / "round-1").glob("events.out.tfevents.*"))
    assert any("eval_loss" in entry for entry in metrics["rounds"][0]["log_history"])
    assert (out / "adapters" / "round-1" / "adapter_model.safetensors").is_file()
    assert list((out / "checkpoints" / "round-1").glob("checkpoint-2"))


def test_resume_rebuilds_a_finished_run_without_training(dpo_run, data):
    out, result = dpo_run
    again = finetune(data, "stub", out, small_config(resume=True))
    assert again.metrics["eval"] == result.metrics["eval"]
    for name, tensor in again.student.model.state_dict().items():
        assert torch.equal(tensor, result.student.model.state_dict()[name]), name


def test_env_takes_the_saved_folder_as_student(dpo_run):
    out, _ = dpo_run
    env = LLMPruneEnv(
        student=str(out), batch_size=2, answer_tokens=4, prompts=["print(y)", "1 / 0"]
    )
    env.reset(seed=0)
    terminated, info = False, {}
    while not terminated:
        _, reward, terminated, _, info = env.step(np.full(env.num_modules, 10))
    assert env.num_layers == 4 and math.isfinite(info["kl"]) and info["kl"] > 0
    env.close()


def test_orpo_round(data, tmp_path):
    result = finetune(data, "stub", tmp_path, small_config(method="orpo", max_steps=1))
    assert result.metrics["method"] == "orpo"
    assert math.isfinite(result.metrics["eval"]["eval_loss"])
    assert "eval_rewards/margins" in result.metrics["eval"]
    assert (tmp_path / "config.json").is_file()


def test_online_dpo_kd_rounds_and_adapter_merge(data, tmp_path):
    config = small_config(method="dpo-kd-online", rounds=2, max_steps=1)
    result = finetune(data, "stub", tmp_path / "run", config)
    assert [r["round"] for r in result.metrics["rounds"]] == [1, 2]
    adapters = [tmp_path / "run" / "adapters" / f"round-{i}" for i in (1, 2)]
    rebuilt = merge_adapters("stub", adapters, tmp_path / "merged")
    torch.testing.assert_close(
        _logits(rebuilt.model, rebuilt.tokenizer),
        _logits(result.student.model, result.student.tokenizer),
        rtol=0,
        atol=1e-5,
    )


def test_student_rejected_are_its_greedy_answers(data):
    student = load_student("stub")
    pairs = read_pairs(data / "train.jsonl")
    config = small_config()
    answers = generate_answers(
        student.model, student.tokenizer, [p["prompt"] for p in pairs], max_new_tokens=6
    )
    # A pair whose chosen hint is what the student says anyway carries no preference.
    pairs[0] = {**pairs[0], "chosen": [{"role": "assistant", "content": answers[0]}]}
    regenerated = with_student_rejected(student.model, student.tokenizer, pairs, config)
    assert [p["rejected"][0]["content"] for p in regenerated] == answers[1:]
    assert [p["chosen"] for p in regenerated] == [p["chosen"] for p in pairs[1:]]


def test_missing_target_modules_are_named(data, tmp_path):
    model = load_student("stub").model
    check_target_modules(model, ("q_proj", "down_proj"))
    with pytest.raises(ValueError, match=r"c_attn.*its linear modules are \[.*q_proj"):
        check_target_modules(model, ("q_proj", "c_attn"))
    with pytest.raises(ValueError, match="c_attn"):
        finetune(data, "stub", tmp_path, small_config(target_modules=("c_attn",)))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"prompt": [{"role": "user", "content": "x"}], "chosen": []}', "missing 'rejected'"),
        (
            '{"prompt": "text", "chosen": [], "rejected": []}',
            "'prompt' must be a non-empty list",
        ),
        (
            '{"prompt": [{"role": "user", "content": 1}], "chosen": [], "rejected": []}',
            "string 'role' and 'content'",
        ),
        (
            '{"prompt": [{"role": "user", "content": "x"}], '
            '"chosen": [{"role": "user", "content": "y"}], "rejected": []}',
            "'chosen' messages must have role 'assistant'",
        ),
    ],
)
def test_bad_pairs_name_file_and_line(tmp_path, line, message):
    good = json.dumps(_pair(*BUGS[0], 1))
    path = tmp_path / "train.jsonl"
    path.write_text(f"{good}\n\n{line}\n")
    with pytest.raises(ValueError, match=f"train.jsonl, line 3: .*{message}"):
        read_pairs(path)


def test_missing_split_file_is_named(tmp_path):
    write_data(tmp_path)
    (tmp_path / "test.jsonl").unlink()
    with pytest.raises(FileNotFoundError, match="test.jsonl"):
        load_pairs(tmp_path)
    (tmp_path / "train.jsonl").write_text("\n")
    with pytest.raises(ValueError, match="train.jsonl: no preference pairs"):
        read_pairs(tmp_path / "train.jsonl")


def test_time_limit_stops_cleanly_and_resume_goes_on(data, tmp_path):
    stopped = finetune(data, "stub", tmp_path, small_config(max_steps=3, time_limit=1e-9))
    assert stopped.metrics["stopped_early"] and stopped.metrics["rounds"][0]["steps"] == 1
    assert (tmp_path / "config.json").is_file() and "eval_loss" in stopped.metrics["eval"]
    resumed = finetune(data, "stub", tmp_path, small_config(max_steps=3, resume=True))
    assert not resumed.metrics["stopped_early"] and resumed.metrics["rounds"][0]["steps"] == 3


def test_cli_reports_bad_data_with_exit_code_2(tmp_path, capsys):
    write_data(tmp_path)
    (tmp_path / "train.jsonl").write_text('{"prompt": []}\n')
    code = main(["finetune", "--data", str(tmp_path), "--student", "stub", "--out", "o"])
    assert code == 2
    assert "train.jsonl, line 1" in capsys.readouterr().err


def test_rounds_need_the_online_method():
    with pytest.raises(ValueError, match="dpo-kd-online"):
        FinetuneConfig(method="dpo", rounds=2)


def _parsed_config(monkeypatch, argv: list[str]) -> tuple:
    """The (data, student, out, config) that `llm-prune finetune --data d --out o ARGV` trains."""
    seen = {}
    monkeypatch.setattr("finetune.train.finetune", lambda *a: seen.update(args=a) or 1 / 0)
    with pytest.raises(ZeroDivisionError):
        main(["finetune", "--data", "d", "--out", "o", *argv])
    return seen["args"]


def test_cli_parses_into_the_config(tmp_path, monkeypatch):
    data, student, out, config = _parsed_config(
        monkeypatch,
        ["--method", "orpo", "--beta", "0.2", "--learning-rate", "1e-4", "--max-steps", "3"]
        + ["--target-modules", "q_proj,v_proj", "--train-batch-size", "2"],
    )
    assert (str(data), student, str(out)) == ("d", "smollm2", "o")
    assert (config.method, config.beta, config.learning_rate, config.max_steps) == (
        "orpo",
        0.2,
        1e-4,
        3,
    )
    assert config.target_modules == ("q_proj", "v_proj") and config.lora_rank == 8
    assert config.batch_size == 2  # --train-batch-size: --batch-size is calibration prompts
    defaults = _parsed_config(monkeypatch, [])[3]
    assert defaults.target_modules == LORA_TARGETS  # the report's seven projections


# -- SFT and SFT then DPO -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sft_run(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("sft")
    return out, finetune(data, "stub", out, small_config(method="sft"))


def test_sft_saves_a_loadable_merged_folder(sft_run):
    out, result = sft_run
    assert result.metrics["method"] == "sft" and result.metrics["rounds"][0]["steps"] == 2
    assert math.isfinite(result.metrics["eval"]["eval_loss"])
    assert "eval_mean_token_accuracy" in result.metrics["eval"]
    reloaded = AutoModelForCausalLM.from_pretrained(out)
    torch.testing.assert_close(
        _logits(reloaded, AutoTokenizer.from_pretrained(out)),
        _logits(result.student.model, result.student.tokenizer),
        rtol=0,
        atol=1e-5,
    )
    assert (out / "adapters" / "round-1" / "adapter_model.safetensors").is_file()
    # SFT sees each (prompt, chosen) once: the four train pairs have four distinct prompts
    assert result.metrics["rounds"][0]["train_examples"] == 4


def test_sft_loss_is_on_the_hint_only(data, tmp_path):
    student = load_student("stub")
    pairs = load_pairs(data)
    config = small_config(method="sft")
    trainer = _trainer(
        student.model,
        student.tokenizer,
        pairs["train"],
        pairs["test"],
        config,
        tmp_path / "c",
        tmp_path / "t",
        [],
    )
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(2)])
    tokenizer = student.tokenizer
    for row, pair in enumerate(pairs["train"][:2]):
        ids, labels = batch["input_ids"][row], batch["labels"][row]
        kept = ids[labels != -100].tolist()
        # exactly the hint and its end of turn: no prompt token, no padding
        assert tokenizer.decode(kept) == pair["chosen"][0]["content"] + "<|im_end|>\n"
        prompt = chat_token_ids(tokenizer, pair["prompt"])
        assert ids[: len(prompt)].tolist() == prompt
        assert (labels[: len(prompt)] == -100).all()


def test_sft_then_dpo_stages_and_merge(data, tmp_path):
    result = finetune(data, "stub", tmp_path, small_config(method="sft+dpo", sft_max_steps=1))
    stages = [(r["stage"], r["steps"]) for r in result.metrics["rounds"]]
    assert stages == [("sft", 1), ("dpo", 2)]
    assert "eval_rewards/margins" in result.metrics["eval"]  # the last stage is DPO
    sft = json.loads((tmp_path / "sft" / "metrics.json").read_text())
    assert sft["method"] == "sft" and sft["config"]["learning_rate"] == 2e-4
    assert result.metrics["config"]["learning_rate"] == 1e-3  # the DPO stage's, as given
    sft_model = AutoModelForCausalLM.from_pretrained(tmp_path / "sft")
    assert (tmp_path / "dpo" / "adapters" / "round-1" / "adapter_config.json").is_file()
    assert not (tmp_path / "dpo" / "config.json").exists()  # the final model is OUT itself
    final = AutoModelForCausalLM.from_pretrained(tmp_path)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    # DPO trained on top of the merged SFT weights: SFT adapter, then DPO adapter, rebuild it
    adapters = [tmp_path / stage / "adapters" / "round-1" for stage in ("sft", "dpo")]
    rebuilt = merge_adapters("stub", adapters, tmp_path / "rebuilt")
    torch.testing.assert_close(
        _logits(rebuilt.model, rebuilt.tokenizer), _logits(final, tokenizer), rtol=0, atol=1e-5
    )
    assert not torch.allclose(_logits(sft_model, tokenizer), _logits(final, tokenizer))


def test_sft_then_dpo_resumes_after_a_stage_time_limit(data, tmp_path):
    settings = {"method": "sft+dpo", "sft_max_steps": 3, "max_steps": 1}
    stopped = finetune(data, "stub", tmp_path, small_config(**settings, time_limit=1e-9))
    assert stopped.metrics["stopped_early"]
    assert [(r["stage"], r["steps"]) for r in stopped.metrics["rounds"]] == [("sft", 1)]
    assert (tmp_path / "sft" / "config.json").is_file() and (tmp_path / "config.json").is_file()
    resumed = finetune(data, "stub", tmp_path, small_config(**settings, resume=True))
    assert not resumed.metrics["stopped_early"]
    assert [(r["stage"], r["steps"]) for r in resumed.metrics["rounds"]] == [("sft", 3), ("dpo", 1)]
    again = finetune(data, "stub", tmp_path, small_config(**settings, resume=True))
    assert again.metrics["eval"] == resumed.metrics["eval"]  # finished stages are not retrained


def test_config_is_frozen_with_per_method_defaults():
    assert FinetuneConfig(method="sft", device="cpu").learning_rate == 2e-4
    assert FinetuneConfig(method="dpo", device="cpu").learning_rate == 5e-5
    assert FinetuneConfig(device="cpu").batch_size == 4
    assert FinetuneConfig(device="cuda").batch_size == 16
    config = FinetuneConfig(method="sft+dpo", device="cpu", sft_epochs=2.0, epochs=3.0)
    (sft_name, sft), (dpo_name, dpo) = config.stages()
    assert (sft_name, sft.method, sft.learning_rate, sft.epochs) == ("sft", "sft", 2e-4, 2.0)
    assert (dpo_name, dpo.method, dpo.learning_rate, dpo.epochs) == ("dpo", "dpo", 5e-5, 3.0)
    with pytest.raises(AttributeError):
        config.learning_rate = 1.0


def test_cli_parses_the_sft_stage_options(monkeypatch):
    argv = ["--method", "sft+dpo", "--device", "cpu", "--sft-max-steps", "5"]
    config = _parsed_config(monkeypatch, argv + ["--sft-epochs", "2", "--time-limit", "4"])[3]
    assert (config.method, config.sft_max_steps, config.sft_epochs) == ("sft+dpo", 5, 2.0)
    assert (config.learning_rate, config.sft_learning_rate, config.batch_size) == (5e-5, 2e-4, 4)
    assert config.time_limit == 4
