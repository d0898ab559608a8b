"""gunicorn entry point for the Kafka deployment: ``gunicorn 'dashboard.wsgi:create_server()'``.

Called once per worker (no ``--preload``), so each worker tails the state topic on its own thread.
"""

from __future__ import annotations

import logging

import flask

from consumers.citypack import load_city_pack
from consumers.process import LOG_FORMAT
from consumers.settings import Settings
from consumers.transport import Transport, open_transport, topic_specs
from dashboard.app import create_app
from dashboard.flood.reader import FloodNetwork
from dashboard.state_view import StateView


def create_server(settings: Settings | None = None) -> flask.Flask:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    settings = settings or Settings.from_env()
    pack = load_city_pack(settings.city_dir)
    transport: Transport
    flood = None
    if settings.embedded:
        from dashboard.embedded import EmbeddedPipeline

        pipeline = EmbeddedPipeline(settings, pack).start()
        transport = pipeline.transport
        if pipeline.flood_graph is not None:
            flood = FloodNetwork.of(pipeline.flood_graph.network, pipeline.flood_graph)
    else:
        transport = open_transport(settings)
        transport.ensure_topics(topic_specs(settings))
    view = StateView(settings, transport).start()
    return create_app(settings, pack, view, flood=flood).server
