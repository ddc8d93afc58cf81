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

PUBLISH = "publishClientSend"
RECEIVE = "publishClientReceive"
SUBSCRIBE = "subscribePattern"


def gateway_role(gateway_id: str) -> str:
    return f"{GATEWAY_ROLE_PREFIX}{gateway_id}"


def gateway_acls(gateway_id: str) -> list[Acl]:
    """Publish under its own topic root only; subscribe to and receive nothing.

    The denies restate the plugin's default (subscribe: deny) so that a broker whose defaults were loosened
    still keeps gateways from reading each other's data.
    """
    return [
        Acl(PUBLISH, contract.gateway_topic_filter(gateway_id), allow=True, priority=10),
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
