"""Precision, recall and F1 per privacy rule on the annotated Finnish sets.

bench/data/checks_fi.jsonl (383 items, the development set the rules were refined
on) and bench/data/checks_fi_holdout.jsonl (70 items written afterwards and not used
for tuning): hand-written posts, comments and messages with the expected spans.

Annotation policy: every phone number, e-mail, IBAN and business ID not on the
organisation's allowlist; identity codes including those with a wrong check
character (reported as warnings); street addresses with a house number; names of
private people in any inflected form (not the staff listed below, not officials
introduced with their title); special-category words near a private person's name.
A finding matches an expected span of the same rule when they overlap; "exact"
counts identical spans.

Run: .venv/bin/python bench/checks_accuracy.py [--show-errors]
"""

import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from somevahti.checks import CheckContext, check  # noqa: E402

DATA = [
    Path(__file__).parent / "data" / name for name in ("checks_fi.jsonl", "checks_fi_holdout.jsonl")
]
CONTEXT = CheckContext.build(
    categories={"privacy"},
    staff_names=["Anna Virtanen", "Mikko Laine", "Sari Heikkinen"],
    allow_phones=["09 310 1234"],
    allow_domains=["kunta.fi"],
    allow_ibans=["FI66 5000 0120 0300 40"],
)
RULES = [
    "privacy.hetu", "privacy.business_id", "privacy.iban", "privacy.email", "privacy.phone",
    "privacy.address", "privacy.plate", "privacy.person_name", "privacy.sensitive",
]  # fmt: skip


def main() -> None:
    for path in DATA:
        evaluate(path, "--show-errors" in sys.argv)
        print()


def evaluate(path: Path, show: bool) -> None:
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    exact: dict[str, int] = defaultdict(int)
    posts = 0
    for line in path.open(encoding="utf-8"):
        item = json.loads(line)
        posts += 1
        text = item["text"]
        gold = [(s["rule"], s["start"], s["end"]) for s in item["spans"]]
        pred = [(f.rule, f.start, f.end) for f in check(text, CONTEXT)]
        unmatched = list(gold)
        for rule, start, end in pred:
            match = next(
                (g for g in unmatched if g[0] == rule and g[1] < end and start < g[2]), None
            )
            if match is None:
                fp[rule] += 1
                if show:
                    print(f"FP {item['id']} {rule} {text[start:end]!r} | {text}")
                continue
            unmatched.remove(match)
            tp[rule] += 1
            exact[rule] += match[1:] == (start, end)
        for rule, start, end in unmatched:
            fn[rule] += 1
            if show:
                print(f"FN {item['id']} {rule} {text[start:end]!r} | {text}")
    print(f"{posts} posts, {path.name}; overlap matching")
    print(f"{'rule':22} {'gold':>5} {'P':>6} {'R':>6} {'F1':>6} {'exact':>6}")
    for rule in RULES:
        t, p, n = tp[rule], fp[rule], fn[rule]
        precision = t / (t + p) if t + p else 1.0
        recall = t / (t + n) if t + n else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"{rule:22} {t + n:5d} {precision:6.3f} {recall:6.3f} {f1:6.3f} {exact[rule]:6d}")


if __name__ == "__main__":
    main()
