"""edge_agent/deferred.py: deferred modules cost nothing until used, and then behave as if imported normally.

Each case runs in a fresh interpreter: deferring changes sys.modules for the whole process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

PYTHON = sys.executable


def run(code: str) -> list[str]:
    result = subprocess.run([PYTHON, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_paho_import_loads_neither_urllib_request_nor_email_nor_uuid() -> None:
    out = run(
        """
        import sys
        from edge_agent.deferred import UNUSED_ON_GATEWAYS, defer, is_deferred
        for name in UNUSED_ON_GATEWAYS:
            assert defer(name)
        import paho.mqtt.client
        print(is_deferred("urllib.request"), is_deferred("uuid"), "email" in sys.modules, "http.client" in sys.modules)
        """
    )
    assert out == ["True", "True", "False", "False"]


def test_first_use_loads_the_real_module_for_every_holder() -> None:
    out = run(
        """
        import sys
        from edge_agent.deferred import defer, is_deferred
        defer("urllib.request"); defer("uuid")
        import urllib.request
        from urllib import request as held   # a holder of the placeholder itself
        import uuid
        print(len(uuid.uuid4().hex))          # first use: the real uuid
        print(is_deferred("uuid"), type(sys.modules["uuid"]).__name__)
        print(callable(held.getproxies), "email" in sys.modules)
        print(sys.modules["urllib.request"] is urllib.request, urllib.request.Request.__module__)
        print(held.Request is urllib.request.Request, is_deferred("urllib.request"))
        """
    )
    assert out == ["32", "False", "module", "True", "True", "True", "urllib.request", "True", "False"]


def test_an_already_imported_module_is_left_alone() -> None:
    out = run(
        """
        import sys, uuid
        from edge_agent.deferred import defer, is_deferred
        print(defer("uuid"), is_deferred("uuid"), sys.modules["uuid"] is uuid)
        """
    )
    assert out == ["False", "False", "True"]


def test_a_module_that_fails_to_import_stays_deferred_and_raises_on_each_use() -> None:
    out = run(
        """
        import sys
        from edge_agent.deferred import defer, is_deferred
        defer("no_such_module_i5g")
        import no_such_module_i5g as m
        for _ in range(2):
            try:
                m.anything
            except ModuleNotFoundError:
                print("raised", is_deferred("no_such_module_i5g"))
        """
    )
    assert out == ["raised", "True", "raised", "True"]


def test_validating_a_config_as_agent_run_does_leaves_asyncio_unloaded() -> None:
    """`i5g agent run` defers what pydantic-settings imports but validation never calls (the start-up peak)."""
    out = run(
        """
        import os, sys
        from edge_agent.deferred import UNUSED_WHILE_VALIDATING, defer, is_deferred
        for name in UNUSED_WHILE_VALIDATING:
            assert defer(name)
        os.environ["I5G_AGENT_GATEWAY_ID"] = "gw-validate-1"
        from edge_agent.cli import _resolved
        resolved = _resolved(None)
        print(resolved["gateway_id"], is_deferred("asyncio"), "asyncio.base_events" in sys.modules)
        import asyncio
        print(asyncio.run(asyncio.sleep(0, result="ran")), is_deferred("asyncio"))
        """
    )
    assert out == ["gw-validate-1", "True", "False", "ran", "False"]


def test_the_runtime_and_every_source_module_leave_inspect_unloaded() -> None:
    """dataclasses loads `inspect` only to write a missing docstring: a new dataclass without one in the agent's
    runtime costs every gateway 0.6 MB (edge_agent/deferred.py). Give it a docstring."""
    out = run(
        """
        import importlib, sys
        from edge_agent.deferred import UNUSED_ON_GATEWAYS, defer, is_deferred
        for name in UNUSED_ON_GATEWAYS:
            defer(name)
        import edge_agent.agent, edge_agent.sources
        for source, path in edge_agent.sources.SOURCE_CLASSES.items():
            if source != "opcua":  # its own extra; asyncua loads inspect anyway
                importlib.import_module(path.partition(":")[0])
        print(is_deferred("inspect"), "dis" in sys.modules, "ast" in sys.modules)
        """
    )
    assert out == ["True", "False", "False"]
