"""The stream processor: records in, rolling state and its changes out. Pure logic over (state, record, clock).

It owns no I/O. The runner feeds it messages with their coordinates and publishes what ``drain`` returns;
tests drive it directly. Guarantees it keeps:

- a bad record yields a ``DeadLetter`` with a reason and changes nothing else;
- replaying a record already reflected in a sensor's state (its offset is at or below the offset stored
  with the state) is recognised and skipped, so at-least-once delivery gives exactly-once state;
- a second record for the same sensor and event time is a duplicate, a record older than the sensor's
  latest by more than the allowed lateness is late; both are dead-lettered;
- a sensor silent for three reporting intervals becomes stale, never OK;
- no input stops a partition: a record whose processing raises anyway is dead-lettered as ``internal_error``
  with the exception's last line, and an entity whose view cannot be published is dropped and rebuilt from
  its next reading, instead of failing the whole flush.

"Now" (staleness, the future-time check) is the wall clock, or with ``simulated_clock`` the simulator's
clock ticks; never the newest event time, which one sensor with a wrong clock could push forward.
"""

from __future__ import annotations

import bisect
import heapq
import logging
import math
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from consumers import contract
from consumers.alarms.actions import decode_action, district_of
from consumers.alarms.book import ALARM_KIND, META_KIND, AlarmBook
from consumers.alarms.conditions import building_condition, incident_condition, sensor_condition
from consumers.citypack import CityPack, SensorSpec
from consumers.clock import Clock, epoch_iso
from consumers.contract import ClockTick, NumberField, Reading, Rejection, json_bytes
from consumers.district_history import KIND as RISK_HISTORY_KIND
from consumers.district_history import RiskHistory
from consumers.district_risk import DistrictRisk, DistrictTally, SensorSummary
from consumers.domain import Domain, SensorModel
from consumers.domains import BY_NAME, BY_SENSOR_TYPE
from consumers.fire.book import CHANGELOG_KIND as INCIDENTS_KIND
from consumers.fire.book import SIGNAL_TYPES as FIRE_SIGNAL_TYPES
from consumers.fire.book import IncidentBook
from consumers.fire.district import FireDistricts, signals
from consumers.fire.hexgrid import RESOLUTION, HexGrid, cell_signals, hexes_view
from consumers.fire.readiness_book import CHANGELOG_KIND as READINESS_KIND
from consumers.fire.readiness_book import ReadinessBook
from consumers.fire.risk import FireInputs, fire_risk
from consumers.rules import Assessment, assess, stale_after_s
from consumers.transport.base import Message
from consumers.transport.memory import default_partition
from consumers.window import SampleWindow

log = logging.getLogger(__name__)

WINDOW_AGE_S = 3600.0
WINDOW_LEN = 240
CHANGELOG_VERSION = 2


@dataclass(frozen=True, slots=True)
class ProcessorConfig:
    """Tolerances of the processor (from ``Settings``)."""

    partitions: int
    future_tolerance_s: float = 300.0
    allowed_lateness_s: float = 1800.0
    simulated_clock: bool = False
    actions_topic: str | None = None
    """Operators' actions on alarms (``consumers.alarms.actions``), consumed beside the inputs."""


@dataclass(frozen=True, slots=True)
class Accepted:
    """The record changed the state."""

    sensor_id: str


@dataclass(frozen=True, slots=True)
class Replayed:
    """The record was already reflected in the restored state (redelivery after a restart)."""

    sensor_id: str


@dataclass(frozen=True, slots=True)
class Clocked:
    """A simulator clock tick moved (or confirmed) the simulated "now"."""

    event_time: float


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """The record is bad; ``rejection`` says why. The original message goes to the dead-letter topic."""

    message: Message
    rejection: Rejection


Outcome = Accepted | Replayed | Clocked | DeadLetter


def last_line(exc: BaseException) -> str:
    """The last line of an exception's traceback (``ValueError: year 0 is out of range``): enough to find it."""
    return traceback.format_exception_only(exc)[-1].strip()


def _epoch(t: datetime) -> float:
    return t.timestamp()


Row = tuple[float, float, dict[str, float | str]]
"""One accepted reading as the changelog keeps it: event time, the score it was given, its values."""


