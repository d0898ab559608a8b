"""The river over the next hours at every gauge, for the depths ahead (``docs/flood.md``, "Outlook").

Two forecasts, and the higher one is taken (evacuation errs on the side of the water):

- the gauge's own **rise forecast** (``river.rise`` in its view: the rate of rise and the rain, made by the gauge's
  model in its consumer), or its stage now where it has none (persistence);
- the **wave from upstream**: the nearest gauge upstream on the same river, its overflow (stage above bank level)
  arriving ``distance / WAVE_CELERITY_M_S`` later. Inside that travel time the upstream gauge's own past readings
  say what arrives; beyond it, its forecast. Only a gauge that sees all the river's gauges can do this, which a
  consumer that owns some districts cannot: the flood service reads them all from ``city.state``.

The travel time is the one parameter: 2 m/s is a flood wave's celerity in a small channelised river (a mean
velocity of 1.2–1.5 m/s times the kinematic-wave factor of about 5/3); the Nanming's 22 km from the Huaxi
reservoir to Jiaxiu Tower take about three hours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from consumers.flood.inundation import RiverFrame

WAVE_CELERITY_M_S = 2.0
LEADS_H = (1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class GaugeNow:
    """What the flood service knows of a gauge from its view on ``city.state``."""

    id: str
    t: float
    stage_m: float
    history: tuple[tuple[float, float], ...]
    """(epoch s, stage m), oldest first; the view's thinned last days, ending at the latest reading."""
    rise: tuple[tuple[float, float], ...] = ()
    """The gauge's rise forecast's median, (epoch s, stage m); empty without one."""


def gauge_now(doc: Mapping[str, object]) -> GaugeNow | None:
    """A gauge's view (``sensor:<id>`` on ``city.state``) as the outlook needs it; None when it has no stage."""
    values = doc.get("values")
    river = doc.get("river")
    stamp = doc.get("event_time")
    if not isinstance(values, Mapping) or not isinstance(stamp, str) or doc.get("stale"):
        return None
    stage = values.get("stage_m")
    if not isinstance(stage, int | float):
        return None
    t = datetime.fromisoformat(stamp).timestamp()
    history: list[tuple[float, float]] = []
    rise: list[tuple[float, float]] = []
    if isinstance(river, Mapping):
        shown = river.get("history")
        if isinstance(shown, Mapping):
            history = [
                (datetime.fromisoformat(ts).timestamp(), float(v))
                for ts, v in zip(shown.get("t") or [], shown.get("v") or [], strict=False)
            ]
        forecast = river.get("rise")
        if isinstance(forecast, Mapping):
            rise = [
                (datetime.fromisoformat(ts).timestamp(), float(v))
                for ts, v in zip(forecast.get("t") or [], forecast.get("median") or [], strict=False)
            ]
    if not history or history[-1][0] < t:
        history.append((t, float(stage)))
    return GaugeNow(str(doc.get("id")), t, float(stage), tuple(history), tuple(rise))


def _at(series: Sequence[tuple[float, float]], t: float, fallback: float) -> float:
    if not series:
        return fallback
    times = np.fromiter((p[0] for p in series), dtype=float, count=len(series))
    values = np.fromiter((p[1] for p in series), dtype=float, count=len(series))
    return float(np.interp(t, times, values))


def own_outlook(gauge: GaugeNow, t: float) -> float:
    """The gauge's own forecast stage at ``t``: its rise forecast where it reaches, else its stage now."""
    if gauge.rise and gauge.rise[0][0] - 60.0 <= t <= gauge.rise[-1][0] + 60.0:
        return _at(gauge.rise, t, gauge.stage_m)
    return gauge.stage_m


def stage_outlook(
    frame: RiverFrame, gauges: Mapping[str, GaugeNow], now: float, leads_h: Sequence[int] = LEADS_H
) -> dict[int, dict[str, float]]:
    """For each lead (hours), every reporting gauge's expected stage: the higher of its own forecast and the wave
    from the nearest reporting gauge upstream (module doc)."""
    out: dict[int, dict[str, float]] = {lead: {} for lead in leads_h}
    for on_river in frame.gauges.values():
        upstream = None
        for g in on_river:  # downstream order
            mine = gauges.get(g.id)
            if mine is None:
                continue
            for lead in leads_h:
                t = now + lead * 3600.0
                stage = own_outlook(mine, t)
                if upstream is not None:
                    up_spec, up = upstream
                    travel = (g.position_m - up_spec.position_m) / WAVE_CELERITY_M_S
                    leaves = t - travel
                    up_stage = _at(up.history, leaves, up.stage_m) if leaves <= up.t else own_outlook(up, leaves)
                    stage = max(stage, g.bank_stage_m + (up_stage - up_spec.bank_stage_m))
                out[lead][g.id] = stage
            upstream = (g, mine)
    return out
