"""SQLite schema versions (PRAGMA user_version): an old file is upgraded once, its data kept;
a file from a newer nds-assistant is refused with a message that says so."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from assistant.feedback import FeedbackError, FeedbackStore
from index import catalog as catalog_module
from index.catalog import Catalog
from index.embed import CachedEmbedder, text_hash
from index.errors import IndexMismatchError
from index.ingest import ingest
from index.layout import CACHE_FILE, CATALOG_FILE
from index.migrations import SchemaTooNewError
from index.reader import IndexReader
from index.settings import Settings
from tests.fakes import FakeEmbedder, FakeStore

# The schemas as nds-assistant wrote them before user_version (copied, not imported: the
# point is that these files exist on disk, whatever the code says today).
OLD_CATALOG = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source_file TEXT NOT NULL, content_hash TEXT NOT NULL,
    metadata TEXT NOT NULL, n_chunks INTEGER NOT NULL, ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    position INTEGER NOT NULL, text TEXT NOT NULL, embed_text TEXT NOT NULL,
    metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
OLD_CACHE = (
    "CREATE TABLE IF NOT EXISTS vectors "
    "(model TEXT, hash TEXT, vector BLOB, PRIMARY KEY (model, hash))"
)
OLD_FEEDBACK = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (1, -1)), comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL, history_json TEXT NOT NULL DEFAULT '[]', answer TEXT NOT NULL,
    citations_json TEXT NOT NULL DEFAULT '[]', answerer TEXT NOT NULL DEFAULT '',
    manifest_id TEXT NOT NULL DEFAULT '', language TEXT NOT NULL DEFAULT 'nl'
);
CREATE TRIGGER IF NOT EXISTS feedback_no_update BEFORE UPDATE ON feedback
BEGIN SELECT RAISE(ABORT, 'feedback is append-only'); END;
CREATE TRIGGER IF NOT EXISTS feedback_no_delete BEFORE DELETE ON feedback
BEGIN SELECT RAISE(ABORT, 'feedback is append-only'); END;
"""


def version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def set_version(path: Path, value: int) -> None:
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {value}")
    db.commit()
    db.close()


def old_catalog(path: Path) -> None:
    """Two documents: 'lijst' has a whitespace gap between its chunks that was not recorded
    (as before ingest recorded gaps), 'kort' has one chunk."""
    db = sqlite3.connect(path)
    db.executescript(OLD_CATALOG)
    for doc_id, n in (("lijst", 2), ("kort", 1)):
        db.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
            (doc_id, f"{doc_id}.md", f"hash-{doc_id}", json.dumps({"title": doc_id}), n, 1.0),
        )
    rows = [
        ("lijst-0", "lijst", 0, "Eerste deel.", {"start": 0, "end": 12}),
        ("lijst-1", "lijst", 1, "- tweede deel", {"start": 14, "end": 27}),  # gap of 2
        ("kort-0", "kort", 0, "Alleen dit.", {"start": 0, "end": 11}),
    ]
    for cid, doc, pos, text, meta in rows:
        db.execute(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
            (cid, doc, pos, text, text, json.dumps(meta | {"doc_id": doc})),
        )
    db.commit()
    db.close()


def test_an_old_catalog_is_upgraded_once_and_keeps_its_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / CATALOG_FILE
    old_catalog(path)
    assert version(path) == 0
    readonly = Catalog(path, readonly=True)
    assert readonly.version == 0  # a reader does not upgrade
    readonly.close()

    with caplog.at_level(logging.INFO, logger="nds_assistant.index"):
        catalog = Catalog(path)
    assert len(catalog.upgrades) == 1
    assert (
        f"Upgraded the catalog {path} from schema 0 to {catalog_module.VERSION}"
        in (catalog.upgrades[0])
    )
    assert catalog.upgrades[0] in caplog.text
    docs = catalog.documents()
    assert set(docs) == {"lijst", "kort"} and docs["kort"].content_hash == "hash-kort"
    assert docs["lijst"].content_hash == ""  # re-chunked by the next ingest
    assert [c.chunk_id for c in catalog.chunks()] == ["kort-0", "lijst-0", "lijst-1"]
    catalog.close()
    assert version(path) == catalog_module.VERSION

    again = Catalog(path)
    assert again.upgrades == [] and again.documents()["kort"].content_hash == "hash-kort"
    again.close()


