"""The alarms of one district: raised, updated and cleared from conditions, acted on by operators. Pure, no I/O.

Lifecycle (docs/alarms.md): an entity whose condition is present gets an **active** alarm; while it stays present
the alarm follows its severity, and takes the reason of each severity it enters (not each reading's numbers: the
sensor's view has those, and an alarm republished at every reading of every sensor in alarm would be most of
``city.alarms``); once it has been absent for ``CLEAR_HOLD_S`` of event time without
a break the alarm is **cleared** (a sensor hovering at a band's edge does not raise, clear and raise again every
reading). An entity that raises again after its alarm cleared gets a new alarm, the next occurrence, linked to the
old one. Operators acknowledge an active alarm (with a comment), shelve it for a while, take a shelve back and
comment on any alarm; each change, the system's and the operators', is an entry in the alarm's trail, and a
refused action is one too when the alarm exists. Cleared alarms stay, as history, for ``HISTORY_KEEP_S``.

The one writer of a district's alarms is the processor that owns its partition, so there is no merge: actions are
applied in the order of the district's partition of ``city.actions``, and the input offsets taken are kept, so an
action redelivered after a restart is not applied twice.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from consumers.alarms.actions import Action
from consumers.clock import epoch_iso

SEVERITIES = ("warning", "alarm")
"""Ranked: an alarm's ``peak`` is the worst it reached."""
CLEAR_HOLD_S = 120.0
"""Event-time seconds a condition must stay absent before its alarm clears: longer than two readings of the
fastest sensors (a line reports every 20 s), so a reading back in band for one sample does not clear it."""
HISTORY_KEEP_S = 24 * 3600.0
"""A cleared alarm is listed in the history this long after it cleared, then forgotten (tombstoned)."""
MAX_CLEARED_KEPT = 300
"""At most this many cleared alarms per district, the oldest forgotten first: a flapping sensor cannot grow the
state without bound within a day."""
MAX_TRAIL = 100
"""Entries of one alarm's trail kept (the first, which says when it was raised, and the newest); how many were
dropped is counted."""
ACTION_IDS_KEPT = 2000
"""Action ids remembered per district, to refuse one submitted twice (a browser resending)."""


@dataclass(frozen=True, slots=True)
class Condition:
    """What an entity's latest view says that deserves an alarm."""

    entity: str
    """Its key on the state topic (``sensor:NM-01``, ``incident:…``, ``building:B-02``)."""
    domain: str
    severity: str
    reason: str
    lat: float | None = None
    lon: float | None = None
    group: str | None = None
    """The entity whose alarm stands for this one (a detector in a fire: the incident): an operator acts on that
    one, and this one is listed under it, not counted as waiting on its own (one fire, one alarm to answer)."""
    seen_t: float | None = None
    """Event time of what showed it (a sensor's reading): an alarm raised while a consumer catches up on a backlog
    says when it happened, not when it was processed. The holds run on the processor's "now"."""


