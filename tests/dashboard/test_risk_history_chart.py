"""A district's day of risk as a chart, at the picture's time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from consumers.clock import epoch_iso
from dashboard.i18n import t
from dashboard.risk_history_chart import history_figure

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_day_ends_at_the_pictures_time_not_the_web_workers_clock() -> None:
    """Under a demo's simulated clock, a day running hours ahead of the wall: the chart ended at the wall's now and
    showed none of it."""
    now = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).astimezone(SHANGHAI)
    starts = [now - timedelta(minutes=5 * k) for k in range(12, 0, -1)]
    doc = {
        "t": [epoch_iso(s.timestamp()) for s in starts],
        "risk": [10.0 + k for k in range(12)],
        "fire": [None] * 12,
        "e": [s.timestamp() for s in starts],
    }
    figure = history_figure(doc, 55.0, None, now, "en")
    low, high = figure.layout.xaxis.range
    assert (low, high) == (now - timedelta(hours=24), now)
    risk = figure.data[0]
    assert all(low <= x <= high for x in risk.x) and len(risk.x) == 13
    assert (risk.x[-1], risk.y[-1]) == (now, 55.0)  # the score now is the last point
    assert not figure.layout.annotations  # not "no history"


def test_a_district_without_a_day_yet_says_so() -> None:
    now = datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI)
    figure = history_figure(None, 5.0, None, now, "en")
    assert [a.text for a in figure.layout.annotations] == [t("en", "drill.no_history")]
