"""TLS files are loaded at start-up, so a bad one stops the process by name instead of timing out later."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from consumers.kafka_security import KafkaSecurity, Secret
from consumers.settings import SettingsError


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, a client certificate signed by it, its key in clear and encrypted (password ``key-pass``)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make test certificates")
    d = tmp_path_factory.mktemp("pki")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test-ca")
    openssl("req", *ec, "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=cityops")
    openssl(
        "x509",
        "-req",
        "-in",
        "client.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "client.pem",
    )
    openssl("pkey", "-in", "client.key", "-out", "client-enc.key", "-aes256", "-passout", "pass:key-pass")
    (d / "not-a-cert.pem").write_text("hello\n")
    return d


def tls_env(pki: Path, **extra: str) -> dict[str, str]:
    return {
        "KAFKA_SECURITY_PROTOCOL": "SSL",
        "KAFKA_SSL_CAFILE": str(pki / "ca.pem"),
        "KAFKA_SSL_CERTFILE": str(pki / "client.pem"),
        "KAFKA_SSL_KEYFILE": str(pki / "client.key"),
        **extra,
    }


def test_tls_files_become_kafka_python_options(pki: Path) -> None:
    security = KafkaSecurity.from_env(tls_env(pki, KAFKA_SSL_CHECK_HOSTNAME="false"))
    assert security.client_config() == {
        "security_protocol": "SSL",
        "ssl_check_hostname": False,
        "ssl_cafile": str(pki / "ca.pem"),
        "ssl_certfile": str(pki / "client.pem"),
        "ssl_keyfile": str(pki / "client.key"),
    }


def test_an_encrypted_key_loads_with_its_password_which_is_never_shown(pki: Path) -> None:
    env = tls_env(pki, KAFKA_SSL_KEYFILE=str(pki / "client-enc.key"), KAFKA_SSL_KEY_PASSWORD="key-pass")
    security = KafkaSecurity.from_env(env)
    assert security.client_config()["ssl_password"] == "key-pass"
    assert "key-pass" not in repr(security)


@pytest.mark.parametrize("password", ["wrong", None])
def test_an_encrypted_key_without_its_password_is_refused_by_name(pki: Path, password: str | None) -> None:
    env = tls_env(pki, KAFKA_SSL_KEYFILE=str(pki / "client-enc.key"))
    if password is not None:
        env["KAFKA_SSL_KEY_PASSWORD"] = password
    with pytest.raises(SettingsError, match=r"KAFKA_SSL_KEYFILE=.*KAFKA_SSL_KEY_PASSWORD"):
        KafkaSecurity.from_env(env)


def test_a_ca_file_that_holds_no_certificate_is_refused_by_name(pki: Path) -> None:
    with pytest.raises(SettingsError, match=r"KAFKA_SSL_CAFILE=.*not-a-cert\.pem"):
        KafkaSecurity.from_env(tls_env(pki, KAFKA_SSL_CAFILE=str(pki / "not-a-cert.pem")))


def test_a_key_needs_its_certificate(pki: Path) -> None:
    env = tls_env(pki)
    del env["KAFKA_SSL_CERTFILE"]
    with pytest.raises(SettingsError, match="KAFKA_SSL_KEYFILE needs KAFKA_SSL_CERTFILE"):
        KafkaSecurity.from_env(env)


def test_sasl_ssl_with_only_a_ca_file_and_the_system_trust_store_by_default(pki: Path) -> None:
    sasl = {"KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "web", "KAFKA_SASL_PASSWORD": "p"}
    ca = {"KAFKA_SSL_CAFILE": str(pki / "ca.pem")}
    with_ca = KafkaSecurity.from_env({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", **sasl, **ca}).client_config()
    assert with_ca["ssl_cafile"] == str(pki / "ca.pem") and "ssl_certfile" not in with_ca
    system = KafkaSecurity.from_env({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", **sasl}).client_config()
    assert "ssl_cafile" not in system and system["sasl_mechanism"] == "PLAIN"


def test_a_secret_shows_stars() -> None:
    secret = Secret("s3cret")
    assert repr(secret) == "Secret('***')" and str(secret) == "***" and f"{secret}" == "***"
    assert secret.reveal() == "s3cret"
