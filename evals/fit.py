"""``nds-assistant eval fit``: fit the answer model on the tune split, cross-validated by question.

The extractive answerer rates each candidate sentence and each question with two logistic
regressions over named features (:mod:`assistant.features`); this module fits them and
chooses their two thresholds, using only the **tune** questions of ``evals/split.json``:

1. For every tune question, ``Assistant.features`` gives the candidates and their features.
   A candidate is labelled positive when it holds (most of) an evidence quote.
2. Near-miss negatives for refusal: each answerable tune question is asked again as if the
   documents holding its evidence were not indexed (``exclude_sources``). The question is on
   topic and shares words with the passages, but the sources no longer answer it. With ~10
   unanswerable tune questions, these give the refusal model something to learn from.
3. Five folds grouped by question: the sentence model is fitted on four and scores the
   fifth, so the question-level features (the best sentence's score) are out-of-fold, as
   they will be on a new question. The refusal model is cross-validated on those.
4. ``refusal_threshold``: the highest threshold whose out-of-fold false-refusal rate on the
   answerable tune questions is at most 5%. ``quote_bar``: the probability a further sentence
   needs to be quoted, maximising out-of-fold citation precision + evidence cited.
5. Both models are refitted on all tune questions and written with the data hash, the
   features and the CV scores. Nothing here reads a test question.

>>> holds_quote("De NDS heeft zes prioriteiten.", "De NDS heeft zes prioriteiten")
True
>>> holds_quote("De NDS is een strategie van het Rijk.", "zes prioriteiten voor één overheid")
False
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.answer_model import MODEL_PATH, AnswerModel, Logistic, forced_refusals, sigmoid
from assistant.features import QUESTION_FEATURES, SENTENCE_FEATURES
from evals import metrics as m
from evals.golden import DEFAULT_GOLDEN, DEFAULT_SPLIT, load_golden, load_split

if TYPE_CHECKING:
    from assistant import Assistant
    from assistant.features import FeatureSet

FOLDS = 5
MAX_FALSE_REFUSALS = 0.05  # the bound on answerable questions refused
C = 1.0  # inverse L2 strength of both regressions (sklearn's default)


def holds_quote(sentence: str, quote: str, share: float = 0.6) -> bool:
    """Does a sentence hold an evidence quote, or is it most of one? The longest run of words
    they share must cover ``share`` of the shorter of the two (at least 3 words)."""
    ws, wq = m.words(sentence), m.words(quote)
    if not ws or not wq:
        return False
    need = max(min(3, len(ws), len(wq)), math.ceil(share * min(len(ws), len(wq)) - 1e-9))
    return m.longest_common_run(ws, wq) >= need


@dataclass
class Example:
    """One asking of a tune question: its features and labels."""

    qid: str
    answerable: bool  # do the (remaining) sources answer it?
    variant: str  # "real", or "without-evidence" (its evidence documents left out)
    features: FeatureSet
    sentence_labels: np.ndarray  # candidate holds an evidence quote
    passage_labels: np.ndarray  # candidate's passage holds one (what citation metrics count)
    logits: np.ndarray = field(default_factory=lambda: np.zeros(0))  # out-of-fold


def _labels(fs: FeatureSet, evidence: Sequence[dict[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    sent, pas = [], []
    for c in fs.candidates:
        mine = [e for e in evidence if e["source"] == c.passage.source_id]
        sent.append(any(holds_quote(c.text, e["quote"]) for e in mine))
        pas.append(any(m.passage_has_evidence(c.passage.text, e["quote"]) for e in mine))
    return np.array(sent, dtype=bool), np.array(pas, dtype=bool)


def collect(
    bot: Assistant, questions: Sequence[dict[str, Any]], *, augment: bool = True
) -> list[Example]:
    out = []
    for q in questions:
        history = q.get("history") or None
        evidence = list(q.get("evidence") or [])
        fs = bot.features(q["question"], history)
        answerable = bool(q.get("answerable", True))
        out.append(Example(q["id"], answerable, "real", fs, *_labels(fs, evidence)))
        if augment and answerable and evidence:
            gone = sorted({e["source"] for e in evidence})
            fs2 = bot.features(q["question"], history, exclude_sources=gone)
            out.append(Example(q["id"], False, "without-evidence", fs2, *_labels(fs2, [])))
    return out


def _folds(ids: Sequence[str], k: int = FOLDS) -> dict[str, int]:
    """Question id -> fold, by a hash of the id (stable across runs and machines)."""
    order = sorted(set(ids), key=lambda i: hashlib.sha256(i.encode()).hexdigest())
    return {qid: n % k for n, qid in enumerate(order)}


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each feature's mean and spread (a constant feature gets spread 1: it carries no weight)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


def fit_logistic(x: np.ndarray, y: np.ndarray, names: Sequence[str]) -> Logistic:
    from sklearn.linear_model import LogisticRegression

    mean, scale = _standardise(x)
    if len(set(y.tolist())) < 2:  # one class only (a tiny fold): a constant model
        p = float(y.mean()) if len(y) else 0.5
        return Logistic(tuple(names), mean, scale, [0.0] * len(names), _logit(p))
    lr = LogisticRegression(C=C, max_iter=5000)
    lr.fit((x - mean) / scale, y)
    return Logistic(tuple(names), mean, scale, lr.coef_[0], float(lr.intercept_[0]))


# The direction each question feature may move P(the sources answer): more evidence never makes
# an answer less likely, a missing answer type never makes it more likely. Fitted without these
# bounds on near-miss questions only, coverage got a negative weight (near-misses share the
# passages' words by design), and a question about apple pie, with no word in the corpus, was
# answered: the model extrapolated. Domain knowledge, not tuned on any question.
ANSWERABLE_SIGNS: dict[str, int] = {
    "best_logit": 1,
    "second_logit": 1,
    "best_cosine": 1,
    "best_terms": 1,
    "coverage": 1,
    "corpus_terms": 1,
    "top_fused": 1,
    "quantity_missing": -1,
    "date_missing": -1,
    "who_missing": -1,
    "rare_missing": -1,
}


def fit_signed_logistic(
    x: np.ndarray, y: np.ndarray, names: Sequence[str], signs: dict[str, int]
) -> Logistic:
    """L2 logistic regression (strength ``C``) whose coefficients keep the given signs
    (bounded L-BFGS on the standardised features)."""
    from scipy.optimize import minimize

    mean, scale = _standardise(x)
    z = (x - mean) / scale
    yy = y.astype(float)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        t = z @ w + b
        p = sigmoid(t)
        nll = float(np.sum(np.logaddexp(0, t) - yy * t)) + 0.5 / C * float(w @ w)
        grad_t = p - yy
        return nll, np.append(z.T @ grad_t + w / C, grad_t.sum())

    bounds = [
        (0, None) if signs.get(n, 0) > 0 else (None, 0) if signs.get(n, 0) < 0 else (None, None)
        for n in names
    ] + [(None, None)]
    res = minimize(loss, np.zeros(len(names) + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return Logistic(tuple(names), mean, scale, res.x[:-1], float(res.x[-1]))


def fit_answerable(x: np.ndarray, y: np.ndarray) -> Logistic:
    if len(set(y.tolist())) < 2:
        return fit_logistic(x, y, QUESTION_FEATURES)
    return fit_signed_logistic(x, y, QUESTION_FEATURES, ANSWERABLE_SIGNS)


def _stack(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    real = [e for e in examples if e.variant == "real" and len(e.features.candidates)]
    if not real:
        return np.zeros((0, len(SENTENCE_FEATURES))), np.zeros(0)
    x = np.vstack([e.features.sentence for e in real])
    y = np.concatenate([e.sentence_labels for e in real]).astype(int)
    return x, y


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return math.log(p / (1 - p))


def prior_shift(train: Sequence[Example]) -> float:
    """How far the near-miss negatives moved the refusal model's log-odds.

    They make training about half unanswerable, while real questions are mostly answerable;
    the standard correction for a shifted class prior adds logit(real prior) - logit(training
    prior) to the intercept. Ranking, and so every refusal, stays the same (the threshold moves
    with it); the probability then means what it says on real questions.
    """
    y = [e.answerable for e in train]
    real = [e.answerable for e in train if e.variant == "real"]
    if not real or len(set(y)) < 2:
        return 0.0
    return _logit(float(np.mean(real))) - _logit(float(np.mean(y)))


def _question_rows(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    x = np.vstack([e.features.question_row(e.logits) for e in examples])
    y = np.array([e.answerable for e in examples], dtype=int)
    return x, y


def auc(scores: Sequence[float], labels: Sequence[bool] | Sequence[float]) -> float | None:
    """Area under the ROC curve (ties count half); None with one class."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def choose_threshold(p_answer: Sequence[float], answerable: Sequence[bool]) -> float:
    """The highest threshold that refuses at most MAX_FALSE_REFUSALS of the answerable
    questions: it refuses as many unanswerable ones as that bound allows."""
    pos = sorted(p for p, a in zip(p_answer, answerable, strict=True) if a)
    if not pos:
        return 0.5
    allowed = math.floor(MAX_FALSE_REFUSALS * len(pos) + 1e-9)
    # Refusing below pos[allowed] refuses exactly the `allowed` lowest answerable questions.
    return float(pos[allowed]) if allowed < len(pos) else float(pos[-1])


