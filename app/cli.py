"""`videosparring` command: migrate, serve, worker, users, audit and retention tasks."""

import argparse
import getpass
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def migrate(args: argparse.Namespace) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    command.upgrade(config, "head")


def prepare_model(args: argparse.Namespace) -> None:
    """Make the configured speech model ready (joins and checks the bundled base once)."""
    from app.core.config import settings
    from workers import speech

    try:
        print(f"Talemodel / speech model: {speech.resolve_model(settings)}")
    except speech.ModelUnavailable as exc:
        sys.exit(str(exc))


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
    )


def worker(args: argparse.Namespace) -> None:
    """A worker process, supervised: started again if it dies (`python -m workers`: bare)."""
    from workers.supervisor import main as supervised_worker

    supervised_worker()


def create_admin(args: argparse.Namespace) -> None:
    """The first administrator (later ones are made in the web app)."""
    from app.accounts import service
    from app.accounts.models import Role
    from app.audit import service as audit
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
    except VideosparringError as exc:
        sys.exit(exc.message())
    audit.record(action=audit.Action.user_created, detail=f"{email} administrator (cli)")
    print(f"Administrator {email} oprettet / created.")


DEMO_USERS = [
    ("admin@demo.local", "Demo Administrator", "administrator"),
    ("sagsbehandler@demo.local", "Sara Sagsbehandler", "caseworker"),
    ("supervisor@demo.local", "Søren Supervisor", "supervisor"),
    ("leder@demo.local", "Lene Leder", "leader"),
]


def demo_users(args: argparse.Namespace) -> None:
    """On an empty database, make one demo account per role; always print how to log in."""
    from sqlmodel import select

    from app.accounts import service
    from app.accounts.models import Role, User
    from app.core.config import settings
    from app.core.db import session_scope

    logins = settings.resolved_data_dir / "demo-logins.txt"
    with session_scope() as session:
        empty = session.exec(select(User).limit(1)).first() is None
        if empty:
            lines = []
            for email, name, role in DEMO_USERS:
                password = secrets.token_urlsafe(12)
                service.create_user(
                    session=session, email=email, name=name, role=Role(role), password=password
                )
                lines.append(f"{role:<14} {email:<28} {password}")
            logins.write_text("\n".join(lines) + "\n")
            logins.chmod(0o600)
    if logins.exists():
        print("Demo-logins (rolle, e-mail, adgangskode) / demo logins (role, e-mail, password):")
        print(logins.read_text(), end="")
        print(f"(gemt i / kept in {logins}; slet filen når demo-brugerne er slettet)")


def audit_verify(args: argparse.Namespace) -> None:
    """Check the audit log's keyed chain and its head file; exit 1 at what does not fit."""
    from app.audit import service
    from app.core.db import session_scope

    with session_scope() as session:
        result = service.verify(session=session)
    if result.ok:
        print(
            f"Audit log OK: {result.checked} entries, chain intact and its end matches the"
            " head file in the data folder."
        )
        return
    print(
        f"AUDIT LOG BROKEN after {result.checked} good entries: {result.problem}", file=sys.stderr
    )
    sys.exit(1)


def purge_expired(args: argparse.Namespace) -> None:
    """Delete recordings whose deletion date has come (the worker also does this)."""
    from app.recordings.housekeeping import purge_expired as purge

    deleted = purge()
    print(f"Deleted {len(deleted)} expired recordings.")


COMMANDS = {
    "migrate": migrate,
    "prepare-model": prepare_model,
    "serve": serve,
    "worker": worker,
    "create-admin": create_admin,
    "demo-users": demo_users,
    "audit-verify": audit_verify,
    "purge-expired": purge_expired,
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
    args = parser.parse_args(argv)
    COMMANDS[args.command](args)


if __name__ == "__main__":
    main()
