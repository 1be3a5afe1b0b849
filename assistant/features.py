"""Named features of candidate sentences and of a question's evidence, for the answer model.

The extractive answerer does not add hand-set weights any more: each candidate sentence gets
one row of :data:`SENTENCE_FEATURES`, a fitted model (:mod:`assistant.answer_model`) turns
the row into the probability that the sentence answers the question, and the question gets
one row of :data:`QUESTION_FEATURES` (among them the best sentence's score) from which a
second model gives the probability that the sources answer it at all. Everything here is
computed from what the pipeline already has: the question vector, the sentence vectors that
ingest cached, BM25 statistics, the fused retrieval scores and the named documents.

>>> asks_who("Wie is de voorzitter van de NDS-raad?"), asks_who("Wat is de NDS?")
(True, False)
>>> has_name("Het advies kwam van Frank Robben uit België."), has_name("het advies kwam.")
(True, False)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer_types import _NUMBER, date_missing, has_date, quantity_missing
from assistant.asks import asks_count, asks_date, asks_who
from assistant.params import MIN_LANGUAGE_GROUP, NAME_TOP, SECONDARY_WEIGHT
from assistant.sentences import Candidate, display, language_of, question_terms, stems, term_share
from index.lexical import LexicalIndex, translated_query_tokens

if TYPE_CHECKING:
    from assistant.question import Question

# One line each on what the feature measures; the order is the model's column order.
SENTENCE_FEATURES: tuple[str, ...] = (
    "cosine",  # question-sentence cosine, minus the mean of the sentence's language
    "cosine_gap",  # the best candidate's cosine minus this one's
    "terms",  # idf-weighted share of the question's words in the sentence (both languages)
    "passage_terms",  # the same share over the sentence's whole passage
    "title_terms",  # the same share over the document title
    "rank_prior",  # 1 / (1 + rank of the passage in retrieval)
    "fused",  # the passage's fused retrieval score over the best passage's
    "named",  # the question names the sentence's document ("volgens de Startbrief")
    "date_fit",  # a "when" question, and the sentence holds a date
    "date_miss",  # a "when" question, and it holds none
    "count_fit",  # a "how many / how much" question, and the sentence holds a number
    "who_fit",  # a "who" question, and the sentence holds a name or an acronym
    "log_length",  # log of the length in characters over 100
    "position",  # where in the passage the sentence starts (0 .. 1)
    "list_item",  # the sentence is a bullet or numbered item
    "same_language",  # the sentence is in the question's language
    "said",  # share of its words the previous answer said already (follow-ups)
    "full_stop",  # ends like a sentence (. ! ?) rather than a bare line
    "digit_share",  # share of digits among its characters
)
QUESTION_FEATURES: tuple[str, ...] = (
    "best_logit",  # the sentence model's score of the best candidate
    "second_logit",  # ... of the second best
    "best_cosine",  # the best language-fair cosine of any candidate
    "best_terms",  # the best candidate's word share
    "coverage",  # share of the question's words in the top passages (both languages)
    "corpus_terms",  # share of the question's words that occur anywhere in the corpus
    "top_fused",  # the best passage's fused retrieval score
    "quantity_missing",  # a count or amount is asked and no best sentence gives one
    "date_missing",  # a date is asked and no best sentence holds one
    "who_missing",  # a "who" is asked and no best sentence names anyone
    "rare_missing",  # idf of the rarest question word the top passages lack, over the maximum
)

_NAME = re.compile(r"(?<=\S\s)[A-Z][\w'’-]+(?:\s+(?:van|de|der|den|[A-Z][\w'’-]+))+|\b[A-Z]{2,}\b")


def has_name(text: str) -> bool:
    """A person's or organisation's name: two capitalised words inside a sentence, or an
    acronym ("VNG", "BZK")."""
    return bool(_NAME.search(display(text)))


@dataclass
class FeatureSet:
    """The features of one question's candidates, and its question-level features (without
    the two model scores, which need the sentence model)."""

    text: str  # the question
    lexical: LexicalIndex
    candidates: list[Candidate]
    sentence: np.ndarray  # (n candidates, len(SENTENCE_FEATURES))
    question: dict[str, float] = field(default_factory=dict)
    analysis: Question | None = None  # the question's analysis, when featurize got one

    def question_row(self, logits: Sequence[float] | np.ndarray) -> np.ndarray:
        """:data:`QUESTION_FEATURES` in order, given the sentence model's scores (which become
        the candidates' ``score``: the answer-type checks read the best-scored sentences)."""
        for c, z in zip(self.candidates, logits, strict=True):
            c.score = float(z)
        top = sorted((float(z) for z in logits), reverse=True)
        values = dict(self.question)
        values["best_logit"] = top[0] if top else -10.0
        values["second_logit"] = top[1] if len(top) > 1 else values["best_logit"]
        best = int(np.argmax(logits)) if len(top) else -1
        values["best_terms"] = (
            float(self.sentence[best, SENTENCE_FEATURES.index("terms")]) if best >= 0 else 0.0
        )
        asked = self.analysis or self.text
        values["quantity_missing"] = float(quantity_missing(asked, self.candidates, self.lexical))
        values["date_missing"] = float(date_missing(asked, self.candidates))
        leaders = sorted(self.candidates, key=lambda c: -c.score)[:NAME_TOP]
        wants_who = self.analysis.asks_who if self.analysis else asks_who(self.text)
        values["who_missing"] = float(wants_who and not any(has_name(c.text) for c in leaders))
        return np.array([values[f] for f in QUESTION_FEATURES], dtype=float)