@dataclass(slots=True)
class Alarm:
    """One occurrence of a condition on one entity, from raised to cleared, with its trail."""

    id: str
    district: str
    entity: str
    domain: str
    severity: str
    peak: str
    reason: str
    lat: float | None
    lon: float | None
    raised_t: float
    updated_t: float
    occurrence: int = 1
    previous: str | None = None
    state: str = "active"
    cleared_t: float | None = None
    absent_since: float | None = None
    ack: dict[str, Any] | None = None
    shelved_until: float | None = None
    shelved_by: str | None = None
    group: str | None = None
    trail: list[dict[str, Any]] = field(default_factory=list)
    trail_dropped: int = 0

    @property
    def active(self) -> bool:
        return self.state == "active"

    def note(self, t: float, what: str, by: str = "system", **extra: Any) -> None:
        """One entry in the trail: who (``system`` for the consumers), when, what, and the rest it has."""
        entry = {"at": epoch_iso(t), "what": what, "by": by, **{k: v for k, v in extra.items() if v is not None}}
        self.trail.append(entry)
        if len(self.trail) > MAX_TRAIL:
            del self.trail[1]  # the first entry says when and why it was raised: kept
            self.trail_dropped += 1

    def view(self) -> dict[str, Any]:
        """The record on ``city.alarms`` (and in the changelog, which also needs ``absent_since``)."""
        return {
            "kind": "alarm",
            "id": self.id,
            "district": self.district,
            "entity": self.entity,
            "domain": self.domain,
            "severity": self.severity,
            "peak": self.peak,
            "reason": self.reason,
            "lat": self.lat,
            "lon": self.lon,
            "state": self.state,
            "raised": epoch_iso(self.raised_t),
            "updated": epoch_iso(self.updated_t),
            "cleared": None if self.cleared_t is None else epoch_iso(self.cleared_t),
            "occurrence": self.occurrence,
            "previous": self.previous,
            "ack": self.ack,
            "shelved_until": None if self.shelved_until is None else epoch_iso(self.shelved_until),
            "shelved_by": self.shelved_by,
            "group": self.group,
            "trail": self.trail,
            "trail_dropped": self.trail_dropped,
        }

    def snapshot(self) -> dict[str, Any]:
        return {
            **self.view(),
            "t": [self.raised_t, self.updated_t, self.cleared_t, self.absent_since, self.shelved_until],
        }

    @classmethod
    def restore(cls, doc: Mapping[str, Any]) -> Alarm:
        raised_t, updated_t, cleared_t, absent_since, shelved_until = doc["t"]
        return cls(
            id=str(doc["id"]),
            district=str(doc["district"]),
            entity=str(doc["entity"]),
            domain=str(doc["domain"]),
            severity=str(doc["severity"]),
            peak=str(doc["peak"]),
            reason=str(doc["reason"]),
            lat=doc.get("lat"),
            lon=doc.get("lon"),
            raised_t=float(raised_t),
            updated_t=float(updated_t),
            occurrence=int(doc["occurrence"]),
            previous=doc.get("previous"),
            state=str(doc["state"]),
            cleared_t=None if cleared_t is None else float(cleared_t),
            absent_since=None if absent_since is None else float(absent_since),
            ack=doc.get("ack"),
            shelved_until=None if shelved_until is None else float(shelved_until),
            shelved_by=doc.get("shelved_by"),
            group=doc.get("group"),
            trail=list(doc.get("trail") or []),
            trail_dropped=int(doc.get("trail_dropped") or 0),
        )


def worse(a: str, b: str) -> str:
    return a if SEVERITIES.index(a) >= SEVERITIES.index(b) else b


