"""The default answerer: picks source sentences that answer the question, with a marker each.

No text is generated: every sentence of an answer is a verbatim span of a retrieved passage,
and the only other words are the fixed frames of :mod:`assistant.messages`.

Scoring a candidate sentence: embedding cosine with the question, plus idf-weighted overlap
of stemmed content words (the question's glossary translation included), plus a small prior
for the passage's retrieval rank. Sentence vectors come from the index's embedding cache,
where ingest put them, so answering embeds only the question. What a sentence is and how it
reads: :mod:`assistant.sentences`; whether the kind of answer asked for exists (a count, a
date): :mod:`assistant.answer_types`.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.answer_types import (
    asks_date,
    date_missing,
    has_date,
    of_the_asked_type,
    quantity_missing,
)
from assistant.lists import list_answer
from assistant.messages import frame
from assistant.sentences import (
    Candidate,
    display,
    informative,
    language_of,
    question_terms,
    stems,
    term_share,
)
from assistant.types import Answer, Citation, Filters, Passage
from assistant.verify import looks_like_instruction
from index.chunk import sentence_spans
from index.embed import Embedder
from index.language import detect_language
from index.lexical import LexicalIndex, translated_query_tokens


@dataclass
class Evidence:
    """How well the retrieved passages cover the question (used for the refusal decision)."""

    best_cosine: float
    coverage: float


class SentenceVectors:
    """Sentence embeddings: from a bounded in-memory cache, else from ``lookup`` (the index's
    embedding cache, filled by ingest), else embedded now."""

    def __init__(
        self,
        embedder: Embedder,
        size: int = 20_000,
        lookup: Callable[[Sequence[str]], dict[str, np.ndarray]] | None = None,
    ) -> None:
        self.embedder = embedder
        self.lookup = lookup
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size

    def get(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        found = self.lookup(missing) if self.lookup and missing else {}
        todo = [t for t in missing if t not in found]
        if todo:
            found.update(zip(todo, self.embedder.embed_passages(todo), strict=True))
        for t in missing:
            self._cache[t] = found[t]
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        for t in texts:
            self._cache.move_to_end(t)
        return np.vstack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1))


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        *,
        max_sentences: int = 4,
        refusal_threshold: float = 0.5,
        embed_candidates: int = 60,
        vector_lookup: Callable[[Sequence[str]], dict[str, np.ndarray]] | None = None,
    ) -> None:
        self.vectors = SentenceVectors(embedder, lookup=vector_lookup)
        self.max_sentences = max_sentences
        self.refusal_threshold = refusal_threshold
        self.embed_candidates = embed_candidates

    # -- candidates --------------------------------------------------------------------------
    def candidates(self, passages: Sequence[Passage], limit: int = 6) -> list[Candidate]:
        out = []
        for rank, p in enumerate(passages[:limit]):
            for s, e, heading in sentence_spans(p.text):
                text = p.text[s:e]
                if heading or not informative(text) or looks_like_instruction(text):
                    continue
                out.append(Candidate(rank, p, s, e, text))
        return out

    def score(
        self,
        question: str,
        qvec: np.ndarray,
        language: str,
        cands: list[Candidate],
        lexical: LexicalIndex,
        context: str = "",
        said: str = "",
        named: dict[str, float] | None = None,
    ) -> Evidence:
        """Score candidates in place; ``context`` is the conversation a follow-up points
        back to, whose words count at half weight ("En wanneer was dat?" after "Haven+").
        ``said`` is the previous answer: a follow-up asks for something new, so a sentence
        that repeats it scores lower ("Bij welke gemeente is Haven+ ontstaan?" should not
        get the definition of Haven+ again). ``named`` are the documents the question names
        (:mod:`assistant.mentions`), with their strength: their sentences score higher."""
        named = named or {}
        terms = {
            **{t: 0.0 for t in question_terms(question, "nl")},
            **{t: 0.0 for t in question_terms(question, "en")},
        }
        idf = lexical.idf(list(terms))
        # The question's words in the other language (glossary) count too, at half weight,
        # so an English sentence can earn overlap with a Dutch question.
        foreign = [t for t in translated_query_tokens(question) if t not in idf]
        idf.update({t: 0.5 * w for t, w in lexical.idf(foreign).items()})
        if context:
            ctx = [t for t in question_terms(context, detect_language(context)) if t not in idf]
            idf.update({t: 0.5 * w for t, w in lexical.idf(ctx).items()})
        total = sum(idf.values()) or 1.0
        words = [stems(c.text) for c in cands]  # tokenised once, used again for novelty
        for c, own in zip(cands, words, strict=True):
            c.lexical = sum(w for t, w in idf.items() if t in own) / total
        pre = sorted(cands, key=lambda c: -(c.lexical + 0.15 / (1 + c.passage_rank)))
        chosen = pre[: self.embed_candidates]
        if chosen:
            vecs = self.vectors.get([c.text for c in chosen])
            for c, cos in zip(chosen, vecs @ qvec, strict=True):
                c.cosine = float(cos)
        offsets = language_offsets(chosen)
        wants_date = asks_date(question)
        said_stems = stems(said) if said else set()
        for c, own in zip(cands, words, strict=True):
            base = c.cosine - offsets.get(language_of(c), 0.0) if c.cosine else 0.0
            # Short answers read better: long candidates pay a little per 300 characters.
            length_penalty = 0.01 * max(0.0, len(c.text) / 300 - 1)
            c.score = base + 0.25 * c.lexical + 0.02 / (1 + c.passage_rank) - length_penalty
            if wants_date and has_date(c.text):  # the answer to "wanneer" holds a date
                c.score += 0.03
            if said_stems:
                c.score -= NOVELTY * len(own & said_stems) / max(len(own), 1)
            c.score += MENTION_BONUS * named.get(c.passage.source_id, 0.0)
        # Language-fair, like the sentence scores: an English answer to a Dutch question is
        # not weaker evidence because the embedder favours same-language pairs.
        best_cos = max(
            (c.cosine - offsets.get(language_of(c), 0.0) for c in cands if c.cosine), default=0.0
        )
        # Coverage: the idf-weighted share of the question's words that the candidate
        # passages hold, in either language (a word or its glossary translation).
        top_text = " ".join(p.text for p in {c.passage.chunk_id: c.passage for c in cands}.values())
        return Evidence(best_cos, term_share(question, lexical)(top_text))

    def evidence_score(self, ev: Evidence) -> float:
        """One number in 0..1: how sure we are that the passages hold the answer.

        Weights and the cosine range were chosen on the golden set (see docs/refusal.md):
        cosine carries most of the signal, word coverage (in either language) the rest.
        """
        from assistant.verify import rescale_cosine

        return 0.7 * rescale_cosine(ev.best_cosine, 0.82, 0.95) + 0.3 * ev.coverage

    # -- composing ---------------------------------------------------------------------------
    def select(self, cands: list[Candidate]) -> list[Candidate]:
        ranked = sorted(cands, key=lambda c: -c.score)
        if not ranked:
            return []
        best = ranked[0].score
        picked: list[Candidate] = []
        for c in ranked:
            if len(picked) >= self.max_sentences or c.score < best - 0.06:
                break
            words = set(c.text.lower().split())
            twin = next(
                (
                    p
                    for p in picked
                    if len(words & set(p.text.lower().split())) / max(len(words), 1) > 0.6
                ),
                None,
            )
            if twin is None:
                picked.append(c)
            elif c.passage.source_id not in {x.passage.source_id for x in [twin, *twin.also]}:
                twin.also.append(c)  # the same statement in another document: cite it too
        # Read in source order: by passage, then position.
        return sorted(picked, key=lambda c: (c.passage_rank, c.start))


def language_offsets(cands: Sequence[Candidate], min_group: int = 4) -> dict[str, float]:
    """How much lower the question's cosine runs with each language's sentences.

    A multilingual embedder scores a Dutch question higher against any Dutch sentence than
    against its English translation. Most candidates are not the answer, so the mean cosine
    per language estimates that bias; subtracting it (relative to the best-scoring language)
    lets an English answer compete with Dutch near-misses. Small groups get no offset.

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


