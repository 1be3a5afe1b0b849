"""Tests for index.clean, with examples copied from the corpus in sources/."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import index.clean
from index.clean import (
    clean_pages,
    clean_text,
    dehyphenate,
    is_page_number_line,
    normalize_unicode,
    normalize_whitespace,
    page_of,
    remove_headers_footers,
)

SOURCES = Path(__file__).parents[1] / "sources"

# Verbatim snippets from sources/vng-positie-nds.md (a PDF text extraction)
VNG_TOTSTAND = (
    " Gemeenten zijn actief betrokken bij de totstand- \n"
    "koming van de Nederlandse Digitaliseringsstrategie \n"
    "(NDS). In dit position paper delen wij de visie van \n"
)
VNG_GEREALISEERD = (
    "met de NDS, zodat plannen en keuzes \n"
    "daadkrachtig en interbestuurlijk gereali-\n"
    "seerd gaan worden.\n"
)
# Verbatim snippets from sources/vng-ipo-uvw-brief-uitermark-2025-06-11.md (a PDF letter)
BRIEF_LIST = "Bijlage(n) \n- \n\n \n\nmailto:info@vng.nl\n"
BRIEF_FOOTER = "Vereniging van Nederlandse Gemeenten 2/2 "
BRIEF_TRAILING = (
    "digitale weerbaarheid en autonomie – bijvoorbeeld rond AI, cloud en data –  "
    "belangrijker dan \n"
    "ooit.    \n  \nEén digitaal Huis van Thorbecke  \n"
)


@pytest.mark.parametrize(
    ("snippet", "file"),
    [
        (VNG_TOTSTAND, "vng-positie-nds.md"),
        (VNG_GEREALISEERD, "vng-positie-nds.md"),
        (BRIEF_LIST, "vng-ipo-uvw-brief-uitermark-2025-06-11.md"),
        (BRIEF_FOOTER, "vng-ipo-uvw-brief-uitermark-2025-06-11.md"),
        (BRIEF_TRAILING, "vng-ipo-uvw-brief-uitermark-2025-06-11.md"),
    ],
)
def test_examples_are_really_from_the_corpus(snippet: str, file: str) -> None:
    assert snippet in (SOURCES / file).read_text(encoding="utf-8")


def test_doctests() -> None:
    assert doctest.testmod(index.clean).failed == 0


# -- rule 1: unicode ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("gereali\u00adseerd", "gerealiseerd"),  # soft hyphen
        ("N\u200bD\u200cS\u200d\ufeff", "NDS"),  # zero-width chars and BOM
        ("één\u00a0overheid", "één overheid"),  # NBSP
        ("20\u202f%\u2009en\u2003meer", "20 % en meer"),  # narrow/thin/em spaces
        ("regel 1\r\nregel 2\rregel 3", "regel 1\nregel 2\nregel 3"),
        ("coo\u0308rdinatie", "coördinatie"),  # NFD -> NFC
        ("tab\tblijft\nnewline ook", "tab\tblijft\nnewline ook"),
        ("bel\x07 nul\x00 esc\x1b del\x7f", "bel nul esc del"),
        ("pagina 1\fpagina 2", "pagina 1\npagina 2"),  # form feed = page break
        ("a\u2028b\u2029c", "a\nb\nc"),
        # real corpus text with an en dash and typographic quotes stays unchanged
        (
            "autonomie – bijvoorbeeld “Zonder standaarden”",
            "autonomie – bijvoorbeeld “Zonder standaarden”",
        ),
    ],
)
def test_normalize_unicode(raw: str, expected: str) -> None:
    assert normalize_unicode(raw) == expected


# -- rule 2: de-hyphenation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # corpus: vng-positie-nds.md (note the space after the hyphen)
        ("betrokken bij de totstand- \nkoming van de", "betrokken bij de totstandkoming van de"),
        (
            "interbestuurlijk gereali-\nseerd gaan worden.",
            "interbestuurlijk gerealiseerd gaan worden.",
        ),
        ("digitalise-\n  ringsstrategie", "digitaliseringsstrategie"),  # indented next line
        # real hyphens
        ("binnen het NDS-verband om ons", "binnen het NDS-verband om ons"),  # corpus, no break
        ("het NDS-uitvoeringsprogramma", "het NDS-uitvoeringsprogramma"),
        ("het NDS-\nuitvoeringsprogramma", "het NDS-uitvoeringsprogramma"),  # acronym
        ("per e-\nmail", "per e-mail"),  # single letter
        ("de eID-\nkaart", "de eID-kaart"),  # ends in a capital
        ("gemeente-\nen provinciebesturen", "gemeente- en provinciebesturen"),  # weglatingsstreepje
        ("rijks-\nof gemeentelijke", "rijks- of gemeentelijke"),
        ("gemeente-\nenquête", "gemeenteenquête"),  # "en..." but a longer word: joined
        # left alone
        ("Telefoon \n070-3738393", "Telefoon \n070-3738393"),  # corpus, digits
        ("Noord-\nHolland", "Noord-\nHolland"),  # capital: maybe a new sentence/heading
        ("Bijlage(n) \n- \n", "Bijlage(n) \n- \n"),  # corpus: a lone bullet
        ("lijst:\n- cloud\n- data", "lijst:\n- cloud\n- data"),  # bullets
        ("tekst -\nverder", "tekst -\nverder"),  # dash after a space
        ("woord-\n\nvolgende alinea", "woord-\n\nvolgende alinea"),  # blank line: not a split
        ("2024-\n2025", "2024-\n2025"),
        ("a-\nb-\nc", "a-b-c"),  # several in a row, one pass
    ],
)
def test_dehyphenate(raw: str, expected: str) -> None:
    assert dehyphenate(raw) == expected
    assert dehyphenate(expected) == expected


# -- rule 3: whitespace --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # corpus: trailing spaces, whitespace-only lines, double spaces inside lines
        (
            BRIEF_TRAILING,
            "digitale weerbaarheid en autonomie – bijvoorbeeld rond AI, cloud en data – "
            "belangrijker dan\nooit.\n\nEén digitaal Huis van Thorbecke",
        ),
        # corpus: single leading space from the PDF extraction is dropped
        (" Geachte mevrouw Uitermark, \n \nOp 6 juni", "Geachte mevrouw Uitermark,\n\nOp 6 juni"),
        # corpus: blank-ish lines collapse to one blank line
        (BRIEF_LIST, "Bijlage(n)\n-\n\nmailto:info@vng.nl"),
        ("Datum\t11 juni 2025", "Datum 11 juni 2025"),
        # indentation of two or more columns (nested lists, code) is kept
        (
            "- cloud\n  - soevereine cloud\n    code  blok",
            "- cloud\n  - soevereine cloud\n    code blok",
        ),
        ("\tingesprongen", "\tingesprongen"),
        ("\n\n\nkop\n\n\n\n\ntekst\n\n\n", "kop\n\ntekst"),
        ("regel een\nregel twee", "regel een\nregel twee"),  # single breaks are never joined
        ("   \n \t \n", ""),
    ],
)
def test_normalize_whitespace(raw: str, expected: str) -> None:
    assert normalize_whitespace(raw) == expected


def test_clean_text_on_corpus_snippet() -> None:
    assert clean_text(VNG_TOTSTAND) == (
        "Gemeenten zijn actief betrokken bij de totstandkoming van de Nederlandse "
        "Digitaliseringsstrategie\n(NDS). In dit position paper delen wij de visie van"
    )
    assert clean_text(VNG_GEREALISEERD) == (
        "met de NDS, zodat plannen en keuzes\n"
        "daadkrachtig en interbestuurlijk gerealiseerd gaan worden."
    )


def test_clean_text_on_whole_corpus_is_idempotent() -> None:
    for path in sorted(SOURCES.glob("*.md")):
        once = clean_text(path.read_text(encoding="utf-8"))
        assert once and clean_text(once) == once, path.name
        assert "\n\n\n" not in once and "\u00ad" not in once


# -- properties ----------------------------------------------------------------------------------

_pieces = st.sampled_from(
    ["-", "- ", "-\n", " \n", "\n", "\n\n\n", "\t", " ", "\u00ad", "\u00a0", "\u200b", "\r\n",
     "\r", "\x0c", "NDS", "e", "E", "gereali", "seerd", "en ", "of", "\u0308", "é", "1", "#",
     "¼", "²", "ᄀ", "ᅡ", "ǅ", "\u0345"]
)  # fmt: skip
_texts = st.one_of(st.text(), st.lists(_pieces | st.text(max_size=3)).map("".join))


@settings(max_examples=400, deadline=None)
@given(_texts)
def test_clean_text_is_idempotent_and_never_raises(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert "\r" not in once and "\n\n\n" not in once
    assert once == once.strip("\n")


@settings(max_examples=200, deadline=None)
@given(st.lists(_texts, max_size=6))
def test_clean_pages_offsets_are_consistent(pages: list[str]) -> None:
    text, starts = clean_pages(pages)
    assert len(starts) == len(pages)
    assert starts == sorted(starts)
    assert all(0 <= s <= len(text) for s in starts)
    if pages:
        assert starts[0] == 0


# -- rule 4: headers, footers, page numbers ------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["3", " 12 ", "- 3 -", "– 3 –", "Pagina 3 van 12", "pagina 3", "Page 3 of 12", "p. 4", "3/12"],
)
def test_page_number_lines(line: str) -> None:
    assert is_page_number_line(line)


@pytest.mark.parametrize(
    "line", ["3 prioriteiten", "Op 6 juni", "Postbus 20011", "SEC/U202500302", "Pagina's"]
)
def test_not_page_number_lines(line: str) -> None:
    assert not is_page_number_line(line)


def _letter_page(number: int, body: str) -> str:
    # corpus: the running footer of the VNG letter, "Vereniging van Nederlandse Gemeenten 2/2"
    return f"{body}\n\nVereniging van Nederlandse Gemeenten {number}/3 \n"


def test_repeated_footer_with_changing_page_number_is_removed() -> None:
    pages = [
        _letter_page(1, "Geachte mevrouw Uitermark,"),
        _letter_page(2, "De NDS benoemt zes prioriteiten."),
        _letter_page(3, "Met vriendelijke groet,"),
    ]
    text, starts = clean_pages(pages)
    assert text == (
        "Geachte mevrouw Uitermark,\n\nDe NDS benoemt zes prioriteiten.\n\nMet vriendelijke groet,"
    )
    assert [text[s:].split("\n")[0] for s in starts] == [
        "Geachte mevrouw Uitermark,",
        "De NDS benoemt zes prioriteiten.",
        "Met vriendelijke groet,",
    ]
    assert page_of(text.index("zes prioriteiten"), starts) == 2


def test_header_needs_sixty_percent_of_pages() -> None:
    # the header is on 2 of 4 pages (50%): kept; page numbers are removed anyway
    pages = [
        "Kamerstuk 26643\nTekst een\n1",
        "Kamerstuk 26643\nTekst twee\n2",
        "Tekst drie\n3",
        "Tekst vier\n4",
    ]
    assert remove_headers_footers(pages) == [
        "Kamerstuk 26643\nTekst een",
        "Kamerstuk 26643\nTekst twee",
        "Tekst drie",
        "Tekst vier",
    ]


def test_header_on_three_of_four_pages_is_removed() -> None:
    pages = ["Kop NDS\nEen", "Kop NDS\nTwee", "Kop NDS\nDrie", "Vier"]
    assert remove_headers_footers(pages) == ["Een", "Twee", "Drie", "Vier"]


def test_two_pages_are_too_few_for_header_detection() -> None:
    pages = ["Rijksoverheid\nEen\n- 1 -", "Rijksoverheid\nTwee\n- 2 -"]
    assert remove_headers_footers(pages) == ["Rijksoverheid\nEen", "Rijksoverheid\nTwee"]


def test_repeated_line_in_the_middle_of_a_page_is_kept() -> None:
    pages = [
        "Kop\nA\nB\nHerhaald\nC\nD",
        "Kop\nA\nB\nHerhaald\nC\nD",
        "Kop\nE\nF\nHerhaald\nG\nH",
    ]
    out = remove_headers_footers(pages)
    assert all("Herhaald" in page and "Kop" not in page for page in out)


def test_single_page_keeps_a_number_line() -> None:
    assert clean_pages(["Prioriteiten:\n6"]) == ("Prioriteiten:\n6", [0])


def test_clean_pages_empty_pages() -> None:
    assert clean_pages([]) == ("", [])
    assert clean_pages(["", "Tekst", ""]) == ("Tekst", [0, 0, 5])
    text, starts = clean_pages(["Een", " \n ", "Drie"])
    assert text == "Een\n\nDrie" and starts == [0, 5, 5]
    assert page_of(5, starts) == 3
