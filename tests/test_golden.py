"""Sanity checks for the golden question set ``evals/golden.jsonl``.

The golden set is hand-written; these tests keep it honest: every question follows the
schema, every evidence quote really occurs in the cited source document, and the set as a
whole keeps its intended composition (size, types, languages, document coverage).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[1]
GOLDEN = ROOT / "evals" / "golden.jsonl"
SOURCES = ROOT / "sources"

TYPES = ("factoid", "multi-doc", "unanswerable", "follow-up", "date", "who", "list", "why")
LANGUAGES = ("nl", "en")
REQUIRED = {
    "id": str,
    "question": str,
    "language": str,
    "type": str,
    "answerable": bool,
    "answer": str,
    "evidence": list,
}
OPTIONAL = {"history": list, "notes": str}
# d = dev questions, g = written later (both used for tuning), n = held-out test split,
# t = written in session 4 for the tune split (training data for the answer model).
ID_RE = re.compile(r"^[dgnt]\d{3}$")

MIN_QUESTIONS = 100
MIN_PER_TYPE = 5
EN_SHARE = (0.10, 0.25)

# The held-out test split (ids nNNN): written from the sources only, never tuned on.
HELDOUT_MIN = 45
HELDOUT_MIN_UNANSWERABLE = 16


def _load() -> list[dict[str, Any]]:
    rows = []
    for lineno, line in enumerate(GOLDEN.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:  # pragma: no cover - reported as a failure
            raise AssertionError(f"{GOLDEN.name}:{lineno}: invalid JSON: {exc}") from exc
    return rows


def _body(path: Path) -> str:
    """Text after the YAML front matter (after the second line that is exactly ``---``)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    fences = [i for i, line in enumerate(lines) if line == "---"]
    assert len(fences) >= 2, f"{path.name}: no YAML front matter"
    return "\n".join(lines[fences[1] + 1 :])


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


QUESTIONS = _load()
SOURCE_BODIES = {p.stem: _norm(_body(p)) for p in sorted(SOURCES.glob("*.md"))}
EVIDENCE = [
    pytest.param(q["id"], i, e, id=f"{q['id']}-{i}")
    for q in QUESTIONS
    for i, e in enumerate(q.get("evidence") or [])
]


def _qid(q: dict[str, Any]) -> str:
    return str(q.get("id", "?"))


@pytest.mark.parametrize("q", QUESTIONS, ids=_qid)
def test_schema(q: dict[str, Any]) -> None:
    for field, typ in REQUIRED.items():
        assert field in q, f"missing field {field!r}"
        assert isinstance(q[field], typ), f"{field!r} should be {typ.__name__}"
    unknown = set(q) - set(REQUIRED) - set(OPTIONAL)
    assert not unknown, f"unknown fields {sorted(unknown)}"
    for field, typ in OPTIONAL.items():
        if field in q:
            assert isinstance(q[field], typ), f"{field!r} should be {typ.__name__}"

    assert ID_RE.match(q["id"]), f"bad id {q['id']!r}"
    assert q["question"].strip(), "empty question"
    assert q["type"] in TYPES, f"unknown type {q['type']!r}"
    assert q["language"] in LANGUAGES, f"unknown language {q['language']!r}"

    for e in q["evidence"]:
        assert isinstance(e, dict) and set(e) == {"source", "quote"}, f"bad evidence {e!r}"
        assert isinstance(e["source"], str) and isinstance(e["quote"], str)
        assert e["quote"].strip(), "empty quote"


@pytest.mark.parametrize("q", QUESTIONS, ids=_qid)
def test_answerable_consistent_with_type(q: dict[str, Any]) -> None:
    unanswerable = q["type"] == "unanswerable"
    assert q["answerable"] is (not unanswerable), "answerable must be false iff type unanswerable"
    if unanswerable:
        assert q["evidence"] == [], "unanswerable questions carry no evidence"
    else:
        assert q["evidence"], "answerable questions need evidence"
        assert q["answer"].strip(), "answerable questions need a reference answer"
    if q["type"] == "multi-doc":
        assert len({e["source"] for e in q["evidence"]}) >= 2, "multi-doc needs 2+ documents"


