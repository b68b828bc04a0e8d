"""LemmaTokenizer: Rasa's whitespace tokenizer plus lemmas from spaCy's lookup table.

No pretrained spaCy model can be installed here, so Rasa's SpacyTokenizer is
out; spacy-lookups-data still gives English lemmas. With lemmas, the count
featurizers see "hurts", "hurting" and "hurt" as one word, which helps the
classifiers generalise to phrasings they were not trained on. Lowercased
lookups; unknown words keep their text (typos stay visible to char n-grams).
"""
from __future__ import annotations

import functools
from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message


@functools.lru_cache(maxsize=1)
def lemma_table() -> "spacy.lookups.Table":  # noqa: F821
    """English lemma lookup table from spacy-lookups-data (keys hashed by spaCy)."""
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class LemmaTokenizer(WhitespaceTokenizer):
    """Whitespace tokens with lookup lemmas."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        table = lemma_table()
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            lowered = token.text.lower()
            token.lemma = table.get(lowered, lowered)
        return tokens