@dataclass(slots=True)
class SensorState:
    """Rolling state of one sensor, restorable from its changelog deltas (see ``Processor.restore``)."""

    spec: SensorSpec
    topic: str
    partition: int
    offset: int
    event_time: float
    values: dict[str, float | str]
    assessment: Assessment
    windows: dict[str, SampleWindow] = field(default_factory=dict)
    scores: SampleWindow = field(default_factory=lambda: SampleWindow(WINDOW_AGE_S, WINDOW_LEN, trend=False))
    """The score given at each accepted reading's time: which times the sensor has (duplicates), and the rows."""
    stale: bool = False
    domain: Domain | None = None
    """The domain that models this sensor type beyond its windows (``consumers.domains``), if any."""
    model: SensorModel | None = None
    model_written_t: float | None = None
    """Event time of the model's newest sample when it last went to the changelog."""
    model_born_t: float | None = None
    """For a model that started from nothing, the event time of its first sample: while the windows still reach
    back to it, everything the model has seen is in them, and a restore rebuilds it from them without a snapshot."""
    unwritten: list[Row] = field(default_factory=list)
    """Readings accepted since the last flush: the next delta."""
    next_seq: int = 0
    live_deltas: deque[tuple[int, float]] = field(default_factory=deque)
    """``(seq, newest event time in it)`` of the deltas in the changelog not yet tombstoned, oldest first."""
    legacy_snapshot: bool = False
    """Restored from a whole-window ``sensor:<id>`` record (changelog v1): the next flush rewrites it as a delta."""
    summary: SensorSummary | None = None
    """What the district score needs of this sensor, kept with the assessment: a district is scored at every
    flush that changed one of its sensors, and at city scale it has thousands."""

    def __post_init__(self) -> None:
        if self.domain is None:
            self.domain = BY_SENSOR_TYPE.get(self.spec.type)

    def apply(self, reading: Reading, offset: int, t: float) -> None:
        self.offset = max(self.offset, offset)
        values = reading.values
        for name, value in values.items():
            if value.__class__ is float:
                window = self.windows.get(name)
                if window is None:
                    window = self.windows[name] = SampleWindow(WINDOW_AGE_S, WINDOW_LEN)
                window.add(t, value)
        if self.model is not None:
            self.model.update(t, values)
        latest = dict(values)  # one copy, shared by the state and the next delta; nobody changes either
        if t >= self.event_time:
            self.event_time = t
            self.values = latest
            self.stale = False
            self.reassess(t)
        self.scores.add(t, self.assessment.score)
        self.unwritten.append((t, self.assessment.score, latest))

    def apply_row(self, row: Row) -> None:
        """Put one changelog row back (restore): windows, scores and, if it is the newest, the latest values.

        Order does not matter: a window is the newest ``WINDOW_LEN`` samples within ``WINDOW_AGE_S`` of its
        newest, whatever order they came in, so rows from any superset of the live deltas rebuild it exactly.
        """
        t, score, values = row
        for name, value in values.items():
            if isinstance(value, float):
                self.windows.setdefault(name, SampleWindow(WINDOW_AGE_S, WINDOW_LEN)).add(t, value)
        self.scores.add(t, score)
        if t >= self.event_time:
            self.event_time = t
            self.values = dict(values)

    def reassess(self, now: float) -> None:
        """Score the latest values; a modelled sensor also through its model, whose state depends on ``now``."""
        assessment = assess(self.spec.type, self.spec.params, self.values)
        if self.model is not None:
            assessment = self.model.assess(assessment, now)
        self.assessment = assessment
        self._summarise()

    def rescore(self, now: float) -> None:
        """Score again after the domain's refresh (``Domain.refresh``), and give the newest reading's row the new
        score: the one it got when it came in was the model's as of the refresh before."""
        self.reassess(now)
        score, t = self.assessment.score, self.event_time
        rows = self.unwritten
        for i in range(len(rows) - 1, -1, -1):
            if rows[i][0] == t:
                rows[i] = (t, score, rows[i][2])
                break
        scores = self.scores
        i = bisect.bisect_left(scores.times, t)
        if i < len(scores.times) and scores.times[i] == t:
            scores.values[i] = score  # the scores window keeps no running sums (``trend=False``)

    def mark_stale(self, stale: bool, now: float) -> None:
        self.stale = stale
        if self.model is not None:
            self.reassess(now)  # a model's state may depend on the silence (a silent gauge is a gap fault)
        else:
            self._summarise()

    def _summarise(self) -> None:
        a = self.assessment
        self.summary = SensorSummary(self.spec.id, self.spec.type, a.score, self.stale, a.reason)

    def view(self) -> dict[str, Any]:
        """The read-only view published to the state topic (small: no sample history)."""
        stats = {}
        for name, window in self.windows.items():
            values = window.values
            if values:  # what ``window.stats()`` says, without building it: this runs once per reading at scale
                rate = window.rate_per_hour()
                rate = None if rate is None else round(rate, 4)
                stats[name] = {"min": min(values), "max": max(values), "rate_per_h": rate, "n": len(values)}
        return {
            "kind": "sensor",
            "id": self.spec.id,
            "type": self.spec.type,
            "district": self.spec.district,
            "event_time": epoch_iso(self.event_time),
            "values": self.values,
            "score": self.assessment.score,
            "level": self.assessment.level,
            "reason": self.assessment.reason,
            "stale": self.stale,
            "stats": stats,
            **self._model_view(),
        }

    def _model_view(self) -> dict[str, Any]:
        if self.model is None or self.domain is None:
            return {}
        view = self.model.view()
        return {} if view is None else {self.domain.name: view}

    def delta_records(self) -> list[tuple[bytes, bytes | None]]:
        """The changelog records for what changed since the last flush: one delta with the readings accepted
        since, and tombstones for older deltas none of whose readings is in a window any more.

        Why deltas: rewriting whole windows (240 samples a field) every flush made the changelog, and the time
        to encode it, grow with the number of sensors changed per flush; a delta costs what its readings do.
        """
        rows = self.unwritten
        if self.legacy_snapshot:
            rows = self._window_rows()
        if not rows:
            return []
        self.unwritten = []
        seq = self.next_seq
        self.next_seq += 1
        out: list[tuple[bytes, bytes | None]] = [(_delta_key(self.spec.id, seq), json_bytes(self._delta(rows)))]
        if self.legacy_snapshot:
            out.append((f"sensor:{self.spec.id}".encode(), None))
            self.legacy_snapshot = False
        live = self.live_deltas
        live.append((seq, rows[0][0] if len(rows) == 1 else max(t for t, _, _ in rows)))
        # The scores window holds every accepted reading's time, so a delta newer than its oldest is alive whatever
        # the other windows hold: the minimum over all windows is needed only when that cheap test fails.
        if len(live) > 1 and (not self.scores.times or live[0][1] < self.scores.times[0]):
            oldest_kept = self._oldest_in_windows()
            while len(live) > 1 and live[0][1] < oldest_kept:
                out.append((_delta_key(self.spec.id, live.popleft()[0]), None))
        return out

    def _delta(self, rows: list[Row]) -> dict[str, Any]:
        return {"v": CHANGELOG_VERSION, "tp": self.topic, "o": self.offset, "r": rows}

    def _oldest_in_windows(self) -> float:
        """The oldest event time still in any window: a delta whose readings are all older is dead."""
        return min(w.times[0] for w in (self.scores, *self.windows.values()) if w.times)

    def _window_rows(self) -> list[Row]:
        """Rows rebuilt from the windows, for rewriting a v1 snapshot as a delta: each scored time with the
        numbers measured then, and the newest with the latest values (which hold the status fields too)."""
        rows: list[Row] = []
        for t, score in zip(self.scores.times, self.scores.values, strict=True):
            if t == self.event_time:
                rows.append((t, score, dict(self.values)))
                continue
            values: dict[str, float | str] = {}
            for name, window in self.windows.items():
                i = bisect.bisect_left(window.times, t)
                if i < len(window.times) and window.times[i] == t:
                    values[name] = window.values[i]
            rows.append((t, score, values))
        return rows

    def model_snapshot_due(self) -> bool:
        """Whether the model must go to the changelog now: when the windows no longer reach back to the last
        sample it was written with (or, for a model that started from nothing, to its first), so that a restore
        could no longer replay the samples since from them. Until then a snapshot would only repeat what the
        deltas hold: a gauge reporting every five minutes is written about once an hour of event time (a fixed
        ten minutes wrote its 12 KB model at every other reading), and a fast one as often as its windows, bounded
        by their count, need.

        A restored model is written at the next flush (``settle_after_restore``)."""
        model = self.model
        if model is None or self.domain is None or model.newest_t is None:
            return False
        covered_from = self.model_written_t if self.model_written_t is not None else self.model_born_t
        if covered_from is None:
            return True
        since = model.replayable_since(self.windows)
        return since is None or since > covered_from

    def model_snapshot(self) -> tuple[bytes, bytes] | None:
        """The model's changelog record, ``<domain>:<id>``, when one is due; counted as written."""
        if not self.model_snapshot_due():
            return None
        assert self.model is not None and self.domain is not None
        record = f"{self.domain.name}:{self.spec.id}".encode(), json_bytes(self.model.snapshot())
        self.model_written_t = self.model.newest_t
        return record

    def settle_after_restore(self, model: SensorModel | None) -> None:
        """Finish a restored state: a modelled sensor gets its model (the restored one, or a fresh one fed from
        the windows) brought up to the windows' newest sample; then the latest values are scored again."""
        domain = self.domain
        if domain is not None:
            if model is not None:
                self.model, self.model_born_t = model, None
            elif self.model is None:
                self.model = domain.new(self.spec)
                self.model_born_t = self.model.replayable_since(self.windows)
            self.model_written_t = None  # the next flush writes the rebuilt model
            self.model.replay(self.windows)
        self.reassess(self.event_time)


