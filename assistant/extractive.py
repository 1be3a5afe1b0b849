"""The default answerer: picks source sentences that answer the question, with a marker each.

No text is generated: every sentence of an answer is a verbatim span of a retrieved passage,
and the only other words are the fixed frames of :mod:`assistant.messages`.

Scoring: each candidate sentence gets named features (:mod:`assistant.features`), and the
fitted answer model (:mod:`assistant.answer_model`) turns them into the probability that the
sentence holds the answer, and the question's features into the probability that the
sources answer it at all. Sentence vectors come from the index's embedding cache, where
ingest put them, so answering embeds only the question. What a sentence is and how it
reads: :mod:`assistant.sentences`; whether the kind of answer asked for exists (a count, a
date): :mod:`assistant.answer_types`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from assistant.answer_model import AnswerModel, load_model, sigmoid
from assistant.answerer import AnswerRequest, pieces, refusal_text
from assistant.features import FeatureSet, featurize
from assistant.lists import list_answer
from assistant.messages import frame
from assistant.params import CANDIDATE_PASSAGES, COPY_OVERLAP, TWIN_OVERLAP
from assistant.sentences import Candidate, display, informative, language_of, line_kind
from assistant.types import Answer, Citation, Passage
from assistant.verify import looks_like_instruction
from index.chunk import sentence_spans
from index.embed import Embedder


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
    """Quotes the sentences the answer model rates best; refuses when it rates the sources
    unlikely to answer (:mod:`assistant.answer_model`)."""

    name = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        *,
        max_sentences: int = 4,
        refusal_threshold: float | None = None,
        vector_lookup: Callable[[Sequence[str]], dict[str, np.ndarray]] | None = None,
        model_path: str | None = None,
    ) -> None:
        self.vectors = SentenceVectors(embedder, lookup=vector_lookup)
        self.max_sentences = max_sentences
        self._refusal_threshold = refusal_threshold
        self.model_path = model_path

    @property
    def model(self) -> AnswerModel:
        return load_model(self.model_path)

    @property
    def refusal_threshold(self) -> float:
        """The setting when given, else the threshold fitted with the model."""
        if self._refusal_threshold is not None:
            return self._refusal_threshold
        return self.model.refusal_threshold

    # -- candidates --------------------------------------------------------------------------
    def candidates(
        self, passages: Sequence[Passage], limit: int = CANDIDATE_PASSAGES
    ) -> list[Candidate]:
        """The quotable sentences of the best ``limit`` passages: prose only, never a heading,
        a link, an agenda line, a letter's header field or an instruction to the model."""
        out = []
        for rank, p in enumerate(passages[:limit]):
            for s, e, heading in sentence_spans(p.text):
                text = p.text[s:e]
                if heading or not informative(text) or looks_like_instruction(text):
                    continue
                if line_kind(text) != "prose":
                    continue
                out.append(Candidate(rank, p, s, e, text))
        return out

    def featurize(self, req: AnswerRequest) -> FeatureSet:
        """The candidates of a request and their features (the model is not needed)."""
        cands = self.candidates(req.passages)
        question = req.analysed()
        follow_up = question.follow_up
        vecs = self.vectors.get([c.text for c in cands])
        cosines = vecs @ req.query_vector if cands else np.zeros(0)
        return featurize(
            question,
            req.language,
            cands,
            cosines,
            req.lexical,
            context=follow_up.scoring_context,
            said=follow_up.said,
            named=req.named_documents,
        )

    def judge(self, req: AnswerRequest, fs: FeatureSet) -> tuple[np.ndarray, float, bool]:
        """Each candidate's probability of holding the answer (their ``score`` becomes the
        model's logit), the probability that the sources answer the question, and whether an
        answer-type check refuses by itself (the model's ``hard_refusals``)."""
        model = self.model
        if not fs.candidates:
            return np.zeros(0), 0.0, False
        logits = model.sentence.logit(fs.sentence)
        row = fs.question_row(logits)
        answerable = float(model.answerable.prob(row)[0])
        return sigmoid(logits), answerable, model.forced_refusal(row)

    # -- the protocol ------------------------------------------------------------------------
    def answer(self, req: AnswerRequest) -> Answer:
        """Pick, check and compose; refuse when the model rates the sources unlikely to answer."""
        fs = self.featurize(req)
        probs, answerable, forced = self.judge(req, fs)
        cands = fs.candidates
        if not cands or forced or answerable < self.refusal_threshold:
            return req.answer(
                refusal_text(req.language, req.passages),
                [],
                answerer=self.name,
                refused=True,
                confidence=answerable,
            )
        items = list_answer(
            fs.analysis or req.question, cands, req.passages, req.section, req.lexical
        )
        chosen = items or self.select(cands, probs)
        text, cites = compose(chosen, req.language, items is not None)
        return req.answer(text, cites, answerer=self.name, confidence=answerable)

    def stream(self, req: AnswerRequest) -> Iterator[str | Answer]:
        """The answer in word pieces, then the answer."""
        answer = self.answer(req)
        yield from pieces(answer.text)
        yield answer

    # -- composing ---------------------------------------------------------------------------
    def select(
        self, cands: list[Candidate], probs: Sequence[float] | np.ndarray
    ) -> list[Candidate]:
        """The best sentence, and the others whose probability clears the model's quote bar
        (at most ``max_sentences``). A near-copy of a quoted sentence in another document is
        the same statement: it is cited with it (corroboration), whatever its own score."""
        order = sorted(range(len(cands)), key=lambda i: -cands[i].score)
        bar = self.model.quote_bar
        picked: list[Candidate] = []
        for n, i in enumerate(order):
            c = cands[i]
            twin = next((p for p in picked if _overlap(c, p) > TWIN_OVERLAP), None)
            if twin is not None:
                if c.passage.source_id not in {x.passage.source_id for x in [twin, *twin.also]}:
                    twin.also.append(c)  # the same statement in another document: cite it too
            elif len(picked) < self.max_sentences and (n == 0 or probs[i] >= bar):
                picked.append(c)
        for c in cands:  # copies that scored below the bar
            for p in picked:
                sources = {x.passage.source_id for x in [p, *p.also]}
                if c.passage.source_id not in sources and _overlap(c, p) >= COPY_OVERLAP:
                    p.also.append(c)
        # Read in source order: by passage, then position.
        return sorted(picked, key=lambda c: (c.passage_rank, c.start))


def _overlap(a: Candidate, b: Candidate) -> float:
    """Share of ``a``'s words that ``b`` has too."""
    words = set(a.text.lower().split())
    return len(words & set(b.text.lower().split())) / max(len(words), 1)


def compose(
    picked: Sequence[Candidate], language: str, as_list: bool
) -> tuple[str, list[Citation]]:
    """Answer text with a ``[n]`` marker per quoted sentence (more when other documents say
    the same), and the citations. "De bronnen (in het Engels) zeggen:" comes first only when
    every quote is in the other language."""
    langs = {language_of(c) for c in picked}
    foreign = bool(langs) and language not in langs
    citations: list[Citation] = []
    parts: list[str] = []
    for c in picked:
        markers = []
        for source in [c, *c.also]:
            citations.append(Citation.from_passage(source.passage, source.text, source.score))
            markers.append(f"[{len(citations)}]")
        parts.append(f"{display(c.text)} {''.join(markers)}")
    if as_list:
        intro = "other_language_list" if foreign else "list_intro"
        body = frame(language, intro) + "\n" + "\n".join(f"- {p}" for p in parts)
    else:
        body = " ".join(parts)
        if foreign:
            body = frame(language, "other_language") + " " + body
    return body, citations
