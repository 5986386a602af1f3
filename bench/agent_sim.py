"""Compare budget-matched agents on a cheap simulator of LLMPrune-v0: a development tool.

Not a result: the simulator replaces the model's KL by a formula. Three settings:

- ``standin``: ``bench/rl_standin.py``'s SmolLM2 stand-in (per-unit costs ``a_u r^3.5``
  fitted to the measured sensitivities), with ``--compounding`` its super-additive KL,
  ``--interaction F`` a per-layer term no agent models (``F`` times uniform's additive
  KL at uniform, growing with the square of each layer's pruned share: a layer's units
  compound) and ``--noise`` a plan-seeded log-normal roughness of the KL; a harsher
  landscape with ``--power`` (the unit costs' exponent), ``--spread`` (how far the units'
  costs differ), ``--rugged`` (random unit-pair couplings no agent models) and
  ``--mismatch`` (the calibration batch's unit costs off the held-out truth's);
- ``data:PATH``: a KL oracle fitted to real plan -> KL data (``bench/surrogate_fit.py``
  writes it as ``.npz``: ``KL = KL_0 * (b + sum_u c_u(x_u) + sum_l q_l(layer load)) ** beta``,
  a model with a per-layer interaction term the agents do not have), times log-normal
  noise (``--noise``, seeded by the plan) so repeated plans agree. Far from the
  fitted plans its polynomials extrapolate, and a model-based agent finds and
  exploits that (on stand-in data: 0.04x uniform): read it only near the data;
- ``stub``: the real env on the stub student (4 layers, random weights), judged on
  its calibration batch (``--criterion wanda`` for the Wanda rows).

For every agent, seed and budget the final plan's KL / uniform's on the calibration
batch (the simulator's formula), or with ``--heldout`` the stand-in's held-out truth (no
plan noise, no cost mismatch)::

    python bench/agent_sim.py --agents surrogate,evolution,psrl --budgets 100,500,2000
    python bench/agent_sim.py --agents evolution,surrogate-evo --compounding --interaction 1 \
        --noise 0.02 --target 0.3
    python bench/agent_sim.py --agents evolution,surrogate-evo --compounding --interaction 1 \
        --noise 0.05 --spread 2 --rugged 8
    python bench/agent_sim.py --sim data:sim.npz --agents surrogate,evolution
    python bench/agent_sim.py --agents evolution,surrogate-evo --compounding --interaction 1 \
        --noise 0.02 --mismatch 0.1 --heldout --incumbents observed,model:20,blend:20

``--incumbents`` reports several of surrogate-evo's plans from one search (the best
observed, the model's pick, ...: ``SurrogateEvolutionAgent.plan_by``), so they compare
plan for plan.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rl_standin import POWER, StandInWorkbench  # noqa: E402

from agents.base import make_agent  # noqa: E402
from llm_prune_gym import LLMPruneEnv  # noqa: E402
from llm_prune_gym.cli import ratio_grid  # noqa: E402

STUB_PROMPTS = [  # tests/test_agents.py's
    "NameError: name 'total' is not defined",
    "IndexError: list index out of range",
    "TypeError: can only concatenate str (not 'int') to str",
    "ZeroDivisionError: division by zero",
]


class SimulatorWorkbench(StandInWorkbench):
    """The stand-in's workbench, optionally with a data oracle in place of its formula,
    a per-layer interaction term, plan-seeded noise, and a harsher landscape (``power``,
    ``spread``, ``mismatch``: see :func:`simulator_env`)."""

    def __init__(
        self,
        target: float,
        seed: int,
        compounding: bool,
        oracle=None,
        noise=0.0,
        interaction=0.0,
        power=POWER,
        spread=1.0,
        mismatch=0.0,
        rugged=0.0,
    ):
        self.oracle, self.noise, self.interaction = oracle, noise, interaction
        self.power, self.rugged = power, rugged
        super().__init__(target, seed, compounding)
        uniform = np.full_like(self.sizes, target)
        # compress (spread < 1) the units' cost differences, keeping uniform's additive KL
        log_costs = np.log(self.a * target**POWER)
        log_costs = log_costs.mean() + spread * (log_costs - log_costs.mean())
        self.a = np.exp(log_costs) * (self.a * target**POWER).sum() / np.exp(log_costs).sum()
        self.a /= target**power
        # the calibration batch's own unit costs: the held-out truth's, each off by a seeded
        # log-normal factor (sd `mismatch`), so a plan tuned to the batch overfits it
        self.true_a = self.a.copy()
        self.a = self.a * np.exp(
            mismatch * np.random.default_rng(seed + 2).standard_normal(self.a.shape)
        )
        # each layer's weight in the interaction term (seeded, as the stand-in's costs are)
        self.layer_weights = np.random.default_rng(seed + 1).lognormal(0.0, 1.0, len(self.sizes))
        self.layer_weights /= self.layer_weights.sum()
        # random directions in which leaving uniform costs (seeded): the rugged term
        units = self.a.size
        self.couplings = np.random.default_rng(seed + 3).standard_normal((units, units)) / units
        self._uniform_additive = self.additive_kl(uniform)
        self._uniform_sum = self._uniform_additive + self.interaction_kl(uniform)

    def additive_kl(self, ratios: np.ndarray, costs: np.ndarray | None = None) -> float:
        return float(((self.a if costs is None else costs) * ratios**self.power).sum())

    def interaction_kl(self, ratios: np.ndarray) -> float:
        """``interaction * S_u * sum_l v_l (load_l / target) ** 2``: units of a layer
        compound (``load_l``: the layer's pruned share), a term no agent models."""
        if not self.interaction:
            return 0.0
        loads = (ratios * self.sizes).sum(axis=1) / self.sizes.sum(axis=1)
        pairs = float((self.layer_weights * (loads / self.target_sparsity) ** 2).sum())
        return self.interaction * self._uniform_additive * pairs

    def rugged_kl(self, ratios: np.ndarray) -> float:
        """``rugged * S_u * |M z|^2``, ``z`` the units' relative departures from uniform and
        ``M`` random (sd ``1 / units``): 0 at uniform, growing as the plan leaves it, with
        couplings of every two units that a per-unit and per-layer model cannot see."""
        if not self.rugged:
            return 0.0
        departures = (ratios.reshape(-1) - self.target_sparsity) / self.target_sparsity
        return (
            self.rugged * self._uniform_additive * float(np.sum((self.couplings @ departures) ** 2))
        )

    def formula_kl(self, ratios: np.ndarray, truth: bool = False) -> float:
        """The calibration batch's KL of a plan, or with `truth` the held-out KL (the
        held-out unit costs, no plan noise)."""
        ratios = np.asarray(ratios, dtype=np.float64)
        if self.oracle is None:
            costs = self.true_a if truth else self.a
            kl = self.additive_kl(ratios, costs) + self.interaction_kl(ratios)
            kl += self.rugged_kl(ratios)
            if self.compounding:
                kl *= (1 + (kl / self._uniform_sum) ** 2) / 2
        else:
            kl = self.oracle(ratios, self.target_sparsity)
        if self.noise and not truth:  # a plan's noise is the same every time, as a fixed
            key = np.frombuffer(np.round(ratios, 6).tobytes(), dtype=np.uint32)  # batch's is
            kl *= float(np.exp(self.noise * np.random.default_rng(key).standard_normal()))
        return kl

    def uniform_kl(self, sparsity: float, indices=None) -> float:
        """Uniform pruning's KL: the stand-in's, or the oracle's or interaction's with one."""
        if self.oracle is None and not (self.interaction or self.rugged) and self.power == POWER:
            return super().uniform_kl(sparsity, indices)
        return self.formula_kl(np.full_like(self.sizes, sparsity))


def simulator_env(
    target: float,
    grid,
    seed: int,
    compounding: bool,
    oracle,
    noise,
    interaction=0.0,
    power=POWER,
    spread=1.0,
    mismatch=0.0,
    rugged=0.0,
) -> LLMPruneEnv:
    """The real env (budget reward) on a :class:`SimulatorWorkbench`: ``power`` the unit
    costs' exponent (flatter below the stand-in's 3.5), ``spread`` how far the units' costs
    differ (1: the stand-in's; 0: all alike), ``mismatch`` the calibration batch's error
    in each unit's cost against the held-out truth (log-normal sd), ``rugged`` the random
    unit-pair couplings' scale (:meth:`SimulatorWorkbench.rugged_kl`)."""
    settings = StandInWorkbench.settings.replace(
        ratio_grid=tuple(grid), target_sparsity=target, reward="budget"
    )
    workbench = SimulatorWorkbench(
        target, seed, compounding, oracle, noise, interaction, power, spread, mismatch, rugged
    )
    return LLMPruneEnv(settings, workbench=workbench)


def data_oracle(path: str):
    """``(ratios, target) -> KL``: the oracle `bench/surrogate_fit.py` fitted, per target."""
    saved = np.load(path)
    targets = saved["targets"]

    def oracle(ratios: np.ndarray, target: float) -> float:
        row = int(np.argmin(np.abs(targets - target)))
        x = ratios / saved["cap"]
        powers = x[..., None] ** np.arange(1, saved["unit"].shape[-1] + 1)
        total = saved["intercept"][row] + float((saved["unit"][row] * powers).sum())
        load = (x * saved["shares"]).sum(axis=1) / saved["shares"].sum(axis=1)
        layer_powers = load[:, None] ** np.arange(1, saved["layer"].shape[-1] + 1)
        total += float((saved["layer"][row] * layer_powers).sum())
        return float(saved["reference"][row] * max(total, 1e-9) ** saved["beta"][row])

    return oracle


def stub_env(target: float, max_ratio: float, criterion: str = "magnitude") -> LLMPruneEnv:
    """The stub student with the tests' short prompts: a real model, seconds per 100 plans."""
    return LLMPruneEnv(
        student="stub",
        criterion=criterion,
        prompts=STUB_PROMPTS,
        batch_size=4,
        answer_tokens=8,
        target_sparsity=target,
        reward="budget",
        ratio_grid=ratio_grid(max_ratio),
    )


def kl_of(env: LLMPruneEnv, ratios: np.ndarray, heldout: bool = False) -> float:
    """A plan's KL on the env's calibration batch (the simulator's: its formula or oracle),
    or with `heldout` the simulator's held-out truth (no plan noise or cost mismatch)."""
    if heldout:
        return env.workbench.formula_kl(np.asarray(ratios, dtype=np.float64), truth=True)
    return float(env.workbench.kl(ratios, range(env.batch_size)).mean)


def run(args: argparse.Namespace) -> list[dict]:
    budgets = [int(b) for b in args.budgets.split(",")]
    oracle = None
    if args.sim.startswith("data:"):
        oracle = data_oracle(args.sim.removeprefix("data:"))
    kwargs = json.loads(args.agent_kwargs)
    rows = []
    for name in args.agents.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            if args.sim == "stub":
                env = stub_env(args.target, args.max_ratio, args.criterion)
            else:
                grid = ratio_grid(args.max_ratio)
                env = simulator_env(
                    args.target, grid, seed, args.compounding, oracle, args.noise,
                    args.interaction, args.power, args.spread, args.mismatch, args.rugged,
                )  # fmt: skip
            heldout = args.heldout and args.sim != "stub"
            uniform = kl_of(env, np.full_like(env.sizes, args.target), heldout)
            agent = make_agent(name, env, seed=seed, **kwargs.get(name, {}))
            started = time.perf_counter()
            for budget in budgets:
                agent.train(budget)
                seconds = time.perf_counter() - started
                for label, plan in reported_plans(agent, name, args.incumbents):
                    kl = kl_of(env, plan.ratios, heldout)
                    rows.append(
                        {
                            "agent": label,
                            "seed": seed,
                            "budget": budget,
                            "kl_over_uniform": kl / uniform,
                            "agent_seconds": seconds,
                        }
                    )
    return rows


def reported_plans(agent, name: str, incumbents: str):
    """``(label, plan)``: the agent's plan, and for an agent with ``plan_by`` (surrogate-evo)
    each of `incumbents` (``observed,model:20,blend:0``: the kind and its pool, default
    20) from the same search, labelled ``name[kind:pool]``."""
    if not incumbents or not hasattr(agent, "plan_by"):
        return [(name, agent.plan())]
    plans = []
    for spec in incumbents.split(","):
        kind, _, pool = spec.partition(":")
        plans.append((f"{name}[{spec}]", agent.plan_by(kind, int(pool or 20))))
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sim", default="standin", help="standin, stub or data:PATH.npz")
    parser.add_argument("--agents", default="surrogate,evolution,psrl")
    parser.add_argument("--agent-kwargs", default="{}", help='{"agent": {...}}')
    parser.add_argument("--budgets", default="100,500,2000")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--target", type=float, default=0.2)
    parser.add_argument("--max-ratio", type=float, default=0.6)
    parser.add_argument("--criterion", default="magnitude", help="pruning criterion (stub)")
    parser.add_argument("--compounding", action="store_true")
    parser.add_argument("--noise", type=float, default=0.0, help="log-normal sd of a plan's KL")
    parser.add_argument(
        "--interaction",
        type=float,
        default=0.0,
        help="per-layer interaction term's share of uniform's KL (stand-in)",
    )
    parser.add_argument("--power", type=float, default=POWER, help="unit costs' exponent")
    parser.add_argument(
        "--spread", type=float, default=1.0, help="units' cost differences (1: stand-in's)"
    )
    parser.add_argument(
        "--mismatch",
        type=float,
        default=0.0,
        help="log-normal sd of the calibration batch's unit costs around the held-out truth",
    )
    parser.add_argument(
        "--rugged", type=float, default=0.0, help="random unit-pair couplings' scale"
    )
    parser.add_argument(
        "--heldout",
        action="store_true",
        help="report the held-out truth's KL (no plan noise, no mismatch), as the board does",
    )
    parser.add_argument(
        "--incumbents",
        default="",
        help="surrogate-evo: report these plans of one search, e.g. observed,model:20,blend:0 "
        "(agents/surrogate_evolution.py's incumbent and pool; 0: every scored plan)",
    )
    parser.add_argument("--csv", help="also write every (agent, seed, budget) row here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = run(args)
    if args.csv:
        with open(args.csv, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    print(f"{'agent':<26} budget  {'KL/uniform per seed':<26} mean   agent s")
    for name in dict.fromkeys(r["agent"] for r in rows):
        for budget in (int(b) for b in args.budgets.split(",")):
            mine = [r for r in rows if r["agent"] == name and r["budget"] == budget]
            values = [r["kl_over_uniform"] for r in mine]
            print(
                f"{name:<26} {budget:>6}  {', '.join(f'{v:.3f}' for v in values):<26} "
                f"{np.mean(values):.3f}  {np.mean([r['agent_seconds'] for r in mine]):6.1f}"
            )


if __name__ == "__main__":
    main()
