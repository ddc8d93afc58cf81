"""Concurrent users on one registry (issue 18): 50 enterprise users submit the use-case form at the same moment
while readers browse the catalog, against a real `i5g registry serve` process over real HTTP, on SQLite (the
embedded default) and on PostgreSQL.

Before the fix, SQLite answered part of such a burst with 500 "database is locked": a request's deferred
transaction read, then tried to write after another writer had committed (SQLITE_BUSY_SNAPSHOT, which no
busy timeout can wait out). Now a writing request takes the write lock when it begins, and a real overload is
answered 503 + Retry-After, which this client honours, as a browser user pressing "submit" again would.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from devstack.process import free_port
from tests.registry.support import TemplateDatabases
from tests.web.conftest import PASSWORD, csrf_of
from tests.web.test_workflow import GOOD as GOOD_FORM

SUBMITTERS = 50
USERS = 5  # each user's signed-in session (a cookie) is shared by 10 browsers: 5 logins, not 50 argon2 hashes
READERS = 10
MAX_RETRIES = 30


@dataclass
class Server:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]


@dataclass
class Outcome:
    statuses: Counter[str] = field(default_factory=Counter)
    titles_accepted: list[str] = field(default_factory=list)
    retry_after_missing: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, what: str) -> None:
        with self.lock:
            self.statuses[what] += 1


def _users(database_url: str) -> list[str]:
    from registry.accounts.models import UserRole
    from registry.accounts.service import create_user
    from registry.db import make_engine, make_sessionmaker, session_scope
    from registry.enterprises.schemas import EnterpriseCreate
    from registry.enterprises.service import create_enterprise

    emails = [f"load{i}-{secrets.token_hex(3)}@example.cn" for i in range(USERS)]
    engine = make_engine(database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            for i, email in enumerate(emails):
                data = EnterpriseCreate(name=f"并发测试企业{i}-{email}", city="常州", province="江苏", industry="钢铁")
                create_user(session, email, PASSWORD, UserRole.enterprise, create_enterprise(session, data).id)
    finally:
        engine.dispose()
    return emails


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, template_databases: TemplateDatabases, tmp_path: Path) -> Iterator[Server]:
    database_url = template_databases.fresh(request.param)
    port = free_port()
    env = {**os.environ, "I5G_DATABASE_URL": database_url, "I5G_SECRET_KEY": secrets.token_urlsafe(32)}
    log = (tmp_path / "registry.log").open("wb")
    i5g = str(Path(sys.executable).parent / "i5g")
    command = [i5g, "registry", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "registry.log").read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "registry did not start"
            time.sleep(0.1)
        yield Server(url, database_url, process)
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def _signed_in_cookies(url: str, email: str) -> httpx.Cookies:
    with httpx.Client(base_url=url, timeout=30) as client:
        token = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code in (200, 303), response.text[:300]
        return client.cookies


def _submit(url: str, cookies: httpx.Cookies, title: str, start: threading.Barrier, outcome: Outcome) -> None:
    with httpx.Client(base_url=url, cookies=cookies, timeout=60, headers={"Accept": "text/html"}) as client:
        token = csrf_of(client.get("/my/usecases/new").text)
        start.wait()
        for _attempt in range(MAX_RETRIES):
            try:
                response = client.post(
                    "/my/usecases/new", data={**GOOD_FORM, "title": title, "csrf_token": token}, follow_redirects=False
                )
            except httpx.TransportError as exc:
                outcome.count(f"transport error {type(exc).__name__}")
                return
            outcome.count(str(response.status_code))
            if response.status_code == 303:
                with outcome.lock:
                    outcome.titles_accepted.append(title)
                return
            if response.status_code != 503:
                return
            retry_after = response.headers.get("Retry-After")
            if retry_after is None:
                outcome.retry_after_missing += 1
                return
            time.sleep(float(retry_after))


def _browse(url: str, stop: threading.Event, outcome: Outcome) -> None:
    with httpx.Client(base_url=url, timeout=60, headers={"Accept": "text/html"}) as client:
        while not stop.is_set():
            for path in ("/", "/?q=5G", "/api/v1/usecases?limit=20"):
                try:
                    response = client.get(path)
                except httpx.TransportError as exc:
                    outcome.count(f"read transport error {type(exc).__name__}")
                    continue
                outcome.count(f"read {response.status_code}")
                if response.status_code == 503:  # an overloaded machine: the answer must say when to come back
                    if "Retry-After" not in response.headers:
                        with outcome.lock:
                            outcome.retry_after_missing += 1
                    time.sleep(float(response.headers.get("Retry-After", 1)))


def _stored_titles(database_url: str, titles: list[str]) -> set[str]:
    from registry.db import make_engine
    from registry.usecases.models import UseCase

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(select(UseCase.title).where(UseCase.title.in_(titles))))
    finally:
        engine.dispose()


def test_fifty_concurrent_form_submissions_with_readers_all_stored(server: Server) -> None:
    emails = _users(server.database_url)
    cookies = [_signed_in_cookies(server.url, email) for email in emails]
    titles = [f"5G+并发提交 {i} {secrets.token_hex(3)}" for i in range(SUBMITTERS)]
    outcome = Outcome()
    start = threading.Barrier(SUBMITTERS)
    stop = threading.Event()
    readers = [threading.Thread(target=_browse, args=(server.url, stop, outcome)) for _ in range(READERS)]
    submitters = [
        threading.Thread(target=_submit, args=(server.url, cookies[i % USERS], title, start, outcome))
        for i, title in enumerate(titles)
    ]
    began = time.monotonic()
    for thread in readers + submitters:
        thread.start()
    for thread in submitters:
        thread.join(120)
    stop.set()
    for thread in readers:
        thread.join(60)
    print(f"{time.monotonic() - began:.1f} s, answers: {dict(outcome.statuses)}")

    assert outcome.retry_after_missing == 0, "a 503 without Retry-After"
    # 503 + Retry-After is the answer to a real overload (e.g. CI running other suites beside this one); never 500.
    unexpected = {k: v for k, v in outcome.statuses.items() if k not in ("303", "503", "read 200", "read 503")}
    assert unexpected == {}, outcome.statuses
    assert sorted(outcome.titles_accepted) == sorted(titles), "a submission was never accepted"
    assert _stored_titles(server.database_url, titles) == set(titles)
