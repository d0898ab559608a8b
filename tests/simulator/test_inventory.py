"""The generated building inventory: the committed file is what the script makes from its seed, and what it
makes is a plausible city."""

from __future__ import annotations

import json
from collections import Counter

from consumers.citypack import CityPack
from simulator.inventory import GUIYANG, LANDMARKS, SEED, URBAN_DISTRICTS, generate, render


def test_the_committed_inventory_is_what_the_script_generates_from_its_seed() -> None:
    committed = (GUIYANG / "buildings.json").read_text()
    landmarks = [b for b in json.loads(committed) if int(b["id"].split("-")[1]) < 100]
    districts = json.loads((GUIYANG / "districts.geojson").read_text())
    assert len(landmarks) == LANDMARKS
    assert render(generate(landmarks, districts, SEED)) == committed


def test_the_inventory_spreads_every_kind_over_the_urban_districts(pack: CityPack) -> None:
    generated = [b for b in pack.buildings.values() if int(b.id.split("-")[1]) >= 100]
    assert len(pack.buildings) >= 300
    assert {b.district for b in generated} == set(URBAN_DISTRICTS)
    kinds = Counter(b.kind for b in generated)
    assert set(kinds) == {"school", "office", "mall", "hospital", "care_home", "station"}
    assert min(kinds.values()) >= 20
