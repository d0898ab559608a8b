"""A sensor's reason for the lists and hover texts, in the page's language where its domain words it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consumers.citypack import SensorSpec
from dashboard.grid.words import line_reason
from dashboard.river.state import river_state_of
from dashboard.river.words import localized_reason


def sensor_reason(spec: SensorSpec, doc: Mapping[str, Any], lang: str) -> str:
    """A rated line's from its numbers in any language; a gauge's in the page language; other types' as the
    consumers wrote it (English)."""
    if doc.get("grid"):
        return line_reason(doc, lang)
    if lang != "en" and spec.type == "river.gauge" and doc.get("river"):
        return localized_reason(spec, doc, river_state_of(doc) or "stale", lang)
    return str(doc.get("reason", ""))
