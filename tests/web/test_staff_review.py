"""Staff correct a use case's content without changing its review decision, and browse decided cases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from registry.accounts.models import UserRole
from registry.enums import ReviewStatus
from registry.usecases.models import UseCase
from tests.web.conftest import Registry, csrf_of, login
from tests.web.test_workflow import GOOD


def _stored(registry: Registry, use_case_id: int) -> tuple:
    return registry.run(
        lambda s: s.execute(
            select(UseCase.title, UseCase.scenario_key, UseCase.review_status, UseCase.reviewer_note).where(
                UseCase.id == use_case_id
            )
        ).one()
    )


def _edit(client: TestClient, use_case_id: int, data: dict) -> object:
    path = f"/staff/usecases/{use_case_id}/edit"
    token = csrf_of(client.get(path).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def test_staff_edit_keeps_the_decision_and_note(client: TestClient, registry: Registry) -> None:
    enterprise = registry.enterprise()
    approved = registry.use_case(enterprise, "5G 机器视觉质检（错字）", reviewer_note="材料齐全")
    registry.user("staff@bureau.gov.cn", UserRole.staff)
    login(client, "staff@bureau.gov.cn")
    detail = client.get(f"/usecases/{approved}").text
    assert f'href="/staff/usecases/{approved}/edit"' in detail
    form = client.get(f"/staff/usecases/{approved}/edit").text
    assert 'value="5G 机器视觉质检（错字）"' in form and "审核结论和审核意见保持不变" in form

    saved = _edit(client, approved, {**GOOD, "title": "5G 机器视觉质检", "scenario": "machine_vision"})
    assert saved.status_code == 303 and saved.headers["location"] == f"/usecases/{approved}"
    assert _stored(registry, approved) == ("5G 机器视觉质检", "machine_vision", ReviewStatus.approved, "材料齐全")
    assert "5G 机器视觉质检" in client.get("/").text  # still published

    bad = _edit(client, approved, {**GOOD, "title": "", "scenario": "teleportation"})
    assert bad.status_code == 400
    assert 'data-error-for="title"' in bad.text and 'data-error-for="scenario"' in bad.text
    assert "厂区内 30 台AGV通过5G专网调度。" in bad.text
    assert _stored(registry, approved)[0] == "5G 机器视觉质检"
    assert client.get("/staff/usecases/999999/edit").status_code == 404


def test_enterprise_users_cannot_use_the_staff_form(client: TestClient, registry: Registry) -> None:
    enterprise = registry.enterprise()
    own = registry.use_case(enterprise, status=ReviewStatus.submitted)
    registry.user("a@zenith.cn", UserRole.enterprise, enterprise)
    login(client, "a@zenith.cn")
    assert client.get(f"/staff/usecases/{own}/edit").status_code == 403
    token = csrf_of(client.get("/my/usecases").text)
    response = client.post(f"/staff/usecases/{own}/edit", data={**GOOD, "csrf_token": token})
    assert response.status_code == 403
    assert _stored(registry, own)[2] == ReviewStatus.submitted  # not silently kept in review by a staff-style save


def test_review_tabs_list_decided_cases_and_a_decision_can_be_revisited(client: TestClient, registry: Registry):
    enterprise = registry.enterprise()
    pending = registry.use_case(enterprise, "待审案例", status=ReviewStatus.submitted)
    published = registry.use_case(enterprise, "已发布案例")
    registry.use_case(enterprise, "已驳回案例", status=ReviewStatus.rejected, reviewer_note="缺少材料")
    registry.user("staff@bureau.gov.cn", UserRole.staff)
    login(client, "staff@bureau.gov.cn")

    queue = client.get("/review").text
    assert "待审案例" in queue and "已发布案例" not in queue
    assert 'data-tab="approved"' in queue and 'aria-current="page">待审核' in queue.replace("\n", "")
    approved_tab = client.get("/review?status=approved").text
    assert "已发布案例" in approved_tab and "待审案例" not in approved_tab
    rejected_tab = client.get("/review?status=rejected").text
    assert "已驳回案例" in rejected_tab and "缺少材料" in rejected_tab
    assert client.get("/review?status=nonsense").status_code == 404

    # Withdrawing a published case needs a note, like any rejection; the error shows on the approved tab.
    token = csrf_of(approved_tab)
    refused = client.post(f"/review/{published}", data={"decision": "reject", "note": "", "csrf_token": token})
    assert refused.status_code == 400 and "已发布案例" in refused.text and 'data-error-for="note"' in refused.text
    client.post(f"/review/{published}", data={"decision": "reject", "note": "数据有误", "csrf_token": token})
    assert _stored(registry, published)[2:] == (ReviewStatus.rejected, "数据有误")
    assert "已发布案例" not in client.get("/").text
    assert _stored(registry, pending)[2] == ReviewStatus.submitted
