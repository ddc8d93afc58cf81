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
SPARKPLUG_ROLE_PREFIX = "i5g-sparkplug-"
# The Sparkplug role is checked before the gateway's own role (whose catch-all denies end the search).
SPARKPLUG_ROLE_PRIORITY = 10
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


def sparkplug_role(gateway_id: str) -> str:
    return f"{SPARKPLUG_ROLE_PREFIX}{gateway_id}"


def sparkplug_acls(group: str, node: str) -> list[Acl]:
    """A gateway declared Sparkplug edge node `group`/`node` (Sparkplug 3.0 §4.1): it may publish its own
    NBIRTH/NDATA/NDEATH and its devices' DBIRTH/DDATA/DDEATH, and receive commands for itself (NCMD, DCMD)
    and the host applications' STATE. STATE is published by host applications only, never by an edge node;
    nothing of another node or group, published or received. Ids are checked against the contract's pattern
    (no wildcard, no separator) so an id can never widen its own ACL."""
    if not (contract.is_sparkplug_id(group) and contract.is_sparkplug_id(node)):
        raise ValueError(f"not Sparkplug ids: {group!r}/{node!r} (must match {contract.SPARKPLUG_ID_PATTERN})")
    if group in contract.SPARKPLUG_RESERVED_GROUPS:
        raise ValueError(f"{group!r} is not a group id (spBv1.0/{group}/... is the host applications' topic)")
    node_topics = [contract.sparkplug_node_topic(group, kind, node) for kind in contract.SPARKPLUG_NODE_TYPES]
    device_topics = [contract.sparkplug_node_topic(group, k, node, "+") for k in contract.SPARKPLUG_DEVICE_TYPES]
    commands = [
        contract.sparkplug_node_topic(group, "NCMD", node),
        contract.sparkplug_node_topic(group, "DCMD", node, "+"),
        f"{contract.SPARKPLUG_NAMESPACE}/STATE/+",
    ]
    acls = [Acl(PUBLISH, topic, allow=True, priority=10) for topic in node_topics + device_topics]
    acls += [Acl(SUBSCRIBE, topic, allow=True, priority=10) for topic in commands]
    acls += [Acl(RECEIVE, topic, allow=True, priority=10) for topic in commands]
    return acls


def collector_acls(share_group: str = "+") -> list[Acl]:
    """Subscribe to every gateway's telemetry and status, directly or as a shared subscription, and to every
    Sparkplug edge node's data (shared) and births and deaths (direct); publish only rebirth requests (NCMD)."""
    topics = (contract.TELEMETRY_SUBSCRIPTION, contract.STATUS_SUBSCRIPTION)
    acls = [Acl(SUBSCRIBE, topic) for topic in topics]
    acls += [Acl(SUBSCRIBE, contract.shared_subscription(share_group, topic)) for topic in topics]
    acls += [Acl(RECEIVE, topic) for topic in topics]
    sparkplug = (*contract.SPARKPLUG_DATA_SUBSCRIPTIONS, *contract.SPARKPLUG_LIFECYCLE_SUBSCRIPTIONS)
    acls += [Acl(SUBSCRIBE, contract.shared_subscription(share_group, topic)) for topic in sparkplug]
    acls += [Acl(SUBSCRIBE, topic) for topic in sparkplug]
    acls += [Acl(RECEIVE, topic) for topic in sparkplug]
    acls.append(Acl(PUBLISH, contract.sparkplug_node_topic("+", "NCMD", "+")))
    return acls


def config_publisher_acls() -> list[Acl]:
    """Publish (retained) to every gateway's config topic: held by the account the registry connects with."""
    return [Acl(PUBLISH, contract.CONFIG_TOPICS, allow=True, priority=10)]
