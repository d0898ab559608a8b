"""Smoke and fire incidents of one district: signals from cameras, detectors and citizens' calls joined into
incidents with a position, a state and a timeline. Pure: no I/O, no clock (times are event times).

The rule (``docs/risk.md``, "Fire incidents"):

- A camera *detects* smoke when ``CAMERA_HOLD_FRAMES`` frames in a row are at or above its alarm confidence
  (the pack's ``alarm_confidence``): one frame at 0.61 is a flicker, not a detection. A smoke or heat detector
  signals at its alarm threshold; every call is a signal.
- A signal *joins* the open incident it is nearest to, if within ``JOIN_RADIUS_M`` of where that incident is
  (a camera's line of sight counts by its nearest point; a camera already attached to an incident stays with
  it). Otherwise it opens a new incident, *suspected*.
- An incident is *confirmed* when two independent sources (two cameras, a camera and a detector, a detector and
  a call...) signalled within ``CONFIRM_WINDOW_S`` of each other, or when one camera held a confidence of
  ``CAMERA_CONFIRM_CONFIDENCE`` or more for ``CAMERA_CONFIRM_HOLD_S``.
- It is *resolved* ``RESOLVE_AFTER_S`` after its last signal, and forgotten ``FORGET_AFTER_S`` after that.

Where it is: at the detectors in alarm if any (a building's position is exact); else where two cameras' lines
of sight cross; else on a camera's line of sight nearest the callers; else at the callers; else, one camera
alone, half-way along its line of sight (``basis`` says which, so the map can say how sure it is).

Why per district: readings are partitioned by district, so one process sees all of a district's signals and
none of another's unless it owns that partition too. A fire on a district boundary seen by cameras of two
districts is two incidents; joining them needs a repartitioning stage (not built).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from consumers.clock import epoch_iso
from consumers.fire.geometry import XY, LocalFrame, Sight, crossing, distance_m, nearest_on

CAMERA_HOLD_FRAMES = 2
CAMERA_CONFIRM_CONFIDENCE = 0.85
CAMERA_CONFIRM_HOLD_S = 120.0
CONFIRM_WINDOW_S = 900.0
JOIN_RADIUS_M = 1000.0
RESOLVE_AFTER_S = 1800.0
FORGET_AFTER_S = 6 * 3600.0
MAX_CALLS_SHOWN = 20
CALL_IDS_KEPT_S = 24 * 3600.0
"""A call id is remembered this long (event time) so that the same call sent twice is not two calls."""

DETECTOR_KINDS = {"fire.smoke_detector": "smoke", "fire.heat_detector": "heat"}
TIMELINE = ("first_camera", "confirmed", "first_detector", "first_call", "resolved")


@dataclass(frozen=True, slots=True)
class Camera:
    """A camera as the incidents need it: where it stands, where it looks, how far, and its alarm confidence."""

    id: str
    xy: XY
    heading_deg: float
    range_m: float
    alarm_confidence: float


@dataclass(frozen=True, slots=True)
class Signal:
    """One source saying "fire here" at ``t``: a point (detector, call) or a camera's line of sight."""

    source: str
    kind: str
    """``camera``, ``smoke``, ``heat`` or ``call``."""
    t: float
    where: XY | Sight


def detector_in_alarm(sensor_type: str, params: Mapping[str, Any], values: Mapping[str, float | str]) -> bool:
    """Whether a detector's reading is at its alarm threshold (the pack's; the rules' defaults otherwise)."""
    if sensor_type == "fire.smoke_detector":
        return float(values["obscuration_pct_per_m"]) >= float(params.get("alarm_pct_per_m", 3.0))
    if sensor_type == "fire.heat_detector":
        return float(values["temperature_c"]) >= float(params.get("alarm_c", 57.0))
    return False


@dataclass(slots=True)
class _CameraRun:
    """A camera's current run of frames at or above its alarm confidence, and of frames above the confirming
    confidence; a camera below its alarm confidence has none."""

    frames: int = 0
    since: float | None = None
    high_since: float | None = None
    last_t: float | None = None


