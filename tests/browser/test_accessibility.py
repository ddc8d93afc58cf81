"""axe-core (WCAG 2.1 A + AA rules) over every page of the registry in Chromium, in Chinese and in English,
including the states a user meets: validation errors, a failed login, a 404, one-time secrets. Zero
violations required. New pages are added to PAGES-walks here as they are built."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser.conftest import STAFF_EMAIL, STAFF_PASSWORD, LiveRegistry, axe_violations, screenshot
from tests.browser.test_registry_ui import _login, _logout

pytestmark = pytest.mark.browser

TIMEOUT_MS = 10_000
LOCALES = {"zh": "zh-CN", "en": "en-US"}
# One seeded enterprise per language run, so each run opens a fresh account.
ENTERPRISE_FOR = {"zh": "华晨宝马", "en": "中天钢铁"}


@pytest.fixture(params=["zh", "en"])
def lang_page(request: pytest.FixtureRequest, browser, live_registry: LiveRegistry) -> Iterator[tuple[str, object]]:
    ctx = browser.new_context(
        base_url=live_registry.url, locale=LOCALES[request.param], viewport={"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield request.param, ctx.new_page()
    finally:
        ctx.close()


class Audit:
    """Runs axe on each page visited and keeps what it found, so one run reports every page at once."""

    def __init__(self, page: object, lang: str, source: str) -> None:
        self.page, self.lang, self.source = page, lang, source
        self.found: dict[str, list[str]] = {}
        self.checked: list[str] = []

    def check(self, name: str) -> None:
        self.page.wait_for_load_state()  # type: ignore[attr-defined]
        html_lang = self.page.locator("html").get_attribute("lang")  # type: ignore[attr-defined]
        assert html_lang.startswith(self.lang), name
        self.checked.append(name)
        violations = axe_violations(self.page, self.source)
        if violations:
            self.found[name] = violations

    def visit(self, name: str, path: str) -> None:
        response = self.page.goto(path)  # type: ignore[attr-defined]
        assert response is not None and response.status < 500, f"{name}: {path} answered {response.status}"
        self.check(name)


def _seed_alerts(database_url: str, use_case_id: int, lang: str) -> None:
    """A firing (acknowledged, silenced) alert and a failing channel, so the alert tables are audited with rows."""
    from datetime import UTC, datetime, timedelta

    from i5g.alert_rules import RuleKind
    from registry.alerts import lifecycle
    from registry.alerts.evaluate import ensure_default_rules
    from registry.alerts.models import AlertChannel
    from registry.alerts.settings import AlertSettings
    from registry.db import make_engine, make_sessionmaker, session_scope
    from registry.gateways.models import Gateway
    from registry.usecases.models import UseCase

    engine = make_engine(database_url)
    now = datetime.now(UTC)
    with session_scope(make_sessionmaker(engine)) as session:
        gateway = f"gw-alert-{lang}"
        session.add(Gateway(id=gateway, use_case_id=use_case_id, site_name="A11y"))
        session.flush()
        rules = ensure_default_rules(session, session.get(UseCase, use_case_id), AlertSettings())
        rule = next(r for r in rules if r.kind == RuleKind.gateway_offline)
        rule.for_s = 0
        alert = lifecycle.observe(session, rule, lifecycle.Observation(gateway, True, now, None, "offline"), now, None)
        alert.acked_by, alert.silenced_until = "staff@example.cn", now + timedelta(hours=1)
        session.add(
            AlertChannel(
                use_case_id=use_case_id,
                kind="dingtalk",
                name="钉钉群",
                target="https://oapi.dingtalk.com/robot/send",
                last_error="errcode 310000: sign not match",
                last_error_at=now,
            )
        )
    engine.dispose()


def test_every_page_has_no_wcag_violations(lang_page, axe_source: str, live_registry: LiveRegistry) -> None:
    lang, page = lang_page
    audit = Audit(page, lang, axe_source)

    # anyone
    audit.visit("catalog", "/")
    use_case_path = page.locator("article.usecase-card h3 a").first.get_attribute("href")
    audit.visit("catalog-filtered", "/?industry=C36&stage=operating")
    audit.visit("catalog-empty", "/?q=no-such-use-case-anywhere")
    audit.visit("usecase", use_case_path)  # InfluxDB not configured here: "telemetry unavailable" states
    audit.visit("usecase-report", f"{use_case_path}/report")
    audit.visit("fleet", "/fleet")
    audit.visit("not-found", "/usecases/987654")
    audit.visit("login", "/login")
    page.fill("#f-email", "nobody@example.cn")
    page.fill("#f-password", "wrong-password-1")
    page.click("form[action='/login'] button[type=submit]")
    audit.check("login-failed")
    audit.visit("signup", "/signup")
    page.fill("#f-email", "not-an-email")
    page.click("form[action='/signup'] button[type=submit]")
    audit.check("signup-errors")
    audit.visit("claim", "/claim")
    page.click("form[action='/claim'] button[type=submit]")
    audit.check("claim-errors")

    # staff
    _login(page, STAFF_EMAIL, STAFF_PASSWORD)
    audit.visit("review-queue", "/review")
    audit.visit("review-decided", "/review?status=approved")
    audit.visit("usecase-as-staff", use_case_path)
    enterprise_edit = page.locator("a[href^='/staff/enterprises/']").first.get_attribute("href")
    use_case_id = re.search(r"/usecases/(\d+)", use_case_path).group(1)
    audit.visit("staff-usecase-edit", f"/staff/usecases/{use_case_id}/edit")
    audit.visit("staff-claims", "/staff/claims")
    audit.visit("audit", "/audit")
    audit.visit("audit-filtered", "/audit?action=usecase.&since=2000-01-01")
    audit.visit("staff-enterprise-edit", enterprise_edit)
    audit.visit("staff-enterprise-new", "/staff/enterprises/new")
    audit.visit("staff-usecase-new", "/staff/usecases/new")
    _seed_alerts(live_registry.database_url, int(use_case_id), lang)
    audit.visit("alerts", "/alerts")
    audit.visit("alerts-resolved", "/alerts?state=resolved")
    audit.visit("usecase-alerts-as-staff", f"/usecases/{use_case_id}/alerts")
    page.fill("#ch-name", "hook")
    page.fill("#ch-target", "file:///etc/passwd")
    page.click("form[data-channel-form] button[type=submit]")
    audit.check("alert-channel-errors")
    audit.visit("usecase-with-alerts", use_case_path)
    audit.visit("staff-accounts", "/staff/accounts")
    option = page.locator("#f-enterprise_id option", has_text=ENTERPRISE_FOR[lang]).first
    page.select_option("#f-enterprise_id", value=option.get_attribute("value"))
    page.fill("#f-email", f"a11y-{lang}@example.cn")
    page.click("form[action='/staff/accounts'] button[type=submit]")
    audit.check("account-created")
    password = page.locator("#account-password").inner_text().strip()
    audit.visit("password", "/account/password")
    _logout(page)

    # an enterprise user
    _login(page, f"a11y-{lang}@example.cn", password)
    audit.visit("my-usecases", "/my/usecases")
    own = page.locator("a[href^='/my/usecases/'][href$='/edit']").first.get_attribute("href")
    audit.visit("my-claims", "/my/claim")
    audit.visit("usecase-edit", own)
    audit.visit("usecase-new", "/my/usecases/new")
    page.click("form[novalidate] button[type=submit]")
    audit.check("usecase-new-errors")
    own_id = re.search(r"/my/usecases/(\d+)/edit", own).group(1)
    audit.visit("usecase-as-owner", f"/usecases/{own_id}")  # with its review and change history
    audit.visit("usecase-alerts", f"/usecases/{own_id}/alerts")
    audit.visit("gateway-new", f"/my/usecases/{own_id}/gateways/new")
    page.fill("#f-id", f"gw-a11y-{lang}")
    page.fill("#f-site_name", "A11y line")
    page.click("form[novalidate] button[type=submit]")
    audit.check("gateway-created")
    screenshot(page, f"a11y-gateway-created-{lang}", full_page=False)
    audit.visit("gateway-config", f"/gateways/gw-a11y-{lang}/config")
    page.fill("#f-interval_s", "fast")
    page.fill("#f-source_options", '{"mqtt": 1}')
    page.click("form[novalidate] button[type=submit]")
    audit.check("gateway-config-errors")
    page.fill("#f-interval_s", "5")
    page.fill("#f-source_options", "")
    page.click("form[novalidate] button[type=submit]")
    audit.check("gateway-config-saved")
    audit.visit("sparkplug", f"/my/gateways/gw-a11y-{lang}/sparkplug")
    page.fill("#f-group_id", "Plant A")
    page.fill("#f-edge_node_id", "Node/#")
    page.fill("#f-mappings", "Modem/RSRP | nonsense")
    page.click("form[novalidate] button[type=submit]")
    audit.check("sparkplug-errors")

    assert len(audit.checked) >= 33
    assert len(audit.checked) >= 25
    assert audit.found == {}, "\n".join(f"{name}:\n  " + "\n  ".join(v) for name, v in audit.found.items())
