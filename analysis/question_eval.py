"""Scoring the question classifiers on the held-out test split, and choosing by cross-validation.

Five test sets, all from the ``test`` split (topics no train row has; recognised text said by
voices no train row was said by): ``written`` (the hand-written rows), ``asr`` (Whisper's text of
them, as ``bench/question_asr.py`` made it), ``asr, no punctuation`` (the same, lower case
without . , ? !, as recognisers that do not punctuate write it) and ``asr, heard well`` (the
recognised rows whose word error rate against what was said, fillers aside, is at most
``HEARD_WELL``: where the words of the question survived recognition), and ``asr, heard well,
no punctuation`` (those, written without punctuation). Each system gets three-way
accuracy, OEQ/CEQ accuracy (of the rows that are questions, the share given the right one of
the two), question-detection precision/recall/F1 (OEQ or CEQ against NQ), macro-F1, per-label
scores and a confusion matrix. Cross-validation folds group a written row with its recognised
text, so no fold sees a sentence it is tested on.
"""

from __future__ import annotations

from analysis import question_text as qt
from analysis import questions as qm

TEST_SETS = ("written", "asr", "asr, no punctuation", "asr, heard well", "asr, heard well, no punctuation")
HEARD_WELL = 0.25  # word error rate of the rows in "asr, heard well": about Whisper's on people


def test_set(name: str) -> tuple[list[str], list[str]]:
    """Texts and labels of one test set (see ``TEST_SETS``)."""
    rows = qm.load_rows("test", kind="written" if name == "written" else "asr")
    if name.startswith("asr, heard well"):
        rows = [r for r in rows if qm._heard(r) <= HEARD_WELL]
    texts = [r["text"] for r in rows]
    if name.endswith("no punctuation"):
        texts = [qt.strip_punctuation(t) for t in texts]
    return texts, [r["label"] for r in rows]


def scores(truth: list[str], predicted: list[str]) -> dict:
    """Accuracy, OEQ/CEQ accuracy, question detection, macro-F1, per-label scores and confusion."""
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    labels = list(qm.LABELS)
    p, r, f, n = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    asked = [(t, x) for t, x in zip(truth, predicted, strict=True) if t != "NQ"]
    hit = sum(t != "NQ" and x != "NQ" for t, x in zip(truth, predicted, strict=True))
    said, found = sum(x != "NQ" for x in predicted), len(asked)
    precision, recall = hit / max(said, 1), hit / max(found, 1)
    return {
        "n": len(truth),
        "accuracy": accuracy(truth, predicted),
        "oeq_ceq_accuracy": accuracy([t for t, _ in asked], [x for _, x in asked]),
        "detection": {
            "precision": _round(precision),
            "recall": _round(recall),
            "f1": _round(2 * precision * recall / max(precision + recall, 1e-9)),
        },
        "macro_f1": _round(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
        "per_label": {
            label: {"precision": _round(p[k]), "recall": _round(r[k]), "f1": _round(f[k]), "support": int(n[k])}
            for k, label in enumerate(labels)
        },
        "confusion": confusion_matrix(truth, predicted, labels=labels).tolist(),
    }


def evaluate(recipes: dict[str, qm.Recipe] | None = None, sets: tuple[str, ...] = TEST_SETS) -> dict:
    """Scores of the keyword baseline and each recipe on each test set.

    Args:
      recipes: ``{name: Recipe}``; by default the earlier model (``old``) and this one (``new``).
      sets: Test sets to score.
    Returns:
      ``{set: {"baseline": scores, name: scores, ..., "errors": [...]}}``; ``errors`` are the
      last recipe's mistakes with their cues.
    """
    recipes = recipes or {"old": qm.OLD, "new": qm.NEW}
    out = {}
    for name in sets:
        texts, truth = test_set(name)
        if not texts:
            continue
        result = {"baseline": scores(truth, [x.label for x in qm.baseline(texts)])}
        for system, recipe in recipes.items():
            labels = qm.classify(texts, recipe)
            result[system] = scores(truth, [x.label for x in labels])
        result["errors"] = [
            {"text": t, "truth": y, "predicted": x.label, "confidence": x.confidence, "cue": x.cue}
            for t, y, x in zip(texts, truth, labels, strict=True)
            if x.label != y
        ]
        out[name] = result
    return out


def cross_validate(recipe: qm.Recipe, folds: int = 5) -> float:
    """Accuracy of out-of-fold predictions on the train split.

    Every recipe is scored on the same rows: all written and recognised train rows, each also
    without punctuation, whatever the recipe trains on (``Recipe.max_wer`` only changes what
    each fold fits on). Folds group a written row with its recognised text.
    """
    from dataclasses import replace

    from sklearn.model_selection import GroupKFold

    texts, labels = qm.training_rows(replace(recipe, max_wer=None, speech=True))
    rows = qm.load_rows("train", kind="all")
    source = {r["text"]: r.get("written") or r["text"] for r in rows}
    source |= {qt.strip_punctuation(r["text"]): source[r["text"]] for r in rows}
    groups = [source.get(t, t) for t in texts]
    allowed = set(qm.training_rows(recipe)[0])
    out = [""] * len(texts)
    for fit, held in GroupKFold(folds).split(texts, labels, groups):
        fit = [i for i in fit if texts[i] in allowed]
        model = qm.train([texts[i] for i in fit], [labels[i] for i in fit], recipe)
        for i, label in zip(held, qm._predict(model, [texts[i] for i in held]), strict=True):
            out[i] = label.label
    return accuracy(labels, out)


def accuracy(truth: list[str], predicted: list[str]) -> float:
    return _round(sum(t == p for t, p in zip(truth, predicted, strict=True)) / max(len(truth), 1))


def _round(value) -> float:
    return round(float(value), 4)
