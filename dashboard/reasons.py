"""Sensor and alarm reasons in the page's language.

The consumers write one English reason per sensor and per alarm: the record of what they decided. Beside it a
sensor's view carries structured parts for some domains, from which the page words the reason itself: a gauge's
``river`` part (``dashboard.river.words``), a rated line's ``grid`` part (``dashboard.grid.words``). Everything
else (fire sensors' rule reasons, a line before its first rating, and every alarm's reason, which is the reason
its entity had when the alarm entered its severity and carries no numbers beside it) is read back here from the
English sentence: each form the consumers write is one pattern below, with the numbers it quotes, and is worded
again from the catalogues with those numbers in the locale's digits. The consumers' own functions build the
sentences the tests feed through these patterns (tests/dashboard/test_i18n_reasons.py), so a reworded rule in
the consumers fails a test instead of falling back to English unseen. A reason no pattern knows is shown as the
consumers wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from consumers.citypack import SensorSpec
from consumers.fire.readiness import DEDUCTIONS, FAULT_WORDS
from consumers.rules import _STATUS_SCORES
from dashboard.grid.words import line_reason
from dashboard.i18n import number, percent, t
from dashboard.river.state import river_state_of
from dashboard.river.words import localized_reason
from dashboard.typography import unbroken_quantities

_NUM = r"-?\d+(?:\.\d+)?"
_VALUE = rf"(?P<measure>stage|discharge) (?P<v>{_NUM}) (?P<unit>\S+)"
"""How a gauge's reasons start: ``stage 2.31 m``."""
_FAULT_CODE_OF: dict[str, str] = {
    **{fault: fault for _, fault in DEDUCTIONS},
    **{words: code for code, words in FAULT_WORDS.items()},
}
"""A fault as an equipment alarm's reason names it (its words; its code in alarms raised before the words) -> code."""
_FAULT_NAMES = "|".join(re.escape(name) for name in sorted(_FAULT_CODE_OF, key=len, reverse=True))

Words = Callable[[re.Match[str], str], str]


def sensor_reason(spec: SensorSpec, doc: Mapping[str, Any], lang: str) -> str:
    """A rated line's from its numbers in any language; a gauge's in the page language from its river part; any
    other in the page language from the consumers' reason (English as they wrote it). Set for a page's narrow
    cells (``dashboard.typography``)."""
    if doc.get("grid"):
        text = line_reason(doc, lang)
    elif lang != "en" and spec.type == "river.gauge" and doc.get("river"):
        text = localized_reason(spec, doc, river_state_of(doc) or "stale", lang)
    else:
        text = reason_text(str(doc.get("reason", "")), lang)
    return unbroken_quantities(text)


def reason_text(text: str, lang: str) -> str:
    """A reason the consumers wrote (a sensor's, or an alarm's), in ``lang``; as written when no pattern knows it.
    A line's reason (parts joined by ``; ``) is worded part by part."""
    if lang == "en" or not text:
        return text
    worded = _word(text, lang)
    if worded is not None:
        return worded
    parts = text.split("; ")
    if len(parts) > 1:
        worded_parts = [_word(part, lang) for part in parts]
        if all(w is not None for w in worded_parts):
            return " · ".join(str(w) for w in worded_parts)
    return text


def knows(text: str) -> bool:
    """Whether a pattern words ``text`` (for the tests: every reason the consumers write must be known)."""
    return reason_text(text, "de") != text or not text


def _word(text: str, lang: str) -> str | None:
    for pattern, words in _PATTERNS:
        m = pattern.fullmatch(text)
        if m is not None:
            return words(m, lang)
    return None


def _n(lang: str, printed: str | None) -> str:
    """A number as the consumers printed it (``2.50``), in the locale's digits with as many decimals (``2,50``)."""
    if printed is None:
        return "?"
    decimals = len(printed.partition(".")[2])
    return number(lang, float(printed), decimals)


