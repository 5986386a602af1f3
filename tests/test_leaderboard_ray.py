"""The leaderboard's jobs through a local Ray give the in-process pool's table.

Ray is the optional ``[ray]`` extra; without it these tests skip. CI (``.ci/run``)
installs it and runs them only with ``CI_RAY=1`` (``make test-ray``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from evaluation.leaderboard import Protocol, Row, build_board
from evaluation.ray_jobs import read_files, write_files
from llm_prune_gym.extras import MissingExtra

PROMPTS = [
    "NameError: name 'total' is not defined",
    "IndexError: list index out of range",
    "TypeError: can only concatenate str (not 'int') to str",
    "KeyError: 'name'",
]
TIMING = ("wall_seconds",)  # wall time differs between any two runs


def protocol_for(tmp_path: Path) -> Protocol:
    prompts = tmp_path / "short.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in PROMPTS))
    return Protocol(
        student="stub",
        rows=(Row("magnitude", 0.15, 0.3),),
        calibration_prompts=str(prompts),
        batch_size=2,
        answer_tokens=4,
        budgets=(2, 3),
        seeds=(0,),
        heldout_prompts=(str(prompts),),
        agents=("uniform", "evolution"),
        checkpoint_every=2,
    )


def without_timing(table: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if not k.startswith(TIMING)} for r in table]


def test_files_round_trip_and_stay_inside(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "plan.json").write_bytes(b"{}")
    files = read_files(tmp_path / "a", tmp_path)
    assert files == {"a/b/plan.json": b"{}"}
    write_files(files, tmp_path / "copy")
    assert (tmp_path / "copy" / "a" / "b" / "plan.json").read_bytes() == b"{}"
    with pytest.raises(ValueError, match="outside its folder"):
        write_files({"../escape.txt": b"x"}, tmp_path / "copy")


def test_ray_jobs_build_the_in_process_table(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    root = str(Path(__file__).resolve().parents[1])  # Ray's workers import this checkout
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    protocol = protocol_for(tmp_path)
    pooled = build_board(tmp_path / "pool", protocol, "pool", "cpu")
    on_ray = build_board(tmp_path / "ray", protocol, "pool", "cpu", ray_address="local")
    assert without_timing(on_ray) == without_timing(pooled)
    plan = Path("target15/evolution/evolution/seed0/plan.json")
    assert (tmp_path / "ray" / plan).read_bytes() == (tmp_path / "pool" / plan).read_bytes()
    pool_md = (tmp_path / "pool" / "LEADERBOARD.md").read_text().splitlines()
    ray_md = (tmp_path / "ray" / "LEADERBOARD.md").read_text().splitlines()
    assert len(pool_md) == len(ray_md) and pool_md[0] == ray_md[0]


def test_without_ray_the_address_names_the_extra(tmp_path):
    try:
        import ray  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("ray is installed")
    with pytest.raises(MissingExtra, match=r"llm-prune-gym\[ray\]"):
        build_board(tmp_path / "board", protocol_for(tmp_path), "", "cpu", ray_address="local")
