"""Broker identities: per-gateway MQTT credentials and roles through Mosquitto's dynamic-security plugin.

- dynsec.py: a client for the `$CONTROL/dynamic-security/v1` control topic (paho, with response correlation).
- acl.py: the ACL design (what a gateway, the collector may publish and subscribe to).
- service.py: provision_gateway / revoke_gateway / ensure_collector, idempotent.
- hooks.py: what the registry calls when a gateway is created, disabled, enabled or deleted (no-op
  unless I5G_BROKER_ADMIN_URL is set).
"""