def selection_scores(
    examples: Sequence[Example], bar: float, max_sentences: int = 4
) -> tuple[float, float]:
    """Out-of-fold citation precision and evidence cited of the answerable real questions when
    the best sentence and those with probability >= ``bar`` are quoted (passage-level, as
    the eval counts them)."""
    precision, cited = [], []
    for e in examples:
        if e.variant != "real" or not e.answerable or not len(e.logits):
            continue
        probs = sigmoid(e.logits)
        order = np.argsort(-e.logits)
        chosen = [order[0], *[i for i in order[1:] if probs[i] >= bar]][:max_sentences]
        labels = e.passage_labels[chosen]
        precision.append(float(labels.mean()))
        cited.append(float(labels.any()))
    return float(np.mean(precision or [0.0])), float(np.mean(cited or [0.0]))


def oof_sentence_logits(examples: Sequence[Example]) -> None:
    """Each example's sentence scores from a sentence model that never saw its question
    (stored on the examples). The sentence model learns from real questions only, so one pass
    serves every refusal configuration."""
    folds = _folds([e.qid for e in examples])
    for k in range(FOLDS):
        model = fit_logistic(*_stack([e for e in examples if folds[e.qid] != k]), SENTENCE_FEATURES)
        for e in examples:
            if folds[e.qid] == k and len(e.features.candidates):
                e.logits = model.logit(e.features.sentence)


