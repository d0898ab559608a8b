"""The interface in English, German and Chinese: complete catalogues, every key a page uses translated, the language
chosen per screen, and numbers and times in each locale's format."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.alarms.lifecycle import Condition
from consumers.fire.readiness import DEDUCTIONS
from consumers.flood.evacuation import MODES
from consumers.flood.network import BLOCK_KINDS, VEHICLE_KINDS
from consumers.rules import LEVELS, RIVER_STATE_FLOOR, RULES
from consumers.settings import Settings, SettingsError
from dashboard.alarms.listing import DOMAINS, STATES
from dashboard.alarms.words import TRAIL_WHATS
from dashboard.auth.roles import ROLES
from dashboard.i18n import (
    CATALOGUES,
    LANGUAGES,
    catalogue_path,
    choose_language,
    clock,
    count,
    day_and_clock,
    language,
    number,
    percent,
    t,
)
from dashboard.wall.playlist import VIEWS

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
NAMES_IN_PAGE_LANGUAGE = {"title", "subtitle"}
"""The page title names the city in the page's language first (``{name_zh}`` on a Chinese page)."""
CITY_NAMES = {"name_en", "name_zh"}

DYNAMIC: dict[str, Iterable[str]] = {
    # keys built at run time (``t(lang, f"level.{level}")``): prefix -> every suffix the code can put after it
    "alarms.domain.": DOMAINS,
    "alarms.minutes.": ("15", "60", "480"),
    "alarms.state.": STATES,
    "alarms.trail.": TRAIL_WHATS,
    "alarms.type.": (*RULES, "fire.citizen_report"),
    "badge.": ("warning", "alarm"),
    "drill.": ("now", "min", "max", "rate", "n"),
    "drought.basis.": ("observed", "rain"),
    "fault.": ("gap", "frozen", "no_data", *(f"{kind}.{fault}" for kind, fault in DEDUCTIONS)),
    "fire.basis.": ("detectors", "cameras_crossing", "camera_and_calls", "calls", "one_camera"),
    "fire.confirmed_by.": ("two_sources", "camera_held"),
    "fire.state.": ("suspected", "confirmed", "resolved"),
    "flood.kind.": BLOCK_KINDS,
    "flood.mode.": MODES,
    "flood.vehicle.": VEHICLE_KINDS,
    "flood.zone.": ("flooded", "soon"),
    "grid.band.": LEVELS,
    "layer.": ("districts", "river", "lines", "cameras", "buildings", "incidents", "fire_risk", "hexes"),
    "level.": (*LEVELS, "stale"),
    "measure.": ("stage", "discharge"),
    "ready.": ("ready", "degraded", "not_ready", "unknown"),
    "reason.fault_code.": {fault for _, fault in DEDUCTIONS},
    "risk.part.": ("incidents", "smoke_signals", "line_stress", "buildings_not_ready", "hot", "dry", "windy", "capped"),
    "river.": (*RIVER_STATE_FLOOR, "fault", "stale"),
    "role.": ROLES,
    "threshold.": ("drought_low", "flood_warning", "flood_danger"),
    "threshold.flood_": ("warning", "danger"),
    "wall.kind.": DOMAINS,
    "wall.view.": VIEWS,
    "count.": [f"{what}.{form}" for what in ("alarm", "warning", "silent") for form in ("one", "other")]
    + [f"vehicle.{kind}.{form}" for kind in VEHICLE_KINDS for form in ("one", "other")],
    "demo.state.": ("playing", "paused"),
    "demo.done.": ("play", "pause", "reset", "jump", "speed", "loop"),
}
NOT_KEYS = {"alarms.csv", "auth.login"}
"""Strings in the code that look like keys and are not texts (a file name, a Flask endpoint)."""


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_catalogue_is_a_po_file_read_by_babel(lang: str) -> None:
    assert catalogue_path(lang).is_file()
    assert len(CATALOGUES[lang]) > 400


@pytest.mark.parametrize("lang", ["de", "zh"])
def test_every_key_has_a_text_in_german_and_chinese_with_the_same_placeholders(lang: str) -> None:
    english, other = CATALOGUES["en"], CATALOGUES[lang]
    assert sorted(set(english) - set(other)) == []  # read_po drops empty msgstr: a missing text is a missing key
    assert sorted(set(other) - set(english)) == []  # and no key only the translation has
    for key, text in english.items():
        if key in NAMES_IN_PAGE_LANGUAGE:
            assert placeholders(other[key]) <= CITY_NAMES and placeholders(other[key]), key
        else:
            assert placeholders(other[key]) == placeholders(text), key
        assert other[key].strip() or not text.strip(), key


def test_format_specs_are_not_used_in_texts() -> None:
    """``{n:,}`` would group the English way on a German page: numbers are formatted before, by ``number``."""
    for lang in LANGUAGES:
        for key, text in CATALOGUES[lang].items():
            assert all(not spec for _, _, spec, _ in string.Formatter().parse(text)), (lang, key)


