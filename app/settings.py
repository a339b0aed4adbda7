"""Settings for the GitHub App, from the environment (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PUBLIC_API = "https://api.github.com"


class SettingsError(Exception):
    """Settings are missing or invalid; the message lists every one of them."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    github_app_id: str = Field(description="the App's ID or client ID")
    github_private_key: SecretStr | None = Field(None, description="PEM text of the App's private key")
    github_private_key_path: Path | None = Field(None, description="file holding the PEM private key")
    github_webhook_secret: SecretStr = Field(description="secret GitHub signs deliveries with")
    github_api_url: str = Field(PUBLIC_API, description="REST API root; change it for GitHub Enterprise Server")
    database_url: str = Field("sqlite:///openwashing.sqlite3", description="where deliveries and jobs are kept")
    check_name: str = "openwashing"
    workers: int = Field(4, ge=1, description="workers")
    worker_type: Literal["thread", "process"] = Field("process", description="forked processes, or threads")
    write_interval_seconds: float = Field(1.0, ge=0, description="pause between writes per installation")
    max_retries: int = Field(4, ge=0, description="retries of a failing GitHub call")
    retry_base_seconds: float = Field(1.0, ge=0, description="first backoff; doubles each retry")
    max_rate_limit_wait_seconds: float = Field(900, ge=0, description="longest wait for a rate limit")
    secondary_rate_wait_seconds: float = Field(60, ge=0, description="wait after a secondary rate limit")
    redeliver_window_hours: float = Field(24, gt=0, description="how far back missed deliveries are sought")
    redeliver_max: int = Field(100, ge=0, description="most redeliveries asked for at start-up")

    @model_validator(mode="after")
    def _one_private_key(self) -> Settings:
        if not self.github_private_key and not self.github_private_key_path:
            raise ValueError("GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH must be set")
        return self

    def private_key(self) -> str:
        if self.github_private_key:
            return self.github_private_key.get_secret_value().replace("\\n", "\n")
        return Path(self.github_private_key_path).read_text(encoding="utf-8")

    @property
    def database_path(self) -> str:
        """The SQLite file of DATABASE_URL (sqlite:///relative or sqlite:////absolute)."""
        if not self.database_url.startswith("sqlite:///"):
            raise SettingsError(f"DATABASE_URL must be sqlite:///PATH for now, not {self.database_url!r}")
        return self.database_url[len("sqlite:///"):] or "openwashing.sqlite3"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; one clear message listing everything missing or wrong."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "_".join(str(p) for p in error["loc"]).upper() or "settings"
            problems.append(f"{name}: {error['msg'].removeprefix('Value error, ')}")
        raise SettingsError("the GitHub App cannot start:\n  " + "\n  ".join(problems)) from None


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()
