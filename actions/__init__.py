"""The rasa-sdk action server: staff hand-offs, crisis alerts, fallback suggestions, forms."""
