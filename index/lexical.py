"""BM25 over the chunks, with Dutch (and English) stemming and stop words, persisted on disk.

Ingest rebuilds it when the catalog changed and swaps it in atomically; readers load it once.
Each passage is stemmed in its own language and a query in its own, so an English question
matches English pages and a Dutch one Dutch letters.

>>> tokenize("De gemeenten digitaliseren samen", "nl")
['gemeent', 'digitaliser', 'sam']
>>> query_tokens("digitale overheid en de digitale samenleving")
['digital', 'over', 'samenlev']
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.glossary import translate_words
from index.language import MONTHS, NUMBER_WORDS, detect_language

_WORD = re.compile(r"\w+", re.UNICODE)


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN

    return frozenset(fold(w) for w in (*STOPWORDS_DUTCH, *STOPWORDS_EN))


@cache
def _stemmer(language: str) -> Any:
    import Stemmer

    return Stemmer.Stemmer("english" if language == "en" else "dutch")


def fold(word: str) -> str:
    """Lowercase without diacritics: 'méér' and 'meer', 'coördinatie' and 'coordinatie' meet."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Question words say what kind of answer is wanted, not what it is about ("Welke", "Noem").
# Only matching a question against headings drops them: in retrieval and sentence scoring
# dropping them was measured and shifted refusals more than it helped (docs/refusal.md).
QUESTION_WORDS = frozenset(
    """welk welke waarom wanneer waar waarmee waardoor waarvoor waaruit hoeveel hoelang
    noem noemt noemen noemde genoemd geef beschrijf what which who whom whose why how when
    where name describe mentioned listed""".split()
)


def _words(text: str, query: bool = False) -> list[str]:
    stop = _stopwords() | QUESTION_WORDS if query else _stopwords()
    out = []
    for w in _WORD.findall(text):
        f = fold(w)
        if f not in stop and (len(f) > 1 or f.isdigit()) and not f.startswith("_"):
            out.append(f)
    return out


def tokenize(text: str, language: str = "nl", *, query: bool = False) -> list[str]:
    """Stemmed content words of a passage in ``language`` ('nl' or 'en'); of a question
    (without its question words) when ``query``."""
    return list(_stemmer(language).stemWords(_words(text, query)))


@lru_cache(maxsize=20_000)
def stems(text: str) -> frozenset[str]:
    """Content-word stems of a text, Dutch and English stemming both (its language may vary):
    the one stem helper (sentence scoring, citation support).

    Cached: the sentences and passages answers are drawn from are those of one corpus, so the
    same texts come back question after question (tokenising them was half of ``ask``)."""
    return frozenset(tokenize(text, "nl")) | frozenset(tokenize(text, "en"))


_NUMBERS = [(str(n), nl, en) for n, (nl, en) in NUMBER_WORDS.items()]
# Every spelling of a small number -> (digit, Dutch word, English word).
NUMBER_FORMS = {form: forms for forms in _NUMBERS for form in forms}


# Words after a number that make it a date or a span of time, not a count of things.
_NOT_COUNTED = frozenset(MONTHS["nl"] + MONTHS["en"]) | frozenset(
    """jaar jaren maand maanden week weken dag dagen uur year years month months weeks days
    hours procent percent euro miljoen miljard million billion""".split()
)


def counts(text: str) -> list[str]:
    """The small numbers in ``text`` that count something ("zes prioriteiten", "the 6
    priorities"), not the ones that name something ("prioriteit 6"), date it ("11 juni") or
    measure time ("de afgelopen 2 jaar").

    >>> counts("Wat zijn de zes prioriteiten van prioriteit 2 en 3?")
    ['zes']
    >>> counts("Welke doelen heeft prioriteit 6 Cloud?"), counts("de brief van 11 juni 2025")
    ([], [])
    >>> counts("Welke regels moeten gemeenten in acht nemen?")
    []
    """
    words = _WORD.findall(text.lower())
    stop = _stopwords() | QUESTION_WORDS
    out = []
    for i, w in enumerate(words):
        if w not in NUMBER_FORMS or i + 1 == len(words):
            continue
        after, before = words[i + 1], words[i - 1] if i else ""
        if after.isdigit() or after in _NOT_COUNTED or (w, before) == ("acht", "in"):
            continue
        # A count follows a determiner or a question word ("de zes", "welke twee", "noem
        # drie"); after a noun the number names it ("prioriteit 6").
        if i == 0 or before in stop:
            out.append(w)
    return out


def number_variants(text: str) -> list[str]:
    """The other spellings of the counts in a query: "zes prioriteiten" should find
    "6 priorities", and "6 prioriteiten" should find "zes".

    >>> number_variants("Wat zijn de zes prioriteiten van prioriteit 2?")
    ['6', 'six']
    """
    out: list[str] = []
    for w in counts(text):
        for form in NUMBER_FORMS[w]:
            if form != w and form not in out:
                out.append(form)
    return out


def query_tokens(text: str) -> list[str]:
    """A query's tokens, stemmed in the query's own language (duplicates removed), with the
    other spellings of its small numbers.

    Stemming a Dutch query the English way would add noise ("overheid" -> "over"), so only
    the detected language is used; passages of the other language are the dense side's job.
    """
    return list(Query.of(text).own)


def translated_query_tokens(text: str) -> list[str]:
    """The query's words translated with the glossary, stemmed in the other language.

    >>> translated_query_tokens("Welke strategische doelen stelt prioriteit 6?")
    ['strateg', 'goal', 'object', 'prioriti']
    """
    return list(Query.of(text).translated)


