"""The Dash app factory: one app per process, its dependencies passed in, ``server`` for gunicorn."""

from __future__ import annotations

import html as html_text
from pathlib import Path
from typing import Any

import dash
from dash import html

from consumers.citypack import CityPack
from consumers.settings import Settings
from dashboard.alarms.sink import ActionSink
from dashboard.api import api
from dashboard.auth.store import AccountStore
from dashboard.auth.web import install_auth
from dashboard.context import CONFIG_KEY, AppContext
from dashboard.fire.hexes import HexLayer
from dashboard.flood.reader import FloodNetwork
from dashboard.not_found import install_not_found
from dashboard.state_view import StateView
from dashboard.wall.playlist import parse_named
from dashboard.web_compression import install_compression
from dashboard.web_security import install_security
from simulator.show import ShowDirector

PAGES = Path(__file__).parent / "pages"


class _Dash(dash.Dash):
    """Dash, with the document title escaped where it goes into the page's HTML.

    Dash puts ``title`` into its index template as it is, and the title carries the city pack's
    ``name_en``: a pack with ``</title><script>`` in a name ran that script. The title is kept raw on the
    app, because Dash also sets ``document.title`` from it in the browser, which must not show entities.
    """

    def interpolate_index(
        self,
        metas: Any = "",
        title: Any = "",
        css: Any = "",
        config: Any = "",
        scripts: Any = "",
        app_entry: Any = "",
        favicon: Any = "",
        renderer: Any = "",
    ) -> Any:
        return super().interpolate_index(
            metas, html_text.escape(str(title)), css, config, scripts, app_entry, favicon, renderer
        )


def create_app(
    settings: Settings,
    pack: CityPack,
    view: StateView,
    accounts: AccountStore | None = None,
    flood: FloodNetwork | None = None,
    show: ShowDirector | None = None,
) -> dash.Dash:
    """Build the app over an already started state view. Serves every script itself: no CDN.

    ``accounts`` defaults to the store at ``CITYOPS_USERS_DB``; ``flood`` to the pack's road network, loaded here
    (None when the pack has none); ``show`` is the embedded default's scenario director (``/demo``)."""
    app = _Dash(
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
    actions = ActionSink(settings, view.transport)
    accounts = accounts or AccountStore(settings.users_db)
    app.server.config[CONFIG_KEY] = AppContext(
        settings,
        pack,
        view,
        HexLayer.of(pack),
        actions,
        accounts,
        flood if flood is not None else FloodNetwork.load(pack),
        parse_named(settings.wall_playlists),
        show,
    )
    app.server.register_blueprint(api)
    install_not_found(app)
    install_security(app, settings)
    install_auth(app.server, settings, accounts)
    install_compression(app)
    app.layout = html.Div([dash.page_container], className="app-root")
    return app
