"""Retrieval over an index whose vectors live in ``tests.fakes.FakeStore``, not Chroma.

``IndexReader`` and ``ingest`` take any ``VectorStore``; these tests pin that the plumbing is
store-agnostic: the same corpus and embedder give the same passages, in the same order, from
the fake store as from the real Chroma (which stays the default and is tested everywhere else).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from index.errors import ConfigError, IndexMismatchError
from index.ingest import ingest
from index.layout import CHROMA_DIR
from index.settings import Settings
from tests.corpora import DATA_SYSTEM, NDS_PRIORITIES
from tests.fakes import FakeEmbedder, FakeStore

CORPUS = {
    "prioriteiten.md": NDS_PRIORITIES,
    "datastelsel.md": DATA_SYSTEM,
    "inclusie.md": "---\ntitle: Digitale inclusie\npublisher: BZK\n---\n# Inclusie\n\n"
    "Iedereen moet mee kunnen doen in de digitale samenleving. Gemeenten bieden hulp bij "
    "digitale vaardigheden in de bibliotheek. Dat geldt ook voor ouderen en laaggeletterden.\n",
}
QUESTIONS = [
    "Wat zijn de zes prioriteiten van de NDS?",
    "Hoe delen overheden gegevens in het federatief datastelsel?",
    "Waar krijg ik hulp bij digitale vaardigheden?",
]


def _settings(root: Path) -> Settings:
    sources = root / "sources"
    if not sources.exists():
        sources.mkdir(parents=True)
        for name, text in CORPUS.items():
            (sources / name).write_text(text, encoding="utf-8")
    return Settings(sources_dir=sources, index_dir=root / "index", chunk_size=300, chunk_overlap=60)


def test_retrieval_over_a_fake_store_matches_chroma(tmp_path: Path) -> None:
    fake = FakeStore()
    in_fake = _settings(tmp_path / "fake")
    report = ingest(in_fake, embedder=FakeEmbedder(), store=fake)
    assert not report.failed and report.documents == len(CORPUS), report.summary()
    assert fake.count() == report.chunks > 0
    assert not (in_fake.index_dir / CHROMA_DIR).exists()  # nothing went to Chroma

    in_chroma = _settings(tmp_path / "chroma")
    ingest(in_chroma, embedder=FakeEmbedder())
    ours = Assistant(settings=in_fake, embedder=FakeEmbedder(), store=fake)
    real = Assistant(settings=in_chroma, embedder=FakeEmbedder())
    assert ours.index_info().chunks == real.index_info().chunks

    for mode in ("hybrid", "dense"):
        for q in QUESTIONS:
            got = ours.retrieve(q, k=5, mode=mode)
            want = real.retrieve(q, k=5, mode=mode)
            assert [p.chunk_id for p in got] == [p.chunk_id for p in want], (mode, q)
            assert [p.score for p in got] == pytest.approx([p.score for p in want], abs=1e-5)
    assert fake.queries >= 2 * len(QUESTIONS)  # the dense side really asked the fake store
    # Filters reach the store as document ids.
    only = ours.retrieve(QUESTIONS[0], k=5, mode="dense", filters={"source_id": "datastelsel"})
    assert only and {p.source_id for p in only} == {"datastelsel"}


def test_a_fake_store_follows_incremental_ingest(tmp_path: Path) -> None:
    fake = FakeStore()
    settings = _settings(tmp_path)
    ingest(settings, embedder=FakeEmbedder(), store=fake)
    (settings.sources_dir / "inclusie.md").unlink()
    report = ingest(settings, embedder=FakeEmbedder(), store=fake)
    assert report.count("removed") == 1 and report.count("unchanged") == 2
    bot = Assistant(settings=settings, embedder=FakeEmbedder(), store=fake)
    assert fake.count() == bot.index_info().chunks
    assert "inclusie" not in {d["doc_id"] for d in bot.documents()}
    # A rebuild empties the store it was given before writing again.
    fake.vectors["weesje"] = fake.vectors[next(iter(fake.vectors))]
    fake.doc_ids["weesje"] = "weg"
    ingest(settings, embedder=FakeEmbedder(), store=fake, rebuild=True)
    assert "weesje" not in fake.all_ids() and fake.count() == bot.index_info().chunks


def test_a_fake_store_index_is_checked_against_its_manifest(tmp_path: Path) -> None:
    fake = FakeStore()
    settings = _settings(tmp_path)
    ingest(settings, embedder=FakeEmbedder(), store=fake)
    other = FakeEmbedder(dim=32, model_id="fake/hash-32")
    with pytest.raises(IndexMismatchError, match="embedder: index has fake/hash-64"):
        ingest(settings, embedder=other, store=fake)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Assistant(settings=settings, embedder=other, store=fake)
    bot = Assistant(settings=settings, embedder=FakeEmbedder(), store=fake)
    with pytest.raises(ConfigError, match="FakeStore, not in Chroma"):
        bot.chroma_collection()
