"""Calibration sequences, the teacher's cached distributions, and the KL drift of a student.

Each calibration sequence is a chat prompt followed by the *teacher's own greedy
answer* (the unpruned student's, generated once and cached on disk), so the KL
measures drift in the hints themselves. The **scored tokens** are the answer's
tokens: for each, KL(p_teacher || p_student) of the next-token distribution that
predicts it. Prompt and padding tokens are not scored. With ``answer_tokens=0``
the prompt's own tokens (all but the first) are scored instead.

The teacher's probabilities at the scored tokens are computed once, with the
same model before any pruning, and kept on the model's device; an episode's KL
then costs one forward pass of the pruned student and one host sync (reading the
sums). On CUDA, a batch asked for a second time is captured as one CUDA graph
(forward, log-softmax and KL sums), and later requests replay it: the forward of a
small model is bound by kernel launches, which the graph removes.

With ``teacher_topk=k`` only the teacher's k likeliest tokens per scored token are
kept, plus one remainder bucket (its mass outside them); the KL is then taken over
those k+1 outcomes, the student's remainder being the logsumexp of its log-probs
outside the teacher's k tokens. That coarser KL never exceeds the full one (merging
outcomes cannot raise a KL); ``results/speed/teacher-topk`` measures how far below.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .generation import chat_token_ids, generate_answer_ids, left_pad
from .prompts import Messages
from .pruning import cuda_graphs_enabled
from .students import Student, cache_dir, decoder_layers, model_fingerprint

MAX_GRAPHS = 4  # captured batches kept per calibration set (each holds its activations)


@dataclass
class KLResult:
    """KL of a batch: the token-weighted mean, and each sequence's sum and token count."""

    mean: float
    sums: list[float]
    counts: list[int]


def batchwise_mean(result: KLResult, batch_size: int) -> float:
    """`result`'s mean KL with the sums added batch by batch, as a batch loop adds them."""
    sums, counts = 0.0, 0
    for start in range(0, len(result.sums), batch_size):
        sums += sum(result.sums[start : start + batch_size])
        counts += sum(result.counts[start : start + batch_size])
    return sums / counts


