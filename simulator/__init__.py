"""Telemetry simulator: plausible, seeded sensor readings for a city pack, to Kafka or the in-memory log."""
