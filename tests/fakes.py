"""Test doubles. Nothing here is a real model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from index.chunk import Chunk

_WORD = re.compile(r"\w+", re.UNICODE)


class FakeEmbedder:
    """A FAKE embedder for logic tests: a deterministic hashing-trick bag of words.

    Each lower-cased word adds +1 or -1 to one of ``dim`` buckets (both chosen by a sha256 of
    the word); the vector is L2-normalised. Texts sharing words get similar vectors, so it is
    good enough to exercise plumbing, and it is instant. It says nothing about retrieval quality.
    ``calls`` and ``embedded`` count how often and how many texts were embedded.
    """

    def __init__(self, dim: int = 64, model_id: str = "fake/hash-64") -> None:
        self._dim = dim
        self._model_id = model_id
        self.calls = 0
        self.embedded = 0

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dim

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self._dim, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            digest = hashlib.sha256(word.encode("utf-8")).digest()
            bucket = int.from_bytes(digest[:4], "little") % self._dim
            vec[bucket] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.embedded += len(texts)
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return np.vstack([self._vector(t) for t in texts]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


class FakeStore:
    """A FAKE vector store for logic tests: the :class:`index.store.VectorStore` protocol in
    memory, exact cosine similarity with numpy (no HNSW, no persistence, one process).

    Hand the same instance to ``ingest(..., store=)`` and ``Assistant(..., store=)``: the
    catalog, BM25 and manifest stay in the index folder, only the vectors live here.
    """

    def __init__(self) -> None:
        self.vectors: dict[str, np.ndarray] = {}
        self.doc_ids: dict[str, str] = {}
        self.queries = 0

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        for chunk, vector in zip(chunks, vectors, strict=True):
            v = np.asarray(vector, dtype=np.float32)
            self.vectors[chunk.chunk_id] = v / max(float(np.linalg.norm(v)), 1e-12)
            self.doc_ids[chunk.chunk_id] = chunk.doc_id

    def delete(self, ids: Sequence[str]) -> None:
        for chunk_id in ids:
            self.vectors.pop(chunk_id, None)
            self.doc_ids.pop(chunk_id, None)

    def all_ids(self) -> set[str]:
        return set(self.vectors)

    def count(self) -> int:
        return len(self.vectors)

    def query(
        self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunks as ``(chunk_id, cosine similarity)``, best first (ties by id)."""
        self.queries += 1
        allowed = None if doc_ids is None else set(doc_ids)
        ids = [c for c in self.vectors if allowed is None or self.doc_ids[c] in allowed]
        if not ids:
            return []
        q = np.asarray(vector, dtype=np.float32)
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        scores = np.vstack([self.vectors[c] for c in ids]) @ q
        ranked = sorted(zip(ids, scores.tolist(), strict=True), key=lambda p: (-p[1], p[0]))
        return [(c, float(s)) for c, s in ranked[: max(1, n)]]


class FakeAnswerer:
    """A FAKE answerer for plumbing tests: it records every request it gets and answers with
    a fixed text citing the first passage (or refuses when there is none). It implements
    :class:`assistant.answerer.Answerer`, so ``Assistant(answerer=FakeAnswerer())`` uses it."""

    name = "fake"

    def __init__(self, text: str = "Een vast antwoord [1].") -> None:
        self.text = text
        self.requests: list[Any] = []  # the AnswerRequests received, in order

    def stream(self, request: Any) -> Iterator[Any]:
        from assistant.answerer import pieces
        from assistant.types import Citation

        self.requests.append(request)
        cites = [Citation.from_passage(p, p.text[:40], 1.0) for p in request.passages[:1]]
        answer = request.answer(
            self.text if cites else "Geen bronnen.",
            cites,
            answerer=self.name,
            refused=not cites,
        )
        yield from pieces(answer.text)
        yield answer
