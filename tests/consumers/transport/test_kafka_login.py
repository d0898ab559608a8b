"""A refused login or TLS handshake stops the process; a broker that is down is still an outage (no broker needed).

kafka-python's I/O thread is played by logging what it logs when a connection dies: "Connection lost" with the
connection and the error as arguments.
"""

from __future__ import annotations

import logging
import ssl

import pytest
from kafka.errors import KafkaConnectionError, KafkaTimeoutError, SaslAuthenticationFailedError
from kafka.net.connection import KafkaConnection
from kafka.protocol.broker_version_data import BrokerVersionData

from consumers.kafka_security import KafkaLoginRefused, KafkaSecurity, Secret
from consumers.transport.kafka_login import LoginGuard

SCRAM = KafkaSecurity("SASL_SSL", "SCRAM-SHA-512", "cityops", Secret("pw"))
conn_log = logging.getLogger("kafka.net.connection")


def lost(exc: BaseException, *, spoke_kafka: bool = True) -> None:
    """A connection dies of ``exc`` before it was ready; ``spoke_kafka``: after ApiVersions, i.e. in the login."""
    conn = KafkaConnection(None, node_id="bootstrap-0", broker_version_data=None)
    if spoke_kafka:
        conn.broker_version_data = BrokerVersionData((4, 0))
    conn.init_future.failure(exc)
    conn_log.error("%s: Connection lost: %s", conn, exc)


def connect(guard: LoginGuard, *failures: BaseException, spoke_kafka: bool = True) -> None:
    """A client that sees ``failures`` while it bootstraps, and then gives up as kafka-python does."""
    with guard.connecting():
        for exc in failures:
            lost(exc, spoke_kafka=spoke_kafka)
        raise KafkaTimeoutError("Unable to bootstrap from k1:9096")


def test_an_answered_refusal_is_a_configuration_error_and_every_later_client_is_refused_at_once() -> None:
    guard = LoginGuard("k1:9096", SCRAM)
    said = r"refused the connection over SASL_SSL \(SCRAM-SHA-512 as 'cityops'\): it answered .*invalid credentials"
    with pytest.raises(KafkaLoginRefused, match=said):
        connect(guard, SaslAuthenticationFailedError("invalid credentials"))
    with pytest.raises(KafkaLoginRefused, match="invalid credentials"), guard.connecting():
        pytest.fail("a second client must not even try")


def test_hang_ups_in_every_login_are_a_refusal_too() -> None:
    """kafka-python usually drops the broker's error answer when the close arrives with it."""
    hang_ups = [KafkaConnectionError("socket disconnected") for _ in range(3)]
    with pytest.raises(KafkaLoginRefused, match="hung up in the login 3 times"):
        connect(LoginGuard("k1:9096", SCRAM), *hang_ups)


@pytest.mark.parametrize(("hang_ups", "spoke_kafka"), [(1, True), (5, False)])
def test_a_broker_that_is_down_or_one_hang_up_stays_an_outage(hang_ups: int, spoke_kafka: bool) -> None:
    guard = LoginGuard("k1:9096", SCRAM)
    failures = [KafkaConnectionError("socket disconnected") for _ in range(hang_ups)]
    with pytest.raises(KafkaTimeoutError):
        connect(guard, *failures, spoke_kafka=spoke_kafka)
    with guard.connecting():
        pass  # not remembered as a refusal: the next client tries again


def test_what_was_seen_before_the_client_started_does_not_count() -> None:
    lost(SaslAuthenticationFailedError("from another client, earlier"))
    with pytest.raises(KafkaTimeoutError):
        connect(LoginGuard("k1:9096", SCRAM))


def test_plaintext_clients_are_not_watched() -> None:
    with pytest.raises(KafkaTimeoutError):
        connect(LoginGuard("k1:9092", KafkaSecurity()), SaslAuthenticationFailedError("not ours"))


def handshake_failed(error: ssl.SSLError) -> KafkaConnectionError:
    """As kafka-python raises it: a new error, raised while handling the TLS one."""
    try:
        raise error
    except ssl.SSLError:
        try:
            raise KafkaConnectionError(f"Handshake failed: {error}")
        except KafkaConnectionError as wrapped:
            return wrapped


TLS = KafkaSecurity("SSL", ssl_check_hostname=True)


def test_a_broker_certificate_we_do_not_trust_is_a_configuration_error() -> None:
    failures = [handshake_failed(ssl.SSLCertVerificationError("certificate verify failed")) for _ in range(3)]
    with pytest.raises(KafkaLoginRefused, match=r"over SSL: the TLS handshake failed 3 times: .*KAFKA_SSL_CAFILE"):
        connect(LoginGuard("k1:9093", TLS), *failures, spoke_kafka=False)


def test_a_client_certificate_the_broker_refuses_is_a_configuration_error() -> None:
    """The broker's alert arrives with the first read, wrapped as the argument of the error."""
    failures = [KafkaConnectionError(ssl.SSLError(1, "[SSL: SSLV3_ALERT_BAD_CERTIFICATE]")) for _ in range(3)]
    with pytest.raises(KafkaLoginRefused, match=r"BAD_CERTIFICATE.*KAFKA_SSL_CERTFILE"):
        connect(LoginGuard("k1:9093", TLS), *failures, spoke_kafka=False)


def test_tls_streams_that_merely_end_are_an_outage() -> None:
    failures = [KafkaConnectionError(ssl.SSLEOFError(8, "EOF occurred in violation of protocol")) for _ in range(5)]
    with pytest.raises(KafkaTimeoutError):
        connect(LoginGuard("k1:9093", TLS), *failures, spoke_kafka=False)
