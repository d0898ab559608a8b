"""A shared update's JSON: orjson with the components' own JSON says what plotly's encoder says."""

from __future__ import annotations

import json
import math
from types import MappingProxyType

from dash import dcc, html
from plotly.io.json import to_json_plotly

from consumers.citypack import CityPack
from dashboard.figures import map_patch
from dashboard.fire.hexes import HexLayer
from dashboard.rendered import digest, encode, plain
from dashboard.state_view import StateSnapshot


def test_an_update_encodes_as_plotly_would_and_its_digest_follows_its_content(pack: CityPack) -> None:
    doc = {"id": "NM-03", "level": "alarm", "stale": False, "reason": "stage 4.50 m", "values": {"stage_m": 4.5}}
    snapshot = StateSnapshot(entities=MappingProxyType({"sensor:NM-03": MappingProxyType(doc)}))
    outputs = [
        map_patch(pack, HexLayer.of(pack), snapshot, "de", 1_765_000_000.0),
        [html.Div([html.B("NM-03"), " · ", html.Span("ALARM", style={"color": "#ff3b4e"})], className="row")],
        dcc.Markdown("**bold**"),
        {"n": 3, "gap": math.nan, "none": None, "text": "干旱预警"},
    ]
    assert json.loads(encode(outputs)) == json.loads(to_json_plotly(outputs))
    data = plain(outputs)
    assert data == json.loads(to_json_plotly(outputs))
    seen = digest(data)
    assert digest(plain(outputs)) == seen
    calm = StateSnapshot(entities=MappingProxyType({"sensor:NM-03": MappingProxyType({**doc, "level": "ok"})}))
    outputs[0] = map_patch(pack, HexLayer.of(pack), calm, "de", 1_765_000_000.0)
    assert digest(plain(outputs)) != seen
