"""FollowUpContext: a message right after an FAQ answer is read against that topic.

Runs after the intent model and before the FallbackClassifier and CrisisGuard (config.yml).
The reasoning and the numbers are in bot/followup/context.py; this is the Rasa glue.

Where the previous topic comes from: Rasa 3.6's default recipe gives an NLU component the
conversation's tracker when its `process` has a `tracker` parameter (the graph input that
the policies read too). `MessageProcessor.parse_message` fills it with the tracker as it
was before this message (live turns, REST, socket.io, `rasa shell`); a bare parse
(`/model/parse`, `Agent.parse_message`) gets an empty tracker, so the message is read on
its own. The previous topic is the one `utter_faq` answered for the last user message,
if that was the reply to it; after anything else (a crisis reply, a fallback, a form
question, a new session) there is none.

What it changes: the intent, the intent ranking and the `faq` response selection (with
that topic's responses, so `utter_faq` answers it), all as the intent model writes them.
The message's own reading is kept under `followup` (previous topic, bonus, own label) for
the logs. A message the model reads as `crisis` (or as thanks, bye, a hand-off request ...:
NEVER_REREAD) is never touched; CrisisGuard runs later and has the last word either way.
"""
from __future__ import annotations

import logging
import zlib
from typing import Any, Dict, FrozenSet, List, Optional, Text

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.events import ActionExecuted, Restarted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.followup import context

logger = logging.getLogger(__name__)

SELECTOR = "response_selector"
OUTPUT_KEY = "followup"
MODEL_FILE = "followup_context.joblib"
# Never re-read: a crisis (CrisisGuard decides those), and replies that are plainly not a
# question ("thanks, that helps", "bye", "can I talk to someone about that?").
NEVER_REREAD = frozenset({"crisis", "greet", "goodbye", "thanks", "bot_challenge",
                          "human_handoff", "stop_form", "start_screening", "insurance_help"})


def topic_of(event: UserUttered, retrieval_intent: Text) -> Optional[Text]:
    """`faq/<topic>` that a user message was answered with (response selection first)."""
    parse = event.parse_data or {}
    response = (((parse.get(SELECTOR) or {}).get(retrieval_intent) or {}).get("response")
                or {})
    key = response.get("intent_response_key")
    if key:
        return key
    intent = event.intent or {}
    full = intent.get("full_retrieval_intent_name")
    if full:
        return full
    name = intent.get(INTENT_NAME_KEY) or ""
    return name if name.startswith(f"{retrieval_intent}/") else None


