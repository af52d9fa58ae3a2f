"""Question labels: the keyword baseline, the earlier model and today's, on written and recognised text.

    .venv/bin/python bench/questions.py [--errors N] [--cv] [--threads N] [--float32] [--counts]

Scores come from ``analysis.question_eval`` on the held-out test split (topics no train row has;
recognised text said by voices no train row was said by), in three forms: the written rows,
Whisper's text of them (``analysis/data/questions_asr.csv``, made by ``bench/question_asr.py``),
the part of it heard well, and each without punctuation. For each system: three-way accuracy, OEQ/CEQ accuracy (of the
rows that are questions, the share given the right one), question-detection precision, recall
and F1, macro-F1. Then the time to build today's model (once per worker) and to label 1,000
distinct utterances with it, embedding only what the model without embeddings is unsure of
and, beside it, embedding everything; then some of its errors. ``--float32`` keeps the sentence
encoder in float32 even where the CPU has fast bfloat16 (the path CPUs without it take). ``--cv`` prints the cross-validated accuracy
on the train split of the candidate recipes (how ``questions.NEW`` was chosen; the test split
plays no part in it). ``--counts`` prints only the data set's count tables (markdown, as in
``docs/question-labels.md``).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import embeddings, question_eval, questions  # noqa: E402

# "plain" is today's recipe without the sentence embeddings; "new" last: its errors are printed.
SYSTEMS = {
    "baseline": None,
    "old": questions.OLD,
    "plain": replace(questions.NEW, embeddings=False),
    "new": questions.NEW,
}


def print_set(name: str, result: dict) -> None:
    print(f"\n{name} (n={result['new']['n']}):")
    print(f"  {'system':<9}{'acc':>7}{'OEQ/CEQ':>9}{'det P':>7}{'det R':>7}{'det F1':>8}{'macroF1':>9}")
    for system in SYSTEMS:
        s = result[system]
        d = s["detection"]
        print(
            f"  {system:<9}{s['accuracy']:>7.3f}{s['oeq_ceq_accuracy']:>9.3f}{d['precision']:>7.3f}"
            f"{d['recall']:>7.3f}{d['f1']:>8.3f}{s['macro_f1']:>9.3f}"
        )
    print("  new, confusion (rows truth, columns predicted): " + " ".join(questions.LABELS))
    for label, row in zip(questions.LABELS, result["new"]["confusion"], strict=True):
        print(f"    {label:<4}" + "".join(f"{n:>5}" for n in row))


def print_counts() -> None:
    from collections import Counter

    for kind in ("written", "asr"):
        rows = questions.load_rows(kind=kind)
        by = Counter((r["label"], r["split"]) for r in rows)
        splits = Counter(r["split"] for r in rows)
        print(f"\n{kind}: {len(rows)} rows, {splits['train']} train and {splits['test']} test")
        print("\n| Label | train | test | total | share |\n|-------|------:|-----:|------:|------:|")
        for label in questions.LABELS:
            total = by[(label, "train")] + by[(label, "test")]
            print(f"| {label} | {by[(label, 'train')]} | {by[(label, 'test')]} | {total} | {total / len(rows):.1%} |")
        print(f"| **all** | {splits['train']} | {splits['test']} | {len(rows)} | |")
        if kind == "written":
            context = Counter((r["context"], r["split"]) for r in rows)
            print("\n| Context | train | test |\n|---------|------:|-----:|")
            for name in ("teacher", "coach", "child"):
                print(f"| {name} | {context[(name, 'train')]} | {context[(name, 'test')]} |")
            band = Counter((r["label"], r["band"]) for r in rows)
            print("\n| Label | prek | k2 | g35 | coach |\n|-------|-----:|---:|----:|------:|")
            for label in questions.LABELS:
                print(
                    f"| {label} | " + " | ".join(str(band[(label, b)]) for b in ("prek", "k2", "g35", "coach")) + " |"
                )
        else:
            voices = Counter((r["split"], r["voice"]) for r in rows)
            for split in ("train", "test"):
                print(
                    f"\n{split} voices: " + ", ".join(f"{v} {n}" for (s, v), n in sorted(voices.items()) if s == split)
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", type=int, default=8, help="how many of today's model's errors to print per set")
    parser.add_argument("--cv", action="store_true", help="cross-validated train accuracy of candidate recipes")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the product pins them the same way)")
    parser.add_argument("--counts", action="store_true", help="print only the data set's count tables")
    parser.add_argument("--float32", action="store_true", help="keep the sentence encoder in float32")
    args = parser.parse_args()
    if args.counts:
        print_counts()
        return
    import torch

    torch.set_num_threads(args.threads)
    if args.float32:
        embeddings.Encoder._bf16_pays = lambda self: False

    texts, _ = questions.training_rows()
    print(
        f"train rows {len(texts)} (written and recognised, each also without punctuation); topics and voices held out"
    )
    start = time.perf_counter()
    questions.load_classifier(questions.NEW)
    build_s = time.perf_counter() - start

    recipes = {k: v for k, v in SYSTEMS.items() if v is not None}
    results = question_eval.evaluate(recipes)
    for name, result in results.items():
        print_set(name, result)

    pool = list(dict.fromkeys(t for name in question_eval.TEST_SETS for t in question_eval.test_set(name)[0]))
    sample = (pool * (1000 // max(len(pool), 1) + 1))[:1000]
    label_s = {}
    for name, recipe in (("today", questions.NEW), ("embedding all", replace(questions.NEW, fast_confidence=None))):
        questions.classify(sample[:1], recipe)  # built, and warm
        embeddings._CACHE.clear()
        start = time.perf_counter()
        questions.classify(sample, recipe)
        label_s[name] = time.perf_counter() - start
    print(
        f"\ntime ({args.threads} threads, encoder in {'bfloat16' if _bf16() else 'float32'}): build today's model"
        f" {build_s:.1f} s (once per worker); label 1,000 utterances ({len(set(sample))} distinct)"
        f" {label_s['today']:.2f} s ({label_s['today']:.2f} ms each); embedding all of them"
        f" {label_s['embedding all']:.2f} s"
    )
    everything = replace(questions.NEW, fast_confidence=None)
    embeddings._CACHE.clear()
    today = questions.classify(pool)
    embedded = len(embeddings._CACHE)  # the texts that went through the encoder
    differ = sum(a.label != b.label for a, b in zip(today, questions.classify(pool, everything), strict=True))
    print(
        f"labels of all {len(pool)} distinct test texts, embedding only the unsure ({embedded} of them)"
        f" against embedding every one: {differ} differ"
    )

    for name, result in results.items():
        errors = result["errors"]
        print(f"\ntoday's model, errors on {name}: {len(errors)} (showing {min(args.errors, len(errors))})")
        for error in errors[: args.errors]:
            print(
                f"  truth {error['truth']:<3} said {error['predicted']:<3} p={error['confidence']:.2f}  {error['text']}"
            )
            print(f"      {error['cue']}")

    if args.cv:
        print("\ncross-validated accuracy on train (5 folds, a written row and its recognised text in one fold;")
        print("every recipe scored on all written and recognised train rows, with and without punctuation):")
        candidates = {"old": questions.OLD, "speech, no embeddings": replace(questions.NEW, embeddings=False)}
        candidates |= {f"new, train only WER <= {w}": replace(questions.NEW, max_wer=w) for w in (0.5, 0.3)}
        candidates |= {f"new, C={c}": replace(questions.NEW, c=c) for c in questions.C_GRID}
        candidates |= {f"new, embedding weight {w}": replace(questions.NEW, embedding_weight=w) for w in (0.5, 2.0)}
        for name, recipe in candidates.items():
            print(f"  {name:<28} {question_eval.cross_validate(recipe):.3f}", flush=True)


def _bf16() -> bool:
    """Whether the sentence encoder this process loaded runs its products in bfloat16."""
    return bool(getattr(embeddings.load(), "bf16", False))


if __name__ == "__main__":
    main()
