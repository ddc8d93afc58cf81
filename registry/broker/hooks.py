"""What the registry calls when a gateway's life changes. Each opens one admin connection, does its work
and closes it (gateway changes are rare; no connection to keep healthy).

With I5G_BROKER_ADMIN_URL unset every hook is a no-op returning None: the registry then runs without a
broker. With it set, a broker failure raises BrokerFailure (a RegistryError: HTTP 503) and the request's
transaction rolls back, so a gateway is never reported created without credentials, or disabled while the
broker still lets it in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from registry.broker import service
from registry.broker.dynsec import DynsecClient, DynsecError
from registry.broker.settings import BrokerSettings
from registry.errors import RegistryError

T = TypeVar("T")


class BrokerFailure(RegistryError):
    status_code = 503
    code = "broker_unavailable"


def _with_broker(settings: BrokerSettings | None, work: Callable[[DynsecClient], T]) -> T | None:
    settings = settings or BrokerSettings.load()
    if not settings.enabled:
        return None
    try:
        with DynsecClient.from_settings(settings) as dynsec:
            return work(dynsec)
    except DynsecError as exc:
        raise BrokerFailure(f"the MQTT broker could not apply the change, so nothing was saved: {exc}") from exc


def gateway_created(gateway_id: str, settings: BrokerSettings | None = None) -> str | None:
    """Returns the new password (show it once), or None without a broker."""
    # Pinned client id: the agent connects with client id = gateway id (i5g.contract), so no gateway can
    # take over another's session.
    return _with_broker(settings, lambda dynsec: service.provision_gateway(dynsec, gateway_id, pin_client_id=True))


def gateway_disabled(gateway_id: str, settings: BrokerSettings | None = None) -> None:
    _with_broker(settings, lambda dynsec: service.revoke_gateway(dynsec, gateway_id))


def gateway_enabled(gateway_id: str, settings: BrokerSettings | None = None) -> str | None:
    """Lifts the revocation; returns a new password only when the broker had no identity for it."""

    def work(dynsec: DynsecClient) -> str | None:
        if service.restore_gateway(dynsec, gateway_id):
            return None
        return service.provision_gateway(dynsec, gateway_id, pin_client_id=True)

    return _with_broker(settings, work)


def gateway_deleted(gateway_id: str, settings: BrokerSettings | None = None, *, had_config: bool = False) -> None:
    _with_broker(settings, lambda dynsec: service.delete_gateway(dynsec, gateway_id))
    if had_config:  # a gateway of the same id registered later must not find the old configuration
        config_changed(gateway_id, b"", settings)


def gateway_password_rotated(
    gateway_id: str, password: str | None = None, settings: BrokerSettings | None = None
) -> str | None:
    """Sets a new password (the given one, or a generated one) and returns it (show it once); None without a
    broker. Mosquitto disconnects the gateway's session at once; it logs in again with the new password."""
    return _with_broker(
        settings,
        lambda dynsec: service.provision_gateway(dynsec, gateway_id, password=password, pin_client_id=True),
    )


def config_changed(gateway_id: str, payload: bytes, settings: BrokerSettings | None = None) -> bool:
    """Publish the gateway's desired agent configuration retained on its config topic (empty payload: clear
    it); False without a broker."""
    return configs_published({gateway_id: payload}, settings)


def configs_published(payloads: dict[str, bytes], settings: BrokerSettings | None = None) -> bool:
    """Publish desired agent configurations (gateway id -> message) on one connection; False without a broker."""
    settings = settings or BrokerSettings.load()
    admin = settings.admin_username

    def publish(dynsec: DynsecClient) -> bool:
        if service.ensure_config_publisher(dynsec, admin):
            return False  # the broker disconnects us for the new role: publish on a new connection
        for gateway_id, payload in payloads.items():
            service.publish_config(dynsec, gateway_id, payload)
        return True

    done = _with_broker(settings, publish)
    if done is False:
        done = _with_broker(settings, publish)
    if done is False:
        raise BrokerFailure(f"the broker account {admin!r} could not be given the {service.CONFIG_PUBLISHER_ROLE} role")
    return bool(done)


def sparkplug_declared(gateway_id: str, group: str, node: str, settings: BrokerSettings | None = None) -> None:
    """The gateway may now publish as Sparkplug edge node group/node, and only as that node."""
    _with_broker(settings, lambda dynsec: service.declare_sparkplug(dynsec, gateway_id, group, node))


def sparkplug_withdrawn(gateway_id: str, settings: BrokerSettings | None = None) -> None:
    _with_broker(settings, lambda dynsec: service.withdraw_sparkplug(dynsec, gateway_id))
