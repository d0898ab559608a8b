"""One settings object for every process, built from the environment (12-factor) and passed in.

Nothing reads ``os.environ`` at import time: ``Settings.from_env`` is called once by each entry point,
and everything else receives the object. A bad value fails at start-up with the variable's name.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from consumers.kafka_security import KafkaSecurity
from consumers.settings_error import SettingsError

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("calm", "demo", "drought")
"""The scenarios built into the simulator (``simulator/model.py``): what ``CITYOPS_SIM_SCENARIO`` takes for a city
pack without scenario files. A pack with them takes their ids (``scenario_ids``)."""
SCENARIO_DIR = "scenarios"
"""A city pack's scenario files, ``<id>.json`` (``simulator/scenarios.py``, not imported here)."""


def scenario_ids(city_dir: Path) -> tuple[str, ...]:
    """The scenarios ``CITYOPS_SIM_SCENARIO`` may name for a city pack: its scenario files' ids, sorted, or the
    built-in ``SCENARIOS`` when it has none."""
    folder = city_dir / SCENARIO_DIR
    ids = sorted(p.stem for p in folder.glob("*.json") if p.is_file()) if folder.is_dir() else []
    return tuple(ids) or SCENARIOS


KAFKA_CLIENTS = ("kafka-python", "confluent")
"""``CITYOPS_KAFKA_CLIENT``: the design card's kafka-python (default), or confluent-kafka (librdkafka; optional,
``requirements-confluent.txt``) for those who outgrow it. Both implement the same ``Transport``."""


@dataclass(frozen=True, slots=True)
class Topics:
    """Topic names, all under one prefix so that two deployments can share a cluster."""

    prefix: str = "city"

    @property
    def river(self) -> str:
        return f"{self.prefix}.river"

    @property
    def fire(self) -> str:
        return f"{self.prefix}.fire"

    @property
    def grid(self) -> str:
        return f"{self.prefix}.grid"

    @property
    def inputs(self) -> tuple[str, str, str]:
        return (self.river, self.fire, self.grid)

    def for_domain(self, domain: str) -> str:
        return f"{self.prefix}.{domain}"

    @property
    def deadletter(self) -> str:
        return f"{self.prefix}.deadletter"

    @property
    def state(self) -> str:
        return f"{self.prefix}.state"

    @property
    def changelog(self) -> str:
        return f"{self.prefix}.changelog"

    @property
    def actions(self) -> str:
        """Operators' actions on alarms, keyed by the alarm's district (co-partitioned with the inputs)."""
        return f"{self.prefix}.actions"

    @property
    def alarms(self) -> str:
        """Every alarm kept (active, and cleared within the history), compacted, keyed ``alarm:<id>``."""
        return f"{self.prefix}.alarms"

    @property
    def consumed(self) -> tuple[str, ...]:
        """What the consumer group reads: the inputs and the actions."""
        return (*self.inputs, self.actions)


_FRAME_SOURCE = re.compile(
    r"'self'|[a-z][a-z0-9+.-]*:|([a-z][a-z0-9+.-]*://)?(\*|(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*)(:(\d+|\*))?(/[^\s;,'\"]*)?",
    re.IGNORECASE,
)


