"""Settings for the GitHub App, from the environment (pydantic-settings)."""

from __future__ import annotations

import os
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
    database_url: str = Field("sqlite:///openwashing.sqlite3",
                              description="the store: sqlite:///PATH (default) or postgresql://USER@HOST/DB")
    queue_url: str | None = Field(None, description="the queue: redis://HOST:PORT/DB; default a SQLite file "
                                                    "beside the database")
    key_prefix: str = Field("openwashing", description="prefix of the queue's and turns' Redis keys")
    check_name: str = "openwashing"
    public_url: str | None = Field(None, description="the app's public address, for report links "
                                                     "(https://ow.example.com)")
    github_client_id: str | None = Field(None, description="the App's client ID, for signing in to the report "
                                                           "pages (with GITHUB_CLIENT_SECRET)")
    github_client_secret: SecretStr | None = Field(None, description="the App's client secret; without it, private "
                                                                     "repositories never appear on the pages")
    token_key: SecretStr | None = Field(None, description="key that encrypts signed-in users' GitHub tokens in the "
                                                          "store; default derived from GITHUB_CLIENT_SECRET")
    workers: int = Field(4, ge=1, description="workers")
    worker_type: Literal["thread", "process"] = Field("process", description="forked processes, or threads")
    write_interval_seconds: float = Field(1.0, ge=0, description="pause between writes per installation")
    max_retries: int = Field(4, ge=0, description="retries of a failing GitHub call")
    retry_base_seconds: float = Field(1.0, ge=0, description="first backoff; doubles each retry")
    max_rate_limit_wait_seconds: float = Field(900, ge=0, description="longest wait for a rate limit")
    secondary_rate_wait_seconds: float = Field(60, ge=0, description="wait after a secondary rate limit")
    redeliver_window_hours: float = Field(24, gt=0, description="how far back missed deliveries are sought")
    redeliver_max: int = Field(100, ge=0, description="most redeliveries asked for at a time")
    redeliver_every_minutes: float = Field(10, gt=0, description="how often missed deliveries are sought")
    job_time_budget_seconds: float = Field(300, gt=0, description="longest a job may run before it ends")
    max_documents: int = Field(200, ge=1, description="most documents read per job")
    max_blob_bytes: int = Field(32_000_000, ge=1, description="most bytes of files read per job")
    max_annotations: int = Field(500, ge=1, description="most annotations written per check run")
    backfill_calls_per_hour: int = Field(1000, ge=10, description="GitHub calls a backfill may spend per "
                                                                  "installation and hour")
    retention_days: float = Field(14, gt=0, description="how long delivery ids are kept for deduplication")
    blob_retention_days: float = Field(7, gt=0, description="how long unused cached files are kept")
    log_format: Literal["text", "json"] = Field("text", description="text, or JSON lines")
    max_job_attempts: int = Field(3, ge=1, description="times a job is started before it is given up")
    lease_seconds: float = Field(15, ge=2, le=300, description="how soon the job and installation turn of a "
                                                              "dead worker are taken over (renewed every fifth)")
    host_id: str | None = Field(None, description="this host's name in job leases; default the hostname")
    lost_after_seconds: float = Field(30, gt=0, description="how long a stored delivery may wait unqueued")
    github_timeout_seconds: float = Field(15, gt=0, description="timeout of one GitHub request")
    hub_enabled: bool = Field(True, description="read the Hugging Face Hub pages a repository links to")
    hf_endpoint: str | None = Field(None, description="the Hub's address (a mirror); default https://huggingface.co")
    hf_token: SecretStr | None = Field(None, description="a Hub token, for gated cards; never logged")
    hub_max_lookups: int = Field(20, ge=0, description="Hub repositories read per check")
    hub_time_budget_seconds: float = Field(10, gt=0, description="longest a check waits on the Hub in all")

    @model_validator(mode="after")
    def _one_private_key(self) -> Settings:
        if not self.github_private_key and not self.github_private_key_path:
            raise ValueError("GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH must be set")
        return self

    def private_key(self) -> str:
        if self.github_private_key:
            return self.github_private_key.get_secret_value().replace("\\n", "\n")
        return Path(self.github_private_key_path).read_text(encoding="utf-8")

    @model_validator(mode="after")
    def _a_real_secret(self) -> Settings:
        # An empty secret would make every signature check compare against a key anyone knows.
        if not self.github_webhook_secret.get_secret_value().strip():
            raise ValueError("GITHUB_WEBHOOK_SECRET is empty: set the secret the App's webhook is signed with")
        return self

    @model_validator(mode="after")
    def _known_urls(self) -> Settings:
        if not self.database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("DATABASE_URL must be sqlite:///PATH or postgresql://…")
        if self.queue_url and not self.queue_url.startswith(("redis://", "rediss://", "sqlite:///")):
            raise ValueError("QUEUE_URL must be redis://… (or sqlite:///PATH)")
        return self

    @property
    def signin_enabled(self) -> bool:
        return bool(self.github_client_id and self.github_client_secret)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:///")

    @property
    def queue_is_redis(self) -> bool:
        return bool(self.queue_url and self.queue_url.startswith(("redis://", "rediss://")))

    @property
    def local_base(self) -> str:
        """Where local files go (the SQLite queue, turn locks): beside the SQLite database, or in
        the working folder when the store is PostgreSQL."""
        path = self.database_url[len("sqlite:///"):] if self.is_sqlite else "openwashing.sqlite3"
        return os.path.splitext(os.path.abspath(path or "openwashing.sqlite3"))[0]


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
