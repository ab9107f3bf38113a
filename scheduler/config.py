"""One Settings object: the only place that reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEDULER_", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    templates_dir: Path = PROJECT_ROOT / "templates"
    media_dir: Path | None = None
    outbox_dir: Path | None = None

    sqlite_busy_timeout_ms: int = Field(default=15_000, ge=5_000)
    tick_seconds: float = Field(default=1.0, gt=0)
    lookahead_seconds: float = Field(default=10.0, gt=0)
    claim_batch: int = Field(default=500, gt=0)
    # A queued post this far past due lost its task (Redis flushed, worker died): send it again.
    requeue_after_seconds: float = Field(default=30.0, gt=0)
    lease_seconds: float = Field(default=120.0, gt=0)
    reconcile_seconds: float = Field(default=5.0, gt=0)
    max_attempts: int = Field(default=5, gt=0)
    # Failed look-ups of a post whose outcome is unknown before it fails for an editor to decide.
    max_lookups: int = Field(default=20, gt=0)
    retry_backoff_seconds: float = Field(default=30.0, gt=0)
    retry_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    max_article_bytes: int = Field(default=2_000_000, gt=0)

    # Fetching pages and feeds: tests set allow_private_urls for their server on 127.0.0.1.
    allow_private_urls: bool = False
    fetch_timeout_seconds: float = Field(default=10.0, gt=0)
    max_page_bytes: int = Field(default=5_000_000, gt=0)
    max_redirects: int = Field(default=5, ge=0)
    user_agent: str = "article-promotion-scheduler/0.1 (+https://github.com/)"
    feed_poll_seconds: float = Field(default=300.0, gt=0)
    # How often the beat looks for feeds due for a poll (each feed has its own interval).
    feed_check_seconds: float = Field(default=30.0, gt=0)
    # Feed items older than this are recorded as seen but not posted (first poll, after an outage).
    feed_max_age_hours: float = Field(default=24.0, gt=0)
    # New items taken in one poll; the rest wait for the next, so one poll stays short.
    feed_items_per_poll: int = Field(default=10, gt=0)

    # Fernet key(s) for account secrets, comma-separated (the first encrypts); see scheduler/vault.py.
    secret_key: SecretStr | None = Field(default=None, repr=False)
    # Secrets for `accounts add` and `accounts reconnect` when they are not given on standard input.
    x_api_key: SecretStr | None = Field(default=None, repr=False)
    x_api_secret: SecretStr | None = Field(default=None, repr=False)
    x_access_token: SecretStr | None = Field(default=None, repr=False)
    x_access_token_secret: SecretStr | None = Field(default=None, repr=False)
    mastodon_access_token: SecretStr | None = Field(default=None, repr=False)
    bluesky_app_password: SecretStr | None = Field(default=None, repr=False)
    # Credentials go over HTTPS only; plain HTTP to a loopback address only when this is on (the tests'
    # fake servers on 127.0.0.1). Anything else is refused when the account is added and when it posts.
    allow_plain_http_loopback: bool = False
    # Where the X API answers (tests point it at their fake server); tweepy's hosts are rewritten to it.
    x_api_url: str = "https://api.x.com"
    # Network calls: the longest one request may take before it counts as a timeout.
    network_timeout_seconds: float = Field(default=30.0, gt=0)

    # On resume, a paused account's posts this late are skipped (with the reason), not sent.
    stale_after_minutes: float = Field(default=120.0, gt=0)

    # Cards: Debian's Chromium unless set; Playwright never downloads a browser.
    chromium_path: Path | None = None
    # A card render asked for this long ago and not done (its task lost) is asked for again.
    card_retry_seconds: float = Field(default=120.0, gt=0)
    # Card renders asked for and not done at most (raise it with more cards workers).
    card_jobs_outstanding: int = Field(default=200, gt=0)

    # The web app: its session cookie is signed with a key made from SCHEDULER_SECRET_KEY. Secure
    # cookies travel over HTTPS only (browsers make an exception for http://localhost and 127.0.0.1):
    # turn this off only to try the app over plain HTTP on another machine.
    web_secure_cookies: bool = True
    web_session_hours: float = Field(default=12.0, gt=0)
    # On SIGTERM, requests in flight get this long to finish; then the web process stops regardless.
    web_shutdown_seconds: float = Field(default=10.0, gt=0)
    # The largest request body the web app takes in (an article's text, a logo); larger answers 413.
    max_request_bytes: int = Field(default=8_000_000, ge=100_000)
    # Argon2id's cost for user passwords: argon2-cffi's defaults (RFC 9106's low-memory profile, about
    # 0.1 s a hash on one core). Lower it only where sign-ins need not resist guessing (the test suite);
    # a password stored at another cost is hashed again at its next sign-in.
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_kib: int = Field(default=65_536, ge=1_024)
    password_hash_parallelism: int = Field(default=4, ge=1)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.var_dir / 'scheduler.db').resolve()}"

    @property
    def resolved_media_dir(self) -> Path:
        return (self.media_dir or self.var_dir / "media").resolve()

    @property
    def resolved_outbox_dir(self) -> Path:
        return (self.outbox_dir or self.var_dir / "outbox").resolve()


@lru_cache
def get_settings() -> Settings:
    return Settings()
