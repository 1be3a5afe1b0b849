"""The fitted answer model: which sentences to quote, and whether to answer at all.

Two logistic regressions over the named features of :mod:`assistant.features`, kept in
``assistant/answer_model.json`` with the hash of their training data, the feature names,
their standardisation, the cross-validation scores and the two thresholds chosen by
cross-validation. ``nds-assistant eval fit`` writes the file (:mod:`evals.fit`); this module
only reads it and applies it with numpy, so answering needs no scikit-learn.

- ``sentence``: P(this candidate sentence holds the answer | its features).
- ``answerable``: P(the sources answer the question | the best sentence's score and the
  evidence features). Below ``refusal_threshold`` the assistant refuses.
- ``quote_bar``: a sentence besides the best one is quoted only when its probability clears it.
- ``hard_refusals``: answer-type checks that refuse by themselves ("hoeveel" with no number
  next to the thing counted), when cross-validation found that they refuse better.

>>> m = Logistic(("a", "b"), [0.0, 1.0], [1.0, 2.0], [2.0, -1.0], 0.5)
>>> [round(float(x), 3) for x in m.logit([[1.0, 3.0], [0.0, 1.0]])]
[1.5, 0.5]
>>> round(float(m.prob([[0.0, 1.0]])[0]), 3)
0.622
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.features import QUESTION_FEATURES, SENTENCE_FEATURES
from index.errors import ConfigError

MODEL_PATH = Path(__file__).with_name("answer_model.json")
FORMAT = 1


def sigmoid(z: Any) -> np.ndarray:
    """The logistic function: a logit as a probability."""
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float))), dtype=float)


def forced_refusals(rows: Any, names: Sequence[str]) -> np.ndarray:
    """Per question row (of :data:`QUESTION_FEATURES`): does one of the named checks fire?"""
    rows = np.asarray(rows, dtype=float).reshape(-1, len(QUESTION_FEATURES))
    fired = np.zeros(len(rows), dtype=bool)
    for name in names:
        fired |= rows[:, QUESTION_FEATURES.index(name)] > 0
    return fired


@dataclass(frozen=True)
class Logistic:
    """A standardised logistic regression: ``sigmoid(((x - mean) / scale) @ coef + intercept)``."""

    features: tuple[str, ...]
    mean: Sequence[float] | np.ndarray
    scale: Sequence[float] | np.ndarray
    coef: Sequence[float] | np.ndarray
    intercept: float

    def logit(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float).reshape(-1, len(self.features))
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return np.asarray(z @ np.asarray(self.coef) + self.intercept, dtype=float)

    def prob(self, x: Any) -> np.ndarray:
        return sigmoid(self.logit(x))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "coef": [float(v) for v in self.coef],
            "intercept": float(self.intercept),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Logistic:
        return cls(
            tuple(data["features"]),
            list(data["mean"]),
            list(data["scale"]),
            list(data["coef"]),
            float(data["intercept"]),
        )


@dataclass(frozen=True)
class AnswerModel:
    sentence: Logistic
    answerable: Logistic
    refusal_threshold: float  # refuse below this P(answerable)
    quote_bar: float  # quote a further sentence only at or above this P(holds the answer)
    meta: dict[str, Any] = field(default_factory=dict)  # training hash, CV scores, how
    # Question features (answer-type checks) that refuse by themselves when set: chosen by CV.
    hard_refusals: tuple[str, ...] = ()

    def forced_refusal(self, row: Any) -> bool:
        """Does one of the hard checks fire on this question row?"""
        return bool(forced_refusals(row, self.hard_refusals)[0])

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "sentence": self.sentence.to_dict(),
            "answerable": self.answerable.to_dict(),
            "refusal_threshold": self.refusal_threshold,
            "quote_bar": self.quote_bar,
            "hard_refusals": list(self.hard_refusals),
            "meta": self.meta,
        }

    def save(self, path: str | Path = MODEL_PATH) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any], origin: str = "answer model") -> AnswerModel:
        if data.get("format") != FORMAT:
            raise ConfigError(f"{origin}: unknown format {data.get('format')!r}; refit it")
        model = cls(
            Logistic.from_dict(data["sentence"]),
            Logistic.from_dict(data["answerable"]),
            float(data["refusal_threshold"]),
            float(data["quote_bar"]),
            dict(data.get("meta", {})),
            tuple(data.get("hard_refusals", ())),
        )
        unknown = set(model.hard_refusals) - set(QUESTION_FEATURES)
        if unknown:
            raise ConfigError(f"{origin}: unknown hard refusal {sorted(unknown)}; refit it")
        for part, names in (("sentence", SENTENCE_FEATURES), ("answerable", QUESTION_FEATURES)):
            if getattr(model, part).features != names:
                raise ConfigError(
                    f"{origin}: its {part} features differ from this code's; "
                    "refit it with `nds-assistant eval fit`"
                )
        return model


@cache
def load_model(path: str | None = None) -> AnswerModel:
    """The answer model (default: the one shipped in the package), read once."""
    p = Path(path) if path else MODEL_PATH
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"answer model {p} is missing; fit one with `nds-assistant eval fit`"
        ) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"answer model {p} cannot be read: {exc}") from None
    try:
        return AnswerModel.from_dict(data, str(p))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"answer model {p} is incomplete ({exc}); refit it") from None
