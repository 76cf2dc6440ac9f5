"""Settings: environment names, local mode on loopback only, and the checks made once at start."""

import pytest
from pydantic import ValidationError

from bot.settings import Settings, describe_error


def error_of(**kw) -> str:
    with pytest.raises(ValidationError) as caught:
        Settings(**kw)
    return describe_error(caught.value)


def test_defaults_are_local_and_safe():
    s = Settings()
    assert s.local_mode and s.host == "127.0.0.1" and s.port == 3978 and s.admin_token is None
    assert s.smtp_security == "starttls" and s.smtp_port_or_default == 587
    assert s.bot_app_id == "local-bot"


def test_environment_names(monkeypatch, tmp_path):
    directory = tmp_path / "dir.yaml"
    for name, value in {
        "MicrosoftAppId": "app", "MicrosoftAppPassword": "secret", "MicrosoftAppType": "SingleTenant",
        "MicrosoftAppTenantId": "tenant", "LEARNING_BOT_DATA_DIR": str(tmp_path), "LEARNING_BOT_DIRECTORY": str(directory),
        "LEARNING_BOT_ADMIN_TOKEN": "0123456789abcdef", "SMTP_HOST": "mail.example.org", "SMTP_PORT": "2525",
        "SMTP_USERNAME": "u", "SMTP_PASSWORD": "p", "SMTP_SECURITY": "tls", "LEARNING_BOT_MAIL_FROM": "bot@example.org",
    }.items():
        monkeypatch.setenv(name, value)
    s = Settings(host="0.0.0.0")
    assert (s.app_id, s.app_password.get_secret_value(), s.app_type, s.app_tenant_id) == ("app", "secret", "SingleTenant", "tenant")
    assert (s.data_dir, s.directory, s.admin_token.get_secret_value()) == (tmp_path, directory, "0123456789abcdef")
    assert (s.smtp_host, s.smtp_port, s.smtp_username, s.smtp_security, s.mail_from) == (
        "mail.example.org", 2525, "u", "tls", "bot@example.org")
    assert not s.local_mode and s.bot_app_id == "app"


@pytest.mark.parametrize("kw, fragment", [
    ({"host": "0.0.0.0"}, "refusing to listen on 0.0.0.0 without MicrosoftAppId"),
    ({"host": "192.0.2.10"}, "refusing to listen on 192.0.2.10"),
    ({"app_id": "a", "directory": "d.yaml"}, "MicrosoftAppPassword is required"),
    ({"app_id": "a", "app_password": "p", "directory": "d.yaml", "test_clock_file": "/tmp/now"},
     "LEARNING_BOT_TEST_CLOCK_FILE is for tests only"),
    ({"app_id": "a", "app_password": "p", "app_type": "SingleTenant", "directory": "d.yaml"},
     "MicrosoftAppType=SingleTenant requires MicrosoftAppTenantId"),
    ({"app_id": "a", "app_password": "p"}, "LEARNING_BOT_DIRECTORY is required"),
    ({"admin_token": "short"}, "at least 16 characters"),
    ({"smtp_username": "u"}, "SMTP_USERNAME and SMTP_PASSWORD go together"),
    ({"smtp_security": "ssl"}, "smtp_security"),
])
def test_bad_settings_are_refused_clearly(kw, fragment):
    assert fragment in error_of(**kw)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_are_fine_in_local_mode(host):
    assert Settings(host=host).local_mode


def test_the_test_clock_reads_its_file_while_it_exists(tmp_path, monkeypatch):
    from datetime import datetime, timezone

    import bot.app
    from bot.app import file_clock

    real = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(bot.app, "utcnow", lambda: real)
    path = tmp_path / "now"
    clock = file_clock(path)
    assert clock() == real  # no file: the real time
    path.write_text("2026-04-07T10:00:00+01:00\n")
    assert clock() == datetime(2026, 4, 7, 9, 0, tzinfo=timezone.utc)
    path.write_text("2026-04-21T09:30:00")  # no zone: UTC
    assert clock() == datetime(2026, 4, 21, 9, 30, tzinfo=timezone.utc)
    path.write_text("next Tuesday")  # unreadable: the real time
    assert clock() == real
