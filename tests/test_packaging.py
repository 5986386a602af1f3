"""The package as a stranger installs it: version, optional extras, agent plugins, licence."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tomllib
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import agents.base
import llm_prune_gym
from agents import AGENTS, load_agent_plugins
from evaluation.cli import main
from evaluation.export import licence_note
from llm_prune_gym.extras import MissingExtra, require_extra

ROOT = Path(__file__).resolve().parents[1]


def test_version_has_one_source_and_the_cli_prints_it(capsys):
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "llm_prune_gym.__version__"
    }
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"llm-prune {llm_prune_gym.__version__}\n"


def test_a_missing_extra_names_the_pip_install_in_one_line():
    with pytest.raises(MissingExtra) as error:
        require_extra("rl", "no_such_module_llm_prune_gym_test")
    message = str(error.value)
    assert message == (
        "no_such_module_llm_prune_gym_test is not installed; "
        "it comes with: pip install 'llm-prune-gym[rl]'"
    )
    assert isinstance(error.value, ImportError) and error.value.extra == "rl"
    assert require_extra("judge", "json") is json
    # A present package that lacks a submodule is a different problem: its own error.
    with pytest.raises(ModuleNotFoundError) as other:
        require_extra("rl", "json.no_such_submodule")
    assert not isinstance(other.value, MissingExtra)


# Runs in a fresh interpreter where the extras' packages cannot be imported.
CORE_ONLY = textwrap.dedent(
    """
    import sys
    for name in ("stable_baselines3", "trl", "peft", "datasets", "openai", "tensorboard",
                 "ctranslate2"):
        sys.modules[name] = None  # `import name` now fails as if it were not installed

    import agents, evaluation, finetune  # noqa: E401
    import evaluation.cli, finetune.cli, finetune.teachers, evaluation.judge  # noqa: E401
    import evaluation.bench_model, evaluation.ct2_runtime  # noqa: E401
    from agents import AGENTS, make_agent
    from llm_prune_gym import LLMPruneEnv, MissingExtra
    from evaluation.cli import build_app, main

    assert {"sb3-ppo", "sb3-a2c", "a2c", "psrl", "uniform"} <= set(AGENTS)
    build_app()
    env = LLMPruneEnv(student="stub", prompts=["a", "b"], batch_size=2, answer_tokens=2)
    for attempt in (
        lambda: make_agent("sb3-ppo", env),
        lambda: __import__("finetune.train"),
        lambda: finetune.teachers.OpenAITeacher(),
        lambda: evaluation.ct2_runtime.import_ctranslate2(),
    ):
        try:
            attempt()
        except MissingExtra as error:
            print(error)
    sys.exit(main(["train", "--agent", "sb3-a2c", "--student", "stub", "--episodes", "1",
                   "--out", sys.argv[1]]))
    """
)


def test_core_install_imports_everything_and_names_the_missing_extra(tmp_path):
    run = subprocess.run(
        [sys.executable, "-c", CORE_ONLY, str(tmp_path / "run")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 2, run.stderr
    assert run.stdout.splitlines() == [
        "stable_baselines3 is not installed; it comes with: pip install 'llm-prune-gym[rl]'",
        "datasets is not installed; it comes with: pip install 'llm-prune-gym[finetune]'",
        "openai is not installed; it comes with: pip install 'llm-prune-gym[judge]'",
        "ctranslate2 is not installed; it comes with: pip install 'llm-prune-gym[ct2]'",
    ]
    assert run.stderr.strip().splitlines()[-1] == (
        "llm-prune train: error: stable_baselines3 is not installed; "
        "it comes with: pip install 'llm-prune-gym[rl]'"
    )


@pytest.fixture
def plugin(monkeypatch, tmp_path):
    """A third-party package on sys.path whose entry points declare two agents."""
    (tmp_path / "third_party_agents.py").write_text(
        textwrap.dedent(
            """
            from agents import register_agent
            from agents.baselines import UniformAgent

            @register_agent("third-party-uniform")
            class ThirdPartyUniform(UniformAgent):
                pass

            class Unregistered(UniformAgent):
                pass
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    group = agents.base.AGENT_ENTRY_POINTS
    declared = [
        EntryPoint("third-party", "third_party_agents", group),
        EntryPoint("by-class", "third_party_agents:Unregistered", group),
        EntryPoint("broken", "third_party_agents_missing", group),
    ]

    def fake_entry_points(*, group):
        return declared if group == agents.base.AGENT_ENTRY_POINTS else []

    monkeypatch.setattr(agents.base, "entry_points", fake_entry_points)
    yield
    for name in ("third-party-uniform", "by-class"):
        AGENTS.pop(name, None)
    sys.modules.pop("third_party_agents", None)


def test_entry_point_agents_reach_the_agent_choices(plugin, tmp_path, capsys):
    with pytest.warns(UserWarning, match="agent plugin 'broken'.*skipped"):
        added = load_agent_plugins()
    assert added == ["by-class", "third-party-uniform"]
    assert AGENTS["by-class"].name == "by-class"
    for name in added:
        argv = ["train", "--agent", name, "--episodes", "1", "--out", str(tmp_path / name)]
        argv += ["--student", "stub", "--batch-size", "2", "--answer-tokens", "2"]
        assert main([*argv, "--target-sparsity", "0.1", "--device", "cpu"]) == 0
        assert json.loads(capsys.readouterr().out)["agent"] == name
    with pytest.warns(UserWarning):  # loading again adds nothing and breaks nothing
        assert load_agent_plugins() == []


def test_exports_state_the_default_students_licence():
    assert "Apache-2.0" in licence_note("smollm2")
    assert "keeps that licence" in licence_note("student", "/cache/SmolLM2-135M-Instruct.Q4_1")
    other = licence_note("my-model")
    assert other.startswith("Licence: these weights are a pruned copy of my-model")
