"""The web UI in Debian's chromium: sign up, register a use case (Chinese text, validation errors), staff
approval, the public catalog, the language switch, and an XSS attempt rendered as text.

Screenshots of the catalog and the form in both languages go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser.conftest import STAFF_EMAIL, STAFF_PASSWORD, LiveRegistry, screenshot

pytestmark = pytest.mark.browser

ENTERPRISE_EMAIL = "zhang.wei@changzhou-precision.cn"
ENTERPRISE_PASSWORD = "enterprise-password-1"
TITLE = "精密轴承车间5G+机器视觉质检"
XSS = '<script>window.__xss = 1; alert("xss")</script>'
TIMEOUT_MS = 10_000


@pytest.fixture
def context(browser, live_registry: LiveRegistry) -> Iterator[object]:
    ctx = browser.new_context(base_url=live_registry.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


def _dialogs(page) -> list[str]:
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    return seen


def _login(page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()


def _logout(page) -> None:
    page.click("form[action='/logout'] button")
    page.wait_for_url(re.compile(r"/$"))


def test_catalog_in_both_languages(context, live_registry: LiveRegistry) -> None:
    page = context.new_page()
    page.goto("/")
    assert page.locator("h1").inner_text() == "5G应用案例目录"
    seeded = int(page.locator("[data-stat=usecases]").inner_text())
    assert seeded >= 10, "the seeded catalog should be listed"
    assert page.locator("article.usecase-card").count() > 0
    screenshot(page, "catalog-zh", full_page=False)

    page.click("a[data-lang=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "5G use-case catalog"
    screenshot(page, "catalog-en", full_page=False)
    page.goto("/")  # the choice is remembered (cookie), whatever the browser's locale says
    assert page.locator("html").get_attribute("lang") == "en"

    # a filter narrows the list and the counts follow it
    page.select_option("#city", index=1)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    assert int(page.locator("[data-stat=usecases]").inner_text()) < seeded


def test_signup_submit_review_publish(context, live_registry: LiveRegistry) -> None:
    page = context.new_page()
    dialogs = _dialogs(page)

    # sign up as an enterprise
    page.goto("/signup")
    for field, value in {
        "email": ENTERPRISE_EMAIL,
        "password": ENTERPRISE_PASSWORD,
        "name": "常州精密轴承有限公司",
        "province": "江苏",
        "city": "常州",
        "industry": "装备制造",
        "contact": "张伟 0519-88886666",
    }.items():
        page.fill(f"#f-{field}", value)
    page.select_option("#f-industry_code", "C34")
    page.click("form[action='/signup'] button[type=submit]")
    # Sign-up never logs in (its answer must not tell whether the e-mail was taken): log in with the new account.
    page.wait_for_url(re.compile(r"/login$"))
    _login(page, ENTERPRISE_EMAIL, ENTERPRISE_PASSWORD)
    page.wait_for_url(re.compile(r"/my/usecases$"))
    assert "常州精密轴承有限公司" in page.inner_text("main")

    # the registration form; the scenario picker shows the requirement profile
    page.goto("/my/usecases/new")
    page.select_option("#f-scenario", "machine_vision")
    assert page.locator("[data-profile=machine_vision]").is_visible()
    assert not page.locator("[data-profile=agv]").is_visible()
    page.fill("#f-title", TITLE)
    page.fill("#f-description", f"轴承外圈缺陷检测，5G上行传输高清图像。{XSS}")
    page.select_option("#f-network_mode", "hybrid_private")
    page.select_option("#f-stage", "operating")
    page.check("input[name=operators][value=china_mobile]")
    page.check("input[name=operators][value=china_telecom]")
    page.fill("#f-recognitions", "省级5G工厂\n绽放杯优秀奖")
    page.fill("#f-investment_cny", "八百万")  # not a number
    page.fill("#f-start_date", "2025-03-01")
    page.fill("#f-end_date", "2024-12-31")  # before the start
    screenshot(page, "form-zh")
    page.click("form[novalidate] button[type=submit]")
    page.wait_for_load_state()

    # validation errors next to the fields, everything typed is still there
    assert page.locator("#form-errors").is_visible()
    assert page.locator("[data-error-for=investment_cny]").inner_text() == "请输入有效的数字。"
    assert page.locator("[data-error-for=end_date]").inner_text() == "完成日期不能早于开始日期。"
    assert page.input_value("#f-title") == TITLE
    assert page.is_checked("input[name=operators][value=china_telecom]")
    assert page.input_value("#f-scenario") == "machine_vision"
    screenshot(page, "form-errors-zh")

    # the same form in English, then fix it and submit
    page.click("a[data-lang=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Register a 5G use case"
    screenshot(page, "form-en")
    page.click("a[data-lang=zh]")
    page.wait_for_load_state()
    page.select_option("#f-scenario", "machine_vision")
    page.fill("#f-title", TITLE)
    page.fill("#f-description", f"轴承外圈缺陷检测，5G上行传输高清图像。{XSS}")
    page.select_option("#f-network_mode", "hybrid_private")
    page.select_option("#f-stage", "operating")
    page.check("input[name=operators][value=china_mobile]")
    page.fill("#f-investment_cny", "8,000,000")
    page.click("form[novalidate] button[type=submit]")
    page.wait_for_url(re.compile(r"/usecases/\d+$"))
    use_case_path = page.url[len(live_registry.url) :]
    assert page.locator("#usecase-title").inner_text() == TITLE
    assert "待审核" in page.inner_text("main")
    # the script is shown as text and never ran
    assert XSS in page.locator("#usecase-description").inner_text()
    assert page.evaluate("window.__xss") is None and dialogs == []

    # not public yet
    _logout(page)
    assert page.goto(use_case_path).status == 404

    # staff approves it from the review queue
    _login(page, STAFF_EMAIL, STAFF_PASSWORD)
    page.goto("/review")
    item = page.locator("article.review-item", has_text=TITLE)
    screenshot(page, "review-zh")
    item.locator("textarea[name=note]").fill("资料齐全，同意发布。")
    item.locator("button[value=approve]").click()
    page.wait_for_load_state()
    assert "已通过" in page.inner_text(".flash")
    _logout(page)

    # now in the public catalog, found by free-text search
    page.goto("/?q=" + "轴承")
    assert page.locator("article.usecase-card h3 a", has_text=TITLE).count() == 1
    page.locator("article.usecase-card h3 a", has_text=TITLE).click()
    page.wait_for_url(re.compile(r"/usecases/\d+$"))
    assert XSS in page.locator("#usecase-description").inner_text()
    assert page.evaluate("window.__xss") is None and dialogs == []
    screenshot(page, "usecase-zh")

    # the enterprise sees the status and the reviewer's note
    _login(page, ENTERPRISE_EMAIL, ENTERPRISE_PASSWORD)
    page.goto("/my/usecases")
    row = page.locator("tr", has_text=TITLE)
    assert "已通过" in row.inner_text() and "资料齐全，同意发布。" in row.inner_text()


def test_staff_open_an_account_for_a_seeded_enterprise(context, live_registry: LiveRegistry) -> None:
    """A seeded enterprise (from the municipal documents) cannot sign up itself; staff open its account, the
    contact logs in with the one-time password, sees the enterprise's seeded use cases and sets a password."""
    page = context.new_page()
    _login(page, STAFF_EMAIL, STAFF_PASSWORD)
    page.click("nav a[href='/staff/accounts']")
    page.wait_for_load_state()
    option = page.locator("#f-enterprise_id option", has_text="中天钢铁").first
    name = option.inner_text().split(" · ")[0]
    page.select_option("#f-enterprise_id", value=option.get_attribute("value"))
    page.fill("#f-email", "it@zenith-steel.cn")
    screenshot(page, "staff-accounts-zh")
    page.click("form[action='/staff/accounts'] button[type=submit]")
    page.wait_for_load_state()
    password = page.locator("#account-password").inner_text().strip()
    screenshot(page, "account-created-zh", full_page=False)
    _logout(page)

    _login(page, "it@zenith-steel.cn", password)
    assert page.url.endswith("/my/usecases")
    assert name in page.locator("main").inner_text()
    assert page.locator("article, tr").count() > 0, "the enterprise's seeded use cases are listed"
    page.click("a[href='/account/password']")
    page.fill("#f-current_password", password)
    page.fill("#f-new_password", "steel and 5G 2026")
    page.fill("#f-repeat_password", "steel and 5G 2026")
    page.click("form[action='/account/password'] button[type=submit]")
    page.wait_for_url(re.compile(r"/my/usecases$"))
    assert "密码已修改" in page.locator("[role=status]").first.inner_text()
    _logout(page)
    _login(page, "it@zenith-steel.cn", "steel and 5G 2026")
    assert page.url.endswith("/my/usecases")


