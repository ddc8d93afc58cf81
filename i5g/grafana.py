"""The Grafana objects this project provisions, as the parts that share them see them: fixed identifiers (the
dashboards package provisions them) and links into them (the registry's use-case page links to its drill-down).

Standard library only: the registry's web UI imports it without the dashboards extra. The provisioning files in
deploy/grafana/ repeat the datasource uid (a test keeps them equal).
"""

from __future__ import annotations

from urllib.parse import urlencode

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


# Grafana's value for "every option" of a variable that has includeAll.
ALL = "$__all"


def drilldown_url(base_url: str, use_case_id: int | str, city: str, enterprise: str, gateway: str | None = None) -> str:
    """URL of the use-case drill-down with its variables set; gateway None selects every gateway.

    >>> drilldown_url("http://grafana:3000/", 7, "常州", "中天钢铁")
    'http://grafana:3000/d/i5g-drilldown/i5g-use-case-drill-down?var-city=%E5%B8%B8%E5%B7%9E&var-enterprise=%E4%B8%AD%E5%A4%A9%E9%92%A2%E9%93%81&var-use_case=7&var-gateway=%24__all'
    """
    params = [
        ("var-city", city),
        ("var-enterprise", enterprise),
        ("var-use_case", str(use_case_id)),
        ("var-gateway", gateway if gateway else ALL),
    ]
    return f"{base_url.rstrip('/')}/d/{DRILLDOWN_UID}/{DRILLDOWN_SLUG}?{urlencode(params)}"
