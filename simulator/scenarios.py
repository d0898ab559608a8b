"""Scenarios as data: one JSON file per scenario in the city pack's ``scenarios/`` folder.

A guide adds a scenario by adding a file (``assets/city/guiyang/scenarios/README.md`` gives the format): its
title and summary in English, German and Chinese, the hour it starts at, its seed, default speed and length, its
key moment and where the wall should look then, declarative ``steps`` (a fire seen by cameras, a flood wave down a
river, a dry spell, a surge or a sudden loss on named sensors) and the guide's notes. A scenario whose consumers need
days of one kind of reading before they can say anything (the river model's drought warnings) names that as its
``history``: a run of it starts with those hours of those sensors' readings already published (``simulator.show``).

Loading checks the file's shape and fails with a ``ScenarioError`` naming the file and the field; resolving the
steps against a city pack (``Scenario.incidents``) checks every building and sensor the same way. The incidents
are ``simulator.model``'s: the same ``Incident`` and ``FireScene`` as the built-in scenarios, so a file that says
what a built-in scenario did plays exactly like it (``tests/simulator/test_scenarios.py``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from consumers.citypack import CityPack, SensorSpec
from consumers.contract import SENSOR_TYPES
from simulator.model import Call, FireScene, Incident

SCENARIO_DIR = "scenarios"
LANGUAGES = ("en", "de", "zh")
"""Every title, summary and note is written in these languages."""
MIN_SPEED, MAX_SPEED = 1.0, 600.0
"""The speeds a show plays at (``simulator.show.ShowClock.set_speed``)."""
MAX_HISTORY_HOURS = 14 * 24.0
"""The most history a scenario may start with (a warm start replays it before the show can begin)."""
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_TOP_FIELDS = {
    "id",
    "order",
    "title",
    "summary",
    "start_local",
    "seed",
    "speed",
    "length_s",
    "key_moment_s",
    "key_place",
    "steps",
    "notes",
    "history",
    "comment",
}


class ScenarioError(ValueError):
    """A scenario file that cannot be played: names the file and the field (``steps[1].building``)."""

    def __init__(self, path: Path | str, field: str, problem: str) -> None:
        self.path = Path(path)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.path}: {field}: {problem}")


@dataclass(frozen=True, slots=True)
class KeyPlace:
    """Where the wall should look at the key moment (WGS-84/GCJ-02 as the pack's map, web-map zoom)."""

    lon: float
    lat: float
    zoom: float


@dataclass(frozen=True, slots=True)
class Note:
    """A guide's note: at ``at_s`` after the start, what to point at (``text`` per language)."""

    at_s: float
    text: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class History:
    """A warm start: before the show's clock starts, the sensors of these ``types`` have already reported for
    ``hours`` (from the start minus ``hours`` up to the start, by the same simulator, seed and incidents); every
    other sensor starts reporting at the start. Steps may begin before the start (a negative ``start_s``) to act
    in the history."""

    types: tuple[str, ...]
    hours: float

    @property
    def seconds(self) -> float:
        return self.hours * 3600.0

    def check(self, pack: CityPack, path: Path) -> None:
        for i, kind in enumerate(self.types):
            if not any(s.type == kind for s in pack.sensors.values()):
                raise ScenarioError(path, f"history.types[{i}]", f"the city pack has no {kind} sensor")


# -- steps ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GaugeChoice:
    """Which river gauges a step acts on: ``all`` of them, the first ``first`` of ``river`` by chainage (downstream
    order), or explicit ``ids``."""

    all: bool = False
    river: str | None = None
    first: int | None = None
    ids: tuple[str, ...] = ()

    def resolve(self, pack: CityPack, where: str, path: Path) -> list[SensorSpec]:
        gauges = pack.sensors_of_type("river.gauge")
        if self.all:
            return gauges
        if self.river is not None:
            on_river = sorted(
                (g for g in gauges if g.params.get("river") == self.river),
                key=lambda g: float(g.params.get("chainage_km", 0.0)),
            )
            if not on_river:
                raise ScenarioError(path, f"{where}.river", f"no gauge on the river {self.river!r} in the city pack")
            return on_river[: self.first] if self.first is not None else on_river
        out = []
        for i, sid in enumerate(self.ids):
            spec = pack.sensors.get(sid)
            if spec is None or spec.type != "river.gauge":
                raise ScenarioError(path, f"{where}[{i}]", f"{sid!r} is no river gauge of the city pack")
            out.append(spec)
        return out


@dataclass(frozen=True, slots=True)
class SensorChoice:
    """Which sensors a surge or a sudden loss acts on: explicit ``ids``, or the ``most_loaded`` power lines
    (highest normal load for their rating first, as the demo's heat wave chose its line)."""

    ids: tuple[str, ...] = ()
    most_loaded: int = 0

    def resolve(self, pack: CityPack, where: str, path: Path) -> list[SensorSpec]:
        if self.most_loaded:
            lines = pack.sensors_of_type("grid.line")
            if len(lines) < self.most_loaded:
                raise ScenarioError(path, where, f"the city pack has {len(lines)} power lines, not {self.most_loaded}")
            return sorted(
                lines,
                key=lambda s: (float(s.params.get("normal_load_a", 0)) / float(s.params["rated_current_a"]), s.id),
                reverse=True,
            )[: self.most_loaded]
        out = []
        for i, sid in enumerate(self.ids):
            spec = pack.sensors.get(sid)
            if spec is None:
                raise ScenarioError(path, f"{where}[{i}]", f"no sensor {sid!r} in the city pack")
            out.append(spec)
        return out


@dataclass(frozen=True, slots=True)
class FireSceneStep:
    """``fire_scene``: a fire in ``building`` as ``simulator.model.FireScene`` plays it (cameras, calls, detectors)."""

    building: str
    start_s: float
    duration_s: float
    where: str

    def scene(self, pack: CityPack, path: Path) -> FireScene:
        if self.building not in pack.buildings:
            raise ScenarioError(path, f"{self.where}.building", f"no building {self.building!r} in the city pack")
        return FireScene(self.building, self.start_s, self.duration_s)

    def incidents(self, pack: CityPack, path: Path) -> list[Incident]:
        return self.scene(pack, path).incidents(pack)

    def calls(self, pack: CityPack, path: Path) -> list[Call]:
        return self.scene(pack, path).calls(pack)


@dataclass(frozen=True, slots=True)
class FloodWaveStep:
    """``flood_wave``: each gauge rises (a surge to ``peak``) when the wave reaches it, travelling from the first
    chosen gauge at ``celerity_m_s`` along the river's chainage."""

    gauges: GaugeChoice
    start_s: float
    duration_s: float
    celerity_m_s: float
    peak: float
    where: str

    def incidents(self, pack: CityPack, path: Path) -> list[Incident]:
        gauges = self.gauges.resolve(pack, f"{self.where}.gauges", path)
        if not gauges:
            return []
        first_km = float(gauges[0].params["chainage_km"])
        return [
            Incident(
                g.id,
                self.start_s + (float(g.params["chainage_km"]) - first_km) * 1000 / self.celerity_m_s,
                self.duration_s,
                self.peak,
            )
            for g in gauges
        ]


@dataclass(frozen=True, slots=True)
class DroughtStep:
    """``drought``: the rain stops on the chosen gauges and their levels recede at ``k`` per day; the gauges take
    ``k_low``, ``k_low + k_step``, ... up to ``k_high`` in turn (pack order), so they do not fall in lock-step."""

    gauges: GaugeChoice
    start_s: float
    duration_s: float
    k_low: float
    k_high: float
    k_step: float
    where: str

    def incidents(self, pack: CityPack, path: Path) -> list[Incident]:
        n = max(1, round((self.k_high - self.k_low) / self.k_step) + 1) if self.k_step > 0 else 1
        return [
            Incident(g.id, self.start_s, self.duration_s, kind="drought", k_per_day=self.k_low + self.k_step * (i % n))
            for i, g in enumerate(self.gauges.resolve(pack, f"{self.where}.gauges", path))
        ]


@dataclass(frozen=True, slots=True)
class PushStep:
    """``surge`` (rise, hold, fall: a heat wave's load, a river's rise) or ``sudden`` (a fire's smoke, a main's
    loss of pressure: at its peak in four minutes) on the chosen sensors."""

    kind: str
    sensors: SensorChoice
    start_s: float
    duration_s: float
    peak: float
    where: str

    def incidents(self, pack: CityPack, path: Path) -> list[Incident]:
        return [
            Incident(s.id, self.start_s, self.duration_s, self.peak, self.kind)
            for s in self.sensors.resolve(pack, f"{self.where}.sensors", path)
        ]


Step = FireSceneStep | FloodWaveStep | DroughtStep | PushStep
STEP_KINDS = ("fire_scene", "flood_wave", "drought", "surge", "sudden")


# -- the scenario -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scenario:
    """One scenario file, checked. ``incidents`` and ``calls`` resolve its steps on a city pack."""

    id: str
    title: Mapping[str, str]
    summary: Mapping[str, str]
    start_local: time
    timezone: str
    seed: int
    speed: float
    length_s: float
    key_moment_s: float
    key_place: KeyPlace
    steps: tuple[Step, ...]
    notes: tuple[Note, ...]
    path: Path
    order: int = 100
    history: History | None = None
    """A warm start (``History``), or None: every sensor starts reporting at the start."""

    def incidents(self, pack: CityPack) -> list[Incident]:
        out: list[Incident] = []
        for step in self.steps:
            out += step.incidents(pack, self.path)
        return out

    def calls(self, pack: CityPack) -> list[Call]:
        out: list[Call] = []
        for step in self.steps:
            if isinstance(step, FireSceneStep):
                out += step.calls(pack, self.path)
        return out

    def start_at(self, day: date) -> datetime:
        """The run's start on ``day`` (a local date): ``start_local`` there, as an aware UTC datetime."""
        local = datetime.combine(day, self.start_local, tzinfo=ZoneInfo(self.timezone))
        return local.astimezone(UTC)

    def check(self, pack: CityPack) -> None:
        """Resolve every step on ``pack``: raises ``ScenarioError`` for a building or sensor it does not have (or
        a history of a sensor type it has none of)."""
        self.incidents(pack)
        self.calls(pack)
        if self.history is not None:
            self.history.check(pack, self.path)

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["en"]

    def summary_in(self, lang: str) -> str:
        return self.summary.get(lang) or self.summary["en"]

    def notes_in(self, lang: str) -> list[tuple[float, str]]:
        """``(at_s, text)`` of every note in ``lang`` (English where a language is missing), in time order."""
        return [(n.at_s, n.text.get(lang) or n.text["en"]) for n in self.notes]


def scenario_dir(pack_root: Path | str) -> Path:
    return Path(pack_root) / SCENARIO_DIR


def scenario_ids(pack_root: Path | str) -> list[str]:
    """The ids of the scenario files of a city pack (file names, not checked)."""
    folder = scenario_dir(pack_root)
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def pack_timezone(pack_root: Path | str) -> str:
    try:
        doc = json.loads((Path(pack_root) / "pack.json").read_text(encoding="utf-8"))
        return str(doc["timezone"])
    except (OSError, ValueError, KeyError, TypeError):
        return "UTC"


def load_scenario(path: Path | str, timezone: str = "UTC") -> Scenario:
    """One scenario file, checked (``ScenarioError`` names the file and the field)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(path, "(file)", f"cannot be read: {exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(path, "(file)", f"not valid JSON: {exc}") from exc
    return _Parser(path).scenario(doc, timezone)


def load_scenarios(pack_root: Path | str, pack: CityPack | None = None) -> dict[str, Scenario]:
    """Every scenario file of a city pack by id, in show order (``order``, then id). With ``pack``, each one's
    steps are resolved on it too, so that a missing building or sensor fails here and not at the show."""
    tz = pack_timezone(pack_root)
    scenarios = [load_scenario(p, tz) for p in sorted(scenario_dir(pack_root).glob("*.json"))]
    if pack is not None:
        for scenario in scenarios:
            scenario.check(pack)
    return {s.id: s for s in sorted(scenarios, key=lambda s: (s.order, s.id))}


def find_scenario(pack_root: Path | str, scenario_id: str) -> Scenario | None:
    """The scenario file for ``scenario_id``, loaded; None when the pack has no such file."""
    if not _ID.fullmatch(scenario_id):
        return None
    path = scenario_dir(pack_root) / f"{scenario_id}.json"
    return load_scenario(path, pack_timezone(pack_root)) if path.is_file() else None


def check_scenario_name(pack_root: Path | str, name: str) -> None:
    """Raise ``ScenarioError`` unless ``name`` is a scenario file of the pack (what ``CITYOPS_SIM_SCENARIO`` takes)."""
    ids = scenario_ids(pack_root)
    if name not in ids:
        raise ScenarioError(
            scenario_dir(pack_root), "CITYOPS_SIM_SCENARIO", f"no scenario {name!r}: use one of {', '.join(ids)}"
        )


# -- parsing ----------------------------------------------------------------------------------------------------


class _Parser:
    """Reads one file's document; every failure names ``path`` and the field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, field: str, problem: str) -> ScenarioError:
        return ScenarioError(self.path, field, problem)

    def scenario(self, doc: Any, timezone: str) -> Scenario:
        if not isinstance(doc, dict):
            raise self.fail("(file)", "must be a JSON object")
        unknown = sorted(set(doc) - _TOP_FIELDS)
        if unknown:
            raise self.fail(unknown[0], f"unknown field (known: {', '.join(sorted(_TOP_FIELDS))})")
        scenario_id = self.required(doc, "id")
        if not isinstance(scenario_id, str) or not _ID.fullmatch(scenario_id):
            raise self.fail("id", f"must be lower-case letters, digits, - or _, got {scenario_id!r}")
        if scenario_id != self.path.stem:
            raise self.fail("id", f"{scenario_id!r} must be the file's name ({self.path.stem!r})")
        start = self.required(doc, "start_local")
        try:
            start_local = time.fromisoformat(start) if isinstance(start, str) and len(start) in (5, 8) else None
        except ValueError:
            start_local = None
        if start_local is None:
            raise self.fail("start_local", f"must be a local time of day as HH:MM, got {start!r}")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise self.fail("(pack.json) timezone", f"unknown time zone {timezone!r}") from exc
        seed = self.required(doc, "seed")
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 2**31:
            raise self.fail("seed", f"must be a whole number 0..2^31, got {seed!r}")
        speed = self.number(doc, "speed", "speed", low=MIN_SPEED, high=MAX_SPEED)
        length = self.number(doc, "length_s", "length_s", low=1.0)
        key = self.number(doc, "key_moment_s", "key_moment_s", low=0.0)
        if key > length:
            raise self.fail("key_moment_s", f"{key:g} is after the end of the show (length_s {length:g})")
        order = doc.get("order", 100)
        if not isinstance(order, int) or isinstance(order, bool):
            raise self.fail("order", f"must be a whole number, got {order!r}")
        steps_doc = self.required(doc, "steps")
        if not isinstance(steps_doc, list):
            raise self.fail("steps", "must be a list (empty for a calm city)")
        notes_doc = self.required(doc, "notes")
        if not isinstance(notes_doc, list) or not notes_doc:
            raise self.fail("notes", "must be a non-empty list of {at_s, text}")
        notes = tuple(
            Note(
                self.number(n, "at_s", f"notes[{i}].at_s", low=0.0, high=length),
                self.texts(self.required(n, "text", f"notes[{i}].text"), f"notes[{i}].text"),
            )
            for i, n in enumerate(self.objects(notes_doc, "notes"))
        )
        if [n.at_s for n in notes] != sorted(n.at_s for n in notes):
            raise self.fail("notes", "must be in time order (at_s)")
        history = self.history(doc["history"]) if "history" in doc else None
        return Scenario(
            id=scenario_id,
            title=self.texts(self.required(doc, "title"), "title"),
            summary=self.texts(self.required(doc, "summary"), "summary"),
            start_local=start_local,
            timezone=timezone,
            seed=seed,
            speed=speed,
            length_s=length,
            key_moment_s=key,
            key_place=self.place(self.required(doc, "key_place"), "key_place"),
            steps=tuple(self.step(s, f"steps[{i}]") for i, s in enumerate(self.objects(steps_doc, "steps"))),
            notes=notes,
            path=self.path,
            order=order,
            history=history,
        )

    def history(self, value: Any) -> History:
        if not isinstance(value, dict):
            raise self.fail("history", 'must be an object {"types": [...], "hours": N}')
        unknown = sorted(set(value) - {"types", "hours", "comment"})
        if unknown:
            raise self.fail(f"history.{unknown[0]}", "unknown field (known: types, hours)")
        types = self.required(value, "types", "history.types")
        if not isinstance(types, list) or not types:
            raise self.fail("history.types", f"must be a non-empty list of sensor types, got {types!r}")
        for i, kind in enumerate(types):
            if not isinstance(kind, str) or kind not in SENSOR_TYPES:
                raise self.fail(
                    f"history.types[{i}]", f"{kind!r} is not a sensor type ({', '.join(sorted(SENSOR_TYPES))})"
                )
        if len(set(types)) != len(types):
            raise self.fail("history.types", "names a sensor type twice")
        hours = self.number(value, "hours", "history.hours", low=1.0, high=MAX_HISTORY_HOURS)
        return History(tuple(types), hours)

    def required(self, doc: Mapping[str, Any], key: str, field: str | None = None) -> Any:
        if key not in doc:
            raise self.fail(field or key, "is missing")
        return doc[key]

    def objects(self, items: Sequence[Any], field: str) -> list[dict[str, Any]]:
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail(f"{field}[{i}]", "must be a JSON object")
        return list(items)

    def number(
        self,
        doc: Mapping[str, Any],
        key: str,
        field: str,
        low: float = -math.inf,
        high: float = math.inf,
        default: float | None = None,
    ) -> float:
        if key not in doc and default is not None:
            return default
        value = self.required(doc, key, field)
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            raise self.fail(field, f"must be a number, got {value!r}")
        if not low <= value <= high:
            raise self.fail(field, f"{value:g} is outside {low:g}..{high:g}")
        return float(value)

    def texts(self, value: Any, field: str) -> dict[str, str]:
        if not isinstance(value, dict):
            raise self.fail(field, f"must be an object with {', '.join(LANGUAGES)} texts")
        for lang in LANGUAGES:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                raise self.fail(f"{field}.{lang}", "is missing or empty")
        extra = sorted(set(value) - set(LANGUAGES))
        if extra:
            raise self.fail(f"{field}.{extra[0]}", f"unknown language (use {', '.join(LANGUAGES)})")
        return {lang: value[lang] for lang in LANGUAGES}

    def place(self, value: Any, field: str) -> KeyPlace:
        if not isinstance(value, dict):
            raise self.fail(field, "must be an object {lon, lat, zoom}")
        return KeyPlace(
            self.number(value, "lon", f"{field}.lon", -180.0, 180.0),
            self.number(value, "lat", f"{field}.lat", -90.0, 90.0),
            self.number(value, "zoom", f"{field}.zoom", 0.0, 22.0),
        )

    def fields(self, doc: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        unknown = sorted(set(doc) - allowed - {"kind", "comment"})
        if unknown:
            raise self.fail(f"{where}.{unknown[0]}", f"unknown field for a {doc['kind']} step")

    def step(self, doc: dict[str, Any], where: str) -> Step:
        kind = self.required(doc, "kind", f"{where}.kind")
        if kind not in STEP_KINDS:
            raise self.fail(f"{where}.kind", f"{kind!r} is not one of {', '.join(STEP_KINDS)}")
        start = self.number(doc, "start_s", f"{where}.start_s")
        duration = self.number(doc, "duration_s", f"{where}.duration_s", low=1.0)
        if kind == "fire_scene":
            self.fields(doc, where, {"building", "start_s", "duration_s"})
            building = self.required(doc, "building", f"{where}.building")
            if not isinstance(building, str):
                raise self.fail(f"{where}.building", f"must be a building id, got {building!r}")
            if duration < 15 * 60:
                raise self.fail(
                    f"{where}.duration_s", "a fire scene lasts at least 900 s (its detectors come at 14 min)"
                )
            return FireSceneStep(building, start, duration, where)
        if kind == "flood_wave":
            self.fields(doc, where, {"gauges", "start_s", "duration_s", "celerity_m_s", "peak"})
            return FloodWaveStep(
                self.gauges(self.required(doc, "gauges", f"{where}.gauges"), f"{where}.gauges"),
                start,
                duration,
                self.number(doc, "celerity_m_s", f"{where}.celerity_m_s", low=0.01, high=100.0),
                self.number(doc, "peak", f"{where}.peak", 0.0, 1.0, default=1.0),
                where,
            )
        if kind == "drought":
            self.fields(doc, where, {"gauges", "start_s", "duration_s", "k_per_day", "k_step"})
            k = self.required(doc, "k_per_day", f"{where}.k_per_day")
            if isinstance(k, int | float) and not isinstance(k, bool):
                k = [k, k]
            if not (isinstance(k, list) and len(k) == 2):
                raise self.fail(f"{where}.k_per_day", f"must be a number or a range [low, high], got {k!r}")
            k_range = {"low": k[0], "high": k[1]}
            low = self.number(k_range, "low", f"{where}.k_per_day[0]", 0.5, 1.0)
            high = self.number(k_range, "high", f"{where}.k_per_day[1]", low, 1.0)
            return DroughtStep(
                self.gauges(self.required(doc, "gauges", f"{where}.gauges"), f"{where}.gauges"),
                start,
                duration,
                low,
                high,
                self.number(doc, "k_step", f"{where}.k_step", 0.0, 0.5, default=0.01),
                where,
            )
        self.fields(doc, where, {"sensors", "sensor", "start_s", "duration_s", "peak"})
        if ("sensors" in doc) == ("sensor" in doc):
            raise self.fail(f"{where}.sensors", "give either sensors (a list or most_loaded_line) or one sensor")
        chosen = doc["sensors"] if "sensors" in doc else [doc["sensor"]]
        field = f"{where}.sensors" if "sensors" in doc else f"{where}.sensor"
        return PushStep(
            kind,
            self.sensors(chosen, field),
            start,
            duration,
            self.number(doc, "peak", f"{where}.peak", 0.0, 1.0, default=1.0),
            where,
        )

    def gauges(self, value: Any, field: str) -> GaugeChoice:
        if value == "all":
            return GaugeChoice(all=True)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return GaugeChoice(ids=tuple(value))
        if isinstance(value, dict) and isinstance(value.get("river"), str) and set(value) <= {"river", "first"}:
            first = value.get("first")
            if first is not None and (not isinstance(first, int) or isinstance(first, bool) or first < 1):
                raise self.fail(f"{field}.first", f"must be a whole number of gauges ≥ 1, got {first!r}")
            return GaugeChoice(river=value["river"], first=first)
        raise self.fail(field, f'must be "all", a list of gauge ids or {{"river": ..., "first": N}}, got {value!r}')

    def sensors(self, value: Any, field: str) -> SensorChoice:
        if value == "most_loaded_line":
            return SensorChoice(most_loaded=1)
        if isinstance(value, dict) and set(value) == {"most_loaded_lines"}:
            n = value["most_loaded_lines"]
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise self.fail(f"{field}.most_loaded_lines", f"must be a whole number ≥ 1, got {n!r}")
            return SensorChoice(most_loaded=n)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return SensorChoice(ids=tuple(value))
        raise self.fail(
            field, f'must be a list of sensor ids, "most_loaded_line" or {{"most_loaded_lines": N}}, got {value!r}'
        )