def test_a_new_catalog_says_nothing(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / CATALOG_FILE)
    assert catalog.upgrades == [] and catalog.version == catalog_module.VERSION
    catalog.close()
    assert version(tmp_path / CATALOG_FILE) == catalog_module.VERSION


def test_a_catalog_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / CATALOG_FILE
    Catalog(path).close()
    set_version(path, catalog_module.VERSION + 1)
    for readonly in (False, True):
        with pytest.raises(SchemaTooNewError, match="newer version of nds-assistant"):
            Catalog(path, readonly=readonly)


def test_ingest_upgrades_an_old_index_and_restores_the_chunk_gaps(tmp_path: Path) -> None:
    """End to end: an index whose catalog predates versioning and recorded gaps is refused by
    the reader with the command that upgrades it; ingest upgrades it once, says so, re-chunks
    only the documents that need it, and the reader opens it."""
    sources = tmp_path / "sources"
    sources.mkdir()
    items = "\n".join(f"- punt {i} van de lijst over digitale overheid" for i in range(40))
    (sources / "lijst.md").write_text(f"# Lijst\n\nDe punten:\n\n{items}\n", encoding="utf-8")
    (sources / "kort.md").write_text("Een korte notitie.\n", encoding="utf-8")
    settings = Settings(
        sources_dir=sources, index_dir=tmp_path / "index", chunk_size=200, chunk_overlap=0
    )
    store = FakeStore()
    ingest(settings, embedder=FakeEmbedder(), store=store)
    path = settings.index_dir / CATALOG_FILE
    db = sqlite3.connect(path)
    rows = db.execute("SELECT chunk_id, metadata FROM chunks").fetchall()
    stripped = {cid: json.loads(m) for cid, m in rows}
    assert any("gap_before" in m for m in stripped.values())  # else this test proves nothing
    for cid, meta in stripped.items():
        meta.pop("gap_before", None)
        db.execute("UPDATE chunks SET metadata = ? WHERE chunk_id = ?", (json.dumps(meta), cid))
    db.execute("PRAGMA user_version = 0")
    db.commit()
    db.close()

    with pytest.raises(IndexMismatchError, match="nds-assistant ingest --index"):
        IndexReader(settings, FakeEmbedder(), store=store)
    report = ingest(settings, embedder=FakeEmbedder(), store=store)
    assert "Upgraded the catalog" in report.summary()
    assert report.count("ingested") == 1 and report.count("unchanged") == 1
    assert report.embedded == 0  # the vectors came from the embedding cache
    reader = IndexReader(settings, FakeEmbedder(), store=store)
    assert any("gap_before" in c.metadata for c in reader.snapshot.chunks.values())
    assert ingest(settings, embedder=FakeEmbedder(), store=store).upgrades == []


def test_an_old_embedding_cache_is_upgraded_once_and_keeps_its_vectors(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILE
    vector = np.arange(64, dtype=np.float32)
    db = sqlite3.connect(path)
    db.execute(OLD_CACHE)
    db.execute(
        "INSERT INTO vectors VALUES (?, ?, ?)", ("fake/hash-64", text_hash("oud"), vector.tobytes())
    )
    db.commit()
    db.close()

    cache = CachedEmbedder(FakeEmbedder(), path)
    assert len(cache.upgrades) == 1 and "embedding cache" in cache.upgrades[0]
    assert np.array_equal(cache.embed_passages(["oud"])[0], vector) and cache.misses == 0
    cache.close()
    again = CachedEmbedder(FakeEmbedder(), path)
    assert again.upgrades == []
    again.close()

    set_version(path, 7)
    with pytest.raises(SchemaTooNewError, match=r"embedding cache .* newer version"):
        CachedEmbedder(FakeEmbedder(), path)


def test_an_old_feedback_file_is_upgraded_once_and_stays_append_only(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(OLD_FEEDBACK)
    db.execute(
        "INSERT INTO feedback (created_at, rating, question, answer) VALUES (?, ?, ?, ?)",
        ("2025-07-01T10:00:00+00:00", 1, "Wat is de NDS?", "..."),
    )
    db.commit()
    db.close()

    store = FeedbackStore(path)
    assert len(store.upgrades) == 1 and "feedback database" in store.upgrades[0]
    assert store.count() == 1
    store.add(rating=-1, question="En nu?", answer="...")
    assert store.count() == 2
    with sqlite3.connect(path) as raw, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM feedback")
    assert FeedbackStore(path).upgrades == []

    set_version(path, 5)
    with pytest.raises(FeedbackError, match="newer version of nds-assistant"):
        FeedbackStore(path)
