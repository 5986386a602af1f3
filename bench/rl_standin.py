"""A cheap stand-in of LLMPrune-v0 on SmolLM2, for trying RL settings in seconds.

Not the environment: a development tool. It keeps the real env's MDP code (budget
scaling, observation, reward; it subclasses :class:`LLMPruneEnv`) and SmolLM2's 30 x 4
unit sizes, but replaces the model with a formula fitted to our measurements in
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
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from gymnasium import spaces

from agents.base import make_agent
from llm_prune_gym.calibration import KLResult
from llm_prune_gym.cli import ratio_grid
from llm_prune_gym.env import OBSERVATION_MODES, LLMPruneEnv, scaled_log
from llm_prune_gym.plan import PruningPlan

SENSITIVITY = Path(__file__).resolve().parent.parent / "results/sensitivity/sensitivity.csv"
MODULES = ("q_proj", "o_proj", "gate_proj", "up_proj")
MODULE_KL = np.array([0.0361, 0.0231, 0.0467, 0.2374])  # each type alone at 0.3, all layers
SIZES = np.array([576 * 576, 576 * 576, 576 * 1536, 576 * 1536], dtype=np.float64)
POWER = 3.5  # KL grows about as r ** 3.5 between ratios 0.1 and 0.3
SUPERADDITIVE = 1.6  # uniform KL / sum of the module types' KLs (0.139 / 0.088 at 0.2)


class StandInEnv(LLMPruneEnv):
    """LLMPrune-v0's MDP with a formula in place of the model (see the module docstring)."""

    def __init__(
        self,
        target_sparsity: float,
        grid,
        seed: int = 0,
        observation: str = "paper",
        compounding: bool = False,
    ) -> None:
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
        self.compounding = False
        self._uniform_sum = float((self.a * target_sparsity**POWER).sum())
        self.ratio_grid, self.target_sparsity = np.asarray(grid, dtype=np.float64), target_sparsity
        self.c1, self.c2, self.c3 = 0.001, 1.0, -1.0
        self.batch_size, self.sampling, self.reward_mode, self.render_mode = (
            8,
            "fixed",
            "budget",
            None,
        )
        self.sizes = np.tile(SIZES, (len(layer_kl), 1))
        self.num_layers, self.num_modules = self.sizes.shape
        self.total_params, self.modules, self.criterion = 134_515_008, list(MODULES), "magnitude"
        self.action_space = spaces.MultiDiscrete([len(grid)] * self.num_modules)
        self.observation_mode = observation
        self.observation_space = self._observation_space()
        self.pruner = self.calibration = self  # the env asks these for pruning and KL
        self.student = SimpleNamespace(name="smollm2-standin")
        self._applied = np.zeros_like(self.sizes)
        self._layer, self._ratios, self._batch, self._needs_reset = (
            0,
            self._applied.copy(),
            [],
            True,
        )
        self._uniform_kl = self.kl_result(np.full_like(self.sizes, target_sparsity))
        self.compounding = compounding
        if observation == "sensitivity":
            rises = self.unit_sensitivities(self.ratio_grid.max(), target_sparsity)
            self._sensitivity_features = scaled_log(rises)

    def kl_result(self, ratios: np.ndarray) -> KLResult:
        kl = float((self.a * ratios**POWER).sum())
        if self.compounding:
            kl *= (1 + (kl / self._uniform_sum) ** 2) / 2
        return KLResult(kl, [kl], [1])

    # the pruner's and calibration set's parts the env uses
    def restore(self) -> None:
        self._applied[:] = 0

    def apply(self, ratios) -> None:  # the search baselines score whole plans
        self._applied[:] = np.asarray(ratios)

    def __len__(self) -> int:  # one calibration "prompt"
        return 1

    def prune_layer(self, layer: int, ratios) -> None:
        self._applied[layer] = ratios
        self.pruned = self._applied * self.sizes

    def kl(self, batch) -> KLResult:
        return self.kl_result(self._applied)

    def uniform_kl(self, indices) -> float:
        return self._uniform_kl.mean

    def current_plan(self) -> PruningPlan:
        return PruningPlan(
            ratios=self._ratios.copy(),
            unit_sizes=self.sizes,
            total_params=self.total_params,
            modules=self.modules,
            criterion=self.criterion,
        )

    def optimum(self) -> float:
        """KL / uniform of the best budget-matched plan under the grid's cap (Lagrange)."""
        target, cap = self.target_sparsity * self.sizes.sum(), self.ratio_grid.max()
        low, high = 1e-12, 1e12
        for _ in range(200):
            lam = np.sqrt(low * high)
            r = np.minimum(cap, (lam * self.sizes / (POWER * self.a)) ** (1 / (POWER - 1)))
            low, high = (low, lam) if (r * self.sizes).sum() > target else (lam, high)
        return self.kl_result(r).mean / self._uniform_kl.mean


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
        env = StandInEnv(
            args.target_sparsity,
            ratio_grid(args.max_ratio),
            seed,
            args.observation,
            args.compounding,
        )
        agent = make_agent(args.agent, env, seed=seed, **kwargs)
        kls: list[float] = []
        agent.train(args.episodes, lambda record, kls=kls: kls.append(record["kl"]))
        first.append(np.mean(kls[:50]) / env._uniform_kl.mean)
        finals.append(env.kl_result(agent.plan().ratios).mean / env._uniform_kl.mean)
    print(
        f"{args.agent} {kwargs}: first 50 episodes {np.mean(first):.2f}x uniform; "
        f"final plans {[round(float(f), 3) for f in finals]}; optimum {env.optimum():.3f}"
    )


if __name__ == "__main__":
    main()
