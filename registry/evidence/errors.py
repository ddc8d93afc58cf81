"""Evidence errors (service.py re-exports them): the API maps them to 503 and 422, the pages to a clear state."""

from __future__ import annotations

from registry.errors import RegistryError


class TelemetryUnavailable(RegistryError):
    """InfluxDB could not be reached or answered with an error: evidence cannot be computed right now."""

    status_code = 503
    code = "telemetry_unavailable"


class WindowInvalid(RegistryError):
    """A window evidence cannot cover; the message says what is allowed."""

    status_code = 422
    code = "validation_error"


class FilterInvalid(RegistryError):
    """A fleet filter value that cannot mean anything (an unknown GB/T 4754 division code); says what is allowed."""

    status_code = 422
    code = "validation_error"
