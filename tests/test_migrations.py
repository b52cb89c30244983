"""The migrations build exactly the schema the models describe, and undo cleanly."""

from alembic import command
from alembic.config import Config

from app.cli import ROOT
from app.core.config import settings


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


def test_schema_matches_models_and_round_trips(db: str) -> None:
    """On SQLite and PostgreSQL: no model change lacks a migration; down and up again work."""
    config = alembic_config()
    command.check(config)  # raises if autogenerate would find anything to add
    previous = settings.database_url
    try:
        command.downgrade(config, "base")
        command.upgrade(config, "head")
        command.check(config)
    finally:
        settings.database_url = previous
        from tests.conftest import _make_base_users

        _make_base_users(settings.sqlalchemy_url)
