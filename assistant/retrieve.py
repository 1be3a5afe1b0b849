"""Hybrid retrieval: BM25 (Dutch/English stemming) + dense vectors from Chroma, fused with RRF.

BM25 runs once per language of the corpus: the question's own words over passages in its
language, and its glossary translation (plus its untranslated words: names, acronyms, numbers)
over passages in the other language. One BM25 list over everything would rank every passage
in the question's language above the other language's best match, which then drowns in the
fusion; per-language lists give a Dutch question about an English page a fair chance.

Follow-ups without an LLM: the dense query is the current question's vector plus the earlier
user turns' vector at ``history_weight``; BM25 runs on the current question and, at the same
lower weight, on the earlier turns. Filters narrow both sides to the same documents.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.history import Message
from assistant.question import Question, as_question
from assistant.types import Filters, Passage
from index.catalog import ChunkRecord
from index.lexical import Query
from index.reader import IndexReader
from index.settings import Settings


def passage_of(rec: ChunkRecord, score: float = 0.0) -> Passage:
    """A catalog row as a :class:`Passage` (its own copy of the metadata)."""
    return Passage(rec.doc_id, rec.chunk_id, rec.text, score, dict(rec.metadata))


def rrf(ranked_lists: Sequence[tuple[Sequence[str], float]], k: int = 60) -> dict[str, float]:
    """Weighted reciprocal rank fusion: ``sum(weight / (k + rank))`` over the lists.

    >>> sorted(rrf([(["a", "b"], 1.0), (["b", "c"], 1.0)], k=1).items())
    [('a', 0.5), ('b', 0.8333333333333333), ('c', 0.3333333333333333)]
    """
    scores: dict[str, float] = {}
    for ids, weight in ranked_lists:
        for rank, cid in enumerate(ids, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (k + rank)
    return scores


class HybridRetriever:
    def __init__(self, reader: IndexReader, settings: Settings) -> None:
        self.reader = reader
        self.settings = settings

    def allowed_docs(self, filters: Filters | None) -> list[str] | None:
        if filters is None or filters.is_empty():
            return None
        docs = self.reader.snapshot.documents
        return sorted(d for d, meta in docs.items() if filters.matches(meta))

    def query_vector(
        self, question: str | Question, history: Sequence[Message] | None = None
    ) -> np.ndarray:
        """The question's vector, plus the conversation's at its weight for a follow-up.

        ``question``: its analysis (:class:`Question`, made once per question), or a text
        analysed here with ``history``; the same holds for the other methods."""
        q = as_question(question, history)
        embedder = self.reader.embedder
        vec = embedder.embed_query(q.text)
        weight = q.follow_up.weight(self.settings.history_weight)
        if weight > 0:
            hvec = embedder.embed_query(q.follow_up.context)
            vec = vec + weight * hvec
            vec = vec / max(float(np.linalg.norm(vec)), 1e-12)
        return vec

    def lexical_lists(
        self,
        question: str | Question,
        history: Sequence[Message] | None,
        allowed: set[str] | None,
    ) -> list[tuple[list[str], float]]:
        """The BM25 ranked lists with their fusion weights (see the module docstring)."""
        q = as_question(question, history)
        s = self.settings
        snapshot = self.reader.snapshot
        lexical = snapshot.lexical
        n_rows = len(lexical.ids)
        allowed_mask = lexical.mask_for(allowed) if allowed is not None else None

        def search(query: Query, weight: float) -> list[tuple[list[str], float]]:
            other = query.other
            # Passages in the other language; all the rest (unknown languages too) are own.
            foreign_mask = snapshot.language_masks.get(other, np.zeros(n_rows, dtype=np.float32))
            own_mask = 1.0 - foreign_mask
            if allowed_mask is not None:
                own_mask, foreign_mask = own_mask * allowed_mask, foreign_mask * allowed_mask
            own = lexical.search_tokens(query.own, s.candidates, mask=own_mask)
            foreign = lexical.search_tokens(query.foreign, s.candidates, mask=foreign_mask)
            return [
                ([cid for cid, _ in own], weight),
                ([cid for cid, _ in foreign], weight * s.translation_weight),
            ]

        out = search(q.query, s.bm25_weight)
        weight = q.follow_up.weight(s.history_weight)
        if weight > 0 and q.context is not None:
            out += search(q.context, s.bm25_weight * weight)
        return out

    def retrieve(
        self,
        question: str | Question,
        k: int | None = None,
        history: Sequence[Message] | None = None,
        filters: Filters | None = None,
        *,
        query_vector: np.ndarray | None = None,
        dense_only: bool = False,
        lexical_only: bool = False,
    ) -> list[Passage]:
        s = self.settings
        q = as_question(question, history)
        k = k or s.k
        snapshot = self.reader.snapshot
        docs = self.allowed_docs(filters)
        if docs is not None and not docs:
            return []
        allowed_chunks = (
            {cid for cid, rec in snapshot.chunks.items() if rec.doc_id in set(docs)}
            if docs is not None
            else None
        )
        lists: list[tuple[list[str], float]] = []
        dense: dict[str, float] = {}
        if not lexical_only:
            vec = query_vector if query_vector is not None else self.query_vector(q)
            hits = self.reader.store.query(vec, s.candidates, doc_ids=docs)
            dense = dict(hits)
            lists.append(([cid for cid, _ in hits], s.dense_weight))
        if not dense_only:
            lists.extend(self.lexical_lists(q, None, allowed_chunks))
        fused = rrf(lists, s.rrf_k)
        ranked = sorted(fused.items(), key=lambda kv: -kv[1])
        out: list[Passage] = []
        for cid, score in ranked:
            rec = snapshot.chunks.get(cid)
            if rec is None:  # written by an ingest newer than our snapshot
                continue
            passage = passage_of(rec, round(score, 6))
            if cid in dense:
                passage.metadata["dense_score"] = round(dense[cid], 4)
            out.append(passage)
            if len(out) >= k:
                break
        return out
