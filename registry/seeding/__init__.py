"""The seed catalog (seeds/*.yaml): schema validation (schema.py, no database needed) and the idempotent
loader behind `i5g registry seed` (loader.py)."""
