"""The readiness of every public building in the districts a processor owns, between the processor and
``consumers.fire.readiness``: since when each device has been at fault, the buildings' published views, and
each district's summary. Pure, no I/O.

Changelog: ``readiness:<district>``, the district's devices at fault with the time each fault began (a fault's
age outlives the windows, which keep an hour), written at each flush that changed it, on the district's
partition. State: ``building:<id>``, written when what it says changed (a detector's reading every minute
changes nothing here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from consumers.citypack import Building, CityPack, SensorSpec
from consumers.clock import epoch_iso
from consumers.contract import json_bytes
from consumers.fire.readiness import READINESS_TYPES, DeviceStatus, Readiness, device_fault, readiness

CHANGELOG_KIND = "readiness"
STATES = ("ready", "degraded", "not_ready", "unknown")

Heard = Callable[[str], tuple[bool, bool]]
"""A device id -> (heard from since the start, silent now): what the processor's sensor states say."""


class ReadinessBook:
    """Faults by device (code, since, newest reading's time), per district; the last view published per
    building; the buildings and districts changed since the last drain."""

    def __init__(self, pack: CityPack) -> None:
        self.pack = pack
        self._devices: dict[str, tuple[tuple[str, str], ...]] = {
            b.id: tuple(
                (i, pack.sensors[i].type)
                for i in b.device_ids
                if i in pack.sensors and pack.sensors[i].type in READINESS_TYPES
            )
            for b in pack.buildings.values()
        }
        """building -> its devices that readiness weighs (its smoke and heat detectors say nothing of it)."""
        self._buildings_of: dict[str, list[Building]] = {code: [] for code in pack.districts}
        for b in pack.buildings.values():
            self._buildings_of.setdefault(b.district, []).append(b)
        self._faults: dict[str, dict[str, tuple[str, float, float]]] = {}
        """district -> device id -> (fault, since, time of the newest reading)."""
        self._published: dict[str, dict[str, Any]] = {}
        self._summaries: dict[str, dict[str, Any]] = {}
        self._dirty_buildings: set[str] = set()
        self._dirty_changelog: set[str] = set()

    def reading(self, spec: SensorSpec, t: float, values: Mapping[str, float | str]) -> None:
        """An accepted reading of a building's device (any other sensor is ignored)."""
        if spec.building_id is None or spec.type not in READINESS_TYPES:
            return
        faults = self._faults.setdefault(spec.district, {})
        known = faults.get(spec.id)
        if known is not None and t < known[2]:
            return  # a late reading does not move a fault's start
        fault = device_fault(spec.type, spec.params, values)
        if fault is None:
            if known is not None:
                del faults[spec.id]
                self._changed(spec)
            return
        if known is None or known[0] != fault:
            faults[spec.id] = (fault, t, t)
            self._changed(spec)
        else:
            faults[spec.id] = (fault, known[1], t)  # the newest time is kept for late readings, not written

    def touch(self, spec: SensorSpec) -> None:
        """A device went silent, spoke again, or was dropped: its building's view may change."""
        if spec.building_id is not None and spec.type in READINESS_TYPES:
            self._dirty_buildings.add(spec.building_id)

    def _changed(self, spec: SensorSpec) -> None:
        assert spec.building_id is not None
        self._dirty_buildings.add(spec.building_id)
        self._dirty_changelog.add(spec.district)

    def building(self, building_id: str, heard: Heard) -> Readiness:
        b = self.pack.buildings[building_id]
        faults = self._faults.get(b.district, {})
        statuses = []
        for device_id, device_type in self._devices[building_id]:
            was_heard, silent = heard(device_id)
            fault = faults.get(device_id)
            statuses.append(
                DeviceStatus(device_id, device_type, fault and fault[0], fault and fault[1], was_heard, silent)
            )
        return readiness(b.kind, statuses)

    def view(self, building_id: str, heard: Heard) -> dict[str, Any]:
        b = self.pack.buildings[building_id]
        r = self.building(building_id, heard)
        points = dict(r.points)
        return {
            "kind": "building",
            "id": b.id,
            "district": b.district,
            "building_kind": b.kind,
            "readiness": r.score,
            "state": r.state,
            "faults": [
                {
                    "device": d.id,
                    "type": d.type,
                    "fault": d.fault,
                    "since": epoch_iso(d.since or 0.0),
                    "points": points[d.id],
                }
                for d in r.faults
            ],
            "silent": list(r.silent),
        }

    def drain(
        self, heard: Heard, partition_of: Mapping[str, int], owned: Callable[[str], bool]
    ) -> tuple[list[tuple[bytes, bytes | None, int]], list[tuple[bytes, bytes | None]], set[str]]:
        """Changelog and state records for what changed since the last drain, and the districts whose summary
        changed (their views must be published again)."""
        state: list[tuple[bytes, bytes | None]] = []
        districts: set[str] = set()
        for building_id in sorted(self._dirty_buildings):
            b = self.pack.buildings.get(building_id)
            if b is None or not owned(b.district):
                continue
            doc = self.view(building_id, heard)
            if self._published.get(building_id) != doc:
                self._published[building_id] = doc
                state.append((f"building:{building_id}".encode(), json_bytes(doc)))
                districts.add(b.district)
        self._dirty_buildings.clear()
        for code in districts:
            self._summaries.pop(code, None)
        changelog: list[tuple[bytes, bytes | None, int]] = [
            (f"{CHANGELOG_KIND}:{code}".encode(), json_bytes(self.snapshot(code)), partition_of[code])
            for code in sorted(self._dirty_changelog)
            if owned(code)
        ]
        self._dirty_changelog.clear()
        return changelog, state, districts

    def summary(self, code: str) -> dict[str, Any]:
        """A district's public buildings by readiness, and the occupancy-weighted mean score of those known."""
        cached = self._summaries.get(code)
        if cached is not None:
            return cached
        counts = dict.fromkeys(STATES, 0)
        weighted = people = 0.0
        for b in self._buildings_of.get(code, ()):
            doc = self._published.get(b.id)
            state = "unknown" if doc is None else str(doc["state"])
            counts[state] += 1
            if doc is not None and doc["readiness"] is not None:
                weighted += float(doc["readiness"]) * max(b.occupancy, 1)
                people += max(b.occupancy, 1)
        out = {"counts": counts, "score": round(weighted / people, 1) if people else None}
        self._summaries[code] = out
        return out

    def states_in(self, code: str) -> list[tuple[str, str]]:
        """(building id, readiness state) of the district's buildings as last published."""
        published = self._published
        return [(b.id, str(published[b.id]["state"])) for b in self._buildings_of.get(code, ()) if b.id in published]

    def snapshot(self, code: str) -> dict[str, Any]:
        return {"v": 1, "faults": {d: list(f) for d, f in sorted(self._faults.get(code, {}).items())}}

    def restore(self, code: str, doc: Mapping[str, Any] | None) -> None:
        if code not in self.pack.districts:
            return
        faults = {}
        for device_id, (fault, since, newest) in ((doc or {}).get("faults") or {}).items():
            if device_id in self.pack.sensors:
                faults[device_id] = (str(fault), float(since), float(newest))
        self._faults[code] = faults
        self._dirty_buildings.update(b.id for b in self.pack.buildings.values() if b.district == code)

    def forget(self, districts: Iterable[str]) -> None:
        gone = set(districts)
        for code in gone:
            self._faults.pop(code, None)
            self._summaries.pop(code, None)
        for building_id in [i for i, doc in self._published.items() if doc["district"] in gone]:
            del self._published[building_id]
