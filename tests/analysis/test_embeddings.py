"""MiniLM sentence embeddings from the packaged weights, run by the project's own encoder."""

import numpy as np

from analysis import embeddings


def test_it_embeds_sentences_as_unit_vectors_that_put_like_with_like():
    texts = [
        "why do you think the ice melted",
        "what made the ice turn into water",
        "please hang your coat on the hook",
    ]
    vectors = embeddings.encode(texts)
    assert vectors.shape == (3, embeddings.DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > unrelated + 0.2, (similar, unrelated)


def test_it_gives_the_same_vector_alone_or_in_a_batch_of_other_lengths():
    alone = embeddings.load().encode(["is it heavy"])
    batch = embeddings.load().encode(
        ["is it heavy", "tell me everything you noticed about the way the boat tipped over"]
    )
    assert np.allclose(alone[0], batch[0], atol=1e-5)


def test_it_returns_an_empty_array_for_no_texts():
    assert embeddings.encode([]).shape == (0, embeddings.DIM)


def test_training_vectors_are_kept_on_disk_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("CULTIVATE_CACHE_DIR", str(tmp_path))
    texts = ["what do you notice", "is it red"]
    first = embeddings.encode_cached(texts, "test")
    (saved,) = tmp_path.glob("test-*.npy")
    assert np.array_equal(np.load(saved, allow_pickle=False), first)
    saved.write_bytes(b"not an array")  # a broken file is made again, not trusted
    again = embeddings.encode_cached(texts, "test")
    assert np.allclose(again, first) and np.load(saved, allow_pickle=False).shape == (2, embeddings.DIM)
