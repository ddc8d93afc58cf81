"""The grafana-foundation-sdk modules the dashboards use, imported in one place.

The SDK's v1 dashboard builders warn at import time that its v2 schema is preferred; the v1 JSON is what
Grafana 10 and 11 import and what the provisioning provider reads, so that warning is silenced here.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from grafana_foundation_sdk.builders import bargauge, common, dashboard, geomap, stat, table, timeseries
    from grafana_foundation_sdk.cog import builder as cogbuilder
    from grafana_foundation_sdk.cog import variants as cogvariants
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models import common as common_models
    from grafana_foundation_sdk.models import dashboard as dashboard_models

__all__ = [
    "JSONEncoder",
    "bargauge",
    "cogbuilder",
    "cogvariants",
    "common",
    "common_models",
    "dashboard",
    "dashboard_models",
    "geomap",
    "stat",
    "table",
    "timeseries",
]
