"""The catalog: a SQLite file that records which documents and chunks the index holds.

It is the ingest's memory (content hashes, so unchanged files are skipped) and the readers'
local copy of every chunk's text and metadata (BM25, filters, citations), so answering never
has to page through the vector store. Each document is replaced in one transaction, so a
reader sees either the old or the new version of a document, never half of it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.chunk import Chunk

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


class Catalog:
    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        if readonly:
            self._db = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=30
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
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
