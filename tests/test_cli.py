"""The ``llm-prune`` command line: fast help without torch, one meaning per option name,
defaults shown, one JSON line on stdout."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evaluation.cli import COMMANDS, DATA_COMMANDS, main
from evaluation.hints import Choice

ROOT = Path(__file__).resolve().parents[1]
EVERY_COMMAND = [[name] for name in COMMANDS] + [["data", name] for name in DATA_COMMANDS]
# The commands `llm-prune --help` listed before the one command line: all must stay.
COMMANDS_BEFORE = {
    "rollout", "train", "bench-agents", "leaderboard", "sensitivity", "compare", "scaled",
    "criteria", "export", "bench-model", "eval-hints", "check-grader", "experiment", "grade",
    "hint", "finetune", "finetune-merge", "data",
}  # fmt: skip

HELP_WITHOUT_TORCH = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from evaluation.cli import main

    heavy = ("torch", "transformers", "numpy", "gymnasium", "trl", "matplotlib")
    found = {}
    for argv in json.loads(sys.argv[1]):
        with contextlib.redirect_stdout(io.StringIO()):
            code = main([*argv, "--help"])
        found[" ".join(argv) or "(top)"] = (code, [m for m in heavy if m in sys.modules])
    print(json.dumps(found))
    """
)


