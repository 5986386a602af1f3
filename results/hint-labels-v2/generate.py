"""Hints of several students (issue 15, second labelled set; the first set's script on
the Workbench API) (and pruned copies) for the labelled-set cases.

    python results/hint-labels/generate.py --cases A.jsonl [B.jsonl ...] \
        --student base=smollm2 [--student dpo=runs/dpo ...] \
        [--plan PLAN.json --level 10.3] [--style plain] [--candidates 4 --seed 0] \
        [--diagnosis] --out hints.jsonl

Cases carry their `error_output` (no sandbox is needed here). Each student writes one
greedy hint per case; with `--plan`, each student is also pruned by the plan scaled to
`--level` percent of all parameters (`NAME-pruned-LEVEL`). With `--candidates N` (N > 1)
each hint is instead the best of N (the greedy one and N - 1 samples seeded with `--seed`,
scored by `evaluation.rerank` from the program, its error and the hint facts, never the
labels), the student is named `NAME-bestN` (`NAME-bestN-pruned-LEVEL`), and each row also
keeps every candidate with its score and reasons. Where every candidate looks wrong the
hint is made of the hint facts alone (`"chosen": null`); `--no-fallback` keeps the best
candidate anyway (`NAME-bestN-nofallback`). With `--diagnosis` each hint is the pipeline
of `llm-prune hint`: where the program and its traceback settle the cause
(`llm_prune_gym.diagnosis`) that cause is the hint and the student writes none, else the
student's best of N, checked (the facts alone where it looks wrong); the student is named
`NAME-diag` (`NAME-bestN-diag`, ...) and each row says who wrote its hint (`"source"`:
diagnosis, student or facts) and the rule that fired (`"rule"`). Off by default. Appends
to `--out`, skipping (student, case) pairs already there, so a cut-off run resumes.
"""

import argparse
import inspect
import json
from pathlib import Path

import torch

from evaluation.experiment import ExperimentConfig, heldout_workbench, level_plan
from evaluation.hints import Choice, HintCase, best_of_n, generate_hints
from evaluation.labelset import hint_key, read_jsonl
from llm_prune_gym import PruningPlan, prompts
from llm_prune_gym.generation import HINT_MAX_NEW_TOKENS
from llm_prune_gym.students import load_student


def messages(case: dict, style: str):
    if "style" in inspect.signature(prompts.hint_messages).parameters:
        return prompts.hint_messages(case["code"], case["error_output"], style=style)
    if style != "plain":
        raise SystemExit("this checkout has only the plain prompt")
    return prompts.hint_messages(case["code"], case["error_output"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", nargs="+", required=True)
    parser.add_argument("--student", action="append", required=True, help="NAME=SPEC")
    parser.add_argument("--plan")
    parser.add_argument("--level", type=float, default=10.3)
    parser.add_argument("--style", default="plain")
    parser.add_argument("--origin", default=None, help="only cases of this origin")
    parser.add_argument("--max-new-tokens", type=int, default=HINT_MAX_NEW_TOKENS)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--candidates", type=int, default=1, help="best of N hints (1: greedy)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampled candidates")
    parser.add_argument("--no-fallback", action="store_true", help="never a hint of facts alone")
    parser.add_argument(
        "--diagnosis",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="a certain diagnosis is the hint where one fires (llm_prune_gym.diagnosis)",
    )
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.candidates < 1:
        parser.error("--candidates must be >= 1")
    suffix = f"-best{args.candidates}" if args.candidates > 1 else ""
    suffix += "-diag" if args.diagnosis else ""
    suffix += "-nofallback" if suffix and args.no_fallback else ""
    records = [r for path in args.cases for r in read_jsonl(Path(path))]
    records = [r for r in records if args.origin in (None, r.get("origin"))]
    cases = [
        HintCase(r["id"], messages(r, args.style), r["code"], r["error_output"]) for r in records
    ]
    out = Path(args.out)
    done = {json.loads(line)["key"] for line in out.open()} if out.is_file() else set()
    config = ExperimentConfig(device=args.device, progress=False)
    for pair in args.student:
        name, spec = pair.split("=", 1)
        name += suffix
        student = load_student(spec, device=args.device)
        variants = [(name, None)]
        if args.plan:
            workbench = heldout_workbench(student, PruningPlan.load(args.plan), config)
            plan = level_plan(workbench.rebase(PruningPlan.load(args.plan)), args.level)
            variants.append((f"{name}-pruned-{args.level:g}", (workbench, plan)))
        for label, pruned in variants:
            todo = [c for c in cases if hint_key(c.id, label) not in done]
            if not todo:
                continue
            if pruned:
                pruned[0].apply(pruned[1])
            try:
                extras = write(student, todo, args)
            finally:
                if pruned:
                    pruned[0].restore()
            with out.open("a", encoding="utf-8") as handle:
                for case, (hint, extra) in zip(todo, extras, strict=True):
                    row = {
                        "key": hint_key(case.id, label),
                        "id": case.id,
                        "student": label,
                        "style": args.style,
                        "hint": hint,
                    }
                    handle.write(json.dumps(row | extra, ensure_ascii=False) + "\n")
            print(json.dumps({"student": label, "hints": len(extras)}), flush=True)


def write(student, cases: list[HintCase], args: argparse.Namespace) -> list[tuple[str, dict]]:
    """Each case's hint and the row's extra fields (the candidates, for best of N; who
    wrote the hint, with the diagnosis)."""
    if args.candidates == 1 and not args.diagnosis:
        hints = generate_hints(student, cases, args.max_new_tokens, args.batch_size, progress=False)
        return [(hint, {}) for hint in hints]
    choices = best_of_n(
        student,
        cases,
        args.candidates,
        args.seed,
        args.max_new_tokens,
        args.batch_size,
        fallback=not args.no_fallback,
        diagnosis=args.diagnosis,
    )
    return [(choice.hint, extra_fields(choice, args)) for choice in choices]


def extra_fields(choice: Choice, args: argparse.Namespace) -> dict:
    """A row's fields beyond the hint: the candidates (best of N), who wrote it (diagnosis)."""
    extra = {}
    if args.candidates > 1:
        extra |= {"seed": args.seed, "chosen": choice.index, "candidates": choice.row()}
    if args.diagnosis:
        extra |= {"source": choice.source, "rule": choice.rule}
    return extra


if __name__ == "__main__":
    main()
