"""gunicorn entry point for the Kafka deployment: ``gunicorn 'dashboard.wsgi:create_server()'``.

Called once per worker (no ``--preload``), so each worker tails the state topic on its own thread.

In the embedded default the pipeline is played by the exhibition's scenario director (``simulator.show``): it
starts ``CITYOPS_SIM_SCENARIO`` from its scenario file at ``CITYOPS_SIM_SPEED``, and the server keeps it in
``server.config[SHOW_KEY]`` (None with Kafka) for the pages that control it.
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
from simulator.show import ShowDirector

SHOW_KEY = "cityops.show"
"""``server.config[SHOW_KEY]``: the ``ShowDirector`` of the embedded default, None with Kafka."""


def create_server(settings: Settings | None = None) -> flask.Flask:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    settings = settings or Settings.from_env()
    pack = load_city_pack(settings.city_dir)
    transport: Transport
    flood = None
    show: ShowDirector | None = None
    if settings.embedded:
        from dashboard.embedded import EmbeddedPipeline, load_network

        network = load_network(pack)
        show = ShowDirector(settings, pack, EmbeddedPipeline.for_show(network), speed=settings.sim_speed).start()
        transport = show.transport
        if network is not None:
            flood = FloodNetwork.of(network)
    else:
        transport = open_transport(settings)
        transport.ensure_topics(topic_specs(settings))
    view = StateView(settings, transport).start()
    if show is not None:
        show.on_new_run(view.rebind)  # every reset: the view follows the new run's transport
    server = create_app(settings, pack, view, flood=flood, show=show).server
    server.config[SHOW_KEY] = show
    return server