def compose(
    picked: Sequence[Candidate], language: str, as_list: bool, passages_language: str
) -> tuple[str, list[Citation]]:
    """Answer text with a ``[n]`` marker per quoted sentence (more when other documents say
    the same), and the citations."""
    citations: list[Citation] = []
    parts: list[str] = []
    for c in picked:
        markers = []
        for source in [c, *c.also]:
            citations.append(Citation.from_passage(source.passage, source.text, source.score))
            markers.append(f"[{len(citations)}]")
        parts.append(f"{display(c.text)} {''.join(markers)}")
    if as_list:
        intro = "list_intro" if passages_language == language else "other_language_list"
        body = frame(language, intro) + "\n" + "\n".join(f"- {p}" for p in parts)
    else:
        body = " ".join(parts)
        if passages_language != language:
            body = frame(language, "other_language") + " " + body
    return body, citations


def refusal_text(language: str, passages: Sequence[Passage]) -> str:
    titles = list(dict.fromkeys(p.title for p in passages))[:3]
    text = frame(language, "refusal")
    if titles:
        text += " " + frame(language, "nearest") + "\n" + "\n".join(f"- {t}" for t in titles)
    return text


def pieces(text: str) -> Iterator[str]:
    """Split an answer into stream pieces whose concatenation is the text."""
    for m in re.finditer(r"\S+\s*|\s+", text):
        yield m.group(0)


