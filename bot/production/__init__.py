"""Production mode: launcher, settings from the environment, start-up checks,
atomic Redis lock store, strict (no in-memory fallback) tracker store, log
redaction, conversation retention. See docs/production.md."""
