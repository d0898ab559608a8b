"""Text set for the narrow cells of a control-room page: a number is never parted from its unit or noun.

Why: in the alarm list at 1366 px a German reason broke as "4,6" at the end of one line and "m" at the start of
the next, and "2" / "Quellen" likewise; read at a glance that is a different number. A no-break space after a
number keeps the pair on one line and costs nothing where the cell is wide. Only for what is shown: exports keep
the consumers' text as written.
"""

from __future__ import annotations

import re

NO_BREAK_SPACE = "\u00a0"
_GAP_AFTER_NUMBER = re.compile(r"(?<=\d) (?=[^\s\d])")


def unbroken_quantities(text: str) -> str:
    """``text`` with each space between a number and the word after it made a no-break space."""
    return _GAP_AFTER_NUMBER.sub(NO_BREAK_SPACE, text)
