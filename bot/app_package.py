"""The Teams app package: manifest.json, color.png and outline.png in a zip (`learning-bot app-package`).

An administrator uploads the zip in Teams (Apps > Manage your apps > Upload an app, or the Teams
admin center) to install the bot. The manifest follows the app manifest schema v1.29
(https://developer.microsoft.com/en-us/json-schemas/teams/v1.29/MicrosoftTeams.schema.json), the
newest generally available version that Microsoft's own Agents Toolkit templates use; the tests
validate it against the copy of that schema in the npm package @microsoft/app-manifest.

What comes from where:

- `id` and `bots[0].botId`: the bot's Microsoft Entra app id (`--app-id`; the same as MicrosoftAppId);
- `developer.name`, `websiteUrl`, `privacyUrl`, `termsOfUseUrl`: LEARNING_BOT_DEVELOPER_NAME,
  LEARNING_BOT_WEBSITE_URL, LEARNING_BOT_PRIVACY_URL, LEARNING_BOT_TERMS_URL (https; the name at
  most 32 characters, Teams' limit);
- `validDomains`: the host of LEARNING_BOT_PUBLIC_URL (https://bot.example.org), none when unset;
- the command lists: the commands of dialogs/overview.py, so the menu Teams shows matches `help`;
- `version`: the package version (bot.__version__). Teams installs an update only when it rises.

The bot asks for one resource-specific permission, ChannelMeeting.ReadBasic.Group (Application),
so that Teams sends it the start and end events of the team's channel meetings; a team owner
grants it when adding the app. RSC needs `webApplicationInfo` with the app id; its `resource`
is unused for RSC (Microsoft's docs: any value will do), so it holds the bot's SSO-style
application id URI, api://botid-<app id>.

Nothing here does I/O at import time.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from dialogs.overview import LEAD_COMMANDS, PERSONAL_COMMANDS, STAFF_COMMANDS, TEAM_COMMANDS

from . import __version__
from .settings import Settings

MANIFEST_VERSION = "1.29"
SCHEMA_URL = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
DEFAULT_NAME = "Safeguarding Learning"
ACCENT_COLOR = "#0E5E6F"  # deep teal, the background of color.png (scripts/make_icons.py)
RSC_PERMISSIONS = [{"name": "ChannelMeeting.ReadBasic.Group", "type": "Application"}]
ICON_FILES = ("color.png", "outline.png")

SHORT_DESCRIPTION = "Safeguarding learning briefings for your team; minutes back to your lead"
FULL_DESCRIPTION = (
    "Carries the Local Safeguarding Children Board's learning briefings to practitioner teams "
    "across its partner agencies, and their minutes back to safeguarding leads.\n\n"
    "Board staff publish a briefing (an audit summary with discussion prompts) and the bot posts "
    "it as a new thread in the General channel of every registered team. The team discusses the "
    "prompts in its meeting and records its responses on the briefing's card. When the team "
    "closes the discussion, the bot compiles the minutes and sends them to the safeguarding lead "
    "of the team's organisation, in a Teams chat and by email, and says so in the thread.\n\n"
    "In a channel, mention the bot with help, briefings, discuss, status or organisation. In a "
    "personal chat, say help or briefings; board staff can also publish a briefing from there."
)

# Teams' limits (app manifest schema v1.29 and the Teams client)
SHORT_NAME_MAX = 30  # the full name adds " Bot": well within its 100
DEVELOPER_NAME_MAX = 32
COMMAND_DESCRIPTION_MAX = 128  # what the command menu shows in full
COMMANDS_PER_LIST_MAX = 10

_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_RELEASE = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


class AppPackageError(ValueError):
    """A setting or argument that would make a package Teams refuses; the message says which."""


def is_guid(value: str) -> bool:
    return bool(_GUID.match(value))


def _https_url(value: str, setting: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise AppPackageError(f"{setting} must be an https:// address, not {value!r}")
    return value


def _app_version() -> str:
    """MAJOR.MINOR.PATCH only: Teams refuses pre-release and build suffixes."""
    match = _RELEASE.match(__version__)
    if not match:
        raise AppPackageError(f"the package version {__version__!r} does not start with MAJOR.MINOR.PATCH")
    return match.group(0)


def _command_list(scopes: list[str], commands: list[tuple[str, str]]) -> dict:
    if len(commands) > COMMANDS_PER_LIST_MAX:
        raise AppPackageError(f"Teams shows at most {COMMANDS_PER_LIST_MAX} commands per list, not {len(commands)}")
    entries = []
    for usage, description in commands:
        if len(description) > COMMAND_DESCRIPTION_MAX:
            raise AppPackageError(f"the description of {usage!r} is longer than {COMMAND_DESCRIPTION_MAX} characters")
        entries.append({"title": usage.split()[0], "description": description})
    return {"scopes": scopes, "commands": entries}


def valid_domains(settings: Settings) -> list[str]:
    if not settings.public_url:
        return []
    host = urlsplit(_https_url(settings.public_url, "LEARNING_BOT_PUBLIC_URL")).hostname
    return [host]


def build_manifest(settings: Settings, app_id: str, name: str = DEFAULT_NAME) -> dict:
    """The app manifest as a dict; raises AppPackageError for a value Teams would refuse."""
    if not is_guid(app_id):
        raise AppPackageError(f"the app id must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not {app_id!r}")
    app_id = app_id.lower()
    name = name.strip()
    if not name or len(name) > SHORT_NAME_MAX:
        raise AppPackageError(f"the name must be 1 to {SHORT_NAME_MAX} characters, not {len(name)}: {name!r}")
    full_name = name if name.lower().endswith(" bot") else f"{name} Bot"
    developer_name = settings.developer_name.strip()
    if not developer_name or len(developer_name) > DEVELOPER_NAME_MAX:
        raise AppPackageError(
            f"LEARNING_BOT_DEVELOPER_NAME must be 1 to {DEVELOPER_NAME_MAX} characters (Teams' limit), "
            f"not {len(developer_name)}: {developer_name!r}")
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": _app_version(),
        "id": app_id,
        "developer": {
            "name": developer_name,
            "websiteUrl": _https_url(settings.website_url, "LEARNING_BOT_WEBSITE_URL"),
            "privacyUrl": _https_url(settings.privacy_url, "LEARNING_BOT_PRIVACY_URL"),
            "termsOfUseUrl": _https_url(settings.terms_url, "LEARNING_BOT_TERMS_URL"),
        },
        "name": {"short": name, "full": full_name},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT_COLOR,
        "defaultInstallScope": "team",
        "bots": [{
            "botId": app_id,
            "scopes": ["team", "personal", "groupChat"],
            "supportsFiles": True,  # board staff attach Word briefings in their personal chat
            "isNotificationOnly": False,
            "commandLists": [
                _command_list(["team"], TEAM_COMMANDS),
                # A group chat gets the personal chat's commands (dialogs/router.py).
                _command_list(["personal", "groupChat"], PERSONAL_COMMANDS + [
                    (usage, f"{description} (board staff only)") for usage, description in STAFF_COMMANDS] + [
                    (usage, f"{description} (staff and leads)") for usage, description in LEAD_COMMANDS]),
            ],
        }],
        "validDomains": valid_domains(settings),
        "webApplicationInfo": {"id": app_id, "resource": f"api://botid-{app_id}"},
        "authorization": {"permissions": {"resourceSpecific": [dict(p) for p in RSC_PERMISSIONS]}},
    }


def load_icons() -> dict[str, bytes]:
    """The bundled icons (package data of `content`), by their name in the package."""
    folder = resources.files("content").joinpath("icons")
    return {name: folder.joinpath(name).read_bytes() for name in ICON_FILES}


def write_package(path: Path, manifest: dict, icons: dict[str, bytes]) -> Path:
    """Write the zip atomically: a temporary file beside `path`, then renamed over it.

    The entries have a fixed date, so the same manifest and icons give the same bytes.
    """
    path = Path(path)
    data = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    entries = [("manifest.json", data)] + sorted(icons.items())
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for name, content in entries:
                    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    zf.writestr(info, content)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def summary(manifest: dict) -> str:
    bot = manifest["bots"][0]
    counts = ", ".join(f"{len(c['commands'])} {'/'.join(c['scopes'])}" for c in bot["commandLists"])
    domains = ", ".join(manifest["validDomains"]) or "none (LEARNING_BOT_PUBLIC_URL unset)"
    return (f"{manifest['name']['short']} {manifest['version']} (manifest {manifest['manifestVersion']}), "
            f"bot {bot['botId']} in {', '.join(bot['scopes'])}; commands: {counts}; valid domains: {domains}")


def placeholder_settings(settings: Settings) -> list[str]:
    """The environment variables still at their example.org defaults: fine to try, not to publish."""
    names = {"website_url": "LEARNING_BOT_WEBSITE_URL", "privacy_url": "LEARNING_BOT_PRIVACY_URL",
             "terms_url": "LEARNING_BOT_TERMS_URL"}
    return [env for field, env in names.items() if getattr(settings, field) == Settings.model_fields[field].default]
