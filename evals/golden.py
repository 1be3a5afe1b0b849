"""The golden questions and their fixed tune/test split (evals/README.md, "Tune and test").

>>> qs = load_golden()
>>> split = load_split()
>>> sorted(set(split.values())), all(q["id"] in split for q in qs)
(['test', 'tune'], True)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLDEN = Path(__file__).resolve().parent / "golden.jsonl"
# The fixed tune/test split of the golden set (evals/README.md, "Tune and test").
DEFAULT_SPLIT = Path(__file__).resolve().parent / "split.json"
SPLITS = ("test", "tune")


def load_golden(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The golden questions (one JSON object per line; blank lines skipped)."""
    p = Path(path) if path else DEFAULT_GOLDEN
    rows = []
    for lineno, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{p}:{lineno}: invalid JSON: {exc}") from exc
    return rows


def load_split(path: str | Path | None = None) -> dict[str, str]:
    """Question id -> ``"test"`` or ``"tune"``, from ``evals/split.json``.

    A question in neither list (another golden file, say) gets no split and counts only in
    the overall figures.
    """
    p = Path(path) if path else DEFAULT_SPLIT
    if not p.exists():
        return {}
    data = json.loads(p.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for part in SPLITS:
        for qid in data.get(part, []):
            if qid in out:
                raise ValueError(f"{p}: question {qid} is in both tune and test")
            out[qid] = part
    return out