def translation_calls() -> Iterator[tuple[str, int, ast.expr]]:
    for path in sorted(DASHBOARD.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and len(node.args) >= 2:
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if name == "t":
                    yield str(path.relative_to(DASHBOARD.parent)), node.lineno, node.args[1]


def literal_keys(expr: ast.expr) -> Iterator[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        yield expr.value
    elif isinstance(expr, ast.IfExp):
        yield from literal_keys(expr.body)
        yield from literal_keys(expr.orelse)


def prefix_of(expr: ast.expr) -> str | None:
    """The constant start of a key built at run time: ``f"level.{x}"`` and ``"level." + x`` give ``level.``."""
    if isinstance(expr, ast.JoinedStr) and expr.values and isinstance(expr.values[0], ast.Constant):
        return str(expr.values[0].value)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add) and isinstance(expr.left, ast.Constant):
        return str(expr.left.value)
    if isinstance(expr, ast.IfExp):
        return prefix_of(expr.body) or prefix_of(expr.orelse)
    return None


def test_every_key_a_page_looks_up_has_a_text_in_all_three_languages() -> None:
    """The "a string shown on a page with no translation fails a test" check, over every ``t(lang, ...)`` call in
    ``dashboard/``: a literal key must be in all three catalogues; a key built at run time must start with a
    prefix listed in ``DYNAMIC``, whose every suffix must be in all three."""
    missing, unlisted = [], []
    for where, line, expr in translation_calls():
        for key in literal_keys(expr):
            if any(key not in CATALOGUES[lang] for lang in LANGUAGES):
                missing.append(f"{where}:{line} {key}")
        prefix = prefix_of(expr)
        if prefix is not None and prefix not in DYNAMIC:
            unlisted.append(f"{where}:{line} {prefix}…")
    assert missing == [], "add these keys to all three catalogues (dashboard/i18n.py says how)"
    assert unlisted == [], "a key built at run time: list its prefix and every suffix in DYNAMIC above"
    for prefix, suffixes in DYNAMIC.items():
        for suffix in suffixes:
            for lang in LANGUAGES:
                assert f"{prefix}{suffix}" in CATALOGUES[lang], (lang, f"{prefix}{suffix}")


def test_every_string_in_the_code_that_names_a_key_names_one_in_all_three_languages() -> None:
    """Keys held in lists and passed on (``for k in ("alarms.col.severity", ...): t(lang, k)``) are strings shaped
    like keys in a key's namespace; each must be a key (sensor types, which share namespaces, are not)."""
    namespaces = {key.partition(".")[0] for key in CATALOGUES["en"] if "." in key}
    shaped = re.compile(r"[a-z_]+(\.[a-z0-9_\-]+)+")
    not_texts = NOT_KEYS | set(RULES)
    missing = []
    for path in sorted(DASHBOARD.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            text = node.value
            looks_like_a_key = shaped.fullmatch(text) and not text.endswith("_") and text not in not_texts
            in_a_namespace = text.partition(".")[0] in namespaces
            if looks_like_a_key and in_a_namespace and any(text not in CATALOGUES[lang] for lang in LANGUAGES):
                missing.append(f"{path.relative_to(DASHBOARD.parent)}:{node.lineno} {text}")
    assert missing == []


def test_a_missing_key_is_loud_and_a_missing_translation_falls_back_to_english() -> None:
    with pytest.raises(KeyError):
        t("de", "no.such.key")
    assert t("fr", "alarms.title") == "Alarms"  # an unknown language reads English


def test_the_language_is_the_urls_then_the_browsers_then_the_setting() -> None:
    assert choose_language("zh", "de-DE,de;q=0.9", "en") == "zh"
    assert choose_language(None, "de-DE,de;q=0.9,en;q=0.8", "zh") == "de"
    assert choose_language("", "zh-CN,zh;q=0.9", "en") == "zh"
    assert choose_language("klingon", "fr-FR, de;q=0.5", "en") == "de"  # unknown values are passed over
    assert choose_language("klingon", "fr-FR,fr;q=0.9", "zh") == "zh"
    assert choose_language(None, None, "de") == "de"
    assert choose_language(None, "", "xx") == "en"


def test_language_reads_the_requests_accept_language(settings: Settings) -> None:
    import flask

    app = flask.Flask(__name__)
    with app.test_request_context("/", headers={"Accept-Language": "de-CH,de;q=0.9"}):
        assert language(None, "zh") == "de"
        assert language("en", "zh") == "en"
    with app.test_request_context("/"):
        assert language(None, "zh") == "zh"
    assert language(None, "de") == "de"  # outside a request: the URL's or the setting's


def test_the_setting_accepts_german_and_names_all_three_when_wrong() -> None:
    assert Settings.from_env({"CITYOPS_LANGUAGE": "de"}).language == "de"
    with pytest.raises(SettingsError, match="en, de, zh"):
        Settings.from_env({"CITYOPS_LANGUAGE": "fr"})


def test_numbers_in_german_have_decimal_commas_and_english_and_chinese_keep_their_look() -> None:
    assert number("de", 1.25, 2) == "1,25"
    assert number("en", 1.25, 2) == "1.25" == f"{1.25:.2f}"
    assert number("zh", 1.25, 2) == "1.25"
    assert number("de", 2.675, 2) == f"{2.675:.2f}".replace(".", ",")  # rounded as Python rounds, then localised
    assert number("de", 2.5, None) == "2,5" and number("en", 3.0, None) == "3"
    assert number("de", 1379, group=True) == "1.379" and number("en", 1379, group=True) == "1,379"
    assert number("de", 1379) == "1379"
    assert number("en", -0.001, 2) == "0.00" and number("de", -0.004, 2) == "0,00" and number("zh", -0.0, None) == "0"
    assert number("en", -0.005001, 2) == "-0.01" and number("en", -0.4) == "0" and number("de", -0.6) == "-1"
    assert percent("de", 0.8) == "80\xa0%" and percent("en", 0.8) == "80%" == percent("zh", 0.8)
    assert t("de", "flood.people", n=1379) == "1.379 Personen"
    assert t("en", "alarms.comment_too_long", n=2345) == "The comment is 2,345 characters; at most 2,000."


def test_a_count_takes_its_nouns_plural_in_english_and_german_and_the_one_form_in_chinese() -> None:
    assert [count("en", "warning", n) for n in (0, 1, 3)] == ["0 warnings", "1 warning", "3 warnings"]
    assert [count("de", "alarm", n) for n in (1, 2)] == ["1 Alarm", "2 Alarme"]
    assert (
        count("de", "vehicle.truck", 2) == "2 Rettungsfahrzeuge" and count("en", "vehicle.truck", 1) == "1 rescue truck"
    )
    assert [count("zh", "alarm", n) for n in (1, 5)] == ["1 报警", "5 报警"]
    assert count("de", "alarm", 1234) == "1.234 Alarme"  # grouped in the locale's way, as ``t`` groups an int


def test_times_are_the_citys_clock_in_24_hours() -> None:
    for lang in LANGUAGES:
        assert clock(lang, "2026-07-01T00:34:00+00:00", "Asia/Shanghai") == "08:34"


def test_a_day_in_the_alarm_lists_names_its_month_not_12_08_which_reads_as_august() -> None:
    raised = "2026-12-08T04:28:00+00:00"  # 12:28 in Guiyang; written "12-08 12:28" in every language before
    assert day_and_clock("en", raised, "Asia/Shanghai") == "Dec 8 12:28"
    assert day_and_clock("de", raised, "Asia/Shanghai") == "8. Dez. 12:28"
    assert day_and_clock("zh", raised, "Asia/Shanghai") == "12月8日 12:28"
    assert day_and_clock("en", "2026-12-31T16:30:00+00:00", "Asia/Shanghai") == "Jan 1 00:30"  # the city's day


def test_the_catalogues_word_the_sentences_in_german() -> None:
    assert t("de", "river.flood_warning") == "Hochwasserwarnung"
    assert t("de", "alarms.type.fire.smoke_detector") == "Rauchmelder"
    assert t("de", "layer.lines") == "Freileitungen"
    assert Condition  # the alarm conditions' reasons are covered in test_i18n_reasons.py


def test_every_key_the_sign_in_and_admin_templates_show_is_in_all_three_catalogues() -> None:
    """The Jinja templates (sign-in, admin, a lost wall link) call ``t`` too: the same rule as the Python pages."""
    keys = set()
    for template in DASHBOARD.rglob("*.html"):
        keys |= set(re.findall(r"""\bt\(\s*lang\s*,\s*["']([a-z_][a-z0-9_.]*[a-z0-9_])["']""", template.read_text()))
    assert len(keys) > 20, keys  # the templates were read: sign-in and admin alone show more
    missing = sorted(f"{lang}: {key}" for key in keys for lang in LANGUAGES if key not in CATALOGUES[lang])
    assert missing == [], "add these keys to all three catalogues (dashboard/i18n.py says how)"


@settings(max_examples=300, deadline=None)
@given(
    value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
    | st.integers(-(10**9), 10**9),
    decimals=st.integers(0, 4),
    group=st.booleans(),
    lang=st.sampled_from(LANGUAGES),
)
def test_numbers_read_as_babel_writes_them(value: float, decimals: int, group: bool, lang: str) -> None:
    """``number``'s fast path (Python's formatting with the locale's separators) says what Babel says (of the
    value as Python rounds it, where a negative zero reads as zero)."""
    pattern = ("#,##" if group else "") + ("0." + "0" * decimals if decimals else "0")
    exact = Decimal(f"{float(value):.{decimals}f}")
    exact = abs(exact) if exact == 0 else exact
    expected = format_decimal(exact, format=pattern, locale=lang, decimal_quantization=True)
    assert number(lang, value, decimals, group) == expected
