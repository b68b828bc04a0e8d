"""Channel connectors loaded by Rasa through credentials.yml."""
