"""A linear text classifier for short patient messages, and its fast scoring.

tf-idf word n-grams + tf-idf character n-grams (typos: "insurence",
"sesions") -> multinomial logistic regression (scikit-learn). Scoring one
message through scikit-learn's pipeline stacks the sparse blocks and copies the
transposed weights (tens of MB) every time; `LinearTextModel.probabilities`
gives the same numbers with one C-ordered weight block per n-gram kind.
"""
from __future__ import annotations

from typing import Any, Dict, Sequence, Text

import numpy as np


def build_pipeline(config: Dict[Text, Any]) -> Any:
    """An untrained scikit-learn pipeline with this config's n-grams and C."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    words = TfidfVectorizer(ngram_range=tuple(config["word_ngrams"]), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(config["char_ngrams"]),
                            sublinear_tf=True)
    return make_pipeline(make_union(words, chars),
                         LogisticRegression(C=config["C"], max_iter=5000))


class LinearTextModel:
    """A trained pipeline (as built by `build_pipeline`) and its fast scorer."""

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline
        classifier = pipeline[-1]
        self.classes: Sequence[str] = [str(c) for c in classifier.classes_]
        weights = np.ascontiguousarray(classifier.coef_.T)
        self._blocks = []
        start = 0
        for _, vectorizer in pipeline[0].transformer_list:
            width = len(vectorizer.vocabulary_)
            self._blocks.append((vectorizer, weights[start:start + width]))
            start += width
        self._bias = classifier.intercept_

    @classmethod
    def train(cls, config: Dict[Text, Any], texts: Sequence[str],
              labels: Sequence[str]) -> "LinearTextModel":
        return cls(build_pipeline(config).fit(list(texts), list(labels)))

    def probabilities(self, text: Text) -> np.ndarray:
        """The same numbers as the pipeline's predict_proba (multinomial softmax)."""
        scores = self._bias.copy()
        for vectorizer, weights in self._blocks:
            scores += np.asarray(vectorizer.transform([text]) @ weights)[0]
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()
