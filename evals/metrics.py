"""Pure scoring functions for the evaluation (no I/O, no models).

Evidence matching works on :func:`normalise`-d text, so PDF artefacts in the golden quotes
(``gereali-\\nseerd``), Markdown link syntax and line breaks do not matter, and a quote that
straddles a chunk boundary still counts when a long enough run of its words is in the chunk.

>>> normalise("Het is gereali-\\nseerd via [de NDS](https://x.nl) en **cloud**.")
'het is gerealiseerd via de nds en cloud.'
>>> passage_has_evidence("... de totstandkoming van de NDS ...", "totstand- \\nkoming van de NDS")
True
>>> recall_at_k([set(), {0}, {1}], n_evidence=2, k=2)
0.5
>>> mrr([False, True, False])
0.5
>>> token_f1("De NDS heeft zes prioriteiten [1].", "zes prioriteiten")
0.5714285714285715
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "citation_precision",
    "citation_recall",
    "evidence_cited",
    "false_refusal_rate",
    "longest_common_run",
    "mean",
    "missed_refusal_rate",
    "mrr",
    "ndcg_at_k",
    "normalise",
    "passage_has_evidence",
    "percentiles",
    "recall_at_k",
    "reference_recall",
    "refusal_accuracy",
    "strip_citation_markers",
    "token_f1",
    "tokens",
    "words",
]

# -- normalisation -------------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
# A letter, a hyphen, optional spaces, one line break, optional spaces, a letter:
# a word broken over two lines by PDF extraction ("gereali-\nseerd", "totstand- \nkoming").
_BREAK_HYPHEN = re.compile(r"(?<=[^\W\d_])-[ \t]*\n[ \t]*(?=([^\W\d_]+))")
# ... unless the next word is a conjunction: "gemeente-\nen provinciebesturen" keeps "gemeente- en".
_CONJUNCTIONS = frozenset({"en", "of", "tot", "and", "or"})
_MARKER = re.compile(r"\[\d+(?:\s*[,;–-]\s*\d+)*\]")
_WORD = re.compile(r"[^\W_]+")


def _join_hyphen(m: re.Match[str]) -> str:
    return "- " if m.group(1).lower() in _CONJUNCTIONS else ""


def normalise(text: str) -> str:
    """Lowercase, NFC, hyphenation joined, Markdown links/bold stripped, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _BREAK_HYPHEN.sub(_join_hyphen, text)
    text = _MD_LINK.sub(r"\1", text)
    text = text.replace("**", "").replace("__", "")
    return re.sub(r"\s+", " ", text).strip().lower()


def words(text: str) -> list[str]:
    """The words of a text after :func:`normalise` (letters and digits; punctuation dropped)."""
    return _WORD.findall(normalise(text))


def strip_citation_markers(text: str) -> str:
    """Remove ``[1]``, ``[2, 3]`` citation markers from an answer."""
    return _MARKER.sub(" ", text)


def tokens(text: str) -> list[str]:
    """Answer tokens: words of the text with citation markers removed first."""
    return words(strip_citation_markers(text))


# -- evidence matching ---------------------------------------------------------------------------


def longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest run of consecutive items that ``a`` and ``b`` share.

    >>> longest_common_run("a b c d".split(), "x b c y".split())
    2
    """
    if not a or not b:
        return 0
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best


def passage_has_evidence(passage_text: str, quote: str, min_share: float = 0.6) -> bool:
    """Does a passage hold an evidence quote?

    True when the normalised quote is contained in the normalised passage, or when the
    longest run of whole words the two share covers at least ``min_share`` of the quote's
    words (so a quote split over two overlapping chunks matches both halves' larger part).
    """
    q = normalise(quote)
    if not q:
        return False
    p = normalise(passage_text)
    if q in p:
        return True
    qw = _WORD.findall(q)
    if not qw:
        return False
    pw = _WORD.findall(p)
    return longest_common_run(qw, pw) >= math.ceil(min_share * len(qw) - 1e-9)


# -- retrieval -----------------------------------------------------------------------------------


def recall_at_k(hits: Sequence[Collection[int]], n_evidence: int, k: int) -> float:
    """Share of the ``n_evidence`` evidence items held by at least one of the top ``k`` passages.

    ``hits[i]`` is the set of evidence indices that the passage at rank ``i + 1`` holds.
    """
    if n_evidence <= 0:
        return 0.0
    found: set[int] = set()
    for h in hits[:k]:
        found.update(h)
    return len(found & set(range(n_evidence))) / n_evidence


def mrr(relevant: Sequence[bool]) -> float:
    """Reciprocal rank of the first relevant passage (0 when none is relevant)."""
    for rank, rel in enumerate(relevant, start=1):
        if rel:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(relevant: Sequence[bool], k: int, n_relevant: int | None = None) -> float:
    """Binary-relevance nDCG@k: ``sum(rel_i / log2(i + 1))`` over the ideal ranking's DCG.

    The ideal ranking puts ``n_relevant`` relevant passages first (default: as many as were
    retrieved); it is never less than the relevant passages actually in the top ``k``.
    """
    top = list(relevant[:k])
    dcg = sum(1.0 / math.log2(i + 2) for i, rel in enumerate(top) if rel)
    ideal_n = max(n_relevant if n_relevant is not None else 0, sum(top))
    ideal_n = min(ideal_n, k)
    if ideal_n == 0:
        return 0.0
    idcg = sum(1.0 / math.log2(i + 2) for i in range(ideal_n))
    return dcg / idcg


# -- citations (ALCE-style) ----------------------------------------------------------------------


def _dedupe(citations: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for c in citations:
        key = (str(c.get("source_id", "")), str(c.get("chunk_id", "")), str(c.get("quote", "")))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def citation_supported(
    citation: Mapping[str, Any], evidence: Sequence[Mapping[str, str]], min_share: float = 0.6
) -> bool:
    """Does a citation's passage (its whole chunk; else its quote) hold an evidence quote of the
    same source?"""
    text = str(citation.get("passage") or citation.get("quote") or "")
    source = citation.get("source_id")
    return any(
        e["source"] == source and passage_has_evidence(text, e["quote"], min_share)
        for e in evidence
    )


def citation_precision(
    citations: Sequence[Mapping[str, Any]],
    evidence: Sequence[Mapping[str, str]],
    min_share: float = 0.6,
) -> float | None:
    """Share of (distinct) citations whose passage holds evidence; ``None`` without citations.

    Citations are mappings with ``source_id``, ``chunk_id``, ``quote`` and ``passage``;
    identical citations (same chunk and quote) count once.
    """
    unique = _dedupe(citations)
    if not unique:
        return None
    return sum(citation_supported(c, evidence, min_share) for c in unique) / len(unique)


def evidence_cited(
    citations: Sequence[Mapping[str, Any]],
    evidence: Sequence[Mapping[str, str]],
    min_share: float = 0.6,
) -> float:
    """1.0 when at least one citation's passage holds an evidence quote, else 0.0 (also for a
    refusal): "the answer's citations point to the evidence", per answerable question."""
    return float(any(citation_supported(c, evidence, min_share) for c in citations))


def citation_recall(
    citations: Sequence[Mapping[str, Any]], evidence: Sequence[Mapping[str, str]]
) -> float | None:
    """Share of the evidence's distinct sources that at least one citation cites."""
    sources = {e["source"] for e in evidence}
    if not sources:
        return None
    cited = {c.get("source_id") for c in citations}
    return len(sources & cited) / len(sources)


# -- answers -------------------------------------------------------------------------------------


def token_f1(pred: str, ref: str) -> float:
    """SQuAD-style token F1 between an answer and the reference (citation markers removed)."""
    p, r = tokens(pred), tokens(ref)
    if not p and not r:
        return 1.0
    if not p or not r:
        return 0.0
    common = sum((Counter(p) & Counter(r)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(r)
    return 2 * precision * recall / (precision + recall)


def reference_recall(pred: str, ref: str) -> float:
    """Share of the reference answer's tokens that occur in the prediction (1.0 for no ref)."""
    r = tokens(ref)
    if not r:
        return 1.0
    common = sum((Counter(tokens(pred)) & Counter(r)).values())
    return common / len(r)


# -- refusals ------------------------------------------------------------------------------------


def refusal_accuracy(refused: Sequence[bool], answerable: Sequence[bool]) -> float | None:
    """Share of questions where the assistant refused exactly when the question is unanswerable."""
    if len(refused) != len(answerable):
        raise ValueError("refused and answerable must have the same length")
    if not refused:
        return None
    return sum(r != a for r, a in zip(refused, answerable, strict=True)) / len(refused)


def false_refusal_rate(refused: Sequence[bool], answerable: Sequence[bool]) -> float | None:
    """Share of answerable questions that were refused (``None`` without answerable ones)."""
    flags = [r for r, a in zip(refused, answerable, strict=True) if a]
    return sum(flags) / len(flags) if flags else None


def missed_refusal_rate(refused: Sequence[bool], answerable: Sequence[bool]) -> float | None:
    """Share of unanswerable questions that were answered anyway."""
    flags = [not r for r, a in zip(refused, answerable, strict=True) if not a]
    return sum(flags) / len(flags) if flags else None


# -- aggregation ---------------------------------------------------------------------------------


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not ``None`` (``None`` when there are none)."""
    kept = [float(v) for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def percentiles(
    values: Iterable[float], ps: Sequence[float] = (50, 90, 95, 99)
) -> dict[str, float]:
    """Linear-interpolation percentiles (numpy's default), as ``{"p50": ..., ...}``.

    >>> percentiles([1, 2, 3, 4], ps=(50, 100))
    {'p50': 2.5, 'p100': 4.0}
    """
    data = sorted(float(v) for v in values)
    if not data:
        return {}
    out: dict[str, float] = {}
    for p in ps:
        if not 0 <= p <= 100:
            raise ValueError(f"percentile out of range: {p}")
        pos = (len(data) - 1) * p / 100
        lo = math.floor(pos)
        hi = min(lo + 1, len(data) - 1)
        value = data[lo] + (data[hi] - data[lo]) * (pos - lo)
        out[f"p{p:g}"] = value
    return out
