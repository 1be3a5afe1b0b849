"""The default answerer: picks source sentences that answer the question, with a marker each.

No text is generated: every sentence of an answer is a verbatim span of a retrieved passage,
and the only other words are the fixed frames of :mod:`assistant.messages`.

Scoring a candidate sentence: embedding cosine with the question, plus idf-weighted overlap
of stemmed content words (the question's glossary translation included), plus a small prior
for the passage's retrieval rank. Sentence vectors come from the index's embedding cache,
where ingest put them, so answering embeds only the question.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.messages import frame
from assistant.types import Answer, Citation, Filters, Passage
from assistant.verify import looks_like_instruction
from index.chunk import sentence_spans
from index.embed import Embedder
from index.language import detect_language
from index.lexical import LexicalIndex, tokenize, translated_query_tokens

_LIST_LINE = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+(.+)$", re.MULTILINE)
# A question asks for a list when it says so, or asks "which/what are" about a plural noun.
_LIST_WORDS = re.compile(r"\b(noem|opsomming|lijst|list|name the|enumerate)\b", re.IGNORECASE)
_WHICH_PLURAL = re.compile(
    r"\b(?:welke|wat zijn (?:de)?|which|what are (?:the)?|what)\s+(?:\w+\s+){0,2}?"
    r"(\w{4,}(?:en|s))\b",
    re.IGNORECASE,
)
_NOT_PLURAL = frozenset(
    "ontstaan gebeuren bereiken doen betekenen worden hebben zijn is was".split()
)


def asks_for_list(question: str) -> bool:
    """Does the question ask for several things?

    >>> asks_for_list("Welke strategische doelen stelt NDS-prioriteit 6?")
    True
    >>> asks_for_list("Welke gemeente noemt de richtlijn als voorbeeld?")
    False
    >>> asks_for_list("What initial steps have been taken?")
    True
    """
    if _LIST_WORDS.search(question):
        return True
    m = _WHICH_PLURAL.search(question)
    return m is not None and m.group(1).lower() not in _NOT_PLURAL


_MARKUP = re.compile(r"^#+\s*|\*\*|__|\[([^\]]+)\]\([^)]*\)")


@dataclass
class Candidate:
    passage_rank: int
    passage: Passage
    start: int
    end: int
    text: str
    lexical: float = 0.0
    cosine: float = 0.0
    score: float = 0.0
    # Near-copies of this sentence in other documents: cited with it, as corroboration.
    also: list[Candidate] = field(default_factory=list)


@dataclass
class Evidence:
    """How well the retrieved passages cover the question (used for the refusal decision)."""

    best_cosine: float
    coverage: float
    same_language: bool


def question_terms(question: str, language: str) -> list[str]:
    return list(dict.fromkeys(tokenize(question, language)))


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
                if heading or not _informative(text) or looks_like_instruction(text):
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
    ) -> Evidence:
        """Score candidates in place; ``context`` is the conversation a follow-up points
        back to, whose words count at half weight ("En wanneer was dat?" after "Haven+").
        ``said`` is the previous answer: a follow-up asks for something new, so a sentence
        that repeats it scores lower ("Bij welke gemeente is Haven+ ontstaan?" should not
        get the definition of Haven+ again)."""
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
        for c in cands:
            stems = set(tokenize(c.text, "nl")) | set(tokenize(c.text, "en"))
            c.lexical = sum(w for t, w in idf.items() if t in stems) / total
        pre = sorted(cands, key=lambda c: -(c.lexical + 0.15 / (1 + c.passage_rank)))
        chosen = pre[: self.embed_candidates]
        if chosen:
            vecs = self.vectors.get([c.text for c in chosen])
            for c, cos in zip(chosen, vecs @ qvec, strict=True):
                c.cosine = float(cos)
        offsets = language_offsets(chosen)
        wants_date = asks_date(question)
        said_stems = _stems(said) if said else set()
        for c in cands:
            base = c.cosine - offsets.get(_language(c), 0.0) if c.cosine else 0.0
            # Short answers read better: long candidates pay a little per 300 characters.
            length_penalty = 0.01 * max(0.0, len(c.text) / 300 - 1)
            c.score = base + 0.25 * c.lexical + 0.02 / (1 + c.passage_rank) - length_penalty
            if wants_date and has_date(c.text):  # the answer to "wanneer" holds a date
                c.score += 0.03
            if said_stems:
                own = _stems(c.text)
                c.score -= NOVELTY * len(own & said_stems) / max(len(own), 1)
        # Language-fair, like the sentence scores: an English answer to a Dutch question is
        # not weaker evidence because the embedder favours same-language pairs.
        best_cos = max(
            (c.cosine - offsets.get(_language(c), 0.0) for c in cands if c.cosine), default=0.0
        )
        # Coverage: idf-weighted share of question terms present in the best three passages.
        top_text = " ".join(p.text for p in {c.passage.chunk_id: c.passage for c in cands}.values())
        stems = set(tokenize(top_text, "nl")) | set(tokenize(top_text, "en"))
        q_lang_terms = question_terms(question, language)
        q_idf = lexical.idf(q_lang_terms)
        q_total = sum(q_idf.values()) or 1.0
        coverage = sum(w for t, w in q_idf.items() if t in stems) / q_total
        langs = {str(c.passage.metadata.get("language", "nl")) for c in cands[:10]}
        return Evidence(best_cos, coverage, language in langs)

    def evidence_score(self, ev: Evidence) -> float:
        """One number in 0..1: how sure we are that the passages hold the answer.

        Weights and the cosine range were chosen on the golden set (see docs/refusal.md):
        cosine carries most of the signal; term coverage only counts within one language.
        """
        from assistant.verify import rescale_cosine

        dense = rescale_cosine(ev.best_cosine, 0.82, 0.95)
        if not ev.same_language:
            return dense
        return 0.7 * dense + 0.3 * ev.coverage

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

    def list_items(self, question: str, cands: list[Candidate]) -> list[Candidate] | None:
        """When the question asks for a list and the best sentence introduces or sits in one,
        the items of that list (so "which goals" gets the goals, not one of them)."""
        if not asks_for_list(question) or not cands:
            return None
        best = max(cands, key=lambda c: c.score)
        passage = best.passage
        items = []
        for m in _LIST_LINE.finditer(passage.text):
            text = m.group(1).strip()
            if len(text) >= 3 and not looks_like_instruction(text):
                s = m.start(1)
                items.append(Candidate(best.passage_rank, passage, s, s + len(text), text))
        if len(items) < 2:
            return None
        # The best sentence must be the list's lead-in (just before it) or one of its items.
        if not items[0].start - 300 <= best.start <= items[-1].end:
            return None
        return items[:12]


def _language(c: Candidate) -> str:
    return str(c.passage.metadata.get("language", "nl"))


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
            groups.setdefault(_language(c), []).append(c.cosine)
    means = {lang: float(np.mean(v)) for lang, v in groups.items() if len(v) >= min_group}
    if len(means) < 2:
        return {}
    top = max(means.values())
    return {lang: m - top for lang, m in means.items()}


def _informative(sentence: str) -> bool:
    """Worth quoting as an answer: a statement with some words, not a question, a caption or a
    line that is mostly a link ("- [Ons kennisbank artikel over Haven](...)", "Zie [visie](...)").

    >>> _informative("Zie [Soevereine overheidscloud visie](https://x.nl){:target=_blank}.")
    False
    >>> _informative("De [NDS](https://x.nl) heeft zes prioriteiten.")
    True
    """
    stripped = re.sub(r"^[-*+•\s]+", "", sentence.strip())
    if re.fullmatch(r"\[[^\]]*\]\([^)]*\)[.:;]?", stripped) or re.fullmatch(r"_[^_]+_", stripped):
        return False
    outside_links = re.sub(r"\[[^\]]*\]\([^)]*\)(\{:[^}]*\})?", " ", stripped)
    if len(re.findall(r"\w{2,}", outside_links)) < 2:
        return False
    words = re.findall(r"\w{2,}", display(sentence))
    is_question = sentence.rstrip().endswith("?")
    return len(words) >= 4 and not is_question and "externe link" not in sentence


def display(text: str) -> str:
    """Source text as shown in an answer: Markdown emphasis and link targets dropped, one line.

    >>> display("**Cloud** en [data](https://x.nl)\\nsamen")
    'Cloud en data samen'
    >>> display('<Blockquote variation="pink" > Afgesproken is dit. </Blockquote>')
    'Afgesproken is dit.'
    >>> display('{{< nieuws/header title="Kop" >}} Gideon is architect.')
    'Gideon is architect.'
    >>> display("- Letter by VNG on the House of Thorbecke")
    'Letter by VNG on the House of Thorbecke'
    """
    # Site-generator shortcodes and JSX/HTML tags are page furniture, not words of the source.
    text = re.sub(r"\{\{[<%].*?[>%]\}\}", " ", text, flags=re.DOTALL)
    text = re.sub(r"</?[A-Za-z][\w.-]*(?:\s[^<>]*)?/?>", " ", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\{:[^}]*\}", "", text)  # kramdown attributes: {:target="_blank"}
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"^\s*(?:#+|[-*+•])\s+", "", text)  # a heading mark or a bullet
    return re.sub(r"\s+", " ", text).strip()


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
        body = frame(language, "list_intro") + "\n" + "\n".join(f"- {p}" for p in parts)
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


_HOW_MANY = re.compile(r"\b(?:hoeveel|how many|how much)\s+(\w+(?:\s+\w+)?)", re.IGNORECASE)
_NUMBER = re.compile(
    r"\d|\b(?:een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|twintig|honderd|"
    r"duizend|miljoen|miljard|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|hundred|thousand|million|billion|dozen|tientallen|honderden|duizenden)\b",
    re.IGNORECASE,
)
# "Wat is het totale budget van X?": an amount of money is asked for, without "hoeveel".
_ASKS_AMOUNT = re.compile(
    r"^(?:wat|what|hoe groot|how large|how big)\b.*\b(budget|bedrag|kosten|costs?|funding)\b",
    re.IGNORECASE,
)
_MODIFIERS = frozenset(
    "eerste tweede derde totale verschillende nieuwe andere extra grote kleine "
    "first second third total different new other extra large small".split()
)
_MONEY_WORDS = frozenset("geld budget bedrag kosten money cost costs funding euro euros".split())
_MONEY = re.compile(r"€|\b(?:euros?|miljoen|miljard|million|billion)\b", re.IGNORECASE)


_ASKS_DATE = re.compile(
    r"^(?:(?:en|and)\s+)?(?:wanneer|sinds wanneer|vanaf wanneer|tot wanneer|"
    r"when|since when|by when|"
    r"(?:uiterlijk |vanaf |voor |na |sinds |tot )?(?:op |in )?"
    r"(?:welke datum|welk jaar|welke maand)|"
    r"(?:on |by |from |since |until |before |after )?(?:what|which) (?:date|year|month))\b",
    re.IGNORECASE,
)
_MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december "
    "january february march may june july august october"
)
_DATE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b|\b(?:"
    + "|".join(_MONTHS.split())
    + r")\b",
    re.IGNORECASE,
)


def asks_date(question: str) -> bool:
    return bool(_ASKS_DATE.search(question.strip()))


def has_date(text: str) -> bool:
    return bool(_DATE.search(display(text)))


def date_missing(question: str, cands: Sequence[Candidate], top: int = 5) -> bool:
    """A "when" question none of whose best sentences holds a year, a month or a date.

    >>> p = Passage("d", "d:0", "x", 1.0, {"language": "nl"})
    >>> c = lambda s: Candidate(0, p, 0, len(s), s, score=1.0)
    >>> date_missing("Wanneer begon het?", [c("Het begon op 3 februari.")])
    False
    >>> date_missing("Vanaf welke datum kan dat?", [c("Dat kan binnenkort, in de pilot.")])
    True
    >>> date_missing("Wie begon?", [c("De minister begon.")])
    False
    """
    if not asks_date(question):
        return False
    best = sorted(cands, key=lambda c: -c.score)[:top]
    return not any(has_date(c.text) for c in best)


# Stems of question words, which say what is asked, not what about.
_WH = frozenset(
    "hoevel hoe wat welk welke wie wanner waarom waar "
    "how mani much what which who when why where".split()
)
SUBJECT_SHARE = 0.5
NOVELTY = 0.1


def _stems(text: str) -> set[str]:
    return set(tokenize(text, "nl")) | set(tokenize(text, "en"))


def quantity_missing(
    question: str,
    cands: Sequence[Candidate],
    lexical: LexicalIndex | None = None,
    top: int = 8,
) -> bool:
    """A "how many X" question whose best sentences hold no number next to an X.

    Cosine and word overlap cannot tell "Hoeveel fte werken er bij het programma?" from a
    sentence about the programme; the answer to a count must at least contain a number and
    the thing counted (or an amount of money, when money is asked for). With ``lexical``,
    the sentence's passage must also hold at least ``SUBJECT_SHARE`` (idf-weighted) of the
    question's other words, its subject: "the budget of GPT-NL" is not answered by a sum
    spent on something else.

    >>> p = Passage("d", "d:0", "x", 1.0, {"language": "nl"})
    >>> c = lambda s: Candidate(0, p, 0, len(s), s, score=1.0)
    >>> quantity_missing("Hoeveel gemeenten doen mee?", [c("Elf gemeenten doen mee.")])
    False
    >>> quantity_missing("Hoeveel Eerste Kamerleden kwamen?", [c("Er kwamen elf leden.")])
    False
    >>> quantity_missing("Hoeveel fte werkt er?", [c("Het programma heeft 3 teams.")])
    True
    >>> quantity_missing("Wie doet mee?", [c("Gemeenten doen mee.")])
    False
    >>> quantity_missing("What is the total budget of X?", [c("X started in 2023 with partners.")])
    True
    >>> quantity_missing("What is the budget of X?", [c("X supports European models.")])
    True
    >>> quantity_missing("What is the budget of X?", [c("X has a budget of 13 million euros.")])
    False
    """
    m = _HOW_MANY.search(question) or _ASKS_AMOUNT.search(question)
    if m is None:
        return False
    words = m.group(1).lower().split()
    # The counted thing follows "hoeveel", after an ordinal or a common adjective ("hoeveel
    # Eerste Kamerleden"); a Dutch compound names its head last: "kamerleden" matches "leden".
    focus = words[1] if len(words) > 1 and words[0] in _MODIFIERS else words[0]
    language = detect_language(question)
    wanted = set(tokenize(focus, language)) | set(translated_query_tokens(focus))
    money = focus in _MONEY_WORDS
    others = [t for t in question_terms(question, language) if t not in wanted | _WH]
    idf = lexical.idf(others) if lexical is not None and others else {}
    total = sum(idf.values())
    for c in sorted(cands, key=lambda c: -c.score)[:top]:
        text = display(c.text)
        if total:
            about = _stems(f"{c.passage.text} {c.passage.metadata.get('title', '')}")
            if sum(w for t, w in idf.items() if t in about) / total < SUBJECT_SHARE:
                continue
        if money:
            if _MONEY.search(text):
                return False
            continue
        stems = _stems(text)
        has_focus = not wanted or any(
            w == s or (len(s) >= 3 and w.endswith(s)) for w in wanted for s in stems
        )
        if _NUMBER.search(text) and has_focus:
            return False
    return True


TYPE_MARGIN = 0.1


def of_the_asked_type(question: str, cands: list[Candidate]) -> list[Candidate]:
    """For a "when" question, only the sentences that hold a date, if one scores within
    ``TYPE_MARGIN`` of the best: a sentence without a date does not answer "wanneer".

    >>> p = Passage("d", "d:0", "x", 1.0, {"language": "nl"})
    >>> a = Candidate(0, p, 0, 1, "Zo is het afgesproken.", score=0.95)
    >>> b = Candidate(0, p, 0, 1, "De brief kwam op 1 november 2024.", score=0.9)
    >>> [c.text for c in of_the_asked_type("Wanneer kwam de brief?", [a, b])]
    ['De brief kwam op 1 november 2024.']
    >>> len(of_the_asked_type("Wat is afgesproken?", [a, b]))
    2
    """
    if not cands or not asks_date(question):
        return cands
    best = max(c.score for c in cands)
    dated = [c for c in cands if c.score >= best - TYPE_MARGIN and has_date(c.text)]
    return dated or cands


def extractive_answer(answerer: ExtractiveAnswerer, req: AnswerRequest) -> Answer:
    """Pick, check and compose; refuse when the evidence does not cover the question."""
    cands = answerer.candidates(req.passages)
    from assistant.retrieve import depends_on_history, history_text

    context = history_text(req.history) if depends_on_history(req.question) else ""
    answers = [str(m.get("content", "")) for m in req.history or [] if m.get("role") == "assistant"]
    said = answers[-1] if answers else ""
    ev = answerer.score(
        req.question, req.query_vector, req.language, cands, req.lexical, context, said
    )
    if (
        not cands
        or answerer.evidence_score(ev) < answerer.refusal_threshold
        or quantity_missing(req.question, cands, req.lexical)
        or date_missing(req.question, cands)
    ):
        return _answer(req, refusal_text(req.language, req.passages), True, [])
    picked = answerer.select(of_the_asked_type(req.question, cands))
    items = answerer.list_items(req.question, cands)
    chosen = items or picked
    langs = [str(c.passage.metadata.get("language", "nl")) for c in chosen]
    passages_language = max(set(langs), key=langs.count)
    text, cites = compose(chosen, req.language, items is not None, passages_language)
    return _answer(req, text, False, cites)
