"""Standard-library modules the agent's libraries import but a gateway does not use: loaded on first use only.

paho-mqtt imports `urllib.request` at import time, but only calls it to read an `mqtt_proxy` variable when
PySocks is installed (paho 2.x `Client._get_proxy`); that import pulls in `http.client` and the whole `email`
package. It also imports `uuid`, used only to invent a client id, and the agent always sets one. Together
they cost 1.2-1.4 MB RSS (with pymodbus loaded; measured in docs/benchmarks.md), about 5 % of the agent's
30 MB budget, for code that never runs on a gateway.

`defer()` puts a placeholder module in `sys.modules` (and on its parent package), so `import urllib.request`
finds it and binds it without loading anything. The first attribute looked up on it imports the real module,
which then replaces the placeholder in `sys.modules` and on the parent; code that kept the placeholder has its
lookups forwarded to the real module. Nothing changes for code that uses the module; it only pays when it does.

`importlib.util.LazyLoader` is the standard tool for this, but on Python 3.11 the import system reads
`__spec__` of a module found in `sys.modules`, which makes a LazyLoader module load at the very
`import urllib.request` it was meant to skip.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

__all__ = ["UNUSED_ON_GATEWAYS", "UNUSED_WHILE_VALIDATING", "defer", "is_deferred"]

# `inspect` (with ast and dis: 0.6 MB) is imported by dataclasses, which calls it only to write a docstring for a
# dataclass that has none: every dataclass the runtime defines has one (tests/agent/test_deferred.py checks).
UNUSED_ON_GATEWAYS = ("urllib.request", "uuid", "inspect")
# pydantic-settings imports asyncio at import time for `CliApp.run` only; `i5g agent run` validates and then
# execs the lean runtime, so asyncio would be 3.1 MB of its start-up peak for nothing (docs/benchmarks.md).
UNUSED_WHILE_VALIDATING = ("asyncio",)

_lock = threading.RLock()


class _DeferredModule(types.ModuleType):
    """Stands in for a module until something reads an attribute that only the real module has."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(_load(self), attr)


def _load(placeholder: _DeferredModule) -> types.ModuleType:
    name = placeholder.__name__
    with _lock:
        real = placeholder.__dict__.get("_deferred_real")
        if real is None:
            if sys.modules.get(name) is placeholder:
                del sys.modules[name]
            try:
                real = importlib.import_module(name)  # sets sys.modules[name] and the parent's attribute
            except BaseException:
                sys.modules.setdefault(name, placeholder)  # stay deferred; the next use tries again
                raise
            placeholder.__dict__["_deferred_real"] = real
    return real


def defer(name: str) -> bool:
    """Defer importing `name` until first use; False (nothing done) if it is already imported."""
    with _lock:
        if name in sys.modules:
            return False
        parent, _, child = name.rpartition(".")
        placeholder = _DeferredModule(name)
        # None, not a spec: the import system then treats the entry as a finished module and never asks it
        # for anything else (a spec with `_initializing` would be read through __getattr__).
        placeholder.__spec__ = None
        sys.modules[name] = placeholder
        if parent:
            setattr(importlib.import_module(parent), child, placeholder)
        return True


def is_deferred(name: str) -> bool:
    """True while `name` is a placeholder that nothing has used yet."""
    module = sys.modules.get(name)
    return isinstance(module, _DeferredModule) and "_deferred_real" not in module.__dict__
