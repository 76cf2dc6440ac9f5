"""`learning-bot app-package`: the zip, its manifest against Microsoft's schema, and the icons.

The manifest is validated offline against the schema shipped in the npm package
@microsoft/app-manifest (pinned in package.json, installed by `npm ci`): the very file the
Teams tooling validates with. Without it these tests fail, saying so; they never skip.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from jsonschema import Draft7Validator, FormatChecker
from PIL import Image
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT4

from bot import __version__
from bot.app_package import MANIFEST_VERSION, SCHEMA_URL, build_manifest
from bot.cli import main
from bot.settings import Settings
from dialogs.overview import LEAD_COMMANDS, PERSONAL_COMMANDS, STAFF_COMMANDS, TEAM_COMMANDS

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "node_modules" / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"
APP_ID = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
ICON_FILES = ("color.png", "outline.png")


@pytest.fixture
def board_settings(monkeypatch):
    """A deployment's settings: the board's own name and pages, and the bot's public address."""
    monkeypatch.setenv("LEARNING_BOT_DEVELOPER_NAME", "East Sussex LSCB")
    monkeypatch.setenv("LEARNING_BOT_WEBSITE_URL", "https://www.eastsussexlscb.org.uk/learning-bot")
    monkeypatch.setenv("LEARNING_BOT_PRIVACY_URL", "https://www.eastsussexlscb.org.uk/privacy")
    monkeypatch.setenv("LEARNING_BOT_TERMS_URL", "https://www.eastsussexlscb.org.uk/terms")
    monkeypatch.setenv("LEARNING_BOT_PUBLIC_URL", "https://learning-bot.eastsussexlscb.org.uk:8443/")


def make_package(tmp_path: Path, *extra: str) -> tuple[Path, dict, dict[str, bytes]]:
    out = tmp_path / "appPackage.zip"
    assert main(["app-package", "--app-id", APP_ID, "--out", str(out), *extra]) == 0
    with zipfile.ZipFile(out) as zf:
        files = {info.filename: zf.read(info) for info in zf.infolist()}
    return out, json.loads(files["manifest.json"]), files


# The official schema, offline


def schema_folder() -> Path:
    folder = SCHEMAS / f"v{MANIFEST_VERSION}"
    if not (folder / "MicrosoftTeams.schema.json").is_file():
        pytest.fail(
            f"the Teams app manifest schema v{MANIFEST_VERSION} is missing ({folder / 'MicrosoftTeams.schema.json'}): "
            "it comes from the npm package @microsoft/app-manifest; run `npm ci` in the repository root",
            pytrace=False)
    return folder


def manifest_validator() -> jsonschema.protocols.Validator:
    """A validator for the shipped schema, resolving its references from its own folder only.

    The schema declares draft-04 but also uses `const` (manifestVersion) and `if`/`then`, later
    keywords that Microsoft's own validator (ajv) enforces and jsonschema's draft-04 class would
    ignore: they are added here, as is a check of the `uri` format. Nothing is fetched: a
    reference outside the folder is an error.
    """
    folder = schema_folder()
    path = folder / "MicrosoftTeams.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))

    def local_only(uri: str) -> Resource:
        parts = urlsplit(uri)
        candidate = Path(parts.path) if parts.scheme == "file" else None
        if candidate is None or candidate.parent != folder or not candidate.is_file():
            raise NoSuchResource(ref=uri)
        return Resource.from_contents(json.loads(candidate.read_text(encoding="utf-8")), default_specification=DRAFT4)

    registry = Registry(retrieve=local_only)
    schema = {**schema, "id": path.as_uri()}  # relative $refs resolve against the file's folder
    base = jsonschema.validators.validator_for(schema)
    assert base is jsonschema.Draft4Validator, schema.get("$schema")
    cls = jsonschema.validators.extend(base, {k: Draft7Validator.VALIDATORS[k] for k in ("const", "if")})
    formats = FormatChecker()

    @formats.checks("uri", raises=ValueError)
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme and (parts.netloc or parts.path))

    # The meta-schema's own `regex` format check is off: a few patterns (Office add-in function
    # names) use ECMAScript's \p{L}, which Python's re lacks; no part of this manifest reaches them.
    cls.check_schema(schema, format_checker=None)
    return cls(schema, registry=registry, format_checker=formats)


