"""Settings conventions shared by every part.

Every part's settings class derives from `I5GSettings`: environment variables with the `I5G_` prefix (a part
adds its own, e.g. `I5G_AGENT_`), plus an optional TOML file. The file is named by `I5G_CONFIG_FILE` or passed
explicitly with `load(path)`; environment variables win over the file, the file over defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE_ENV = "I5G_CONFIG_FILE"


class SettingsError(Exception):
    """A configuration problem, with every bad key named."""


class I5GSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="I5G_", extra="forbid", env_nested_delimiter="__")

    # Set by load(); read by settings_customise_sources. A ClassVar so it is not a setting itself.
    _config_file: ClassVar[Path | None] = None
    # The table of the TOML file this class reads, e.g. "agent" reads [agent]; None reads the top level.
    config_section: ClassVar[str | None] = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = cls._config_file or _env_config_file()
        if path is not None:
            sources.append(_SectionTomlSource(settings_cls, path, cls.config_section))
        return tuple(sources)

    @classmethod
    def load(cls, config_file: str | Path | None = None, **overrides: Any) -> Self:
        """Build the settings, turning pydantic's errors into one SettingsError naming each bad key."""
        path = Path(config_file) if config_file else _env_config_file()
        if path is not None and not path.is_file():
            raise SettingsError(f"config file not found: {path}")
        previous = cls._config_file
        cls._config_file = path
        try:
            return cls(**overrides)
        except ValidationError as exc:
            raise SettingsError(describe_validation_error(exc, cls.config_section)) from None
        except ValueError as exc:  # TOML syntax errors surface as ValueError subclasses
            raise SettingsError(f"{path}: {exc}") from None
        finally:
            cls._config_file = previous


def _env_config_file() -> Path | None:
    value = os.environ.get(CONFIG_FILE_ENV)
    return Path(value) if value else None


class _SectionTomlSource(TomlConfigSettingsSource):
    """Reads one table of a TOML file (or the whole file when section is None)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path, section: str | None) -> None:
        self._section = section
        super().__init__(settings_cls, toml_file=path)

    def _read_file(self, file_path: Path) -> dict[str, Any]:
        data = super()._read_file(file_path)
        if self._section is None:
            return data
        table = data.get(self._section, {})
        if not isinstance(table, dict):
            raise SettingsError(f"{file_path}: [{self._section}] must be a table")
        return table


def describe_validation_error(exc: ValidationError, section: str | None = None) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(settings)"
        if section:
            key = f"{section}.{key}"
        lines.append(f"{key}: {error['msg']}")
    return "invalid configuration:\n  " + "\n  ".join(lines)
