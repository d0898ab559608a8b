"""The corner of every page header that says who is looking: a signed-in person (with sign-out), a wall, or an
anonymous visitor in demo mode (the issue's "says so on screen")."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from dash import dcc, html
from flask_wtf.csrf import generate_csrf

from consumers.settings import Settings
from dashboard.auth.roles import may_administer
from dashboard.auth.web import current_principal
from dashboard.i18n import t


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
    return html.Div(parts, className="account-bar")
