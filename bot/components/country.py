"""CountryTagger: tells the dialogue which country's crisis lines to give.

A channel may send the user's country in message metadata (`country`, an ISO
code; the widget sends the one it is configured with). When it is one we have
resources for, it becomes a `country` entity that fills the `country` slot;
otherwise the slot stays as it is and responses use the clinic's country.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import config

EXTRACTOR = "CountryTagger"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class CountryTagger(GraphComponent):
    """Adds a `country` entity from the message metadata."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CountryTagger":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            metadata = message.get("metadata")
            if not isinstance(metadata, dict):
                continue
            code = config.normalise_country(metadata.get("country"))
            if code is None:
                continue
            text = message.get(TEXT) or ""
            entity = {"entity": "country", "value": code, "start": 0, "end": len(text),
                      "confidence_entity": 1.0, "extractor": EXTRACTOR}
            message.set(ENTITIES, (message.get(ENTITIES) or []) + [entity], add_to_output=True)
        return messages
