"""Crisis-language detection for the TMS patient-support chatbot.

A plain library (no Rasa imports): `detect(text) -> Detection`.
Patterns are data files under bot/safety/patterns/ (see patterns.py for the
pattern language); the method follows ConText (see context.py).
"""
from .detector import CATEGORIES, Detection, detect, explain, trace

__all__ = ["CATEGORIES", "Detection", "detect", "explain", "trace"]
