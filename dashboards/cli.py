"""`i5g dashboards build|check|push`. Only argparse at module level (see i5g/cli.py)."""

from __future__ import annotations

import argparse
import base64
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dashboards.settings import DashboardsSettings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dashboards", help="Grafana dashboards as code: build, check, push")
    parser.set_defaults(parser_for_help=parser)
    actions = parser.add_subparsers(dest="action", metavar="{build,check,push}")

    build = actions.add_parser("build", help="generate the dashboard JSON (dashboards/generated/)")
    build.add_argument(
        "--out", type=Path, default=None, help="output directory (default: the checkout's dashboards/generated)"
    )
    build.set_defaults(handler=_build, parser_for_help=build)

    check = actions.add_parser(
        "check", help="committed JSON = generated; optionally schema-valid and every query answered by InfluxDB"
    )
    check.add_argument("--dir", type=Path, default=None, help="directory of the JSON (default: dashboards/generated)")
    check.add_argument("--schema", type=Path, default=None, help="validate against this dashboard JSON schema")
    check.add_argument("--influx-url", default=None, help="also run every query against this InfluxDB /query API")
    check.add_argument("--influx-database", default=None, help="database (default: I5G_DASHBOARDS_INFLUX_DATABASE)")
    check.add_argument("--range", default="1h", help="time range the queries cover, ending now (default 1h)")
    check.set_defaults(handler=_check, parser_for_help=check)

    push = actions.add_parser("push", help="create/update the datasource and every dashboard in a Grafana folder")
    push.add_argument("--url", default=None, help="Grafana base URL (I5G_DASHBOARDS_GRAFANA_URL)")
    push.add_argument("--token", default=None, help="Grafana service-account token (I5G_DASHBOARDS_GRAFANA_TOKEN)")
    push.add_argument("--folder", default=None, help="folder title (I5G_DASHBOARDS_FOLDER)")
    push.add_argument("--influx-url", default=None, help="InfluxDB URL as Grafana sees it")
    push.add_argument("--influx-database", default=None, help="InfluxDB database (2.x: the DBRP-mapped name)")
    push.add_argument("--influx-token", default=None, help="InfluxDB 2.x/3.x token, sent as 'Authorization: Token'")
    push.add_argument("--dir", type=Path, default=None, help="directory of the JSON (default: dashboards/generated)")
    push.set_defaults(handler=_push, parser_for_help=push)


# Packages of the dashboards extra: a handler that misses one says how to install it instead of a traceback.
_EXTRA_PACKAGES = ("grafana_foundation_sdk", "grafana_client", "niquests")


def _needs_extra(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from i5g.cli import CommandError

        try:
            return handler(args)
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith(_EXTRA_PACKAGES):
                raise
            raise CommandError(
                f"`i5g dashboards` needs the dashboards extra ({exc.name} is missing): "
                "pip install 'industrial5g[dashboards]'"
            ) from None

    return run


def _settings(**overrides: object) -> DashboardsSettings:
    from dashboards.settings import DashboardsSettings
    from i5g.cli import load_settings

    return load_settings(DashboardsSettings, **{key: value for key, value in overrides.items() if value is not None})


@_needs_extra
def _build(args: argparse.Namespace) -> int:
    from dashboards import build
    from i5g.cli import CommandError

    checkout = build.catalog.in_checkout()
    if args.out is None and not checkout:
        # The installed package already ships the generated JSON; never rewrite files inside site-packages.
        raise CommandError(
            f"an installed package ships its dashboards in {build.GENERATED_DIR}; give --out DIR to write a copy"
        )
    for path in build.write(args.out or build.GENERATED_DIR):
        print(path)
    if args.out is None:  # the catalogue documents the committed dashboards, not a scratch copy
        print(build.write_doc())
    return 0


@_needs_extra
def _check(args: argparse.Namespace) -> int:
    import json
    import time

    from dashboards import build, verify
    from i5g.cli import CommandError

    directory = args.dir or build.GENERATED_DIR
    checks_doc = args.dir is None and build.catalog.in_checkout()
    problems = build.differences(directory) + (build.doc_differences() if checks_doc else [])
    boards = dict(build.load_committed(directory))
    if args.schema:
        try:
            import jsonschema
        except ModuleNotFoundError:
            raise CommandError("--schema needs the jsonschema package (the dev extra)") from None
        validator = jsonschema.Draft7Validator(json.loads(args.schema.read_text(encoding="utf-8")))
        for name, board in boards.items():
            problems += [
                f"{name}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                for e in validator.iter_errors(board)
            ]
    if args.influx_url:
        settings = _settings(influx_url=args.influx_url, influx_database=args.influx_database)
        headers = {}
        if settings.influx_token:
            headers["Authorization"] = f"Token {settings.influx_token.get_secret_value()}"
        elif settings.influx_username:
            password = settings.influx_password.get_secret_value() if settings.influx_password else ""
            credentials = base64.b64encode(f"{settings.influx_username}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {credentials}"
        run = verify.http_runner(settings.influx_url, settings.influx_database, headers=headers)
        now_ms = int(time.time() * 1000)
        try:
            time_range = verify.TimeRange(now_ms - verify.duration_ms(args.range), now_ms)
        except ValueError as exc:
            raise CommandError(f"--range: {exc}") from None
        for board in boards.values():
            try:
                outcomes = verify.run_dashboard(board, run, time_range)
            except OSError as exc:
                raise CommandError(f"cannot query InfluxDB at {settings.influx_url}: {exc}") from None
            problems += [f"{o.dashboard} / {o.panel}: {o.error or 'no data'}: {o.query}" for o in outcomes if not o.ok]
    for problem in problems:
        print(problem)
    if problems:
        raise CommandError(f"{len(problems)} problem(s) in {len(boards)} dashboards")
    print(f"{len(boards)} dashboards OK")
    return 0


@_needs_extra
def _push(args: argparse.Namespace) -> int:
    from dashboards import build
    from dashboards.push import PushError, datasource_definition, push
    from i5g.cli import CommandError

    settings = _settings(
        grafana_url=args.url,
        grafana_token=args.token,
        folder=args.folder,
        influx_url=args.influx_url,
        influx_database=args.influx_database,
        influx_token=args.influx_token,
    )
    influx_token = settings.influx_token.get_secret_value() if settings.influx_token else None
    influx_password = settings.influx_password.get_secret_value() if settings.influx_password else None
    definition = datasource_definition(
        settings.influx_url, settings.influx_database, influx_token, settings.influx_username, influx_password
    )
    try:
        report = push(
            settings.grafana_url,
            settings.grafana_token.get_secret_value() if settings.grafana_token else None,
            settings.folder,
            definition,
            args.dir or build.GENERATED_DIR,
            settings.timeout_s,
        )
    except PushError as exc:
        raise CommandError(str(exc)) from None
    for line in report.lines():
        print(line)
    return 0
