"""A private CA and a broker certificate made with openssl: for the demo stack's optional TLS listener and the
tests. docs/operations.md "TLS" shows the same steps for a real deployment (longer validity, CA key offline)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from devstack.process import ServiceError, require_binary


@dataclass(frozen=True)
class Pki:
    ca_cert: Path
    cert: Path
    key: Path


def _openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(
        [require_binary("openssl", "openssl"), *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ServiceError(f"openssl {args[0]} failed: {result.stderr.strip()}")


def make_pki(
    root: Path, days: int = 2, hosts: tuple[str, ...] = ("localhost",), ips: tuple[str, ...] = ("127.0.0.1",)
) -> Pki:
    """CA + broker certificate (SAN: hosts and IPs) in `root`; kept when it already exists."""
    pki = Pki(root / "ca.crt", root / "broker.crt", root / "broker.key")
    if all(path.exists() for path in (pki.ca_cert, pki.cert, pki.key)):
        return pki
    root.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(days), "-subj", "/CN=i5g private CA",
             "-keyout", "ca.key", "-out", "ca.crt", cwd=root)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={hosts[0]}",
             "-keyout", "broker.key", "-out", "broker.csr", cwd=root)  # fmt: skip
    names = [f"DNS:{host}" for host in hosts] + [f"IP:{ip}" for ip in ips]
    (root / "san.ext").write_text(f"subjectAltName={','.join(names)}\n")
    _openssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", str(days), "-extfile", "san.ext", "-out", "broker.crt", cwd=root)  # fmt: skip
    return pki