@dataclass(frozen=True)
class Query:
    """A query's words, analysed once: its language, its stems in that language, the other
    spellings of its counts, and its glossary translation stemmed in the other language.

    >>> q = Query.of("Wat zijn de zes prioriteiten?")
    >>> q.language, q.own, q.translated
    ('nl', ('zes', 'prioriteit', '6', 'six'), ('prioriti', '6', 'six'))
    """

    text: str
    language: str  # detect_language(text): "nl" when there is no signal
    tokens: tuple[str, ...]  # stems in its own language (with repeats, in order)
    number_variants: tuple[str, ...]  # other spellings of its counts: "zes" -> "6", "six"
    own: tuple[str, ...]  # what BM25 searches in its own language: tokens + number variants
    translated: tuple[str, ...]  # glossary translation + number variants, other language

    @property
    def other(self) -> str:
        return "en" if self.language == "nl" else "nl"

    @property
    def foreign(self) -> list[str]:
        """What BM25 searches in the other language: the translation, then the query's own
        words stemmed that way (names, acronyms and numbers pass untranslated)."""
        return list(self.translated) + tokenize(self.text, self.other)

    @classmethod
    def of(cls, text: str) -> Query:
        language = detect_language(text)
        other = "en" if language == "nl" else "nl"
        variants = number_variants(text)
        tokens = tokenize(text, language)
        own = dict.fromkeys(tokens + tokenize(" ".join(variants), language))
        words = [w.lower() for w in _WORD.findall(text)]
        translated = " ".join(translate_words(words, language) + variants)
        return cls(
            text,
            language,
            tuple(tokens),
            tuple(variants),
            tuple(own),
            tuple(dict.fromkeys(tokenize(translated, other))),
        )


class LexicalIndex:
    """A bm25s index plus the chunk ids of its rows."""

    def __init__(self, retriever: Any, ids: list[str]) -> None:
        self.retriever = retriever
        self.ids = ids
        self._row = {cid: i for i, cid in enumerate(ids)}

    @classmethod
    def build(
        cls, ids: Sequence[str], texts: Sequence[str], languages: Sequence[str]
    ) -> LexicalIndex:
        import bm25s

        corpus = [
            tokenize(t, lang) or ["_empty_"] for t, lang in zip(texts, languages, strict=True)
        ]
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        if corpus:
            retriever.index(corpus, show_progress=False)
        return cls(retriever, list(ids))

    def save(self, path: Path) -> None:
        """Write to a temporary folder, then swap it in, so readers never see half an index."""
        tmp = path.with_name(path.name + ".tmp")
        old = path.with_name(path.name + ".old")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self.retriever.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
        shutil.rmtree(old, ignore_errors=True)
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        import bm25s

        ids = json.loads((path / "ids.json").read_text(encoding="utf-8"))
        retriever = (
            bm25s.BM25.load(str(path), show_progress=False, verbosity=0) if ids else bm25s.BM25()
        )
        return cls(retriever, ids)

    def search(
        self,
        query: str | Query,
        n: int,
        allowed: set[str] | None = None,
        mask: np.ndarray | None = None,
    ) -> list[tuple[str, float]]:
        """Best ``n`` chunks as ``(chunk_id, bm25 score)``; only ids in ``allowed`` (and rows
        where ``mask`` is 1, see :meth:`mask_for`) if given."""
        own = (Query.of(query) if isinstance(query, str) else query).own
        return self.search_tokens(own, n, allowed, mask)

    def mask_for(self, ids: set[str]) -> np.ndarray:
        """A row mask (1.0 for the given chunk ids) to pass as ``mask``; build it once."""
        mask = np.zeros(len(self.ids), dtype=np.float32)
        rows = [row for cid in ids if (row := self._row.get(cid)) is not None]
        mask[rows] = 1.0
        return mask

    def search_tokens(
        self,
        tokens: Sequence[str],
        n: int,
        allowed: set[str] | None = None,
        mask: np.ndarray | None = None,
    ) -> list[tuple[str, float]]:
        """Like :meth:`search`, for already stemmed tokens."""
        if not self.ids:
            return []
        vocab = self.retriever.vocab_dict
        tokens = [t for t in dict.fromkeys(tokens) if t in vocab]
        if not tokens:
            return []
        if allowed is not None:
            mask = self.mask_for(allowed) if mask is None else mask * self.mask_for(allowed)
        if mask is not None and not mask.any():
            return []
        k = min(n, len(self.ids))
        docs, scores = self.retriever.retrieve(
            [tokens], k=k, show_progress=False, weight_mask=mask, n_threads=1
        )
        return [
            (self.ids[int(d)], float(s))
            for d, s in zip(docs[0], scores[0], strict=True)
            if float(s) > 0
        ]

    def _df(self, token: str) -> int:
        """How many indexed chunks hold the token."""
        if not self.ids:
            return 0
        tid = self.retriever.vocab_dict.get(token)
        indptr = self.retriever.scores["indptr"]
        return 0 if tid is None else int(indptr[tid + 1] - indptr[tid])

    @property
    def max_idf(self) -> float:
        """The idf of a token no chunk holds: the largest there is."""
        return float(np.log(1 + max(len(self.ids), 1)))

    def known(self, tokens: Sequence[str]) -> set[str]:
        """The tokens that occur in at least one indexed chunk."""
        return {t for t in tokens if self._df(t)}

    def idf(self, tokens: Sequence[str]) -> dict[str, float]:
        """Inverse document frequency of each token (unknown tokens get the maximum)."""
        n = max(len(self.ids), 1)
        out = {}
        for t in tokens:
            df = self._df(t)
            out[t] = float(np.log(1 + (n - df + 0.5) / (df + 0.5))) if df else self.max_idf
        return out