@dataclass
class AnswerRequest:
    """Everything an answerer gets: the question and what retrieval found for it."""

    question: str
    language: str
    passages: list[Passage]
    query_vector: np.ndarray
    lexical: LexicalIndex
    history: list[dict[str, str]] | None = None
    filters: Filters | None = None  # what retrieval was narrowed to (an LLM re-retrieves with it)
    # A passage's section (the chunks under its heading), for lists that chunks cut.
    section: Callable[[Passage], Sequence[Passage]] | None = None
    # The documents the question names (assistant.mentions), with the strength of the mention.
    named_documents: dict[str, float] = field(default_factory=dict)

    def answer(
        self,
        text: str,
        cites: list[Citation],
        *,
        answerer: str,
        refused: bool = False,
        passages: Sequence[Passage] | None = None,
    ) -> Answer:
        """The :class:`Answer` to this request (``passages``: what it was drawn from, by
        default the retrieved ones)."""
        return Answer(
            question=self.question,
            text=text,
            refused=refused,
            citations=cites,
            language=self.language,
            answerer=answerer,
            passages=list(self.passages if passages is None else passages),
        )


def _answer(req: AnswerRequest, text: str, refused: bool, cites: list[Citation]) -> Answer:
    return req.answer(text, cites, answerer="extractive", refused=refused)


# A sentence of a document the question names ("volgens de Startbrief") gains this much
# (times the strength of the mention). Measured on the golden set: 0.04 changes little, 0.06
# raises citation precision most without losing an answer, 0.08 and up lose answers.
MENTION_BONUS = 0.06
# A follow-up's sentence loses this times the share of its words the previous answer said.
NOVELTY = 0.1


def extractive_answer(answerer: ExtractiveAnswerer, req: AnswerRequest) -> Answer:
    """Pick, check and compose; refuse when the evidence does not cover the question."""
    cands = answerer.candidates(req.passages)
    from assistant.retrieve import depends_on_history, history_text

    context = history_text(req.history) if depends_on_history(req.question) else ""
    answers = [str(m.get("content", "")) for m in req.history or [] if m.get("role") == "assistant"]
    said = answers[-1] if answers else ""
    ev = answerer.score(
        req.question,
        req.query_vector,
        req.language,
        cands,
        req.lexical,
        context,
        said,
        req.named_documents,
    )
    if (
        not cands
        or answerer.evidence_score(ev) < answerer.refusal_threshold
        or quantity_missing(req.question, cands, req.lexical)
        or date_missing(req.question, cands)
    ):
        return _answer(req, refusal_text(req.language, req.passages), True, [])
    picked = answerer.select(of_the_asked_type(req.question, cands))
    items = list_answer(req.question, cands, req.passages, req.section, req.lexical)
    chosen = items or picked
    langs = [language_of(c) for c in chosen]
    passages_language = max(set(langs), key=langs.count)
    text, cites = compose(chosen, req.language, items is not None, passages_language)
    return _answer(req, text, False, cites)