def _cached_answers(
    student: Student,
    prompts: Sequence[Messages],
    answer_tokens: int,
    batch_size: int,
    progress: bool,
) -> list[list[int]]:
    model = student.model
    parameter = next(model.parameters())
    key_text = json.dumps(
        [
            model_fingerprint(model),
            parameter.device.type,
            str(parameter.dtype),
            answer_tokens,
            prompts,
        ]
    )
    path = cache_dir() / "answers" / f"{hashlib.sha256(key_text.encode()).hexdigest()[:24]}.json"
    if path.is_file():
        return json.loads(path.read_text())
    answers = generate_answer_ids(
        model, student.tokenizer, prompts, answer_tokens, batch_size, progress=progress
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # parallel envs may fill the cache at once
    tmp.write_text(json.dumps(answers))
    tmp.replace(path)
    return answers


class CalibrationSet:
    """Tokenized calibration sequences of one student with the teacher's cached distributions.

    Args:
        student: the unpruned student; its current weights are the teacher.
        prompts: chat prompts (lists of messages).
        answer_tokens: length cap of the teacher's greedy answers (0: score the prompts).
        batch_size: prompts per forward pass while computing the teacher.
        progress: show progress bars while generating answers.
        teacher_topk: keep the teacher's top k log-probs plus a remainder per scored
            token (None: the full distribution).
    """

    def __init__(
        self,
        student: Student,
        prompts: Sequence[Messages],
        answer_tokens: int = 32,
        batch_size: int = 8,
        progress: bool = False,
        teacher_topk: int | None = None,
    ) -> None:
        if not prompts:
            raise ValueError("the calibration prompt set is empty")
        self.model = student.model
        self.pad_id = student.tokenizer.pad_token_id
        self.device = next(self.model.parameters()).device
        prompt_ids = [chat_token_ids(student.tokenizer, p) for p in prompts]
        context = getattr(self.model.config, "max_position_embeddings", None)
        for index, ids in enumerate(prompt_ids):
            if context is not None and len(ids) + answer_tokens > context:
                raise ValueError(
                    f"prompt {index} has {len(ids)} tokens; with {answer_tokens} answer tokens "
                    f"it exceeds the model's context of {context}"
                )
        if answer_tokens > 0:
            answers = _cached_answers(student, prompts, answer_tokens, batch_size, progress)
            self.scored = [len(a) for a in answers]
        else:
            answers = [[] for _ in prompts]
            self.scored = [len(p) - 1 for p in prompt_ids]
        self.sequences = [p + a for p, a in zip(prompt_ids, answers, strict=True)]
        if min(self.scored) < 1:
            raise ValueError("every calibration sequence needs at least one scored token")
        self.cuda_graphs = cuda_graphs_enabled()
        self._sdpa = getattr(self.model.config, "_attn_implementation", None) == "sdpa"
        self._graphs: OrderedDict[tuple[int, ...], _GraphedKL] = OrderedDict()
        self._requested: set[tuple[int, ...]] = set()
        self._graph_failed = False
        self.teacher_topk = teacher_topk
        self.teacher_probs: list[torch.Tensor] = []  # [n_i, V], or [n_i, k + 1] with top-k
        self.teacher_top_index: list[torch.Tensor] = []  # [n_i, k] with top-k only
        self.teacher_neg_entropy: list[torch.Tensor] = []
        for start in range(0, len(prompts), batch_size):
            indices = list(range(start, min(start + batch_size, len(prompts))))
            for logprobs in self.logprobs(indices):
                if teacher_topk is not None:
                    logprobs = self._keep_top(logprobs, teacher_topk)
                probs = logprobs.exp()
                self.teacher_probs.append(probs)
                self.teacher_neg_entropy.append((probs * logprobs).sum(dim=-1))

    def _keep_top(self, logprobs: torch.Tensor, k: int) -> torch.Tensor:
        """The teacher's top-`k` log-probs and its remainder's ([n, k + 1]); keeps the indices."""
        if not 1 <= k < logprobs.shape[-1]:
            raise ValueError(
                f"teacher_topk must lie in [1, {logprobs.shape[-1] - 1}] (below the "
                f"vocabulary of {logprobs.shape[-1]}), got {k}"
            )
        top, index = logprobs.topk(k, dim=-1)
        self.teacher_top_index.append(index)
        return torch.cat([top, _remainder(logprobs, index)], dim=-1)

    def __len__(self) -> int:
        return len(self.sequences)

    @property
    def teacher_bytes(self) -> int:
        """Bytes the cached teacher holds (probabilities, top-k indices, neg-entropies)."""
        cached = self.teacher_probs + self.teacher_top_index + self.teacher_neg_entropy
        return sum(tensor.nbytes for tensor in cached)

    @property
    def graph_count(self) -> int:
        """Batches whose KL is captured as a CUDA graph now."""
        return len(self._graphs)

    def inputs(self, indices: Sequence[int]) -> dict[str, torch.Tensor]:
        """Left-padded model inputs for the sequences at `indices`."""
        return left_pad([self.sequences[i] for i in indices], self.pad_id, self.device)

    @torch.no_grad()
    def logprobs(self, indices: Sequence[int]) -> list[torch.Tensor]:
        """Current model's next-token log-probs at each sequence's scored tokens ([n_i, V])."""
        return self._logprobs(indices, self.model_inputs(indices))

    def model_inputs(self, indices: Sequence[int]) -> dict[str, torch.Tensor]:
        """``inputs(indices)`` as every KL forward feeds them to the model.

        Where no sequence is padded, the mask is given as an explicit 4-D causal mask:
        the model would otherwise use SDPA's ``is_causal`` when eager but build a mask
        while a CUDA graph is captured, and the two kernels differ in the last bits.
        With the mask explicit, eager and graphed KLs are bit-identical.
        """
        inputs = self.inputs(indices)
        widths = {len(self.sequences[i]) for i in indices}
        if len(widths) == 1 and self._sdpa:
            width = widths.pop()
            causal = torch.ones(width, width, dtype=torch.bool, device=self.device).tril()
            inputs["attention_mask"] = causal.expand(len(indices), 1, width, width).contiguous()
        return inputs

    def _logprobs(self, indices: Sequence[int], inputs: dict) -> list[torch.Tensor]:
        keep = max(self.scored[i] for i in indices) + 1
        logits = self.model(**inputs, logits_to_keep=keep, use_cache=False).logits
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        return [
            logprobs[row, keep - 1 - self.scored[i] : keep - 1] for row, i in enumerate(indices)
        ]

    def kl_sums(self, indices: Sequence[int], inputs: dict) -> torch.Tensor:
        """Each sequence's summed KL over its scored tokens, on the device (no host sync)."""
        sums = []
        for i, logprobs in zip(indices, self._logprobs(indices, inputs), strict=True):
            if self.teacher_topk is not None:
                index = self.teacher_top_index[i]
                logprobs = torch.cat([logprobs.gather(-1, index), _remainder(logprobs, index)], -1)
            cross = (self.teacher_probs[i] * logprobs).sum(dim=-1)
            sums.append((self.teacher_neg_entropy[i] - cross).sum())
        return torch.stack(sums).clamp(min=0.0)

    @torch.no_grad()
    def kl(self, indices: Sequence[int]) -> KLResult:
        """KL(teacher || current model) per scored token, averaged over the batch's tokens."""
        indices = [int(i) for i in indices]
        graphed = self._graphed(tuple(indices))
        if graphed is not None:
            sums = graphed.replay()
        else:
            sums = self.kl_sums(indices, self.model_inputs(indices))
        totals = sums.tolist()  # the one host sync of an episode
        counts = [self.scored[i] for i in indices]
        return KLResult(sum(totals) / sum(counts), totals, counts)

    def _graphed(self, key: tuple[int, ...]) -> _GraphedKL | None:
        """The batch's CUDA graph, captured on its second request; None where not used."""
        if not self.cuda_graphs or self._graph_failed or self.device.type != "cuda":
            return None
        if not self._sdpa:  # the masks are explicit (and exact) for SDPA models only
            return None
        if key in self._graphs:
            self._graphs.move_to_end(key)
            return self._graphs[key]
        if key not in self._requested:  # a batch seen once may never come back (sampling)
            if len(self._requested) > 100_000:
                self._requested.clear()
            self._requested.add(key)
            return None
        try:
            graphed = _GraphedKL(self, list(key))
        except Exception as error:  # a graph is an optimisation: fall back to eager
            warnings.warn(f"measuring KL without CUDA graphs: {error}", stacklevel=3)
            self._graph_failed = True
            return None
        self._graphs[key] = graphed
        if len(self._graphs) > MAX_GRAPHS:
            self._graphs.popitem(last=False)
        return graphed


def _remainder(logprobs: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """[n, 1]: log of the mass outside `index` (logsumexp of the other log-probs).

    Clamped to float32's lowest finite value, so an empty remainder weighs 0, not NaN.
    """
    outside = logprobs.scatter(-1, index, float("-inf")).logsumexp(dim=-1, keepdim=True)
    return outside.clamp(min=torch.finfo(torch.float32).min)


def layer_attention_mask(model: nn.Module, inputs: dict) -> torch.Tensor | None:
    """The attention mask the model builds for `inputs`, as its first decoder layer sees it.

    Passing it back in (a 4-D mask is used as given) keeps the model's mask logic, which
    inspects the mask's values on the host, out of the captured graph, and keeps the
    graph's numerics identical to the eager forward's.
    """
    seen: list = []

    def hook(_module: nn.Module, _args: tuple, kwargs: dict) -> None:
        seen.append(kwargs.get("attention_mask"))

    handle = decoder_layers(model)[0].register_forward_pre_hook(hook, with_kwargs=True)
    try:
        model(**inputs, logits_to_keep=1, use_cache=False)
    finally:
        handle.remove()
    mask = seen[0] if seen else None
    return mask if isinstance(mask, torch.Tensor) and mask.dim() == 4 else None


class _GraphedKL:
    """One fixed batch's KL sums as a captured CUDA graph over static inputs.

    The graph reads the model's weights in place, so pruning them (in place) between
    replays changes what it measures, exactly as in the eager forward.
    """

    def __init__(self, calibration: CalibrationSet, indices: list[int]) -> None:
        model = calibration.model
        with torch.cuda.device(calibration.device):
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream):  # warm-up off the capture, as CUDA graphs need
                inputs = calibration.model_inputs(indices)
                mask = layer_attention_mask(model, inputs)
                if mask is not None:
                    inputs["attention_mask"] = mask
                calibration.kl_sums(indices, inputs)
            torch.cuda.current_stream().wait_stream(stream)
            self.graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self.graph):
                self.sums = calibration.kl_sums(indices, inputs)
        self.inputs = inputs  # the graph reads these addresses: keep them alive

    def replay(self) -> torch.Tensor:
        self.graph.replay()
        return self.sums