def test_a_seeded_enterprise_claims_its_record_at_sign_up(context, live_registry: LiveRegistry) -> None:
    """Signing up under a seeded enterprise's name offers the claim instead of a duplicate; staff approve it and
    the new account belongs to the seeded enterprise, with its seeded use cases."""
    page = context.new_page()
    page.goto("/signup")
    page.fill("#f-email", "it@siasun.example.cn")
    page.fill("#f-password", "robots and 5G 2026")
    page.fill("#f-name", "新松机器人")
    page.fill("#f-province", "辽宁")
    page.fill("#f-city", "沈阳")
    page.select_option("#f-industry_code", index=1)
    page.click("form[action='/signup'] button[type=submit]")
    page.wait_for_load_state()
    assert "新松机器人" in page.locator("#claim-found").inner_text()
    assert page.locator("#f-password").input_value() == ""  # never sent back
    page.fill("#f-password", "robots and 5G 2026")
    page.fill("#f-message", "信息中心 王工 024-0000")
    screenshot(page, "claim-zh")
    page.click("form[action='/claim'] button[type=submit]")
    page.wait_for_url(re.compile(r"/login$"))

    _login(page, STAFF_EMAIL, STAFF_PASSWORD)
    page.click("nav a[href='/staff/claims']")
    claim = page.locator("article[data-claim-id]", has_text="it@siasun.example.cn")
    claim.locator("textarea[name=note]").fill("电话核实")
    claim.locator("button[value=approve]").click()
    page.wait_for_url(re.compile(r"/staff/claims$"))
    assert page.locator("article[data-claim-id]", has_text="it@siasun.example.cn").count() == 0
    _logout(page)

    _login(page, "it@siasun.example.cn", "robots and 5G 2026")
    assert page.url.endswith("/my/usecases")
    assert "新松机器人" in page.locator("main").inner_text()
    assert page.locator("tbody tr").count() > 0, "the seeded use cases are the account's now"
