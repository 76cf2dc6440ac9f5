"""The key that signs document links: at least 32 random bytes, refused at start otherwise, and
never repeated in an error."""

from __future__ import annotations

import base64
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.links import SECRET_BITS, load_secret, secret_strength
from bot.settings import Settings, describe_error
from storage.protocols import StoreError
from tests.fakes.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]

WEAK = ["Q", "correct-horse", "a" * 64, "ab" * 32, "0" * 100, "hunter2hunter2hunter2hunter2hunter2"]


@pytest.mark.parametrize("secret", WEAK)
def test_a_weak_link_secret_is_refused_without_repeating_it(secret):
    with pytest.raises(ValidationError) as caught:
        Settings(link_secret=secret)
    message = describe_error(caught.value)
    assert message.startswith("LEARNING_BOT_LINK_SECRET is too weak to sign links: it needs at least 32 random bytes")
    assert secret not in message and secret not in str(caught.value)


def random_secrets(count: int):
    """Secrets written as operators make them (openssl rand -hex 32 / -base64 32, token_urlsafe)."""
    rng = random.Random(2026)
    for _ in range(count):
        raw = rng.getrandbits(256).to_bytes(32, "big")
        yield raw.hex()
        yield base64.b64encode(raw).decode()
        yield base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_random_32_byte_secrets_are_accepted_however_they_are_written():
    for secret in random_secrets(500):
        assert secret_strength(secret) >= SECRET_BITS, secret
    assert Settings(link_secret=next(random_secrets(1))).link_secret is not None


def test_serve_stops_with_one_line_and_not_the_secret(tmp_path):
    env = {**os.environ, "LEARNING_BOT_LINK_SECRET": "s3cret"}
    result = subprocess.run([sys.executable, "-m", "bot", "serve", "--data-dir", str(tmp_path / "data"),
                             "--port", str(free_port())], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("learning-bot: cannot start:\nLEARNING_BOT_LINK_SECRET is too weak")
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


def test_a_weak_secret_kept_in_the_data_directory_is_refused(tmp_path):
    made = load_secret(None, tmp_path)  # made once, then read back
    assert len(made) == 64 and load_secret(None, tmp_path) == made
    (tmp_path / "link-secret").write_bytes(b"x")
    with pytest.raises(StoreError, match="link secret in .* is too weak or damaged; delete the file"):
        load_secret(None, tmp_path)
