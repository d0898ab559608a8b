"""Every JSON example in docs/telemetry.md is a valid record for a sensor of the Guiyang pack."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from consumers.citypack import CityPack
from consumers.contract import CLOCK_TYPE, RECORD_TYPES, REPORT_TYPE, ClockTick, Reading, decode

DOC = Path(__file__).resolve().parents[2] / "docs" / "telemetry.md"
EXAMPLES = re.findall(r"```json\n(.*?)\n```", DOC.read_text(), flags=re.DOTALL)


def test_the_page_has_an_example_of_every_record_type_and_of_the_clock_record() -> None:
    assert {json.loads(e)["type"] for e in EXAMPLES} == {*RECORD_TYPES, CLOCK_TYPE}


def test_the_clock_record_example_decodes() -> None:
    (example,) = [e for e in EXAMPLES if json.loads(e)["type"] == CLOCK_TYPE]
    assert isinstance(decode(example.encode()), ClockTick)


READINGS = [e for e in EXAMPLES if json.loads(e)["type"] != CLOCK_TYPE]


@pytest.mark.parametrize("example", READINGS, ids=[json.loads(e)["type"] for e in READINGS])
def test_each_example_decodes_and_names_a_real_sensor(example: str, pack: CityPack) -> None:
    reading = decode(example.encode())
    assert isinstance(reading, Reading), reading
    if reading.type == REPORT_TYPE:  # a call, not a sensor: its position must be in its district
        assert pack.place(reading.district, float(reading.values["lon"]), float(reading.values["lat"])) is None
        return
    spec = pack.sensors[reading.sensor_id]
    assert (spec.type, spec.district) == (reading.type, reading.district)
