"""The CSV export: one row per question, for a spreadsheet (evals/README.md, "CSV")."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.records import by_split_order
from evals.report.content import citation_lines
from evals.scoring import PER_QUESTION_METRICS, is_failure

CSV_COLUMNS = (
    "id",
    "split",
    "type",
    "language",
    "answerable",
    "refused",
    "confidence",
    "failed",
    "question",
    "reference",
    "answer",
    "cited_sources",
    "cited_quotes",
    *PER_QUESTION_METRICS,
    "refusal_correct",
    "latency",
)
# UTF-8 with a byte order mark: Excel then reads the Dutch diacritics right; Python's csv
# module, pandas and LibreOffice read it with encoding="utf-8-sig".
CSV_ENCODING = "utf-8-sig"


# A text cell starting with one of these is a formula to a spreadsheet; answers quote
# third-party documents, so such a cell gets a leading ' (OWASP's advice on CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, bool):
        return int(value)  # 1/0: a spreadsheet can sum and average them
    if isinstance(value, float):
        return round(value, 4)
    return value


def csv_rows(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per question (test first), the columns of :data:`CSV_COLUMNS`."""
    rows = []
    for r in by_split_order(records):
        cites = r.get("citations") or []
        row: dict[str, Any] = {
            "id": r["id"],
            "split": r.get("split", ""),
            "type": r.get("type", ""),
            "language": r.get("language", ""),
            "answerable": r["answerable"],
            "refused": r["refused"],
            "confidence": r.get("confidence"),
            "failed": "; ".join(is_failure(r)),
            "question": r["question"],
            "reference": r.get("reference", ""),
            "answer": r.get("answer", ""),
            "cited_sources": "; ".join(
                f"[{n}] {c['source_id']}" for n, c in enumerate(cites, start=1)
            ),
            "cited_quotes": "\n".join(citation_lines(r)),
            "latency": r.get("latency"),
        }
        for name in (*PER_QUESTION_METRICS, "refusal_correct"):
            row[name] = r.get("metrics", {}).get(name)
        rows.append({k: _cell(row.get(k)) for k in CSV_COLUMNS})
    return rows


def write_csv(records: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """The questions as CSV (comma-separated, ``.`` decimals, UTF-8 with BOM)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding=CSV_ENCODING, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(csv_rows(records))
    return p