def cross_validate(
    examples: list[Example], *, augment: bool = True, hard: Sequence[str] = ()
) -> dict[str, Any]:
    """Out-of-fold refusal probabilities and the scores, from the out-of-fold sentence scores
    :func:`oof_sentence_logits` left on the examples.

    ``augment``: train the refusal model with the near-miss negatives too. ``hard``: question
    features (answer-type checks) that refuse by themselves when set, whatever the model says.
    """
    folds = _folds([e.qid for e in examples])
    used = [e for e in examples if augment or e.variant == "real"]
    rows, labels = _question_rows(used)
    fold_of = np.array([folds[e.qid] for e in used])
    p_answer = np.zeros(len(used))
    for k in range(FOLDS):
        if (fold_of == k).any():
            model = fit_answerable(rows[fold_of != k], labels[fold_of != k])
            p_answer[fold_of == k] = model.prob(rows[fold_of == k])
    forced = forced_refusals(rows, hard)
    real = [i for i, e in enumerate(used) if e.variant == "real"]
    pr = [float(p_answer[i]) for i in real]
    ans = [used[i].answerable for i in real]
    # A forced refusal counts as probability 0 when the threshold is chosen.
    effective = [0.0 if forced[i] else float(p_answer[i]) for i in real]
    threshold = choose_threshold(effective, ans)
    refused = [p < threshold for p in effective]
    scored = [e for e in used if e.variant == "real" and len(e.logits)]
    top1 = [bool(e.sentence_labels[int(np.argmax(e.logits))]) for e in scored if e.answerable]
    all_logits = np.concatenate([e.logits for e in scored]) if scored else np.zeros(0)
    all_labels = np.concatenate([e.sentence_labels for e in scored]) if scored else np.zeros(0)
    bars = [round(b, 2) for b in np.arange(0.05, 1.0, 0.05)]
    table = {b: selection_scores(used, b) for b in bars}
    bar = max(bars, key=lambda b: (sum(table[b]), b))
    return {
        "sentence_auc": auc(all_logits.tolist(), all_labels.tolist()),
        "top1_holds_evidence": float(np.mean(top1)) if top1 else None,
        "answerable_auc": auc(pr, ans),
        "refusal_threshold": threshold,
        "false_refusal_rate": m.false_refusal_rate(refused, ans),
        "missed_refusal_rate": m.missed_refusal_rate(refused, ans),
        "quote_bar": bar,
        "citation_precision": table[bar][0],
        "evidence_cited": table[bar][1],
        "p_answer": dict(zip([used[i].qid for i in real], pr, strict=True)),
        "augmented_negatives": augment,
        "hard_refusals": list(hard),
    }


