"""Fixed identifiers of the Grafana objects this project provisions.

Standard library only: the registry's web UI imports these (through dashboards.links) to build links, and the
provisioning files in deploy/grafana/ repeat the datasource uid (a test keeps them equal).
"""

from __future__ import annotations

DATASOURCE_UID = "i5g-influxdb"
DATASOURCE_TYPE = "influxdb"
DATASOURCE_NAME = "i5g InfluxDB"

FOLDER_UID = "i5g"
FOLDER_TITLE = "Industrial 5G"

FLEET_UID = "i5g-fleet"
DRILLDOWN_UID = "i5g-drilldown"
DRILLDOWN_SLUG = "i5g-use-case-drill-down"

# Every generated dashboard carries this tag, so dashboard links can list them all.
TAG = "i5g"


def scenario_uid(scenario_key: str) -> str:
    """uid of the dashboard of one scenario (Grafana uids: at most 40 of [A-Za-z0-9_-])."""
    return f"i5g-scenario-{scenario_key.replace('_', '-')}"
