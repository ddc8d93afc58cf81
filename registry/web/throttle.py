"""Password-guessing throttle: failed password checks slow down further tries with exponential backoff, never a
hard lock that an attacker could use against the account's owner.

Three counters are kept per failure:
- (account, address): the owner mistyping, or one attacker on one account. Strict: `max_failures` free tries.
- address: one client spraying many accounts. Looser: `address_max_failures`.
- account: many addresses on one account. Loosest, with a short maximum wait (it only slows), and it does not
  apply at all to an address the account has logged in from before, so a distributed attack cannot keep a
  reviewer out of their own account from their usual address.
Beyond its free tries a counter blocks for `backoff_seconds * 2**k` (k = failures beyond the free ones), up to its
maximum wait; a counter with no failure for `forget_seconds` (after its last block) starts again from zero.

The counters live in the database (`login_throttles`), so every registry worker process sees the same ones.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.accounts.models import LoginThrottle
from registry.db import utcnow
from registry.web.settings import WebSettings


def address_key(address: str) -> str:
    """IPv6 clients are counted per /64 (one host usually holds a whole /64); IPv4 per address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class _Counter:
    key_hash: str
    free_failures: int
    max_wait: float


class PasswordThrottle:
    def __init__(self, settings: WebSettings, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.clock = clock

    def _pair(self, account: str, address: str) -> _Counter:
        s = self.settings
        return _Counter(_hash("pair", account, address_key(address)), s.login_max_failures, s.login_backoff_max_seconds)

    def _counters(self, db: Session, account: str, address: str) -> list[_Counter]:
        s = self.settings
        pair = self._pair(account, address)
        address_hash = _hash("addr", address_key(address))
        by_address = _Counter(address_hash, s.login_address_max_failures, s.login_backoff_max_seconds)
        counters = [pair, by_address]
        known = db.scalar(select(LoginThrottle.last_success_at).where(LoginThrottle.key_hash == pair.key_hash))
        if known is None:
            counters.append(
                _Counter(_hash("acct", account), s.login_account_max_failures, s.login_account_backoff_max_seconds)
            )
        return counters

    def retry_after(self, db: Session, account: str, address: str) -> int:
        """Seconds until `address` may try a password for `account` again; 0 when it may now."""
        now = self.clock()
        keys = [counter.key_hash for counter in self._counters(db, account, address)]
        blocked = db.scalars(select(LoginThrottle.blocked_until).where(LoginThrottle.key_hash.in_(keys)))
        wait = max(((until - now).total_seconds() for until in blocked if until is not None), default=0.0)
        return int(-(-wait // 1)) if wait > 0 else 0  # rounded up: never invite a retry that is still refused

    def record_failure(self, db: Session, account: str, address: str) -> None:
        now = self.clock()
        forget = timedelta(seconds=self.settings.login_forget_seconds)
        for counter in self._counters(db, account, address):
            row = self._row(db, counter.key_hash)
            last_activity = max(filter(None, (row.last_failure_at, row.blocked_until)), default=None)
            if last_activity is not None and now - last_activity > forget:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            beyond = row.failures - counter.free_failures
            if beyond >= 0:
                wait = min(self.settings.login_backoff_seconds * 2**beyond, counter.max_wait)
                row.blocked_until = now + timedelta(seconds=wait)
        # Counters nobody has failed on for long (and that record no login) are forgotten.
        stale = now - forget - timedelta(seconds=self.settings.login_backoff_max_seconds)
        db.execute(
            delete(LoginThrottle).where(LoginThrottle.last_failure_at < stale, LoginThrottle.last_success_at.is_(None))
        )

    def record_success(self, db: Session, account: str, address: str) -> None:
        """The right password from this address: its (account, address) counter is cleared and the address is
        remembered as one the account uses. The address and account counters stay (an attacker who knows one
        password must not wipe their traces on the others)."""
        row = self._row(db, self._pair(account, address).key_hash)
        row.failures = 0
        row.blocked_until = None
        row.last_success_at = self.clock()

    @staticmethod
    def _row(db: Session, key_hash: str) -> LoginThrottle:
        """The counter's row, locked for this transaction where the database can (PostgreSQL), created if new."""
        row = db.get(LoginThrottle, key_hash, with_for_update=True)
        if row is not None:
            return row
        try:
            with db.begin_nested():
                row = LoginThrottle(key_hash=key_hash, failures=0)
                db.add(row)
        except IntegrityError:  # another worker created it meanwhile
            row = db.get(LoginThrottle, key_hash, with_for_update=True, populate_existing=True)
            assert row is not None
        return row
