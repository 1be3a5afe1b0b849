"""Which documents a question names: "de Startbrief Digitalisering", "the December 2025 vision
on digital autonomy", "de brief van 11 juni 2025", "de NDS-uitvoeringspagina".

Officials often ask what one document says, and describe it rather than quote its title. A
question names a document only when it says what kind of document it means (brief, letter,
persbericht, press release, pagina, page, visie, vision, verslag, blog, ...) or gives its date.
Each document gets a bag of words from its title, file name, type and date, in both languages
(glossary translations, Dutch and English stems); the question's words score the bags by summed
idf. The best document must score well on its own, and the others named with it must come
close (a question may name two).

>>> docs = {
...     "tk-startbrief-digitalisering-2024-11-07": {"title": "Startbrief Digitalisering",
...         "doc_type": "parliamentary", "date": "2024-11-07"},
...     "vng-positie-nds": {"title": "Position paper VNG: Met de NDS stap naar voren",
...         "doc_type": "position-paper"},
...     "nldg-nds-implementation-begins": {"title": "NDS implementation begins",
...         "doc_type": "webpage"},
...     "nldg-ai-overview": {"title": "Artificial Intelligence", "doc_type": "webpage"},
... }
>>> named = DocumentMentions(docs)
>>> list(named("Welke commissie behandelde de Startbrief van november 2024?"))
['tk-startbrief-digitalisering-2024-11-07']
>>> list(named("Welk overleg noemt de NDS-uitvoeringspagina?"))
['nldg-nds-implementation-begins']
>>> named("Wat is de rol van AI in de NDS?")  # no document named
{}
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from index.glossary import translate_words
from index.language import MONTHS
from index.lexical import fold, tokenize

_WORD = re.compile(r"\w+", re.UNICODE)

# What officials call each document type, in both languages.
_TYPE_WORDS = {
    "news": "nieuws nieuwsbericht persbericht bericht news press release announcement",
    "letter": "brief letter",
    "parliamentary": "kamerstuk kamerbrief brief verslag parliamentary letter report",
    "blog": "blog blogpost",
    "webpage": "pagina webpagina website page webpage",
    "interview": "interview gesprek",
    "position-paper": "position paper positiepaper",
    "strategy": "strategie strategy",
    "guideline": "richtlijn guideline",
}
# Words that say a document is meant (any type), plus the kinds titles name themselves.
# English words that name a document only as a pair ("press release", "position paper").
_PAIRED = frozenset("press release position paper".split())
_DOCUMENT_WORDS = frozenset(
    w
    for w in " ".join(v for k, v in _TYPE_WORDS.items() if k != "strategy").split()
    + "visie vision startbrief verzamelbrief motie rapport brieven letters".split()
    if w not in _PAIRED
)
_DOCUMENT_PAIRS = re.compile(r"\b(press release|position paper)\b", re.IGNORECASE)
_PARTS = re.compile(r"\b(?:en|and)\b|[,;]", re.IGNORECASE)
_MONTHS = {m: i + 1 for names in MONTHS.values() for i, m in enumerate(names)}
_DATE = re.compile(
    r"\b(?:(\d{1,2})\s+)?(" + "|".join(_MONTHS) + r")(?:\s+(\d{1,2}),?)?\s+(\d{4})\b",
    re.IGNORECASE,
)


def _stems(words: Iterable[str]) -> set[str]:
    """Stems of ``words`` in both languages, and of their glossary translations."""
    words = [w for w in words if w]
    text = " ".join(words)
    out = set(tokenize(text, "nl")) | set(tokenize(text, "en"))
    out |= set(tokenize(" ".join(translate_words(words, "nl")), "en"))
    out |= set(tokenize(" ".join(translate_words(words, "en")), "nl"))
    return out


def _date_tokens(date: str) -> set[str]:
    """'2025-06-11' -> year-month and month-day tokens a question's date can match."""
    m = re.match(r"(\d{4})-(\d{2})(?:-(\d{2}))?", date or "")
    if not m:
        return set()
    year, month, day = m.group(1), int(m.group(2)), m.group(3)
    out = {f"@{year}-{month}"}
    if day:
        out.add(f"@{month}-{int(day)}")
    return out


