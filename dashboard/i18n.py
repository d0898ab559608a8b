"""Interface texts in English, German and Chinese, from gettext catalogues, and numbers and times in each locale.

**How to add a key** (a label, a sentence, a legend): one entry in each of the three catalogues,
``dashboard/locale/en/LC_MESSAGES/messages.po``, ``.../de/...`` and ``.../zh/...``::

    msgid "flood.route"
    msgstr "{vehicle} from {station}: {eta}, {km} km"

``msgid`` is the key that ``t(lang, "flood.route", vehicle=..., ...)`` looks up; ``msgstr`` the text in that
language, with the same ``{placeholders}`` (``str.format``; no format specs: give numbers already formatted with
``number()``, or as ``int``, which ``t`` groups in the locale's way). Then run ``tests/dashboard/test_i18n.py``:
it fails when a key has no text in one of the three languages, when their placeholders differ, or when a
``t(lang, "...")`` call anywhere in ``dashboard/`` names a key that is not in all three catalogues (a key built at
run time, ``t(lang, "fault." + code)``, is checked by its prefix: list new prefixes in that test).

The catalogues are read once, at import, with ``babel.messages.pofile.read_po``: no compiled ``.mo`` files to keep
in step with them and no build step. At run time a key missing in English is a ``KeyError`` (a typo must be
loud); a key without a German or Chinese text shows the English one (the test above fails on it first).

The language is chosen per screen (``language``): the URL's ``?lang=``, else the browser's ``Accept-Language``,
else ``CITYOPS_LANGUAGE``. Sensor and alarm reasons come from the consumers in English and are worded in the
page's language on this side: river (``dashboard.river.words``), power lines (``dashboard.grid.words``), fire
incidents (``dashboard.fire.words``), and every other reason (fire sensors, alarms) by ``dashboard.reasons``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton, format_time
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LANGUAGES = ("en", "de", "zh")
SEPARATORS = {
    lang: (Locale.parse(lang).number_symbols["latn"]["decimal"], Locale.parse(lang).number_symbols["latn"]["group"])
    for lang in LANGUAGES
    if Locale.parse(lang).number_symbols["latn"]["minusSign"] == "-"
}
"""Each language's decimal point and thousands separator (``number``'s fast path; all three write "-" for minus)."""
"""The first is the fallback of every text."""
LANGUAGE_NAMES: Mapping[str, str] = {"en": "EN", "de": "DE", "zh": "中文"}
"""Each language by its own name, as the switch in the page header shows it (not translated, by design)."""
LOCALE_DIR = Path(__file__).with_name("locale")


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def _read(lang: str) -> dict[str, str]:
    with catalogue_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang)
    return {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.string, str) and m.string}


CATALOGUES: Mapping[str, Mapping[str, str]] = {lang: _read(lang) for lang in LANGUAGES}
"""Each language's texts by key, as read from its catalogue."""
LABELS = CATALOGUES
"""The former name of ``CATALOGUES`` (the texts used to be a dict in this module)."""


def has_key(key: str) -> bool:
    """Whether ``key`` is a text at all (in English, which every key must have)."""
    return key in CATALOGUES["en"]


def t(lang: str, key: str, **values: object) -> str:
    """The text of ``key`` in ``lang`` with ``values`` filled in; ``int`` values are grouped the locale's way."""
    text = CATALOGUES.get(lang, CATALOGUES["en"]).get(key) or CATALOGUES["en"][key]
    if not values:
        return text
    return text.format(**{k: number(lang, v, group=True) if type(v) is int else v for k, v in values.items()})


PLURAL_FORM = {lang: Locale.parse(lang).plural_form for lang in LANGUAGES}
"""Each language's CLDR plural rule: ``one`` for 1 in English and German, ``other`` for every count in Chinese."""


def count(lang: str, key: str, n: int) -> str:
    """``n`` things in ``lang``'s grammar: "1 alarm", "3 alarms", "3 Alarme", "3 报警", from the catalogue's
    ``count.<key>.one`` and ``count.<key>.other``. Why: a number beside a label in the singular read "3 warning",
    "2 Alarm", "2 rescue truck" on the busiest screens."""
    form = "one" if PLURAL_FORM[lang if lang in PLURAL_FORM else "en"](n) == "one" else "other"
    return t(lang, f"count.{key}.{form}", n=n)


