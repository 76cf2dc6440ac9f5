"""A local stand-in for the Bot Framework's token issuer: OpenID metadata and a JWKS on loopback,
and `mint()` for Bot Framework channel tokens signed with its keys (or deliberately wrong ones).

The server runs in its own thread, so it answers whatever the bot's event loop is doing (the
SDK's own refresh fetched the keys with blocking `requests.get` on the loop). `down` makes it
answer 503; `hold` (an Event) keeps the key set's answer back until it is set.
Every issuer serves under a random path prefix, so its metadata URL is never one the SDK has
already cached (it keeps one cache entry per URL, for a day, in a class-level dict).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
TEAMS_KID = "teams-key"

_OMIT = object()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class OpenIdIssuer:
    """`issuer.metadata_url` for the bot's settings; `issuer.mint(...)` for its requests."""

    def __init__(self, key: rsa.RSAPrivateKey | None = None, kid: str = TEAMS_KID,
                 endorsements: tuple[str, ...] = ("msteams",)) -> None:
        self.key = key or new_key()
        self.kid = kid
        self.fetches: list[str] = []  # paths the SDK asked for
        self._jwks: list[dict[str, Any]] = []
        self.private_keys: dict[str, rsa.RSAPrivateKey] = {}  # kid -> the key that signs for it
        self._prefix = f"/{uuid.uuid4().hex}"
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.down = False
        self.hold: threading.Event | None = None
        self.hold_timeouts = 0  # answers sent only because nobody set `hold` in time
        self.publish(self.key, kid, endorsements)

    # the keys the issuer publishes

    def publish(self, key: rsa.RSAPrivateKey, kid: str, endorsements: tuple[str, ...] | None = ("msteams",)) -> None:
        """Add a public key to the JWKS; `endorsements=None` publishes it without that field.
        Publish before the first request: the SDK keeps the keys it fetched for a day."""
        self.private_keys[kid] = key
        jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        jwk.update(kid=kid, use="sig", alg="RS256")
        if endorsements is not None:
            jwk["endorsements"] = list(endorsements)
        self._jwks.append(jwk)

    # the HTTP side

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self._prefix}"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/.well-known/openidconfiguration"

    def start(self) -> "OpenIdIssuer":
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                issuer.fetches.append(self.path.removeprefix(issuer._prefix))
                if issuer.down:
                    self.send_error(503)
                    return
                if self.path == f"{issuer._prefix}/keys" and issuer.hold is not None:
                    # bounded: a bot that blocks on this answer must not hang the test forever
                    if not issuer.hold.wait(timeout=5):
                        issuer.hold_timeouts += 1
                if self.path == f"{issuer._prefix}/.well-known/openidconfiguration":
                    body = {"issuer": BOT_FRAMEWORK_ISSUER, "jwks_uri": f"{issuer.base_url}/keys",
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "token_endpoint_auth_methods_supported": ["private_key_jwt"]}
                elif self.path == f"{issuer._prefix}/keys":
                    body = {"keys": issuer._jwks}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-openid", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

        if self._server is not None:
            JwtTokenExtractor.metadataCache.pop(self.metadata_url, None)
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    # tokens

    def claims(self, app_id: str, service_url: str, **overrides: Any) -> dict[str, Any]:
        """A Bot Framework channel token's claims; an override of `None` leaves that claim out."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": BOT_FRAMEWORK_ISSUER, "aud": app_id, "serviceurl": service_url,
            "iat": now, "nbf": now - 60, "exp": now + 3600,
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def mint(self, claims: dict[str, Any], *, key: rsa.RSAPrivateKey | None = None, kid: Any = _OMIT,
             alg: str = "RS256", secret: bytes | None = None) -> str:
        """`claims` signed with `key` (default: the issuer's own) under header `kid` (default: the
        issuer's; `None` leaves it out). `alg="none"` leaves the signature empty; `alg="HS256"`
        signs with `secret` (default: the issuer's public key in PEM, the classic confusion)."""
        kid = self.kid if kid is _OMIT else kid
        header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
        if kid is not None:
            header["kid"] = kid
        if alg.startswith("RS"):
            return jwt.encode(claims, key or self.key, algorithm=alg, headers={"kid": kid} if kid is not None else None)
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        if alg == "none":
            return f"{signing_input}."
        if alg == "HS256":
            if secret is None:
                secret = self.key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
            signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
            return f"{signing_input}.{_b64(signature)}"
        raise ValueError(f"mint() does not know alg {alg!r}")
