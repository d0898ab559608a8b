"""Where a web worker writes operators' actions: ``city.actions``, keyed by the alarm's district, so that the
processor owning the alarm applies it (``consumers.alarms.actions``). The web worker never changes an alarm
itself; it shows the change when the alarm comes back on ``city.alarms`` (``dashboard.state_view``)."""

from __future__ import annotations

import threading

from consumers.alarms.actions import Action, district_of
from consumers.settings import Settings
from consumers.transport import Transport
from consumers.transport.base import Producer


class ActionSink:
    """One producer per web worker, made at the first action (most viewers never act), shared by its threads."""

    def __init__(self, settings: Settings, transport: Transport) -> None:
        self._topic = settings.topics.actions
        self._transport = transport
        self._producer: Producer | None = None
        self._lock = threading.Lock()

    def send(self, action: Action, timeout_s: float = 10.0) -> None:
        """Write the action and wait until the broker has it: an operator told "sent" must be able to trust it.
        Raises ``TransportError`` when the broker does not take it."""
        with self._lock:  # actions are rare: one at a time keeps a producer of any transport safe
            if self._producer is None:
                self._producer = self._transport.producer()
            self._producer.send(self._topic, action.encode(), key=district_of(action.alarm).encode())
            self._producer.flush(timeout_s)

    def close(self) -> None:
        with self._lock:
            if self._producer is not None:
                self._producer.close()
                self._producer = None
