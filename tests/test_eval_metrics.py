"""Unit tests for the pure evaluation metrics (evals/metrics.py) and the runner's helpers."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from assistant import Passage
from evals import metrics as m
from evals.compare import compare_runs
from evals.gate import check_floor, load_floor
from evals.records import EvalResult
from evals.report import write_reports
from evals.scoring import aggregate, failures_of, retrieval_scores, score_question

# -- normalise -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("gereali-\nseerd", "gerealiseerd"),
        ("totstand- \nkoming", "totstandkoming"),
        ("totstand-  \n  koming", "totstandkoming"),
        ("gemeente-\nen provinciebesturen", "gemeente- en provinciebesturen"),
        ("Rijk-\nof gemeente", "rijk- of gemeente"),
        ("2020-\n2021", "2020- 2021"),  # digits: not a broken word
        ("[Haven plus](https://x.nl/haven) (VNG)", "haven plus (vng)"),
        ("**Cloud** en __data__", "cloud en data"),
        ("  De   NDS\n\nbiedt.\tdaarbij ", "de nds biedt. daarbij"),
        ("gereali\u00adseerd", "gerealiseerd"),
        ("coo\u0308rdinatie", "coördinatie"),
        ("", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert m.normalise(raw) == expected


def test_normalise_is_idempotent() -> None:
    text = "Het [plan](u) is gereali-\nseerd **nu**."
    assert m.normalise(m.normalise(text)) == m.normalise(text)


# -- evidence matching ---------------------------------------------------------------------------

CHUNK_A = (
    "De NDS biedt daarbij de mogelijkheid om te bezien wat er overheidsbreed kan worden "
    "gedaan, wat in collectiviteit"
)
CHUNK_B = "wat in collectiviteit van gemeenten en wat nog individueel per organisatie. Verder"
QUOTE = (
    "De NDS biedt.\ndaarbij de mogelijkheid om te bezien wat er overheidsbreed kan worden "
    "gedaan, wat in collectiviteit van gemeenten en wat nog individueel per organisatie"
)


def test_quote_contained_after_normalisation() -> None:
    chunk = "Vooraf. Het is gerealiseerd via Haven plus (VNG), en meer."
    assert m.passage_has_evidence(chunk, "gereali-\nseerd via [Haven plus](https://h.nl) (VNG)")


def test_hyphenation_in_quote_and_clean_chunk() -> None:
    chunk = "Gemeenten zijn betrokken bij de totstandkoming van de NDS."
    assert m.passage_has_evidence(chunk, "betrokken bij de totstand- \nkoming van de NDS")


def test_quote_spanning_two_chunks() -> None:
    # The first chunk holds 18 of the quote's 26 words (69%), the second only 11 (42%).
    assert m.passage_has_evidence(CHUNK_A, QUOTE)
    assert not m.passage_has_evidence(CHUNK_B, QUOTE)
    assert m.passage_has_evidence(CHUNK_B, QUOTE, min_share=0.3)


def test_unrelated_passage_has_no_evidence() -> None:
    assert not m.passage_has_evidence("Het weer is mooi vandaag.", QUOTE)


@pytest.mark.parametrize(
    ("passage", "quote", "expected"),
    [
        ("abc", "", False),
        ("", "iets", False),
        ("...", "...", True),  # contained
        ("a b c d e", "a b c x y", True),  # 3 of 5 words = 0.6
        ("a b x d e", "a b c d e", False),  # longest run 2 of 5
        ("A B C", "a b c", True),  # case
    ],
)
def test_passage_has_evidence_edges(passage: str, quote: str, expected: bool) -> None:
    assert m.passage_has_evidence(passage, quote) is expected


def test_longest_common_run() -> None:
    assert m.longest_common_run([], ["a"]) == 0
    assert m.longest_common_run(list("abcab"), list("xcabz")) == 3


# -- retrieval metrics ---------------------------------------------------------------------------


def test_perfect_retrieval() -> None:
    hits = [{0}, {1}, set()]
    rel = [True, True, False]
    assert m.recall_at_k(hits, 2, 1) == 0.5
    assert m.recall_at_k(hits, 2, 2) == 1.0
    assert m.mrr(rel) == 1.0
    assert m.ndcg_at_k(rel, 10, n_relevant=2) == pytest.approx(1.0)


def test_empty_retrieval() -> None:
    assert m.recall_at_k([], 3, 10) == 0.0
    assert m.mrr([]) == 0.0
    assert m.ndcg_at_k([], 10, n_relevant=2) == 0.0
    assert m.recall_at_k([{0}], 0, 10) == 0.0


def test_ndcg_values() -> None:
    assert m.ndcg_at_k([False, True], 10, n_relevant=1) == pytest.approx(1 / math.log2(3))
    # Two relevant passages for one evidence item are not penalised.
    assert m.ndcg_at_k([True, True], 10, n_relevant=1) == pytest.approx(1.0)
    # Relevant beyond k does not count.
    assert m.ndcg_at_k([False, False, True], 2, n_relevant=1) == 0.0


@pytest.mark.parametrize(
    ("relevant", "expected"), [([True], 1.0), ([False, False, True], 1 / 3), ([False], 0.0)]
)
def test_mrr(relevant: list[bool], expected: float) -> None:
    assert m.mrr(relevant) == pytest.approx(expected)


def test_recall_counts_each_evidence_once() -> None:
    assert m.recall_at_k([{0}, {0}, {0}], 2, 10) == 0.5
    assert m.recall_at_k([{0, 1}], 2, 1) == 1.0


# -- citations -----------------------------------------------------------------------------------

EVIDENCE = [
    {"source": "doc-a", "quote": "De NDS kent zes prioriteiten"},
    {"source": "doc-b", "quote": "Cloud is de eerste prioriteit"},
]


def cite(source: str, chunk: str, passage: str, quote: str = "q") -> dict[str, Any]:
    return {"source_id": source, "chunk_id": chunk, "quote": quote, "passage": passage}


def test_citations_perfect() -> None:
    cs = [
        cite("doc-a", "a:1", "Intro. De NDS kent zes prioriteiten. Meer."),
        cite("doc-b", "b:1", "Cloud is de eerste prioriteit van de NDS."),
    ]
    assert m.citation_precision(cs, EVIDENCE) == 1.0
    assert m.citation_recall(cs, EVIDENCE) == 1.0


def test_citations_empty() -> None:
    assert m.citation_precision([], EVIDENCE) is None
    assert m.citation_recall([], EVIDENCE) == 0.0
    assert m.citation_recall([], []) is None


def test_duplicate_citations_count_once() -> None:
    good = cite("doc-a", "a:1", "De NDS kent zes prioriteiten.", "De NDS kent zes prioriteiten.")
    bad = cite("doc-c", "c:1", "Iets anders.")
    assert m.citation_precision([good, good, good, bad], EVIDENCE) == 0.5
    assert m.citation_recall([good, good], EVIDENCE) == 0.5


def test_citation_of_wrong_source_is_unsupported() -> None:
    wrong = cite("doc-b", "b:9", "De NDS kent zes prioriteiten.")
    assert m.citation_precision([wrong], EVIDENCE) == 0.0
    assert m.citation_recall([wrong], EVIDENCE) == 0.5  # recall is by source only


@pytest.mark.parametrize(
    ("citations", "expected"),
    [
        ([], 0.0),  # a refusal cites nothing
        ([cite("doc-c", "c:1", "Iets anders.")], 0.0),
        ([cite("doc-b", "b:9", "De NDS kent zes prioriteiten.")], 0.0),  # right words, wrong doc
        (
            [cite("doc-c", "c:1", "Iets."), cite("doc-a", "a:1", "De NDS kent zes prioriteiten.")],
            1.0,
        ),
    ],
)
def test_evidence_cited_needs_one_citation_holding_evidence(
    citations: list[dict[str, Any]], expected: float
) -> None:
    assert m.evidence_cited(citations, EVIDENCE) == expected


def test_citation_falls_back_to_quote() -> None:
    c = {"source_id": "doc-a", "chunk_id": "a:1", "quote": "De NDS kent zes prioriteiten."}
    assert m.citation_precision([c], EVIDENCE) == 1.0


# -- answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pred", "ref", "expected"),
    [
        ("zes prioriteiten", "zes prioriteiten", 1.0),
        ("zes prioriteiten [1] [2]", "Zes prioriteiten.", 1.0),
        ("", "", 1.0),
        ("iets", "", 0.0),
        ("", "iets", 0.0),
        ("a b", "c d", 0.0),
        ("a b c d", "a b", 2 * 0.5 * 1.0 / 1.5),
    ],
)
def test_token_f1(pred: str, ref: str, expected: float) -> None:
    assert m.token_f1(pred, ref) == pytest.approx(expected)


def test_reference_recall() -> None:
    assert m.reference_recall("De NDS [1] heeft zes prioriteiten [2].", "zes prioriteiten") == 1.0
    assert m.reference_recall("zes", "zes prioriteiten") == 0.5
    assert m.reference_recall("iets", "") == 1.0
    assert m.reference_recall("[12]", "12") == 0.0  # markers are not answer tokens


def test_strip_citation_markers() -> None:
    assert m.tokens("Op 4 juli 2025 [1, 2].") == ["op", "4", "juli", "2025"]


# -- refusals ------------------------------------------------------------------------------------


def test_refusal_metrics() -> None:
    refused = [False, True, True, False]
    answerable = [True, True, False, False]
    assert m.refusal_accuracy(refused, answerable) == 0.5
    assert m.false_refusal_rate(refused, answerable) == 0.5
    assert m.missed_refusal_rate(refused, answerable) == 0.5
    assert m.refusal_accuracy([], []) is None
    assert m.false_refusal_rate([True], [False]) is None
    with pytest.raises(ValueError):
        m.refusal_accuracy([True], [])


# -- aggregation ---------------------------------------------------------------------------------


def test_percentiles_and_mean() -> None:
    assert m.percentiles([]) == {}
    assert m.percentiles([3.0], ps=(50, 95)) == {"p50": 3.0, "p95": 3.0}
    assert m.percentiles(range(101), ps=(90,)) == {"p90": 90.0}
    with pytest.raises(ValueError):
        m.percentiles([1], ps=(101,))
    assert m.mean([None, 1, 3]) == 2.0
    assert m.mean([None]) is None


# -- runner helpers on a fake run ----------------------------------------------------------------


def _P(source_id: str, chunk_id: str, text: str) -> Passage:
    return Passage(source_id, chunk_id, text, 0.1)


class _C:
    def __init__(self, source_id: str, chunk_id: str, quote: str, passage: str) -> None:
        self.source_id, self.chunk_id, self.quote, self.passage = (
            source_id,
            chunk_id,
            quote,
            passage,
        )


class _A:
    def __init__(self, text: str, refused: bool, citations: list[_C]) -> None:
        self.text, self.refused, self.citations, self.seconds = text, refused, citations, 0.2


Q_OK = {
    "id": "t1",
    "question": "Hoeveel prioriteiten?",
    "language": "nl",
    "type": "factoid",
    "answerable": True,
    "answer": "Zes prioriteiten.",
    "evidence": [{"source": "doc-a", "quote": "De NDS kent zes prioriteiten"}],
}
Q_NO = {
    "id": "t2",
    "question": "Hoeveel geld?",
    "language": "en",
    "type": "unanswerable",
    "answerable": False,
    "answer": "",
    "evidence": [],
}


def _records() -> list[dict[str, Any]]:
    good = _P("doc-a", "a:1", "De NDS kent zes prioriteiten.")
    other = _P("doc-z", "z:1", "Iets anders.")
    ans = _A("De NDS kent zes prioriteiten [1].", False, [_C("doc-a", "a:1", "x", good.text)])
    r1 = score_question(Q_OK, ans, [other, good], retrieval_seconds=0.01, wall_seconds=0.2)
    r2 = score_question(
        Q_NO,
        _A("Iets [1]", False, [_C("doc-z", "z:1", "x", "y")]),
        [other],
        retrieval_seconds=0.01,
        wall_seconds=0.3,
    )
    return [r1, r2]


def test_score_question_and_aggregate() -> None:
    r1, r2 = _records()
    assert [x["relevant"] for x in r1["retrieved"]] == [False, True]
    assert r1["metrics"]["recall@1"] == 0.0 and r1["metrics"]["recall@5"] == 1.0
    assert r1["metrics"]["mrr"] == 0.5
    assert r1["metrics"]["citation_precision"] == 1.0
    assert r2["metrics"]["refusal_correct"] == 0.0
    assert "recall@5" not in r2["metrics"]
    agg = aggregate([r1, r2])
    assert agg["n"] == 2 and agg["n_answerable"] == 1
    assert agg["recall@5"] == 1.0  # unanswerable questions do not dilute retrieval
    assert agg["refusal_accuracy"] == 0.5
    assert agg["false_refusal_rate"] == 0.0 and agg["missed_refusal_rate"] == 1.0
    fails = failures_of([r1, r2])
    assert [f["id"] for f in fails] == ["t2"]


def test_retrieval_scores_without_evidence() -> None:
    rows, scores = retrieval_scores([_P("d", "d:1", "x")], [])
    assert scores == {} and rows[0]["relevant"] is False


def test_check_floor() -> None:
    floor = {"metrics": {"recall@5": {"min": 0.5}, "false_refusal_rate": {"max": 0.2}}}
    assert check_floor({"overall": {"recall@5": 0.6, "false_refusal_rate": 0.1}}, floor) == []
    fails = check_floor({"recall@5": 0.4, "false_refusal_rate": 0.3}, floor)
    assert len(fails) == 2
    assert check_floor({}, floor) == [
        "recall@5: missing from the run",
        "false_refusal_rate: missing from the run",
    ]


def test_committed_floor_is_well_formed() -> None:
    floor = load_floor()
    assert floor["metrics"]
    for name, rule in floor["metrics"].items():
        assert set(rule) <= {"min", "max"} and rule, name
        assert all(0.0 <= v <= 1.0 for v in rule.values()), name


def test_reports_and_compare(tmp_path: Path) -> None:
    records = _records()
    metrics = {
        "overall": aggregate(records),
        "by_type": {"factoid": aggregate(records[:1]), "unanswerable": aggregate(records[1:])},
        "by_language": {"nl": aggregate(records[:1]), "en": aggregate(records[1:])},
    }
    meta = {"timestamp": "2025-01-01T00:00:00+00:00", "golden": "g", "answerer": "extractive"}
    result = EvalResult(records, metrics, failures_of(records), meta)
    write_reports(result, tmp_path / "a")
    data = json.loads((tmp_path / "a" / "metrics.json").read_text(encoding="utf-8"))
    assert data["metrics"]["overall"]["n"] == 2
    assert "| t2 |" in (tmp_path / "a" / "report.md").read_text(encoding="utf-8")
    assert "data:image/png;base64," in (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    # A worse second run.
    worse = json.loads(json.dumps(data))
    worse["questions"][0]["metrics"]["recall@5"] = 0.0
    worse["metrics"]["overall"]["recall@5"] = 0.5
    cmp = compare_runs(data, worse)
    assert [w["id"] for w in cmp["worse"]] == ["t1"]
    delta = next(d for d in cmp["deltas"] if d["metric"] == "recall@5")
    assert delta["delta"] == -0.5 and delta["better"] is False
    # Run-vs-run plot in the HTML.
    write_reports(result, tmp_path / "b", compare_to=tmp_path / "a")
    html = (tmp_path / "b" / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 3


# -- the LLM judge, with a scripted LLM ----------------------------------------------------------


def test_judge_with_fake_llm() -> None:
    import numpy as np

    from evals.judge import answer_relevance, faithfulness, parse_json

    class FakeLLM:
        def __init__(self, replies: list[str]) -> None:
            self.replies = replies

        def complete(self, prompt: str) -> str:
            return self.replies.pop(0)

    class FakeEmbedder:
        def embed_query(self, text: str) -> np.ndarray:
            return np.array([1.0, 0.0]) if "NDS" in text else np.array([0.0, 1.0])

    reply = '```json\n{"statements": [{"statement": "a", "supported": true},'
    reply += ' {"statement": "b", "supported": false}]}\n```'
    assert faithfulness(FakeLLM([reply]), "a. b.", ["ctx"]) == 0.5
    questions = '{"questions": ["Wat is de NDS?", "Hoe laat is het?"]}'
    score = answer_relevance(FakeLLM([questions]), FakeEmbedder(), "NDS?", "antwoord")
    assert score == pytest.approx(0.5)
    with pytest.raises(ValueError):
        parse_json("geen json")
