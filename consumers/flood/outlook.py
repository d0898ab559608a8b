"""The river over the next hours at every gauge, for the depths ahead (``docs/flood.md``, "Outlook").

Two sources, each where it is good:

- the **wave from upstream**: the nearest reporting gauge upstream on the same river, its overflow (stage above
  bank level) arriving ``distance / WAVE_CELERITY_M_S`` later. Inside that travel time the upstream gauge's own
  readings say what arrives: observations, not extrapolation. Past it, the upstream's stage now is held: its
  forecast is not carried down the river, because an overshoot at the head of a river then floods the whole
  river's outlook (tried: on the demo flood it called up to 6.4 times as many people to leave as the water then
  reached, where holding calls at most 1.14 times; ``python -m consumers.flood.evaluate``). Only a service that
  sees all the river's gauges can do this, which a consumer that owns some districts cannot: the flood service
  reads them all from ``city.state``.
- the gauge's own **rise forecast** (``river.rise`` in its view: the rate of rise and the rain, made by the gauge's
  model in its consumer), for the gauge with no gauge upstream, used up to ``OWN_LEAD_H`` and held there: a rate
  extrapolated six hours overshoots a flood's crest (``docs/river-rise.md``), and an outlook that evacuates tens of
  thousands of people on an overshoot is not believed twice.

A gauge's stage ahead is never below its stage now (the outlook decides who may be flooded soon, and the water
going down is no reason to leave people where they are).

The travel time is the one parameter: 2 m/s is a flood wave's celerity in a small channelised river (a mean
velocity of 1.2–1.5 m/s times the kinematic-wave factor of about 5/3); the Nanming's 22 km from the Huaxi
reservoir to Jiaxiu Tower take about three hours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from consumers.flood.inundation import GaugeOnRiver, RiverFrame

WAVE_CELERITY_M_S = 2.0
LEADS_H = (1, 2, 3, 4, 5, 6)
OWN_LEAD_H = 1.0
"""How far ahead a gauge's own rise forecast is believed; beyond, it is held at that lead's value."""


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
    """A gauge's view (``sensor:<id>`` on ``city.state``) as the outlook needs it; None when it has no stage or the
    view cannot be read (a malformed view leaves its gauge out, it never stops the picture)."""
    try:
        return _gauge_now(doc)
    except (TypeError, ValueError, AttributeError):
        return None


def _gauge_now(doc: Mapping[str, object]) -> GaugeNow | None:
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
    """The gauge's own forecast stage at ``t``: its rise forecast up to ``OWN_LEAD_H`` ahead and held there, else its
    stage now."""
    t = min(t, gauge.t + OWN_LEAD_H * 3600.0)
    if gauge.rise and gauge.rise[0][0] - 60.0 <= t <= gauge.rise[-1][0] + 60.0:
        return max(_at(gauge.rise, t, gauge.stage_m), gauge.stage_m)
    return gauge.stage_m


def stage_outlook(
    frame: RiverFrame, gauges: Mapping[str, GaugeNow], now: float, leads_h: Sequence[int] = LEADS_H
) -> dict[int, dict[str, float]]:
    """For each lead (hours), every reporting gauge's expected stage (module doc): the wave from the nearest
    reporting gauge upstream where there is one (its readings within the travel time, its stage now beyond), else
    the gauge's own forecast; never below the stage now."""
    out: dict[int, dict[str, float]] = {lead: {} for lead in leads_h}
    for on_river in frame.gauges.values():
        upstream: tuple[GaugeOnRiver, GaugeNow] | None = None
        for g in on_river:  # downstream order
            mine = gauges.get(g.id)
            if mine is None:
                continue
            for lead in leads_h:
                t = now + lead * 3600.0
                if upstream is None:
                    stage = own_outlook(mine, t)
                else:
                    up_spec, up = upstream
                    leaves = t - (g.position_m - up_spec.position_m) / WAVE_CELERITY_M_S
                    # What left the upstream gauge: its readings; past its newest, its stage now (its forecast is
                    # not carried down: an overshoot at the head of a river would flood the whole river's outlook).
                    up_stage = _at(up.history, min(leaves, up.t), up.stage_m)
                    stage = max(mine.stage_m, g.bank_stage_m + (up_stage - up_spec.bank_stage_m))
                out[lead][g.id] = stage
            upstream = (g, mine)
    return out
