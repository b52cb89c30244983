"""`videosparring` command: migrate, serve, worker, users, audit and retention tasks,
moving an embedded installation to PostgreSQL and object storage, and question types."""

import argparse
import getpass
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def migrate(args: argparse.Namespace) -> None:
    """The database at the newest schema. A new one starts with today's default rubric (the
    baseline migration seeds that of its own release; later migrations leave a rubric be)."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    from app.core.db import get_engine, session_scope
    from app.criteria import offer
    from app.media import store as media_store

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    with get_engine().connect() as connection:
        new = MigrationContext.configure(connection).get_current_revision() is None
    command.upgrade(config, "head")
    media_store.current().prepare()  # the bucket, on a new installation with object storage
    if new:
        with session_scope() as session:
            offer.install(session=session)


def prepare_model(args: argparse.Namespace) -> None:
    """Make the configured speech model ready (joins and checks the bundled base once)."""
    from app.core.config import settings
    from workers import speech

    try:
        print(f"Talemodel / speech model: {speech.resolve_model(settings)}")
    except speech.ModelUnavailable as exc:
        sys.exit(str(exc))


def model(args: argparse.Namespace) -> None:
    """Speech models: `check` a CTranslate2 Whisper folder on the samples kept with the code,
    `install` one into the data folder after that check, `list` what each language gets."""
    from app.core.config import settings
    from workers import model_check

    overrides = {"device": args.device, "compute_type": args.compute_type}
    chosen = settings.model_copy(
        update={f"whisper_{key}": value for key, value in overrides.items() if value}
    )
    try:
        if args.action == "check":
            model_check.check(chosen, args.model)
        elif args.action == "install":
            model_check.install(chosen, Path(args.source), args.name, args.replace)
        else:
            model_check.list_models(chosen)
    except model_check.CheckFailed as exc:
        sys.exit(f"  FEJL / FAILED  {exc}")


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app.core.config import settings

    # Proxy headers (X-Forwarded-For, -Proto) only from the proxies the setting names:
    # anyone else could write them to pass for another address.
    proxies = ",".join(p.strip() for p in settings.trusted_proxies.split(",") if p.strip())
    uvicorn.run(
        "app.main:app",
        host=os.environ.get("SPARRING_HOST", "127.0.0.1"),
        port=int(os.environ.get("SPARRING_PORT", "8000")),
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or "",
        server_header=False,
        log_config=None,  # `main` set logging up (app.core.logs)
        access_log=False,  # its lines hold the query string: app.core.requests logs each request
    )


def worker(args: argparse.Namespace) -> None:
    """A worker process, supervised: started again if it dies (`python -m workers`: bare)."""
    from workers.supervisor import main as supervised_worker

    supervised_worker()


def create_admin(args: argparse.Namespace) -> None:
    """The first administrator (later ones are made in the web app). It ends demo mode: the
    demo accounts go with everything they made, and the file of their passwords."""
    from app.accounts import service
    from app.accounts.models import Role
    from app.admin import actions
    from app.admin import service as admin_service
    from app.audit.service import Action, audit_on_commit
    from app.core.config import settings
    from app.core.db import session_scope
    from app.core.errors import VideosparringError

    password = (
        args.password
        or os.environ.get("SPARRING_ADMIN_PASSWORD")
        or getpass.getpass("Adgangskode / password: ")
    )
    try:
        with session_scope() as session:
            user = service.create_user(
                session=session,
                email=args.email,
                name=args.name,
                role=Role.administrator,
                password=password,
            )
            email = user.email
            detail = f"{email} administrator (cli)"
            audit_on_commit(session, actions.SERVER, Action.user_created, detail=detail)
            removed = admin_service.end_demo(session=session)
            for demo_email, recordings in removed.items():
                for recording_id in recordings:
                    audit_on_commit(
                        session, actions.SERVER, Action.delete, recording_id, "demo ended"
                    )
                audit_on_commit(session, actions.SERVER, Action.user_deleted, detail=demo_email)
            if removed:
                audit_on_commit(session, actions.SERVER, Action.demo_ended)
    except VideosparringError as exc:
        sys.exit(exc.message())
    (settings.resolved_data_dir / DEMO_LOGINS).unlink(missing_ok=True)
    print(f"Administrator {email} oprettet / created.")
    if removed:
        print("Demo-tilstand slut: demo-brugerne og deres data er slettet / demo mode ended.")
    print(
        "Ved første login sættes en anden faktor op (autentificeringsapp) / "
        "at the first login, a second factor (authenticator app) is set up."
    )


DEMO_LOGINS = "demo-logins.txt"
DEMO_USERS = [
    ("admin@demo.local", "Demo Administrator", "administrator"),
    ("sagsbehandler@demo.local", "Sara Sagsbehandler", "caseworker"),
    ("kasper@demo.local", "Kasper Kollega", "caseworker"),
    ("supervisor@demo.local", "Søren Supervisor", "supervisor"),
    ("leder@demo.local", "Lene Leder", "leader"),
]


def demo_users(args: argparse.Namespace) -> None:
    """On an empty database, make the demo accounts (one per role, two caseworkers) with
    the demo content (app.demo: a team, a ready recording with feedback, a clip, a planned
    team session) and turn demo mode on (the only place that does), all in one
    transaction; always print how to log in while demo mode lasts."""
    from sqlmodel import select

    from app.accounts import demo, service
    from app.accounts.models import Role, User
    from app.core.config import settings
    from app.core.db import session_scope
    from app.demo import content
    from app.main import register

    register()  # the demo's shares and invitations notify people as the web app's do

    logins = settings.resolved_data_dir / DEMO_LOGINS
    with session_scope() as session:
        empty = session.exec(select(User).limit(1)).first() is None
        if empty:
            lines = []
            made = {}
            for email, name, role in DEMO_USERS:
                password = secrets.token_urlsafe(12)
                user = service.create_user(
                    session=session, email=email, name=name, role=Role(role), password=password
                )
                user.demo = True
                made[email] = user
                lines.append(f"{role:<14} {email:<28} {password}")
            session.flush()
            content.make(session=session, users=made)
            demo.turn_on(session)
            logins.write_text("\n".join(lines) + "\n")
            logins.chmod(0o600)
        on = demo.is_on(session)
    if on and logins.exists():
        print("Demo-logins (rolle, e-mail, adgangskode) / demo logins (role, e-mail, password):")
        print(logins.read_text(), end="")
        print(
            f"(gemt i / kept in {logins}; demo-tilstand: ingen anden faktor. "
            "`videosparring create-admin` afslutter den / ends demo mode)"
        )


def second_factor(args: argparse.Namespace) -> None:
    """A lost authenticator where there are fewer than three administrators: the removal
    one administrator proposed is approved here, on the server (`list`, `approve ID`)."""
    from app.accounts import removal as removal_rule
    from app.accounts.models import User
    from app.admin import actions
    from app.core.config import settings
    from app.core.db import session_scope
    from app.core.errors import VideosparringError

    try:
        with session_scope() as session:
            if args.action == "list":
                for removal in removal_rule.open_removals(session=session):
                    person = session.get(User, removal.user_id)
                    proposer = session.get(User, removal.proposed_by_id or 0)
                    print(
                        f"{removal.id}\t{person.email if person else removal.user_id}\t"
                        f"proposed by {proposer.email if proposer else '?'} "
                        f"{removal.proposed_at:%Y-%m-%d %H:%M} UTC"
                    )
                return
            if args.id is None:
                sys.exit("videosparring second-factor approve ID")
            user = actions.approve_second_factor_removal(
                session=session, admin=None, removal_id=args.id, lang=settings.default_language
            )
            email = user.email
    except VideosparringError as exc:
        sys.exit(exc.message())
    print(f"Anden faktor fjernet for / second factor removed for {email}.")


def audit_verify(args: argparse.Namespace) -> None:
    """Check the audit log's keyed chain and its head file; exit 1 at what does not fit."""
    from app.audit import service
    from app.core.db import session_scope

    with session_scope() as session:
        result = service.verify(session=session)
    if result.ok:
        print(
            f"Audit log OK: {result.checked} entries, chain intact, its end matches the"
            " head file in the data folder, and every viewing has its entry."
        )
        return
    print(
        f"AUDIT LOG BROKEN after {result.checked} good entries: {result.problem}", file=sys.stderr
    )
    sys.exit(1)


