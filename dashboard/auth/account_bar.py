"""The corner of every page header that says who is looking: a signed-in person (with sign-out), a wall, or an
anonymous visitor in demo mode (the issue's "says so on screen"); and the language switch (EN · DE · 中文), which
every page with this header has because it is here."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from dash import dcc, html
from flask_wtf.csrf import generate_csrf

from consumers.settings import Settings
from dashboard.auth.roles import may_administer
from dashboard.auth.web import current_principal
from dashboard.i18n import LANGUAGE_NAMES, LANGUAGES, t


def account_bar(settings: Settings, lang: str, page: str) -> html.Div:
    """``page`` is the page's own path: Dash renders layouts inside its callback request, not the page's."""
    principal = current_principal()
    here = quote(f"{page}?lang={lang}", safe="")
    parts: list[Any]
    if principal is None:
        parts = [
            html.Span(t(lang, "account.demo"), className="account-demo", id="account-demo") if settings.demo else "",
            html.A(t(lang, "auth.sign_in"), href=f"/auth/login?lang={lang}&next={here}", id="account-sign-in"),
        ]
    elif principal.kind == "wall":
        parts = [html.Span(t(lang, "account.wall", name=principal.name), className="account-wall")]
    else:
        parts = [
            html.Span(
                t(lang, "account.signed_in", name=principal.name, role=t(lang, f"role.{principal.role}")),
                id="account-name",
            )
        ]
        if may_administer(principal.role):
            parts.append(html.A(t(lang, "account.admin"), href=f"/admin?lang={lang}", id="account-admin"))
        parts.append(
            html.Form(
                [
                    dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
                    html.Button(t(lang, "auth.sign_out"), type="submit", id="account-sign-out"),
                ],
                action=f"/auth/logout?lang={lang}",
                method="POST",
                className="account-sign-out",
            )
        )
    return html.Div([language_switch(lang, page), *parts], className="account-bar")


def language_switch(lang: str, page: str) -> html.Nav:
    """Links to this page in each language (``?lang=`` wins over the browser's and the setting's choice); the
    current one is plain text. Ids ``header-lang-<code>``."""
    items: list[Any] = []
    for code in LANGUAGES:
        if items:
            items.append(" · ")
        name = LANGUAGE_NAMES[code]
        if code == lang:
            items.append(html.Span(name, id=f"header-lang-{code}", className="lang-current", style={"fontWeight": 700}))
        else:
            items.append(html.A(name, href=f"{page}?lang={code}", id=f"header-lang-{code}", lang=code, hrefLang=code))
    label: dict[str, Any] = {"aria-label": t(lang, "lang.switch")}
    return html.Nav(items, id="header-lang", className="lang-switch", **label)