def previous_topic(tracker: Optional[DialogueStateTracker],
                   retrieval_intent: Text = "faq") -> Optional[Text]:
    """The topic `utter_<retrieval_intent>` answered for the last user message, if it did."""
    if tracker is None:
        return None
    answered = False
    for event in reversed(tracker.events):
        if isinstance(event, (SessionStarted, Restarted)):
            return None
        if isinstance(event, ActionExecuted) and event.action_name == f"utter_{retrieval_intent}":
            answered = True
        elif isinstance(event, UserUttered):
            return topic_of(event, retrieval_intent) if answered else None
    return None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class FollowUpContext(GraphComponent):
    """Re-reads a follow-up message with the topic just answered as a prior."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        defaults = context.Settings()
        return {"retrieval_intent": "faq", "ranking_length": 10,
                # context.stands_alone: a cue-less message read elsewhere this surely is new.
                "stands_alone_above": 0.6,
                **{name: getattr(defaults, name) for name in defaults.__dataclass_fields__}}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, vocabulary: Optional[FrozenSet[str]] = None,
                 responses: Optional[Dict[Text, List[Dict[Text, Any]]]] = None,
                 topic_words: Optional[Dict[str, Dict[str, float]]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self.settings = context.Settings.from_config(self.config)
        self.retrieval_intent: Text = self.config["retrieval_intent"]
        self.cues = context.load_cues()
        self.vocabulary = vocabulary or frozenset()
        self.responses = responses or {}
        self.topic_words = topic_words or {}
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "FollowUpContext":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "FollowUpContext":
        try:
            with model_storage.read_from(resource) as directory:
                saved = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError, OSError):
            logger.warning("FollowUpContext: not trained; every message is read on its own")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, frozenset(saved.get("vocabulary", ())),
                   saved.get("responses"), saved.get("topic_words"))

    def train(self, training_data: TrainingData) -> Resource:
        """Keeps the words of the FAQ examples (a message with none of them is not a
        follow-up question), which topics each word names, and the FAQ responses (for
        the response selection)."""
        examples = [(message.get(TEXT) or "", message.get(INTENT_RESPONSE_KEY) or "")
                    for message in training_data.intent_examples
                    if message.get(INTENT) == self.retrieval_intent]
        vocabulary = set()
        for text, _ in examples:
            vocabulary.update(context.words(text))
        self.vocabulary = frozenset(vocabulary - self.cues.function_words)
        self.topic_words = context.topic_words(
            [(text, key.split("/", 1)[-1]) for text, key in examples], self.cues.function_words)
        prefix = f"utter_{self.retrieval_intent}/"
        self.responses = {k: v for k, v in training_data.responses.items()
                          if k.startswith(prefix)}
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump({"vocabulary": sorted(self.vocabulary), "responses": self.responses,
                         "topic_words": self.topic_words}, directory / MODEL_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message],
                tracker: Optional[DialogueStateTracker] = None) -> List[Message]:
        previous = previous_topic(tracker, self.retrieval_intent)
        if previous is None:
            return messages
        for message in messages:
            self._reread(message, previous)
        return messages

    # -- the message's labels as one distribution, and back -----------------------------

    def label_probabilities(self, message: Message) -> Dict[Text, float]:
        """Every ranked intent and `faq/<topic>` with its probability, as the intent model
        gave them (a retrieval intent's score is its best topic's own probability)."""
        probabilities: Dict[Text, float] = {}
        faq_score = 0.0
        for entry in message.get(INTENT_RANKING_KEY) or []:
            name = entry.get(INTENT_NAME_KEY)
            if name == self.retrieval_intent:
                faq_score = float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            elif name:
                probabilities[name] = float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        selection = (message.get(SELECTOR) or {}).get(self.retrieval_intent) or {}
        ranking = selection.get("ranking") or []
        if ranking and faq_score > 0.0:
            best = float(ranking[0].get("confidence") or 0.0) or 1.0
            for entry in ranking:
                probabilities[entry["intent_response_key"]] = (
                    faq_score * float(entry.get("confidence") or 0.0) / best)
        return probabilities

    def _write(self, message: Message, probabilities: Dict[Text, float]) -> None:
        prefix = f"{self.retrieval_intent}/"
        topics = sorted(((k, p) for k, p in probabilities.items() if k.startswith(prefix)),
                        key=lambda item: item[1], reverse=True)
        intents: Dict[Text, float] = {k: p for k, p in probabilities.items()
                                      if not k.startswith(prefix)}
        if topics:
            intents[self.retrieval_intent] = topics[0][1]
        ranked = sorted(intents.items(), key=lambda item: item[1], reverse=True)
        ranking = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
                   for name, confidence in ranked[:self.config["ranking_length"]]]
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        if not topics:
            return
        total = sum(p for _, p in topics) or 1.0
        top = topics[0][0]
        selector = dict(message.get(SELECTOR) or {})
        selector[self.retrieval_intent] = {
            "response": {
                "responses": self.responses.get(f"utter_{top}", [{TEXT: top}]),
                "confidence": topics[0][1] / total,
                "intent_response_key": top,
                "utter_action": f"utter_{top}",
            },
            "ranking": [{"id": zlib.crc32(key.encode()), "confidence": p / total,
                         "intent_response_key": key}
                        for key, p in topics[:self.config["ranking_length"]]],
        }
        message.set(SELECTOR, selector, add_to_output=True)

    def _reread(self, message: Message, previous: Text) -> None:
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if intent in NEVER_REREAD or not isinstance(message.get(TEXT), str):
            return
        own = self._label(message)
        bonus = context.context_bonus(message.get(TEXT), self.cues, self.vocabulary,
                                      self.settings, self.topic_words, previous)
        record = {"previous_topic": previous, "bonus": bonus, "own_reading": own}
        if bonus > 0.0:
            probabilities = self.label_probabilities(message)
            if context.stands_alone(message.get(TEXT), self.cues, probabilities, previous,
                                    self.config["stands_alone_above"]):
                record["stands_alone"] = True
            elif probabilities:
                self._write(message, context.rescore(probabilities, previous, bonus))
        record["reading"] = self._label(message)
        message.set(OUTPUT_KEY, record, add_to_output=True)
        if record["reading"] != own:
            logger.info("follow-up: read against %s (bonus %.1f): %s -> %s",
                        previous, bonus, own, record["reading"])

    def _label(self, message: Message) -> Optional[Text]:
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if intent == self.retrieval_intent:
            selection = (message.get(SELECTOR) or {}).get(intent) or {}
            return (selection.get("response") or {}).get("intent_response_key") or intent
        return intent
