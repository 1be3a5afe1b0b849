"""The values the public API hands out: passages, citations, answers and retrieval filters.

>>> Filters.from_pairs(["publisher=VNG", "era=2025"])
Filters(publisher='VNG', doc_type=None, era='2025', source_id=None, date_from=None, date_to=None)
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from index.errors import ConfigError


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk. ``source_id`` is the document id (the file stem)."""

    source_id: str
    chunk_id: str
    text: str
    score: float
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.metadata.get("title") or self.source_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """Marker ``[i + 1]`` of an answer. ``quote`` is a verbatim span of the chunk's text."""

    source_id: str
    title: str
    publisher: str
    date: str
    url: str
    quote: str
    chunk_id: str
    score: float
    passage: str = ""  # the whole chunk text, so a reader can see the quote in context
    page: int | None = None

    @classmethod
    def from_passage(cls, passage: Passage, quote: str, score: float) -> Citation:
        meta = passage.metadata
        page = meta.get("page")
        return cls(
            source_id=passage.source_id,
            title=passage.title,
            publisher=str(meta.get("publisher") or ""),
            date=str(meta.get("date") or ""),
            url=str(meta.get("url") or ""),
            quote=quote,
            chunk_id=passage.chunk_id,
            score=round(float(score), 4),
            passage=passage.text,
            page=int(page) if isinstance(page, int) else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """What :meth:`assistant.Assistant.ask` returns."""

    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    language: str = "nl"
    answerer: str = "extractive"
    passages: list[Passage] = field(default_factory=list)  # what retrieval returned
    seconds: float = 0.0
    # The answer model's probability that the sources answer the question (None: not rated).
    confidence: float | None = None

    def to_dict(self, *, with_passages: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not with_passages:
            data.pop("passages")
        return data


_FILTER_KEYS = ("publisher", "doc_type", "era", "source_id", "date_from", "date_to")
# ISO dates, as documents carry them: a day, or a month or a year (compared as text, so
# date_from "2025-07" lets July 2025 in).
_ISO_DATE = re.compile(r"\d{4}(?:-(\d{2})(?:-(\d{2}))?)?")


def _iso_date(key: str, value: object) -> str | None:
    """``value`` as an ISO date string, or a :class:`ConfigError` that names it ("" and None:
    no date filter)."""
    if value is None or value == "":
        return None if value is None else ""
    expected = "an ISO date: YYYY-MM-DD (or YYYY-MM, YYYY), e.g. 2025-07-01"
    if not isinstance(value, str):
        raise ConfigError(f"invalid {key} {value!r}: use {expected}")
    text = value.strip()
    m = _ISO_DATE.fullmatch(text)
    try:
        # A real calendar date: "2025-13-01" and "2025-02-30" are refused too.
        if m is None:
            raise ValueError(text)
        month, day = m.group(1), m.group(2)
        _dt.date(int(text[:4]), int(month or 1), int(day or 1))
    except ValueError:
        raise ConfigError(f"invalid {key} {value!r}: use {expected}") from None
    return text


@dataclass(frozen=True)
class Filters:
    """Metadata filters for retrieval. Text fields match case-insensitively; ``publisher`` also
    matches a part ("VNG" matches "VNG (Vereniging van Nederlandse Gemeenten)"). Several values
    may be given separated by ``|``. Dates are ISO (``2025-07-01``; ``2025-07`` and ``2025``
    too); anything else is refused with a :class:`ConfigError`. Undated documents never pass a
    date filter.

    >>> Filters(date_from="gisteren")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    index.errors.ConfigError: invalid date_from 'gisteren': use an ISO date: YYYY-MM-DD ...
    """

    publisher: str | None = None
    doc_type: str | None = None
    era: str | None = None
    source_id: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def __post_init__(self) -> None:
        # A date that is not one would silently filter out every document.
        for key in ("date_from", "date_to"):
            object.__setattr__(self, key, _iso_date(key, getattr(self, key)))

    @classmethod
    def from_pairs(cls, pairs: Iterable[str]) -> Filters:
        """Parse CLI ``key=value`` pairs."""
        values: dict[str, str] = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            key = key.strip().replace("-", "_")
            if not sep or key not in _FILTER_KEYS or not value.strip():
                raise ConfigError(
                    f"invalid filter {pair!r}: use key=value with key one of "
                    + ", ".join(_FILTER_KEYS)
                )
            values[key] = value.strip()
        return cls(**values)

    @classmethod
    def coerce(cls, value: Filters | dict[str, Any] | None) -> Filters | None:
        if value is None or isinstance(value, Filters):
            return value
        unknown = set(value) - set(_FILTER_KEYS)
        if unknown:
            raise ConfigError(f"unknown filter keys: {', '.join(sorted(unknown))}")
        return cls(**{k: (str(v) if v not in (None, "") else None) for k, v in value.items()})

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, "") for f in fields(self))

    def matches(self, doc: dict[str, Any]) -> bool:
        """Does a document's metadata pass these filters?"""

        def options(v: str) -> list[str]:
            return [o.strip().lower() for o in v.split("|") if o.strip()]

        if self.publisher:
            pub = str(doc.get("publisher", "")).lower()
            if not any(o in pub for o in options(self.publisher)):
                return False
        for key in ("doc_type", "era", "source_id"):
            wanted = getattr(self, key)
            got = str(doc.get("doc_id" if key == "source_id" else key, "")).lower()
            if wanted and got not in options(wanted):
                return False
        date = str(doc.get("date") or "")
        if self.date_from and (not date or date < self.date_from):
            return False
        # A month or year as the end includes all of it: compare that many characters.
        return not (self.date_to and (not date or date[: len(self.date_to)] > self.date_to))