class DistrictAlarms:
    """Every alarm of one district, active and recently cleared, and what changed since the last drain."""

    def __init__(self, district: str) -> None:
        self.district = district
        self.next_seq = 1
        self.alarms: dict[str, Alarm] = {}
        self.active_of: dict[str, str] = {}
        """Entity key -> its active alarm's id."""
        self.last_of: dict[str, str] = {}
        """Entity key -> its newest alarm's id while that is kept (the link of the next occurrence)."""
        self.offsets: dict[str, int] = {}
        """``topic/partition`` -> the newest offset of ``city.actions`` taken for this district."""
        self.action_ids: deque[str] = deque(maxlen=ACTION_IDS_KEPT)
        self.changed: set[str] = set()
        self.forgotten: set[str] = set()
        self.meta_dirty = False
        """The book's own record (sequence, offsets, action ids) changed."""

    # -- conditions --------------------------------------------------------------------------------------

    def observe(self, entity: str, condition: Condition | None, t: float) -> None:
        """The entity's latest view: ``condition`` is what deserves an alarm in it, None that nothing does."""
        alarm_id = self.active_of.get(entity)
        alarm = None if alarm_id is None else self.alarms[alarm_id]
        if condition is None:
            if alarm is not None and alarm.absent_since is None:
                alarm.absent_since = t
                self.changed.add(alarm.id)  # the changelog must know, or a restart would restart the hold
            return
        if alarm is None:
            self._raise(condition, t)
            return
        changed = alarm.absent_since is not None
        alarm.absent_since = None
        if condition.severity != alarm.severity:
            alarm.note(t, "severity", severity=condition.severity, was=alarm.severity, reason=condition.reason)
            alarm.severity, alarm.reason = condition.severity, condition.reason
            alarm.peak = worse(alarm.peak, condition.severity)
            changed = True
        if condition.group != alarm.group:
            alarm.note(t, "grouped" if condition.group else "ungrouped", group=condition.group or alarm.group)
            alarm.group = condition.group
            changed = True
        if (condition.lat, condition.lon) != (alarm.lat, alarm.lon):  # an incident's position, refined
            alarm.lat, alarm.lon = condition.lat, condition.lon
            changed = True
        if changed:
            alarm.updated_t = max(alarm.updated_t, t)
            self.changed.add(alarm.id)

    def _raise(self, c: Condition, t: float) -> Alarm:
        previous_id = self.last_of.get(c.entity)
        previous = None if previous_id is None else self.alarms.get(previous_id)
        seen = t if c.seen_t is None else min(c.seen_t, t)
        alarm = Alarm(
            id=f"{self.district}-{self.next_seq}",
            district=self.district,
            entity=c.entity,
            domain=c.domain,
            severity=c.severity,
            peak=c.severity,
            reason=c.reason,
            lat=c.lat,
            lon=c.lon,
            raised_t=seen,
            updated_t=t,
            occurrence=1 if previous is None else previous.occurrence + 1,
            previous=None if previous is None else previous.id,
            group=c.group,
        )
        alarm.note(seen, "raised", severity=c.severity, reason=c.reason, previous=alarm.previous, group=c.group)
        self.next_seq += 1
        self.meta_dirty = True
        self.alarms[alarm.id] = alarm
        self.active_of[c.entity] = self.last_of[c.entity] = alarm.id
        self.changed.add(alarm.id)
        return alarm

    def tick(self, now: float) -> None:
        """Clear the alarms whose condition has been absent long enough, end shelves that are due, and forget
        cleared alarms older than the history keeps."""
        for alarm in list(self.alarms.values()):
            if alarm.active and alarm.absent_since is not None and now - alarm.absent_since >= CLEAR_HOLD_S:
                self._clear(alarm, now)
            if alarm.shelved_until is not None and now >= alarm.shelved_until:
                alarm.note(now, "shelve_ended")
                alarm.shelved_until = alarm.shelved_by = None
                self.changed.add(alarm.id)
        cleared = sorted((a.cleared_t or 0.0, a.id) for a in self.alarms.values() if not a.active)
        over = len(cleared) - MAX_CLEARED_KEPT
        for i, (cleared_t, alarm_id) in enumerate(cleared):
            if i < over or now - cleared_t > HISTORY_KEEP_S:
                self._forget(alarm_id)

    def _clear(self, alarm: Alarm, now: float) -> None:
        alarm.state = "cleared"
        alarm.cleared_t = now
        alarm.updated_t = max(alarm.updated_t, now)
        alarm.shelved_until = alarm.shelved_by = None
        alarm.note(now, "cleared", absent_since=epoch_iso(alarm.absent_since or now))
        if self.active_of.get(alarm.entity) == alarm.id:
            del self.active_of[alarm.entity]
        self.changed.add(alarm.id)

    def _forget(self, alarm_id: str) -> None:
        alarm = self.alarms.pop(alarm_id)
        if self.last_of.get(alarm.entity) == alarm_id:
            del self.last_of[alarm.entity]
        self.changed.discard(alarm_id)
        self.forgotten.add(alarm_id)

    # -- actions -----------------------------------------------------------------------------------------

    def seen(self, where: str, offset: int) -> bool:
        """Whether the action at this offset of ``where`` (``topic/partition``) was already taken."""
        return offset <= self.offsets.get(where, -1)

    def act(self, action: Action, where: str, offset: int, now: float) -> str | None:
        """Apply an operator's action; the reason it is refused, or None when it was applied. Either way the
        offset is taken, so the same record redelivered is recognised (``seen``)."""
        self.offsets[where] = max(offset, self.offsets.get(where, -1))
        self.meta_dirty = True
        if action.id in self.action_ids:
            return f"action {action.id} was already applied"
        self.action_ids.append(action.id)
        alarm = self.alarms.get(action.alarm)
        if alarm is None:
            return f"alarm {action.alarm} is not known (never raised, or cleared more than a day ago)"
        refusal = self._refusal(action, alarm, now)
        who = {"role": action.role, "source": action.source, "action_id": action.id}
        if refusal is not None:
            alarm.note(now, "refused", by=action.user, action=action.kind, detail=refusal, **who)
            self.changed.add(alarm.id)
            return refusal
        if action.kind == "ack":
            alarm.ack = {"by": action.user, "at": epoch_iso(now), "comment": action.comment}
        elif action.kind == "shelve":
            alarm.shelved_until = now + action.shelve_s
            alarm.shelved_by = action.user
        elif action.kind == "unshelve":
            alarm.shelved_until = alarm.shelved_by = None
        extra = {"until": epoch_iso(now + action.shelve_s)} if action.kind == "shelve" else {}
        alarm.note(now, action.kind, by=action.user, comment=action.comment or None, **who, **extra)
        alarm.updated_t = max(alarm.updated_t, now)
        self.changed.add(alarm.id)
        return None

    @staticmethod
    def _refusal(action: Action, alarm: Alarm, now: float) -> str | None:
        if action.kind == "comment":
            return None  # a note after the fact is welcome on a cleared alarm too
        if not alarm.active:
            return f"alarm {alarm.id} cleared at {epoch_iso(alarm.cleared_t or now)}: there is nothing to {action.kind}"
        if action.kind == "ack" and alarm.ack is not None:
            return f"alarm {alarm.id} was already acknowledged by {alarm.ack['by']} at {alarm.ack['at']}"
        if action.kind == "unshelve" and alarm.shelved_until is None:
            return f"alarm {alarm.id} is not shelved"
        return None

    # -- changelog ---------------------------------------------------------------------------------------

    def take_changes(self) -> tuple[list[Alarm], list[str], bool]:
        """The alarms changed, the ids forgotten and whether the book's own record changed, since the last call."""
        changed = [self.alarms[i] for i in sorted(self.changed) if i in self.alarms]
        forgotten = sorted(self.forgotten)
        meta = self.meta_dirty or bool(forgotten)
        self.changed.clear()
        self.forgotten.clear()
        self.meta_dirty = False
        return changed, forgotten, meta

    def meta(self) -> dict[str, Any]:
        return {"next_seq": self.next_seq, "offsets": self.offsets, "action_ids": list(self.action_ids)}

    def restore_meta(self, doc: Mapping[str, Any]) -> None:
        self.next_seq = max(self.next_seq, int(doc["next_seq"]))
        for where, offset in dict(doc.get("offsets") or {}).items():
            self.offsets[str(where)] = max(int(offset), self.offsets.get(str(where), -1))
        self.action_ids.extend(str(i) for i in doc.get("action_ids") or ())

    def restore_alarm(self, alarm: Alarm) -> None:
        self.alarms[alarm.id] = alarm
        if alarm.active:
            self.active_of[alarm.entity] = alarm.id
        last = self.alarms.get(self.last_of.get(alarm.entity, ""))
        if last is None or last.occurrence <= alarm.occurrence:
            self.last_of[alarm.entity] = alarm.id
        self.next_seq = max(self.next_seq, int(alarm.id.rpartition("-")[2]) + 1)
        self.changed.add(alarm.id)  # republished at the next flush: the alarms topic may lag the changelog

    def drop_alarm(self, alarm_id: str) -> None:
        """A tombstone read at restore."""
        alarm = self.alarms.pop(alarm_id, None)
        if alarm is not None:
            if self.active_of.get(alarm.entity) == alarm_id:
                del self.active_of[alarm.entity]
            if self.last_of.get(alarm.entity) == alarm_id:
                del self.last_of[alarm.entity]
        self.changed.discard(alarm_id)

    def active(self) -> Iterable[Alarm]:
        return (self.alarms[i] for i in self.active_of.values())
