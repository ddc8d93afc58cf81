"""The message catalog and language negotiation (no server needed)."""

from __future__ import annotations

import re
from pathlib import Path

from registry.web.i18n import LANGS, MESSAGES, from_accept_language


def test_accept_language_negotiation() -> None:
    assert from_accept_language("") == "zh"
    assert from_accept_language("en-US,en;q=0.9") == "en"
    assert from_accept_language("fr-FR, en;q=0.5, zh-CN;q=0.8") == "zh"
    assert from_accept_language("de, en;q=0") == "zh"


def test_every_message_key_used_exists_in_both_languages() -> None:
    web = Path(__file__).resolve().parents[2] / "registry" / "web"
    sources = [p.read_text(encoding="utf-8") for p in [*web.rglob("*.html"), *web.rglob("*.py")]]
    used: set[str] = set()
    for text in sources:
        used |= set(re.findall(r"""\bt\(\s*['"]([a-z_]+\.[a-z_.]+)['"]""", text))
        used |= set(re.findall(r"""["']((?:err|login|logout|mine|gateway|review|usecase)\.[a-z_]+)["']""", text))
    missing = sorted(key for key in used if key not in MESSAGES and not key.endswith(".html"))
    assert not missing, missing
    for key, texts in MESSAGES.items():
        assert len(texts) == len(LANGS) and all(t.strip() for t in texts), key
