"""The Dash app factory: one app per process, its dependencies passed in, ``server`` for gunicorn."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import html

from consumers.citypack import CityPack
from consumers.settings import Settings
from dashboard.api import api
from dashboard.context import CONFIG_KEY, AppContext
from dashboard.state_view import StateView

PAGES = Path(__file__).parent / "pages"


def create_app(settings: Settings, pack: CityPack, view: StateView) -> dash.Dash:
    """Build the app over an already started state view. Serves every script itself: no CDN."""
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(PAGES),
        assets_folder=str(settings.assets_dir),
        assets_ignore=r"city/.*",
        serve_locally=True,
        title=f"{pack.name_en} city operations",
        update_title="",
        suppress_callback_exceptions=True,
    )
    app.server.config[CONFIG_KEY] = AppContext(settings, pack, view)
    app.server.register_blueprint(api)
    app.layout = html.Div([dash.page_container], className="app-root")
    return app
