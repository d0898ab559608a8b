"""``SettingsError`` on its own, so that parts of the settings (``consumers/kafka_security.py``) can raise it.

``consumers/settings.py`` imports those parts, so they cannot import it from there without an import cycle;
everyone else keeps importing ``SettingsError`` from ``consumers.settings``.
"""

from __future__ import annotations


class SettingsError(ValueError):
    """A configuration value that cannot be used; the message names the environment variable."""