@dataclass(slots=True)
class Incident:
    """One fire as its signals tell it: what is attached, where it is, how far it got (module doc)."""

    id: str
    district: str
    opened_t: float
    state: str = "suspected"
    signals: dict[str, Signal] = field(default_factory=dict)
    """The latest signal of each source attached."""
    first_t: dict[str, float] = field(default_factory=dict)
    """Each source's first signal."""
    timeline: dict[str, float] = field(default_factory=dict)
    confirmed_by: str | None = None
    calls: list[tuple[str, float, XY, str]] = field(default_factory=list)
    """(call id, time, position, text) of the calls attached, oldest first (at most ``MAX_CALLS_SHOWN``)."""
    position: XY | None = None
    basis: str = ""

    @property
    def open(self) -> bool:
        return self.state != "resolved"

    @property
    def last_t(self) -> float:
        return max(s.t for s in self.signals.values())

    def footprint(self) -> XY | Sight:
        """Where the incident is, for joining: its position, or with one camera alone its whole line of sight."""
        if self.basis == "one_camera":
            return next(s.where for s in self.signals.values() if isinstance(s.where, Sight))
        assert self.position is not None
        return self.position


class DistrictIncidents:
    """The incidents of one district, and what is needed to go on: each camera's run, the calls seen, the input
    offsets taken (so that a record redelivered after a restart is not taken twice)."""

    def __init__(self, district: str, frame: LocalFrame) -> None:
        self.district = district
        self.frame = frame
        self.incidents: dict[str, Incident] = {}
        self.cameras: dict[str, _CameraRun] = {}
        self.call_ids: dict[str, float] = {}
        self.offsets: dict[str, int] = {}
        """``<topic>/<partition>`` -> the highest offset taken in."""
        self.changed: set[str] = set()
        """Incidents changed since the last ``take_changes``."""
        self.forgotten: set[str] = set()
        self.dirty = False
        """Whether anything (an incident, a camera's run, an offset) changed since the last snapshot."""

    # -- input ---------------------------------------------------------------------------------------

    def seen(self, topic: str, partition: int, offset: int) -> bool:
        """Whether this record was already taken in (before a restart)."""
        return offset <= self.offsets.get(f"{topic}/{partition}", -1)

    def mark(self, topic: str, partition: int, offset: int) -> None:
        key = f"{topic}/{partition}"
        if offset > self.offsets.get(key, -1):
            self.offsets[key] = offset
            self.dirty = True

    def camera_frame(self, camera: Camera, t: float, confidence: float, bearing_deg: float | None) -> bool:
        """One frame of a camera; whether it changed anything (a quiet frame of a quiet camera does not)."""
        run = self.cameras.get(camera.id)
        if confidence < camera.alarm_confidence:
            if run is None or (run.last_t is not None and t <= run.last_t):
                return False
            del self.cameras[camera.id]  # the run is broken
            self.dirty = True
            return True
        if run is None:
            run = self.cameras[camera.id] = _CameraRun()
        elif run.last_t is not None and t <= run.last_t:
            return False  # a late frame does not break or extend a run
        run.last_t = t
        self.dirty = True
        run.frames += 1
        if run.since is None:
            run.since = t
        if confidence >= CAMERA_CONFIRM_CONFIDENCE:
            run.high_since = t if run.high_since is None else run.high_since
        else:
            run.high_since = None
        if run.frames < CAMERA_HOLD_FRAMES:
            return True
        sight = Sight(camera.xy, camera.heading_deg if bearing_deg is None else bearing_deg, camera.range_m)
        incident = self._take(Signal(camera.id, "camera", t, sight), first_t=run.since)
        if run.high_since is not None and t - run.high_since >= CAMERA_CONFIRM_HOLD_S:
            self._confirm(incident, t, "camera_held")
        return True

    def detector(self, sensor_id: str, kind: str, t: float, xy: XY) -> None:
        """A detector in alarm (``detector_in_alarm``); ``kind`` is ``smoke`` or ``heat``."""
        self._take(Signal(sensor_id, kind, t, xy))

    def call(self, call_id: str, t: float, lon: float, lat: float, text: str) -> bool:
        """A citizen's call; False if this call id was already taken (the same call sent twice)."""
        if call_id in self.call_ids:
            return False
        self.call_ids[call_id] = t
        xy = self.frame.xy(lon, lat)
        incident = self._take(Signal(call_id, "call", t, xy))
        incident.calls.append((call_id, t, xy, text))
        incident.calls.sort(key=lambda c: (c[1], c[0]))
        del incident.calls[MAX_CALLS_SHOWN:]
        return True

    def _take(self, signal: Signal, first_t: float | None = None) -> Incident:
        incident = self._joined(signal)
        if incident is None:
            incident = self._open(signal.t if first_t is None else first_t)
        previous = incident.signals.get(signal.source)
        if previous is None or signal.t >= previous.t:
            incident.signals[signal.source] = signal
        start = signal.t if first_t is None else first_t
        incident.first_t[signal.source] = min(incident.first_t.get(signal.source, start), start)
        step = {"camera": "first_camera", "smoke": "first_detector", "heat": "first_detector", "call": "first_call"}
        key = step[signal.kind]
        incident.timeline[key] = min(incident.timeline.get(key, start), start)
        self._locate(incident)
        if incident.state == "suspected":
            recent = {s.source for s in incident.signals.values() if abs(s.t - signal.t) <= CONFIRM_WINDOW_S}
            if len(recent) >= 2:
                self._confirm(incident, signal.t, "two_sources")
        self._touch(incident)
        return incident

    def _joined(self, signal: Signal) -> Incident | None:
        candidates = [i for i in self.incidents.values() if i.open]
        for incident in candidates:
            if signal.source in incident.signals:
                return incident
        best: tuple[float, str] | None = None
        for incident in candidates:
            d = distance_m(signal.where, incident.footprint())
            if d <= JOIN_RADIUS_M and (best is None or (d, incident.id) < best):
                best = (d, incident.id)
        return None if best is None else self.incidents[best[1]]

    def _open(self, t: float) -> Incident:
        stamp = epoch_iso(t).replace("-", "").replace(":", "")[:15]  # 20261202T101500
        for n in itertools.count(1):
            incident_id = f"{self.district}-{stamp}" + ("" if n == 1 else f"-{n}")
            if incident_id not in self.incidents:
                break
        incident = self.incidents[incident_id] = Incident(incident_id, self.district, t)
        return incident

    def _confirm(self, incident: Incident, t: float, how: str) -> None:
        if incident.state != "suspected":
            return
        incident.state, incident.confirmed_by = "confirmed", how
        incident.timeline["confirmed"] = t
        self._touch(incident)

    def _touch(self, incident: Incident) -> None:
        self.changed.add(incident.id)
        self.dirty = True

    def _locate(self, incident: Incident) -> None:
        signals = list(incident.signals.values())
        detectors = [s.where for s in signals if s.kind in ("smoke", "heat") and not isinstance(s.where, Sight)]
        sights = sorted((s for s in signals if isinstance(s.where, Sight)), key=lambda s: s.source)
        callers = [s.where for s in signals if s.kind == "call" and not isinstance(s.where, Sight)]
        if detectors:
            incident.position, incident.basis = _mean(detectors), "detectors"
            return
        crossings = [c for a, b in itertools.combinations(sights, 2) if (c := crossing(a.where, b.where))]  # type: ignore[arg-type]
        if crossings:
            incident.position, incident.basis = _mean(crossings), "cameras_crossing"
            return
        if sights and callers:
            sight = sights[0].where
            assert isinstance(sight, Sight)
            incident.position, incident.basis = nearest_on(sight, _mean(callers)), "camera_and_calls"
            return
        if callers:
            incident.position, incident.basis = _mean(callers), "calls"
            return
        sight = sights[0].where
        assert isinstance(sight, Sight)
        incident.position, incident.basis = sight.point_at(sight.range_m / 2), "one_camera"

    # -- time ----------------------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Resolve incidents silent for ``RESOLVE_AFTER_S``, forget those resolved ``FORGET_AFTER_S`` ago."""
        for incident in list(self.incidents.values()):
            if incident.open and now - incident.last_t >= RESOLVE_AFTER_S:
                incident.state = "resolved"
                incident.timeline["resolved"] = incident.last_t + RESOLVE_AFTER_S
                self._touch(incident)
            elif not incident.open and now - incident.timeline["resolved"] >= FORGET_AFTER_S:
                del self.incidents[incident.id]
                self.changed.discard(incident.id)
                self.forgotten.add(incident.id)
                self.dirty = True
        old = [c for c, t in self.call_ids.items() if now - t > CALL_IDS_KEPT_S]
        for call_id in old:
            del self.call_ids[call_id]
            self.dirty = True

    # -- output --------------------------------------------------------------------------------------

    def take_changes(self) -> tuple[list[Incident], list[str]]:
        """The incidents changed and the ids forgotten since the last call."""
        changed = [self.incidents[i] for i in sorted(self.changed) if i in self.incidents]
        forgotten = sorted(self.forgotten)
        self.changed.clear()
        self.forgotten.clear()
        return changed, forgotten

    def view(self, incident: Incident) -> dict[str, Any]:
        """What the state topic carries of an incident: codes, numbers, times; the caller's text as said."""
        frame = self.frame
        lon, lat = frame.lonlat(incident.position) if incident.position is not None else (None, None)
        timeline = {k: epoch_iso(incident.timeline[k]) for k in TIMELINE if k in incident.timeline}
        first_camera, first_call = incident.timeline.get("first_camera"), incident.timeline.get("first_call")
        lead = None if first_camera is None or first_call is None else round((first_call - first_camera) / 60, 1)
        sources = []
        for source, s in sorted(incident.signals.items(), key=lambda kv: (incident.first_t[kv[0]], kv[0])):
            item: dict[str, Any] = {
                "id": source,
                "kind": s.kind,
                "first": epoch_iso(incident.first_t[source]),
                "last": epoch_iso(s.t),
            }
            if isinstance(s.where, Sight):
                o_lon, o_lat = frame.lonlat(s.where.origin)
                e_lon, e_lat = frame.lonlat(s.where.point_at(s.where.range_m))
                item["sight"] = {
                    "bearing_deg": round(s.where.bearing_deg, 1),
                    "from": [o_lon, o_lat],
                    "to": [e_lon, e_lat],
                }
            sources.append(item)
        return {
            "kind": "incident",
            "id": incident.id,
            "district": incident.district,
            "state": incident.state,
            "confirmed_by": incident.confirmed_by,
            "lat": None if lat is None else round(lat, 6),
            "lon": None if lon is None else round(lon, 6),
            "basis": incident.basis,
            "opened": epoch_iso(incident.opened_t),
            "event_time": epoch_iso(incident.last_t),
            "timeline": timeline,
            "camera_lead_min": lead,
            "sources": sources,
            "calls": [
                {
                    "id": c,
                    "t": epoch_iso(t),
                    "text": text,
                    "lon": round(frame.lonlat(xy)[0], 6),
                    "lat": round(frame.lonlat(xy)[1], 6),
                }
                for c, t, xy, text in incident.calls
            ],
        }

    # -- changelog -----------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        self.dirty = False
        return {
            "v": 1,
            "incidents": [_incident_doc(i) for i in self.incidents.values()],
            "cameras": {c: [r.frames, r.since, r.high_since, r.last_t] for c, r in self.cameras.items()},
            "calls": self.call_ids,
            "offsets": self.offsets,
        }

    @classmethod
    def restore(cls, district: str, frame: LocalFrame, doc: Mapping[str, Any]) -> DistrictIncidents:
        out = cls(district, frame)
        for d in doc.get("incidents") or ():
            incident = _incident_of(district, d)
            out.incidents[incident.id] = incident
        out.cameras = {c: _CameraRun(int(r[0]), r[1], r[2], r[3]) for c, r in (doc.get("cameras") or {}).items()}
        out.call_ids = {str(c): float(t) for c, t in (doc.get("calls") or {}).items()}
        out.offsets = {str(k): int(v) for k, v in (doc.get("offsets") or {}).items()}
        return out


