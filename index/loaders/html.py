"""HTML: the article text as Markdown (trafilatura), menus and sidebars dropped, metadata from
the head (title, description, language, canonical URL)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from index.errors import LoadError
from index.loaders.base import Loaded, clean_str, squash, squash_lines

_HTML_DROP = ("nav", "header", "footer", "aside", "script", "style", "form", "noscript", "template")


def load_html(raw: bytes, path: Path) -> Loaded:
    import trafilatura
    from bs4 import BeautifulSoup, UnicodeDammit

    where = str(path)
    if b"\x00" in raw and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LoadError(where, "looks like binary data, not HTML (contains NUL bytes)")
    dammit = UnicodeDammit(raw, is_html=True)
    html = dammit.unicode_markup
    if html is None:
        raise LoadError(where, "cannot determine the text encoding of this HTML file")
    html = html.removeprefix("\ufeff")
    soup = BeautifulSoup(html, "html.parser")

    meta: dict[str, Any] = {}
    if dammit.original_encoding:
        meta["encoding"] = dammit.original_encoding
    if soup.title is not None and clean_str(soup.title.get_text(" ")):
        meta["title"] = squash(soup.title.get_text(" "))
    else:
        h1 = soup.find("h1")
        if h1 is not None and clean_str(h1.get_text(" ")):
            meta["title"] = squash(h1.get_text(" "))
    desc = soup.find("meta", attrs={"name": re.compile(r"^description$", re.I)})
    if desc is not None and clean_str(desc.get("content")):
        meta["description"] = squash(str(desc.get("content")))
    html_tag = soup.find("html")
    if html_tag is not None and clean_str(html_tag.get("lang")):
        meta["language"] = str(html_tag.get("lang")).strip()
    canonical = soup.find("link", rel=lambda v: bool(v) and "canonical" in v)
    if canonical is not None and clean_str(canonical.get("href")):
        meta["url"] = str(canonical.get("href")).strip()

    _prune_html(soup)
    text = trafilatura.extract(
        str(soup),
        output_format="markdown",
        include_comments=False,
        include_tables=True,
        favor_recall=True,
    )
    if not text or not text.strip():
        text = _html_fallback_text(soup)
    if not text.strip():
        raise LoadError(where, "empty file (no readable text in the HTML)")
    return [text], meta


def _prune_html(soup: Any) -> None:
    """Drop menus, sidebars, scripts and forms; keep headers/footers inside the article."""
    for tag in soup.find_all(_HTML_DROP):
        if tag.decomposed:
            continue
        if tag.name in ("header", "footer") and tag.find_parent(["article", "main"]) is not None:
            continue
        if tag.name == "form" and tag.find(["article", "main", "h1"]) is not None:
            tag.unwrap()  # ASP.NET pages wrap the whole page in one <form>
            continue
        tag.decompose()


def _html_fallback_text(soup: Any) -> str:
    body = soup.body or soup
    blocks: list[str] = []
    for el in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "td", "th"]):
        if el.find_parent(["p", "li", "pre", "td", "th"]) is not None:
            continue  # nested inside a block we already take whole
        text = squash(el.get_text(" "))
        if not text:
            continue
        if el.name[0] == "h" and el.name[1:].isdigit():
            blocks.append("#" * int(el.name[1]) + " " + text)
        elif el.name == "li":
            blocks.append("- " + text)
        else:
            blocks.append(text)
    if not blocks:
        return squash_lines(body.get_text("\n"))
    return "\n\n".join(blocks)
