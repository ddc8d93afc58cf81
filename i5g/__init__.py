"""Shared kernel of industrial5g: the `i5g` command, settings conventions, the telemetry contract and the
scenario taxonomy. Nothing here may import a part's extra (FastAPI, paho, influxdb-client ...)."""

__version__ = "0.3.1"