def boosting_top1(examples: Sequence[Example]) -> float | None:
    """Out-of-fold share of answerable questions whose best sentence, by gradient boosting on
    the same features, holds the evidence: the alternative the logistic model is held against."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    folds = _folds([e.qid for e in examples])
    hits = []
    for k in range(FOLDS):
        x, y = _stack([e for e in examples if folds[e.qid] != k])
        if len(set(y.tolist())) < 2:
            return None
        model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=0)
        model.fit(x, y)
        for e in examples:
            if folds[e.qid] == k and e.variant == "real" and e.answerable and len(e.logits):
                scores = model.decision_function(e.features.sentence)
                hits.append(bool(e.sentence_labels[int(np.argmax(scores))]))
    return float(np.mean(hits)) if hits else None


def data_hash(questions: Sequence[dict[str, Any]]) -> str:
    blob = json.dumps(sorted(questions, key=lambda q: q["id"]), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


# Answer-type checks that may refuse by themselves: the fit decides by CV whether they do.
HARD_CANDIDATES = ("quantity_missing", "date_missing")


def fit(
    bot: Assistant,
    *,
    golden: str | Path | None = None,
    split: str | Path | None = None,
    out: str | Path | None = MODEL_PATH,
    progress: bool = True,
) -> tuple[AnswerModel, dict[str, Any]]:
    """Fit on the tune split, cross-validate, write the model (unless ``out`` is None).

    Two choices are made by cross-validation, never by hand: whether the refusal model learns
    from the near-miss negatives too, and whether the answer-type checks refuse by themselves.
    Of the four combinations, the one that answers the fewest unanswerable tune questions out
    of fold (at <= 5% false refusals) wins; on a tie, the higher AUC, then the simpler one.
    """
    parts = load_split(split)
    questions = [q for q in load_golden(golden) if parts.get(q["id"]) == "tune"]
    if not questions:
        raise ValueError("no tune questions: is evals/split.json there?")
    if progress:
        print(f"collecting features of {len(questions)} tune questions ...")
    examples = collect(bot, questions, augment=True)
    oof_sentence_logits(examples)
    configs: list[tuple[bool, tuple[str, ...]]] = [
        (aug, hard) for aug in (False, True) for hard in ((), HARD_CANDIDATES)
    ]
    results = {cfg: cross_validate(examples, augment=cfg[0], hard=cfg[1]) for cfg in configs}

    def rank(cfg: tuple[bool, tuple[str, ...]]) -> tuple[float, float, int]:
        r = results[cfg]
        return (r["missed_refusal_rate"] or 0.0, -(r["answerable_auc"] or 0.0), configs.index(cfg))

    augment, hard = min(configs, key=rank)
    cv = results[(augment, hard)]
    sentence = fit_logistic(*_stack(examples), SENTENCE_FEATURES)
    # The refusal model learns from out-of-fold sentence scores: on a new question the best
    # sentence's score comes from a model that never saw it.
    used = [e for e in examples if augment or e.variant == "real"]
    raw = fit_answerable(*_question_rows(used))
    shift = prior_shift(used)
    answerable = Logistic(raw.features, raw.mean, raw.scale, raw.coef, raw.intercept + shift)
    # The threshold was chosen on unshifted out-of-fold probabilities: move it the same way.
    threshold = float(sigmoid(_logit(cv["refusal_threshold"]) + shift))
    meta = {
        "how": "evals/fit.py: logistic regressions on the tune split of evals/split.json, "
        f"{FOLDS} folds grouped by question; refusal threshold: highest with out-of-fold "
        f"false refusals <= {MAX_FALSE_REFUSALS:.0%}; quote bar: max out-of-fold citation "
        "precision + evidence cited; near-miss negatives and hard answer-type refusals: "
        "chosen by the same cross-validation.",
        "training_data": {
            "golden": str(Path(golden) if golden else DEFAULT_GOLDEN.name),
            "split": str(Path(split) if split else DEFAULT_SPLIT.name),
            "tune_questions": len(questions),
            "unanswerable": sum(not q.get("answerable", True) for q in questions),
            "sha256_16": data_hash(questions),
            "augmented_negatives": augment,
            "sentences": int(
                sum(len(e.features.candidates) for e in examples if e.variant == "real")
            ),
        },
        "cv": {k: v for k, v in cv.items() if k != "p_answer"},
        "cv_configurations": [
            {k: v for k, v in results[cfg].items() if k != "p_answer"} for cfg in configs
        ],
        "cv_boosting_top1_holds_evidence": boosting_top1(examples),
        "prior_shift": shift,
    }
    cv["boosting_top1_holds_evidence"] = meta["cv_boosting_top1_holds_evidence"]
    cv["calibrated_threshold"] = threshold
    model = AnswerModel(sentence, answerable, threshold, cv["quote_bar"], meta, tuple(hard))
    if out is not None:
        model.save(out)
    return model, cv