def _mean(points: Iterable[XY]) -> XY:
    pts = list(points)
    return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))


def _where_doc(where: XY | Sight) -> list[float]:
    if isinstance(where, Sight):
        return [*where.origin, where.bearing_deg, where.range_m]
    return list(where)


def _where_of(doc: list[float]) -> XY | Sight:
    if len(doc) == 4:
        return Sight((float(doc[0]), float(doc[1])), float(doc[2]), float(doc[3]))
    return (float(doc[0]), float(doc[1]))


def _incident_doc(i: Incident) -> dict[str, Any]:
    return {
        "id": i.id,
        "opened": i.opened_t,
        "state": i.state,
        "signals": [[s.source, s.kind, s.t, _where_doc(s.where), i.first_t[s.source]] for s in i.signals.values()],
        "timeline": i.timeline,
        "by": i.confirmed_by,
        "calls": [[c, t, list(xy), text] for c, t, xy, text in i.calls],
        "position": None if i.position is None else list(i.position),
        "basis": i.basis,
    }


def _incident_of(district: str, d: Mapping[str, Any]) -> Incident:
    incident = Incident(str(d["id"]), district, float(d["opened"]), str(d["state"]))
    for source, kind, t, where, first in d["signals"]:
        incident.signals[source] = Signal(source, kind, float(t), _where_of(where))
        incident.first_t[source] = float(first)
    incident.timeline = {str(k): float(v) for k, v in d["timeline"].items()}
    incident.confirmed_by = d.get("by")
    incident.calls = [(str(c), float(t), (float(xy[0]), float(xy[1])), str(text)) for c, t, xy, text in d["calls"]]
    incident.position = None if d.get("position") is None else (float(d["position"][0]), float(d["position"][1]))
    incident.basis = str(d.get("basis") or "")
    return incident
