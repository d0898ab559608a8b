"""Settings come from the environment once, and a bad value names its variable."""

from __future__ import annotations

import pytest

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
        ({"CITYOPS_CITY": "atlantis"}, "CITYOPS_CITY"),
    ],
)
def test_bad_values_fail_with_the_variable_name(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)
