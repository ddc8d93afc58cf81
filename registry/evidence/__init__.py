"""Deployment evidence: does a use case's network meet its scenario's profile, and when did it not (issue 17).

schemas.py is the public shape (REST and pages), service.py the entry points, compute.py the pure computation
(TS 22.104 availability, percentile sketches, per-minute aggregates), influx.py the InfluxQL client, rollup.py
the 1-minute rollup job. docs/evidence.md explains the definitions.
"""