def language_offsets(
    cands: Sequence[Candidate], min_group: int = MIN_LANGUAGE_GROUP
) -> dict[str, float]:
    """How much lower the question's cosine runs with each language's sentences.

    A multilingual embedder scores a Dutch question higher against any Dutch sentence than
    against its English translation. Most candidates are not the answer, so the mean cosine
    per language estimates that bias; subtracting it (relative to the best-scoring language)
    lets an English answer compete with Dutch near-misses. Small groups get no offset.

    >>> from assistant.types import Passage
    >>> p = lambda lang: Passage("d", "d:0", "x", 1.0, {"language": lang})
    >>> cs = [Candidate(0, p("nl"), 0, 1, "x", cosine=v) for v in (.88, .86, .84, .86)]
    >>> cs += [Candidate(0, p("en"), 0, 1, "x", cosine=v) for v in (.80, .78, .76, .78)]
    >>> {k: round(v, 3) for k, v in language_offsets(cs).items()}
    {'nl': 0.0, 'en': -0.08}
    """
    groups: dict[str, list[float]] = {}
    for c in cands:
        if c.cosine:
            groups.setdefault(language_of(c), []).append(c.cosine)
    means = {lang: float(np.mean(v)) for lang, v in groups.items() if len(v) >= min_group}
    if len(means) < 2:
        return {}
    top = max(means.values())
    return {lang: m - top for lang, m in means.items()}


