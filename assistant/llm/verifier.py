"""Checks an LLM's claims against the passages they cite: a support score, every number
stated, and the best verbatim quote.

Sentence vectors are the shared ones (:class:`assistant.extractive.SentenceVectors`, read
from the embedding cache that ingest filled); only the claim is embedded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.extractive import SentenceVectors
from assistant.types import Passage
from assistant.verify import (
    looks_like_instruction,
    rescale_cosine,
    support_lexical,
    support_score,
)
from index.chunk import sentence_spans
from index.language import NUMBER_WORDS

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
# Digits for number words; one only as "één" (accented: "een" is also the article).
_NUMBER_WORDS = {"één": "1", "eén": "1"} | {
    w: str(n) for n, words in NUMBER_WORDS.items() for w in words
}


def numbers(text: str) -> set[str]:
    """The numbers in a text, digits or (Dutch/English) words up to twelve, as digit strings.

    >>> sorted(numbers("Zes doelen, 2030 en 1,5 miljard; twee stappen"))
    ['1.5', '2', '2030', '6']
    """
    out = set()
    for tok in _NUMBER.findall(text.lower()):
        if tok[0].isdigit():
            out.add(tok.replace(",", "."))
        elif tok in _NUMBER_WORDS:
            out.add(_NUMBER_WORDS[tok])
    return out


@dataclass
class Support:
    """How well one passage supports one claim, and the quote that shows it."""

    index: int  # 0-based passage index
    score: float
    quote: str


class Verifier:
    """Checks claims against passages: support score and the best verbatim quote."""

    def __init__(self, vectors: SentenceVectors, threshold: float) -> None:
        self.vectors = vectors
        self.threshold = threshold

    def claim_vector(self, claim: str) -> np.ndarray:
        vec: np.ndarray = self.vectors.embedder.embed_passages([claim])[0]
        return vec

    def support(self, claim: str, cvec: np.ndarray, passage: Passage, index: int) -> Support:
        spans = [
            (passage.text[s:e], heading)
            for s, e, heading in sentence_spans(passage.text)
            if passage.text[s:e].strip() and not looks_like_instruction(passage.text[s:e])
        ]
        if not spans:
            return Support(index, 0.0, "")
        cosines = self.vectors.get([t for t, _ in spans]) @ cvec
        best_cos = float(np.max(cosines))
        score = support_score(claim, passage.text, best_cos)
        if not numbers(claim) <= numbers(" ".join(t for t, _ in spans)):
            score = 0.0  # a number the passage does not state (2035 for 2030) is not supported

        def quote_score(i: int) -> float:
            text, heading = spans[i]
            s = 0.6 * support_lexical(claim, text) + 0.4 * rescale_cosine(float(cosines[i]))
            return s - (0.5 if heading or len(text) < 20 else 0.0)

        best = max(range(len(spans)), key=quote_score)
        return Support(index, score, spans[best][0].strip())

    def check(self, claim: str, cited: Sequence[int], passages: Sequence[Passage]) -> list[Support]:
        """Supporting passages for a claim: the cited ones that hold, else the best other one."""
        cvec = self.claim_vector(claim)
        kept = [self.support(claim, cvec, passages[i], i) for i in cited]
        kept = [s for s in kept if s.score >= self.threshold and s.quote]
        if kept:
            return kept
        others = [self.support(claim, cvec, p, i) for i, p in enumerate(passages) if i not in cited]
        others = [s for s in others if s.score >= self.threshold and s.quote]
        return [max(others, key=lambda s: s.score)] if others else []
