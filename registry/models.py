"""Every table of the registry, imported in one place for Alembic and for code that needs the full mapping."""

from registry.accounts.models import User
from registry.audit.models import AuditEvent
from registry.auth.models import ApiToken
from registry.cities.models import CityFigure
from registry.db import Base
from registry.enterprises.models import Enterprise
from registry.evidence.history import StageReview
from registry.gateways.models import Gateway
from registry.scenarios.models import Scenario
from registry.sparkplug.models import SparkplugMetricMap, SparkplugNode
from registry.usecases.models import UseCase

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "CityFigure",
    "Enterprise",
    "Gateway",
    "Scenario",
    "SparkplugMetricMap",
    "SparkplugNode",
    "StageReview",
    "UseCase",
    "User",
]
