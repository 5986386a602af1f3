"""Imports run one way, and no code outside the env's package touches its private names.

The arrows: ``llm_prune_gym`` <- ``agents`` <- ``evaluation`` and ``llm_prune_gym`` <-
``finetune`` <- ``evaluation``. Read from the source with ``ast`` (nothing is imported),
so a late import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("llm_prune_gym", "agents", "finetune", "evaluation")
# What each package may import of the others (evaluation: all of them).
ALLOWED = {
    "llm_prune_gym": set(),
    "agents": {"llm_prune_gym"},
    "finetune": {"llm_prune_gym"},
    "evaluation": {"llm_prune_gym", "agents", "finetune"},
}
# Names that hold an env or a workbench by the project's naming (env, budget_env,
# prune_env, self.env, env.unwrapped, workbench, ...): their `_private` names are the
# env's own business.
ENV_LIKE = re.compile(r"(^|_)(env|workbench|unwrapped)$")


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def imported_packages(path: Path) -> set[str]:
    """The top-level names of everything `path` imports (relative imports: its own)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def private_env_accesses(path: Path) -> list[str]:
    """``line: NAME._attr`` for every private attribute read or written on an env-like name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if node.attr.startswith("__") and node.attr.endswith("__"):
            continue  # dunders (__class__, __dict__ ...) are Python's, not the env's
        owner = node.value
        name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
        if ENV_LIKE.search(name):
            found.append(f"{node.lineno}: {name}.{node.attr}")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_follow_the_arrows(package):
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported & set(PACKAGES) - ALLOWED[package] - {package})
        for path in python_files(package)
        if (imported := imported_packages(path)) & set(PACKAGES) - ALLOWED[package] - {package}
    }
    assert not wrong, f"imports against the arrows: {wrong}"


def test_nothing_outside_the_env_package_touches_an_env_private_name():
    outside = python_files("agents", "finetune", "evaluation", "bench", "tests")
    found = {
        str(path.relative_to(ROOT)): accesses
        for path in outside
        if (accesses := private_env_accesses(path))
    }
    assert not found, f"private env/workbench names used outside llm_prune_gym: {found}"


def test_the_checks_see_what_they_look_for(tmp_path):
    """The two readers find a wrong arrow and a private access (so the tests can fail)."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import evaluation.plots\n"
        "def f(env, self):\n"
        "    from agents import make_agent\n"
        "    env._layer = 0\n"
        "    return self.env.unwrapped._batch, env.__class__, self._plan\n"
    )
    assert {"evaluation", "agents"} <= imported_packages(sample)
    assert private_env_accesses(sample) == ["4: env._layer", "5: unwrapped._batch"]
