"""`i5g influx v2proxy`. Only argparse at module level (see i5g/cli.py)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("influx", help="InfluxDB helpers for a native install")
    parser.set_defaults(parser_for_help=parser)
    actions = parser.add_subparsers(dest="influx_action", metavar="{v2proxy}")
    proxy = actions.add_parser(
        "v2proxy",
        help="serve /api/v2/write in front of InfluxDB 1.6/1.7 (1.8+, 2.x and 3.x do not need it)",
    )
    proxy.add_argument("--upstream-url", help="InfluxDB 1.x URL (I5G_INFLUX_PROXY_UPSTREAM_URL)")
    proxy.add_argument("--host", help="address to listen on (I5G_INFLUX_PROXY_HOST, default 127.0.0.1)")
    proxy.add_argument("--port", type=int, help="port (I5G_INFLUX_PROXY_PORT, default 8087)")
    proxy.set_defaults(handler=_v2proxy, parser_for_help=proxy)


def _v2proxy(args: argparse.Namespace) -> int:
    import signal

    from i5g.cli import CommandError, load_settings
    from i5g.influx.settings import InfluxProxySettings
    from i5g.influx.v2proxy import InfluxV2Proxy

    overrides = {"upstream_url": args.upstream_url, "host": args.host, "port": args.port}
    settings = load_settings(
        InfluxProxySettings, **{key: value for key, value in overrides.items() if value is not None}
    )
    try:
        proxy = InfluxV2Proxy(settings.upstream_url, settings.port, host=settings.host)
    except OSError as exc:
        raise CommandError(f"cannot listen on {settings.host}:{settings.port}: {exc}") from None
    # systemd stops with SIGTERM: leave serve_forever cleanly instead of dying mid-request.
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"i5g influx v2proxy: {proxy.url}/api/v2/write -> {settings.upstream_url}/write", flush=True)
    try:
        proxy.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.server_close()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
