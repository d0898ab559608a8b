"""``python -m dashboard.auth``: accounts from the command line, for the first admin and for scripted set-ups.

    python -m dashboard.auth create-admin alice          # asks for the password twice
    python -m dashboard.auth add-user bob --role operator --password-stdin < secret.txt
    python -m dashboard.auth set-password bob             # also unlocks a name locked by wrong passwords
    python -m dashboard.auth wall-token "control room wall 2"
    python -m dashboard.auth api-token "reporting job"
    python -m dashboard.auth revoke 3f2a9c01d2e4
    python -m dashboard.auth list

Works on the file at ``CITYOPS_USERS_DB`` (the same settings as the web tier); the web page ``/admin`` does the
same for a signed-in admin. The trail names the acting user ``cli:<login name>``.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from consumers.settings import Settings, SettingsError
from dashboard.auth.roles import ROLES
from dashboard.auth.store import AccountError, AccountStore


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.auth", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser("create-admin", help="the first admin (refused once an admin exists)")
    admin.add_argument("name")
    admin.add_argument("--password-stdin", action="store_true")
    user = commands.add_parser("add-user", help="a user with a role")
    user.add_argument("name")
    user.add_argument("--role", choices=ROLES, required=True)
    user.add_argument("--password-stdin", action="store_true")
    password = commands.add_parser("set-password", help="a new password (ends the user's sessions, unlocks the name)")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true")
    for kind in ("wall", "api"):
        token = commands.add_parser(f"{kind}-token", help=f"a new {kind} token, printed once")
        token.add_argument("label")
    revoke = commands.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id")
    commands.add_parser("list", help="users and tokens")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        store = AccountStore(settings.users_db)
        by = f"cli:{getpass.getuser()}"
        if args.command == "create-admin":
            if store.has_admin():
                raise AccountError("an admin exists already: add more users from /admin or with add-user")
            store.add_user(args.name, "admin", _password(args.password_stdin), by=by)
            print(f"admin {args.name} created in {settings.users_db}")
        elif args.command == "add-user":
            store.add_user(args.name, args.role, _password(args.password_stdin), by=by)
            print(f"{args.role} {args.name} created in {settings.users_db}")
        elif args.command == "set-password":
            store.set_password(args.name, _password(args.password_stdin), by=by, source="cli")
            print(f"password of {args.name} set; their sessions ended")
        elif args.command in ("wall-token", "api-token"):
            kind = args.command.removesuffix("-token")
            print(store.create_token(kind, args.label, by=by))
        elif args.command == "revoke":
            store.revoke_token(args.token_id, by=by, source="cli")
            print(f"token {args.token_id} revoked")
        else:
            for u in store.users():
                print(f"user  {u.name:<24} {u.role:<9} {'disabled' if u.disabled else 'enabled'}")
            for tk in store.tokens():
                print(f"token {tk.id} {tk.kind:<5} {tk.label:<30} {'revoked' if tk.revoked_at else 'active'}")
    except (AccountError, SettingsError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
