"""An update rendered once per state version and shared by every viewer: as the plain data Dash sends, and a digest.

Why its own encoder: plotly's ``to_json_plotly`` walks every value in Python before encoding (for NumPy, dates and
the like, which these updates never hold); on the map page's update (2,446 sensors' hover texts and the side
lists' component trees) that walk was half of a render, and a web worker renders every state version, several a
second (``bench.map_render``). orjson encodes the same tree in C, asking back only for what it does not know: the
Dash components and the ``Patch``, each of which says its own JSON (``to_plotly_json``). A test holds that the
result is what plotly's encoder gives.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson


def _plotly_json(value: Any) -> Any:
    to_json = getattr(value, "to_plotly_json", None)
    if to_json is None:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return to_json()


def encode(outputs: Any) -> bytes:
    """The JSON of a callback's outputs (components and patches included)."""
    return orjson.dumps(outputs, default=_plotly_json, option=orjson.OPT_SERIALIZE_NUMPY)


def plain(outputs: list[Any]) -> list[Any]:
    """``outputs`` as plain lists and dicts: each viewer's answer is then a plain dump, not a walk of component
    trees."""
    return list(orjson.loads(encode(outputs)))


def digest(value: Any) -> str:
    """A short digest of a JSON-ready value (equal values, equal digests): what a browser says it has seen."""
    return hashlib.sha1(encode(value), usedforsecurity=False).hexdigest()[:20]
