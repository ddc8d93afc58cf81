"""`i5g registry create-staff --email ...`: makes a staff account (the first one, or another).

The password comes from I5G_STAFF_PASSWORD or an interactive prompt (asked twice, never echoed); it is never
printed or logged. Imports only argparse/stdlib at module level (see i5g/cli.py).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

PASSWORD_ENV = "I5G_STAFF_PASSWORD"


def add_create_staff(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser(
        "create-staff",
        help=f"create a staff (reviewer) account for the web UI; password from {PASSWORD_ENV} or a prompt",
    )
    parser.add_argument("--email", required=True, help="the staff member's e-mail (their login)")
    parser.set_defaults(handler=create_staff, parser_for_help=parser)


def read_password() -> str:
    from i5g.cli import CommandError

    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise CommandError(f"no terminal to ask for the password: set {PASSWORD_ENV}")
    first = getpass.getpass("password for the new staff account: ")
    if getpass.getpass("repeat the password: ") != first:
        raise CommandError("the two passwords differ; nothing was created")
    return first


def create_staff(args: argparse.Namespace) -> int:
    from i5g.cli import CommandError, load_settings
    from registry import models  # noqa: F401  (maps every table, so User's relationships resolve)
    from registry.accounts.models import UserRole
    from registry.accounts.service import AccountError, create_user
    from registry.audit.service import Actor
    from registry.db import make_engine, make_sessionmaker, transaction
    from registry.settings import RegistrySettings
    from registry.web.i18n import translate

    settings = load_settings(RegistrySettings)
    password = read_password()
    engine = make_engine(settings.database_url)
    try:
        for session in transaction(make_sessionmaker(engine)):
            user = create_user(session, args.email, password, UserRole.staff, actor=Actor.system("cli"))
            email = user.email
    except AccountError as exc:
        raise CommandError(f"{exc.field}: {translate('en', exc.key)}") from None
    finally:
        engine.dispose()
    print(f"staff account {email} created")
    return 0
