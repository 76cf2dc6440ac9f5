"""Settings from the environment (Bot Framework names where they exist), validated once at start."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .links import secret_problem

LOCAL_BOT_APP_ID = "local-bot"  # a placeholder some SDK calls need when there is no app id


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _env(name: str, default=None, **kw):
    return Field(default, validation_alias=AliasChoices(name, name.lower()), **kw)


class Settings(BaseSettings):
    # hide_input_in_errors: a bad value is never repeated in an error (it may be a secret).
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True, hide_input_in_errors=True)

    app_id: str = _env("MicrosoftAppId", "")
    app_password: SecretStr = _env("MicrosoftAppPassword", SecretStr(""))
    app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = _env("MicrosoftAppType", "MultiTenant")
    app_tenant_id: str = _env("MicrosoftAppTenantId", "")

    host: str = _env("LEARNING_BOT_HOST", "127.0.0.1")
    port: int = _env("LEARNING_BOT_PORT", 3978, ge=1, le=65535)
    data_dir: Path = _env("LEARNING_BOT_DATA_DIR", Path("./data"))
    # PostgreSQL instead of the embedded store in data_dir (several replicas may share it). Secret: its
    # password is never printed.
    database_url: SecretStr | None = _env("LEARNING_BOT_DATABASE_URL", None)
    database_pool: int = _env("LEARNING_BOT_DATABASE_POOL", 10, ge=2, le=200)  # connections per replica
    directory: Path | None = _env("LEARNING_BOT_DIRECTORY", None)
    admin_token: SecretStr | None = _env("LEARNING_BOT_ADMIN_TOKEN", None)

    smtp_host: str | None = _env("SMTP_HOST", None)
    smtp_port: int | None = _env("SMTP_PORT", None, ge=1, le=65535)
    smtp_username: str | None = _env("SMTP_USERNAME", None)
    smtp_password: SecretStr | None = _env("SMTP_PASSWORD", None)
    smtp_security: Literal["starttls", "tls", "none"] = _env("SMTP_SECURITY", "starttls")
    mail_from: str = _env("LEARNING_BOT_MAIL_FROM", "Safeguarding Learning Bot <learning-bot@localhost>")

    reminder_days: int = _env("LEARNING_BOT_REMINDER_DAYS", 14, ge=1, le=365)
    send_rate: int = _env("LEARNING_BOT_SEND_RATE", 30, ge=1, le=1000)  # Teams calls a second, all conversations
    link_days: int = _env("LEARNING_BOT_LINK_DAYS", 7, ge=1, le=90)  # how long document links work
    link_secret: SecretStr | None = _env("LEARNING_BOT_LINK_SECRET", None)
    retention_days: int = _env("LEARNING_BOT_RETENTION_DAYS", 730, ge=30)
    # Seconds a request's whole body may take to arrive (a reverse proxy in front is still expected).
    body_timeout: float = _env("LEARNING_BOT_BODY_TIMEOUT", 30.0, gt=0, le=600)
    digest_day: Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN", "OFF"] = _env("LEARNING_BOT_DIGEST_DAY", "MON")
    digest_time: str = _env("LEARNING_BOT_DIGEST_TIME", "08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    # The Teams app package (learning-bot app-package)
    public_url: str | None = _env("LEARNING_BOT_PUBLIC_URL", None)  # https://bot.example.org
    developer_name: str = _env("LEARNING_BOT_DEVELOPER_NAME", "Safeguarding Children Board")
    website_url: str = _env("LEARNING_BOT_WEBSITE_URL", "https://www.example.org/learning-bot")
    privacy_url: str = _env("LEARNING_BOT_PRIVACY_URL", "https://www.example.org/learning-bot/privacy")
    terms_url: str = _env("LEARNING_BOT_TERMS_URL", "https://www.example.org/learning-bot/terms")

    # Where inbound tokens' signing keys are published. Only for tests against a local issuer:
    # unset, the Bot Framework's own (https://login.botframework.com/...) is used.
    openid_metadata_url: str | None = _env("LEARNING_BOT_OPENID_METADATA_URL", None)
    # For tests only (a browser walk that moves the bot's clock to a follow-up's due date): a file whose
    # content, an ISO date and time, is the bot's "now" while it exists; scheduled work then runs every
    # two seconds. Refused with MicrosoftAppId: never in production.
    test_clock_file: Path | None = _env("LEARNING_BOT_TEST_CLOCK_FILE", None)

    @property
    def local_mode(self) -> bool:
        return not self.app_id

    @property
    def bot_app_id(self) -> str:
        return self.app_id or LOCAL_BOT_APP_ID

    @property
    def smtp_port_or_default(self) -> int:
        return self.smtp_port or {"tls": 465, "starttls": 587, "none": 25}[self.smtp_security]

    @model_validator(mode="after")
    def _consistent(self) -> "Settings":
        if self.local_mode and not is_loopback(self.host):
            raise ValueError(
                f"refusing to listen on {self.host} without MicrosoftAppId: with no app id inbound "
                "authentication is off, so the bot only listens on loopback (127.0.0.1). "
                "Set MicrosoftAppId and MicrosoftAppPassword to run on a network address."
            )
        if not self.local_mode:
            if self.app_type != "UserAssignedMSI" and not self.app_password.get_secret_value():
                raise ValueError("MicrosoftAppPassword is required when MicrosoftAppId is set")
            if self.app_type in ("SingleTenant", "UserAssignedMSI") and not self.app_tenant_id:
                raise ValueError(f"MicrosoftAppType={self.app_type} requires MicrosoftAppTenantId")
            if self.directory is None:
                raise ValueError(
                    "LEARNING_BOT_DIRECTORY is required when MicrosoftAppId is set: the bundled "
                    "directory is an example with placeholder people"
                )
        if self.test_clock_file is not None and not self.local_mode:
            raise ValueError("LEARNING_BOT_TEST_CLOCK_FILE is for tests only: it cannot be set with MicrosoftAppId")
        if self.admin_token is not None and len(self.admin_token.get_secret_value()) < 16:
            raise ValueError("LEARNING_BOT_ADMIN_TOKEN must be at least 16 characters")
        if self.link_secret is not None and (problem := secret_problem(self.link_secret.get_secret_value())):
            raise ValueError(f"LEARNING_BOT_LINK_SECRET {problem}; or leave it unset, and the bot keeps a "
                             "random one in its data directory")
        if self.database_url is not None and not self.database_url.get_secret_value().startswith(
                ("postgresql://", "postgres://")):
            raise ValueError("LEARNING_BOT_DATABASE_URL must be a PostgreSQL URL: "
                             "postgresql://USER:PASSWORD@HOST:5432/DATABASE?sslmode=require")
        if bool(self.smtp_username) != bool(self.smtp_password):
            raise ValueError("SMTP_USERNAME and SMTP_PASSWORD go together: set both or neither")
        return self


def describe_error(exc: ValidationError) -> str:
    """One readable line per problem, naming the environment variable where there is one."""
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"{field}: {message}" if field else message)
    return "\n".join(lines)