@pytest.mark.parametrize("q", QUESTIONS, ids=_qid)
def test_history(q: dict[str, Any]) -> None:
    history = q.get("history")
    if q["type"] != "follow-up":
        assert not history, "only follow-up questions carry a history"
        return
    assert history, "follow-up questions need a history"
    assert len(history) % 2 == 0 and 2 <= len(history) <= 6, "1-3 user/assistant turns"
    for i, turn in enumerate(history):
        assert isinstance(turn, dict) and set(turn) == {"role", "content"}, f"bad turn {turn!r}"
        assert turn["role"] == ("user" if i % 2 == 0 else "assistant"), "roles must alternate"
        assert isinstance(turn["content"], str) and turn["content"].strip()


def test_ids_unique() -> None:
    dupes = [i for i, n in Counter(q["id"] for q in QUESTIONS).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"


@pytest.mark.parametrize(("qid", "index", "evidence"), EVIDENCE)
def test_quote_in_source(qid: str, index: int, evidence: dict[str, str]) -> None:
    source = evidence["source"]
    assert source in SOURCE_BODIES, f"unknown source {source!r}"
    assert _norm(evidence["quote"]) in SOURCE_BODIES[source], (
        f"quote not found verbatim in {source}: {evidence['quote']!r}"
    )


def test_size() -> None:
    assert len(QUESTIONS) >= MIN_QUESTIONS


def test_every_type_present() -> None:
    counts = Counter(q["type"] for q in QUESTIONS)
    thin = {t: counts[t] for t in TYPES if counts[t] < MIN_PER_TYPE}
    assert not thin, f"types with fewer than {MIN_PER_TYPE} questions: {thin}"


def test_english_share() -> None:
    share = sum(q["language"] == "en" for q in QUESTIONS) / len(QUESTIONS)
    low, high = EN_SHARE
    assert low <= share <= high, f"English share {share:.1%} outside {low:.0%}-{high:.0%}"


def test_every_source_covered() -> None:
    cited = {e["source"] for q in QUESTIONS for e in q["evidence"]}
    missing = sorted(set(SOURCE_BODIES) - cited)
    assert not missing, f"sources without any question: {missing}"


def test_heldout_split() -> None:
    """The ``nNNN`` block is a usable test split on its own, not just extra rows."""
    heldout = [q for q in QUESTIONS if q["id"].startswith("n")]
    ids = [q["id"] for q in heldout]
    assert ids == [f"n{i:03d}" for i in range(1, len(ids) + 1)], "n-ids must run n001, n002, ..."
    assert len(heldout) >= HELDOUT_MIN
    unanswerable = [q for q in heldout if q["type"] == "unanswerable"]
    assert len(unanswerable) >= HELDOUT_MIN_UNANSWERABLE
    # A near-miss is only checkable if its note says why the corpus lacks the answer.
    silent = [q["id"] for q in unanswerable if not q.get("notes", "").strip()]
    assert not silent, f"unanswerable questions without a why-absent note: {silent}"
    share = sum(q["language"] == "en" for q in heldout) / len(heldout)
    low, high = EN_SHARE
    assert low <= share <= high, f"held-out English share {share:.1%} outside {low:.0%}-{high:.0%}"
    counts = Counter(q["type"] for q in heldout)
    assert all(counts[t] for t in TYPES), f"held-out split lacks a type: {dict(counts)}"


def test_split_is_fixed_and_complete() -> None:
    """Every golden question is in exactly one part of evals/split.json; at least 40% are in
    test, which holds every question written for it (n...)."""
    split = json.loads((ROOT / "evals" / "split.json").read_text(encoding="utf-8"))
    tune, test = set(split["tune"]), set(split["test"])
    ids = {q["id"] for q in QUESTIONS}
    assert not tune & test, f"in both parts: {sorted(tune & test)}"
    assert ids == tune | test, (
        f"missing: {sorted(ids - tune - test)}; unknown: {sorted((tune | test) - ids)}"
    )
    assert len(test) >= 0.4 * len(ids)
    assert {i for i in ids if i.startswith("n")} <= test
    types = {q["type"] for q in QUESTIONS if q["id"] in test}
    assert types == set(TYPES), f"test lacks types {set(TYPES) - types}"
