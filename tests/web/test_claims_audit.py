"""Issue 19, registry workflow and audit trail: claiming a registered enterprise (sign-up and account, pages and
REST), the review history on the use case, and the audit trail (recorded by every path, staff-only, filtered,
exported, append-only in the database) - including what an attacking enterprise account must not manage."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from registry.accounts.models import User, UserRole
from registry.audit.models import AuditEvent
from registry.audit.service import Actor, record
from registry.auth.service import create_token
from registry.claims.models import ClaimStatus, EnterpriseClaim
from registry.enterprises.models import Enterprise
from registry.enterprises.schemas import EnterpriseCreate
from registry.enterprises.service import create_enterprise
from registry.enums import ReviewStatus, TokenRole
from registry.gateways.models import Gateway
from registry.gateways.schemas import GatewayCreate
from registry.gateways.service import create_gateway
from registry.usecases.models import UseCase
from tests.web.conftest import BOTH_DATABASES, PASSWORD, Registry, csrf_of, login
from tests.web.test_workflow import GOOD

SEEDED = "常州中天钢铁集团有限公司"
SEEDED_CODE = "91350100M000100Y43"
STAFF = "reviewer@bureau.gov.cn"


def _seeded(registry: Registry, name: str = SEEDED, credit_code: str | None = SEEDED_CODE) -> int:
    """A catalog record nobody owns, like the 27 seeded enterprises."""
    data = EnterpriseCreate(name=name, city="常州", province="江苏", industry="钢铁", credit_code=credit_code)
    return int(registry.run(lambda s: create_enterprise(s, data, seed_key=f"seed:{name}").id))


def _staff_token(registry: Registry, name: str = "ops-console") -> str:
    return str(registry.run(lambda s: create_token(s, name, TokenRole.staff)[1]))


def _events(registry: Registry, **where: object) -> list[tuple]:
    def query(s):
        stmt = select(AuditEvent.actor_kind, AuditEvent.actor, AuditEvent.action, AuditEvent.target_id)
        for name, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, name) == value)
        return [tuple(row) for row in s.execute(stmt.order_by(AuditEvent.id))]

    return registry.run(query)


def _count(registry: Registry, model: type, *where: object) -> int:
    return int(registry.run(lambda s: s.scalar(select(func.count()).select_from(model).where(*where))))


def _post_form(client: TestClient, page: str, path: str, data: dict) -> object:
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def test_signup_offers_the_claim_and_staff_approval_attaches_the_account(client: TestClient, registry: Registry):
    enterprise = _seeded(registry)
    registry.use_case(enterprise, "5G+机器视觉质检")  # approved: the enterprise is in the public catalog
    registry.user(STAFF, UserRole.staff)
    signup = {"email": "li@zenith-steel.cn", "password": PASSWORD, "name": SEEDED, "province": "江苏"}
    signup |= {"city": "常州", "industry_code": "C31", "contact": "李雷 0519-1234"}
    offer = _post_form(client, "/signup", "/signup", signup)
    assert offer.status_code == 409
    assert 'action="/claim"' in offer.text and 'id="claim-found"' in offer.text and SEEDED in offer.text
    assert SEEDED_CODE not in offer.text  # not in the public catalog, so not shown to a newcomer
    assert PASSWORD not in offer.text
    assert _count(registry, Enterprise) == 1 and _count(registry, User) == 1  # no duplicate, no account yet

    claim = {"email": signup["email"], "password": PASSWORD, "name": SEEDED, "message": "安全环保部 李雷"}
    sent = _post_form(client, "/claim", "/claim", claim)
    assert sent.status_code == 303 and sent.headers["location"] == "/login"
    assert login(client, signup["email"]).status_code == 401  # nothing to log in to before the decision

    login(client, STAFF)
    queue = client.get("/staff/claims")
    assert signup["email"] in queue.text and SEEDED_CODE in queue.text  # staff compare with the record
    claim_id = registry.run(lambda s: s.scalar(select(EnterpriseClaim.id)))
    token = csrf_of(queue.text)
    refused = client.post(f"/staff/claims/{claim_id}", data={"decision": "reject", "note": "", "csrf_token": token})
    assert refused.status_code == 400 and 'data-error-for="note"' in refused.text
    approved = client.post(
        f"/staff/claims/{claim_id}",
        data={"decision": "approve", "note": "电话核实", "csrf_token": token},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    owner = registry.run(lambda s: s.scalar(select(User.enterprise_id).where(User.email == signup["email"])))
    assert owner == enterprise and _count(registry, Enterprise) == 1
    hashes = registry.run(lambda s: s.scalar(select(EnterpriseClaim.password_hash)))
    assert hashes is None  # the account has it now

    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    login(client, signup["email"])
    assert "5G+机器视觉质检" in client.get("/my/usecases").text
    assert _events(registry, target_type="claim") == [
        ("system", "signup", "claim.request", str(claim_id)),
        ("user", STAFF, "claim.approve", str(claim_id)),
    ]
    assert ("user", STAFF, "account.create") in [e[:3] for e in _events(registry, target_type="account")]
    # A second sign-up under the now owned name gets the old refusal, not a claim form.
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    again = _post_form(client, "/signup", "/signup", {**signup, "email": "other@example.cn"})
    assert again.status_code == 409 and 'action="/claim"' not in again.text


@BOTH_DATABASES
def test_a_claim_from_an_account_merges_its_provisional_enterprise(client: TestClient, registry: Registry) -> None:
    seeded = _seeded(registry)
    provisional = registry.enterprise("中天钢铁（常州）", "常州", "钢铁")
    registry.user("li@zenith-steel.cn", enterprise_id=provisional)
    own_case = registry.use_case(provisional, "5G+AGV", status=ReviewStatus.submitted)
    staff = _staff_token(registry)
    login(client, "li@zenith-steel.cn")
    csrf = csrf_of(client.get("/my/claim").text)
    headers = {"X-CSRF-Token": csrf}
    assert client.post("/api/v1/claims", json={"credit_code": SEEDED_CODE}).status_code == 403  # no CSRF header
    missing = client.post("/api/v1/claims", json={"name": "不存在的企业"}, headers=headers)
    assert missing.status_code == 404
    asked = client.post("/api/v1/claims", json={"credit_code": SEEDED_CODE, "message": "法务部"}, headers=headers)
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "pending"
    assert client.post("/api/v1/claims", json={"credit_code": SEEDED_CODE}, headers=headers).status_code == 409
    mine = client.get("/api/v1/claims/mine")
    assert [c["id"] for c in mine.json()["items"]] == [asked.json()["id"]], mine.text

    auth = {"Authorization": f"Bearer {staff}"}
    pending = client.get("/api/v1/claims?status=pending", headers=auth).json()
    assert pending["total"] == 1 and pending["items"][0]["from_account"] is True
    assert pending["items"][0]["enterprise_credit_code"] == SEEDED_CODE
    bad = client.post(f"/api/v1/claims/{asked.json()['id']}/decision", json={"decision": "reject"}, headers=auth)
    assert bad.status_code == 422  # a rejection needs a note
    decided = client.post(
        f"/api/v1/claims/{asked.json()['id']}/decision", json={"decision": "approve", "note": "ok"}, headers=auth
    )
    assert decided.status_code == 200 and decided.json()["decided_by"] == "ops-console"
    again = client.post(f"/api/v1/claims/{asked.json()['id']}/decision", json={"decision": "approve"}, headers=auth)
    assert again.status_code == 409

    assert registry.run(lambda s: s.get(Enterprise, provisional)) is None
    assert registry.run(lambda s: s.get(UseCase, own_case).enterprise_id) == seeded
    moved = registry.run(lambda s: s.scalar(select(User.enterprise_id).where(User.email == "li@zenith-steel.cn")))
    assert moved == seeded
    assert "5G+AGV" in client.get("/my/usecases").text  # the same session now sees the merged enterprise
    merged = _events(registry, action="enterprise.merge")
    assert merged == [("token", "ops-console", "enterprise.merge", str(seeded))]
    assert ("token", "ops-console", "enterprise.delete", str(provisional)) in _events(
        registry, target_type="enterprise"
    )


def test_an_enterprise_cannot_claim_an_owned_one_approve_its_own_claim_or_read_the_audit(
    client: TestClient, registry: Registry
) -> None:
    victim = registry.enterprise("徐工集团", "徐州", "装备制造")
    registry.user("b@xcmg.cn", enterprise_id=victim)
    victim_case = registry.use_case(victim, "5G+远程操控")
    attacker = registry.enterprise("攻击者公司", "南京", "软件")
    registry.user("eve@evil.cn", enterprise_id=attacker)
    unowned = _seeded(registry)
    collector = str(registry.run(lambda s: create_token(s, "collector-1", TokenRole.collector)[1]))

    # Claiming an enterprise that has accounts: refused on every path, nothing stored.
    anonymous = _post_form(
        client, "/claim", "/claim", {"email": "eve2@evil.cn", "password": PASSWORD, "name": "徐工集团"}
    )
    assert anonymous.status_code == 409
    login(client, "eve@evil.cn")
    page = _post_form(client, "/my/claim", "/my/claim", {"name": "徐工集团"})
    assert page.status_code == 409
    csrf = csrf_of(client.get("/my/claim").text)
    api = client.post("/api/v1/claims", json={"name": "徐工集团"}, headers={"X-CSRF-Token": csrf})
    assert api.status_code == 409
    assert _count(registry, EnterpriseClaim) == 0

    # Its own claim of an unowned enterprise: only staff decide it, whatever the attacker sends.
    mine = client.post("/api/v1/claims", json={"name": SEEDED}, headers={"X-CSRF-Token": csrf}).json()
    decide = f"/api/v1/claims/{mine['id']}/decision"
    assert client.post(decide, json={"decision": "approve"}, headers={"X-CSRF-Token": csrf}).status_code == 401
    collector_auth = {"Authorization": f"Bearer {collector}"}
    assert client.post(decide, json={"decision": "approve"}, headers=collector_auth).status_code == 403
    page_decide = client.post(f"/staff/claims/{mine['id']}", data={"decision": "approve", "csrf_token": csrf})
    assert page_decide.status_code == 403
    assert client.get("/api/v1/claims").status_code == 401
    assert registry.run(lambda s: s.get(EnterpriseClaim, mine["id"]).status) == ClaimStatus.pending
    assert registry.run(lambda s: s.scalar(select(User.enterprise_id).where(User.email == "eve@evil.cn"))) == attacker
    assert _count(registry, User, User.enterprise_id == unowned) == 0

    # Other enterprises' events: not on the audit page, not over REST, not on their (public) use case.
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    assert client.get("/api/v1/audit").status_code == 401
    assert client.get("/api/v1/audit", headers=collector_auth).status_code == 403
    public_page = client.get(f"/usecases/{victim_case}")
    assert public_page.status_code == 200 and 'id="history"' not in public_page.text


def test_the_review_history_shows_who_when_from_to_note_and_the_evidence(client: TestClient, registry: Registry):
    enterprise = registry.enterprise()
    registry.user("a@zenith.cn", enterprise_id=enterprise)
    registry.user(STAFF, UserRole.staff)
    login(client, "a@zenith.cn")
    created = _post_form(client, "/my/usecases/new", "/my/usecases/new", GOOD)
    use_case = int(created.headers["location"].rsplit("/", 1)[1])
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    login(client, STAFF)
    token = csrf_of(client.get("/review").text)
    client.post(f"/review/{use_case}", data={"decision": "reject", "note": "缺少投资额出处", "csrf_token": token})
    client.post(f"/review/{use_case}", data={"decision": "approve", "note": "已补充", "csrf_token": token})
    moved = _post_form(
        client, f"/staff/usecases/{use_case}/edit", f"/staff/usecases/{use_case}/edit", {**GOOD, "stage": "operating"}
    )
    assert moved.status_code == 303
    staff_view = client.get(f"/usecases/{use_case}").text
    for action in ("usecase.create", "usecase.review", "usecase.stage"):
        assert f'data-action="{action}"' in staff_view, action
    assert "缺少投资额出处" in staff_view and "已驳回" in staff_view and "已运营" in staff_view
    assert "data-snapshot" in staff_view  # the stage_reviews snapshot (telemetry unavailable here)
    events = _events(registry, target_type="usecase", target_id=str(use_case))
    assert [e[:3] for e in events] == [
        ("user", "a@zenith.cn", "usecase.create"),
        ("user", STAFF, "usecase.review"),
        ("user", STAFF, "usecase.review"),
        ("user", STAFF, "usecase.stage"),
    ]

    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    assert 'id="history"' not in client.get(f"/usecases/{use_case}").text  # anonymous
    login(client, "a@zenith.cn")
    owner_view = client.get(f"/usecases/{use_case}").text
    assert 'id="history"' in owner_view and "缺少投资额出处" in owner_view


def test_the_audit_trail_over_rest_filters_pages_exports_and_keeps_no_secret(client: TestClient, registry: Registry):
    staff = _staff_token(registry, "@SUM(1)")  # a name a spreadsheet would run as a formula
    auth = {"Authorization": f"Bearer {staff}"}
    enterprise = client.post(
        "/api/v1/enterprises",
        json={"name": "审计测试企业", "city": "常州", "province": "江苏", "industry": "钢铁"},
        headers=auth,
    ).json()
    body = {"enterprise_id": enterprise["id"], "title": "5G+巡检", "scenario": "machine_vision"}
    body |= {"network_mode": "vpn", "stage": "building", "review_status": "approved"}
    use_case = client.post("/api/v1/usecases", json=body, headers=auth).json()
    client.patch(
        f"/api/v1/usecases/{use_case['id']}", json={"stage": "operating", "title": "5G+巡检二期"}, headers=auth
    )
    gateway = {"id": "gw-audit-1", "use_case_id": use_case["id"], "site_name": "一号车间"}
    assert client.post("/api/v1/gateways", json=gateway, headers=auth).status_code == 201
    client.patch("/api/v1/gateways/gw-audit-1", json={"enabled": False}, headers=auth)
    client.patch("/api/v1/gateways/gw-audit-1", json={"enabled": True}, headers=auth)
    assert client.delete("/api/v1/gateways/gw-audit-1", headers=auth).status_code == 204

    everything = client.get("/api/v1/audit?page_size=200", headers=auth).json()
    actions = [e["action"] for e in everything["items"] if e["actor"] == "@SUM(1)"]
    assert actions == [
        "gateway.delete",
        "gateway.enable",
        "gateway.disable",
        "gateway.register",
        "usecase.update",
        "usecase.stage",
        "usecase.create",
        "enterprise.create",
    ]
    stage = next(e for e in everything["items"] if e["action"] == "usecase.stage")
    assert stage["detail"] == {"stage": ["building", "operating"]} and stage["enterprise_id"] == enterprise["id"]
    gateways = client.get("/api/v1/audit?action=gateway.&page_size=2&page=2", headers=auth).json()
    assert gateways["total"] == 4 and [e["action"] for e in gateways["items"]] == [
        "gateway.disable",
        "gateway.register",
    ]
    target = client.get(f"/api/v1/audit?target_type=usecase&target_id={use_case['id']}", headers=auth).json()
    assert target["total"] == 3
    assert client.get("/api/v1/audit?since=2999-01-01T00:00:00", headers=auth).json()["total"] == 0
    assert client.get("/api/v1/audit?until=2000-01-01T00:00:00Z", headers=auth).json()["total"] == 0
    assert client.get("/api/v1/audit?since=yesterday", headers=auth).status_code == 422

    exported = client.get("/api/v1/audit/export?format=csv&actor=@SUM(1)", headers=auth)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["id", "at", "actor_kind", "actor", "action"] and len(rows) == 9
    assert {row[3] for row in rows[1:]} == {"'@SUM(1)"}  # neutralised, never a formula
    as_json = client.get("/api/v1/audit/export?format=json", headers=auth)
    assert as_json.json()["total"] == everything["total"]
    assert staff not in as_json.text and staff not in exported.text

    # The staff page shows and exports the same, filtered by the form.
    registry.user(STAFF, UserRole.staff)
    login(client, STAFF)
    page = client.get("/audit?action=gateway.&since=2000-01-01&until=2999-12-31")
    assert page.status_code == 200 and page.text.count('data-action="gateway.') == 4
    assert client.get("/audit?since=not-a-date").status_code == 400
    page_csv = client.get("/audit/export.csv?action=usecase.")
    assert page_csv.status_code == 200 and page_csv.text.count("usecase.") == 3
    assert PASSWORD not in client.get("/audit/export.json").text  # account creation and login: no password
    schema = client.get("/openapi.json").json()
    assert "/api/v1/audit" in schema["paths"] and "/api/v1/claims/{claim_id}/decision" in schema["paths"]


@BOTH_DATABASES
def test_the_database_refuses_to_update_or_delete_audit_events(registry: Registry) -> None:
    registry.run(lambda s: record(s, Actor.system("test"), "test.append", "thing", 1, detail={"a": 1}))
    for statement in ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            registry.run(lambda s, statement=statement: s.execute(text(statement)))
    assert _events(registry) == [("system", "test", "test.append", "1")]
    stored = registry.run(lambda s: s.scalar(select(AuditEvent.detail)))
    assert json.dumps(stored) == '{"a": 1}'


def test_staff_do_in_the_pages_what_the_api_lets_them_do(client: TestClient, registry: Registry) -> None:
    enterprise = registry.enterprise()
    registry.user("a@zenith.cn", enterprise_id=enterprise)
    use_case = registry.use_case(enterprise)
    spare = registry.use_case(enterprise, "待删除的案例")
    gateway = GatewayCreate(id="gw-staff-1", use_case_id=use_case, site_name="一号车间")
    registry.run(lambda s: create_gateway(s, gateway))
    login(client, "a@zenith.cn")
    token = csrf_of(client.get(f"/usecases/{use_case}").text)
    assert client.post("/staff/gateways/gw-staff-1/disable", data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})

    registry.user(STAFF, UserRole.staff)
    login(client, STAFF)
    page = client.get(f"/usecases/{use_case}").text
    assert 'data-staff-gateway="gw-staff-1"' in page
    token = csrf_of(page)

    def act(path: str, **data: str) -> int:
        return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False).status_code

    assert act("/staff/gateways/gw-staff-1/disable") == 303
    assert registry.run(lambda s: s.get(Gateway, "gw-staff-1").enabled) is False
    assert act("/staff/gateways/gw-staff-1/rotate") == 409  # a disabled gateway stays locked out
    assert act("/staff/gateways/gw-staff-1/enable") == 303
    assert act("/staff/gateways/gw-staff-1/reboot") == 404
    assert act(f"/staff/usecases/{use_case}/delete") == 409  # it still has a gateway
    assert act("/staff/gateways/gw-staff-1/delete") == 303
    assert act(f"/staff/usecases/{spare}/delete") == 303
    assert registry.run(lambda s: (s.get(Gateway, "gw-staff-1"), s.get(UseCase, spare))) == (None, None)
    assert [e[2] for e in _events(registry, target_type="gateway", actor=STAFF)] == [
        "gateway.disable",
        "gateway.enable",
        "gateway.delete",
    ]

    edit = f"/staff/enterprises/{enterprise}/edit"
    values = {"name": "中天钢铁", "province": "江苏", "city": "常州", "industry": "钢铁", "industry_code": "C31"}
    assert act(edit, **values, credit_code="123") == 400
    assert act(edit, **values, contact="李雷 0519-1234", next=f"/usecases/{use_case}") == 303
    updated = registry.run(
        lambda s: s.scalar(select(AuditEvent.detail).where(AuditEvent.action == "enterprise.update"))
    )
    assert updated["contact"] == [None, "李雷 0519-1234"]

    # Registering an enterprise and a use case for it, as POST /api/v1/enterprises and /usecases allow staff.
    new = {**values, "name": "新登记企业", "industry": "汽车"}
    created = client.post("/staff/enterprises/new", data={**new, "csrf_token": token}, follow_redirects=False)
    assert created.status_code == 303 and "/staff/usecases/new?enterprise_id=" in created.headers["location"]
    form = client.get(created.headers["location"]).text
    new_id = created.headers["location"].rsplit("=", 1)[1]
    assert f'<option value="{new_id}" selected>' in form
    assert act("/staff/usecases/new", **{**GOOD, "operators": "china_mobile"}) == 400  # no enterprise chosen
    assert act("/staff/usecases/new", **{**GOOD, "operators": "china_mobile", "enterprise_id": new_id}) == 303
    staff_made = [e[2] for e in _events(registry, actor=STAFF) if e[2].endswith(".create")]
    assert staff_made == ["enterprise.create", "usecase.create"]
    # Deleting one registered by mistake (DELETE /api/v1/enterprises); one with use cases or accounts stays.
    mistake = client.post(
        "/staff/enterprises/new", data={**new, "name": "误登记企业", "csrf_token": token}, follow_redirects=False
    )
    mistake_id = int(mistake.headers["location"].rsplit("=", 1)[1])
    assert "/delete" in client.get(f"/staff/enterprises/{mistake_id}/edit").text
    assert "/delete" not in client.get(f"/staff/enterprises/{enterprise}/edit").text
    assert act(f"/staff/enterprises/{enterprise}/delete") == 409
    assert act(f"/staff/enterprises/{mistake_id}/delete") == 303
    assert registry.run(lambda s: s.get(Enterprise, mistake_id)) is None
    assert ("user", STAFF, "enterprise.delete", str(mistake_id)) in _events(registry, target_type="enterprise")
