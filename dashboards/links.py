"""Links into the dashboards from other parts (the registry's use-case page links to its drill-down).

Standard library only: the registry's web UI imports this without the dashboards extra.
"""

from __future__ import annotations

from urllib.parse import urlencode

from dashboards.uids import DRILLDOWN_SLUG, DRILLDOWN_UID

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
