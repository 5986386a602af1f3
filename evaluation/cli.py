"""The ``llm-prune`` command line: every command of every package, in one program.

It lives here because :mod:`evaluation` is the one package that may import all the
others (``llm_prune_gym <- agents, finetune <- evaluation``). Each command is named by
its import path and imported only when it runs (or shows its ``--help``), so the help
never imports torch. :mod:`cyclopts` builds each command's options from its signature
and the settings dataclasses in it. Every command prints exactly one JSON line on
stdout; tables, Markdown and logs go to files and stderr. Bad input is one line on
stderr and exit status 2.

``python -m evaluation.cli ...`` runs the same program without the installed script
(e.g. on a machine that has the code on ``PYTHONPATH`` only).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from cyclopts import App, CycloptsError, Parameter

PROG = "llm-prune"

# name -> (import path of the command function, one-line help). Order = the help's order.
COMMANDS: dict[str, tuple[str, str]] = {
    "rollout": ("llm_prune_gym.cli:rollout", "run one episode and print its KL and sparsity"),
    "train": (
        "evaluation.agent_commands:train",
        "train an agent; its plan's held-out KL vs uniform's",
    ),
    "bench-agents": (
        "evaluation.agent_commands:bench_agents",
        "train several agents on several seeds; compare their plans on held-out prompts",
    ),
    "leaderboard": (
        "evaluation.agent_commands:leaderboard",
        "run the fixed leaderboard protocol (every agent, targets, seeds) into one table",
    ),
    "sensitivity": (
        "evaluation.pruning_cli:sensitivity",
        "KL of pruning each module type / each layer alone (Figure 2)",
    ),
    "compare": (
        "evaluation.pruning_cli:compare",
        "a plan vs uniform and sensitivity plans at equal sparsity, held-out KL (Figure 6)",
    ),
    "scaled": (
        "evaluation.pruning_cli:scaled",
        "a plan scaled to several whole-model sparsities vs uniform, on any student",
    ),
    "criteria": (
        "evaluation.pruning_cli:criteria",
        "uniform pruning with two criteria (Wanda vs magnitude) on held-out prompts",
    ),
    "export": (
        "evaluation.pruning_cli:export",
        "write the pruned model (Hugging Face folder or GGUF) + report + model card",
    ),
    "bench-model": (
        "evaluation.bench_model:bench_model",
        "file size, peak RAM, CPU tokens/s and held-out KL of exports, in one table",
    ),
    "eval-hints": (
        "evaluation.hints_cli:eval_hints",
        "grade one student's hints on a test set (offline rules, optional LLM judge)",
    ),
    "check-grader": (
        "evaluation.hints_cli:check_grader",
        "the offline grader against hand-labelled hints: agreement, kappa, rates",
    ),
    "experiment": (
        "evaluation.hints_cli:experiment",
        "base vs DPO student under increasing pruning: hint quality and KL (Figure 7)",
    ),
    "grade": (
        "evaluation.hints_cli:grade",
        "grade hints any system wrote ({id, hint} lines) against a test set",
    ),
    "hint": (
        "evaluation.hint_command:hint",
        "run a program in the sandbox and print its error and one hint",
    ),
    "finetune": (
        "finetune.train_cli:finetune",
        "SFT/DPO/SFT+DPO/ORPO/online DPO-KD fine-tuning of the student with LoRA",
    ),
    "finetune-merge": (
        "finetune.train_cli:finetune_merge",
        "merge saved LoRA adapters (OUT/adapters/round-*) into a student",
    ),
}
DATA_COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("finetune.cli:build", "write train.jsonl / test.jsonl / stats.md (resumable)"),
    "calibration": ("finetune.cli:calibration", "rebuild llm_prune_gym/data/calibration.jsonl"),
    "add-handwritten": (
        "finetune.cli:add_handwritten",
        "pairs from hand-written programs and tutor hints, after a build's pairs",
    ),
    "augment": ("finetune.cli:augment", "renamed copies of labelled programs, sandbox-checked"),
    "distill": ("finetune.cli:distill", "chosen hints rewritten as the rule-based pipeline's"),
}


def _version() -> str:
    from llm_prune_gym import __version__

    return f"{PROG} {__version__}"


def build_app() -> App:
    """The ``llm-prune`` program; no command module is imported until one runs."""
    app = App(
        name=PROG,
        help="LLM pruning as a Gymnasium environment: agents, evaluation and fine-tuning.",
        version=_version,
        default_parameter=Parameter(negative_iterable=()),
        result_action="return_value",
        help_format="plaintext",
    )
    for name, (path, help_text) in COMMANDS.items():
        app.command(path, name=name, help=help_text)
    data = App(
        name="data",
        help="build fine-tuning data and calibration prompts from buggy programs",
        default_parameter=Parameter(negative_iterable=()),
        result_action="return_value",
        help_format="plaintext",
    )
    for name, (path, help_text) in DATA_COMMANDS.items():
        data.command(path, name=name, help=help_text)
    app.command(data)
    return app


def _command_name(argv: Sequence[str]) -> str:
    words = [a for a in argv[:2] if not a.startswith("-")]
    if words[:1] == ["data"]:
        return " ".join(words)
    return words[0] if words else ""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``llm-prune`` on `argv`; exit status 2 and one line on stderr for bad input.

    Options the command line refuses (a bad value, an unknown name, settings that do not
    go together) raise ``SystemExit(2)`` before the command starts; bad input found while
    it runs (a missing file, a bad plan) returns 2.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = f"{PROG} {_command_name(argv)}".rstrip()
    try:
        command, bound, _ = build_app().parse_args(argv, exit_on_error=False, print_error=False)
    except (CycloptsError, ValueError) as error:  # an option the command line refuses
        print(f"{prog}: error: {_one_line(error)}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        result = command(*bound.args, **bound.kwargs)
    except (ValueError, OSError, ImportError) as error:  # bad input, a bad path, an extra
        from llm_prune_gym.extras import MissingExtra  # not before: --help stays light

        if isinstance(error, ImportError) and not isinstance(error, MissingExtra):
            raise
        print(f"{prog}: error: {_one_line(error)}", file=sys.stderr)
        return 2
    return result if isinstance(result, int) else 0


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


if __name__ == "__main__":
    sys.exit(main())
