"""A refused login or TLS handshake is a configuration error, not an outage: make it fail as one.

kafka-python 3.0 reports a wrong password, an untrusted broker certificate or a missing client certificate
like a broker that is down: it reconnects until its bootstrap timeout and raises ``KafkaTimeoutError``
("Unable to bootstrap"). The transport turns that into ``TransportError``, which the runner waits out for
ever, so a wrong password would look like a long outage. Worse, a broker that refuses a SASL login answers
with an error and closes the connection, and kafka-python usually reads both at once and drops the answer
(seen here: one ``SaslAuthenticationFailedError`` in about 30 attempts, the others "socket disconnected").

``LoginGuard`` therefore watches kafka-python's log while a client connects, for connections that died
before they were ready ("Connection lost", with the connection and the error as arguments). When the client
then fails, and either the TLS handshake failed (an ``ssl.SSLError`` that is not a mere end of stream), or
the SASL login was answered with an error (a refusal, a mechanism the broker does not offer, or
``IllegalSaslState`` from a listener without SASL), or the broker hung up in the login, after it had answered
ApiVersions, on every attempt, it raises ``KafkaLoginRefused``: a ``SettingsError``, so the process stops
with "configuration error". Every later client of the same transport is refused at once: the settings
cannot change while the process runs.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Iterator
from typing import Any

from kafka.errors import BrokerResponseError, KafkaError
from kafka.net.connection import KafkaConnection

from consumers.kafka_security import KafkaLoginRefused, KafkaSecurity

TIMES_TO_BE_SURE = 3
"""One failed attempt can be a broker that stops; three in a row, and no success at all, is a refusal."""
NOT_A_VERDICT = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)
"""TLS errors that only say the stream ended, as it does when a broker restarts."""
SASL_HINT = (
    "check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM, that the user has credentials "
    "for that mechanism, and that KAFKA_BOOTSTRAP_SERVERS is a SASL listener"
)
TLS_HINT = (
    "check KAFKA_SSL_CAFILE (the CA that signed the brokers' certificates), KAFKA_SSL_CHECK_HOSTNAME, and, "
    "for brokers that require client certificates, KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE"
)


def _tls_error(exc: BaseException) -> ssl.SSLError | None:
    """kafka-python wraps TLS errors in ``KafkaConnectionError``: as its context, or as its argument."""
    for inner in (exc, exc.__cause__, exc.__context__, *exc.args):
        if isinstance(inner, ssl.SSLError) and not isinstance(inner, NOT_A_VERDICT):
            return inner
    return None


class _LoginWatch(logging.Handler):
    """Collects the errors of connections that died before they were ready, as kafka-python's I/O thread logs them."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.tls: list[ssl.SSLError] = []
        self.in_login: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        conn, exc = args if len(args) == 2 else (None, None)
        if not isinstance(conn, KafkaConnection) or not isinstance(exc, BaseException):
            return
        init: Any = conn.init_future
        if not (init.failed() and init.exception is exc):
            return  # a connection that had been ready: its loss is an outage, not a refusal
        tls = _tls_error(exc)
        if tls is not None:
            self.tls.append(tls)
        elif conn.broker_version_data is not None:  # past ApiVersions: it died in the SASL login
            self.in_login.append(exc)

    def verdict(self, security: KafkaSecurity) -> str | None:
        """Why the broker refused us, or ``None`` when what was seen looks like an outage."""
        if len(self.tls) >= TIMES_TO_BE_SURE:
            return f"the TLS handshake failed {len(self.tls)} times: {self.tls[-1]} ({TLS_HINT})"
        if not security.uses_sasl:
            return None
        answers = [f for f in self.in_login if isinstance(f, BrokerResponseError)]
        if answers:
            return f"it answered the login with {answers[-1]} ({SASL_HINT})"
        if len(self.in_login) >= TIMES_TO_BE_SURE:
            n = len(self.in_login)
            return f"it hung up in the login {n} times in a row, as it does on wrong credentials ({SASL_HINT})"
        return None


class LoginGuard:
    """Wraps the construction of each kafka-python client of one transport (``with guard.connecting(): ...``)."""

    def __init__(self, bootstrap: str, security: KafkaSecurity) -> None:
        self._bootstrap = bootstrap
        self._security = security
        self._refused: str | None = None

    @contextlib.contextmanager
    def connecting(self) -> Iterator[None]:
        if self._refused is not None:
            raise KafkaLoginRefused(self._refused)
        if self._security.protocol == "PLAINTEXT":
            yield
            return
        watch = _LoginWatch()
        kafka_log = logging.getLogger("kafka")
        kafka_log.addHandler(watch)
        try:
            yield
        except KafkaError as exc:
            why = watch.verdict(self._security)
            if why is None:
                raise
            self._refused = f"Kafka at {self._bootstrap} refused the connection over {self._security.describe()}: {why}"
            raise KafkaLoginRefused(self._refused) from exc
        finally:
            kafka_log.removeHandler(watch)
