"""Settings come from the environment once, and a bad value names its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from consumers.kafka_security import KafkaSecurity
from consumers.settings import Settings, SettingsError


def test_defaults_give_the_embedded_guiyang_demo() -> None:
    s = Settings.from_env({})
    assert s.embedded and s.city == "guiyang" and s.port == 8050
    assert s.topics.inputs == ("city.river", "city.fire", "city.grid")


def test_environment_overrides() -> None:
    s = Settings.from_env(
        {
            "KAFKA_BOOTSTRAP_SERVERS": "k1:9092,k2:9092",
            "PORT": "9000",
            "CITYOPS_TOPIC_PREFIX": "gy",
            "CITYOPS_SIM_RATE": "2",
        }
    )
    assert not s.embedded and s.kafka_bootstrap_servers == "k1:9092,k2:9092"
    assert s.port == 9000 and s.topics.state == "gy.state" and s.sim_rate == 2.0


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"CITYOPS_PARTITIONS": "2.5"}, "CITYOPS_PARTITIONS"),
        ({"CITYOPS_SIM_RATE": "0.1"}, "CITYOPS_SIM_RATE"),
        ({"CITYOPS_LANGUAGE": "fr"}, "CITYOPS_LANGUAGE"),
        ({"CITYOPS_SIM_SCENARIO": "tsunami"}, "CITYOPS_SIM_SCENARIO"),
        ({"CITYOPS_SIM_SCENARIO": "../scenarios/flood"}, "CITYOPS_SIM_SCENARIO"),
        ({"CITYOPS_CLOCK": "sundial", "KAFKA_BOOTSTRAP_SERVERS": "k:9092"}, "CITYOPS_CLOCK"),
        ({"CITYOPS_CLOCK": "wall"}, "CITYOPS_CLOCK"),
        ({"CITYOPS_CITY": "atlantis"}, "CITYOPS_CITY"),
    ],
)
def test_bad_values_fail_with_the_variable_name(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)


GUIYANG_SCENARIOS = ["calm", "demo", "drought", "fire", "flood", "heatwave"]


@pytest.mark.parametrize("scenario", GUIYANG_SCENARIOS)
def test_the_simulator_plays_any_scenario_file_of_the_city_pack(scenario: str) -> None:
    assert Settings.from_env({"CITYOPS_SIM_SCENARIO": scenario}).sim_scenario == scenario


def test_an_unknown_scenario_is_refused_listing_the_scenarios_of_the_pack() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"CITYOPS_SIM_SCENARIO": "tsunami"})
    assert str(caught.value).startswith("CITYOPS_SIM_SCENARIO='tsunami' is not a scenario of the guiyang city pack")
    assert str(caught.value).endswith(f"use one of {', '.join(GUIYANG_SCENARIOS)}")


def test_the_scenarios_are_those_of_the_city_pack_the_settings_name(tmp_path: Path) -> None:
    """Checked after ``CITYOPS_ASSETS_DIR`` and ``CITYOPS_CITY`` are read: a pack's own scenario file is taken, one
    only another pack has is refused; a pack without scenario files takes the simulator's built-in ones."""
    scenarios = tmp_path / "city" / "atlantis" / "scenarios"
    scenarios.mkdir(parents=True)
    (scenarios / "tide.json").write_text("{}", encoding="utf-8")
    (tmp_path / "city" / "bare").mkdir()
    env = {"CITYOPS_ASSETS_DIR": str(tmp_path), "CITYOPS_CITY": "atlantis"}

    assert Settings.from_env({**env, "CITYOPS_SIM_SCENARIO": "tide"}).sim_scenario == "tide"
    with pytest.raises(SettingsError, match=r"CITYOPS_SIM_SCENARIO='fire' .*atlantis.*use one of tide$"):
        Settings.from_env({**env, "CITYOPS_SIM_SCENARIO": "fire"})
    with pytest.raises(SettingsError, match="CITYOPS_SIM_SCENARIO='calm'"):
        Settings.from_env(env)  # the default, calm, is no scenario of this pack
    bare = {"CITYOPS_ASSETS_DIR": str(tmp_path), "CITYOPS_CITY": "bare"}
    assert Settings.from_env({**bare, "CITYOPS_SIM_SCENARIO": "drought"}).sim_scenario == "drought"
    with pytest.raises(SettingsError, match=r"use one of calm, demo, drought$"):
        Settings.from_env({**bare, "CITYOPS_SIM_SCENARIO": "tide"})


