"""Registration form, review workflow, gateways and server-side authorization."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from registry.accounts.models import UserRole
from registry.enums import ReviewStatus
from registry.gateways.models import Gateway
from registry.gateways.schemas import GatewayStatus
from registry.gateways.service import apply_statuses
from registry.gateways.service import directory as gateway_directory
from registry.usecases.models import UseCase
from tests.web.conftest import BOTH_DATABASES, Registry, csrf_of, login

XSS = '<script>alert("x")</script>'

GOOD = {
    "title": "5G+AGV智能物流 一期",
    "scenario": "agv",
    "description": "厂区内 30 台AGV通过5G专网调度。",
    "network_mode": "hybrid_private",
    "operators": ["china_mobile", "china_unicom"],
    "stage": "building",
    "recognitions": "省级试点示范\n绽放杯三等奖",
    "investment_cny": "12,000,000",
    "start_date": "2024-03-01",
    "end_date": "2025-06-30",
    "source_document": "",
    "source_excerpt": "",
}

pytestmark = BOTH_DATABASES


@pytest.fixture
def enterprise_a(registry: Registry) -> int:
    enterprise_id = registry.enterprise("中天钢铁", "常州", "钢铁")
    registry.user("a@zenith.cn", enterprise_id=enterprise_id)
    return enterprise_id


@pytest.fixture
def enterprise_b(registry: Registry) -> int:
    enterprise_id = registry.enterprise("徐工集团", "徐州", "装备制造")
    registry.user("b@xcmg.cn", enterprise_id=enterprise_id)
    return enterprise_id


@pytest.fixture
def staff(registry: Registry) -> str:
    registry.user("reviewer@bureau.gov.cn", UserRole.staff)
    return "reviewer@bureau.gov.cn"


def submit(client: TestClient, data: dict, url: str = "/my/usecases/new") -> object:
    token = csrf_of(client.get(url).text)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def count_use_cases(registry: Registry) -> int:
    return int(registry.run(lambda s: s.scalar(select(func.count()).select_from(UseCase))))


def test_submission_with_chinese_text_is_stored_as_submitted(
    client: TestClient, registry: Registry, enterprise_a: int
) -> None:
    login(client, "a@zenith.cn")
    response = submit(client, GOOD)
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"]).text
    assert "5G+AGV智能物流 一期" in page and "厂区内 30 台AGV通过5G专网调度。" in page
    assert "12,000,000" in page and "绽放杯三等奖" in page
    stored = registry.run(
        lambda s: s.execute(select(UseCase.review_status, UseCase.operators, UseCase.investment_cny)).one()
    )
    assert stored == (ReviewStatus.submitted, ["china_mobile", "china_unicom"], 12_000_000)
    assert "5G+AGV智能物流" not in client.get("/").text  # not public before approval


def test_invalid_submission_marks_each_field_keeps_values_stores_nothing(
    client: TestClient, registry: Registry, enterprise_a: int
) -> None:
    login(client, "a@zenith.cn")
    bad = {
        **GOOD,
        "title": "",
        "scenario": "teleportation",
        "network_mode": "carrier-pigeon",
        "investment_cny": "很多",
        "start_date": "2025-01-01",
        "end_date": "2024-01-01",
        "stage": "",
    }
    response = submit(client, bad)
    assert response.status_code == 400
    page = response.text
    for field in ("title", "scenario", "network_mode", "investment_cny", "end_date", "stage"):
        assert f'data-error-for="{field}"' in page, field
    assert "厂区内 30 台AGV通过5G专网调度。" in page  # the description the user typed is still there
    assert 'value="很多"' in page
    assert 'value="china_mobile" checked' in page
    assert count_use_cases(registry) == 0


def test_error_messages_follow_the_language(client: TestClient, registry: Registry, enterprise_a: int) -> None:
    login(client, "a@zenith.cn")
    client.cookies.set("i5g_lang", "en")
    page = submit(client, {**GOOD, "title": ""}).text
    assert "This field is required." in page
    client.cookies.set("i5g_lang", "zh")
    assert "此项必填。" in submit(client, {**GOOD, "title": ""}).text


def test_control_characters_are_refused_with_a_message_and_the_rest_kept(
    client: TestClient, registry: Registry, enterprise_a: int
) -> None:
    login(client, "a@zenith.cn")
    client.cookies.set("i5g_lang", "en")
    response = submit(client, {**GOOD, "title": "5G AGV\x1b[2J"})
    assert response.status_code == 400
    assert 'data-error-for="title"' in response.text
    assert "Must not contain control characters" in response.text
    assert "厂区内 30 台AGV通过5G专网调度。" in response.text
    client.cookies.set("i5g_lang", "zh")
    assert "不能包含控制字符" in submit(client, {**GOOD, "source_document": "文件\x00"}).text
    assert count_use_cases(registry) == 0


def test_script_in_every_text_field_is_rendered_as_text(
    client: TestClient, registry: Registry, enterprise_a: int, staff: str
) -> None:
    login(client, "a@zenith.cn")
    evil = {
        **GOOD,
        "title": XSS,
        "description": XSS,
        "recognitions": XSS,
        "source_document": XSS,
        "source_excerpt": XSS,
    }
    response = submit(client, evil)
    assert response.status_code == 303
    detail_url = response.headers["location"]
    pages = [client.get(detail_url).text, client.get("/my/usecases").text, submit(client, {**evil, "stage": ""}).text]
    login(client, staff)
    pages.append(client.get("/review").text)
    for page in pages:
        assert XSS not in page
        assert html.escape(XSS) in page or "&lt;script&gt;" in page


def test_review_approve_and_reject_with_note(
    client: TestClient, registry: Registry, enterprise_a: int, staff: str
) -> None:
    approved = registry.use_case(enterprise_a, "待批准案例", ReviewStatus.submitted)
    rejected = registry.use_case(enterprise_a, "待驳回案例", ReviewStatus.submitted)
    login(client, staff)
    queue = client.get("/review").text
    assert "待批准案例" in queue and "待驳回案例" in queue
    token = csrf_of(queue)
    # rejecting without a note is refused and changes nothing
    response = client.post(f"/review/{rejected}", data={"decision": "reject", "note": " ", "csrf_token": token})
    assert response.status_code == 400 and 'data-error-for="note"' in response.text
    note = "请补充<b>投资</b>信息"
    client.post(f"/review/{rejected}", data={"decision": "reject", "note": note, "csrf_token": token})
    client.post(f"/review/{approved}", data={"decision": "approve", "note": "", "csrf_token": token})
    statuses = dict(registry.run(lambda s: s.execute(select(UseCase.title, UseCase.review_status)).all()))
    assert statuses == {"待批准案例": ReviewStatus.approved, "待驳回案例": ReviewStatus.rejected}
    catalog = client.get("/").text
    assert "待批准案例" in catalog and "待驳回案例" not in catalog

    login(client, "a@zenith.cn")
    mine = client.get("/my/usecases").text
    assert "已驳回" in mine and "请补充&lt;b&gt;投资&lt;/b&gt;信息" in mine
    detail = client.get(f"/usecases/{rejected}").text
    assert 'id="reviewer-note"' in detail


def test_editing_an_approved_case_waits_for_review_beside_the_live_version(
    client: TestClient, registry: Registry, enterprise_a: int, staff: str
) -> None:
    # Issue 16.6: a typo fix must not unpublish the case nor stop its gateways' telemetry.
    use_case = registry.use_case(enterprise_a, "已通过案例", ReviewStatus.approved, reviewer_note="材料齐全")
    registry.run(lambda s: s.add(Gateway(id="gw-live-1", use_case_id=use_case, site_name="一号车间")))
    login(client, "a@zenith.cn")
    response = submit(client, {**GOOD, "title": "已通过案例（修订）"}, f"/my/usecases/{use_case}/edit")
    assert response.status_code == 303
    stored = registry.run(lambda s: s.execute(select(UseCase.title, UseCase.review_status)).one())
    assert tuple(stored) == ("已通过案例", ReviewStatus.approved)
    assert "已通过案例（修订）" in client.get(f"/my/usecases/{use_case}/edit").text  # the owner sees what they sent
    anonymous = TestClient(registry.app)
    assert anonymous.get(f"/usecases/{use_case}").status_code == 200
    assert "已通过案例" in anonymous.get("/").text and "修订" not in anonymous.get("/").text
    entries = registry.run(lambda s: [(e.id, e.enabled) for e in gateway_directory(s)])
    assert entries == [("gw-live-1", True)]

    login(client, staff)
    queue = client.get("/review").text
    assert f'data-revision="{use_case}"' in queue and "已通过案例（修订）" in queue
    token = csrf_of(queue)
    client.post(f"/review/{use_case}", data={"decision": "approve", "note": "", "csrf_token": token})
    stored = registry.run(lambda s: s.execute(select(UseCase.title, UseCase.review_status)).one())
    assert tuple(stored) == ("已通过案例（修订）", ReviewStatus.approved)
    assert f'data-revision="{use_case}"' not in client.get("/review").text

    # A rejected revision is dropped with the note; the approved version stays.
    login(client, "a@zenith.cn")
    submit(client, {**GOOD, "title": "不当修改"}, f"/my/usecases/{use_case}/edit")
    login(client, staff)
    token = csrf_of(client.get("/review").text)
    client.post(f"/review/{use_case}", data={"decision": "reject", "note": "不予修改", "csrf_token": token})
    stored = registry.run(
        lambda s: s.execute(select(UseCase.title, UseCase.review_status, UseCase.reviewer_note)).one()
    )
    assert tuple(stored) == ("已通过案例（修订）", ReviewStatus.approved, "不予修改")


def test_editing_a_rejected_case_sends_it_back_to_review(
    client: TestClient, registry: Registry, enterprise_a: int
) -> None:
    use_case = registry.use_case(enterprise_a, "被驳回案例", ReviewStatus.rejected)
    login(client, "a@zenith.cn")
    response = submit(client, {**GOOD, "title": "被驳回案例（修订）"}, f"/my/usecases/{use_case}/edit")
    assert response.status_code == 303
    title, status = registry.run(lambda s: s.execute(select(UseCase.title, UseCase.review_status)).one())
    assert (title, status) == ("被驳回案例（修订）", ReviewStatus.submitted)


def test_enterprises_cannot_see_or_touch_each_others_drafts(
    client: TestClient, registry: Registry, enterprise_a: int, enterprise_b: int
) -> None:
    draft = registry.use_case(enterprise_a, "A的草稿", ReviewStatus.submitted)
    public = registry.use_case(enterprise_a, "A的公开案例", ReviewStatus.approved)
    assert client.get(f"/usecases/{draft}").status_code == 404  # anonymous
    assert client.get(f"/usecases/{public}").status_code == 200
    login(client, "b@xcmg.cn")
    assert client.get(f"/usecases/{draft}").status_code == 404
    assert client.get(f"/my/usecases/{draft}/edit").status_code == 404
    assert client.get(f"/my/usecases/{public}/edit").status_code == 404
    assert submit(client, {**GOOD, "title": "篡改"}, "/my/usecases/new").status_code == 303  # own: fine
    token = csrf_of(client.get("/my/usecases").text)
    response = client.post(f"/my/usecases/{draft}/edit", data={**GOOD, "title": "篡改", "csrf_token": token})
    assert response.status_code == 404
    gateway = {"id": "gw-x", "site_name": "x", "csrf_token": token}
    assert client.post(f"/my/usecases/{public}/gateways/new", data=gateway).status_code == 404
    # no reviewing for enterprises
    assert client.get("/review").status_code == 403
    response = client.post(f"/review/{draft}", data={"decision": "approve", "note": "", "csrf_token": token})
    assert response.status_code == 403
    assert client.get("/export.csv").status_code == 403
    titles = registry.run(lambda s: sorted(s.scalars(select(UseCase.title))))
    assert (
        "A的草稿" in titles
        and registry.run(lambda s: s.scalar(select(UseCase.review_status).where(UseCase.id == draft)))
        == ReviewStatus.submitted
    )


def test_gateways_only_for_approved_use_cases(client: TestClient, registry: Registry, enterprise_a: int) -> None:
    draft = registry.use_case(enterprise_a, "草稿", ReviewStatus.submitted)
    approved = registry.use_case(enterprise_a, "运行中", ReviewStatus.approved)
    login(client, "a@zenith.cn")
    assert client.get(f"/my/usecases/{draft}/gateways/new").status_code == 409
    url = f"/my/usecases/{approved}/gateways/new"
    token = csrf_of(client.get(url).text)
    bad = client.post(url, data={"id": "Bad_Slug", "site_name": "", "latitude": "95", "csrf_token": token})
    assert bad.status_code == 400
    for field in ("id", "site_name", "latitude"):
        assert f'data-error-for="{field}"' in bad.text, field
    assert "纬度应在 -90 到 90 之间。" in bad.text
    good = {
        "id": "zt-agv-01",
        "site_name": "一号厂房",
        "hardware": "RPi 5 + RM520N",
        "latitude": "31.78",
        "longitude": "119.95",
        "csrf_token": token,
    }
    created = client.post(url, data=good)
    assert created.status_code == 201 and "zt-agv-01" in created.text
    assert client.post(url, data=good).status_code == 409  # same slug again
    assert registry.run(lambda s: s.scalar(select(func.count()).select_from(Gateway))) == 1

    seen = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    registry.run(lambda s: apply_statuses(s, [GatewayStatus(id="zt-agv-01", online=True, last_seen=seen)]))
    detail = client.get(f"/usecases/{approved}").text
    assert "一号厂房" in detail and "在线" in detail and "2026-05-01 08:30" in detail
    assert "http://grafana.example:3000/d/" in detail and "var-use_case=" in detail
