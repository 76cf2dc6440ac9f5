"""The `learning-bot` command: serve, board staff's briefing tools, and the Teams app package."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from . import __version__

EXIT_USAGE = 2
STOP_GRACE_SECONDS = 5.0  # how long a stopping bot lets requests under way finish


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"learning-bot: {message}", file=sys.stderr)
    return code


def serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from content.concern import SIGNALS_FILE
    from content.yamlfile import ContentError
    from storage.protocols import StoreError

    from .app import create_app
    from .settings import Settings, describe_error

    overrides = {k: v for k, v in {"host": args.host, "port": args.port, "data_dir": args.data_dir}.items() if v is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        return _fail("cannot start:\n" + describe_error(exc))
    from .logs import configure

    configure(os.environ.get("LEARNING_BOT_LOG_LEVEL", "INFO"), os.environ.get("LEARNING_BOT_LOG_FORMAT", "plain"))
    try:
        app = create_app(settings)
    except ContentError as exc:
        what = "the directory file" if exc.path != SIGNALS_FILE else "the live-concern rules file"
        return _fail(f"{what} is not valid:\n" + "\n".join(p.render(exc.path) for p in exc.problems))
    except StoreError as exc:
        return _fail(str(exc))
    if settings.local_mode:
        logging.getLogger("bot").warning(
            "local mode: no MicrosoftAppId, so inbound authentication is OFF; listening on loopback only")
    if settings.database_url is not None:
        from storage.postgres import redact

        where = f"data in {redact(settings.database_url.get_secret_value())}"
    else:
        where = f"data in {settings.data_dir}"
    try:
        # Stopped (Ctrl+C, SIGTERM), turns under way get a few seconds to finish; longer work (a Word
        # report) is given up rather than waited for, and its process killed (bot/offload.py).
        web.run_app(app, host=settings.host, port=settings.port, shutdown_timeout=STOP_GRACE_SECONDS, print=lambda _: print(
            f"Safeguarding Learning Bot {__version__} on http://{settings.host}:{settings.port}/api/messages "
            f"({where}; Ctrl+C to stop)", flush=True))
    except StoreError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}")
    return 0


def validate(args: argparse.Namespace) -> int:
    from content.briefing import parse_briefing
    from content.cards import check_fits
    from content.yamlfile import ContentError

    from dialogs.privacy_gate import briefing_findings

    failed = False
    for path in args.paths:
        try:
            source = Path(path).read_text(encoding="utf-8")
            doc = parse_briefing(source)
            check_fits(doc)
            for finding in briefing_findings(source, doc):
                if args.allow_identifiers:
                    print(f"{path}:{finding.line}: looks like {finding.described} (allowed)")
                else:
                    print(f"{path}:{finding.line}: looks like {finding.described}: remove it, list it "
                          "under public_contacts if it is a published contact, or confirm with --allow-identifiers")
                    failed = True
        except OSError as exc:
            print(f"{path}:1: cannot read: {exc.strerror or exc}")
            failed = True
        except UnicodeDecodeError:
            print(f"{path}:1: not UTF-8 text")
            failed = True
        except ContentError as exc:
            for problem in exc.problems:
                print(problem.render(path))
            failed = True
    return 1 if failed else 0


def import_word(args: argparse.Namespace) -> int:
    """A Word briefing as a briefing file: PATH.md beside it (or --out), with what to check."""
    from datetime import date

    from content.cards import check_fits
    from content.directory import load_directory
    from content.word import WordProblems, describe, import_docx
    from content.yamlfile import ContentError

    from dialogs.privacy_gate import briefing_findings

    from .settings import Settings, describe_error

    source_path = Path(args.path)
    out = Path(args.out) if args.out else source_path.with_suffix(".md")
    try:
        data = source_path.read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {source_path}: {exc.strerror or exc}", 1)
    board = args.board
    if board is None:
        try:
            board = load_directory(Settings().directory).board.name
        except ValidationError as exc:
            return _fail("cannot read the settings (or give --board):\n" + describe_error(exc))
        except ContentError as exc:
            return _fail(f"cannot read the directory (or give --board): {exc}")
    try:
        imported = import_docx(data, board=board, today=date.today())
        check_fits(imported.doc)
    except WordProblems as exc:
        for problem in exc.problems:
            print(f"{source_path}: {problem}")
        return 1
    except ContentError:
        print(f"{source_path}: The briefing is too long for the card teams get (at most 28 KB). Shorten the "
              "longest parts, or move the detail into a document you link to.")
        return 1
    try:
        out.write_text(imported.source, encoding="utf-8")
    except OSError as exc:
        return _fail(f"cannot write {out}: {exc.strerror or exc}", 1)
    print(f"Wrote {out} (briefing id {imported.doc.id}): {describe(imported.doc)}.")
    for note in imported.notes:
        print(f"Check: {note}")
    for finding in briefing_findings(imported.source, imported.doc):
        print(f"{out}:{finding.line}: looks like {finding.described}: remove it from the Word document, or "
              "publish with --allow-identifiers if it identifies nobody")
    return 0


def _weeks(text: str) -> int:
    """--follow-up-weeks: 0 (never) to 52."""
    if not text.strip().isdigit() or int(text) > 52:
        raise argparse.ArgumentTypeError("must be a whole number of weeks from 0 (never ask) to 52")
    return int(text)


def publish(args: argparse.Namespace) -> int:
    from .client import PublishClientError, publish_and_follow

    token = args.token or os.environ.get("LEARNING_BOT_ADMIN_TOKEN")
    if not token:
        return _fail("an admin token is needed: --token or LEARNING_BOT_ADMIN_TOKEN")
    try:
        return asyncio.run(publish_and_follow(args.url, token, args.briefing, args.to, timeout=args.timeout,
                                              discuss_by=args.discuss_by, allow_identifiers=args.allow_identifiers,
                                              follow_up_weeks=args.follow_up_weeks))
    except PublishClientError as exc:
        return _fail(str(exc), 1)
    except KeyboardInterrupt:
        return _fail("stopped; the deliveries go on in the bot", 130)


def app_package(args: argparse.Namespace) -> int:
    from .app_package import (AppPackageError, build_manifest, is_guid, load_icons, placeholder_settings,
                              summary, write_package)
    from .settings import Settings, describe_error

    if not is_guid(args.app_id):
        return _fail(f"--app-id must be the bot's Microsoft Entra app id, a GUID "
                     f"(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not {args.app_id!r}")
    try:
        settings = Settings()
    except ValidationError as exc:
        return _fail("cannot read the settings:\n" + describe_error(exc))
    try:
        manifest = build_manifest(settings, args.app_id, args.name)
    except AppPackageError as exc:
        return _fail(str(exc))
    if settings.app_id and settings.app_id.lower() != manifest["id"]:
        print(f"learning-bot: warning: --app-id {manifest['id']} is not MicrosoftAppId ({settings.app_id}); "
              "the bot signs in as MicrosoftAppId, so it would not get this app's messages", file=sys.stderr)
    for name in placeholder_settings(settings):
        print(f"learning-bot: warning: {name} is still the example.org placeholder", file=sys.stderr)
    try:
        path = write_package(args.out, manifest, load_icons())
    except OSError as exc:
        return _fail(f"cannot write {args.out}: {exc.strerror or exc}", 1)
    print(path)
    print(summary(manifest))
    return 0


def _stdin_lines() -> list[str] | None:
    """Standard input as lines (no line ends; None when it is not UTF-8 text)."""
    try:
        text = sys.stdin.read()
    except UnicodeDecodeError:
        return None
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def privacy_scan(args: argparse.Namespace) -> int:
    import json

    from content.privacy import compile_patterns, scan

    patterns = args.case_pattern or None
    if patterns is not None:
        try:
            compile_patterns(patterns)
        except ValueError as exc:
            return _fail(str(exc))
    lines = _stdin_lines()
    if lines is None:
        return _fail("the input is not UTF-8 text", 1)
    for number, line in enumerate(lines, start=1):
        findings = scan(line, case_reference_patterns=patterns, allow=args.allow)
        if args.jsonl:
            print(json.dumps({"line": number, "findings": [f.as_dict() for f in findings]}))
        else:
            # The value is not printed: the output may end up in a log, and the input is at hand.
            for f in findings:
                print(f"{number}:{f.start + 1} {f.kind}")
    return 0


def privacy_concern(args: argparse.Namespace) -> int:
    """Which lines of stdin the bot would hold as a possible live concern (content/concern_signals.yaml)."""
    import json

    from content.concern import reads_like_live_concern

    lines = _stdin_lines()
    if lines is None:
        return _fail("the input is not UTF-8 text", 1)
    for number, line in enumerate(lines, start=1):
        held = reads_like_live_concern(line)
        if args.jsonl:
            print(json.dumps({"line": number, "held": held}))
        elif held:  # the text is not printed: the output may end up in a log, and the input is at hand
            print(f"{number}: held")
    return 0


def _token(args: argparse.Namespace) -> str | None:
    return args.token or os.environ.get("LEARNING_BOT_ADMIN_TOKEN")


def _write(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    print(f"{out} ({len(data):,} bytes)", file=sys.stderr)


def _api(args: argparse.Namespace, method: str, path: str) -> tuple[int, bytes]:
    from .client import PublishClientError, fetch

    token = _token(args)
    if not token:
        return _fail("an admin token is needed: --token or LEARNING_BOT_ADMIN_TOKEN"), b""
    try:
        body, _ = asyncio.run(fetch(args.url, token, method, path))
    except PublishClientError as exc:
        return _fail(str(exc), 1), b""
    return 0, body


def report(args: argparse.Namespace) -> int:
    code, body = _api(args, "GET", f"/api/briefings/{args.briefing}/report?format={args.format}")
    if code == 0:
        _write(body, args.out)
    return code


def export(args: argparse.Namespace) -> int:
    code, body = _api(args, "GET", f"/api/briefings/{args.briefing}/export?format={args.format}&kind={args.kind}")
    if code == 0:
        _write(body, args.out)
    return code


def purge(args: argparse.Namespace) -> int:
    from content.text import plural

    code, body = _api(args, "POST", f"/api/purge?dry_run={'true' if args.dry_run else 'false'}")
    if code == 0:
        result = json.loads(body)
        verb = "would delete" if result["dry_run"] else "deleted"
        print(f"{verb} {plural(result['responses'], 'response')}, the minutes of "
              f"{plural(result['minutes'], 'discussion')}, {plural(result.get('actions', 0), 'agreed action')}, "
              f"{plural(result.get('emails', 0), 'email')} kept as "
              f"files and the records of {plural(result.get('deliveries', 0), 'message')}, older than "
              f"{result['retention_days']} days (before {result['cutoff'][:10]})")
    return code


def _database_url(given: str | None) -> str | None:
    url = given or os.environ.get("LEARNING_BOT_DATABASE_URL")
    return url if url and url.startswith(("postgresql://", "postgres://")) else None


def db_upgrade(args: argparse.Namespace) -> int:
    from storage.postgres import PostgresStore, migrations, redact
    from storage.protocols import StoreError

    url = _database_url(args.url)
    if url is None:
        return _fail("give the database: --url postgresql://USER:PASSWORD@HOST/DATABASE, or set "
                     "LEARNING_BOT_DATABASE_URL")

    async def run() -> list[str]:
        store = PostgresStore(url, pool_size=2)
        await store.open(wait=True)
        try:
            return store.applied
        finally:
            await store.close()

    try:
        applied = asyncio.run(run())
    except StoreError as exc:
        return _fail(str(exc), 1)
    latest = migrations()[-1]
    if applied:
        print(f"{redact(url)}: applied {', '.join(applied)}; the schema is at version {latest[0]} ({latest[1]})")
    else:
        print(f"{redact(url)}: up to date, at version {latest[0]} ({latest[1]})")
    return 0


def migrate(args: argparse.Namespace) -> int:
    from content.text import plural
    from storage.migrate import copy_store
    from storage.postgres import PostgresStore, redact
    from storage.protocols import StoreError, StoreLocked
    from storage.tinydb_store import TinyDBStore

    from .links import SHARED_SECRET_KEY, secret_problem

    url = _database_url(args.to)
    if url is None:
        return _fail("give the database to copy into: --to postgresql://USER:PASSWORD@HOST/DATABASE, or set "
                     "LEARNING_BOT_DATABASE_URL")
    if not (args.from_data_dir / "teams.json").exists() and not (args.from_data_dir / "briefings.json").exists():
        return _fail(f"{args.from_data_dir} is not the bot's data directory (it has no teams.json or briefings.json)")
    extra: dict[str, dict] = {}
    try:  # links already sent keep working once the bot runs on the database
        secret = (args.from_data_dir / "link-secret").read_text(encoding="utf-8").strip()
        if not secret_problem(secret):
            extra[SHARED_SECRET_KEY] = {"secret": secret}
    except (OSError, UnicodeDecodeError):
        pass
    print(f"Copying {args.from_data_dir} into {redact(url)}", flush=True)

    def show(c) -> None:
        print(f"  {c.kind:<12} {c.source:>22,} {c.copied:>9,} {c.already:>14,} {c.verified:>9,}", flush=True)

    header = f"  {'':<12} {'in the data directory':>22} {'copied':>9} {'already there':>14} {'verified':>9}"
    if args.verbose:
        print(header, flush=True)

    async def run():
        source, target = TinyDBStore(args.from_data_dir), PostgresStore(url, pool_size=2)
        await source.open()
        try:
            await target.open(wait=True)
            try:
                counts = await copy_store(source, target, extra_meta=extra,
                                          progress=show if args.verbose else lambda c: None)
                kept = await target.meta.get(SHARED_SECRET_KEY)
                damaged = (await source.status()).get("damaged") or []
                return counts, extra and kept != extra.get(SHARED_SECRET_KEY), damaged
            finally:
                await target.close()
        finally:
            await source.close()

    try:
        counts, other_secret, damaged = asyncio.run(run())
    except StoreLocked:
        return _fail(f"the bot is running on {args.from_data_dir}: stop it first, then copy", 1)
    except StoreError as exc:
        return _fail(str(exc), 1)
    print(header)
    for c in counts:
        show(c)
    if damaged:
        print(f"Not copied: lines the data directory's logs could not read ({', '.join(damaged)}); they stay "
              "in those files for a person to look at.", file=sys.stderr)
    if other_secret:
        print("The database already had its own link secret (an instance has run on it): links to documents "
              "sent before the move will not open. Links sent from now on work.", file=sys.stderr)
    missing = [c for c in counts if not c.ok]
    if missing:
        return _fail("not everything is in the database: " + ", ".join(
            f"{plural(c.source - c.verified, c.kind.rstrip('s') if c.kind != 'meta' else 'named value')} missing"
            for c in missing) + "; run the copy again", 1)
    print(f"Done: all {sum(c.source for c in counts):,} records are in the database "
          f"({sum(c.copied for c in counts):,} copied now). Start the bot with LEARNING_BOT_DATABASE_URL set to it.")
    return 0


def _client_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", default="http://127.0.0.1:3978", help="the bot's address (default %(default)s)")
    p.add_argument("--token", help="admin token (default: LEARNING_BOT_ADMIN_TOKEN)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="learning-bot", description=(
        "A Teams bot that carries a safeguarding board's learning briefings to practitioner teams "
        "and their minutes to safeguarding leads."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="run the bot (POST /api/messages, GET /healthz, admin API)")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1; loopback only without MicrosoftAppId)")
    p.add_argument("--port", type=int, help="port (default 3978)")
    p.add_argument("--data-dir", type=Path, help="where data is kept (default ./data or LEARNING_BOT_DATA_DIR)")
    p.set_defaults(func=serve)

    briefing = commands.add_parser("briefing", help="check and publish briefings").add_subparsers(
        dest="briefing_command", required=True)
    v = briefing.add_parser("validate", help="check briefing files; prints PATH:LINE: problem")
    v.add_argument("paths", nargs="+", metavar="PATH")
    v.add_argument("--allow-identifiers", action="store_true",
                   help="report what looks like an identifier but do not fail (you confirm it identifies nobody)")
    v.set_defaults(func=validate)
    imp = briefing.add_parser("import", help="make a briefing file from a Word briefing (.docx)",
                              description="Read a Word briefing as boards write them (a title, a date under it, "
                              "headings, lists, a 'Points for discussion' part) and write the briefing file. "
                              "Exit status 1, with each problem and its fix, if it cannot.")
    imp.add_argument("path", metavar="PATH.docx")
    imp.add_argument("--out", metavar="PATH.md", help="where to write it (default: beside the .docx, as .md)")
    imp.add_argument("--board", help="the board's name (default: from the directory, LEARNING_BOT_DIRECTORY)")
    imp.set_defaults(func=import_word)
    pub = briefing.add_parser("publish", help="publish a briefing through the bot's admin API")
    pub.add_argument("briefing", metavar="ID_OR_PATH", help="a stored briefing's id, or a file to upload first")
    pub.add_argument("--to", required=True, help="all, org:<organisation id> or team:<team id>")
    pub.add_argument("--url", default="http://127.0.0.1:3978", help="the bot's address (default %(default)s)")
    pub.add_argument("--token", help="admin token (default: LEARNING_BOT_ADMIN_TOKEN)")
    pub.add_argument("--timeout", type=float, default=600, help="seconds to follow the deliveries (default 600)")
    pub.add_argument("--allow-identifiers", action="store_true",
                     help="publish even if the briefing contains what looks like an identifier (you confirm it identifies nobody)")
    pub.add_argument("--discuss-by", metavar="YYYY-MM-DD", help="the date by which teams should discuss it (shown on the card)")
    pub.add_argument("--follow-up-weeks", type=_weeks, metavar="N",
                     help="weeks after a team sends minutes without actions to ask whether the learning changed its "
                          "practice (0: never; default: the briefing's follow_up_weeks, else 6)")
    pub.set_defaults(func=publish)

    privacy = commands.add_parser("privacy", help="check text for what could identify a child or family").add_subparsers(
        dest="privacy_command", required=True)
    ps = privacy.add_parser("scan", help="scan text on stdin; prints LINE:COL kind per finding",
                            description="Scan text read from stdin for NHS and National Insurance numbers, "
                            "postcodes, dates of birth, ages, phone numbers, email addresses and case references. "
                            "Prints LINE:COL kind per finding (the values are not printed). Exit status 0 "
                            "whether or not anything is found.")
    ps.add_argument("--jsonl", action="store_true", help='one JSON object per input line: '
                    '{"line": N, "findings": [{"kind": ..., "start": S, "end": E}]} (offsets within the line)')
    ps.add_argument("--case-pattern", action="append", metavar="REGEX",
                    help="a case reference pattern, instead of the default ones (repeatable)")
    ps.add_argument("--allow", action="append", default=[], metavar="VALUE",
                    help="a public contact (e.g. a published phone number) not to report (repeatable)")
    ps.set_defaults(func=privacy_scan)
    pc = privacy.add_parser("concern", help="which lines on stdin would be held as a possible live concern",
                            description="Read lines from stdin; print LINE: held for each line the bot would hold "
                            "as a possible live worry about a child (content/concern_signals.yaml). The text is "
                            "not printed. Exit status 0 whether or not any is held.")
    pc.add_argument("--jsonl", action="store_true", help='one JSON object per input line: {"line": N, "held": true}')
    pc.set_defaults(func=privacy_concern)

    rep = commands.add_parser("report", help="the board's report on a briefing (from the running bot)")
    rep.add_argument("briefing", metavar="BRIEFING_ID")
    rep.add_argument("--format", choices=["md", "csv", "docx", "html"], default="md")
    rep.add_argument("--out", type=Path, help="file to write (default: standard output)")
    _client_options(rep)
    rep.set_defaults(func=report)

    exp = commands.add_parser("export", help="every response to a briefing (redacted), or every action teams "
                                             "agreed (--kind actions), as CSV")
    exp.add_argument("briefing", metavar="BRIEFING_ID")
    exp.add_argument("--kind", choices=["responses", "actions"], default="responses",
                     help="responses (default), or actions: what each team agreed, who, by when, how it went")
    exp.add_argument("--format", choices=["csv"], default="csv")
    exp.add_argument("--out", type=Path, help="file to write (default: standard output)")
    _client_options(exp)
    exp.set_defaults(func=export)

    pur = commands.add_parser("purge", help="delete responses, minutes, actions and the records of messages sent "
                                            "older than LEARNING_BOT_RETENTION_DAYS")
    pur.add_argument("--dry-run", action="store_true", help="say what would be deleted, delete nothing")
    _client_options(pur)
    pur.set_defaults(func=purge)

    db = commands.add_parser("db", help="the PostgreSQL database (LEARNING_BOT_DATABASE_URL)").add_subparsers(
        dest="db_command", required=True)
    up = db.add_parser("upgrade", help="bring the database's schema up to date (the bot also does at start)",
                       description="Apply the schema migrations the database has not had, in order. Never "
                       "destructive; safe to run while replicas are serving and to run again.")
    up.add_argument("--url", help="the database (default: LEARNING_BOT_DATABASE_URL)")
    up.set_defaults(func=db_upgrade)

    mig = commands.add_parser("migrate", help="copy the embedded store (a data directory) into PostgreSQL",
                              description="Copy teams, briefings, discussions, responses, minutes, actions, the "
                              "outbox, named values and the audit log from a data directory into a PostgreSQL "
                              "database, then check every record is there; prints the counts per kind. Stop the bot "
                              "first. Run again, it adds only what is missing and changes nothing already copied.")
    mig.add_argument("--from-data-dir", type=Path, required=True, metavar="DIR", help="the bot's data directory")
    mig.add_argument("--to", metavar="URL", help="the database (default: LEARNING_BOT_DATABASE_URL)")
    mig.add_argument("--verbose", action="store_true", help="print the counts as each part is copied")
    mig.set_defaults(func=migrate)

    pkg = commands.add_parser("app-package", help="write the Teams app package (manifest.json and icons in a zip)",
                              description="Write the zip to upload in Teams. The developer name and URLs come from "
                              "LEARNING_BOT_DEVELOPER_NAME, LEARNING_BOT_WEBSITE_URL, LEARNING_BOT_PRIVACY_URL and "
                              "LEARNING_BOT_TERMS_URL; the valid domain from LEARNING_BOT_PUBLIC_URL.")
    pkg.add_argument("--app-id", required=True, metavar="GUID", help="the bot's Microsoft Entra app id (MicrosoftAppId)")
    pkg.add_argument("--name", default="Safeguarding Learning",
                     help="the app's name in Teams, at most 30 characters (default %(default)s)")
    pkg.add_argument("--out", type=Path, default=Path("appPackage.zip"), help="the zip to write (default %(default)s)")
    pkg.set_defaults(func=app_package)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
