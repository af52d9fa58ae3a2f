"""Question classification: open-ended (OEQ), closed-ended (CEQ) or not a question (NQ).

The labelling rule is ``docs/question-labels.md``. The production classifier is a scikit-learn
logistic regression over word and character n-grams plus a few hand-made features (first words,
auxiliary openers, wh-words, elaboration prompts, requests phrased as questions), trained once per
process on the ``train`` split of ``analysis/data/questions.csv``. A few high-precision rules
(``_RULES``) decide first; on 5-fold cross-validation over train they add about half a point of
accuracy. ``baseline`` is a keyword rule kept for comparison; ``evaluate`` scores both on the
topic-held-out ``test`` split, which played no part in choosing features, rules or ``C``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "questions.csv"
LABELS = ("OEQ", "CEQ", "NQ")  # most open first
SEED = 0
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
C = 10.0  # chosen by 5-fold cross-validation on the train split (see tune)

_AUX = set(
    "is are am do does did can will was were have has had should would could may might shall "
    "isn't aren't don't doesn't didn't can't won't wasn't weren't haven't hasn't shouldn't wouldn't couldn't".split()
)
_WH = set("what why how where when who which whose whom what's who's where's how's".split())
_TELL = re.compile(r"^(can|could|would|will) you (please )?(tell|explain|describe|show me how|talk|say more)\b")
_HOW_QUANT = re.compile(r"\bhow (many|much|old|long|far|tall|big)\b")
_WHY_LATER = re.compile(r".\b(why|how do you know|how did you know|what makes you (say|think))\b")
_MID_FRAME = re.compile(
    r"\b(what|why|how|where|who|which|when) (do|does|did|is|are|was|were|can|could|will|would|should|might) "
    r"(you|it|we|they|he|she)\b|\b(do|does|did|is|are|was|were|have|has) (you|it|we|they|he|she)\b"
)
_FACT_NOUN = re.compile(
    r"^(what|which)('s| is| was)? (the )?(colou?r|shape|animal|number|letter|sound|year|time|part|day|month|word|name"
    r"|planet|state|title|opposite|plural|value|area|perimeter|volume|capital)\b"
)
_MODAL_OTHER = re.compile(r"^(can|could|will|would|should|may|might) (a|an|the|it|they|he|she|this|that|these|those)\b")
_SENTENCES = re.compile(r"(?<=[.?!])\s+")
_WORD = re.compile(r"[a-z0-9']+")


@dataclass
class Label:
    """Attributes:
    label: ``OEQ``, ``CEQ`` or ``NQ``.
    confidence: Probability of the chosen label, 0..1.
    cue: A short reason for people, e.g. ``model: 'why do', 'think'`` or ``rule: empty text``.
    """

    label: str
    confidence: float
    cue: str


def load_rows(split: str | None = None) -> list[dict]:
    """Rows of the labelled data set, optionally only one split (``train`` or ``test``)."""
    with open(DATA, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row for row in rows if split is None or row["split"] == split]


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split())


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCES.split(text) if s.strip(" .?!")]


def _features(text: str) -> dict:
    """Hand-made features of one utterance, for a ``DictVectorizer``."""
    text = _normalise(text)
    sentences = _sentences(text) or [""]
    first, last = sentences[0], sentences[-1]
    words, last_words = _WORD.findall(first), _WORD.findall(last)
    w1 = words[0] if words else ""
    w2 = words[1] if len(words) > 1 else ""
    feats = {f"rule={name}": 1 for name, *_ in _rule_hits(sentences)}
    feats |= {
        f"w1={w1}": 1,
        f"w12={w1} {w2}": 1,
        f"last_w1={last_words[0] if last_words else ''}": 1,
        "aux_open": int(w1 in _AUX),
        "wh_open": int(w1 in _WH),
        "wh_any": int(any(w in _WH for w in _WORD.findall(text))),
        "any_aux_open": int(any((_WORD.findall(s) or [""])[0] in _AUX for s in sentences)),
        "any_wh_open": int(any((_WORD.findall(s) or [""])[0] in _WH for s in sentences)),
        "ends_q": int(text.endswith("?")),
        "has_q": int("?" in text),
        "tell_request": int(bool(_TELL.match(first))),
        "how_quant": int(bool(_HOW_QUANT.search(text))),
        "what_do_you_think": int("what do you think" in text),
        "choice_or": int(" or " in text),
        "why_later": int(bool(_WHY_LATER.search(text))),
        "mid_frame": int(w1 not in _AUX | _WH and bool(_MID_FRAME.search(text))),
        "how_quant_open": int(bool(_HOW_QUANT.match(first))),
        "fact_noun": int(bool(_FACT_NOUN.match(last))),
        "modal_other": int(bool(_MODAL_OTHER.match(first))),
        "short": int(len(_WORD.findall(text)) <= 2),
    }
    return feats


def _rule_hits(sentences: list[str]):
    """``(name, label, match)`` for each rule that matches a sentence, in rule order."""
    for name, label, later_only, pattern in _RULES:
        for i, sentence in enumerate(sentences):
            match = pattern.search(sentence)
            if match and (i > 0 or not later_only):
                yield name, label, match


_ASK_VERBS = "tell|explain|describe|show|talk|say|think|remember|see|hear|imagine|guess|believe|like|know|be|have"
_WH_OPEN = r"(what|why|how|who|where|which|when)\b"
# High-precision rules, tried in order before the model on each sentence of the lowercased text:
# (name for the cue, label, only in a later sentence, pattern).
_RULES = [
    ("elaboration prompt", "OEQ", False, r"^(tell me|tell us|explain|describe|walk me through|talk me through|justify)\b"),
    ("follow-up 'why'", "OEQ", True, r"^(why( not| or why not)?|how do you know|what makes you (say|think) (that|so))\?*$"),
    ("request phrased as a question", "NQ", False, rf"^(can|could|will|would) (you|every\w+|some\w+|we|i)( all| please)* (?!({_ASK_VERBS})\b)\w+"),
    ("suggestion", "NQ", False, r"^(why don't (you|we)|how about|let's|let us)\b"),
    ("cue or filler", "NQ", False, r"^(okay|ok|ready|got it|all right|alright|right|mm-hm|hmm)\W*$"),
    ("tag question", "CEQ", False, rf"^(?!{_WH_OPEN}).*, (right|isn't it|didn't you|don't you|aren't they|wasn't it)\?$"),
]  # fmt: skip
_RULES = [(name, label, later, re.compile(pattern)) for name, label, later, pattern in _RULES]
RULE_CONFIDENCE = 0.95  # the rules have no probability; each was right on every train row it matched
BASELINE_CONFIDENCE = 0.5
_BASELINE = [
    ("request opener", "NQ", r"^(can you|could you|will you|would you|please|let's)\b"),
    ("open opener", "OEQ", r"^(why|how|what do you think|tell me|describe|explain)\b"),
    ("auxiliary opener", "CEQ", r"^(is|are|do|does|did|can|will|was|were|have|has|should|would|could)\b"),
    ("question mark", "CEQ", r"\?$"),
]
_FILLER_WORDS = set("the a an to of and in on at for it this that you we i your my our".split())  # not shown in cues


def train(texts: list[str], labels: list[str], c: float | None = None):
    """Fit the classifier pipeline (no rules) on labelled utterances.

    Args:
      texts: Utterances.
      labels: ``OEQ``, ``CEQ`` or ``NQ`` for each utterance.
      c: Inverse regularisation strength of the logistic regression; ``C`` when None.
    Returns:
      A fitted scikit-learn ``Pipeline``.
    """
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    union = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, token_pattern=r"(?u)\b\w[\w']*\b")),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
            ("eng", make_pipeline(FunctionTransformer(_feature_dicts), DictVectorizer())),
        ]
    )
    model = Pipeline([("features", union), ("lr", LogisticRegression(C=c or C, max_iter=5000, random_state=SEED))])
    return model.fit([_normalise(t) for t in texts], labels)


@lru_cache(maxsize=1)
def model_version() -> str:
    """Changes whenever the training data or this module changes (cache keys use it)."""
    import hashlib

    digest = hashlib.sha256(DATA.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:12]


@lru_cache(maxsize=1)
def load_classifier():
    """The production classifier, trained on the ``train`` split once per process.

    Returns:
      A fitted scikit-learn ``Pipeline`` (see ``train``).
    """
    rows = load_rows("train")
    return train([r["text"] for r in rows], [r["label"] for r in rows])


def classify(texts: list[str]) -> list[Label]:
    """Label utterances as OEQ, CEQ or NQ with the production classifier.

    Args:
      texts: Utterances, one turn each; a turn may hold several sentences.
    Returns:
      One ``Label`` per text, in order. Empty or blank texts are NQ.
    """
    return _predict(load_classifier(), texts) if texts else []


def classify_compound(parts: list[str]) -> Label:
    """Label one turn given as separate parts ("Do you think it will float?", "Why?").

    Args:
      parts: The questions or sentences of one turn.
    Returns:
      The label of the most open part (OEQ > CEQ > NQ), with that part's confidence and cue.
    """
    labels = classify(parts)
    return most_open(labels) if labels else Label("NQ", 1.0, "rule: empty text")


def most_open(labels: list[Label]) -> Label:
    """The most open of several labels (OEQ > CEQ > NQ); the more confident one on a tie."""
    return min(labels, key=lambda x: (LABELS.index(x.label), -x.confidence))


def baseline(texts: list[str]) -> list[Label]:
    """Keyword baseline for comparison: request openers are NQ, why/how/tell-me openers OEQ, other questions CEQ.

    Args:
      texts: Utterances.
    Returns:
      One ``Label`` per text; confidence is a flat ``BASELINE_CONFIDENCE`` (the rules give no probability).
    """
    out = []
    for text in texts:
        text = _normalise(text)
        for name, label, pattern in _BASELINE:
            match = re.search(pattern, text)
            if match:
                out.append(Label(label, BASELINE_CONFIDENCE, f"rule: {name} ('{match.group(0).strip()}')"))
                break
        else:
            out.append(Label("NQ", BASELINE_CONFIDENCE, "rule: no question form"))
    return out


def evaluate(cv_folds: int = 5) -> dict:
    """Score the classifier and the baseline on the ``test`` split.

    Args:
      cv_folds: Folds for the model's cross-validated accuracy on ``train``; 0 skips it.
    Returns:
      ``{"train_size", "test_size", "model": {...}, "baseline": {...}, "errors": [...]}`` where each system
      has ``accuracy``, ``macro_f1``, ``per_label`` (precision, recall, f1, support) and ``confusion``
      (rows are the truth, columns the prediction, both in ``LABELS`` order); the model also has
      ``cv_accuracy`` and ``C``. ``errors`` lists the model's test mistakes with their cues.
    """
    train_rows, test_rows = load_rows("train"), load_rows("test")
    texts, truth = [r["text"] for r in test_rows], [r["label"] for r in test_rows]
    model, base = classify(texts), baseline(texts)
    result = {
        "train_size": len(train_rows),
        "test_size": len(test_rows),
        "model": _scores(truth, [x.label for x in model]),
        "baseline": _scores(truth, [x.label for x in base]),
        "errors": [
            {"text": t, "truth": y, "predicted": x.label, "confidence": x.confidence, "cue": x.cue}
            for t, y, x in zip(texts, truth, model, strict=True)
            if x.label != y
        ],
    }
    result["model"]["C"] = C
    if cv_folds:
        train_texts, train_labels = [r["text"] for r in train_rows], [r["label"] for r in train_rows]
        result["model"]["cv_accuracy"] = _accuracy(train_labels, _cv_predict(train_texts, train_labels, C, cv_folds))
    return result


def _scores(truth: list[str], predicted: list[str]) -> dict:
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    p, r, f, n = precision_recall_fscore_support(truth, predicted, labels=list(LABELS), zero_division=0)
    return {
        "accuracy": _accuracy(truth, predicted),
        "macro_f1": _round(f1_score(truth, predicted, labels=list(LABELS), average="macro")),
        "per_label": {
            label: {"precision": _round(p[k]), "recall": _round(r[k]), "f1": _round(f[k]), "support": int(n[k])}
            for k, label in enumerate(LABELS)
        },
        "confusion": confusion_matrix(truth, predicted, labels=list(LABELS)).tolist(),
    }


def _feature_dicts(texts) -> list[dict]:
    return [_features(t) for t in texts]


def _rule(text: str) -> Label | None:
    if not text:
        return Label("NQ", 1.0, "rule: empty text")
    for name, label, match in _rule_hits(_sentences(text)):
        return Label(label, RULE_CONFIDENCE, f"rule: {name} ('{' '.join(match.group(0).split()[:3])}')")
    return None


def _predict(model, texts: list[str]) -> list[Label]:
    """Rules first, then the model for the texts no rule decides."""
    normal = [_normalise(t) for t in texts]
    found = [_rule(t) for t in normal]
    todo = [i for i, label in enumerate(found) if label is None]
    if todo:
        features = model.named_steps["features"].transform([normal[i] for i in todo])
        probs = model.named_steps["lr"].predict_proba(features)
        classes = list(model.named_steps["lr"].classes_)
        union = model.named_steps["features"].transformer_list
        words, hand = union[0][1].get_feature_names_out(), union[2][1][-1].get_feature_names_out()
        for row, i in enumerate(todo):
            k = int(probs[row].argmax())
            cue = _model_cue(model.named_steps["lr"].coef_, features[row], k, words, hand)
            found[i] = Label(str(classes[k]), _round(probs[row, k]), cue)
    return found


def _model_cue(coef, x, k: int, words, hand, top: int = 3) -> str:
    """The word n-grams (else hand-made features) that pushed hardest towards class ``k``, against the mean class."""
    import numpy as np

    x = x.tocsr()
    push = x.data * (coef[k, x.indices] - coef[:, x.indices].mean(axis=0))
    strong = [x.indices[j] for j in np.argsort(-push) if push[j] > 0]
    found = [f"'{words[j]}'" for j in strong if j < len(words) and words[j] not in _FILLER_WORDS]
    offset = coef.shape[1] - len(hand)
    found = found or [f"[{hand[j - offset]}]" for j in strong if j >= offset]
    return "model: " + (", ".join(found[:top]) or "no strong cue")


def _cv_predict(texts: list[str], labels: list[str], c: float, folds: int) -> list[str]:
    """Out-of-fold predictions on ``texts`` from stratified k-fold cross-validation."""
    from sklearn.model_selection import StratifiedKFold

    out = [""] * len(texts)
    for fit, held in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(texts, labels):
        model = train([texts[i] for i in fit], [labels[i] for i in fit], c)
        for i, label in zip(held, _predict(model, [texts[i] for i in held]), strict=True):
            out[i] = label.label
    return out


def tune(grid: tuple[float, ...] = C_GRID, folds: int = 5) -> dict[float, float]:
    """Cross-validated accuracy on the ``train`` split for each candidate ``C`` (the test split is not used).

    Args:
      grid: Candidate values of the logistic regression's ``C``.
      folds: Number of stratified folds.
    Returns:
      ``{C: accuracy}``; ``C`` above is the best of these.
    """
    rows = load_rows("train")
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    return {c: _accuracy(labels, _cv_predict(texts, labels, c, folds)) for c in grid}


def _accuracy(truth: list[str], predicted: list[str]) -> float:
    return _round(sum(t == p for t, p in zip(truth, predicted, strict=True)) / max(len(truth), 1))


def _round(value) -> float:
    return round(float(value), 4)
