"""Channel targets are user input: checked when a channel is saved and again (with DNS) before each send.

HTTP channels: an absolute http:// or https:// URL with a host, no user:password part, at most TARGET_MAX
characters. Before sending, every address the host resolves to must be public (not loopback, private,
link-local, multicast or reserved), unless I5G_ALERTS_ALLOW_PRIVATE_TARGETS is set: a channel must not turn the
evaluator into a client of the internal network (cloud metadata, the registry's database, InfluxDB). E-mail
channels: one address. docs/alerts.md "Channels".
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from registry.alerts.models import TARGET_MAX, ChannelKind

ALLOWED_URL = "an http:// or https:// URL with a host name and no user:password@ part"
_EMAIL = re.compile(r"^[^@\s<>,;\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


class TargetRejected(ValueError):
    pass


def check_target(kind: ChannelKind, target: str) -> str:
    """The target, stripped; TargetRejected says what is allowed."""
    target = target.strip()
    if not target or len(target) > TARGET_MAX or any(ord(c) < 32 for c in target):
        raise TargetRejected(f"target must be 1 to {TARGET_MAX} printable characters")
    if kind == ChannelKind.email:
        if not _EMAIL.match(target):
            raise TargetRejected("target must be one e-mail address, e.g. ops@example.cn")
        return target
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise TargetRejected(f"target must be {ALLOWED_URL}")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise TargetRejected(f"target must be {ALLOWED_URL} (bad port)") from None
    return target


def check_addresses(target: str, allow_private: bool) -> None:
    """Resolve the URL's host; raise TargetRejected when any address is not public (and private ones are not
    allowed). Called right before sending, so a name that later resolves inward is caught too."""
    if allow_private:
        return
    parts = urlsplit(target)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError:
        raise TargetRejected("the target's host name does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise TargetRejected(f"the target resolves to a non-public address ({address}); refused")


def redacted(kind: ChannelKind, target: str) -> str:
    """What pages show of a target: scheme and host (DingTalk/WeCom/Feishu URLs carry their token in the query
    or path), or the e-mail address."""
    if kind == ChannelKind.email:
        return target
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.netloc}/…"
