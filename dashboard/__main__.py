"""``python -m dashboard``: the whole product in one process (embedded default) under gunicorn.

Without ``KAFKA_BOOTSTRAP_SERVERS`` this runs the simulator, the consumer and the web app together on the
in-memory transport; with it, only the web app (one worker), reading the cluster's state topic.
"""

from __future__ import annotations

import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from consumers.settings import Settings, SettingsError
from dashboard.auth.store import AccountStore
from dashboard.serving import bind_problem, gunicorn_options


class _Server(BaseApplication):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        for name, value in gunicorn_options(s).items():  # the same hardening as the Procfile's web process
            self.cfg.set(name, value)
        self.cfg.set("bind", f"{s.host}:{s.port}")
        self.cfg.set("workers", 1)  # the embedded pipeline lives in the worker; one worker, many threads
        self.cfg.set("threads", s.web_threads)
        mode = (
            "embedded (in-process transport, built-in simulator)"
            if s.embedded
            else (f"Kafka at {s.kafka_bootstrap_servers}")
        )
        url = f"http://{s.host}:{s.port}"

        access = (
            "demo mode: anyone may view; sign in as an operator to act on alarms"
            if s.demo
            else "sign-in required (CITYOPS_DEMO_MODE=0)"
        )
        accounts = AccountStore(s.users_db)
        first = (
            ""
            if accounts.users()
            else f"\n  No users yet in {s.users_db}: python -m dashboard.auth create-admin <name>"
        )

        def when_ready(_: Any) -> None:
            print(f"\n  {s.city.title()} city operations dashboard: {url}   [{mode}; {access}]{first}\n", flush=True)

        self.cfg.set("when_ready", when_ready)

    def load(self) -> Any:
        from dashboard.wsgi import create_server

        return create_server(self.settings)


def main() -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    problem = bind_problem(settings.host, settings.port)
    if problem is not None:
        print(f"cannot start the dashboard: {problem}", file=sys.stderr)
        return 2
    _Server(settings).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
