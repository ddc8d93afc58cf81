"""The seed catalog (registry/seeding/catalog/*.yaml, also reachable as seeds/ in a checkout): schema
validation (schema.py, no database needed) and the idempotent loader behind `i5g registry seed` (loader.py).

The catalog is package data, so an installed wheel seeds without a checkout: `packaged_catalog_dir()`.
"""

from __future__ import annotations

from pathlib import Path


def packaged_catalog_dir() -> Path:
    """The catalog shipped inside the package (a plain directory: the wheel installs unzipped)."""
    return Path(__file__).resolve().parent / "catalog"
