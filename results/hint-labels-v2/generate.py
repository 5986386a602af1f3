"""Hints of several students (issue 15, second labelled set; the first set's script on
the Workbench API) (and pruned copies) for the labelled-set cases.

    python results/hint-labels/generate.py --cases A.jsonl [B.jsonl ...] \
        --student base=smollm2 [--student dpo=runs/dpo ...] \
        [--plan PLAN.json --level 10.3] [--style plain] [--candidates 4 --seed 0] \
        --out hints.jsonl

Cases carry their `error_output` (no sandbox is needed here). Each student writes one
greedy hint per case; with `--plan`, each student is also pruned by the plan scaled to
`--level` percent of all parameters (`NAME-pruned-LEVEL`). With `--candidates N` (N > 1)
each hint is instead the best of N (the greedy one and N - 1 samples seeded with `--seed`,
scored by `evaluation.rerank` from the program, its error and the hint facts, never the
labels), the student is named `NAME-bestN` (`NAME-bestN-pruned-LEVEL`), and each row also
keeps every candidate with its score and reasons. Where every candidate looks wrong the
hint is made of the hint facts alone (`"chosen": null`); `--no-fallback` keeps the best
candidate anyway (`NAME-bestN-nofallback`). Appends to `--out`, skipping (student,
case) pairs already there, so a cut-off run resumes.
"""

import argparse
import inspect
import json
from pathlib import Path

import torch

from evaluation.experiment import ExperimentConfig, heldout_workbench, level_plan
from evaluation.hints import HintCase, best_of_n, generate_hints
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
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.candidates < 1:
        parser.error("--candidates must be >= 1")
    suffix = f"-best{args.candidates}" if args.candidates > 1 else ""
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
    """Each case's hint and the row's extra fields (the candidates, for best of N)."""
    if args.candidates == 1:
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
    )
    return [
        (choice.hint, {"seed": args.seed, "chosen": choice.index, "candidates": choice.row()})
        for choice in choices
    ]


if __name__ == "__main__":
    main()