def schema_errors(manifest: dict) -> list[str]:
    errors = sorted(manifest_validator().iter_errors(manifest), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


# The package


def test_the_zip_holds_exactly_the_manifest_and_two_icons_at_its_root(board_settings, tmp_path, capsys):
    out, manifest, files = make_package(tmp_path)
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == str(out)
    assert len(lines) == 2 and f"manifest {MANIFEST_VERSION}" in lines[1] and APP_ID in lines[1]
    assert [p.name for p in tmp_path.iterdir()] == ["appPackage.zip"]  # no temporary file left behind


def test_the_manifest_is_valid_against_the_shipped_schema(board_settings, tmp_path):
    _, manifest, _ = make_package(tmp_path)
    assert schema_errors(manifest) == []


def test_the_default_settings_with_a_short_developer_name_give_a_valid_manifest(monkeypatch):
    monkeypatch.setenv("LEARNING_BOT_DEVELOPER_NAME", "Safeguarding Children Board")
    manifest = build_manifest(Settings(), APP_ID, "Safeguarding Learning")
    assert schema_errors(manifest) == []
    assert manifest["validDomains"] == []  # no LEARNING_BOT_PUBLIC_URL


def test_the_validator_is_not_vacuous(board_settings):
    good = build_manifest(Settings(), APP_ID, "Safeguarding Learning")
    bad = json.loads(json.dumps(good))
    bad["manifestVersion"] = "1.7"                          # const
    bad["id"] = "not-a-guid"                                # pattern, through a $ref
    bad["name"]["short"] = "x" * 31                         # maxLength
    bad["bots"][0]["scopes"].append("everywhere")           # enum
    bad["developer"]["privacyUrl"] = "ftp://example.org"    # pattern
    bad["surprise"] = True                                  # additionalProperties
    del bad["accentColor"]                                  # required
    errors = "\n".join(schema_errors(bad))
    for where in ("manifestVersion", "(root)", "id", "name/short", "bots/0/scopes/3", "developer/privacyUrl"):
        assert any(line.startswith(f"{where}:") for line in errors.splitlines()), (where, errors)
    assert "'accentColor' is a required property" in errors
    assert "'surprise' was unexpected" in errors


def test_schema_version_is_current_and_consistent(board_settings, tmp_path):
    _, manifest, _ = make_package(tmp_path)
    assert manifest["$schema"] == SCHEMA_URL == (
        f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")
    shipped = json.loads((schema_folder() / "MicrosoftTeams.schema.json").read_text(encoding="utf-8"))
    assert shipped["properties"]["manifestVersion"]["const"] == manifest["manifestVersion"] == MANIFEST_VERSION
    assert tuple(map(int, MANIFEST_VERSION.split("."))) >= (1, 19)


def test_the_bot_its_scopes_and_its_permission(board_settings, tmp_path):
    _, manifest, _ = make_package(tmp_path, "--app-id", APP_ID.upper())
    assert manifest["id"] == APP_ID  # the bot's id is the app's id; GUIDs written in lower case
    assert manifest["version"] == __version__
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert bot["supportsFiles"] is True and bot["isNotificationOnly"] is False
    assert manifest["authorization"] == {"permissions": {"resourceSpecific": [
        {"name": "ChannelMeeting.ReadBasic.Group", "type": "Application"}]}}
    assert manifest["webApplicationInfo"]["id"] == APP_ID  # RSC needs it
    assert manifest["webApplicationInfo"]["resource"]
    assert manifest["accentColor"].startswith("#") and len(manifest["accentColor"]) == 7


def test_names_and_descriptions(board_settings, tmp_path):
    _, manifest, _ = make_package(tmp_path)
    assert manifest["name"] == {"short": "Safeguarding Learning", "full": "Safeguarding Learning Bot"}
    assert len(manifest["description"]["short"]) <= 80
    assert 80 < len(manifest["description"]["full"]) <= 4000
    assert "learning briefings" in manifest["description"]["full"]
    assert "minutes" in manifest["description"]["full"]
    _, manifest, _ = make_package(tmp_path, "--name", "Learning Briefings")
    assert manifest["name"] == {"short": "Learning Briefings", "full": "Learning Briefings Bot"}


def test_the_command_lists_are_the_commands_help_shows(board_settings, tmp_path):
    _, manifest, _ = make_package(tmp_path)
    lists = {tuple(c["scopes"]): c["commands"] for c in manifest["bots"][0]["commandLists"]}
    assert set(lists) == {("team",), ("personal", "groupChat")}

    def words(commands):
        return [usage.split()[0] for usage, _ in commands]

    assert [c["title"] for c in lists[("team",)]] == words(TEAM_COMMANDS)
    assert [c["description"] for c in lists[("team",)]] == [d for _, d in TEAM_COMMANDS]
    personal = lists[("personal", "groupChat")]
    assert [c["title"] for c in personal] == words(PERSONAL_COMMANDS + STAFF_COMMANDS + LEAD_COMMANDS)
    assert "publish" in [c["title"] for c in personal]
    for command, (_, description) in zip(personal, PERSONAL_COMMANDS + STAFF_COMMANDS + LEAD_COMMANDS):
        assert command["description"].startswith(description)
    for commands in lists.values():
        assert len(commands) <= 10
        assert all(c["description"] and len(c["description"]) <= 128 for c in commands)


# Settings


def test_settings_give_the_developer_urls_and_the_valid_domain(board_settings, tmp_path):
    _, manifest, _ = make_package(tmp_path)
    assert manifest["developer"] == {
        "name": "East Sussex LSCB",
        "websiteUrl": "https://www.eastsussexlscb.org.uk/learning-bot",
        "privacyUrl": "https://www.eastsussexlscb.org.uk/privacy",
        "termsOfUseUrl": "https://www.eastsussexlscb.org.uk/terms",
    }
    assert manifest["validDomains"] == ["learning-bot.eastsussexlscb.org.uk"]  # the host: no scheme, port or path


def test_without_a_public_url_there_are_no_valid_domains(board_settings, monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("LEARNING_BOT_PUBLIC_URL")
    _, manifest, _ = make_package(tmp_path)
    assert manifest["validDomains"] == []
    assert schema_errors(manifest) == []
    assert "valid domains: none" in capsys.readouterr().out


def test_placeholder_urls_are_pointed_out(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("LEARNING_BOT_DEVELOPER_NAME", "East Sussex LSCB")
    make_package(tmp_path)
    err = capsys.readouterr().err
    for name in ("LEARNING_BOT_WEBSITE_URL", "LEARNING_BOT_PRIVACY_URL", "LEARNING_BOT_TERMS_URL"):
        assert f"warning: {name} is still the example.org placeholder" in err


@pytest.mark.parametrize("variable, value, message", [
    ("LEARNING_BOT_PRIVACY_URL", "http://www.example.org/privacy", "LEARNING_BOT_PRIVACY_URL must be an https:// address"),
    ("LEARNING_BOT_PUBLIC_URL", "bot.example.org", "LEARNING_BOT_PUBLIC_URL must be an https:// address"),
    ("LEARNING_BOT_DEVELOPER_NAME", "Local Safeguarding Children Board", "LEARNING_BOT_DEVELOPER_NAME must be 1 to 32"),
])
def test_a_setting_teams_would_refuse_stops_with_its_name(board_settings, monkeypatch, tmp_path, capsys,
                                                          variable, value, message):
    monkeypatch.setenv(variable, value)
    assert main(["app-package", "--app-id", APP_ID, "--out", str(tmp_path / "p.zip")]) == 2
    assert capsys.readouterr().err.startswith(f"learning-bot: {message}")
    assert list(tmp_path.iterdir()) == []


def test_bad_settings_are_reported_cleanly(board_settings, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("LEARNING_BOT_ADMIN_TOKEN", "short")
    assert main(["app-package", "--app-id", APP_ID, "--out", str(tmp_path / "p.zip")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("learning-bot: cannot read the settings:\n")
    assert "LEARNING_BOT_ADMIN_TOKEN must be at least 16 characters" in err
    assert "Traceback" not in err


# Arguments and writing


@pytest.mark.parametrize("app_id", ["", "local-bot", "6f1c2b3a4d5e4f608a7b9c0d1e2f3a4b",
                                    "{6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b}", "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4g"])
def test_an_app_id_that_is_not_a_guid_exits_2(board_settings, tmp_path, capsys, app_id):
    assert main(["app-package", "--app-id", app_id, "--out", str(tmp_path / "p.zip")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("learning-bot: --app-id must be the bot's Microsoft Entra app id, a GUID")
    assert repr(app_id) in err
    assert list(tmp_path.iterdir()) == []


def test_a_name_longer_than_teams_allows_exits_2(board_settings, tmp_path, capsys):
    assert main(["app-package", "--app-id", APP_ID, "--out", str(tmp_path / "p.zip"), "--name", "x" * 31]) == 2
    assert "the name must be 1 to 30 characters" in capsys.readouterr().err


def test_the_package_replaces_an_old_one_and_is_reproducible(board_settings, tmp_path):
    out = tmp_path / "appPackage.zip"
    out.write_bytes(b"an older package")
    make_package(tmp_path)
    first = out.read_bytes()
    make_package(tmp_path)
    assert out.read_bytes() == first != b"an older package"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["appPackage.zip"]


def test_an_unwritable_destination_exits_1(board_settings, tmp_path, capsys):
    out = tmp_path / "missing" / "appPackage.zip"
    assert main(["app-package", "--app-id", APP_ID, "--out", str(out)]) == 1
    assert capsys.readouterr().err.startswith(f"learning-bot: cannot write {out}:")


# Icons


def test_the_icons_are_the_bundled_ones(board_settings, tmp_path):
    _, _, files = make_package(tmp_path)
    for name in ICON_FILES:
        assert files[name] == (ROOT / "content" / "icons" / name).read_bytes()


def test_the_color_icon_is_192_square_opaque_and_coloured(board_settings, tmp_path):
    _, _, files = make_package(tmp_path)
    image = Image.open(io.BytesIO(files["color.png"]))
    assert image.format == "PNG" and image.size == (192, 192)
    rgba = image.convert("RGBA")
    assert rgba.getchannel("A").getextrema() == (255, 255)  # opaque throughout
    colours = rgba.getcolors(maxcolors=192 * 192)
    assert len(colours) > 2  # a design, not a flat square
    assert max(colours)[1][:3] != (255, 255, 255)  # the background is a colour, not white


def test_the_outline_icon_is_32_square_white_on_transparent(board_settings, tmp_path):
    _, _, files = make_package(tmp_path)
    image = Image.open(io.BytesIO(files["outline.png"]))
    assert image.format == "PNG" and image.size == (32, 32)
    assert image.mode == "RGBA"
    pixels = {colour for _, colour in image.getcolors(maxcolors=32 * 32)}
    assert {a for _, _, _, a in pixels} == {0, 255}  # no partial transparency
    assert {p[:3] for p in pixels if p[3] == 255} == {(255, 255, 255)}  # every visible pixel white
    visible = sum(count for count, colour in image.getcolors(maxcolors=32 * 32) if colour[3] == 255)
    assert 0.1 < visible / (32 * 32) < 0.6  # a glyph, neither empty nor a filled square
    assert image.getpixel((0, 0))[3] == 0  # the background is transparent
