"""A cheap stand-in of LLMPrune-v0 on SmolLM2, for trying RL settings in seconds.

Not the environment: a development tool. It runs the real env (budget scaling,
observation, reward) on a stand-in workbench, :class:`StandInWorkbench`, plugged in
where the LLM goes: SmolLM2's 30 x 4 unit sizes, and in place of the model a formula
fitted to our measurements in
``results/sensitivity``: ``KL = sum_u a_u * r_u ** 3.5``, with ``a_u`` from the
per-layer and per-module sensitivities (times log-normal noise, sd 0.3, seeded) and
scaled so that uniform 0.2 and 0.3 match the measured super-additive KL. The random
policy lands at 2.6x uniform's KL here and 2.5x on the real env; the optimum
allocation (closed form, printed) bounds what any agent can reach.

    python bench/rl_standin.py sb3-a2c 600 '{"start_at_target": true}'
    python bench/rl_standin.py a2c 600 '{"n_steps": null, "gamma": 1.0}' --max-ratio 0.6
    python bench/rl_standin.py evolution 1000     # the search baselines run here too
    python bench/rl_standin.py psrl 2000 --compounding

``--compounding`` makes the KL compound over units, ``KL = S * (1 + (S / S_u) ** 2) / 2``
for the additive sum ``S`` and uniform's ``S_u``: the same optimum (a monotone
function of ``S``) and uniform's KL, but no longer a sum over units, as on the real
model (its uniform KL is 1.6x the sum of its parts).

Prints the first 50 episodes' mean KL / uniform and each seed's final plan's.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from agents.base import make_agent
from llm_prune_gym import EnvSettings, LLMPruneEnv, Workbench
from llm_prune_gym.calibration import KLResult
from llm_prune_gym.cli import ratio_grid
from llm_prune_gym.plan import PruningPlan
from llm_prune_gym.settings import OBSERVATION_MODES
from llm_prune_gym.workbench import PlanLike, ratios_of

SENSITIVITY = Path(__file__).resolve().parent.parent / "results/sensitivity/sensitivity.csv"
MODULES = ("q_proj", "o_proj", "gate_proj", "up_proj")
MODULE_KL = np.array([0.0361, 0.0231, 0.0467, 0.2374])  # each type alone at 0.3, all layers
SIZES = np.array([576 * 576, 576 * 576, 576 * 1536, 576 * 1536], dtype=np.float64)
POWER = 3.5  # KL grows about as r ** 3.5 between ratios 0.1 and 0.3
SUPERADDITIVE = 1.6  # uniform KL / sum of the module types' KLs (0.139 / 0.088 at 0.2)


class StandInWorkbench:
    """A formula in place of SmolLM2 (see the module docstring), with the part of
    :class:`~llm_prune_gym.workbench.Workbench`'s interface that the env and the search
    agents use. One calibration "prompt": the KL ignores which prompts are asked for.
    """

    batch_size = num_prompts = 1
    modules, criterion, granularity = MODULES, "magnitude", "weights"
    total_params = 134_515_008
    student = SimpleNamespace(name="smollm2-standin")
    settings = EnvSettings(student="smollm2-standin", modules=MODULES, batch_size=1)

    def __init__(self, target_sparsity: float, seed: int = 0, compounding: bool = False) -> None:
        layer_kl = np.array(
            [
                float(line.split(",")[5])
                for line in SENSITIVITY.open()
                if line.startswith("layer,all")
            ]
        )
        rng = np.random.default_rng(seed)
        self.a = np.outer(layer_kl / layer_kl.sum(), MODULE_KL) / 0.3**POWER * SUPERADDITIVE
        self.a *= np.exp(rng.normal(0.0, 0.3, self.a.shape))
        self.compounding = compounding
        self.sizes = np.tile(SIZES, (len(layer_kl), 1))
        self.target_sparsity = target_sparsity
        self._uniform_sum = self.additive_kl(np.full_like(self.sizes, target_sparsity))
        self._applied = np.zeros_like(self.sizes)

    def additive_kl(self, ratios: np.ndarray) -> float:
        return float((self.a * ratios**POWER).sum())

    def formula_kl(self, ratios: np.ndarray) -> float:
        """The KL the formula gives a plan (compounded over units with ``compounding``)."""
        kl = self.additive_kl(ratios)
        if self.compounding:
            kl *= (1 + (kl / self._uniform_sum) ** 2) / 2
        return kl

    # -- the workbench's interface -------------------------------------------------------

    def restore(self) -> None:
        self._applied[:] = 0

    def apply(self, plan: PlanLike) -> None:
        self._applied[:] = ratios_of(plan)

    def prune_layer(self, layer: int, ratios: np.ndarray) -> np.ndarray:
        self._applied[layer] = ratios
        return self._applied[layer] * self.sizes[layer] / self.sizes[layer]

    def kl(self, plan: PlanLike | None = None, indices: Sequence[int] | None = None) -> KLResult:
        kl = self.formula_kl(self._applied if plan is None else ratios_of(plan))
        return KLResult(kl, [kl], [1])

    def batch_kls(self, plans: Sequence[PlanLike], indices=None, *_) -> list[KLResult]:
        return [self.kl(plan) for plan in plans]

    def uniform_kl(self, sparsity: float, indices: Sequence[int] | None = None) -> float:
        """Uniform pruning's KL (not compounded: at uniform both formulas agree)."""
        return self.additive_kl(np.full_like(self.sizes, sparsity))

    unit_sensitivities = Workbench.unit_sensitivities  # the real one: plans through batch_kls

    def plan(self, ratios: np.ndarray, **metadata) -> PruningPlan:
        return PruningPlan(
            ratios=ratios,
            unit_sizes=self.sizes,
            total_params=self.total_params,
            modules=self.modules,
            criterion=self.criterion,
            metadata=metadata,
        )

    def optimum(self, cap: float) -> float:
        """KL / uniform of the best budget-matched plan with ratios up to `cap` (Lagrange)."""
        target = self.target_sparsity * self.sizes.sum()
        low, high = 1e-12, 1e12
        for _ in range(200):
            lam = np.sqrt(low * high)
            r = np.minimum(cap, (lam * self.sizes / (POWER * self.a)) ** (1 / (POWER - 1)))
            low, high = (low, lam) if (r * self.sizes).sum() > target else (lam, high)
        return self.formula_kl(r) / self.uniform_kl(self.target_sparsity)


