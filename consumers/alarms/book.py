"""The alarms of every district a processor owns, between the processor and ``consumers.alarms.lifecycle``:
the changelog records, the published records, and the actions. Pure, no I/O.

Changelog (on the district's partition): ``alarm:<id>`` for each alarm changed (a tombstone when forgotten), and
``alarms:<district>`` for the book's own state (the next id, the ``city.actions`` offsets taken, the recent
action ids). Published: ``alarm:<id>`` on ``city.alarms``, compacted, so that it survives restarts and a new web
worker reads every alarm kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from consumers.alarms.actions import Action
from consumers.alarms.lifecycle import Alarm, Condition, DistrictAlarms
from consumers.contract import json_bytes

META_KIND = "alarms"
ALARM_KIND = "alarm"


class AlarmBook:
    """One ``DistrictAlarms`` per district that had an alarm, and which changed since the last drain."""

    def __init__(self, districts: Iterable[str]) -> None:
        self._known = set(districts)
        self._books: dict[str, DistrictAlarms] = {}
        self._dirty: set[str] = set()

    def book(self, district: str) -> DistrictAlarms:
        book = self._books.get(district)
        if book is None:
            book = self._books[district] = DistrictAlarms(district)
        return book

    def observe(self, district: str, entity: str, condition: Condition | None, t: float) -> None:
        """An entity's latest view (``consumers.alarms.conditions``). An entity with no alarm and no condition
        costs a dictionary lookup: this is called for every sensor changed."""
        book = self._books.get(district)
        if condition is None and (book is None or entity not in book.active_of):
            return
        self.book(district).observe(entity, condition, t)
        self._dirty.add(district)

    def district_of_entity(self, entity: str) -> str | None:
        """The district whose book has an active alarm on this entity (a tombstone does not say)."""
        return next((code for code, book in self._books.items() if entity in book.active_of), None)

    def seen(self, district: str, where: str, offset: int) -> bool:
        book = self._books.get(district)
        return book is not None and book.seen(where, offset)

    def act(self, district: str, action: Action, where: str, offset: int, now: float) -> str | None:
        self._dirty.add(district)
        return self.book(district).act(action, where, offset, now)

    def tick(self, now: float) -> None:
        for code, book in self._books.items():
            book.tick(now)
            if book.changed or book.forgotten:
                self._dirty.add(code)

    def drain(
        self, partition_of: Mapping[str, int]
    ) -> tuple[list[tuple[bytes, bytes | None, int]], list[tuple[bytes, bytes | None]]]:
        """The changelog records and the ``city.alarms`` records of what changed since the last drain."""
        changelog: list[tuple[bytes, bytes | None, int]] = []
        published: list[tuple[bytes, bytes | None]] = []
        for code in sorted(self._dirty):
            book = self._books.get(code)
            if book is None:
                continue
            partition = partition_of[code]
            changed, forgotten, meta = book.take_changes()
            for alarm in changed:
                key = f"{ALARM_KIND}:{alarm.id}".encode()
                changelog.append((key, json_bytes(alarm.snapshot()), partition))
                published.append((key, json_bytes(alarm.view())))
            for alarm_id in forgotten:
                key = f"{ALARM_KIND}:{alarm_id}".encode()
                changelog.append((key, None, partition))
                published.append((key, None))
            if meta:
                changelog.append((f"{META_KIND}:{code}".encode(), json_bytes(book.meta()), partition))
        self._dirty.clear()
        return changelog, published

    def restore(self, kind: str, rest: str, doc: Mapping[str, Any] | None) -> None:
        """One changelog record: ``alarms:<district>`` (``rest`` is the district) or ``alarm:<id>``."""
        if kind == META_KIND:
            if rest in self._known and doc is not None:
                self.book(rest).restore_meta(doc)
            return
        district = rest.rpartition("-")[0]
        if district not in self._known:
            return  # the city pack no longer has this district
        if doc is None:
            book = self._books.get(district)
            if book is not None:
                book.drop_alarm(rest)
            return
        self.book(district).restore_alarm(Alarm.restore(doc))
        self._dirty.add(district)

    def forget(self, districts: Iterable[str]) -> None:
        """Districts another process now owns."""
        for code in districts:
            self._books.pop(code, None)
            self._dirty.discard(code)

    def alarms(self) -> list[dict[str, Any]]:
        """Every alarm's view (tests, benchmarks)."""
        return [a.view() for b in self._books.values() for a in b.alarms.values()]
