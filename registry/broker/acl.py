"""The ACL design: one role per gateway, one role for the collector. Topics come from i5g.contract.

Mosquitto 2.0's dynamic-security checks a SUBSCRIBE against the filter exactly as sent, including a
`$share/<group>/` prefix: a `subscribePattern` of `i5g/v1/+/telemetry` does NOT allow
`$share/g/i5g/v1/+/telemetry` (verified against 2.0.11 in tests/security). So the collector's role grants both
forms, with `+` standing for any share group.
"""

from __future__ import annotations

from i5g import contract
from registry.broker.dynsec import Acl

GATEWAY_ROLE_PREFIX = "i5g-gateway-"
COLLECTOR_ROLE = "i5g-collector"
CONFIG_PUBLISHER_ROLE = "i5g-config-publisher"  # the registry's admin account: publishes gateway configs

PUBLISH = "publishClientSend"
RECEIVE = "publishClientReceive"
SUBSCRIBE = "subscribePattern"


def gateway_role(gateway_id: str) -> str:
    return f"{GATEWAY_ROLE_PREFIX}{gateway_id}"


def gateway_acls(gateway_id: str) -> list[Acl]:
    """Publish to exactly the contract's topics of this gateway; subscribe to and receive only its own config
    topic (exactly that filter: no wildcard reaches another gateway's), to which it may not publish.

    The denies restate the plugin's defaults (publish and subscribe: deny) so that a broker whose defaults
    were loosened still keeps a gateway off every other topic, its own subtree included.
    """
    allowed = [Acl(PUBLISH, topic, allow=True, priority=10) for topic in contract.gateway_topics(gateway_id)]
    config = contract.config_topic(gateway_id)
    allowed += [Acl(SUBSCRIBE, config, allow=True, priority=10), Acl(RECEIVE, config, allow=True, priority=10)]
    return [
        *allowed,
        Acl(PUBLISH, "#", allow=False, priority=-10),
        Acl(SUBSCRIBE, "#", allow=False, priority=-10),
        Acl(RECEIVE, "#", allow=False, priority=-10),
    ]


def collector_acls(share_group: str = "+") -> list[Acl]:
    """Subscribe to every gateway's telemetry and status, directly or as a shared subscription; publish nothing."""
    topics = (contract.TELEMETRY_SUBSCRIPTION, contract.STATUS_SUBSCRIPTION)
    acls = [Acl(SUBSCRIBE, topic) for topic in topics]
    acls += [Acl(SUBSCRIBE, contract.shared_subscription(share_group, topic)) for topic in topics]
    acls += [Acl(RECEIVE, topic) for topic in topics]
    return acls


def config_publisher_acls() -> list[Acl]:
    """Publish (retained) to every gateway's config topic: held by the account the registry connects with."""
    return [Acl(PUBLISH, contract.CONFIG_TOPICS, allow=True, priority=10)]
