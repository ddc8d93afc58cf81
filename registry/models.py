"""Every table of the registry, imported in one place for Alembic and for code that needs the full mapping, and the
session hook that spans tables: the use-case search index (registry/usecases/search.py registers it on import).
Whoever writes use cases (the app, the seed loader, CLI commands) imports this module; models know only models."""

import registry.usecases.search  # noqa: F401  (the search-index hook on every Session flush)
from registry.accounts.models import User
from registry.agentconfig.models import AgentConfig
from registry.alerts.models import Alert, AlertChannel, AlertEvent, AlertRule, EvaluatorLease, Notification
from registry.audit.models import AuditEvent
from registry.auth.models import ApiToken
from registry.cities.models import CityFigure
from registry.claims.models import EnterpriseClaim
from registry.db import Base
from registry.enterprises.models import Enterprise
from registry.evidence.models import StageReview
from registry.gateways.models import Gateway
from registry.scenarios.models import Scenario
from registry.sparkplug.models import SparkplugMetricMap, SparkplugNode
from registry.usecases.models import UseCase

__all__ = [
    "AgentConfig",
    "Alert",
    "AlertChannel",
    "AlertEvent",
    "AlertRule",
    "ApiToken",
    "AuditEvent",
    "Base",
    "CityFigure",
    "Enterprise",
    "EnterpriseClaim",
    "EvaluatorLease",
    "Gateway",
    "Notification",
    "Scenario",
    "SparkplugMetricMap",
    "SparkplugNode",
    "StageReview",
    "UseCase",
    "User",
]
