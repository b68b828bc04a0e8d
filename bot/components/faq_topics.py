"""FaqTopicSelector: picks the FAQ topic (faq/<topic>) for a message, like Rasa's
ResponseSelector, with a linear model on word and character n-grams.

Why not the ResponseSelector: on our blind hold-outs it chose the wrong topic
for 37 of 553 and 29 of 328 FAQ questions; this model for 24 and 16, trains in
seconds instead of minutes and needs a fraction of the CPU per message (one
sparse dot product instead of a TensorFlow graph). Patients' questions are
short, and which topic they belong to is carried by words and word pairs
("how long" + "session" vs "how long" + "last"), plus character n-grams for
typos ("insurence", "sesions"). Settings were chosen by 5-fold cross-validation
on the training data only.

Output: the same `response_selector` property the ResponseSelector writes
(`response` with `intent_response_key`, `utter_action`, `responses`,
`confidence`; and a `ranking`), so `utter_faq`, the fallback's topic buttons
and the forms read it unchanged.
"""
from __future__ import annotations

import logging
import zlib
from typing import Any, Dict, List, Optional, Text

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

SELECTOR_PROPERTY = "response_selector"
MODEL_FILE = "faq_topics.joblib"
RANKING_LENGTH = 10


def build_model(config: Dict[Text, Any]) -> Any:
    """tf-idf word n-grams + tf-idf character n-grams -> logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    words = TfidfVectorizer(ngram_range=tuple(config["word_ngrams"]), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(config["char_ngrams"]),
                            sublinear_tf=True)
    return make_pipeline(make_union(words, chars),
                         LogisticRegression(C=config["C"], max_iter=5000))


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class FaqTopicSelector(GraphComponent):
    """Response selection for one retrieval intent with a linear text model."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"retrieval_intent": "faq", "word_ngrams": [1, 2], "char_ngrams": [1, 4],
                "C": 50.0}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, model: Any = None,
                 responses: Optional[Dict[Text, List[Dict[Text, Any]]]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self.intent = self.config["retrieval_intent"]
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self.responses = responses or {}
        self._prepare()

    def _prepare(self) -> None:
        """Keep the weights as one C-ordered (features x topics) array: scipy would
        otherwise copy the transposed coefficient matrix (tens of MB) per message."""
        if self.model is None:
            self._features = self._bias = None
            return
        import numpy as np

        classifier = self.model[-1]
        union = self.model[0]
        weights = np.ascontiguousarray(classifier.coef_.T)
        # One (vectorizer, its rows of the weights) pair per n-gram kind: no
        # stacking of the sparse feature blocks per message.
        self._features, start = [], 0
        for _, vectorizer in union.transformer_list:
            width = len(vectorizer.vocabulary_)
            self._features.append((vectorizer, weights[start:start + width]))
            start += width
        self._bias = classifier.intercept_

    def probabilities(self, text: Text) -> Any:
        """The same numbers as the pipeline's predict_proba (multinomial softmax)."""
        import numpy as np

        scores = self._bias.copy()
        for vectorizer, weights in self._features:
            scores += np.asarray(vectorizer.transform([text]) @ weights)[0]
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "FaqTopicSelector":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "FaqTopicSelector":
        try:
            with model_storage.read_from(resource) as directory:
                saved = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError, OSError):
            logger.warning("FaqTopicSelector: no trained model found; FAQ topics unavailable")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, saved["model"], saved["responses"])

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = [], []
        for message in training_data.intent_examples:
            key = message.get(INTENT_RESPONSE_KEY)
            if message.get(INTENT) == self.intent and key and message.get(TEXT):
                texts.append(message.get(TEXT))
                labels.append(key)
        self.responses = {key: value for key, value in training_data.responses.items()
                          if key.startswith(f"utter_{self.intent}/")}
        if len(set(labels)) < 2:
            logger.warning("FaqTopicSelector: fewer than two %s topics to train on",
                           self.intent)
            return self._resource
        self.model = build_model(self.config).fit(texts, labels)
        self._prepare()
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump({"model": self.model, "responses": self.responses},
                        directory / MODEL_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            probabilities = self.probabilities(text)
            order = probabilities.argsort()[::-1][:RANKING_LENGTH]
            keys = self.model.classes_
            top = keys[order[0]]
            ranking = [{"id": zlib.crc32(str(keys[i]).encode()),
                        "confidence": float(probabilities[i]),
                        "intent_response_key": str(keys[i])} for i in order]
            prediction = {
                "response": {
                    "responses": self.responses.get(f"utter_{top}", [{TEXT: top}]),
                    "confidence": float(probabilities[order[0]]),
                    "intent_response_key": str(top),
                    "utter_action": f"utter_{top}",
                },
                "ranking": ranking,
            }
            properties = message.get(SELECTOR_PROPERTY, {}) or {}
            properties["all_retrieval_intents"] = [self.intent]
            properties[self.intent] = prediction
            message.set(SELECTOR_PROPERTY, properties, add_to_output=True)
        return messages
