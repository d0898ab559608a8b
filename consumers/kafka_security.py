"""How every Kafka client of every process proves who it is (SASL) and whom it talks to (TLS).

One frozen value, ``Settings.kafka_security``, built from the environment once and handed to the Kafka
transport, which gives the same kafka-python keyword arguments (``client_config``) to its producers, group
consumers, partition readers and admin clients. It is checked at start-up, files included: kafka-python
reports a typo in a mechanism, a missing CA file or a key it cannot decrypt only as a broker that never
answers, so here they stop the process with the variable's name instead. Passwords are ``Secret``s, which
no repr, log line or traceback shows. docs/security.md describes the settings and the ACLs each process needs.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consumers.settings_error import SettingsError

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
SASL_VARIABLES = ("KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "KAFKA_SASL_PASSWORD_FILE")
TLS_VARIABLES = (
    "KAFKA_SSL_CAFILE",
    "KAFKA_SSL_CERTFILE",
    "KAFKA_SSL_KEYFILE",
    "KAFKA_SSL_KEY_PASSWORD",
    "KAFKA_SSL_KEY_PASSWORD_FILE",
    "KAFKA_SSL_CHECK_HOSTNAME",
)
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True, slots=True)
class Secret:
    """A password: ``repr`` and ``str`` show ``***``, so printing the settings never leaks it; ``reveal()`` does."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"


class KafkaLoginRefused(SettingsError):
    """The broker refused our TLS handshake or SASL login. A configuration error, not an outage: retrying cannot
    mend it (``consumers/transport/kafka_login.py`` tells the two apart)."""


