"""What every request may read: settings, the city pack and the state view, held by the Flask app.

Kept on ``app.config`` (one per process, set by the app factory) instead of module globals, so that a
callback reaches it through ``flask.current_app`` and tests can build several apps side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

import flask

from consumers.citypack import CityPack
from consumers.settings import Settings
from dashboard.state_view import StateView

CONFIG_KEY = "CITYOPS_CONTEXT"


@dataclass(frozen=True, slots=True)
class AppContext:
    """Read-only dependencies of the web layer."""

    settings: Settings
    pack: CityPack
    view: StateView


def current() -> AppContext:
    ctx = flask.current_app.config[CONFIG_KEY]
    assert isinstance(ctx, AppContext)
    return ctx
