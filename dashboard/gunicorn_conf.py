"""gunicorn config file of the Procfile's web process: ``gunicorn -c python:dashboard.gunicorn_conf …``.

gunicorn loads this module as the process starts, like a ``__main__``: it is an entry point, so it is the
one place here that builds ``Settings`` from the environment while being imported. Nothing imports it;
``python -m dashboard`` takes the same options from ``dashboard.serving`` directly. The Procfile's command
line adds where to listen and how many workers and threads to run.
"""

from __future__ import annotations

import sys

from consumers.settings import Settings, SettingsError
from dashboard.serving import gunicorn_options

try:
    _settings = Settings.from_env()
except SettingsError as exc:
    print(f"configuration error: {exc}", file=sys.stderr)
    raise SystemExit(2) from None

globals().update(gunicorn_options(_settings))