@dataclass(frozen=True, slots=True)
class KafkaSecurity:
    """``security_protocol`` with its SASL login and TLS files; the default is today's PLAINTEXT."""

    protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: Secret | None = None
    ssl_cafile: Path | None = None
    """CA bundle that signed the brokers' certificates; ``None``: the system's trust store."""
    ssl_certfile: Path | None = None
    """Client certificate (PEM) for brokers that authenticate clients by TLS (``ssl.client.auth=required``)."""
    ssl_keyfile: Path | None = None
    ssl_key_password: Secret | None = None
    ssl_check_hostname: bool = True
    """Off only skips matching the broker's name against its certificate; the chain is still verified."""

    def __post_init__(self) -> None:
        """Refuse combinations kafka-python would accept and then fail on, or silently ignore."""
        p = self.protocol
        if p not in PROTOCOLS:
            raise SettingsError(f"KAFKA_SECURITY_PROTOCOL={p!r} is not one of {', '.join(PROTOCOLS)}")
        if self.uses_sasl:
            if self.sasl_mechanism not in MECHANISMS:
                what = " is required" if self.sasl_mechanism is None else f"={self.sasl_mechanism!r} is unknown"
                raise SettingsError(
                    f"KAFKA_SASL_MECHANISM{what} with KAFKA_SECURITY_PROTOCOL={p} (one of {', '.join(MECHANISMS)})"
                )
            if not self.sasl_username:
                raise SettingsError(f"KAFKA_SASL_USERNAME is required with KAFKA_SECURITY_PROTOCOL={p}")
            if self.sasl_password is None or not self.sasl_password.reveal():
                raise SettingsError(
                    f"KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) is required with KAFKA_SECURITY_PROTOCOL={p}"
                )
        elif self.sasl_mechanism or self.sasl_username or self.sasl_password:
            # Credentials that would be ignored: the process would connect unauthenticated, which is never meant.
            raise SettingsError(
                f"KAFKA_SASL_* is set but KAFKA_SECURITY_PROTOCOL={p} does not use SASL (SASL_SSL or SASL_PLAINTEXT)"
            )
        tls_files = self.ssl_cafile or self.ssl_certfile or self.ssl_keyfile or self.ssl_key_password
        if not self.uses_tls and (tls_files or not self.ssl_check_hostname):
            raise SettingsError(f"KAFKA_SSL_* is set but KAFKA_SECURITY_PROTOCOL={p} does not use TLS (SSL, SASL_SSL)")
        if self.ssl_keyfile and not self.ssl_certfile:
            raise SettingsError("KAFKA_SSL_KEYFILE needs KAFKA_SSL_CERTFILE (the certificate that goes with the key)")
        if self.ssl_key_password and not self.ssl_certfile:
            raise SettingsError("KAFKA_SSL_KEY_PASSWORD needs KAFKA_SSL_CERTFILE and its key")

    @property
    def uses_sasl(self) -> bool:
        return self.protocol in ("SASL_PLAINTEXT", "SASL_SSL")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    def describe(self) -> str:
        """For log lines and error messages: how we connect and as whom, never the password."""
        if self.uses_sasl:
            return f"{self.protocol} ({self.sasl_mechanism} as {self.sasl_username!r})"
        return self.protocol

    def client_config(self) -> dict[str, Any]:
        """Keyword arguments for every kafka-python client (``KafkaProducer``, ``KafkaConsumer``, admin)."""
        config: dict[str, Any] = {"security_protocol": self.protocol}
        if self.uses_sasl:
            assert self.sasl_password is not None
            config["sasl_mechanism"] = self.sasl_mechanism
            config["sasl_plain_username"] = self.sasl_username
            config["sasl_plain_password"] = self.sasl_password.reveal()
        if self.uses_tls:
            config["ssl_check_hostname"] = self.ssl_check_hostname
            for key, path in (
                ("ssl_cafile", self.ssl_cafile),
                ("ssl_certfile", self.ssl_certfile),
                ("ssl_keyfile", self.ssl_keyfile),
            ):
                if path is not None:
                    config[key] = str(path)
            if self.ssl_key_password is not None:
                config["ssl_password"] = self.ssl_key_password.reveal()
        return config

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> KafkaSecurity:
        """Read ``KAFKA_SECURITY_PROTOCOL``, ``KAFKA_SASL_*`` and ``KAFKA_SSL_*``; check that the files load."""
        check_hostname = env.get("KAFKA_SSL_CHECK_HOSTNAME", "").strip().lower()
        if check_hostname not in ("", *_TRUE, *_FALSE):
            raise SettingsError(f"KAFKA_SSL_CHECK_HOSTNAME={check_hostname!r} is not true or false")
        security = cls(
            protocol=(env.get("KAFKA_SECURITY_PROTOCOL") or "PLAINTEXT").strip().upper(),
            sasl_mechanism=(env.get("KAFKA_SASL_MECHANISM") or "").strip().upper() or None,
            sasl_username=env.get("KAFKA_SASL_USERNAME") or None,
            sasl_password=_secret(env, "KAFKA_SASL_PASSWORD"),
            ssl_cafile=_file(env, "KAFKA_SSL_CAFILE"),
            ssl_certfile=_file(env, "KAFKA_SSL_CERTFILE"),
            ssl_keyfile=_file(env, "KAFKA_SSL_KEYFILE"),
            ssl_key_password=_secret(env, "KAFKA_SSL_KEY_PASSWORD"),
            ssl_check_hostname=check_hostname not in _FALSE,
        )
        if security.uses_tls:
            security._load_tls_files()
        return security

    def _load_tls_files(self) -> None:
        """Load the CA and the client key the way kafka-python will, so that a bad file fails now, by name."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if self.ssl_cafile is not None:
            try:
                context.load_verify_locations(cafile=str(self.ssl_cafile))
            except ssl.SSLError as exc:
                raise SettingsError(f"KAFKA_SSL_CAFILE={self.ssl_cafile}: no PEM certificate in it ({exc})") from None
        if self.ssl_certfile is not None:
            # A callable, not None: with None, OpenSSL would prompt on the terminal for an encrypted key's password.
            password = self.ssl_key_password.reveal() if self.ssl_key_password else ""
            try:
                keyfile = None if self.ssl_keyfile is None else str(self.ssl_keyfile)
                context.load_cert_chain(str(self.ssl_certfile), keyfile, lambda: password)
            except ssl.SSLError as exc:
                raise SettingsError(
                    f"KAFKA_SSL_CERTFILE={self.ssl_certfile}, KAFKA_SSL_KEYFILE={self.ssl_keyfile}: the certificate "
                    f"and key do not load (no key, a key that does not match, or a wrong KAFKA_SSL_KEY_PASSWORD): {exc}"
                ) from None


def _file(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name)
    if not raw:
        return None
    path = Path(raw)
    if not path.is_file():
        raise SettingsError(f"{name}={raw}: no such file")
    if not os.access(path, os.R_OK):
        raise SettingsError(f"{name}={raw}: not readable by this process")
    return path


def _secret(env: Mapping[str, str], name: str) -> Secret | None:
    """``NAME`` or ``NAME_FILE`` (a mounted secret; one trailing newline is not part of the password)."""
    value, path = env.get(name), env.get(f"{name}_FILE")
    if value and path:
        raise SettingsError(f"{name} and {name}_FILE are both set; set one")
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{name}_FILE={path}: cannot be read ({type(exc).__name__})") from None
        value = text.removesuffix("\n").removesuffix("\r")
        if not value:
            raise SettingsError(f"{name}_FILE={path} is empty")
    return Secret(value) if value else None
