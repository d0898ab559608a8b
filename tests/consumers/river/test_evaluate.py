"""The skill definitions on hand-made timelines, the evaluation command, and the threshold invariant."""

from __future__ import annotations

import csv
import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.river import scenarios
from consumers.river.__main__ import main
from consumers.river.evaluate import (
    TIMELINE_COLUMNS,
    Episode,
    derive_params,
    episodes,
    false_alarms,
    guess_measure,
    onset_indices,
    onset_leads,
    read_series,
    replay,
    skill,
)

HOUR = 3600.0
T0 = 1_700_006_400.0
REPO = Path(__file__).resolve().parents[3]


def hours(n: int) -> list[float]:
    return [T0 + i * HOUR for i in range(n)]


def test_an_onset_needs_seven_days_at_or_above() -> None:
    times = hours(500)
    values = [1.0] * 500
    values[100] = 0.4  # only 100 h above: not an onset
    values[268] = 0.4  # above from 101 h to 268 h, 167 h: still not
    values[437] = 0.4  # above from 269 h to 437 h, exactly 7 days: an onset
    assert onset_indices(times, values, 0.5) == [437]
    values[0:168] = [0.5] * 168  # at the threshold counts as above
    values[168] = 0.49
    assert onset_indices(times, values, 0.5)[0] == 168


def test_onsets_skip_missing_values() -> None:
    times = hours(200)
    values = [1.0] * 200
    values[50] = math.nan
    values[180] = 0.1
    assert onset_indices(times, values, 0.5) == [180]


def test_episodes_end_at_the_first_step_without_the_warning() -> None:
    times = hours(10)
    flags = [False, True, True, False, False, True, True, True, True, True]
    assert episodes(times, flags) == [Episode(T0 + HOUR, T0 + 3 * HOUR), Episode(T0 + 5 * HOUR, T0 + 9 * HOUR)]


def hand_made() -> tuple[list[float], list[float], list[bool]]:
    """Four onsets and four warning episodes, hourly:

    - onset A at 192 h, warned from 112 h: a hit with an 80-hour lead;
    - onset B at 384 h, not warned: a miss;
    - onset C at 576 h, warned from 566 h: a late warning (10 h): counts for pod_any, not pod_72h;
    - warned 700-720 h with no onset until 768 h: a false alarm;
    - warned 900-940 h, onset D at 960 h (20 h after the episode ends): not a false alarm, and D is a miss.
    """
    n = 1000
    times = hours(n)
    values = [1.0] * n
    for onset in (192, 384, 576, 960):
        values[onset] = 0.3
    flags = [False] * n
    for start, end in ((112, 200), (566, 580), (700, 720), (900, 940)):
        for i in range(start, end):
            flags[i] = True
    return times, values, flags


def test_skill_of_the_hand_made_timeline() -> None:
    times, values, flags = hand_made()
    onsets = onset_indices(times, values, 0.5)
    assert onsets == [192, 384, 576, 960]
    assert onset_leads(times, flags, onsets) == [80.0, None, 10.0, None]
    fas = false_alarms(episodes(times, flags), [times[i] for i in onsets])
    assert fas == [Episode(T0 + 700 * HOUR, T0 + 720 * HOUR)]
    result = skill(times, values, flags, 0.5)
    assert result["onsets"] == 4
    assert result["pod_72h"] == 0.25
    assert result["pod_any"] == 0.5
    assert result["far"] == 0.25  # false-alarm episodes / all episodes (issue 13; was FA / (hits at any lead + FA))
    assert result["csi"] == 0.2  # H72 / (H72 + M + FA) = 1 / (1 + 3 + 1)
    assert result["median_lead_hours"] == 45.0
    assert (result["hits_72h"], result["hits_any"], result["false_alarms"], result["episodes"]) == (1, 2, 1, 4)


def test_an_episode_ending_more_than_24_hours_before_an_onset_is_a_false_alarm() -> None:
    times, values, flags = hand_made()
    for i in range(900, 940):
        flags[i] = False
    for i in range(900, 935):  # now ends 25 h before onset D
        flags[i] = True
    assert skill(times, values, flags, 0.5)["false_alarms"] == 2


