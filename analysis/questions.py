"""Question classification: open-ended (OEQ), closed-ended (CEQ) or not a question (NQ).

The labelling rule is ``docs/question-labels.md``. Text first goes through
``question_text.normalise`` (fillers, restarts and leading "so"/"okay" dropped, lower case),
so written and speech-recognised text look alike. A few high-precision rules
(``question_text.RULES``) decide first. Every other utterance goes to one logistic regression
over word and character n-grams, hand-made features (openers, tags, run-on questions, ...) and
the all-MiniLM-L6-v2 sentence embedding (``analysis.embeddings``), trained once per process.
The same regression is also trained without the embedding; only the utterances it is unsure
of (``Recipe.fast_confidence``) are embedded, which gives the same labels at a third of the time.

Training rows: the ``train`` split of the written rows (``analysis/data/questions.csv``) and of
their speech-recognised text (``questions_asr.csv``, made by ``bench/question_asr.py``; rows
that lost more than half their words are left out, ``Recipe.max_wer``), each also without
punctuation. The ``test`` split holds out whole topics and, for the recognised
text, whole voices; it played no part in choosing features, rules, ``C`` or the recipe.
``Recipe`` names what a model is built from, so ``bench/questions.py`` can put the keyword
baseline, the earlier n-gram model (``OLD``) and this one (``NEW``) side by side.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from analysis import question_text as qt

DATA = Path(__file__).resolve().parent / "data" / "questions.csv"
ASR_DATA = DATA.with_name("questions_asr.csv")  # Whisper's text of the written rows, spoken (bench/question_asr.py)
KINDS = {"written": DATA, "asr": ASR_DATA}
LABELS = ("OEQ", "CEQ", "NQ")  # most open first
SEED = 0
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
RULE_CONFIDENCE = 0.95  # the rules have no probability; each was right on every train row it matched
BASELINE_CONFIDENCE = 0.5
_FILLER_WORDS = set("the a an to of and in on at for it this that you we i your my our".split())  # not shown in cues


@dataclass(frozen=True)
class Recipe:
    """What a model is built from.

    Attributes:
      embeddings: Add the MiniLM sentence embedding to the n-gram features.
      speech: Normalise speech (fillers, restarts, markers) and train on recognised text too,
        each row also without punctuation.
      c: Inverse regularisation strength of the logistic regression.
      embedding_weight: Scale of the embedding columns against the n-gram columns.
      max_wer: Leave out of training the recognised rows that lost more than this share of
        their words (None keeps them all; the test split always keeps them all).
      fast_confidence: With embeddings, the same model is also trained without them; an
        utterance it labels with at least this probability keeps that label, and only the
        others are embedded: at 0.9, no label of the test texts differs from embedding
        everything, with one in seven of them embedded (``bench/questions.py`` prints
        the count). None embeds everything.
    """

    embeddings: bool = True
    speech: bool = True
    c: float = 1.0  # chosen by cross-validation on train (bench/questions.py --cv)
    embedding_weight: float = 1.0
    max_wer: float | None = 0.5  # best by cross-validation on train (bench/questions.py --cv)
    fast_confidence: float | None = 0.9


OLD = Recipe(embeddings=False, speech=False, c=10.0)
NEW = Recipe()


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


def load_rows(split: str | None = None, kind: str = "written") -> list[dict]:
    """Rows of the labelled data set, optionally only one split (``train`` or ``test``).

    Args:
      split: ``train``, ``test`` or None for both.
      kind: ``written`` (hand-written rows), ``asr`` (their speech-recognised text) or ``all``.
    """
    rows = []
    for name, path in KINDS.items():
        if kind in (name, "all") and (path.exists() or name == "written"):
            with open(path, newline="", encoding="utf-8") as handle:
                rows += [row | {"kind": name} for row in csv.DictReader(handle)]
    return [row for row in rows if split is None or row["split"] == split]


def training_rows(recipe: Recipe = NEW, split: str = "train") -> tuple[list[str], list[str]]:
    """Texts and labels a recipe trains on: written rows, plus (speech recipes) recognised rows
    heard well enough (``Recipe.max_wer``) and every row again without punctuation."""
    rows = load_rows(split, kind="all" if recipe.speech else "written")
    if recipe.max_wer is not None:
        rows = [r for r in rows if r["kind"] == "written" or _heard(r) <= recipe.max_wer]
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    if recipe.speech:
        bare = [qt.strip_punctuation(t) for t in texts]
        keep = [i for i, b in enumerate(bare) if b != texts[i].lower()]
        texts, labels = texts + [bare[i] for i in keep], labels + [labels[i] for i in keep]
    return texts, labels


def _heard(row: dict) -> float:
    """Word error rate of a recognised row against what was said (fillers dropped from both)."""
    wrong, said = qt.word_errors(qt.normalise(row["spoken"]), qt.normalise(row["text"]))
    return wrong / max(said, 1)


def _normaliser(recipe: Recipe):
    return qt.normalise if recipe.speech else _plain


def _plain(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split())


class _Embed:
    """Scaled MiniLM embeddings as a scikit-learn transformer (stateless; deep-copyable)."""

    def __init__(self, weight: float = 1.0):
        self.weight = weight

    def fit(self, texts, labels=None):
        return self

    def transform(self, texts):
        from analysis import embeddings

        return embeddings.encode(list(texts)) * self.weight

    def get_feature_names_out(self, names=None):
        import numpy as np

        return np.array([f"minilm{i}" for i in range(384)], dtype=object)

    def get_params(self, deep=True):
        return {"weight": self.weight}

    def set_params(self, **params):
        self.weight = params.get("weight", self.weight)
        return self


def train(texts: list[str], labels: list[str], recipe: Recipe = NEW):
    """Fit the classifier pipeline (no rules) on labelled utterances.

    Args:
      texts: Utterances (normalised here as the recipe says).
      labels: ``OEQ``, ``CEQ`` or ``NQ`` for each utterance.
      recipe: Features and regularisation (``NEW`` by default).
    Returns:
      A fitted scikit-learn ``Pipeline``; its ``recipe`` attribute is the recipe, ``cue_names``
      the n-gram and hand-made feature names the cues are written from.
    """
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    parts = [
        ("words", TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, token_pattern=r"(?u)\b\w[\w']*\b")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ("eng", make_pipeline(FunctionTransformer(qt.feature_dicts), DictVectorizer())),
    ]
    if recipe.embeddings:
        parts.append(("minilm", _Embed(recipe.embedding_weight)))
    lr = LogisticRegression(C=recipe.c, max_iter=5000, random_state=SEED)
    model = Pipeline([("features", FeatureUnion(parts)), ("lr", lr)])
    normal = _normaliser(recipe)
    model.fit([normal(t) for t in texts], labels)
    model.recipe = recipe
    union = model.named_steps["features"].transformer_list
    words, chars, hand = (union[0][1].get_feature_names_out(), union[1][1].get_feature_names_out(),
                          union[2][1][-1].get_feature_names_out())  # fmt: skip
    model.cue_names = (words, hand, len(words) + len(chars) + len(hand))  # for _model_cue, built once
    return model


@lru_cache(maxsize=1)
def model_version() -> str:
    """Changes whenever the training data or the labelling code changes (cache keys use it)."""
    import hashlib

    digest = hashlib.sha256()
    for path in (*KINDS.values(), Path(__file__), Path(qt.__file__)):
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:12]


@lru_cache(maxsize=2)
def load_classifier(recipe: Recipe = NEW):
    """``build_classifier``, once per process and recipe."""
    return build_classifier(recipe)


def build_classifier(recipe: Recipe = NEW):
    """A classifier trained on the ``train`` split.

    Returns:
      A fitted scikit-learn ``Pipeline`` (see ``train``); with embeddings and
      ``Recipe.fast_confidence``, its ``fast`` attribute is the same pipeline without them.
    """
    texts, labels = training_rows(recipe)
    if recipe.embeddings:
        from analysis import embeddings

        embeddings.encode_cached([_normaliser(recipe)(t) for t in texts], "question-train")
    model = train(texts, labels, recipe)
    if recipe.embeddings and recipe.fast_confidence is not None:
        model.fast = train(texts, labels, replace(recipe, embeddings=False))
    return model


def classify(texts: list[str], recipe: Recipe = NEW) -> list[Label]:
    """Label utterances as OEQ, CEQ or NQ.

    Args:
      texts: Utterances, one turn each; a turn may hold several sentences.
      recipe: The model to use (the production one by default).
    Returns:
      One ``Label`` per text, in order. Empty or blank texts are NQ.
    """
    return _predict(load_classifier(recipe), texts) if texts else []


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
        text = _plain(text)
        for name, label, pattern in qt.BASELINE:
            match = re.search(pattern, text)
            if match:
                out.append(Label(label, BASELINE_CONFIDENCE, f"rule: {name} ('{match.group(0).strip()}')"))
                break
        else:
            out.append(Label("NQ", BASELINE_CONFIDENCE, "rule: no question form"))
    return out


def _predict(model, texts: list[str]) -> list[Label]:
    """Rules first, then the model for the texts no rule decides."""
    normal = [_normaliser(model.recipe)(t) for t in texts]
    found: list[Label | None] = []
    for text in normal:
        hit = qt.rule(text) if text else ("empty text", "NQ", "")
        if hit is None:
            found.append(None)
        elif not text:
            found.append(Label("NQ", 1.0, "rule: empty text"))
        else:
            found.append(Label(hit[1], RULE_CONFIDENCE, f"rule: {hit[0]} ('{hit[2]}')"))
    todo = [i for i, label in enumerate(found) if label is None]
    fast = getattr(model, "fast", None)
    if todo and fast is not None:  # the sure ones without embeddings, the rest with them
        for i, label in zip(todo, _model_labels(fast, [normal[i] for i in todo]), strict=True):
            found[i] = label if label.confidence >= model.recipe.fast_confidence else None
        todo = [i for i in todo if found[i] is None]
    if todo:
        for i, label in zip(todo, _model_labels(model, [normal[i] for i in todo]), strict=True):
            found[i] = label
    # A turn of two questions or more ("did you like it? what did you like about it?") takes
    # its most open question's label (docs/question-labels.md, step 3). Only where every part
    # opens as a question: a statement beside one is context the whole turn's label weighs.
    turns = {i: qt.questions_in(normal[i]) for i, label in enumerate(found) if label.cue.startswith("model")}
    turns = {i: parts for i, parts in turns.items() if len(parts) > 1 and all(map(qt.opens_as_question, parts))}
    if turns:
        labels = iter(_predict(model, [part for parts in turns.values() for part in parts]))
        for i, parts in turns.items():
            found[i] = most_open([found[i], *(next(labels) for _ in parts)])
    return found


def _model_labels(model, normal: list[str]) -> list[Label]:
    """One fitted pipeline's label, probability and cue for each normalised text."""
    features = model.named_steps["features"].transform(normal)
    probs = model.named_steps["lr"].predict_proba(features)
    classes = list(model.named_steps["lr"].classes_)
    words, hand, hand_end = model.cue_names
    coef = model.named_steps["lr"].coef_[:, :hand_end]
    out = []
    for row in range(len(normal)):
        k = int(probs[row].argmax())
        cue = _model_cue(coef, features[row, :hand_end], k, words, hand)
        out.append(Label(str(classes[k]), _round(probs[row, k]), cue))
    return out


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


def _round(value) -> float:
    return round(float(value), 4)
