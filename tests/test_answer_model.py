"""The fitted answer model: its file, its thresholds, and one fit from questions to answers.

The fit test runs the real pipeline (ingest, features, scikit-learn, the model file, the
answerer reading it) on a tiny corpus with the FAKE hashing embedder: it checks the plumbing
and the rules, not the quality of a model fitted on six questions.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant.answer_model import AnswerModel, Logistic, load_model
from assistant.features import QUESTION_FEATURES, SENTENCE_FEATURES
from assistant.sentences import line_kind
from evals.fit import choose_threshold, fit, holds_quote
from index.errors import ConfigError
from tests.corpora import DATA_SYSTEM, NDS_PRIORITIES, index_corpus
from tests.fakes import FakeEmbedder


def _model(threshold: float = 0.5, bar: float = 0.3) -> AnswerModel:
    n, q = len(SENTENCE_FEATURES), len(QUESTION_FEATURES)
    return AnswerModel(
        Logistic(SENTENCE_FEATURES, [0.0] * n, [1.0] * n, [0.1] * n, 0.0),
        Logistic(QUESTION_FEATURES, [0.0] * q, [1.0] * q, [0.1] * q, 0.0),
        threshold,
        bar,
        {"how": "test"},
    )


def test_the_shipped_model_matches_the_code() -> None:
    model = load_model()
    assert model.sentence.features == SENTENCE_FEATURES
    assert model.answerable.features == QUESTION_FEATURES
    assert 0 < model.refusal_threshold < 1 and 0 < model.quote_bar < 1
    meta = model.meta["training_data"]
    assert meta["tune_questions"] > 0 and len(meta["sha256_16"]) == 16
    assert "cv" in model.meta


def test_a_model_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    _model(0.42, 0.2).save(path)
    loaded = load_model(str(path))
    assert loaded.refusal_threshold == 0.42 and loaded.quote_bar == 0.2
    x = np.arange(len(SENTENCE_FEATURES), dtype=float)
    assert loaded.sentence.prob(x)[0] == pytest.approx(_model().sentence.prob(x)[0])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["sentence"].update(features=["cosine"]), "features differ"),
        (lambda d: d.update(format=99), "unknown format"),
        (lambda d: d.pop("quote_bar"), "incomplete"),
    ],
)
def test_a_stale_or_broken_model_file_is_refused(tmp_path: Path, edit, message: str) -> None:
    data = _model().to_dict()
    edit(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_model(str(path))


def test_a_missing_model_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="eval fit"):
        load_model(str(tmp_path / "nothing.json"))


@pytest.mark.parametrize(
    ("sentence", "quote", "holds"),
    [
        ("De NDS heeft zes prioriteiten.", "De NDS heeft zes prioriteiten", True),
        # A long quote over two sentences: each sentence is most of it.
        ("Het stelsel werkt in 2030.", "Het stelsel werkt in 2030. Daarna volgt de rest.", True),
        # A short quote inside a long sentence.
        (
            "Volgens de VNG kent de NDS zes prioriteiten voor alle overheden.",
            "zes prioriteiten voor alle overheden",
            True,
        ),
        ("De NDS is een strategie van het Rijk.", "zes prioriteiten voor één overheid", False),
        ("", "iets", False),
    ],
)
def test_holds_quote(sentence: str, quote: str, holds: bool) -> None:
    assert holds_quote(sentence, quote) is holds


@pytest.mark.parametrize(
    ("p_answer", "answerable", "expected"),
    [
        # 20 answerable: 5% allows one refusal, so the threshold is the second lowest.
        ([i / 20 for i in range(20)] + [0.01], [True] * 20 + [False], 0.05),
        # Fewer than 20 answerable: no refusal of an answerable question is allowed.
        ([0.3, 0.6, 0.9, 0.1], [True, True, True, False], 0.3),
    ],
)
def test_the_threshold_keeps_false_refusals_within_five_percent(
    p_answer: list[float], answerable: list[bool], expected: float
) -> None:
    t = choose_threshold(p_answer, answerable)
    assert t == pytest.approx(expected)
    refused = [p < t for p, a in zip(p_answer, answerable, strict=True) if a]
    assert sum(refused) <= 0.05 * sum(answerable)


@pytest.mark.parametrize(
    "line",
    [
        "https://vng.nl/nieuws/met-de-nds-zetten-we-gezamenlijk-een-stap-naar-voren",
        "Onderwerp: Startbrief Digitalisering",
        "Ons kenmerk 2024-0000612345",
        "Datum 11 juni 2025",
        "13.15 – 16.15: Workshops",
        "Nummer: 2025D01356, datum: 2025-01-16, bijgewerkt: 2025-01-21 13:54, versie: 3",
    ],
)
def test_lines_that_are_not_prose_are_never_quoted(line: str, tmp_path: Path) -> None:
    assert line_kind(line) != "prose"
    page = NDS_PRIORITIES.replace("# De zes prioriteiten van de NDS\n", f"# Titel\n\n{line}\n")
    settings = index_corpus(tmp_path, {"p.md": page}, FakeEmbedder(), refusal_threshold=0)
    bot = Assistant(settings=settings, embedder=FakeEmbedder())
    answer = bot.ask(line)  # the line itself is the question: the closest match there is
    assert all(c.quote.strip() != line for c in answer.citations)


FIT_QUESTIONS = [
    ("q1", "Hoeveel prioriteiten kent de NDS?", "nds", "kent zes prioriteiten"),
    ("q2", "Wie stelde de strategie op?", "nds", "opgesteld door het Rijk samen met gemeenten"),
    ("q3", "Wat maakt het federatief datastelsel mogelijk?", "fds", "gegevens veilig delen"),
    ("q4", "Wanneer moet het stelsel volledig werken?", "fds", "moet in 2030 volledig werken"),
    ("q5", "Wat is de begroting van de NDS in 2027?", None, None),
    ("q6", "Welke minister leidt het federatief datastelsel?", None, None),
]


def test_fit_writes_a_model_the_assistant_answers_with(tmp_path: Path) -> None:
    settings = index_corpus(
        tmp_path, {"nds.md": NDS_PRIORITIES, "fds.md": DATA_SYSTEM}, FakeEmbedder()
    )
    golden = tmp_path / "golden.jsonl"
    golden.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": qid,
                    "question": question,
                    "type": "factoid",
                    "language": "nl",
                    "answerable": source is not None,
                    "answer": "",
                    "evidence": [{"source": source, "quote": quote}] if source else [],
                }
            )
            for qid, question, source, quote in FIT_QUESTIONS
        ),
        encoding="utf-8",
    )
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"tune": [q[0] for q in FIT_QUESTIONS], "test": []}))
    out = tmp_path / "model.json"
    bot = Assistant(settings=settings, embedder=FakeEmbedder())
    model, cv = fit(bot, golden=golden, split=split, out=out, progress=False)

    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["meta"]["training_data"]["tune_questions"] == 6
    assert data["sentence"]["features"] == list(SENTENCE_FEATURES)
    assert set(cv["p_answer"]) == {q[0] for q in FIT_QUESTIONS}
    # Every answerable question kept (4 < 20, so no false refusal is allowed out of fold).
    assert cv["false_refusal_rate"] == 0.0
    refit = Assistant(settings=settings.with_overrides(answer_model=out), embedder=FakeEmbedder())
    answer = refit.ask("Wat maakt het federatief datastelsel mogelijk?")
    assert answer.confidence is not None and 0 <= answer.confidence <= 1
    assert answer.refused == (answer.confidence < model.refusal_threshold)


def test_a_hard_answer_type_refusal_refuses_whatever_the_probability(tmp_path: Path) -> None:
    """With ``date_missing`` among the model's hard refusals, a "wanneer" question whose best
    sentences hold no date is refused even at threshold 0; the same question is answered by
    a model without hard refusals, and a question the pages do date is answered by both."""
    settings = index_corpus(
        tmp_path, {"nds.md": NDS_PRIORITIES, "fds.md": DATA_SYSTEM}, FakeEmbedder()
    )
    hard, soft = tmp_path / "hard.json", tmp_path / "soft.json"
    model = _model(threshold=0.0)
    AnswerModel(model.sentence, model.answerable, 0.0, 0.3, {}, ("date_missing",)).save(hard)
    model.save(soft)

    def ask(path: Path, question: str) -> bool:
        bot = Assistant(
            settings=settings.with_overrides(answer_model=path, refusal_threshold=0.0),
            embedder=FakeEmbedder(),
        )
        return bot.ask(question).refused

    undated = "Wanneer is de NDS opgesteld door het Rijk en de gemeenten?"
    dated = "Wanneer moet het federatief datastelsel volledig werken?"
    assert ask(hard, undated) and not ask(soft, undated)
    assert not ask(hard, dated)


def test_the_shipped_refusal_model_keeps_the_evidence_signs() -> None:
    """More evidence never lowers P(the sources answer); a missing answer type never raises it
    (evals.fit.ANSWERABLE_SIGNS). Without the bounds, near-miss training questions gave word
    coverage a negative weight, and an off-topic question was answered."""
    from evals.fit import ANSWERABLE_SIGNS

    model = load_model()
    for name, coef in zip(model.answerable.features, model.answerable.coef, strict=True):
        assert coef * ANSWERABLE_SIGNS[name] >= 0, (name, coef)


def test_the_signed_fit_holds_its_bounds_where_a_free_fit_would_not() -> None:
    from evals.fit import fit_logistic, fit_signed_logistic

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    y = (x[:, 0] - x[:, 1] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    free = fit_logistic(x, y, ("a", "b"))
    signed = fit_signed_logistic(x, y, ("a", "b"), {"a": 1, "b": 1})
    assert free.coef[1] < 0 and signed.coef[1] == pytest.approx(0.0, abs=1e-6)
    assert signed.coef[0] > 0


@pytest.mark.parametrize(
    ("languages", "framed"),
    [(["en"], True), (["en", "en"], True), (["en", "nl"], False), (["nl"], False)],
)
def test_the_other_language_frame_only_when_every_quote_is_in_it(
    languages: list[str], framed: bool
) -> None:
    from assistant.extractive import compose
    from assistant.messages import frame
    from assistant.sentences import Candidate
    from assistant.types import Passage

    picked = [
        Candidate(i, Passage(f"d{i}", f"d{i}:0", text, 1.0, {"language": lang}), 0, len(text), text)
        for i, lang in enumerate(languages)
        for text in [f"Zin nummer {i} met genoeg woorden erin."]
    ]
    text, cites = compose(picked, "nl", as_list=False)
    assert text.startswith(frame("nl", "other_language")) is framed
    assert len(cites) == len(picked)


def test_features_without_some_documents_hold_none_of_their_sentences(tmp_path: Path) -> None:
    settings = index_corpus(
        tmp_path, {"nds.md": NDS_PRIORITIES, "fds.md": DATA_SYSTEM}, FakeEmbedder()
    )
    bot = Assistant(settings=settings, embedder=FakeEmbedder())
    question = "Wat maakt het federatief datastelsel mogelijk?"
    assert "fds" in {c.passage.source_id for c in bot.features(question).candidates}
    without = bot.features(question, exclude_sources=["fds"]).candidates
    assert without and "fds" not in {c.passage.source_id for c in without}


def test_the_prior_shift_undoes_the_share_of_added_negatives() -> None:
    """Real questions 80% answerable, training with negatives 40%: the shift is the
    difference of their log-odds; without negatives there is nothing to undo."""
    from types import SimpleNamespace

    from evals.fit import prior_shift

    real = [SimpleNamespace(answerable=a, variant="real") for a in [True] * 4 + [False]]
    added = [SimpleNamespace(answerable=False, variant="without-evidence")] * 5
    expected = math.log(0.8 / 0.2) - math.log(0.4 / 0.6)
    assert prior_shift(real + added) == pytest.approx(expected)  # type: ignore[arg-type]
    assert prior_shift(real) == pytest.approx(0.0)  # type: ignore[arg-type]
