"""What every loader shares: the loaded document, the loader signature, small text helpers."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MetaValue = str | int | float | bool

# A loader: (raw bytes, path) -> (pages, metadata); it raises LoadError for what it cannot read.
Loaded = tuple[list[str], dict[str, Any]]
Loader = Callable[[bytes, Path], Loaded]


@dataclass(frozen=True)
class LoadedDocument:
    """One source file, read but not yet cleaned or chunked."""

    doc_id: str  # the file stem, e.g. "vng-positie-nds" (not the front-matter id)
    source_path: Path
    format: str  # "markdown" | "text" | "pdf" | "html" | "docx"
    pages: list[str]  # PDF: one string per page (page i+1); other formats: exactly one string
    metadata: dict[str, MetaValue] = field(default_factory=dict)
    content_hash: str = ""  # sha256 hex digest of the raw file bytes

    @property
    def text(self) -> str:
        """All pages joined by a blank line (uncleaned)."""
        return "\n\n".join(self.pages)


def normalise_metadata(meta: dict[str, Any]) -> dict[str, MetaValue]:
    """Scalars only: lists joined with ", ", dates as ISO strings, None dropped."""
    out: dict[str, MetaValue] = {}
    for key, value in meta.items():
        scalar = _to_scalar(value)
        if scalar is not None:
            out[str(key)] = scalar
    return out


def _to_scalar(value: Any) -> MetaValue | None:
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        items = [_to_scalar(v) for v in value]
        return ", ".join(str(v) for v in items if v is not None and v != "")
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


def title_from_stem(path: Path) -> str:
    title = re.sub(r"[-_]+", " ", path.stem).strip()
    return re.sub(r"\s+", " ", title) or path.name


def clean_str(value: Any) -> str:
    return squash(value) if isinstance(value, str) else ""


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def squash_lines(text: str) -> str:
    lines = (squash(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def safe(getter: Callable[[], Any]) -> Any:
    try:
        return getter()
    except Exception:
        return None


def one_line(exc: BaseException | str) -> str:
    text = str(exc).strip() if not isinstance(exc, str) else exc.strip()
    first = text.splitlines()[0] if text else ""
    name = type(exc).__name__ if isinstance(exc, BaseException) else ""
    if not first:
        return name or "unknown error"
    return f"{name}: {first}"[:300] if name else first[:300]


def human_size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 1024:.1f} KB"
