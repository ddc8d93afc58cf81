"""What a remote configuration may not set, as an attacker with an owner's account would try it.

The registry stores, and the agent applies, a gateway's desired configuration (docs/telemetry.md "Remote
configuration"); options that name a device, a program or a file, or decide where credentials go, are only
the gateway's own file's to set (edge_agent/settings.py LOCAL_ONLY_KEYS). The Fibocom and Huawei sources reuse
the Quectel settings; before LOCAL_ONLY was declared on the field, their `port` was remotely settable, so a
registry account could make a gateway open and write AT commands into any device node.
"""

from __future__ import annotations

import pytest

from edge_agent.settings import QuectelSettings, RemoteConfigError, SourcesSettings, check_document

AT_SOURCES = sorted(
    name
    for name, field in SourcesSettings.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, QuectelSettings)
)

HOSTILE = [
    *((source, {"port": value}) for source in AT_SOURCES for value in ("/dev/mem", "/dev/sda", "/etc/shadow")),
    ("modem_mm", {"mmcli": "/bin/sh"}),
    ("opcua", {"endpoint": "opc.tcp://attacker.example:4840"}),
    ("opcua", {"security_policy": "None"}),
    ("opcua", {"password_file": "/etc/shadow"}),
]


def test_every_at_port_source_is_covered() -> None:
    assert AT_SOURCES == ["modem_fibocom", "modem_huawei", "modem_quectel"]


@pytest.mark.parametrize(("source", "options"), HOSTILE)
def test_a_remote_config_cannot_point_a_source_at_a_device_program_or_credential_sink(
    source: str, options: dict[str, str]
) -> None:
    (key,) = options
    with pytest.raises(RemoteConfigError, match=rf"sources\.{source}\.{key}: .*only its own configuration file"):
        check_document({"sources": {source: {"enabled": True, **options}}})


@pytest.mark.parametrize("source", AT_SOURCES)
def test_an_at_source_can_still_be_switched_and_tuned_remotely(source: str) -> None:
    stored = check_document({"sources": {source: {"enabled": True, "timeout_s": 3.0}}})
    assert stored == {"sources": {source: {"enabled": True, "timeout_s": 3.0}}}
