"""Our Python package loaded by Rasa: NLU components, channels, configuration.

`bot.safety` is a plain library (no Rasa import); the rest adapts it to Rasa.
"""
