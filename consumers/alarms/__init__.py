"""Alarms as objects with a lifecycle, for every domain: raised from what the processor publishes, acted on by
operators through ``city.actions``, published on ``city.alarms`` (docs/alarms.md)."""