def _nums(m: re.Match[str], lang: str, *names: str) -> dict[str, str]:
    return {name: _n(lang, m.group(name)) for name in names}


def _join(lang: str, parts: list[str]) -> str:
    """A gauge's clauses, as ``dashboard.river.words`` joins them."""
    return "，".join(parts) if lang == "zh" else ", ".join(parts)


def _value(m: re.Match[str], lang: str) -> str:
    measure = t(lang, f"measure.{m.group('measure')}")
    return t(lang, "reason.value", measure=measure, v=_n(lang, m.group("v")), unit=m.group("unit"))


def _key(key: str, *names: str) -> Words:
    """A pattern worded by one key, its numbers in the locale's digits."""
    return lambda m, lang: t(lang, key, **_nums(m, lang, *names))


def _gauge_key(key: str, *names: str) -> Words:
    """A gauge's level rule: one key with the measure, value and unit, and ``names`` (numbers)."""

    def words(m: re.Match[str], lang: str) -> str:
        measure = t(lang, f"measure.{m.group('measure')}")
        return t(lang, key, measure=measure, unit=m.group("unit"), **_nums(m, lang, "v", *names))

    return words


def _missing(m: re.Match[str], lang: str) -> str:
    return t(lang, "reason.gauge.missing", measure=t(lang, f"measure.{m.group('measure')}"))


def _then(key: str, *names: str) -> Words:
    """A gauge's value, then one more clause."""

    def words(m: re.Match[str], lang: str) -> str:
        return _join(lang, [_value(m, lang), t(lang, key, unit=m.group("unit"), **_nums(m, lang, *names))])

    return words


def _flood_level(key: str) -> Words:
    def words(m: re.Match[str], lang: str) -> str:
        name = t(lang, f"threshold.flood_{m.group('name')}")
        clause = t(lang, key, name=name, level=_n(lang, m.group("level")), unit=m.group("unit"))
        return _join(lang, [_value(m, lang), clause])

    return words


def _rise(m: re.Match[str], lang: str) -> str:
    unit = m.group("unit")
    said = [_value(m, lang)]
    rate = m.group("r")
    said.append(
        t(lang, "reason.rising_fast") if rate is None else t(lang, "reason.rising", r=_n(lang, rate), unit=unit)
    )
    if m.group("h") is None:
        said.append(t(lang, "reason.flood_near", level=_n(lang, m.group("level")), unit=unit))
    else:
        said.append(t(lang, "reason.flood_eta", level=_n(lang, m.group("level2")), unit=unit, h=_n(lang, m.group("h"))))
    return _join(lang, said)


def _drought(m: re.Match[str], lang: str) -> str:
    unit, low = m.group("unit"), _n(lang, m.group("low"))
    said = [_value(m, lang)]
    said.append(t(lang, "reason.low") if m.group("p") is None else t(lang, "reason.falling", p=_n(lang, m.group("p"))))
    if m.group("h") is None:
        said.append(t(lang, "reason.drought_band", low=low, unit=unit))
    else:
        said.append(t(lang, "reason.drought_eta", low=low, unit=unit, h=_n(lang, m.group("h"))))
    if m.group("c") is not None:
        said.append(t(lang, "confidence", c=percent(lang, int(m.group("c")) / 100)))
    return _join(lang, said)


def _limit_in(m: re.Match[str], lang: str) -> str:
    eta = t(lang, "minutes" if m.group("u") == "min" else "hours", n=_n(lang, m.group("n")))
    return t(lang, "grid.limit_in", eta=eta)


def _incident(m: re.Match[str], lang: str) -> str:
    key = f"reason.incident.{m.group('state')}"
    return t(lang, key, sources=int(m.group("sources")), calls=int(m.group("calls")))


_DEVICE_FAULT = re.compile(rf"(?P<device>\S+) (?P<fault>{_FAULT_NAMES})")


