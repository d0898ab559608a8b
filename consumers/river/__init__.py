"""River intelligence: drought warnings 72 hours ahead, flood warnings by level and rate of rise, sensor faults.

Why a package of its own: it is pure logic of (state, sample, event time) — history, fault filter, recession
forecast, warning state machines — that the stream processor and the dashboard wire in, and that the evaluation
command (``python -m consumers.river evaluate``) replays on any series to *measure* its skill rather than claim it.
No Kafka, no Dash, no clock: time is event time in epoch seconds.
"""

from consumers.river.forecast import Forecast, ForecastConfig, ForecastPoint
from consumers.river.gauge import GaugeModel, GaugeParams, ModelConfig
from consumers.river.history import GaugeHistory
from consumers.river.warnings import DroughtWarning, FloodWarning, RiverStatus

__all__ = [
    "DroughtWarning",
    "FloodWarning",
    "Forecast",
    "ForecastConfig",
    "ForecastPoint",
    "GaugeHistory",
    "GaugeModel",
    "GaugeParams",
    "ModelConfig",
    "RiverStatus",
]