def test_help_of_every_command_imports_no_torch():
    """``--help`` stays fast because it imports no heavy module (checked, not timed)."""
    commands = [[], *EVERY_COMMAND]
    run = subprocess.run(
        [sys.executable, "-c", HELP_WITHOUT_TORCH, json.dumps(commands)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert len(found) == len(commands)
    for command, (code, heavy) in found.items():
        assert code == 0, command
        # gymnasium and numpy come with the llm_prune_gym package's import (its env
        # registration); torch, transformers, trl and matplotlib must wait for a run
        assert not {"torch", "transformers", "trl", "matplotlib"} & set(heavy), (command, heavy)


def test_every_command_of_before_is_there():
    assert set(COMMANDS) | {"data"} == COMMANDS_BEFORE
    assert set(DATA_COMMANDS) == {"build", "calibration", "add-handwritten", "distill", "augment"}


def help_text(argv: list[str], capsys) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("argv", EVERY_COMMAND, ids=" ".join)
def test_help_shows_defaults_and_no_idle_options(argv, capsys):
    text = help_text(argv, capsys)
    assert "[default:" in text or argv == ["finetune-merge"]
    idle = {
        "--observation": {"train", "bench-agents"},
        "--sampling": {"train", "bench-agents", "rollout"},
        "--max-ratio": {"train", "bench-agents", "rollout", "leaderboard"},
    }
    for option, users in idle.items():
        assert (option in text) == (argv[-1] in users), (argv, option)


@pytest.mark.parametrize(
    "option, meaning",
    [
        ("--prompts ", "calibration prompts"),
        ("--heldout-prompts ", "prompts"),
        ("--batch-size ", "calibration prompts"),
        ("--train-batch-size ", "pairs) per device step"),
        ("--device ", "cpu, cuda"),
        ("--student ", None),
    ],
)
def test_one_meaning_per_option_name(option, meaning, capsys):
    """An option name means the same wherever it is offered."""
    helps = {" ".join(argv): help_text(argv, capsys) for argv in EVERY_COMMAND}
    lines = {
        name: next(line for line in text.splitlines() if option in line)
        for name, text in helps.items()
        if option in text
    }
    assert lines, option
    if meaning is not None:
        assert all(meaning in line for line in lines.values()), lines


SHARED = ("--student", "--device", "--threads", "--seed", "--out", "--no-progress")
# Where a shared option does nothing it is not offered: rollout writes no folder (its plan
# goes to --plan-out), check-grader and grade load no model (hint's --seed seeds its sampled
# candidates, bench-model's picks its hint cases). Issue 17's gaps, closed:
# --no-progress on compare, scaled, criteria and export; --device on hint and bench-model;
# --threads on leaderboard.
WITHOUT = {
    "rollout": {"--out"},
    "bench-agents": {"--seed"},  # --seeds: one run per seed
    "leaderboard": {"--seed", "--no-progress"},  # the protocol fixes them
    "sensitivity": {"--seed"},  # no random choice
    "export": {"--seed"},
    "bench-model": {"--no-progress"},
    "check-grader": {"--student", "--device", "--threads", "--seed", "--no-progress"},
    "experiment": {"--student"},  # --base and --dpo
    "grade": {"--student", "--device", "--threads"},
    "hint": {"--out", "--no-progress"},
    "finetune-merge": {"--device", "--threads", "--seed", "--no-progress"},
    "build": {"--device", "--threads"},
    "calibration": {"--student", "--device", "--threads", "--no-progress"},
    "add-handwritten": {"--student", "--device", "--threads", "--seed", "--no-progress"},
    "distill": {"--student", "--device", "--threads", "--seed", "--no-progress"},
    "augment": {"--student", "--device", "--threads"},
}


@pytest.mark.parametrize("argv", EVERY_COMMAND, ids=" ".join)
def test_shared_options_are_offered_where_they_make_sense(argv, capsys):
    text = help_text(argv, capsys).replace("│", " ")
    offered = {option for option in SHARED if f" {option} " in text}
    assert offered == set(SHARED) - WITHOUT.get(argv[-1], set())


def test_spelled_out_constants_match_their_sources():
    from evaluation import experiment, hints_cli, pruning_cli
    from llm_prune_gym.pruning import ALL_LLAMA_MODULES

    assert pruning_cli.SENSITIVITY_MODULES == ALL_LLAMA_MODULES
    assert hints_cli.DEFAULT_LEVELS == experiment.DEFAULT_LEVELS


def test_rollout_prints_one_json_line(tmp_path, capsys):
    argv = ["rollout", "--student", "stub", "--modules", "q_proj,up_proj", "--batch-size", "2"]
    argv += ["--answer-tokens", "4", "--device", "cpu", "--no-progress", "--ratio", "0.1"]
    assert main([*argv, "--plan-out", str(tmp_path / "plan.json")]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1
    line = json.loads(out)
    assert line["student"].startswith("stub") and 0 < line["prunable_sparsity"] < 0.2
    assert json.loads((tmp_path / "plan.json").read_text())["modules"] == ["q_proj", "up_proj"]


def test_version(capsys):
    from llm_prune_gym import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"llm-prune {__version__}\n"


def test_hint_runs_the_student_on_device(tmp_path, monkeypatch, capsys):
    program = tmp_path / "main.py"
    program.write_text("print(1 / 0)\n")
    seen = []
    monkeypatch.setattr(
        "evaluation.hint_command._best_hint",
        lambda *args: seen.append(args[5]) or Choice("look", 0, (), ()),
    )
    assert main(["hint", str(program), "--student", "stub", "--device", "meta"]) == 0
    assert seen == ["meta"] and json.loads(capsys.readouterr().out)["hint"] == "look"


def test_bench_model_loads_the_student_on_device(tmp_path, monkeypatch, capsys):
    seen = []

    def load_student(spec, device="cpu", **kwargs):
        seen.append(device)
        raise ValueError("stopped at the student")

    monkeypatch.setattr("llm_prune_gym.load_student", load_student)
    argv = ["bench-model", "--plans", "dense", "--out", str(tmp_path), "--threads", "1"]
    assert main([*argv, "--device", "meta"]) == 2
    assert seen == ["meta"]


def test_leaderboard_passes_threads_to_its_workers(tmp_path, monkeypatch, capsys):
    seen = []

    def build_board(*args, ray_address=None):
        seen.append((args[-1], ray_address))  # threads: each GPU worker's OMP_NUM_THREADS
        raise ValueError("stopped before the jobs")

    monkeypatch.setattr("evaluation.leaderboard.build_board", build_board)
    argv = ["leaderboard", "--out", str(tmp_path), "--device", "cpu", "--threads", "1"]
    assert main(argv) == 2
    assert main([*argv, "--ray-address", "auto"]) == 2
    assert seen == [(1, None), (1, "auto")]


def test_leaderboard_agent_kwargs_replace_that_agents_settings(tmp_path, monkeypatch):
    seen = []

    def build_board(out, protocol, *args, ray_address=None):
        seen.append(protocol.agent_settings)
        raise ValueError("stopped before the jobs")

    monkeypatch.setattr("evaluation.leaderboard.build_board", build_board)
    argv = ["leaderboard", "--out", str(tmp_path), "--device", "cpu"]
    kwargs = '{"surrogate-evo": {"noise_sd": 0.02}}'
    assert main([*argv, "--agent-kwargs", kwargs]) == 2
    (settings,) = seen
    assert settings["surrogate-evo"].noise_sd == 0.02
    from evaluation.leaderboard import PROTOCOL

    others = {k: v for k, v in settings.items() if k != "surrogate-evo"}
    assert others == {k: v for k, v in PROTOCOL.agent_settings.items() if k != "surrogate-evo"}
    assert main([*argv, "--agent-kwargs", '{"surrogate-evo": {"no_such": 1}}']) == 2
    assert len(seen) == 1  # a wrong setting stops before the board


def test_plan_commands_say_their_pruner_options_default_to_the_plan(capsys):
    """export / compare take modules, criterion, granularity and width multiple from the
    plan unless given: their help says so instead of the env's own defaults."""
    main(["export", "--help"])
    text = " ".join(re.sub("[│╭╮╰╯─]", " ", capsys.readouterr().out).split())
    assert text.count("(default: the plan's own)") == 4
    assert "q_proj,o_proj,gate_proj,up_proj" not in text