def standin_env(
    target_sparsity: float, grid, seed: int = 0, observation: str = "paper", compounding=False
) -> LLMPruneEnv:
    """The real env (budget reward) on a :class:`StandInWorkbench`."""
    settings = StandInWorkbench.settings.replace(
        ratio_grid=tuple(grid),
        target_sparsity=target_sparsity,
        reward="budget",
        observation=observation,
    )
    workbench = StandInWorkbench(target_sparsity, seed, compounding)
    return LLMPruneEnv(settings, workbench=workbench)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("agent")
    parser.add_argument("episodes", type=int)
    parser.add_argument("agent_kwargs", nargs="?", default="{}")
    parser.add_argument("--target-sparsity", type=float, default=0.2)
    parser.add_argument("--max-ratio", type=float, default=0.6)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--observation", default="paper", choices=OBSERVATION_MODES)
    parser.add_argument("--compounding", action="store_true", help="KL compounds over units")
    args = parser.parse_args()
    torch.set_num_threads(1)
    kwargs = json.loads(args.agent_kwargs)
    finals, first = [], []
    for seed in (int(s) for s in args.seeds.split(",")):
        env = standin_env(
            args.target_sparsity,
            ratio_grid(args.max_ratio),
            seed,
            args.observation,
            args.compounding,
        )
        bench = env.workbench
        uniform = bench.uniform_kl(args.target_sparsity)
        agent = make_agent(args.agent, env, seed=seed, **kwargs)
        kls: list[float] = []
        agent.train(args.episodes, lambda record, kls=kls: kls.append(record["kl"]))
        first.append(np.mean(kls[:50]) / uniform)
        finals.append(bench.formula_kl(agent.plan().ratios) / uniform)
    print(
        f"{args.agent} {kwargs}: first 50 episodes {np.mean(first):.2f}x uniform; "
        f"final plans {[round(float(f), 3) for f in finals]}; "
        f"optimum {bench.optimum(max(ratio_grid(args.max_ratio))):.3f}"
    )


if __name__ == "__main__":
    main()
