"""Refuse placeholder and short secrets when a service starts (issue 18, "production-safe defaults").

The example files (deploy/compose.env.example, docs) carry values like `change-me-session-signing-key` so
every line shows what belongs there; a service started with one of them, or with a secret short enough to
guess, must stop with a message naming the setting instead of running insecurely. Checked by the long-running
commands (`i5g registry serve`, `i5g collector run`), not by the settings classes, so tools and tests that
deliberately use a wrong password still can.
"""

from __future__ import annotations

from collections.abc import Iterable

MIN_SECRET_LENGTH = 16
# Substrings that mark a value copied from an example instead of generated.
PLACEHOLDER_MARKERS = ("change-me", "changeme", "change_me", "replace-me", "placeholder", "example", "<", ">")
GENERATE_HINT = "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


def secret_problem(setting: str, value: str) -> str | None:
    """Why `value` may not be used as the secret `setting`, or None when it may."""
    lowered = value.strip().lower()
    if any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        return f"{setting} is still the example placeholder; {GENERATE_HINT}"
    if len(value) < MIN_SECRET_LENGTH:
        return f"{setting} is {len(value)} characters, at least {MIN_SECRET_LENGTH} are required; {GENERATE_HINT}"
    return None


def refuse_weak_secrets(secrets: Iterable[tuple[str, str | None]]) -> None:
    """Raise CommandError listing every (setting, value) that is set but weak; unset values (None, "") pass."""
    from i5g.cli import CommandError

    problems = [problem for name, value in secrets if value and (problem := secret_problem(name, value))]
    if problems:
        raise CommandError("refusing to start with weak secrets:\n  " + "\n  ".join(problems))