def question_dates(question: str) -> set[str]:
    """The date tokens a question names ("11 juni 2025", "December 2025", "July 4, 2025").

    >>> sorted(question_dates("de brief van 11 juni 2025"))
    ['@2025-6', '@6-11']
    """
    out: set[str] = set()
    for day, month_name, us_day, year in _DATE.findall(question):
        month = _MONTHS[month_name.lower()]
        out.add(f"@{year}-{month}")
        if day or us_day:
            out.add(f"@{month}-{int(day or us_day)}")
    return out


class DocumentMentions:
    """Maps a question to the documents it names, with a strength in (0, 1]."""

    #: The best document's score, in units of the median token idf, to count as named...
    MIN_SCORE = 2.0
    #: ...and the share of the best score another document needs to be named with it.
    RELATIVE = 0.75

    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self.bags: dict[str, set[str]] = {}
        known: set[str] = set(_DOCUMENT_WORDS)
        for doc_id, meta in documents.items():
            words = [fold(w) for w in _WORD.findall(str(meta.get("title") or ""))]
            words += [fold(w) for w in re.split(r"[-_]", doc_id) if not w.isdigit()]
            known |= {w for w in words if len(w) >= 4}
            words += _TYPE_WORDS.get(str(meta.get("doc_type") or ""), "").split()
            self.bags[doc_id] = _stems(words) | _date_tokens(str(meta.get("date") or ""))
        self.known = known
        self.postings: dict[str, list[str]] = {}
        for doc_id, bag in self.bags.items():
            for t in bag:
                self.postings.setdefault(t, []).append(doc_id)
        n = max(len(self.bags), 1)
        self.idf = {
            t: math.log(1 + (n - len(d) + 0.5) / (len(d) + 0.5)) for t, d in self.postings.items()
        }
        idfs = sorted(self.idf.values())
        self.unit = idfs[len(idfs) // 2] if idfs else 1.0

    def _split(self, word: str) -> list[str]:
        """A Dutch compound's parts when both are known ("uitvoeringspagina")."""
        for i in range(4, len(word) - 3):
            head, tail = word[:i], word[i:]
            if tail in self.known or translate_words([tail], "nl"):
                for h in (head, head[:-1] if head.endswith("s") else None):
                    if h and len(h) >= 4 and (h in self.known or translate_words([h], "nl")):
                        return [h, tail]
        return []

    def _words(self, question: str) -> list[str]:
        words = [fold(w) for w in _WORD.findall(question)]
        return words + [part for w in words if len(w) >= 9 for part in self._split(w)]

    def names_a_document(self, question: str) -> bool:
        if question_dates(question) or _DOCUMENT_PAIRS.search(question):
            return True
        return any(w in _DOCUMENT_WORDS for w in self._words(question))

    def scores(self, question: str) -> dict[str, float]:
        """Each document's match, in units of the median idf. A question word counts once,
        by the rarest of its forms the document has (stems, translations)."""
        forms = [_stems([w]) for w in dict.fromkeys(self._words(question))]
        forms += [{d} for d in question_dates(question)]
        out: dict[str, float] = {}
        for f in forms:  # through the postings: cost follows the question, not the corpus
            best: dict[str, float] = {}
            for t in f:
                for doc_id in self.postings.get(t, ()):
                    best[doc_id] = max(best.get(doc_id, 0.0), self.idf[t])
            for doc_id, w in best.items():
                out[doc_id] = out.get(doc_id, 0.0) + w / self.unit
        return out

    def _named(self, text: str) -> dict[str, float]:
        if not self.names_a_document(text):
            return {}
        scores = self.scores(text)
        best = max(scores.values(), default=0.0)
        if best < self.MIN_SCORE:
            return {}
        return {d: s / best for d, s in scores.items() if s >= self.RELATIVE * best}

    def __call__(self, question: str) -> dict[str, float]:
        """The named documents, strongest first, with strength = score / best score.

        Each part of the question ("... in the launch press release and in the December 2025
        vision ...") is matched on its own too, so a question can name two documents.
        """
        named = self._named(question)
        for part in _PARTS.split(question):
            for doc, strength in self._named(part or "").items():
                named[doc] = max(named.get(doc, 0.0), strength)
        return dict(sorted(named.items(), key=lambda kv: -kv[1]))