def move_installation(args: argparse.Namespace) -> None:
    """Copy this embedded installation (SQLite, the data folder's media) to PostgreSQL and an
    S3 bucket, check every table's count, every object's SHA-256 and the audit chain there,
    and say which settings to change. The secrets come from the environment or a prompt,
    never from an argument (the shell's history keeps those)."""
    from app.moving import service, summary

    database = args.to_database or os.environ.get("SPARRING_MOVE_DATABASE_URL", "")
    if not database:
        sys.exit("Give --to-database postgresql+psycopg://… (or SPARRING_MOVE_DATABASE_URL).")
    target = service.Target(
        database_url=database,
        s3_endpoint=args.to_s3_endpoint,
        s3_bucket=args.to_s3_bucket,
        s3_region=args.to_s3_region,
        s3_access_key=args.to_s3_access_key,
        s3_secret_key=os.environ.get("SPARRING_MOVE_S3_SECRET_KEY")
        or getpass.getpass("S3 secret key: "),
    )
    try:
        moved = service.move(target=target, say=print)
    except service.MoveFailed as exc:
        sys.exit(f"MOVE FAILED: {exc}")
    print("\n".join(summary.lines(moved, target)))


def purge_expired(args: argparse.Namespace) -> None:
    """Delete recordings whose deletion date has come (the worker also does this)."""
    from app.recordings.housekeeping import purge_expired as purge
    from app.sessions import retention as session_retention

    deleted = purge()
    print(f"Deleted {len(deleted)} expired recordings.")
    reflections = session_retention.purge_expired()
    print(f"Deleted {len(reflections)} joint reflections past their time.")


