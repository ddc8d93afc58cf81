"""`i5g registry migrate|serve|create-token|revoke-token|seed`.

Imports only argparse at module level so `i5g registry --help` works without the registry extra.
"""

from __future__ import annotations

import argparse

from registry.accounts.cli import add_create_staff


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("registry", help="the use-case registry (database, REST API, web UI)")
    parser.set_defaults(parser_for_help=parser)
    actions = parser.add_subparsers(
        dest="registry_action", metavar="{migrate,serve,create-token,revoke-token,create-staff,seed}"
    )

    migrate = actions.add_parser("migrate", help="create or upgrade the database schema (I5G_DATABASE_URL)")
    migrate.set_defaults(handler=_migrate, parser_for_help=migrate)

    serve = actions.add_parser("serve", help="serve the REST API (and web UI)")
    serve.add_argument("--host", help="address to listen on (default: I5G_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: I5G_PORT or 8000)")
    serve.set_defaults(handler=_serve, parser_for_help=serve)

    create_token = actions.add_parser("create-token", help="create an API token and print it (shown only once)")
    create_token.add_argument("--name", required=True, help="who or what uses it, e.g. collector-1")
    create_token.add_argument("--role", choices=["staff", "collector"], default="staff")
    create_token.set_defaults(handler=_create_token, parser_for_help=create_token)

    revoke_token = actions.add_parser("revoke-token", help="revoke an API token by name")
    revoke_token.add_argument("--name", required=True)
    revoke_token.set_defaults(handler=_revoke_token, parser_for_help=revoke_token)

    # Web UI accounts (registry/accounts/cli.py).
    add_create_staff(actions)

    seed = actions.add_parser("seed", help="load the curated seed data (idempotent)")
    seed.add_argument(
        "--seeds-dir", default=None, help="directory of seed files (default: the catalog shipped with the package)"
    )
    seed.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    seed.set_defaults(handler=_seed, parser_for_help=seed)


def _settings():  # -> RegistrySettings
    from i5g.cli import load_settings
    from registry.settings import RegistrySettings

    return load_settings(RegistrySettings)


def _migrate(args: argparse.Namespace) -> int:
    from i5g.cli import CommandError
    from registry.schema import prepare_database

    settings = _settings()
    try:
        prepare_database(settings.database_url)
    except Exception as exc:  # a bad URL or unreachable server: one line for the user
        raise CommandError(f"migration of {_safe_url(settings.database_url)} failed: {exc}") from exc
    print(f"database {_safe_url(settings.database_url)} is at the newest schema; scenarios synced")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from registry.app import create_app

    settings = _settings()
    _refuse_unsafe_start(settings)
    host = args.host or settings.host
    port = args.port or settings.port
    # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1, i.e. from any local
    # client; the app reads forwarded headers itself, from I5G_TRUSTED_PROXIES only (registry/web/client_address.py).
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=False)
    return 0


def _refuse_unsafe_start(settings) -> None:  # settings: RegistrySettings
    from i5g.cli import CommandError, load_settings
    from i5g.secret_policy import refuse_weak_secrets
    from registry.broker.settings import BrokerSettings

    if settings.environment == "production" and "secret_key" not in settings.model_fields_set:
        raise CommandError(
            "I5G_ENVIRONMENT=production needs I5G_SECRET_KEY (a random per-process key would log everyone out at "
            "each restart and differ between registry processes)"
        )
    broker = load_settings(BrokerSettings)
    refuse_weak_secrets(
        [
            (
                "I5G_SECRET_KEY",
                settings.secret_key.get_secret_value() if "secret_key" in settings.model_fields_set else None,
            ),
            ("I5G_BROKER_ADMIN_PASSWORD", broker.admin_password.get_secret_value() if broker.enabled else None),
        ]
    )


def _create_token(args: argparse.Namespace) -> int:
    from registry.auth.service import create_token
    from registry.enums import TokenRole

    plaintext = _with_session(lambda session: create_token(session, args.name, TokenRole(args.role))[1])
    print(plaintext)
    return 0


def _revoke_token(args: argparse.Namespace) -> int:
    from registry.auth.service import revoke_token

    _with_session(lambda session: revoke_token(session, args.name))
    print(f"token {args.name!r} revoked")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from registry.seeding.loader import run_seed

    return run_seed(args)


def _with_session(work):  # (Session -> T) -> T, in one transaction; registry errors become CommandError
    from i5g.cli import CommandError
    from registry.db import make_engine, make_sessionmaker, session_scope
    from registry.errors import RegistryError

    engine = make_engine(_settings().database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            return work(session)
    except RegistryError as exc:
        raise CommandError(exc.message) from None
    finally:
        engine.dispose()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
