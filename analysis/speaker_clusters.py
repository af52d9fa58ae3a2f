"""Speakers from voice embeddings: windows (rows of L2-normalised embeddings) grouped into
voices, with no audio and no options object, so ``analysis.speakers`` and the benchmarks call
the same code.

``spectral_merge`` (the default) first over-splits the windows with spectral clustering on a
pruned cosine affinity, so every voice, a quiet child's included, gets clusters of its own
instead of being swallowed by the loudest speaker; then merges the two most similar clusters
(cosine of their mean embeddings) until the count remains, and a k-means pass (cosine)
settles the borders. With ``auto`` the count is the most voices whose settled mean voices are
all less alike than the encoder's line between one person and two (``alike``: CAM++, trained
to verify speakers, puts two people's mean voices far below one person's two halves); or, for
an encoder whose two ranges overlap (Resemblyzer), where the chain of merges drops most
sharply (``drop``): merging pieces of one voice keeps a steady similarity, the first merge of
two different people falls well below it. ``agglomerative`` is the first version (average
linkage, a silhouette count and a fixed one-voice similarity), kept for comparison.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Count = int | str  # a number of speakers, or "auto"
COUNT_RULES = ("alike", "drop")


def agglomerative(x: np.ndarray, speakers: Count, max_speakers: int, same_voice: float) -> tuple[np.ndarray, int]:
    """The first version: average linkage into the count (or the count with the best silhouette
    for ``auto``); two clusters whose mean voices are at least ``same_voice`` alike are one.
    Returns labels 0..k-1 and k."""
    from sklearn.cluster import AgglomerativeClustering

    def fit(k: int) -> np.ndarray:
        return AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(x)

    if speakers == "auto":
        k = _estimate_count(x, fit, max_speakers)
    else:
        k = min(int(speakers), len(x))
    labels = fit(k) if k > 1 else np.zeros(len(x), int)
    if k > 1 and _centroid_similarity(x, labels) >= same_voice:
        return np.zeros(len(x), int), 1
    return labels, k


def spectral_merge(
    x: np.ndarray,
    speakers: Count,
    max_speakers: int,
    split_into: int,
    min_drop: float,
    same_voice: float,
    rule: str = "drop",
    pitch_of: Callable[[np.ndarray], float] | None = None,
    pitch_apart: float = 0.0,
    min_windows: int = 1,
    prune: float = 0.2,
) -> tuple[np.ndarray, int, int]:
    """Over-split with spectral clustering into ``split_into`` (with a count given, at least
    ``_PIECES_PER_VOICE`` per voice), merge the closest clusters down
    to the count, settle the borders with k-means. Returns labels 0..k-1, k, and the count the
    encoder itself points to (``auto``'s answer, also worked out when a count was given).

    ``rule`` says how that count is found: ``alike``, the most voices whose settled mean
    voices are all less alike (cosine) than ``same_voice``, a fixed line between one person and
    two (an encoder trained to verify speakers draws one: CAM++); ``drop``, where the chain of
    merges drops most sharply, by at least ``min_drop`` (for Resemblyzer, whose similarities
    of one person and of two overlap too much for a fixed line). With ``pitch_of`` (the median
    pitch, in semitones, of the windows a boolean mask picks; NaN where too little is voiced),
    ``alike`` also counts two voices alike by the encoder as two people when their pitches are
    at least ``pitch_apart`` semitones apart (a woman and a girl that an encoder hears as close).
    ``alike`` counts a voice only when it holds at least ``min_windows`` windows. ``prune`` is
    the share of most-alike windows each window stays linked to in the over-split.
    Fewer than 4 windows are too few to over-split: ``agglomerative`` then."""
    n = len(x)
    if n < 4:
        labels, k = agglomerative(x, speakers, max_speakers, same_voice)
        return labels, k, k
    # A long recording is over-split on evenly spaced windows (the eigen-decomposition grows
    # with the cube of its size); every window then joins its nearest cluster.
    sample = np.linspace(0, n - 1, min(n, _SPECTRAL_MAX)).round().astype(int)
    if speakers != "auto":  # room for every voice asked for, a quiet one's included
        split_into = max(split_into, _PIECES_PER_VOICE * int(speakers))
    pieces = _spectral(x[sample], min(split_into, len(sample) - 1), prune)
    if len(sample) < n:
        centroids = unit(np.stack([x[sample][pieces == c].mean(axis=0) for c in range(pieces.max() + 1)]))
        pieces = (x @ centroids.T).argmax(axis=1)
    chain = _merge_chain(x, pieces)
    settled: dict[int, np.ndarray] = {}

    def labels_for(k: int) -> np.ndarray:
        if k not in settled:
            labels = np.zeros(n, int)
            for label, members in enumerate(chain[k][0]):
                labels[np.isin(pieces, members)] = label
            settled[k] = _kmeans_cosine(x, labels, k) if k > 1 else labels
        return settled[k]

    if rule == "alike":
        heard = 1
        for k in range(min(max_speakers, max(chain)), 1, -1):
            labels = labels_for(k)
            if np.bincount(labels).min() >= min_windows and _all_apart(x, labels, same_voice, pitch_of, pitch_apart):
                heard = int(labels.max()) + 1
                break
    else:
        heard = _count_from_chain(chain, max_speakers, min_drop)
    # A count given is trusted (a coach can merge two speakers that are one person): the
    # encoder's count is only compared with it, for the note that voices were hard to tell apart.
    k = heard if speakers == "auto" else min(int(speakers), max(chain))
    labels = labels_for(k)
    return labels, int(labels.max()) + 1, heard


# With a count given, the over-split makes at least this many pieces per voice asked for: with
# 8 pieces for four people, a child with a few short answers had none of their own and the
# teacher's pieces filled the count (bench/diarization.py, the drawn sets).
_PIECES_PER_VOICE = 4
_SPECTRAL_MAX = 2000  # windows over-split at once (about 17 minutes of speech at a 0.5 s hop)


def _spectral(x: np.ndarray, k: int, prune: float) -> np.ndarray:
    """Normalised spectral clustering into ``k`` on a pruned cosine affinity (each row keeps
    its nearest neighbours, then symmetrised), as in auto-tuning spectral clustering for
    speaker diarization (Park et al., 2019) but with a fixed pruning share."""
    from sklearn.cluster import KMeans

    affinity = x @ x.T
    keep = max(2, int(np.ceil(prune * len(x))))
    far = np.argsort(-affinity, axis=1)[:, keep:]
    np.put_along_axis(affinity, far, 0.0, axis=1)
    affinity = np.maximum((affinity + affinity.T) / 2, 0.0)
    np.fill_diagonal(affinity, 0.0)
    degree = np.maximum(affinity.sum(axis=1), 1e-9)
    laplacian = np.eye(len(x)) - affinity / np.sqrt(np.outer(degree, degree))
    _, vectors = np.linalg.eigh(laplacian)
    spectral = unit(vectors[:, :k])
    return KMeans(k, n_init=10, random_state=0).fit_predict(spectral)


def _merge_chain(x: np.ndarray, pieces: np.ndarray) -> dict[int, tuple[list[list[int]], float]]:
    """Merge the two clusters with the most similar mean embeddings, again and again down to
    one. Returns, for each count k, the groups of pieces and the similarity of the merge that
    takes k to k - 1 (0 for k = 1)."""
    groups = [[p] for p in np.unique(pieces).tolist()]
    chain: dict[int, tuple[list[list[int]], float]] = {}
    while len(groups) > 1:
        centroids = unit(np.stack([x[np.isin(pieces, g)].mean(axis=0) for g in groups]))
        sims = centroids @ centroids.T
        np.fill_diagonal(sims, -2.0)
        a, b = sorted(np.unravel_index(int(np.argmax(sims)), sims.shape))
        chain[len(groups)] = ([list(g) for g in groups], float(sims[a, b]))
        groups[a] += groups.pop(b)
    chain[1] = ([list(g) for g in groups], 0.0)
    return chain


def _count_from_chain(chain, max_k: int, min_drop: float, before: int = 3) -> int:
    """The count k whose merge (k to k - 1) falls furthest below the mean of the ``before``
    merges preceding it; 1 when no merge falls ``min_drop`` below."""
    ks = sorted((k for k in chain if k > 1), reverse=True)
    best_k, best_drop = 1, min_drop
    for i, k in enumerate(ks):
        if i == 0 or k > max_k:
            continue
        level = np.mean([chain[j][1] for j in ks[max(0, i - before) : i]])
        drop = level - chain[k][1]
        if drop > best_drop:
            best_k, best_drop = k, drop
    return best_k


def _kmeans_cosine(x: np.ndarray, labels: np.ndarray, k: int, rounds: int = 10) -> np.ndarray:
    """Each window joins the nearest cluster mean until nothing moves; clusters stay 0..k'-1."""
    for _ in range(rounds):
        centroids = unit(np.stack([x[labels == c].mean(axis=0) for c in range(k)]))
        moved = (x @ centroids.T).argmax(axis=1)
        if (moved == labels).all():
            break
        labels = moved
        _, labels = np.unique(labels, return_inverse=True)
        k = int(labels.max()) + 1
    return labels


def unit(x: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (cosine similarity is then a dot product)."""
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def _estimate_count(x: np.ndarray, fit, max_k: int) -> int:
    from sklearn.metrics import silhouette_score

    best_k, best_score = 1, 0.08  # a silhouette below this is no real structure: one voice
    for k in range(2, min(max_k, len(x) - 1) + 1):
        labels = fit(k)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(x, labels, metric="cosine")
        if score > best_score:
            best_k, best_score = k, score
    return best_k


def _all_apart(x: np.ndarray, labels: np.ndarray, same_voice: float, pitch_of, pitch_apart: float) -> bool:
    """Every two clusters are two people: mean voices less alike than ``same_voice`` or, where
    ``pitch_of`` is given, pitches at least ``pitch_apart`` semitones apart."""
    ids = np.unique(labels)
    centroids = unit(np.stack([x[labels == c].mean(axis=0) for c in ids]))
    sims = centroids @ centroids.T
    for a, b in zip(*np.nonzero(np.triu(sims >= same_voice, 1)), strict=True):
        if pitch_of is None or not abs(pitch_of(labels == ids[a]) - pitch_of(labels == ids[b])) >= pitch_apart:
            return False
    return True


def _centroid_similarity(x: np.ndarray, labels: np.ndarray) -> float:
    """Highest cosine similarity between any two cluster centroids (-1 for one cluster)."""
    if labels.max() < 1:
        return -1.0
    centroids = unit(np.stack([x[labels == c].mean(axis=0) for c in np.unique(labels)]))
    sims = centroids @ centroids.T
    np.fill_diagonal(sims, -1)
    return float(sims.max())
