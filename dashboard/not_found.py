"""What answers HTTP 404, so that monitoring, scripts and crawlers see the status a person would read.

Dash answers every path with its page shell (200) and draws "404 - Page not found" in the browser, routes
unknown ``/api/v1/...`` paths to that shell too, and answers a bad ``/_dash-component-suites/`` path with
a 500. And the assets folder, served whole, holds the city packs: the app reads a pack from disk, the
browser never needs one, so ``/assets/city/...`` is not served at all.
"""

from __future__ import annotations

import posixpath

import dash
import flask
from dash import _pages
from dash.exceptions import DependencyException

api_fallback = flask.Blueprint("api_fallback", __name__)

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


@api_fallback.route("/api/v1", methods=_ALL_METHODS)
@api_fallback.route("/api/v1/", methods=_ALL_METHODS)
@api_fallback.route("/api/v1/<path:rest>", methods=_ALL_METHODS)
def unknown_api_path(rest: str = "") -> tuple[flask.Response, int]:
    """Whatever ``dashboard/api.py`` does not route. Its own paths win: they have more fixed parts."""
    if flask.request.method not in ("GET", "HEAD"):
        response = flask.jsonify({"error": "the API is read-only: GET only"})
        response.headers["Allow"] = "GET, HEAD"
        return response, 405
    return flask.jsonify({"error": f"no such API path: {flask.request.path}"}), 404


def is_page(app: dash.Dash, path: str) -> bool:
    """Whether a Dash page is registered for ``path``, matched exactly as Dash's own router does."""
    page, _ = _pages._path_to_page(app.strip_relative_path(path))
    return bool(page)


def is_city_pack_asset(filename: str) -> bool:
    """Whether an ``/assets/`` path names a file of a city pack, however the path is spelled."""
    normal = posixpath.normpath("/" + filename).lstrip("/").casefold()
    return normal == "city" or normal.startswith("city/")


def install_not_found(app: dash.Dash) -> None:
    """Register the 404 answers on the app's Flask server (after Dash has added its routes)."""
    server = app.server
    prefix = app.config.routes_pathname_prefix
    page_endpoints = {prefix, f"{prefix}<path:path>"}
    assets_endpoint = prefix.replace("/", "_").replace(".", "_") + "dash_assets.static"  # as Dash names it
    missing = (page_endpoints | {assets_endpoint}) - set(server.view_functions)
    if missing:  # a Dash upgrade renamed its routes: fail at start-up, not with pages answering 200
        raise RuntimeError(f"Dash routes not found: {sorted(missing)}")
    server.register_blueprint(api_fallback)

    @server.errorhandler(DependencyException)
    def unknown_component_file(_: DependencyException) -> flask.Response:
        return flask.Response("no such component file\n", 404, mimetype="text/plain")

    @server.before_request
    def no_city_pack_files() -> None:
        if flask.request.endpoint == assets_endpoint:
            filename = (flask.request.view_args or {}).get("filename", "")
            if is_city_pack_asset(str(filename)):
                flask.abort(404)

    @server.after_request
    def status_of_unknown_pages(response: flask.Response) -> flask.Response:
        if (
            flask.request.endpoint in page_endpoints
            and response.status_code == 200
            and not is_page(app, flask.request.path)
        ):
            response.status_code = 404  # the shell still loads, and draws Dash's "404 - Page not found"
        return response