def _equipment(m: re.Match[str], lang: str) -> str:
    worded = []
    for item in m.group("listed").split(", "):
        f = _DEVICE_FAULT.fullmatch(item)
        if f is None:
            worded.append(item)
            continue
        fault = t(lang, f"reason.fault_code.{_FAULT_CODE_OF[f.group('fault')]}")
        worded.append(t(lang, "reason.equipment.fault", device=f.group("device"), fault=fault))
    faults = ("、" if lang == "zh" else ", ").join(worded)
    if m.group("more") is not None:
        faults = t(lang, "reason.equipment.more", faults=faults, n=int(m.group("more")))
    return t(lang, "reason.equipment", faults=faults)


def _status_patterns() -> list[tuple[re.Pattern[str], Words]]:
    """The fire equipment's status reasons (``fire door held open``), one key per type and status."""
    out: list[tuple[re.Pattern[str], Words]] = []
    for sensor_type, table in _STATUS_SCORES.items():
        for status, (_score, english) in table.items():
            key = f"reason.fire.{sensor_type.partition('.')[2]}.{status}"
            out.append((re.compile(re.escape(english)), _key(key)))
    return out


_PATTERNS: list[tuple[re.Pattern[str], Words]] = [
    (re.compile(pattern), words)
    for pattern, words in (
        # fire sensors (consumers/rules.py)
        (rf"smoke seen, confidence (?P<c>{_NUM})", _key("reason.fire.camera.smoke", "c")),
        (rf"possible smoke, confidence (?P<c>{_NUM})", _key("reason.fire.camera.possible", "c")),
        (rf"no smoke \(confidence (?P<c>{_NUM})\)", _key("reason.fire.camera.none", "c")),
        (rf"smoke alarm, obscuration (?P<o>{_NUM}) %/m", _key("reason.fire.smoke.alarm", "o")),
        (rf"smoke rising, obscuration (?P<o>{_NUM}) %/m", _key("reason.fire.smoke.rising", "o")),
        (rf"obscuration (?P<o>{_NUM}) %/m", _key("reason.fire.smoke.ok", "o")),
        (rf"heat alarm, (?P<t>{_NUM}) °C \(alarm at (?P<a>{_NUM}) °C\)", _key("reason.fire.heat.alarm", "t", "a")),
        (rf"(?P<t>{_NUM}) °C, rising towards (?P<a>{_NUM}) °C", _key("reason.fire.heat.rising", "t", "a")),
        (rf"(?P<t>{_NUM}) °C", _key("reason.fire.heat.ok", "t")),
        *(
            (rf"{device} pressure (?P<p>{_NUM}) MPa{tail}", _key(f"reason.fire.{device}.{kind}", *names))
            for device in ("sprinkler", "hydrant")
            for kind, tail, names in (
                ("below", rf" below (?P<min>{_NUM}) MPa", ("p", "min")),
                ("near", rf" near minimum (?P<min>{_NUM}) MPa", ("p", "min")),
                ("ok", "", ("p",)),
            )
        ),
        # a gauge by its level alone (consumers/rules.py)
        (r"no (?P<measure>stage|discharge) in the latest reading", _missing),
        (
            rf"{_VALUE} above flood danger level (?P<level>{_NUM}) (?P=unit)",
            _gauge_key("reason.gauge.above_danger", "level"),
        ),
        (
            rf"{_VALUE} above flood warning level (?P<level>{_NUM}) (?P=unit)",
            _gauge_key("reason.gauge.above_warning", "level"),
        ),
        (rf"{_VALUE}, warning at (?P<level>{_NUM})(?: (?P=unit))?", _gauge_key("reason.gauge.warning_at", "level")),
        (
            rf"{_VALUE} at or below drought low level (?P<low>{_NUM}) (?P=unit)",
            _gauge_key("reason.gauge.at_drought", "low"),
        ),
        (_VALUE, _value),
        # a gauge by the river model (consumers/river/gauge.py)
        (r"no reading yet", _key("reason.no_reading")),
        (
            rf"sensor fault: the same reading (?P<v>{_NUM}) for (?P<h>{_NUM}) h; not used for forecasts",
            _key("reason.fault.frozen", "v", "h"),
        ),
        (
            rf"sensor fault: no reading for (?P<m>{_NUM}) min \(usually every (?P<every>{_NUM}) min\)",
            _key("reason.fault.gap", "m", "every"),
        ),
        (
            rf"{_VALUE} at or above the flood (?P<name>danger|warning) level (?P<level>{_NUM}) (?P=unit)",
            _flood_level("reason.flood_level"),
        ),
        (
            rf"{_VALUE}, back under the flood (?P<name>danger|warning) level (?P<level>{_NUM}) (?P=unit) \(holding\)",
            _flood_level("reason.flood_holding"),
        ),
        (
            rf"{_VALUE}, (?:rising (?P<r>{_NUM}) (?P=unit)/h|rising fast)"
            rf"(?:; flood warning level (?P<level>{_NUM}) (?P=unit) near"
            rf"|: flood warning level (?P<level2>{_NUM}) (?P=unit) expected in (?P<h>{_NUM}) h)",
            _rise,
        ),
        (rf"{_VALUE} below the drought level (?P<low>{_NUM}) (?P=unit)", _then("reason.drought_below", "low")),
        (
            rf"{_VALUE}, (?:falling (?P<p>{_NUM}) % a day|low): "
            rf"expected below the drought level (?P<low>{_NUM}) (?P=unit) "
            rf"(?:in about (?P<h>{_NUM}) h|within 72 h \(lower forecast bound\))(?:, confidence (?P<c>\d+)%)?",
            _drought,
        ),
        (
            rf"{_VALUE} in the low-water band \(under {_NUM} (?P=unit), drought level (?P<low>{_NUM}) (?P=unit)\); "
            r"no crossing forecast within 72 h",
            _then("reason.watch", "low"),
        ),
        # a power line (consumers/rules.py before its first rating, consumers/grid/sensor_model.py after)
        (
            rf"conductor (?P<temp>{_NUM}) °C of (?P<limit>{_NUM}) °C, "
            rf"(?P<current>{_NUM}) A of (?P<rated>{_NUM}) A rated",
            _key("reason.grid.rated", "temp", "limit", "current", "rated"),
        ),
        (
            rf"(?P<current>{_NUM}) A = (?P<pct>{_NUM}) % of its (?P<rating>{_NUM}) A rating in this weather "
            rf"\((?P<air>{_NUM}) °C, wind (?P<wind>{_NUM}) m/s\)",
            _key("grid.share", "current", "pct", "rating", "air", "wind"),
        ),
        (
            rf"conductor sensor reads (?P<temp>{_NUM}) °C where the heat balance expects (?P<expected>{_NUM}) °C: "
            r"check the sensor or the weather feed",
            _key("grid.temp_fault", "temp", "expected"),
        ),
        (
            rf"conductor (?P<temp>{_NUM}) °C at or above its (?P<limit>{_NUM}) °C limit",
            _key("grid.conductor_over", "temp", "limit"),
        ),
        (rf"conductor (?P<temp>{_NUM}) °C of (?P<limit>{_NUM}) °C", _key("grid.conductor", "temp", "limit")),
        (rf"at this trend the rating is reached in (?P<n>{_NUM}) (?P<u>min|h)", _limit_in),
        # alarms on incidents and buildings (consumers/alarms/conditions.py)
        (r"fire (?P<state>suspected|confirmed): (?P<sources>\d+) sources?, (?P<calls>\d+) calls?", _incident),
        (r"fire equipment faults: (?P<listed>.+?)(?: and (?P<more>\d+) more)?", _equipment),
    )
] + _status_patterns()
