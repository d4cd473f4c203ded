"""Settings: environment ``STREAMFLEET_*`` plus an optional TOML file, validated once at start.

Precedence, highest first: keyword arguments (tests), environment variables,
the TOML file named by ``STREAMFLEET_CONFIG`` (or passed as ``config_file``),
defaults. Below ``api/`` and ``cli`` nobody reads the environment: a
``Settings`` is built once and passed down.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from streamfleet.domain.playback_signing import MAX_TTL_S, MIN_TTL_S, is_valid_secret
from streamfleet.storage.object_store import S3Connection

ENV_PREFIX = "STREAMFLEET_"
CONFIG_FILE_ENV = "STREAMFLEET_CONFIG"

Seconds = Annotated[float, Field(gt=0)]


class Settings(BaseSettings):
    """Every tunable of a streamfleet process, with its unit in its name."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        validate_default=True,
    )

    data_dir: Path = Path("data")
    database_url: str = ""
    """SQLAlchemy async URL; empty means an SQLite file ``streamfleet.db`` in ``data_dir``."""
    redis_url: str | None = None
    """``redis://host:port/db``: events and wake-ups between the ``api`` and ``worker`` roles."""
    redis_prefix: Annotated[
        str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    ] = "streamfleet"
    """Every Redis channel name of this fleet starts with it (two fleets on one Redis)."""
    ffmpeg_path: str = ""
    """Empty means the FFmpeg binary of the ``imageio-ffmpeg`` wheel."""
    copy_ffmpeg_path: str = ""
    """An FFmpeg for copy channels (the lean build of ``make lean-ffmpeg``); it runs each copy
    channel whose source protocols it has. Empty: ``ffmpeg_path`` runs every channel."""
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    public_host: str = ""
    """Host shown in publish URLs; empty means ``host`` (this machine's name for 0.0.0.0)."""

    hls_segment_seconds: Annotated[float, Field(ge=0.5, le=30)] = 2.0
    hls_list_size: Annotated[int, Field(ge=2, le=100)] = 6

    demo: bool = True
    """Create demo channels on synthetic sources when the database has no channel."""
    demo_port_base: Annotated[int, Field(ge=1024, le=65000)] = 23000
    """The demo feeds send to loopback UDP ports from this one up (one per demo channel)."""
    worker_name: str = Field(default_factory=socket.gethostname, min_length=1, max_length=64)
    worker_labels: dict[str, str] = Field(default_factory=dict)
    """What a ``worker`` offers the placer, as JSON (``{"transcode": "false"}``: copy only)."""
    command_wait_s: Annotated[float, Field(gt=0, le=30)] = 2.5
    """How long an API node waits for the worker to finish a command (restart, log tail,
    probe …) before answering 202 with the command to follow (``/api/v1/commands/{id}``)."""
    run_subdir: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9_.-]*$")
    """A folder of ``data_dir/run`` for this process's pid files (a ``worker`` uses its name:
    workers sharing ``data_dir`` must not take each other's children for stale ones)."""

    kubernetes_service_host: str = Field(
        default="",
        max_length=253,
        validation_alias=AliasChoices("kubernetes_service_host", "KUBERNETES_SERVICE_HOST"),
    )
    """Set by Kubernetes in every pod (``KUBERNETES_SERVICE_HOST``, no prefix): with the port,
    a ``worker`` keeps its pod's deletion cost at its channel count (``fleet/pod_cost.py``)."""
    kubernetes_service_port: Annotated[int, Field(ge=0, le=65535)] = Field(
        default=0,
        validation_alias=AliasChoices("kubernetes_service_port", "KUBERNETES_SERVICE_PORT"),
    )
    kubernetes_api_scheme: Literal["https", "http"] = "https"
    """``http`` only for a test's stand-in API server."""
    kubernetes_service_account_dir: Path = Path("/var/run/secrets/kubernetes.io/serviceaccount")
    """The pod's service-account token, CA certificate (``ca.crt``) and ``namespace``."""
    kubernetes_pod_name: str = Field(default="", max_length=253)
    """The pod a worker patches; empty: ``worker_name`` (the Deployment sets it to the pod's
    name through the downward API)."""
    kubernetes_namespace: str = Field(default="", max_length=63)
    """Empty: the service account's ``namespace`` file."""
    pod_cost_interval_s: Annotated[float, Field(gt=0, le=3600)] = 5.0
    """A worker patches its pod's deletion cost at most this often, only when it changed."""
    rtmp_hook_secret: SecretStr | None = None
    """nginx-rtmp's ``on_publish`` sends it (``?secret=``) to ``POST /api/v1/rtmp/on_publish``;
    unset: every push is refused (16-128 of A-Z a-z 0-9 _ -)."""
    rtmp_app: str = Field(default="live", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    """The nginx-rtmp application publishers push to (``rtmp://host:port/<app>/<key>``)."""
    rtmp_public_port: Annotated[int, Field(ge=1, le=65535)] = 1935
    """The port shown in RTMP publish URLs (nginx-rtmp's, as publishers reach it)."""
    rtmp_pull_url: str = Field(
        default="rtmp://127.0.0.1:1935/live",
        pattern=r"^rtmp://[A-Za-z0-9.:\[\]_-]+/[A-Za-z0-9_-]{1,64}$",
    )
    """Where a ``push_rtmp`` channel's FFmpeg reads the push: nginx-rtmp's application, as
    this worker reaches it (the stream name ``channel-<id>`` is appended)."""
    srt_port_min: Annotated[int, Field(ge=1024, le=65535)] = 10000
    srt_port_max: Annotated[int, Field(ge=1024, le=65535)] = 10999
    input_timeout_s: Seconds = 1.0
    """How long an input may stay silent before FFmpeg gives up on it."""
    udp_input_buffer: Literal["auto", "kernel", "fifo"] = "auto"
    """Where a UDP input buffers: the socket's kernel buffer read directly (less CPU), FFmpeg's
    FIFO with its receive thread, or ``auto``: the kernel buffer where ``net.core.rmem_max``
    lets it reach ``media.input_args.UDP_SOCKET_BUFFER_BYTES`` (docs/engine.md)."""
    offline_listen_timeout_s: Seconds = 5.0
    """While a UDP/RTP channel is offline, how long each retry listens for its source."""
    stale_timeout_s: Seconds = 1.2
    """Progress that does not advance for this long means the source is gone."""
    startup_timeout_s: Seconds = 15.0
    """How long a starting channel may take to show its first progress."""
    backoff_initial_s: Seconds = 0.5
    backoff_cap_s: Seconds = 30.0
    backoff_reset_after_s: Seconds = 60.0
    stop_timeout_s: Seconds = 3.0
    backup_probe_interval_s: Seconds = 10.0

    engine_capacity: Annotated[int, Field(ge=1, le=10_000)] = 60
    """How many channels this box runs at once; enabled channels beyond it wait ``queued``.
    60 until the capacity benchmark (``python -m bench --capacity``) gives this machine's figure."""
    engine_start_rate_per_s: Annotated[float, Field(gt=0, le=1000)] = 15.0
    """Channel starts per second once the burst is spent (a token bucket)."""
    engine_start_burst: Annotated[int, Field(ge=1, le=1000)] = 15
    """How many channels may start at once before starts are paced."""

    thumbnail_workers: Annotated[int, Field(ge=1, le=16)] = 2

    alert_group_window_s: Annotated[float, Field(ge=0)] = 5.0
    """Alerts opened (or resolved) within this window go out as one message per target."""
    alert_degraded_after_s: Seconds = 30.0
    alert_content_after_s: Seconds = 10.0
    flap_threshold: Annotated[int, Field(ge=1)] = 3
    """More than this many losses within ``flap_window_s`` is flapping."""
    flap_window_s: Seconds = 600.0
    flap_quiet_period_s: Annotated[float, Field(ge=0)] = 900.0
    """A channel is notified at most once per quiet period; later alerts are folded in."""
    notify_max_attempts: Annotated[int, Field(ge=1, le=20)] = 3
    notify_retry_base_s: Annotated[float, Field(ge=0)] = 2.0
    """Wait before the second delivery attempt, doubled before each further one."""
    notify_timeout_s: Seconds = 10.0
    backup_key: SecretStr | None = None
    backup_dir: Path | None = None
    """Where ``serve`` writes scheduled backups; unset means ``data_dir/backups``."""
    backup_interval_s: Annotated[float, Field(ge=0)] = 3600.0
    """``serve`` writes a backup this often (the first one interval after start); 0 = never."""
    backup_keep_all_days: Annotated[float, Field(ge=0)] = 7.0
    """Every scheduled backup younger than this is kept."""
    backup_keep_daily_days: Annotated[float, Field(ge=0)] = 30.0
    """Past ``backup_keep_all_days``, the first backup of each day is kept until this age."""
    """Encrypts every file of a backup when set (any passphrase; keep it apart from the backups)."""
    backup_to_s3: bool = False
    """Scheduled backups go to ``s3://<s3_bucket>/<s3_backup_prefix>/``, not to ``backup_dir``."""
    s3_backup_prefix: str = "streamfleet/backups"
    """Where in the bucket the scheduled backups live (pruned there by the same policy)."""

    thumbnails_to_s3: bool = False
    """Each new thumbnail is also uploaded to ``s3://<s3_bucket>/<s3_thumbnail_prefix>/<slug>.jpg``."""
    s3_thumbnail_prefix: str = "streamfleet/thumbs"
    archive_to_s3: bool = False
    """Archived segments older than ``archive_upload_after_s`` go to
    ``s3://<s3_bucket>/<s3_archive_prefix>/<their archive path>``; playlists and exports read
    them back from there."""
    s3_archive_prefix: str = "streamfleet/archive"
    archive_upload_after_s: Annotated[float, Field(ge=0, le=90 * 86400)] = 3600.0
    """How old an archived segment is (by its start) before it is uploaded."""
    archive_upload_interval_s: Annotated[float, Field(ge=1, le=3600)] = 10.0
    """How often the uploader looks for segments to upload."""
    archive_keep_local: bool = False
    """Keep the local copy of an uploaded segment (the free-space floor then cannot free it:
    it deletes only what the bucket does not hold)."""

    s3_endpoint_url: str = ""
    """An S3-compatible store (MinIO, Ceph, ``https://storage.googleapis.com``); empty = AWS."""
    s3_bucket: str = ""
    s3_region: str = ""
    """Empty leaves the region to boto3's usual sources (``AWS_REGION``, ``~/.aws/config``)."""
    s3_access_key_id: str = ""
    """Empty (with no secret) leaves credentials to boto3's chain (env, profile, instance role)."""
    s3_secret_access_key: SecretStr | None = None

    session_idle_timeout_s: Annotated[float, Field(ge=60, le=30 * 86400)] = 8 * 3600.0
    """A dashboard session unused for this long ends (the user logs in again)."""
    session_max_age_s: Annotated[float, Field(ge=60, le=365 * 86400)] = 7 * 86400.0
    """A dashboard session ends this long after login, however busy it is."""
    login_token_ttl_s: Annotated[float, Field(ge=60, le=365 * 86400)] = 12 * 3600.0
    """How long a token from ``POST /api/v1/auth/token`` is valid."""
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)
    """Addresses or networks (comma-separated) whose ``X-Forwarded-For``/``-Proto`` are believed."""
    metrics_token: SecretStr | None = None
    """When set, ``GET /metrics`` needs ``Authorization: Bearer <this>``; else it is open."""
    audit_retention_days: Annotated[int, Field(ge=1, le=36_500)] = 365
    """Audit log entries older than this are deleted (checked at start and every hour)."""
    archive_min_free_gb: Annotated[float, Field(ge=0, le=1_000_000)] = 5.0
    """Free space the archive's disk keeps: under it the oldest recordings of any channel
    go first, then recording pauses (live output goes on) until space returns."""
    archive_min_free_percent: Annotated[float, Field(ge=0, le=90)] = 5.0
    """The same floor as a share of the disk; the larger of the two applies."""
    archive_retention_interval_s: Annotated[float, Field(ge=1, le=3600)] = 60.0
    """How often retention runs (days, byte quotas, the free-space floor)."""
    export_keep_hours: Annotated[float, Field(ge=0.1, le=720)] = 24.0
    """MP4 exports (their jobs and files) are removed this long after they end."""
    export_max_running: Annotated[int, Field(ge=1, le=4)] = 1
    """Exports remuxed at once; the rest wait queued (each is one FFmpeg copying from disk)."""
    playback_signing: bool = False
    """Serve ``/hls`` and ``/thumbs`` only on signed paths (``/hls/s/<expires>/<token>/…``)."""
    playback_secret: SecretStr | None = None
    """Signs playback URLs (32-128 of A-Z a-z 0-9 _ -); unset with signing on means a random
    one kept in ``data_dir/playback-secret``. nginx's ``secure_link`` needs the same value."""
    playback_token_ttl_s: Annotated[int, Field(ge=MIN_TTL_S, le=MAX_TTL_S)] = 3600
    """A signed URL stays valid longer than this (at most a quarter longer)."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "console"] = "json"

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and not value.startswith(
            ("sqlite+aiosqlite://", "postgresql+asyncpg://", "mysql+asyncmy://")
        ):
            raise ValueError(
                "must start with sqlite+aiosqlite://, postgresql+asyncpg:// or mysql+asyncmy://"
            )
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("rtmp_hook_secret")
    @classmethod
    def _hook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{16,128}", value.get_secret_value()
        ):
            raise ValueError("must be 16-128 characters of A-Z a-z 0-9 _ - (nginx sends it)")
        return value

    @field_validator("playback_secret")
    @classmethod
    def _nginx_safe_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not is_valid_secret(value.get_secret_value()):
            raise ValueError("must be 32-128 characters of A-Z a-z 0-9 _ - (nginx holds it too)")
        return value

    @model_validator(mode="after")
    def _port_range(self) -> Settings:
        if self.srt_port_min > self.srt_port_max:
            raise ValueError("srt_port_min must not be greater than srt_port_max")
        if 0 < self.backup_interval_s < 1:
            raise ValueError(
                "backup_interval_s must be 0 (off) or at least 1 (names are to the second)"
            )
        if self.backup_keep_daily_days < self.backup_keep_all_days:
            raise ValueError("backup_keep_daily_days must not be less than backup_keep_all_days")
        for switch in ("backup_to_s3", "thumbnails_to_s3", "archive_to_s3"):
            if getattr(self, switch) and not self.s3_bucket:
                raise ValueError(f"{switch} needs s3_bucket (STREAMFLEET_S3_BUCKET)")
        if bool(self.s3_access_key_id) != (self.s3_secret_access_key is not None):
            raise ValueError("s3_access_key_id and s3_secret_access_key go together: set both")
        return self

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
        toml_file = os.environ.get(CONFIG_FILE_ENV)
        if toml_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_file)))
        return tuple(sources)

    # Derived values -----------------------------------------------------------------

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'streamfleet.db').resolve()}"

    @property
    def hls_dir(self) -> Path:
        return self.data_dir / "hls"

    @property
    def archive_dir(self) -> Path:
        """Recordings: hard links to the live segments, so on the same filesystem as ``hls``."""
        return self.data_dir / "archive"

    @property
    def exports_dir(self) -> Path:
        """MP4 exports, one folder per job; apart from the archive, so retention never sees
        them."""
        return self.data_dir / "exports"

    @property
    def thumbs_dir(self) -> Path:
        return self.data_dir / "thumbs"

    @property
    def resolved_backup_dir(self) -> Path:
        return self.backup_dir if self.backup_dir is not None else self.data_dir / "backups"

    @property
    def s3_connection(self) -> S3Connection:
        return S3Connection(
            endpoint_url=self.s3_endpoint_url or None,
            region=self.s3_region or None,
            access_key_id=self.s3_access_key_id or None,
            secret_access_key=self.s3_secret_access_key,
        )

    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run" / self.run_subdir if self.run_subdir else self.data_dir / "run"

    def resolved_ffmpeg_path(self) -> str:
        if self.ffmpeg_path:
            return self.ffmpeg_path
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


class SettingsError(Exception):
    """Settings could not be loaded; ``str()`` is one line naming the setting."""


def load_settings(**overrides: Any) -> Settings:
    """Build the settings once, turning a validation failure into one clear line."""
    toml_file = os.environ.get(CONFIG_FILE_ENV)
    if toml_file and not Path(toml_file).is_file():
        raise SettingsError(f"{CONFIG_FILE_ENV}: file {toml_file} does not exist")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_settings_error(exc)) from None
    except ValueError as exc:  # a TOML file that does not parse
        raise SettingsError(f"{CONFIG_FILE_ENV}: {exc}") from None


def describe_settings_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "settings"
        name = f"{ENV_PREFIX}{loc.upper()}" if err["loc"] else "settings"
        parts.append(f"{name}: {err['msg']}")
    return "invalid setting " + "; ".join(parts)
