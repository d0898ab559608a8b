"""The status colours, chosen for a dark control room and for readers with red-green colour blindness.

The rule is salience in order of urgency: on the dark background an alarm must stand out more than an OK site,
never less (the old palette drew a district in alarm in dark red, 2.2:1 against the background, beside a bright
green OK at 4.7:1). OK is a quiet steel blue, watch a lighter blue, warning amber and alarm a bright red. Blue
against yellow-red is the axis that deuteranopes and protanopes keep, so OK and watch stay apart from warning and
alarm for them too; warning and alarm, both yellowish to them, differ in lightness (amber is far lighter) and in
size, and an alarm is said in words and pulses on the wall.

``contrast_ratio`` is WCAG 2's; ``deuteranopia`` is the Machado, Oliveira and Fernandes (2009) simulation at
full severity, applied in linear RGB. The tests hold the palette to both, and the wall's screenshot is run
through the same simulation to be looked at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

BACKGROUND = "#0e1a24"
PANEL = "#13232f"
TEXT = "#e8eef3"

LEVEL_COLORS: Mapping[str, str] = {
    "ok": "#3d7ea6",
    "watch": "#6aa6cc",
    "warning": "#ffb000",
    "alarm": "#ff3b4e",
    "stale": "#7f8c8d",
    "no_data": "#55606b",
}
"""Sites, lines, badges and chips by level."""

RISK_COLORSCALE: list[list[float | str]] = [
    [0.0, "#24506f"],
    [0.25, "#6aa6cc"],
    [0.5, "#ffb000"],
    [0.8, "#ff7a2a"],
    [1.0, "#ff3b4e"],
]
"""A district's 0-100 risk: quiet blue at 0, bright red at 100, each step lighter or warmer than the one before."""

_DEUTERANOPIA = (
    (0.367322, 0.860646, -0.227968),
    (0.280085, 0.672501, 0.047413),
    (-0.011820, 0.042940, 0.968881),
)


def rgb(hex_color: str) -> tuple[float, float, float]:
    """``#rrggbb`` as three floats in 0..1 (gamma-encoded sRGB)."""
    h = hex_color.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"not a #rrggbb colour: {hex_color!r}")
    return int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255


def to_hex(color: Sequence[float]) -> str:
    return "#" + "".join(f"{round(min(1.0, max(0.0, c)) * 255):02x}" for c in color)


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _encoded(c: float) -> float:
    c = min(1.0, max(0.0, c))
    return c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def relative_luminance(hex_color: str) -> float:
    r, g, b = (_linear(c) for c in rgb(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21. AA asks 4.5 for text, 3 for large text and for graphics."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def deuteranopia_linear(r: float, g: float, b: float) -> tuple[float, float, float]:
    """A linear-RGB colour as a deuteranope sees it (linear RGB)."""
    m = _DEUTERANOPIA
    return (
        m[0][0] * r + m[0][1] * g + m[0][2] * b,
        m[1][0] * r + m[1][1] * g + m[1][2] * b,
        m[2][0] * r + m[2][1] * g + m[2][2] * b,
    )


def deuteranopia(hex_color: str) -> str:
    """``hex_color`` as a deuteranope sees it."""
    r, g, b = (_linear(c) for c in rgb(hex_color))
    return to_hex([_encoded(c) for c in deuteranopia_linear(r, g, b)])


def deuteranopia_image(pixels: Any) -> Any:
    """An RGB image (a ``numpy`` uint8 array, height x width x 3) as a deuteranope sees it: to look at a screenshot
    with their eyes."""
    import numpy as np

    encoded = np.asarray(pixels, dtype=np.float64)[..., :3] / 255.0
    linear = np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)
    seen = np.clip(linear @ np.asarray(_DEUTERANOPIA).T, 0.0, 1.0)
    out = np.where(seen <= 0.0031308, seen * 12.92, 1.055 * seen ** (1 / 2.4) - 0.055)
    return np.round(out * 255).astype(np.uint8)
