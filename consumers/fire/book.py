"""The incidents of every district a processor owns, between the processor and ``consumers.fire.incidents``:
which readings are fire signals, the trackers' changelog records and published views. Pure, no I/O.

Changelog: ``incidents:<district>``, the district's whole tracker (a few incidents, each camera's run, recent call
ids, the input offsets it took), written at each flush that changed it, on the district's partition. State:
``incident:<id>`` for each incident changed, a tombstone when one is forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from consumers.citypack import CityPack, SensorSpec
from consumers.contract import json_bytes
from consumers.fire.geometry import LocalFrame
from consumers.fire.incidents import DETECTOR_KINDS, Camera, DistrictIncidents, detector_in_alarm

CHANGELOG_KIND = "incidents"
SIGNAL_TYPES = frozenset({"fire.camera", *DETECTOR_KINDS})


class IncidentBook:
    """One tracker per district that had a signal, the cameras as the trackers need them, and which trackers
    changed since the last drain."""

    def __init__(self, pack: CityPack) -> None:
        self.pack = pack
        self._frames = {code: LocalFrame(d.centroid_lon, d.centroid_lat) for code, d in pack.districts.items()}
        self._trackers: dict[str, DistrictIncidents] = {}
        self._cameras: dict[str, Camera] = {}
        self._dirty: set[str] = set()

    def tracker(self, district: str) -> DistrictIncidents:
        tracker = self._trackers.get(district)
        if tracker is None:
            tracker = self._trackers[district] = DistrictIncidents(district, self._frames[district])
        return tracker

    def reading(
        self, spec: SensorSpec, topic: str, partition: int, offset: int, t: float, values: Mapping[str, float | str]
    ) -> None:
        """An accepted reading of a camera or detector (other types are ignored)."""
        kind = spec.type
        if kind not in SIGNAL_TYPES:
            return
        if kind == "fire.camera":
            camera = self._camera(spec)
            confidence = float(values["smoke_confidence"])
            if confidence < camera.alarm_confidence and not self._in_run(spec):
                return  # the usual frame: a quiet camera, nothing to take
            tracker = self.tracker(spec.district)
            if tracker.seen(topic, partition, offset):
                return
            bearing = values.get("smoke_bearing_deg")
            taken = tracker.camera_frame(camera, t, confidence, bearing if isinstance(bearing, float) else None)
        else:
            if not detector_in_alarm(kind, spec.params, values):
                return
            tracker = self.tracker(spec.district)
            if tracker.seen(topic, partition, offset):
                return
            tracker.detector(spec.id, DETECTOR_KINDS[kind], t, tracker.frame.xy(spec.lon, spec.lat))
            taken = True
        if taken:
            # Only what changed a tracker is marked: a quiet frame redelivered after a restart changes nothing.
            tracker.mark(topic, partition, offset)
            self._dirty.add(spec.district)

    def _in_run(self, spec: SensorSpec) -> bool:
        tracker = self._trackers.get(spec.district)
        return tracker is not None and spec.id in tracker.cameras

    def seen(self, district: str, topic: str, partition: int, offset: int) -> bool:
        tracker = self._trackers.get(district)
        return tracker is not None and tracker.seen(topic, partition, offset)

    def call(
        self, district: str, call_id: str, topic: str, partition: int, offset: int, t: float, values: Mapping[str, Any]
    ) -> bool:
        """A citizen's call (validated by the processor); False if the same call id was already taken."""
        tracker = self.tracker(district)
        text = values.get("text")
        taken = tracker.call(
            call_id, t, float(values["lon"]), float(values["lat"]), text if isinstance(text, str) else ""
        )
        tracker.mark(topic, partition, offset)
        self._dirty.add(district)
        return taken

    def _camera(self, spec: SensorSpec) -> Camera:
        camera = self._cameras.get(spec.id)
        if camera is None:
            p = spec.params
            xy = self._frames[spec.district].xy(spec.lon, spec.lat)
            camera = self._cameras[spec.id] = Camera(
                spec.id, xy, float(p["heading_deg"]), float(p["range_m"]), float(p["alarm_confidence"])
            )
        return camera

    def tick(self, now: float) -> None:
        for code, tracker in self._trackers.items():
            tracker.tick(now)
            if tracker.dirty:
                self._dirty.add(code)

    def drain(
        self, partition_of: Mapping[str, int]
    ) -> tuple[list[tuple[bytes, bytes | None, int]], list[tuple[bytes, bytes | None]]]:
        """The changelog and state records of the trackers changed since the last drain."""
        changelog: list[tuple[bytes, bytes | None, int]] = []
        state: list[tuple[bytes, bytes | None]] = []
        for code in sorted(self._dirty):
            tracker = self._trackers.get(code)
            if tracker is None:
                continue
            changed, forgotten = tracker.take_changes()
            for incident in changed:
                state.append((f"incident:{incident.id}".encode(), json_bytes(tracker.view(incident))))
            state += [(f"incident:{i}".encode(), None) for i in forgotten]
            if tracker.dirty:
                changelog.append(
                    (f"{CHANGELOG_KIND}:{code}".encode(), json_bytes(tracker.snapshot()), partition_of[code])
                )
        self._dirty.clear()
        return changelog, state

    def restore(self, district: str, doc: Mapping[str, Any] | None) -> None:
        """A tracker from its changelog record (None: a tombstone)."""
        if district not in self._frames:
            return  # the city pack no longer has this district
        if doc is None:
            self._trackers.pop(district, None)
            return
        tracker = DistrictIncidents.restore(district, self._frames[district], doc)
        self._trackers[district] = tracker
        tracker.changed.update(tracker.incidents)  # republished at the next flush: the state topic may lag
        self._dirty.add(district)

    def forget(self, districts: Iterable[str]) -> None:
        """Districts another process now owns."""
        for code in districts:
            self._trackers.pop(code, None)
            self._dirty.discard(code)

    def open_in(self, district: str) -> tuple[int, int, set[str]]:
        """The district's confirmed and suspected incidents, and the sources attached to them."""
        tracker = self._trackers.get(district)
        confirmed = suspected = 0
        attached: set[str] = set()
        for incident in tracker.incidents.values() if tracker is not None else ():
            if incident.state == "confirmed":
                confirmed += 1
            elif incident.state == "suspected":
                suspected += 1
            else:
                continue
            attached.update(incident.signals)
        return confirmed, suspected, attached

    def sources_of_open(self, district: str) -> dict[str, str]:
        """Camera or detector id -> the open incident it is a source of (the newest, should it be in two)."""
        tracker = self._trackers.get(district)
        out: dict[str, str] = {}
        for incident in sorted(tracker.incidents.values(), key=lambda i: i.opened_t) if tracker is not None else ():
            if incident.open:
                out.update(dict.fromkeys(incident.signals, incident.id))
        return out

    def open_places(self, district: str) -> list[tuple[str, float, float]]:
        """(state, lat, lon) of the district's open incidents that have a position."""
        tracker = self._trackers.get(district)
        out = []
        for incident in tracker.incidents.values() if tracker is not None else ():
            if incident.open and incident.position is not None:
                lon, lat = tracker.frame.lonlat(incident.position)  # type: ignore[union-attr]
                out.append((incident.state, lat, lon))
        return out

    def changed_districts(self) -> set[str]:
        """Districts whose incidents changed since the last drain (their fire risk with them)."""
        return set(self._dirty)

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident's view (tests, the embedded API)."""
        return [t.view(i) for t in self._trackers.values() for i in t.incidents.values()]