def questions(args: argparse.Namespace) -> None:
    """`questions classify`: one adult utterance a line on stdin, or the child's turn before
    it, a tab, and the utterance; one question type a line on stdout, in the same order."""
    import io

    from app.insight.questions import classify

    lines = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    for line in lines:
        child_before, _, utterance = line.rstrip("\r\n").rpartition("\t")
        print(classify(utterance, lang=args.lang, child_before=child_before or None), flush=True)


def backup(args: argparse.Namespace) -> None:
    """`backup DEST --key-file KEY`: the database and every media object, encrypted."""
    from app.backup import crypto
    from app.backup import service as backups

    key = crypto.read_key(Path(args.key_file))
    try:
        made = backups.backup(Path(args.destination), key)
    except backups.BackupFailed as exc:
        sys.exit(f"No backup was made: {exc}")
    print(f"Backup made: {made}")


def restore(args: argparse.Namespace) -> None:
    """`restore SRC --key-file KEY [--journal FILE]`: into an installation without
    recordings; every byte is checked first, and later deletions are made again."""
    from app.backup import crypto
    from app.backup import service as backups

    key = crypto.read_key(Path(args.key_file))
    try:
        done = backups.restore(Path(args.source), key, Path(args.journal) if args.journal else None)
    except (crypto.Damaged, backups.NotEmpty) as exc:
        sys.exit(f"Nothing was restored: {exc}")
    print(
        f"Restored the backup of {done.made_at}: {done.recordings} recordings, "
        f"{done.objects} media objects; {len(done.replayed)} later deletions made again."
    )


def backup_key(args: argparse.Namespace) -> None:
    """`backup-key FILE`: a new random key, kept apart from the backups."""
    from app.backup import crypto

    crypto.new_key_file(Path(args.path))
    print(f"A new backup key is in {args.path}. Keep it apart from the backups.")


COMMANDS = {
    "migrate": migrate,
    "prepare-model": prepare_model,
    "model": model,
    "serve": serve,
    "worker": worker,
    "create-admin": create_admin,
    "demo-users": demo_users,
    "second-factor": second_factor,
    "audit-verify": audit_verify,
    "purge-expired": purge_expired,
    "move-installation": move_installation,
    "questions": questions,
    "backup": backup,
    "restore": restore,
    "backup-key": backup_key,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="videosparring")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        command = sub.add_parser(name)
        if name == "create-admin":
            command.add_argument("--email", required=True)
            command.add_argument("--name", default="Administrator")
            command.add_argument("--password", help="or SPARRING_ADMIN_PASSWORD, or a prompt")
        if name == "move-installation":
            command.add_argument(
                "--to-database",
                metavar="URL",
                help="an empty PostgreSQL database, postgresql+psycopg://user@host/name (a URL "
                "with a password: in SPARRING_MOVE_DATABASE_URL instead)",
            )
            command.add_argument("--to-s3-endpoint", metavar="URL", default="", help="none: AWS")
            command.add_argument("--to-s3-bucket", metavar="NAME", required=True)
            command.add_argument("--to-s3-region", metavar="REGION", default="us-east-1")
            command.add_argument(
                "--to-s3-access-key",
                metavar="KEY",
                required=True,
                help="(the secret key: from SPARRING_MOVE_S3_SECRET_KEY, or asked for)",
            )
        if name == "model":
            actions = command.add_subparsers(dest="action", required=True)
            check = actions.add_parser("check", help="check a model on the samples")
            check.add_argument("model", metavar="PATH_OR_NAME")
            install = actions.add_parser("install", help="check, then copy to the data folder")
            install.add_argument("source", metavar="SOURCE_DIR")
            install.add_argument("--name", required=True, help="e.g. hviske-v2-int8")
            install.add_argument("--replace", action="store_true", help="over an installed one")
            listing = actions.add_parser("list", help="models by language; installed models")
            for each in (check, install, listing):
                each.add_argument("--device", choices=["cpu", "cuda", "auto"])
                each.add_argument("--compute-type", metavar="TYPE", help="int8, int8_float16, …")
        if name == "questions":
            from app.insight.questions import LANGUAGES

            actions = command.add_subparsers(dest="action", required=True)
            classify = actions.add_parser(
                "classify", help="question types of the adult's utterances, one a line on stdin"
            )
            classify.add_argument("--lang", required=True, choices=LANGUAGES)
        if name == "backup":
            command.add_argument("destination", metavar="DEST")
            command.add_argument("--key-file", required=True, metavar="KEY")
        if name == "restore":
            command.add_argument("source", metavar="SRC", help="a backup's folder")
            command.add_argument("--key-file", required=True, metavar="KEY")
            command.add_argument("--journal", metavar="FILE", help="default: as configured")
        if name == "backup-key":
            command.add_argument("path", metavar="FILE")
        if name == "second-factor":
            command.add_argument("action", choices=["list", "approve"])
            command.add_argument("id", type=int, nargs="?")
    args = parser.parse_args(argv)
    from app.core import logs

    logs.configure()
    COMMANDS[args.command](args)


if __name__ == "__main__":
    main()
