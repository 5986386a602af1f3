"""Renamed copies of labelled programs (finetune.augment): names, tokens, sandbox checks."""

import builtins

from finetune.augment import NAME_POOL, augmented_pairs, candidates, own_names, rename

CASE = {
    "id": "t-001",
    "code": 'price = input("Price: ")\ntotal = price * 2 + 1\nprint("total", total)\n',
    "fixed_code": 'price = float(input("Price: "))\ntotal = price * 2 + 1\nprint("total", total)\n',
    "stdin": "3\n",
    "cause_line": "1",
    "source": "test",
    "licence": "MIT",
    "error_output": "",
}


def test_own_names_leave_attributes_keywords_and_builtins():
    code = "class Shop:\n    def add(self, item, qty=1):\n        self.item = item\n"
    code += "len_ = 3\nprint('x', end='')\nend = 2\nimport math as m\n"
    assert own_names(code) == {"Shop", "add", "qty", "len_"}  # item is also self.item


def test_rename_touches_names_only():
    code = "total = 1  # total\ntext = 'total'\nobj.total = total + 1\n"
    assert rename(code, {"total": "amount"}) == (
        "amount = 1  # total\ntext = 'total'\nobj.total = amount + 1\n"
    )
    assert rename("x = (1,\n", {"x": "y"}) is None


def test_pool_names_are_not_builtins():
    assert not set(NAME_POOL) & set(dir(builtins))


def test_candidates_rename_code_fix_and_bug_together():
    case = {**CASE, "bug": "price on line 1 stays text, so total fails"}
    (copy,) = candidates([case], copies=1, seed=0)
    new = copy["renaming"]
    assert set(new) == {"price", "total"}
    assert new["price"] in copy["code"] and "price" not in copy["code"].replace('"Price', "")
    assert copy["bug"].startswith(new["price"])
    assert copy["id"] == "t-001~1" and copy["renamed_from"] == "t-001"
    assert candidates([case], 1, seed=0) == [copy]  # seeded
    assert candidates([case], 1, seed=1) != [copy] or len(NAME_POOL) < 3


def test_augmented_pairs_keep_copies_that_fail_alike():
    from finetune.sandbox import Job, error_output, run_many

    (run,) = run_many([Job(CASE["code"], CASE["stdin"])])
    case = {**CASE, "error_output": error_output(run)}
    pairs, counts = augmented_pairs([case], copies=3, seed=0)
    assert counts["proposed"] == 3 and counts["checked"] == 3 and len(pairs) == 3
    for pair in pairs:
        assert pair["line"] == 1 and pair["program_id"] == "t-001"
        assert pair["chosen_source"] in {"diagnosis", "facts"}
        assert "price" not in pair["code"].replace('"Price', "")
        assert pair["error_output"] != case["error_output"]  # the copy's own traceback


def test_copy_that_fails_differently_is_dropped():
    from finetune.augment import checked

    original = {**CASE, "error_output": 'File "main.py", line 2\nTypeError: x\n'}
    broken = {**original, "id": "t-001~1", "renamed_from": "t-001"}
    broken["code"] = 'amount = input("Price: ")\nvalue = f"{price}" * 2\n'
    assert checked({"t-001": original}, [broken]) == []


def test_command_writes_copies_after_the_base_and_skips_other_origins(tmp_path, capsys):
    import json

    from evaluation.cli import main
    from finetune.sandbox import Job, error_output, run_many

    (run,) = run_many([Job(CASE["code"], CASE["stdin"])])
    real = {**CASE, "origin": "realstyle", "error_output": error_output(run)}
    injected = {**real, "id": "t-002", "origin": "injector"}
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps(c) + "\n" for c in (real, injected)))
    base = tmp_path / "base"
    base.mkdir()
    (base / "train.jsonl").write_text('{"id": "b1"}\n')
    (base / "test.jsonl").write_text('{"id": "b2"}\n')
    out = tmp_path / "out"
    argv = ["data", "augment", "--cases", str(cases), "--base", str(base), "--out", str(out)]
    assert main([*argv, "--copies", "2"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["proposed"] == 2 and summary["renamed"] == 2 and summary["base_train"] == 1
    train = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    assert train[0] == {"id": "b1"} and {r["program_id"] for r in train[1:]} == {"t-001"}
    assert main([*argv, "--copies", "0", "--overwrite"]) != 0  # at least one copy
