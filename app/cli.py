"""`videosparring` command: migrate, serve, worker, prepare-model."""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def migrate() -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    command.upgrade(config, "head")


def prepare_model() -> None:
    """Make the configured speech model ready (joins and checks the bundled base once)."""
    from app.core.config import settings
    from workers import speech

    try:
        print(f"Talemodel / speech model: {speech.resolve_model(settings)}")
    except speech.ModelUnavailable as exc:
        sys.exit(str(exc))


def serve() -> None:
    import uvicorn

    uvicorn.run(
        "app.main:app",
        host=os.environ.get("SPARRING_HOST", "127.0.0.1"),
        port=int(os.environ.get("SPARRING_PORT", "8000")),
        proxy_headers=True,
    )


def worker() -> None:
    from workers.__main__ import main as worker_main

    worker_main()


COMMANDS = {"migrate": migrate, "prepare-model": prepare_model, "serve": serve, "worker": worker}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="videosparring")
    parser.add_argument("command", choices=sorted(COMMANDS))
    args = parser.parse_args(argv)
    COMMANDS[args.command]()


if __name__ == "__main__":
    main()