def names_in_order(name_en: str, name_zh: str, lang: str) -> tuple[str, str]:
    """Both names of a place, the page language's first: visitors read one, the control room knows both. The
    city packs name places in English and Chinese; a German page reads the English (Latin-script) name first."""
    return (name_zh, name_en) if lang == "zh" else (name_en, name_zh)


# -- choosing the language -----------------------------------------------------------------------------------------


def choose_language(requested: str | None, accept_language: str | None, default: str) -> str:
    """The language of a screen: the URL's ``?lang=`` when it is one of ``LANGUAGES``, else the best match of the
    browser's ``Accept-Language`` header (``de-DE`` counts as ``de``), else ``default`` (the setting), else English.
    Anything unknown is passed over, never an error: a link with ``?lang=fr`` still opens a page."""
    if requested in LANGUAGES:
        return str(requested)
    if accept_language:
        from werkzeug.datastructures import LanguageAccept
        from werkzeug.http import parse_accept_header

        best = parse_accept_header(accept_language, LanguageAccept).best_match(LANGUAGES)
        if best in LANGUAGES:
            return str(best)
    return default if default in LANGUAGES else LANGUAGES[0]


def language(requested: str | None, default: str) -> str:
    """``choose_language`` with the current request's ``Accept-Language`` (a page's own request, or the Dash
    callback's, which the same browser sends with the same header); outside a request, the URL's and the
    setting's only."""
    import flask

    header = flask.request.headers.get("Accept-Language") if flask.has_request_context() else None
    return choose_language(requested, header, default)


# -- numbers and times ---------------------------------------------------------------------------------------------


def number(lang: str, value: float, decimals: int | None = 0, group: bool = False) -> str:
    """``value`` in the locale's digits: ``1.5`` is ``1,5`` in German. ``decimals`` fixed (rounded as Python's
    ``f"{value:.2f}"`` does, so English reads as before), or ``None`` for as many as it has (``f"{value:g}"``, for
    thresholds: ``2.5``, ``3``); ``group`` puts the locale's separators between thousands (``1,379``/``1.379``).
    A value that rounds to zero reads ``0.00``, never ``-0.00`` (a level falling by 0.001 m/h is not negative
    zero to anyone reading it)."""
    if (value if decimals is None else round(float(value), decimals)) == 0:
        value = 0.0
    if decimals is not None and lang in SEPARATORS:
        # The locale's separators put into Python's own formatting: the same text as Babel's (a Hypothesis test
        # holds it), in a fiftieth of the time. A map update formats thousands of numbers (bench.map_render).
        point, thousands = SEPARATORS[lang]
        text = f"{float(value):,.{decimals}f}" if group else f"{float(value):.{decimals}f}"
        return text.translate({ord(","): thousands, ord("."): point})
    if decimals is None:
        exact = Decimal(f"{float(value):g}")
        pattern = "0.######"
    else:
        exact = Decimal(f"{float(value):.{decimals}f}")
        pattern = "0." + "0" * decimals if decimals > 0 else "0"
    if group:
        pattern = "#,##" + pattern
    return format_decimal(exact, format=pattern, locale=lang, decimal_quantization=decimals is not None)


def percent(lang: str, fraction: float) -> str:
    """A fraction as a whole percentage in the locale's way: ``80%`` in English and Chinese, ``80 %`` in German."""
    return format_percent(Decimal(f"{100 * float(fraction):.0f}") / 100, locale=lang)


def day_and_clock(lang: str, when: datetime | str, tz: str) -> str:
    """A day and time on the city's clock in ``lang``'s way: ``Dec 8 12:28``, ``8. Dez. 12:28``, ``12月8日 12:28``.

    Why not ``12-08 12:28``: the alarm lists wrote that in every language, and a reader used to day-first dates
    takes it for the 12th of August; a month's name cannot be misread."""
    moment = datetime.fromisoformat(when) if isinstance(when, str) else when
    return f"{format_skeleton('MMMd', moment, tzinfo=ZoneInfo(tz), locale=lang)} {clock(lang, moment, tz)}"


def clock(lang: str, when: datetime | str, tz: str) -> str:
    """A time of day on the city's clock, ``08:34`` (24-hour in all three languages, as control rooms read it)."""
    moment = datetime.fromisoformat(when) if isinstance(when, str) else when
    return format_time(moment, "HH:mm", tzinfo=ZoneInfo(tz), locale=lang)
