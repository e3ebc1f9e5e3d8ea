"""Domain services: the bridge between models, the engine, emails and tasks."""