def test_without_onsets_pod_is_null() -> None:
    times = hours(300)
    result = skill(times, [1.0] * 300, [False] * 300, 0.5)
    assert result["onsets"] == 0
    assert result["pod_72h"] is None and result["pod_any"] is None
    assert result["far"] is None and result["csi"] is None and result["median_lead_hours"] is None
    warned = skill(times, [1.0] * 300, [i > 100 for i in range(300)], 0.5)
    assert warned["far"] == 1.0 and warned["csi"] == 0.0


def test_params_for_a_bare_series() -> None:
    times = hours(24 * 10)
    values = [2.0 if i < 24 * 7 else 9.0 for i in range(len(times))]
    params = derive_params(values, times, 1.0, "stage")
    assert params["normal"] == {"stage_m": 2.0}
    assert params["thresholds"]["drought_low"] == 1.0
    assert params["thresholds"]["flood_warning"] > 9.0 * 5


def test_measure_from_the_column_name() -> None:
    assert guess_measure("discharge_m3s") == "discharge"
    assert guess_measure("flow") == "discharge"
    assert guess_measure("Q") == "discharge"
    assert guess_measure("stage_m") == "stage"
    assert guess_measure("level") == "stage"


def test_read_series_accepts_epoch_seconds_and_sorts(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("t,q\n200,2.0\n100,1.0\n300,\n", encoding="utf-8")
    times, values, rains = read_series(path, "t", "q")
    assert times == [100.0, 200.0, 300.0]
    assert values[:2] == [1.0, 2.0] and math.isnan(values[2])
    assert rains is None


def test_the_command_writes_the_timeline_and_prints_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = scenarios.scenario("daily_k095_stage")
    csv_path = scenarios.DATA_DIR / sc.file_name
    timeline = tmp_path / "timeline.csv"
    assert main(scenarios.command(sc, csv_path, timeline)) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"onsets", "pod_72h", "pod_any", "far", "csi", "median_lead_hours"} <= set(result)
    with timeline.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == TIMELINE_COLUMNS == ("time", "value", "forecast_min_72h", "warning", "eta_hours")
    n_input = len(csv_path.read_text(encoding="utf-8").splitlines()) - 1
    assert len(rows) - 1 == n_input
    for _time, _value, fmin, warning, eta in rows[1:]:
        assert warning in ("0", "1")
        if warning == "0":
            assert eta == ""
        assert fmin == "" or float(fmin) > 0
    assert any(r[3] == "1" for r in rows[1:])


def test_python_dash_m_runs_the_exact_command(tmp_path: Path) -> None:
    timeline = tmp_path / "t.csv"
    csv_path = scenarios.DATA_DIR / "daily_k099_discharge.csv"
    cmd = [sys.executable, "-m", "consumers.river", "evaluate", "--csv", str(csv_path), "--time-column", "time"]
    cmd += ["--value-column", "discharge_m3s", "--low-threshold", "15", "--timeline-out", str(timeline)]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    assert result["onsets"] == 5
    assert timeline.read_text(encoding="utf-8").startswith("time,value,forecast_min_72h,warning,eta_hours\n")


def random_river(
    seed: int, days: int, k: float, noise: float, rains: list[int]
) -> tuple[list[float], list[float], list[float]]:
    rng = random.Random(seed)
    times, values, rain = [], [], []
    q = 10.0
    for d in range(days):
        r = 15.0 if d in rains else 0.0
        q = q * k + r * 0.5
        times.append(T0 + d * 86400.0)
        values.append(q * (1 + rng.gauss(0, noise)))
        rain.append(r / 24)
    return times, values, rain


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    k=st.floats(0.9, 0.99),
    noise=st.floats(0.0, 0.04),
    rains=st.lists(st.integers(0, 59), max_size=4),
    thresholds=st.tuples(st.floats(3.0, 9.0), st.floats(0.0, 2.0)),
)
def test_a_lower_threshold_never_warns_earlier_than_a_higher_one(
    seed: int, k: float, noise: float, rains: list[int], thresholds: tuple[float, float]
) -> None:
    times, values, rain = random_river(seed, 60, k, noise, rains)
    high, gap = thresholds
    rows_hi = replay(times, values, rain, derive_params(values, times, high, "discharge"))
    rows_lo = replay(times, values, rain, derive_params(values, times, high - gap, "discharge"))
    for lo, hi in zip(rows_lo, rows_hi, strict=True):
        assert hi.warning or not lo.warning