def featurize(
    question: str | Question,
    language: str,
    cands: list[Candidate],
    cosines: np.ndarray,
    lexical: LexicalIndex,
    *,
    context: str = "",
    said: str = "",
    named: dict[str, float] | None = None,
) -> FeatureSet:
    """The feature rows of ``cands`` (whose ``cosine`` is set from ``cosines``).

    ``context`` is the conversation a follow-up points back to: its words count at half
    weight. ``said`` is the previous answer; ``named`` the documents the question names.
    ``question``: its text, or its analysis (:class:`assistant.question.Question`), which
    saves analysing it again; the features are the same.
    """
    q = None if isinstance(question, str) else question
    text_q = question if isinstance(question, str) else question.text
    named = named or {}
    for c, cos in zip(cands, cosines, strict=True):
        c.cosine = float(cos)
    terms = (
        dict.fromkeys(q.terms, 0.0)
        if q
        else dict.fromkeys([*question_terms(text_q, "nl"), *question_terms(text_q, "en")], 0.0)
    )
    idf = lexical.idf(list(terms))
    # The question's words in the other language (glossary) count at half weight, so an
    # English sentence can share words with a Dutch question.
    translated = q.query.translated if q else translated_query_tokens(text_q)
    foreign = [t for t in translated if t not in idf]
    idf.update({t: SECONDARY_WEIGHT * w for t, w in lexical.idf(foreign).items()})
    if context:
        from index.language import detect_language

        if q and q.context is not None and q.context.text == context:
            context_terms = list(dict.fromkeys(q.context.tokens))
        else:
            context_terms = question_terms(context, detect_language(context))
        ctx = [t for t in context_terms if t not in idf]
        idf.update({t: SECONDARY_WEIGHT * w for t, w in lexical.idf(ctx).items()})
    total = sum(idf.values()) or 1.0

    def share(words: AbstractSet[str]) -> float:
        return sum(w for t, w in idf.items() if t in words) / total

    offsets = language_offsets(cands)
    fair = [c.cosine - offsets.get(language_of(c), 0.0) for c in cands]
    best_fair = max(fair, default=0.0)
    top_fused = max((c.passage.score for c in cands), default=0.0)
    top_score = top_fused or 1.0
    wants_date, wants_count, wants_who = (
        (q.asks_date, q.asks_count, q.asks_who)
        if q
        else (asks_date(text_q), asks_count(text_q), asks_who(text_q))
    )
    said_stems = stems(said) if said else frozenset()
    passage_share: dict[str, float] = {}
    title_share: dict[str, float] = {}
    rows = []
    for c, cos in zip(cands, fair, strict=True):
        own = stems(c.text)
        c.lexical = share(own)
        pid = c.passage.chunk_id
        if pid not in passage_share:
            passage_share[pid] = share(stems(c.passage.text))
            title_share[pid] = share(stems(str(c.passage.metadata.get("title", ""))))
        text = display(c.text)
        dated = has_date(c.text)
        rows.append(
            [
                cos,
                best_fair - cos,
                c.lexical,
                passage_share[pid],
                title_share[pid],
                1.0 / (1 + c.passage_rank),
                c.passage.score / top_score,
                named.get(c.passage.source_id, 0.0),
                float(wants_date and dated),
                float(wants_date and not dated),
                float(wants_count and bool(_NUMBER.search(text))),
                float(wants_who and has_name(c.text)),
                math.log(max(len(text), 10) / 100),
                c.start / max(len(c.passage.text), 1),
                float(bool(re.match(r"\s*(?:[-*+•]|\d{1,3}[.)])\s", c.text))),
                float(language_of(c) == language),
                len(own & said_stems) / max(len(own), 1) if said_stems else 0.0,
                float(bool(re.search(r"[.!?][\"”’)]?$", text))),
                sum(ch.isdigit() for ch in text) / max(len(text), 1),
            ]
        )
    matrix = np.array(rows, dtype=float).reshape(len(rows), len(SENTENCE_FEATURES))
    top_words: frozenset[str] = frozenset().union(
        *(stems(t) for t in {c.passage.chunk_id: c.passage.text for c in cands}.values())
    )
    known = lexical.known(list(terms)) if terms else set()
    own_idf = {t: w for t, w in idf.items() if t in terms}
    own_total = sum(own_idf.values())
    # The rarest question word (in either language) that no top passage holds: a near-miss
    # question asks for a detail ("fte", "GPU's") the passages about its subject lack.
    missing = [w for t, w in own_idf.items() if t not in top_words and t in known]
    question_values = {
        "rare_missing": max(missing, default=0.0) / lexical.max_idf,
        "best_cosine": best_fair,
        "coverage": term_share(question, lexical)(top_words),
        "corpus_terms": (
            sum(w for t, w in own_idf.items() if t in known) / own_total if own_total else 0.0
        ),
        "top_fused": top_fused,
    }
    return FeatureSet(text_q, lexical, cands, matrix, question_values, q)
