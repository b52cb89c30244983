"""The audit chain: tampering is caught by the verify command; admins filter and export."""

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.admin import audit_view
from app.audit import chain
from app.audit import service as audit
from app.core.config import settings
from tests.support import ROOT
from tests.support.database import migrate as migrate_database
from tests.support.database import postgres_database


def migrate(url: str) -> None:
    """The real migrations, without the base users: these tests need only the log."""
    migrate_database(url, base_users=False)


@pytest.fixture
def fresh_sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    migrate(url)
    return url


@pytest.fixture
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own: this test breaks the chain on purpose."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'audit.db'}"
        migrate(url)
        yield url
        return
    with postgres_database("vs_audit", base_users=False) as url:
        yield url
        audit._writer_engines.pop(url, None)


def verify_command(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`videosparring audit-verify` in this process: (exit code, what it printed)."""
    from app.cli import main as cli

    previous = settings.database_url
    settings.database_url = url
    try:
        cli(["audit-verify"])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        settings.database_url = previous
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_verify_command_as_a_process(fresh_sqlite: str) -> None:
    write_entries(fresh_sqlite)
    env = {**os.environ, "SPARRING_DATABASE_URL": fresh_sqlite}
    command = [sys.executable, "-m", "app.cli", "audit-verify"]
    ok = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "5 entries, chain intact" in ok.stdout
    tamper(fresh_sqlite, "UPDATE auditentry SET ip = '127.0.0.1' WHERE seq = 1")
    broken = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert broken.returncode == 1 and "entry 1 was altered" in broken.stderr


def tamper(url: str, *statements: str) -> None:
    """What someone with full database access could do: lift the guard, then edit."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if url.startswith("sqlite"):
            conn.execute(text("DROP TRIGGER audit_no_update"))
            conn.execute(text("DROP TRIGGER audit_no_delete"))
        else:
            conn.execute(text("ALTER TABLE auditentry DISABLE TRIGGER audit_append_only"))
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def write_entries(url: str, count: int = 5) -> None:
    previous = settings.database_url
    settings.database_url = url
    try:
        for i in range(count):
            audit.record(
                action="view",
                actor_id=1,
                actor_email="sara@kommune.test",
                recording_id="abc123",
                detail=f"entry {i}",
                ip="10.0.0.7",
            )
    finally:
        settings.database_url = previous


TAMPERING = [
    (["UPDATE auditentry SET detail = 'nothing to see' WHERE seq = 3"], "entry 3 was altered"),
    (
        ["UPDATE auditentry SET actor_email = 'carl@kommune.test' WHERE seq = 2"],
        "entry 2 was altered",
    ),
    (["DELETE FROM auditentry WHERE seq = 3"], "entry 3 is missing"),
    (["DELETE FROM auditentry WHERE seq = 5"], "entries after 4 were removed"),
    (["UPDATE auditentry SET prev_hash = hash WHERE seq = 4"], "entry 4 does not follow"),
]
CASES = ["detail", "actor", "middle-removed", "last-removed", "relinked"]
# Every kind of tampering on SQLite; the two that differ most on PostgreSQL.
MATRIX = [("sqlite", case) for case in CASES] + [
    ("postgres", "detail"),
    ("postgres", "last-removed"),
]


@pytest.mark.parametrize(
    ("fresh_db", "case"), MATRIX, indirect=["fresh_db"], ids=[f"{b}-{c}" for b, c in MATRIX]
)
def test_verify_command_catches_tampering(
    fresh_db: str, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    statements, problem = TAMPERING[CASES.index(case)]
    write_entries(fresh_db)
    code, out = verify_command(fresh_db, capsys)
    assert code == 0 and "5 entries" in out

    tamper(fresh_db, *statements)

    code, out = verify_command(fresh_db, capsys)
    assert code == 1
    assert problem in out


def links(url: str) -> list[dict[str, object]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM auditentry ORDER BY seq")).mappings().all()
    engine.dispose()
    return [dict(row) for row in rows]


ATTACKS = [(b, a) for b in ("sqlite", "postgres") for a in ("truncate", "rewrite")]


@pytest.mark.parametrize(
    ("fresh_db", "attack"), ATTACKS, indirect=["fresh_db"], ids=[f"{b}-{a}" for b, a in ATTACKS]
)
def test_someone_who_can_write_to_the_database_cannot_hide_entries(
    fresh_db: str, attack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Remove the newest entries and fix the stored head, or rewrite the whole chain."""
    write_entries(fresh_db)
    rows = links(fresh_db)
    if attack == "truncate":
        tamper(
            fresh_db,
            "DELETE FROM auditentry WHERE seq > 3",
            f"UPDATE audithead SET seq = 3, hash = '{rows[2]['hash']}'",
        )
        problem = "entries after 3 were removed: the head file records entry 5"
    else:
        # Drop entry 2 and relink the rest with SHA-256, the way the chain used to be made.
        kept = [r for r in rows if r["seq"] != 2]
        statements = ["DELETE FROM auditentry"]
        prev = audit.GENESIS
        for seq, row in enumerate(kept, start=1):
            at = row["at"] if isinstance(row["at"], datetime) else datetime.fromisoformat(row["at"])
            entry = SimpleNamespace(**{**row, "seq": seq, "at": at})
            new_hash = chain.legacy_hash(prev, entry)  # type: ignore[arg-type]
            statements.append(
                "INSERT INTO auditentry (seq, at, actor_id, actor_email, action, recording_id,"
                f" detail, ip, prev_hash, hash) VALUES ({seq}, '{row['at']}', 1,"
                f" 'sara@kommune.test', 'view', 'abc123', '{row['detail']}', '10.0.0.7',"
                f" '{prev}', '{new_hash}')"
            )
            prev = new_hash
        statements.append(f"UPDATE audithead SET seq = {len(kept)}, hash = '{prev}'")
        tamper(fresh_db, *statements)
        problem = "entry 1 was altered"

    code, out = verify_command(fresh_db, capsys)
    assert code == 1, out
    assert problem in out


def test_an_emptied_log_is_caught(fresh_sqlite: str, capsys: pytest.CaptureFixture[str]) -> None:
    write_entries(fresh_sqlite)
    tamper(fresh_sqlite, "DELETE FROM auditentry", "DELETE FROM audithead")
    code, out = verify_command(fresh_sqlite, capsys)
    assert code == 1 and "the log is empty, but" in out


def test_the_head_file_is_private_and_follows_every_entry(fresh_sqlite: str) -> None:
    write_entries(fresh_sqlite, count=3)
    first = links(fresh_sqlite)[0]["hash"]
    path = chain.head_file(str(first))
    assert path.stat().st_mode & 0o777 == 0o600
    last = links(fresh_sqlite)[-1]
    assert chain.read_head(str(first)) == (3, last["hash"])
    assert path.read_text().splitlines()[-1] == f"3 {last['hash']}"


def test_several_processes_append_to_one_chain(fresh_sqlite: str, tmp_path: Path) -> None:
    """Writers in separate processes: the chain does not fork and the head file keeps up."""
    script = (
        "from app.audit import service\n"
        "for i in range(10): service.record(action='view', detail=f'process entry {i}')\n"
    )
    env = {**os.environ, "SPARRING_DATABASE_URL": fresh_sqlite}
    writers = [
        subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env) for _ in range(3)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    rows = links(fresh_sqlite)
    assert len(rows) == 30
    first = str(rows[0]["hash"])
    assert chain.read_head(first) == (30, rows[-1]["hash"])
    assert len(chain.head_file(first).read_text().splitlines()) == 30
    ok = subprocess.run(
        [sys.executable, "-m", "app.cli", "audit-verify"], cwd=ROOT, env=env, capture_output=True
    )
    assert ok.returncode == 0, ok.stderr


def test_a_log_written_before_the_key_is_tied_to_the_keyed_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A log as the upgrade of an earlier release left it: entries linked with plain SHA-256,
    then one keyed `chain_keyed` entry. It stays checkable; rewriting old entries shows."""
    from sqlalchemy import insert

    from app.audit.models import AuditEntry, AuditHead

    url = f"sqlite:///{tmp_path / 'before.db'}"
    migrate(url)
    written, prev = [], audit.GENESIS
    for seq in (1, 2, 3, 4):
        old = seq < 4
        entry = SimpleNamespace(
            seq=seq,
            at=datetime(2026, 11, 1, 9, seq, tzinfo=UTC),
            actor_id=1 if old else None,
            actor_email="sara@kommune.test" if old else None,
            action="view" if old else chain.KEYED_MARKER,
            recording_id="abc123" if old else None,
            detail=f"old {seq}" if old else "entries 1-3 were linked with plain SHA-256",
            ip="10.0.0.7" if old else None,
        )
        link = chain.legacy_hash if old else chain.keyed_hash
        written.append({**vars(entry), "prev_hash": prev, "hash": link(prev, entry)})  # type: ignore[arg-type]
        prev = written[-1]["hash"]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(AuditEntry), written)
        conn.execute(insert(AuditHead).values(id=1, seq=4, hash=prev))
    engine.dispose()
    chain.append_head(written[0]["hash"], 4, prev)
    write_entries(url, count=2)
    rows = links(url)
    assert [r["action"] for r in rows] == ["view"] * 3 + ["chain_keyed"] + ["view"] * 2
    code, out = verify_command(url, capsys)
    assert code == 0 and "6 entries" in out, out

    tamper(url, "UPDATE auditentry SET detail = 'nothing' WHERE seq = 2")
    code, out = verify_command(url, capsys)
    assert code == 1 and "entry 2 was altered" in out


def test_admin_filters_and_exports_the_log_as_csv(db: str, client: TestClient, client_for) -> None:  # type: ignore[no-untyped-def]
    client.get("/recordings")  # the caseworker's login is already in the log
    admin = client_for("administrator")
    page = admin.get("/admin/audit", params={"action": "login", "actor": "sara@"})
    assert page.status_code == 200
    assert (
        "sara@kommune.test" in page.text
        and "anna@kommune.test" not in page.text.split("<tbody>")[1]
    )
    assert "kæde er intakt" in page.text

    exported = admin.get("/admin/audit.csv", params={"action": "login"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and {r["hændelse som gemt"] for r in rows} == {"login"}
    assert {r["hvad"] for r in rows} == {"Log ind"}
    stored = {"nr.", "tid (Europe/Copenhagen)", "e-mail", "optagelsens id", "fra", "hash"}
    assert stored | {"forrige hash", "detaljer som gemt", "personens nummer"} <= set(rows[0])
    assert any(r["e-mail"] == "sara@kommune.test" for r in rows)
    # The export itself is logged.
    latest = admin.get("/admin/audit.csv", params={"action": "audit_export"}).text
    assert "audit_export" in latest and "anna@kommune.test" in latest

    assert admin.get("/admin/audit", params={"since": "not-a-date"}).status_code == 422
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_csv_cells_cannot_become_spreadsheet_formulas() -> None:
    entry = audit.AuditEntry(
        seq=1, action="login_failed", detail='=HYPERLINK("x")', prev_hash="0" * 64, hash="1" * 64
    )
    rows = [audit_view.AuditRow(entry, None, None, "Mislykket log ind", '=HYPERLINK("x")')]
    text_out = "".join(audit_view.to_csv(rows, "da"))
    assert "'=HYPERLINK" in text_out and '"=HYPERLINK' not in text_out
