"""Follow-up questions read against the topic just answered (no Rasa imports here).

See `bot/followup/context.py` for the design; the Rasa glue is
`bot/components/followup_context.py`.
"""
from bot.followup.context import Cues, Settings, bonus_for, load_cues, rescore  # noqa: F401