SCRAM = {
    "KAFKA_BOOTSTRAP_SERVERS": "k1:9096",
    "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
    "KAFKA_SASL_MECHANISM": "scram-sha-512",
    "KAFKA_SASL_USERNAME": "cityops-consumers",
    "KAFKA_SASL_PASSWORD": "pa55-w0rd-not-to-print",
}


def test_kafka_security_defaults_to_plaintext_as_before() -> None:
    s = Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": "k1:9092"})
    assert s.kafka_security == KafkaSecurity()
    assert s.kafka_security.client_config() == {"security_protocol": "PLAINTEXT"}


def test_sasl_scram_from_the_environment_and_the_password_never_printed() -> None:
    s = Settings.from_env(SCRAM)
    assert s.kafka_security.client_config() == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "cityops-consumers",
        "sasl_plain_password": "pa55-w0rd-not-to-print",
        "ssl_check_hostname": True,
    }
    assert "pa55" not in repr(s) and "pa55" not in str(s.kafka_security)
    assert "Secret('***')" in repr(s)


def test_the_sasl_password_can_come_from_a_mounted_file(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("from-a-file\n")
    env = {k: v for k, v in SCRAM.items() if k != "KAFKA_SASL_PASSWORD"}
    s = Settings.from_env({**env, "KAFKA_SASL_PASSWORD_FILE": str(secret)})
    assert s.kafka_security.client_config()["sasl_plain_password"] == "from-a-file"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"KAFKA_SECURITY_PROTOCOL": "TLS"}, "KAFKA_SECURITY_PROTOCOL"),
        ({"KAFKA_SASL_MECHANISM": ""}, "KAFKA_SASL_MECHANISM is required"),
        ({"KAFKA_SASL_MECHANISM": "GSSAPI"}, "KAFKA_SASL_MECHANISM='GSSAPI' is unknown"),
        ({"KAFKA_SASL_USERNAME": ""}, "KAFKA_SASL_USERNAME"),
        ({"KAFKA_SASL_PASSWORD": ""}, "KAFKA_SASL_PASSWORD"),
        ({"KAFKA_SASL_PASSWORD_FILE": "/run/secrets/x"}, "KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE"),
        ({"KAFKA_SECURITY_PROTOCOL": "PLAINTEXT"}, "KAFKA_SASL_.* does not use SASL"),
        ({"KAFKA_SSL_CAFILE": "/no/such/ca.pem"}, "KAFKA_SSL_CAFILE=/no/such/ca.pem: no such file"),
        ({"KAFKA_SSL_CHECK_HOSTNAME": "maybe"}, "KAFKA_SSL_CHECK_HOSTNAME"),
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SSL_CHECK_HOSTNAME": "false"}, "does not use TLS"),
    ],
)
def test_bad_kafka_security_fails_with_the_variable_name(change: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named) as raised:
        Settings.from_env({**SCRAM, **change})
    assert "pa55" not in str(raised.value)


def test_a_missing_password_file_is_named(tmp_path: Path) -> None:
    env = {k: v for k, v in SCRAM.items() if k != "KAFKA_SASL_PASSWORD"}
    with pytest.raises(SettingsError, match=r"KAFKA_SASL_PASSWORD_FILE=.*cannot be read"):
        Settings.from_env({**env, "KAFKA_SASL_PASSWORD_FILE": str(tmp_path / "absent")})


def test_the_clock_is_simulated_embedded_and_the_wall_clock_with_kafka_unless_set() -> None:
    assert Settings.from_env({}).clock == "simulated"
    assert Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": "k:9092"}).clock == "wall"
    assert Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": "k:9092", "CITYOPS_CLOCK": "simulated"}).clock == "simulated"


def test_the_kafka_client_is_kafka_python_unless_confluent_is_chosen() -> None:
    assert Settings.from_env({}).kafka_client == "kafka-python"
    assert Settings.from_env({"CITYOPS_KAFKA_CLIENT": "confluent"}).kafka_client == "confluent"
    with pytest.raises(SettingsError, match=r"CITYOPS_KAFKA_CLIENT='rdkafka' is not one of kafka-python, confluent"):
        Settings.from_env({"CITYOPS_KAFKA_CLIENT": "rdkafka"})
