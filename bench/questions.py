"""Question classifier against the keyword baseline, on the topic-held-out test split.

    .venv/bin/python bench/questions.py [--errors N] [--tune]

Prints, for the model (analysis.questions.classify) and the baseline (analysis.questions.baseline):
accuracy and macro-F1 on the test split, per-label precision/recall/F1, confusion matrices, the model's
5-fold cross-validated accuracy on the train split, the time to train and to classify the test split,
and some of the model's test errors with their cues. --tune also prints the cross-validated accuracy on
train for each candidate C (the test split plays no part in choosing C).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import questions  # noqa: E402


def timed(fn, *args):
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def print_system(name: str, scores: dict) -> None:
    print(f"\n{name}: accuracy {scores['accuracy']:.3f}  macro-F1 {scores['macro_f1']:.3f}")
    print(f"  {'label':<6}{'prec':>7}{'recall':>8}{'F1':>7}{'n':>5}")
    for label, s in scores["per_label"].items():
        print(f"  {label:<6}{s['precision']:>7.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}{s['support']:>5}")
    print("  confusion (rows truth, columns predicted):")
    print("  " + " " * 6 + "".join(f"{label:>6}" for label in questions.LABELS))
    for label, row in zip(questions.LABELS, scores["confusion"], strict=True):
        print(f"  {label:<6}" + "".join(f"{n:>6}" for n in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", type=int, default=10, help="how many model test errors to print")
    parser.add_argument("--tune", action="store_true", help="print cross-validated train accuracy for each C")
    args = parser.parse_args()

    test = [row["text"] for row in questions.load_rows("test")]
    questions.load_classifier.cache_clear()
    _, train_s = timed(questions.load_classifier)
    _, classify_s = timed(questions.classify, test)
    _, baseline_s = timed(questions.baseline, test)
    result, evaluate_s = timed(questions.evaluate)

    model = result["model"]
    print(f"train rows {result['train_size']}, test rows {result['test_size']} (test topics are held out)")
    print(f"model: C={model['C']}, 5-fold cross-validated accuracy on train {model['cv_accuracy']:.3f}")
    print(
        f"time: train {train_s:.2f} s, classify test split {classify_s * 1000:.0f} ms "
        f"({classify_s / len(test) * 1000:.2f} ms/utterance), baseline {baseline_s * 1000:.1f} ms, "
        f"evaluate (incl. cross-validation) {evaluate_s:.1f} s"
    )
    print_system("model", model)
    print_system("baseline", result["baseline"])
    print(
        f"\nmodel - baseline: accuracy {model['accuracy'] - result['baseline']['accuracy']:+.3f}, "
        f"macro-F1 {model['macro_f1'] - result['baseline']['macro_f1']:+.3f}"
    )

    errors = result["errors"]
    print(f"\nmodel test errors: {len(errors)} of {result['test_size']} (showing {min(args.errors, len(errors))})")
    for error in errors[: args.errors]:
        print(
            f"  truth {error['truth']:<3} predicted {error['predicted']:<3} p={error['confidence']:.2f}  {error['text']}"
        )
        print(f"      {error['cue']}")

    if args.tune:
        print("\ncross-validated accuracy on train by C:")
        for c, accuracy in questions.tune().items():
            print(f"  C={c:<6} {accuracy:.3f}{'  <- chosen' if c == questions.C else ''}")


if __name__ == "__main__":
    main()
