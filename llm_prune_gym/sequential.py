"""K plans scored one after another through the one-plan path, in one CUDA graph.

The candidate for bit-exact batched scoring on CUDA (issue 19; ``bench/cuda_exact.py``
compares it with the batched paths of :mod:`llm_prune_gym.batched`). For each plan in
turn it writes the pruned units in place from a device tensor of counts (the
:class:`~llm_prune_gym.pruning.Pruner`'s own ``where(rank < count, 0, original)``) and
runs the very forward and KL sums that one-at-a-time scoring runs, with the same
shapes, so every kernel is the one-plan path's and every KL its bits. On CUDA the
whole sequence (K plans' writes, forwards and KL sums) is captured once per number of
plans and batch, and a call is one copy of the counts, one replay and one host sync:
what it saves is the launches and syncs, not FLOPs. Elsewhere it runs eagerly.

Afterwards every unit is written back to what the pruner holds, so an episode in
progress goes on as it was.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .calibration import CalibrationSet, KLResult, layer_attention_mask
from .pruning import Pruner


class SequentialPlans:
    """Score up to `plans` plans on calibration sequences `indices`, one plan at a time.

    Args:
        calibration: the teacher and the sequences.
        pruner: the units and their rankings (its model is the calibration's).
        indices: the calibration sequences scored (one forward's batch).
        plans: plans per call (fewer are padded with unpruned plans; a graph has a shape).
        cuda_graphs: capture the sequence on CUDA (False: eager everywhere).
    """

    def __init__(
        self,
        calibration: CalibrationSet,
        pruner: Pruner,
        indices: Sequence[int],
        plans: int,
        cuda_graphs: bool = True,
    ) -> None:
        self.calibration, self.pruner = calibration, pruner
        self.indices = [int(i) for i in indices]
        self.plans = plans
        device = pruner.originals[0].device
        self.counts = torch.zeros(plans, len(pruner.units), dtype=torch.int32, device=device)
        self.inputs = calibration.model_inputs(self.indices)
        self._graph: torch.cuda.CUDAGraph | None = None
        self._sums: torch.Tensor | None = None
        if cuda_graphs and device.type == "cuda":
            self._capture()

    def _run(self, plans: int) -> torch.Tensor:
        """The first `plans` plans' writes, forwards and KL sums: ``[plans, len(indices)]``."""
        sums = []
        for row in self.counts[:plans].unbind():
            for index, count in enumerate(row.unbind()):
                self.pruner._write(index, count)
            sums.append(self.calibration.kl_sums(self.indices, self.inputs))
        return torch.stack(sums)

    @torch.no_grad()
    def _capture(self) -> None:
        model = self.calibration.model
        with torch.cuda.device(self.counts.device):
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream):  # warm-up off the capture, as CUDA graphs need
                mask = layer_attention_mask(model, self.inputs)
                if mask is not None:  # the model's own mask, computed outside the graph
                    self.inputs["attention_mask"] = mask
                self._run(self.plans)
            torch.cuda.current_stream().wait_stream(stream)
            self._graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self._graph):
                self._sums = self._run(self.plans)
        self._restore()

    @torch.no_grad()
    def kl_sums(self, counts: torch.Tensor) -> torch.Tensor:
        """``[len(counts), len(indices)]`` summed KLs of plans given as ``[n, units]`` counts."""
        count = len(counts)
        if not 1 <= count <= self.plans:
            raise ValueError(f"expected 1 to {self.plans} plans, got {count}")
        self.counts.zero_()
        self.counts[:count] = counts.to(self.counts.device, torch.int32)
        try:
            if self._graph is not None:
                self._graph.replay()
                sums = self._sums
            else:
                sums = self._run(count)
            return sums[:count].clone()
        finally:
            self._restore()

    def kls(self, counts: torch.Tensor) -> list[KLResult]:
        """Each plan's :class:`KLResult` on the batch, as :meth:`Workbench.kl` reports it."""
        scored = [self.calibration.scored[i] for i in self.indices]
        sums = self.kl_sums(counts).tolist()  # one host sync
        return [KLResult(sum(row) / sum(scored), row, list(scored)) for row in sums]

    def _restore(self) -> None:
        """Every unit back to what the pruner holds (its in-progress episode)."""
        for index, count in enumerate(self.pruner._written):
            self.pruner._write(index, count)
