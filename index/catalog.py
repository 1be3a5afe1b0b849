"""The catalog: a SQLite file that records which documents and chunks the index holds.

It is the ingest's memory (content hashes, so unchanged files are skipped) and the readers'
local copy of every chunk's text and metadata (BM25, filters, citations), so answering never
has to page through the vector store. Each document is replaced in one transaction, so a
reader sees either the old or the new version of a document, never half of it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.chunk import Chunk
from index.migrations import Migration, SchemaTooNewError, check_version, migrate

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source_file TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    metadata TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    embed_text TEXT NOT NULL,
    metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    source_file: str
    content_hash: str
    metadata: dict[str, Any]
    n_chunks: int


@dataclass(frozen=True)
class ChunkRecord:
    chunk_id: str
    doc_id: str
    position: int
    text: str
    embed_text: str
    metadata: dict[str, Any]


def _create_tables(db: sqlite3.Connection) -> None:
    for statement in _SCHEMA.split(";"):  # not executescript: it would commit the migration
        if statement.strip():
            db.execute(statement)


# Whitespace gaps between chunks at most this long are recorded as ``gap_before`` (index.chunk).
_RECORDED_GAP = 32


def _reingest_unrecorded_gaps(db: sqlite3.Connection) -> None:
    """Chunks written before ingest recorded the whitespace between two chunks
    (``gap_before``, which list answers need to join chunks back together): their documents
    are marked changed, so the next ingest chunks them again (same chunk ids; the vectors come
    from the embedding cache)."""
    marked: set[str] = set()
    previous: tuple[str, int] | None = None  # (doc_id, end) of the chunk before
    rows = db.execute("SELECT doc_id, metadata FROM chunks ORDER BY doc_id, position")
    for doc_id, metadata in rows:
        meta = json.loads(metadata)
        start, end = int(meta.get("start", 0)), int(meta.get("end", 0))
        if previous is not None and previous[0] == doc_id:
            gap = start - previous[1]
            if 0 < gap <= _RECORDED_GAP and "gap_before" not in meta:
                marked.add(doc_id)
        previous = (doc_id, end)
    db.executemany(
        "UPDATE documents SET content_hash = '' WHERE doc_id = ?", [(d,) for d in sorted(marked)]
    )


# Migration i brings a catalog from schema i to i + 1 (PRAGMA user_version; index.migrations).
MIGRATIONS = (
    Migration("documents, chunks and info tables", _create_tables),
    Migration(
        "documents whose chunks lack the recorded gaps between them are re-chunked by this ingest",
        _reingest_unrecorded_gaps,
    ),
)
VERSION = len(MIGRATIONS)


class Catalog:
    """The catalog file. Opened for writing, an older file is upgraded (``upgrades`` says
    how); opened ``readonly``, ``version`` tells the reader whether it is current."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.upgrades: list[str] = []
        if readonly:
            self._db = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=30
            )
            try:
                self.version = check_version(self._db, MIGRATIONS, store="catalog", path=path)
            except SchemaTooNewError:
                self._db.close()
                raise
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            # Ingest's report shows the upgrade; the log line is for other writers.
            try:
                self.upgrades = migrate(
                    self._db, MIGRATIONS, store="catalog", path=path, log_level=logging.INFO
                )
            except BaseException:
                self._db.close()
                raise
            self.version = VERSION
        self._db.execute("PRAGMA foreign_keys=ON")

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def read_transaction(self) -> Iterator[Catalog]:
        """Reads inside one transaction: they all see the same committed state, even while a
        writer commits (rows and generation of one snapshot)."""
        self._db.execute("BEGIN")
        try:
            yield self
        finally:
            self._db.execute("COMMIT")

    # -- documents ---------------------------------------------------------------------------
    def documents(self) -> dict[str, DocumentRecord]:
        rows = self._db.execute(
            "SELECT doc_id, source_file, content_hash, metadata, n_chunks FROM documents"
        )
        return {r[0]: DocumentRecord(r[0], r[1], r[2], json.loads(r[3]), int(r[4])) for r in rows}

    def replace_document(
        self,
        doc_id: str,
        source_file: str,
        content_hash: str,
        metadata: dict[str, Any],
        chunks: Sequence[Chunk],
        embed_texts: Sequence[str],
    ) -> None:
        """Swap a document's chunks in one transaction."""
        with self._db:
            self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            self._db.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
                (
                    doc_id,
                    source_file,
                    content_hash,
                    json.dumps(metadata, ensure_ascii=False),
                    len(chunks),
                    time.time(),
                ),
            )
            self._db.executemany(
                "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.chunk_id,
                        doc_id,
                        c.position,
                        c.text,
                        et,
                        json.dumps(c.metadata, ensure_ascii=False),
                    )
                    for c, et in zip(chunks, embed_texts, strict=True)
                ],
            )
            self._bump()

    def remove_documents(self, doc_ids: Iterable[str]) -> None:
        with self._db:
            for doc_id in doc_ids:
                self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
                self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            self._bump()

    # -- chunks ------------------------------------------------------------------------------
    def chunk_ids(self, doc_id: str | None = None) -> set[str]:
        if doc_id is None:
            return {r[0] for r in self._db.execute("SELECT chunk_id FROM chunks")}
        rows = self._db.execute("SELECT chunk_id FROM chunks WHERE doc_id = ?", (doc_id,))
        return {r[0] for r in rows}

    def chunks(self) -> list[ChunkRecord]:
        rows = self._db.execute(
            "SELECT chunk_id, doc_id, position, text, embed_text, metadata FROM chunks "
            "ORDER BY doc_id, position"
        )
        return [ChunkRecord(r[0], r[1], int(r[2]), r[3], r[4], json.loads(r[5])) for r in rows]

    # -- bookkeeping -------------------------------------------------------------------------
    def _bump(self) -> None:
        self._db.execute(
            "INSERT INTO info VALUES ('generation', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def generation(self) -> int:
        row = self._db.execute("SELECT value FROM info WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def get_info(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM info WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_info(self, key: str, value: str) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO info VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = ?",
                (key, value, value),
            )
