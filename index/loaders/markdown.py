"""Markdown and plain text files: optional YAML front matter, the title from the top heading.

A ``.txt`` file is read the same way (it may carry front matter too).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from index.errors import LoadError
from index.loaders.base import Loaded, clean_str, one_line
from index.loaders.text import decode_text

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(?P<yaml>.*?)^---[ \t]*\r?$\n?", re.S | re.M)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split optional YAML front matter from the body; raises ``ValueError`` when malformed.

    >>> split_front_matter("---\\ntitle: NDS\\n---\\nTekst\\n")
    ({'title': 'NDS'}, 'Tekst\\n')
    >>> split_front_matter("Geen front matter")
    ({}, 'Geen front matter')
    """
    if not re.match(r"---[ \t]*\r?\n", text):
        return {}, text
    match = _FRONT_MATTER_RE.match(text)
    if match is None:
        raise ValueError("front matter starts with '---' but has no closing '---' line")
    try:
        data = yaml.safe_load(match.group("yaml"))
    except yaml.YAMLError as exc:
        raise ValueError(f"malformed YAML front matter: {_yaml_problem(exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError(
            f"front matter is not a mapping of 'key: value' lines (got {type(data).__name__})"
        )
    return data, text[match.end() :]


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = one_line(str(problem))
    if mark is not None:
        # +2: marks are 0-based and the YAML starts on the line after the opening '---'
        return f"{problem} (line {mark.line + 2} of the file, column {mark.column + 1})"
    return problem


def load_markdown(raw: bytes, path: Path) -> Loaded:
    where = str(path)
    try:
        text, encoding = decode_text(raw)
    except ValueError as exc:
        raise LoadError(where, f"{exc}; is this really a {path.suffix} file?") from None
    try:
        meta, body = split_front_matter(text)
    except ValueError as exc:
        raise LoadError(where, str(exc)) from None
    if not body.strip():
        raise LoadError(where, "empty file (no text after the front matter)")
    meta = {str(k): v for k, v in meta.items()}
    meta["encoding"] = encoding
    if not clean_str(meta.get("title")):
        heading = first_markdown_heading(body)
        if heading:
            meta["title"] = heading
    return [body], meta


_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


def first_markdown_heading(body: str) -> str | None:
    headings = [(len(m.group(1)), m.group(2).strip()) for m in _HEADING_RE.finditer(body)]
    headings = [(level, text) for level, text in headings if text]
    if not headings:
        return None
    top = min(level for level, _ in headings)
    return next(text for level, text in headings if level == top)
