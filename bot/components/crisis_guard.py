"""CrisisGuard: the safety detector has the last word on every message's intent.

Runs after the classifiers (and the FallbackClassifier). When `bot.safety`
detects crisis language it sets intent `crisis` with confidence 1.0, adds the
category, subject and severity as entities (they fill slots that pick the
crisis reply's variant) and keeps what the classifier thought under
`crisis_guard` for the logs. If the detector itself fails, it fails toward
safety: the message is treated as a crisis and the error is logged.
The detector is the authority: when only the classifier says `crisis` (the
detector is silent), the classifier's next intent is used and the disagreement
is logged (without the text) for pattern review. Measured: the classifier alone
flagged 4-10% of our benign sets ("my phone is dead again", "i live in the UK"),
the detector 0-3%.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot import safety

logger = logging.getLogger(__name__)

CRISIS_INTENT = "crisis"
GUARD_KEY = "crisis_guard"
EXTRACTOR = "CrisisGuard"


def _detect(text: Any) -> "safety.Detection":
    """The detector's verdict; any failure counts as a crisis (fail safe)."""
    try:
        return safety.detect(text)
    except Exception:  # noqa: BLE001 - the whole point is to catch everything
        logger.exception("crisis detector failed; treating the message as a crisis")
        return safety.Detection(
            is_crisis=True, category="detector_error", severity="crisis", subject="self",
            span=None, start=None, end=None, rule_id="guard_error",
        )


def _entity(name: str, value: str, detection: "safety.Detection", text: str) -> Dict[str, Any]:
    start = detection.start if detection.start is not None else 0
    end = detection.end if detection.end is not None else len(text)
    return {"entity": name, "value": value, "start": start, "end": end,
            "confidence_entity": 1.0, "extractor": EXTRACTOR}


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class CrisisGuard(GraphComponent):
    """Overrides the predicted intent with `crisis` when the detector fires."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # fallback_threshold: as the FallbackClassifier's; an overruled "crisis"
        # whose runner-up is this unsure becomes nlu_fallback, not a guess.
        return {"intent": CRISIS_INTENT, "fallback_threshold": 0.3}

    def __init__(self, config: Dict[Text, Any]) -> None:
        config = {**self.get_default_config(), **config}
        self._intent = config["intent"]
        self._threshold = float(config["fallback_threshold"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisGuard":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._guard(message)
        return messages

    def _overrule_classifier(self, message: Message) -> None:
        """The classifier alone said crisis: use its next-best intent instead, or
        nlu_fallback when that one is below the fallback threshold."""
        ranking = [r for r in (message.get(INTENT_RANKING_KEY) or [])
                   if r.get(INTENT_NAME_KEY) != self._intent]
        if ranking and (ranking[0].get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self._threshold:
            fallback = ranking[0]
        else:
            fallback = {INTENT_NAME_KEY: "nlu_fallback",
                        PREDICTED_CONFIDENCE_KEY: self._threshold}
            ranking = [fallback] + [r for r in ranking if r.get(INTENT_NAME_KEY) != "nlu_fallback"]
        message.set(INTENT, fallback, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        logger.info("crisis guard: classifier said crisis, detector did not; using %s",
                    fallback.get(INTENT_NAME_KEY))

    def _guard(self, message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str) or not text.strip():
            return
        detection = _detect(text)
        classifier_intent: Optional[Dict[str, Any]] = message.get(INTENT)
        record = {
            "is_crisis": detection.is_crisis,
            "category": detection.category,
            "severity": detection.severity,
            "subject": detection.subject,
            "rule_id": detection.rule_id,
            "classifier_intent": classifier_intent,
        }
        message.set(GUARD_KEY, record, add_to_output=True)
        if not detection.is_crisis:
            if (classifier_intent or {}).get(INTENT_NAME_KEY) == self._intent:
                self._overrule_classifier(message)
            return
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        crisis = {INTENT_NAME_KEY: self._intent, PREDICTED_CONFIDENCE_KEY: 1.0}
        message.set(INTENT, crisis, add_to_output=True)
        message.set(
            INTENT_RANKING_KEY,
            [crisis] + [r for r in ranking if r.get(INTENT_NAME_KEY) != self._intent],
            add_to_output=True,
        )
        entities = [e for e in (message.get(ENTITIES) or []) if e.get("extractor") != EXTRACTOR]
        entities += [
            _entity("crisis_category", detection.category or "unknown", detection, text),
            _entity("crisis_subject", detection.subject or "self", detection, text),
            _entity("crisis_severity", detection.severity or "crisis", detection, text),
        ]
        message.set(ENTITIES, entities, add_to_output=True)
        logger.info(
            "crisis guard fired: category=%s severity=%s rule=%s classifier=%s",
            detection.category, detection.severity, detection.rule_id,
            (classifier_intent or {}).get(INTENT_NAME_KEY),
        )
