"""The domains whose models the processor keeps beside sensors' windows (``consumers.domain``).

Fire scores its sensors with ``consumers.rules`` alone so far; it gets a line here when it has a model of its
own.
"""

from __future__ import annotations

from collections.abc import Mapping

from consumers.domain import Domain
from consumers.grid.sensor_model import GRID
from consumers.river.sensor_model import RIVER

DOMAINS: tuple[Domain, ...] = (RIVER, GRID)

BY_SENSOR_TYPE: Mapping[str, Domain] = {sensor_type: d for d in DOMAINS for sensor_type in d.sensor_types}
BY_NAME: Mapping[str, Domain] = {d.name: d for d in DOMAINS}

if {"delta", "sensor"} & set(BY_NAME):  # the changelog's own key kinds (``Processor.restore``)
    raise ValueError("a domain may not be named delta or sensor")