def check_frame_ancestors(raw: str) -> str:
    """A CSP ``frame-ancestors`` source list, checked: it goes into a response header as it is."""
    sources = raw.split()
    if sources == ["'none'"] or (sources and all(_FRAME_SOURCE.fullmatch(s) for s in sources)):
        return " ".join(sources)
    raise SettingsError(
        f"CITYOPS_FRAME_ANCESTORS={raw!r} is not a list of CSP sources ('self', 'none' alone, or origins)"
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """Every tunable of the product. Defaults give the embedded demo on a laptop."""

    city: str = "guiyang"
    assets_dir: Path = REPO_ROOT / "assets"
    kafka_bootstrap_servers: str | None = None
    kafka_security: KafkaSecurity = field(default_factory=KafkaSecurity)
    kafka_client: str = "kafka-python"
    topics: Topics = field(default_factory=Topics)
    partitions: int = 6
    consumer_group: str = "cityops-consumers"
    client_id: str = "cityops"
    host: str = "127.0.0.1"
    port: int = 8050
    web_threads: int = 8
    web_max_body_bytes: int = 1024 * 1024  # larger request bodies are answered 413 (a Dash update is a few KiB)
    web_header_timeout_s: float = 10.0  # a request head not complete by then is dropped (gunicorn_worker.py)
    frame_ancestors: str = "'self'"  # CSP frame-ancestors: who may show the page in a frame (walls that embed it)
    flush_interval_s: float = 1.0
    consumer_full_gc_every_s: float = 600.0
    """A consumer process collects garbage at its flushes, everything once per this long (``consumers.gc_policy``);
    0 leaves CPython's automatic collector on."""
    heap_trim_every_s: float = 3600.0
    """After a flush, once per this long of the consumer's clock, freed heap goes back to the system
    (``consumers.heap_trim``); 0 never."""
    clock: str = "simulated"
    """``wall``: "now" is the wall clock (production, real sensors). ``simulated``: "now" is the simulator's clock,
    which it sends to every input partition (consumers/contract.py ``ClockTick``); the embedded default always
    runs its simulator, so it is the default there, and ``wall`` is the default with Kafka."""
    future_tolerance_s: float = 300.0
    allowed_lateness_s: float = 1800.0
    sim_speed: float = 60.0
    sim_rate: float = 1.0
    sim_seed: int = 7
    sim_scenario: str = "calm"
    ui_refresh_ms: int = 1000
    ui_stale_after_s: float = 10.0
    language: str = "en"
    wall_playlists: str = ""
    """``CITYOPS_WALL_PLAYLISTS``: named wall playlists as JSON, ``{"river-room": {"views": ["river", "flood"],
    "period": 30}}``; a wall opens one by ``/wall?playlist=river-room`` (``dashboard.wall.playlist``, which checks
    it when the web app starts)."""
    demo_mode: bool | None = None
    """``CITYOPS_DEMO_MODE``: a demonstration (the embedded default, unless set to 0), where anyone who reaches the
    page views it without signing in (acting on alarms still needs a signed-in operator); outside it, every page
    and the API refuse anonymous requests."""
    users_db: Path = REPO_ROOT / ".cityops" / "users.sqlite"
    """``CITYOPS_USERS_DB``: the SQLite file of users, sessions and tokens (``dashboard/auth/store.py``), shared by
    every web worker on the host."""
    session_hours: float = 12.0
    """``CITYOPS_SESSION_HOURS``: a signed-in session ends this long after sign-in (a shift); wall tokens do not
    expire, they are revoked."""
    secure_cookies: bool = False
    """``CITYOPS_SECURE_COOKIES=1``: session and CSRF cookies only over HTTPS (set it behind a TLS proxy)."""

    @property
    def demo(self) -> bool:
        return self.embedded if self.demo_mode is None else self.demo_mode

    @property
    def embedded(self) -> bool:
        """No Kafka configured: run everything in one process on the in-memory transport."""
        return not self.kafka_bootstrap_servers

    @property
    def city_dir(self) -> Path:
        return self.assets_dir / "city" / self.city

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ``CITYOPS_*``, ``PORT`` and ``KAFKA_BOOTSTRAP_SERVERS``; unknown values fail loudly."""
        env = os.environ if env is None else env
        default = cls()

        def number(name: str, fallback: float, low: float, high: float) -> float:
            raw = env.get(name)
            if raw is None or raw == "":
                return fallback
            try:
                value = float(raw)
            except ValueError:
                raise SettingsError(f"{name}={raw!r} is not a number") from None
            if not low <= value <= high:
                raise SettingsError(f"{name}={raw} is outside {low}..{high}")
            return value

        def switch(name: str) -> bool | None:
            """A yes/no variable: None when unset."""
            raw = (env.get(name) or "").strip().lower()
            if raw not in ("", "1", "0", "true", "false", "yes", "no"):
                raise SettingsError(f"{name}={raw!r} is not one of 1, 0 (or true, false)")
            return None if raw == "" else raw in ("1", "true", "yes")

        def integer(name: str, fallback: int, low: int, high: int) -> int:
            value = number(name, fallback, low, high)
            if value != int(value):
                raise SettingsError(f"{name}={env[name]} is not a whole number")
            return int(value)

        language = env.get("CITYOPS_LANGUAGE", default.language)
        if language not in ("en", "de", "zh"):  # dashboard.i18n.LANGUAGES (the consumers do not import the web app)
            raise SettingsError(f"CITYOPS_LANGUAGE={language!r} is not one of en, de, zh")
        scenario = env.get("CITYOPS_SIM_SCENARIO", default.sim_scenario)  # checked against the city pack below
        bootstrap = env.get("KAFKA_BOOTSTRAP_SERVERS") or None
        kafka_client = (env.get("CITYOPS_KAFKA_CLIENT") or default.kafka_client).strip().lower()
        if kafka_client not in KAFKA_CLIENTS:
            raise SettingsError(f"CITYOPS_KAFKA_CLIENT={kafka_client!r} is not one of {', '.join(KAFKA_CLIENTS)}")
        if kafka_client == "confluent" and importlib.util.find_spec("confluent_kafka") is None:
            raise SettingsError(
                "CITYOPS_KAFKA_CLIENT=confluent needs the confluent-kafka package "
                "(pip install -r requirements-confluent.txt)"
            )
        clock = env.get("CITYOPS_CLOCK") or ("wall" if bootstrap else "simulated")
        if clock not in ("wall", "simulated"):
            raise SettingsError(f"CITYOPS_CLOCK={clock!r} is not one of wall, simulated")
        if clock == "wall" and not bootstrap:
            raise SettingsError("CITYOPS_CLOCK=wall needs KAFKA_BOOTSTRAP_SERVERS (embedded runs a simulator)")
        assets_dir = Path(env.get("CITYOPS_ASSETS_DIR", str(default.assets_dir)))
        settings = cls(
            city=env.get("CITYOPS_CITY", default.city),
            assets_dir=assets_dir,
            kafka_bootstrap_servers=bootstrap,
            kafka_security=KafkaSecurity.from_env(env),
            kafka_client=kafka_client,
            topics=Topics(env.get("CITYOPS_TOPIC_PREFIX", default.topics.prefix)),
            partitions=integer("CITYOPS_PARTITIONS", default.partitions, 1, 256),
            consumer_group=env.get("CITYOPS_CONSUMER_GROUP", default.consumer_group),
            client_id=env.get("CITYOPS_CLIENT_ID", default.client_id),
            host=env.get("HOST", default.host),
            port=integer("PORT", default.port, 1, 65535),
            web_threads=integer("CITYOPS_WEB_THREADS", default.web_threads, 1, 64),
            web_max_body_bytes=integer("CITYOPS_WEB_MAX_BODY_BYTES", default.web_max_body_bytes, 1024, 2**30),
            web_header_timeout_s=number("CITYOPS_WEB_HEADER_TIMEOUT_S", default.web_header_timeout_s, 0.5, 300),
            frame_ancestors=check_frame_ancestors(env.get("CITYOPS_FRAME_ANCESTORS", default.frame_ancestors)),
            flush_interval_s=number("CITYOPS_FLUSH_INTERVAL_S", default.flush_interval_s, 0.05, 60),
            consumer_full_gc_every_s=number(
                "CITYOPS_CONSUMER_FULL_GC_EVERY_S", default.consumer_full_gc_every_s, 0, 86400
            ),
            heap_trim_every_s=number("CITYOPS_HEAP_TRIM_EVERY_S", default.heap_trim_every_s, 0, 7 * 86400),
            clock=clock,
            future_tolerance_s=number("CITYOPS_FUTURE_TOLERANCE_S", default.future_tolerance_s, 0, 86400),
            allowed_lateness_s=number("CITYOPS_ALLOWED_LATENESS_S", default.allowed_lateness_s, 0, 86400),
            sim_speed=number("CITYOPS_SIM_SPEED", default.sim_speed, 0.1, 10000),
            sim_rate=number("CITYOPS_SIM_RATE", default.sim_rate, 0.34, 100),
            sim_seed=integer("CITYOPS_SIM_SEED", default.sim_seed, 0, 2**31),
            sim_scenario=scenario,
            ui_refresh_ms=integer("CITYOPS_UI_REFRESH_MS", default.ui_refresh_ms, 200, 60000),
            ui_stale_after_s=number("CITYOPS_UI_STALE_AFTER_S", default.ui_stale_after_s, 1, 3600),
            language=language,
            wall_playlists=env.get("CITYOPS_WALL_PLAYLISTS", default.wall_playlists),
            demo_mode=switch("CITYOPS_DEMO_MODE"),
            users_db=Path(env.get("CITYOPS_USERS_DB") or str(default.users_db)),
            session_hours=number("CITYOPS_SESSION_HOURS", default.session_hours, 0.05, 24 * 30),
            secure_cookies=bool(switch("CITYOPS_SECURE_COOKIES")),
        )
        if not settings.city_dir.is_dir():
            raise SettingsError(f"CITYOPS_CITY={settings.city!r}: no city pack at {settings.city_dir}")
        scenarios = scenario_ids(settings.city_dir)
        if scenario not in scenarios:
            raise SettingsError(
                f"CITYOPS_SIM_SCENARIO={scenario!r} is not a scenario of the {settings.city} city pack "
                f"({settings.city_dir / SCENARIO_DIR}): use one of {', '.join(scenarios)}"
            )
        return settings