def _delta_key(sensor_id: str, seq: int) -> bytes:
    return f"delta:{sensor_id}:{seq}".encode()


MAX_INTERNAL_ERRORS_KEPT = 10


@dataclass(frozen=True, slots=True)
class Changes:
    """What to publish after a batch: changelog records (with their partition) and state-view records."""

    changelog: list[tuple[bytes, bytes | None, int]]
    state: list[tuple[bytes, bytes | None]]
    alarms: list[tuple[bytes, bytes | None]] = field(default_factory=list)
    """For ``city.alarms``."""


class Processor:
    """Rolling state for the partitions this process owns."""

    def __init__(self, pack: CityPack, config: ProcessorConfig, clock: Clock) -> None:
        self.pack = pack
        self.config = config
        self.clock = clock
        self.sensors: dict[str, SensorState] = {}
        self.owned: set[int] = set()
        self.watermark: float | None = None
        """Newest event time of any accepted reading: shown as the picture's "last data", never used as now."""
        self.sim_now: float | None = None
        self.sim_speed: float | None = None
        self.consumed: Counter[str] = Counter()
        self.deadlettered: Counter[str] = Counter()
        self.replayed = 0
        self.internal_errors: list[str] = []
        """The last few internal errors (bounded), for ``/health``: each is a bug to fix, not bad input."""
        self._future_limit = -math.inf
        """Event times up to this are not in the future (see ``_check``)."""
        self._dirty_sensors: set[str] = set()
        self._unrefreshed: set[str] = set()
        """Sensors of a domain with a ``refresh`` whose model took input since the last flush."""
        self._pending_models: dict[str, SensorModel] = {}
        self._dirty_districts: set[str] = set()
        self._district_partition = {
            code: default_partition(code.encode(), config.partitions) for code in pack.districts
        }
        self._tallies = {code: self._new_tally(code) for code in pack.districts}
        self.incidents = IncidentBook(pack)
        """Smoke and fire incidents of the districts owned (``consumers.fire``)."""
        self._fire_districts = FireDistricts(pack)
        self._hexgrid = HexGrid(pack)
        self._hexes_published: dict[str, dict[str, Any]] = {}
        """The last ``hexes:<district>`` record published, so that an unchanged grid is not written again."""
        self.readiness = ReadinessBook(pack)
        """The readiness of the public buildings of the districts owned (``consumers.fire.readiness``)."""
        self.alarms = AlarmBook(pack.districts)
        self.risk_history = RiskHistory()
        """Each district's risk over the last day, for its page (``consumers.district_history``)."""
        """The alarms of the districts owned, raised from the views published (``consumers.alarms``)."""
        self._untallied: set[str] = set()
        """Sensors created, changed or dropped since their district's tally last heard of them."""
        self._stale_checks: list[tuple[float, str]] = []
        """A heap of (when to look, sensor id): when a sensor may go stale. One entry a sensor at most (see
        ``tick``), so a flush looks at the sensors due, not at the whole city."""
        self._scheduled: set[str] = set()
        self._last_tick_now = -math.inf

    # -- ownership -------------------------------------------------------------------------------------

    def districts_of(self, partitions: Iterable[int]) -> list[str]:
        wanted = set(partitions)
        return [code for code, p in self._district_partition.items() if p in wanted]

    def assign(self, partitions: Iterable[int]) -> None:
        """Take ownership of partitions (after their changelog was restored)."""
        new = set(partitions) - self.owned
        self.owned |= new
        self._dirty_districts.update(self.districts_of(new))

    def revoke(self, partitions: Iterable[int]) -> None:
        """Forget the state of partitions another process now owns."""
        gone = set(partitions)
        self.owned -= gone
        for sensor_id in [s for s, st in self.sensors.items() if st.partition in gone]:
            del self.sensors[sensor_id]
            self._dirty_sensors.discard(sensor_id)
            self._unrefreshed.discard(sensor_id)
            self._untallied.add(sensor_id)
        self._dirty_districts -= set(self.districts_of(gone))
        self.incidents.forget(self.districts_of(gone))
        self.readiness.forget(self.districts_of(gone))
        self.alarms.forget(self.districts_of(gone))
        self.risk_history.forget(self.districts_of(gone))
        for code in self.districts_of(gone):
            self._hexes_published.pop(code, None)  # another process publishes it now; ours is not the topic's
        self._pending_models.clear()

    def restore(self, messages: Iterable[Message]) -> int:
        """Rebuild sensor states from changelog records (called batch by batch); returns how many were applied.

        A sensor's readings are in ``delta:<id>:<seq>`` records, applied in any order (a window does not depend
        on the order of its samples), tombstones included or not (a tombstoned delta's readings are all older
        than its windows keep). A domain's model of a sensor (a gauge's river model) is in ``<domain>:<id>``
        (``river:<id>``): read first, it waits for its sensor; read after, it replaces the model rebuilt so far.
        A ``sensor:<id>`` record is a whole-window snapshot of changelog v1, read for the upgrade and rewritten as a
        delta at the next flush.
        """
        applied = 0
        touched: dict[str, SensorState] = {}
        models: dict[str, SensorModel] = {}
        for message in messages:
            kind, _, rest = (message.key or b"").decode(errors="replace").partition(":")
            if kind == RISK_HISTORY_KIND:
                if rest in self.pack.districts:
                    self.risk_history.restore(rest, None if message.value is None else _loads(message.value))
                applied += 1
                continue
            if kind in (ALARM_KIND, META_KIND):
                self.alarms.restore(kind, rest, None if message.value is None else _loads(message.value))
                applied += 1
                continue
            if kind in (INCIDENTS_KIND, READINESS_KIND):
                book = self.incidents if kind == INCIDENTS_KIND else self.readiness
                book.restore(rest, None if message.value is None else _loads(message.value))
                applied += 1
                continue
            sensor_id, seq_text = rest.rpartition(":")[::2] if kind == "delta" else (rest, "")
            spec = self.pack.sensors.get(sensor_id)
            domain = BY_NAME.get(kind)
            if (
                spec is None
                or (kind not in ("delta", "sensor") and (domain is None or spec.type not in domain.sensor_types))
                or (kind == "delta" and not seq_text.isdigit())
            ):
                continue  # the city pack no longer has this sensor, or a key this version does not know
            existing = self.sensors.get(sensor_id)
            if message.value is None:
                if domain is not None:
                    self._pending_models.pop(sensor_id, None)
                elif kind == "delta" and existing is not None:
                    seq = int(seq_text)
                    existing.live_deltas = deque(d for d in existing.live_deltas if d[0] != seq)
                continue
            doc = _loads(message.value)
            if domain is not None:
                model = domain.restore(spec, doc)
                if existing is None:
                    self._pending_models[sensor_id] = model
                    continue
                models[sensor_id] = model
                state = existing
            elif kind == "sensor":
                state = self._restore_v1(spec, doc, message.partition, existing)
            else:
                state = self._restore_delta(spec, doc, message.partition, int(seq_text), existing)
            self.sensors[sensor_id] = touched[sensor_id] = state
            self.watermark = max(self.watermark or state.event_time, state.event_time)
            applied += 1
        for sensor_id, state in touched.items():
            state.settle_after_restore(models.get(sensor_id) or self._pending_models.pop(sensor_id, None))
            if state.domain is not None and state.domain.refresh is not None:
                self._unrefreshed.add(sensor_id)
        self._untallied.update(touched)
        return applied

    @staticmethod
    def _restore_delta(
        spec: SensorSpec, doc: Mapping[str, Any], partition: int, seq: int, state: SensorState | None
    ) -> SensorState:
        rows: list[Row] = [(float(t), float(score), dict(values)) for t, score, values in doc["r"]]
        if state is None:
            t, _, values = rows[0]
            state = SensorState(
                spec, str(doc["tp"]), partition, int(doc["o"]), t, values, assess(spec.type, spec.params, values)
            )
        state.topic, state.partition = str(doc["tp"]), partition
        state.offset = max(state.offset, int(doc["o"]))
        for row in rows:
            state.apply_row(row)
        state.next_seq = max(state.next_seq, seq + 1)
        bisect.insort(state.live_deltas, (seq, max(t for t, _, _ in rows)))
        return state

    @staticmethod
    def _restore_v1(
        spec: SensorSpec, snap: Mapping[str, Any], partition: int, state: SensorState | None
    ) -> SensorState:
        values = dict(snap["values"])
        if state is None:
            t = float(snap["event_time"])
            assessment = assess(spec.type, spec.params, values)
            state = SensorState(spec, str(snap["topic"]), partition, -1, t, values, assessment)
        state.offset = max(state.offset, int(snap["offset"]))
        for name, w in snap["windows"].items():
            window = state.windows.setdefault(name, SampleWindow(WINDOW_AGE_S, WINDOW_LEN))
            for t, v in zip(w["t"], w["v"], strict=True):
                window.add(float(t), float(v))
        for t, v in zip(snap["scores"]["t"], snap["scores"]["v"], strict=True):
            state.scores.add(float(t), float(v))
        if float(snap["event_time"]) >= state.event_time:
            state.event_time, state.values = float(snap["event_time"]), values
        domain = state.domain
        if domain is not None and snap.get(domain.name) is not None and state.model is None:
            state.model = domain.restore(spec, snap[domain.name])
        state.legacy_snapshot = True
        return state

    # -- records ---------------------------------------------------------------------------------------

    def now(self) -> float:
        """The wall clock; with a simulated clock, the newest simulator tick (the wall clock before the first)."""
        if self.config.simulated_clock and self.sim_now is not None:
            return self.sim_now
        return _epoch(self.clock.now())

    def process(self, message: Message) -> Outcome:
        try:
            outcome = self._process(message)
        except Exception as exc:  # one record must never stop its partition (module doc)
            log.exception("internal error on %s/%d@%d", message.topic, message.partition, message.offset)
            outcome = DeadLetter(message, Rejection("internal_error", last_line(exc)))
            self._note_internal_error(f"{message.topic}/{message.partition}@{message.offset}: {last_line(exc)}")
            self._forget_broken(message)
        if isinstance(outcome, DeadLetter):
            self.deadlettered[outcome.rejection.code] += 1
        elif isinstance(outcome, Replayed):
            self.replayed += 1
        else:
            self.consumed[message.topic] += 1
        return outcome

    def _process(self, message: Message) -> Outcome:
        if message.topic == self.config.actions_topic:
            return self._process_action(message)
        decoded = contract.decode(message.value)
        if isinstance(decoded, Rejection):
            return DeadLetter(message, decoded)
        if isinstance(decoded, ClockTick):
            return self._tick_clock(message, decoded)
        reading = decoded
        t = _epoch(reading.event_time)
        if reading.type == contract.REPORT_TYPE:
            return self._process_call(message, reading, t)
        rejection = self._check(message, reading, t)
        if rejection is not None:
            return DeadLetter(message, rejection)
        spec = self.pack.sensors[reading.sensor_id]
        state = self.sensors.get(spec.id)
        if state is not None:
            if (state.topic, state.partition) == (message.topic, message.partition) and message.offset <= state.offset:
                return Replayed(spec.id)
            if state.scores.contains_time(t) or t == state.event_time:
                return DeadLetter(
                    message,
                    Rejection("duplicate", f"{spec.id} already has a reading at {reading.event_time.isoformat()}"),
                )
            if t < state.event_time - self.config.allowed_lateness_s:
                late_by = timedelta(seconds=state.event_time - t)
                return DeadLetter(
                    message,
                    Rejection(
                        "late", f"{spec.id} reading is {late_by} older than its latest ({epoch_iso(state.event_time)})"
                    ),
                )
            was_silent = state.stale
            state.apply(reading, message.offset, t)
        else:
            assessment = assess(spec.type, spec.params, reading.values)
            state = SensorState(
                spec, message.topic, message.partition, message.offset, t, dict(reading.values), assessment
            )
            if state.domain is not None:
                state.model, state.model_born_t = state.domain.new(spec), t
            was_silent = True
            state.apply(reading, message.offset, t)
            self.sensors[spec.id] = state
        self.watermark = t if self.watermark is None else max(self.watermark, t)
        self.incidents.reading(spec, message.topic, message.partition, message.offset, t, reading.values)
        self.readiness.reading(spec, t, reading.values)
        if was_silent:
            self.readiness.touch(spec)  # a device heard from again may end its building's "unknown"
        if state.domain is not None and state.domain.refresh is not None:
            self._unrefreshed.add(spec.id)
        self._dirty_sensors.add(spec.id)
        self._untallied.add(spec.id)
        self._dirty_districts.add(spec.district)
        return Accepted(spec.id)

    def _process_call(self, message: Message, reading: Reading, t: float) -> Outcome:
        """A citizen's call goes to its district's incidents, not to a sensor: checked like a reading (district,
        key, partition, topic, time) and for where it says it is."""
        call_id = reading.sensor_id
        if reading.district not in self.pack.districts:
            return DeadLetter(
                message,
                Rejection("unknown_district", f"district {contract.quoted(reading.district)} is not in the pack"),
            )
        rejection = self._check_route(message, reading, t)
        if rejection is not None:
            return DeadLetter(message, rejection)
        lon, lat = float(reading.values["lon"]), float(reading.values["lat"])
        misplaced = self.pack.place(reading.district, lon, lat)
        if misplaced == "outside_city":
            return DeadLetter(
                message, Rejection(misplaced, f"call {call_id} at {lat:.5f}, {lon:.5f} is outside the city")
            )
        if misplaced is not None:
            return DeadLetter(
                message, Rejection(misplaced, f"call {call_id} at {lat:.5f}, {lon:.5f} is not in {reading.district}")
            )
        if self.incidents.seen(reading.district, message.topic, message.partition, message.offset):
            return Replayed(call_id)
        if not self.incidents.call(
            reading.district, call_id, message.topic, message.partition, message.offset, t, reading.values
        ):
            return DeadLetter(message, Rejection("duplicate", f"call {call_id} was already taken"))
        self.watermark = t if self.watermark is None else max(self.watermark, t)
        return Accepted(call_id)

    def _process_action(self, message: Message) -> Outcome:
        """An operator's action on an alarm: checked, then applied by the book of the alarm's district, which
        refuses what does not apply (a cleared alarm, one not known) and takes each offset once."""
        action = decode_action(message.value)
        if isinstance(action, Rejection):
            return DeadLetter(message, action)
        district = district_of(action.alarm)
        key = None if message.key is None else message.key.decode(errors="replace")
        if district not in self.pack.districts:
            return DeadLetter(
                message, Rejection("unknown_alarm", f"alarm {action.alarm} is of no district in the pack")
            )
        if key != district:
            return DeadLetter(
                message, Rejection("key_mismatch", f"action key {contract.quoted(key)} is not its district {district}")
            )
        if message.partition != self._district_partition[district]:
            return DeadLetter(
                message,
                Rejection("wrong_partition", f"key {key} belongs in partition {self._district_partition[district]}"),
            )
        where = f"{message.topic}/{message.partition}"
        if self.alarms.seen(district, where, message.offset):
            return Replayed(action.id)
        refusal = self.alarms.act(district, action, where, message.offset, self.now())
        if refusal is not None:
            return DeadLetter(message, Rejection("refused", refusal))
        return Accepted(action.id)

    def _tick_clock(self, message: Message, tick: ClockTick) -> Outcome:
        if not self.config.simulated_clock:
            return DeadLetter(
                message,
                Rejection("clock_refused", "a simulator clock record, but consumers run on the wall clock"),
            )
        t = _epoch(tick.event_time)
        self.sim_now = t if self.sim_now is None else max(self.sim_now, t)
        self.sim_speed = tick.speed
        self._future_limit = -math.inf  # the first tick replaces the wall clock, which may be ahead of it
        return Clocked(t)

    def _note_internal_error(self, text: str) -> None:
        self.internal_errors = [*self.internal_errors[-(MAX_INTERNAL_ERRORS_KEPT - 1) :], text[:300]]

    def _forget_broken(self, message: Message) -> None:
        """After an internal error, drop the state the record may have half-changed; its next reading rebuilds it."""
        try:
            decoded = contract.decode(message.value)
            if isinstance(decoded, Reading) and decoded.sensor_id in self.sensors:
                del self.sensors[decoded.sensor_id]
                self._untallied.add(decoded.sensor_id)
                self._dirty_districts.add(self.pack.sensors[decoded.sensor_id].district)
        except Exception:  # already handling an internal error; logged
            log.exception("could not drop the state touched by a broken record")

    def _check(self, message: Message, reading: Reading, t: float) -> Rejection | None:
        spec = self.pack.sensors.get(reading.sensor_id)
        if spec is None:
            return Rejection(
                "unknown_sensor", f"sensor {reading.sensor_id!r} is not in the {self.pack.name_en} city pack"
            )
        if spec.type != reading.type:
            return Rejection("sensor_type_mismatch", f"{spec.id} is a {spec.type}, record says {reading.type}")
        if spec.district != reading.district:
            return Rejection("district_mismatch", f"{spec.id} is in {spec.district}, record says {reading.district}")
        return self._check_route(message, reading, t)

    def _check_route(self, message: Message, reading: Reading, t: float) -> Rejection | None:
        """Whether a record of a known district came keyed, partitioned and on the topic as produced, and is not
        from the future."""
        key = None if message.key is None else message.key.decode(errors="replace")
        if key != reading.district:
            quoted_key = contract.quoted(key)
            return Rejection("key_mismatch", f"record key {quoted_key} is not its district {reading.district}")
        expected_partition = self._district_partition[reading.district]
        if message.partition != expected_partition:
            return Rejection(
                "wrong_partition",
                f"key {key} belongs in partition {expected_partition} (murmur2), record came on {message.partition}: "
                "set the producer's partitioner to murmur2 (librdkafka: partitioner=murmur2_random)",
            )
        expected_topic_domain = contract.topic_suffix(reading.type)
        if not message.topic.endswith("." + expected_topic_domain):
            return Rejection("wrong_topic", f"{reading.type} records belong on the {expected_topic_domain} topic")
        if t > self._future_limit:
            # "Now" only moves forward, so a time within the limit computed for an earlier record is within the
            # current one: the clock is read only for times beyond it (reading it for every record was a tenth of
            # the processor's time).
            self._future_limit = self.now() + self.config.future_tolerance_s
        limit = self._future_limit
        if t > limit:
            return Rejection(
                "future_timestamp",
                f"event_time {reading.event_time.isoformat()} is more than "
                f"{self.config.future_tolerance_s:g} s ahead of {epoch_iso(limit - self.config.future_tolerance_s)}",
            )
        return None

    # -- output ----------------------------------------------------------------------------------------

    def tick(self) -> None:
        """Re-evaluate staleness against event-time now; a sensor that went silent changes its view.

        Only the sensors due are looked at: each fresh sensor has one entry in a heap, at the time it would go
        stale if it heard nothing more; when that comes, it is stale, or it has heard since and is put back at its
        new time. Should now go backwards (the wall clock set back), every sensor is looked at again, since a
        stale one may be fresh then.
        """
        now = self.now()
        self._schedule_stale_checks()
        if now < self._last_tick_now:
            self._recheck_all(now)
        self._last_tick_now = now
        heap, sensors = self._stale_checks, self.sensors
        while heap and heap[0][0] <= now:
            _, sensor_id = heapq.heappop(heap)
            state = sensors.get(sensor_id)
            if state is None:
                self._scheduled.discard(sensor_id)
                continue
            limit = stale_after_s(state.spec.type)
            if now - state.event_time > limit:
                self._scheduled.discard(sensor_id)
                if not state.stale:
                    self._set_stale(state, True, now)
            else:  # heard from since: look again when it may go stale next (never at now, which would loop)
                heapq.heappush(heap, (max(state.event_time + limit, math.nextafter(now, math.inf)), sensor_id))

    def _schedule_stale_checks(self) -> None:
        """Give every sensor that changed and has no entry in the staleness heap one."""
        for sensor_id in self._untallied - self._scheduled:
            state = self.sensors.get(sensor_id)
            if state is not None and not state.stale:
                heapq.heappush(self._stale_checks, (state.event_time + stale_after_s(state.spec.type), sensor_id))
                self._scheduled.add(sensor_id)

    def _recheck_all(self, now: float) -> None:
        for state in self.sensors.values():
            stale = now - state.event_time > stale_after_s(state.spec.type)
            if stale != state.stale:
                self._set_stale(state, stale, now)
        self._schedule_stale_checks()

    def _set_stale(self, state: SensorState, stale: bool, now: float) -> None:
        state.mark_stale(stale, now)
        self.readiness.touch(state.spec)
        sensor_id = state.spec.id
        self._dirty_sensors.add(sensor_id)
        self._untallied.add(sensor_id)
        self._dirty_districts.add(state.spec.district)

    def _sensor_records(
        self, sensor_id: str, s: SensorState
    ) -> tuple[list[tuple[bytes, bytes | None, int]], tuple[bytes, bytes | None]]:
        changelog = [(key, value, s.partition) for key, value in s.delta_records()]
        snapshot = s.model_snapshot()
        if snapshot is not None:
            changelog.append((*snapshot, s.partition))
        return changelog, (f"sensor:{sensor_id}".encode(), json_bytes(s.view()))

    def district(self, code: str) -> DistrictRisk:
        return self._district(code)[0]

    def _new_tally(self, code: str) -> DistrictTally:
        return DistrictTally([(spec.id, spec.type) for spec in self.pack.sensors_in_district(code)])

    def _district(self, code: str) -> tuple[DistrictRisk, float | None]:
        """The district's score, and the newest event time of its sensors."""
        self._update_tallies()
        tally = self._tallies[code]
        return tally.risk(), tally.newest

    def _refresh_models(self) -> None:
        """Run each domain's ``refresh`` over the models that took input since the last one, and score those
        sensors again. A refresh that raises is retried model by model, so that one broken sensor is dropped
        (rebuilt from its next reading) instead of failing every line of the flush."""
        if not self._unrefreshed:
            return
        by_domain: dict[Domain, list[SensorState]] = {}
        for sensor_id in sorted(self._unrefreshed):
            state = self.sensors.get(sensor_id)
            if state is not None and state.model is not None and state.domain is not None:
                by_domain.setdefault(state.domain, []).append(state)
        self._unrefreshed.clear()
        now = self.now()
        for domain, states in by_domain.items():
            refresh = domain.refresh
            if refresh is None:
                continue
            try:
                refresh([s.model for s in states if s.model is not None])
            except Exception:
                log.exception("a %s refresh failed; retrying its models one by one", domain.name)
                states = [s for s in states if self._refresh_one(refresh, s)]
            for state in states:
                state.rescore(now)
                self._untallied.add(state.spec.id)
                self._dirty_districts.add(state.spec.district)

    def _refresh_one(self, refresh: Callable[[Sequence[SensorModel]], None], state: SensorState) -> bool:
        try:
            refresh([state.model] if state.model is not None else [])
            return True
        except Exception as exc:
            log.exception("cannot refresh sensor %s; dropping its state", state.spec.id)
            self._drop_broken(state, exc)
            return False

    def _drop_broken(self, state: SensorState, exc: Exception) -> None:
        """Forget a sensor whose state cannot be refreshed or published: counted and noted as an internal error,
        rebuilt from its next reading (module doc)."""
        sensor_id = state.spec.id
        self.deadlettered["internal_error"] += 1
        self._note_internal_error(f"sensor {sensor_id}: {last_line(exc)}")
        del self.sensors[sensor_id]
        self._dirty_sensors.discard(sensor_id)
        self._untallied.add(sensor_id)
        self._dirty_districts.add(state.spec.district)
        self.readiness.touch(state.spec)

    def _update_tallies(self) -> None:
        """Tell each district's tally of its sensors that changed, appeared or went since it last heard."""
        self._refresh_models()
        if not self._untallied:
            return
        self._schedule_stale_checks()  # before the set is cleared: these are the sensors whose times moved
        sensors, specs = self.sensors, self.pack.sensors
        for sensor_id in self._untallied:
            tally = self._tallies[specs[sensor_id].district]
            state = sensors.get(sensor_id)
            if state is None or state.summary is None:
                tally.forget(sensor_id)
            else:
                tally.update(state.summary, state.event_time)
        self._untallied.clear()

    def district_view(self, code: str) -> dict[str, Any]:
        return self._district_records(code)[0]

    def _district_records(self, code: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The district's view, and its hex grid's record (None for a district without a grid)."""
        d, newest = self._district(code)
        district = self.pack.districts[code]
        readiness = self.readiness.summary(code)
        fire = None
        hexes = None
        if d.risk is not None:  # no fire risk where nothing reports: the city's weather alone would paint it safe
            incidents = self.incidents.open_in(code)
            notable = signals(self._tallies[code].notable(), incidents[2], self._line_share)
            inputs = self._fire_districts.inputs(code, notable, incidents, readiness["counts"], self._fresh_values)
            fire = fire_risk(inputs)
            if code in self._hexgrid.cells_of:
                cells = cell_signals(
                    self._hexgrid, notable, self.incidents.open_places(code), code, self.readiness.states_in(code)
                )
                hexes = hexes_view(
                    code, FireInputs(air_c=inputs.air_c, wind_m_s=inputs.wind_m_s, rain_mm_h=inputs.rain_mm_h), cells
                )
        elif code in self._hexgrid.cells_of:
            hexes = {"kind": "hexes", "district": code, "resolution": RESOLUTION, "background": None, "cells": {}}
        view = {
            "kind": "district",
            "code": code,
            "name_en": district.name_en,
            "name_zh": district.name_zh,
            "risk": d.risk,
            "level": d.level,
            "domains": d.domains,
            "counts": d.counts,
            "worst_sensor": d.worst_sensor,
            "worst_reason": d.worst_reason,
            "reasons": d.reasons,
            "sensors": d.sensors,
            "fresh": d.fresh,
            "readiness": readiness,
            "fire_risk": None if fire is None else {"score": fire.score, "parts": fire.parts},
            "event_time": None if newest is None else epoch_iso(newest),
        }
        return view, hexes

    def drain(self) -> Changes:
        """The changelog and view records for everything changed since the last drain."""
        self.tick()
        self._refresh_models()
        self.incidents.tick(self.now())
        self._dirty_districts |= self.incidents.changed_districts()  # their fire risk changes with them
        self._fire_districts.new_flush()
        incident_changelog, incident_state = self.incidents.drain(self._district_partition)
        readiness_changelog, readiness_state, districts = self.readiness.drain(
            self._heard, self._district_partition, lambda code: self._district_partition[code] in self.owned
        )
        self._dirty_districts |= districts
        changelog: list[tuple[bytes, bytes | None, int]] = []
        state: list[tuple[bytes, bytes | None]] = []
        now = self.now()
        sources: dict[str, dict[str, str]] = {}
        """Per district, the cameras and detectors of its open incidents (their alarms are grouped under them)."""
        for sensor_id in sorted(self._dirty_sensors):
            s = self.sensors.get(sensor_id)
            if s is None:
                continue
            try:
                records = self._sensor_records(sensor_id, s)
            except Exception as exc:  # one broken entity must not fail the whole flush
                log.exception("cannot publish sensor %s; dropping its state", sensor_id)
                self._drop_broken(s, exc)
                continue
            changelog += records[0]
            state.append(records[1])
            self._observe_sensor(s, now, sources)
        self._observe_views(incident_state + readiness_state, now)
        self.alarms.tick(now)
        alarm_changelog, alarms = self.alarms.drain(self._district_partition)
        for code in sorted(self._dirty_districts):
            if self._district_partition[code] in self.owned:
                view, hexes = self._district_records(code)
                state.append((f"district:{code}".encode(), json_bytes(view)))
                fire = view["fire_risk"]
                self.risk_history.observe(code, now, view["risk"], None if fire is None else fire["score"])
                if hexes is not None and self._hexes_published.get(code) != hexes:
                    self._hexes_published[code] = hexes
                    state.append((f"hexes:{code}".encode(), json_bytes(hexes)))
        self._dirty_sensors.clear()
        self._dirty_districts.clear()
        history_changelog, history_state = self.risk_history.drain(self._district_partition)
        return Changes(
            changelog + incident_changelog + readiness_changelog + alarm_changelog + history_changelog,
            state + incident_state + readiness_state + history_state,
            alarms,
        )

    def _observe_sensor(self, s: SensorState, now: float, sources: dict[str, dict[str, str]]) -> None:
        if s.stale:
            return  # a silent sensor says nothing new: its alarm, if any, stays as it is (consumers.alarms.conditions)
        spec, a = s.spec, s.assessment
        incident = None
        if spec.type in FIRE_SIGNAL_TYPES and a.level in ("warning", "alarm"):
            district_sources = sources.get(spec.district)
            if district_sources is None:
                district_sources = sources[spec.district] = self.incidents.sources_of_open(spec.district)
            incident = district_sources.get(spec.id)
        condition = sensor_condition(spec.id, spec.type, a.level, a.reason, spec.lat, spec.lon, s.event_time, incident)
        self.alarms.observe(spec.district, f"sensor:{spec.id}", condition, now)

    def _observe_views(self, records: Iterable[tuple[bytes, bytes | None]], now: float) -> None:
        """Incidents and buildings published in this flush, as the alarms' conditions."""
        for key, value in records:
            kind, _, entity_id = key.decode().partition(":")
            if kind == "incident":
                doc = None if value is None else _loads(value)
                entity = key.decode()
                district = self.alarms.district_of_entity(entity) if doc is None else str(doc["district"])
                if district is not None:
                    self.alarms.observe(district, entity, None if doc is None else incident_condition(doc), now)
            elif kind == "building":
                building = self.pack.buildings.get(entity_id)
                if building is not None:
                    doc = None if value is None else _loads(value)
                    condition = None if doc is None else building_condition(doc, building.lat, building.lon)
                    self.alarms.observe(building.district, key.decode(), condition, now)

    def _fresh_values(self, sensor_id: str) -> Mapping[str, float | str] | None:
        state = self.sensors.get(sensor_id)
        return None if state is None or state.stale else state.values

    def _line_share(self, sensor_id: str) -> float | None:
        """A line's load as a share of its rating for the weather now, as its domain publishes it."""
        state = self.sensors.get(sensor_id)
        part = None if state is None else state._model_view().get("grid")
        share = None if part is None else part.get("share")
        return float(share) if isinstance(share, int | float) else None

    def _heard(self, sensor_id: str) -> tuple[bool, bool]:
        """Whether a sensor was heard from, and whether it is silent now (stale)."""
        state = self.sensors.get(sensor_id)
        return (False, True) if state is None else (True, state.stale)


def _loads(raw: bytes) -> Any:
    return orjson.loads(raw)


def number_fields(sensor_type: str) -> list[str]:
    """The numeric measurement names of a record type (for charts and exports)."""
    return [f.name for f in contract.RECORD_TYPES[sensor_type].fields if isinstance(f, NumberField)]
