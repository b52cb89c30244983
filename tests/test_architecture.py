"""The packages' import graph stays layered, and each package writes only its own tables.

Read from the source (every import, also those inside functions), so a new package or a
new import is checked the moment it is written. The layers, top first: a package may
import from the layers below it, never from its own layer or one above.
"""

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest
from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parent.parent

LAYERS: list[set[str]] = [
    {"app.cli"},  # the server's commands (the demo's set-up fills the app's registries)
    {"app.moving"},  # copies a whole installation elsewhere: every table, every object
    {"app.backup"},  # backup and restore of the whole installation, encrypted
    {"app.main", "app.models"},  # puts the application together
    {"app.demo"},  # the demo content the start command makes, by the services and workers
    {"app.metrics"},  # Prometheus metrics: requests, and the state read at each scrape
    {"workers"},  # runs jobs: the media and speech pipeline
    {"app.live"},  # watching a session together: the live channel
    {"app.practice"},  # practice over time: scores page, calibration, one's own page
    {"app.sessions"},  # sparring sessions: plan, agenda, round, summary, learning points
    {"app.health"},  # liveness and readiness: database, queue, store, disk, workers
    {"app.admin", "app.leader", "app.library", "app.uploads"},  # over several features;
    # resumable uploads and recording in the browser, made into recordings
    {"app.selfassessment"},  # the caseworkers' anonymous self-assessment over time
    {"app.clips"},  # clips of a recording: what a team sees
    {"app.player"},  # the player with its side pane, for any feedback target
    {"app.feedback"},  # feedback in a target (recording, clip, session), notifications
    {"app.scores"},  # scores on the criteria: sheets, who sees them, agreement, figures
    {"app.childvoice"},  # the child's own rating of a conversation, on a held page
    {"app.insight"},  # who speaks, the adult's question types, the conversation's figures
    {"app.transcripts"},
    {"app.access"},  # who sees what: the subject's rule, shares of recordings and clips
    {"app.recordings"},  # the recording: upload, stored files, state
    {"app.retention", "app.jobs", "app.media", "app.criteria"},  # policy; jobs; ffprobe; rubric
    {"app.identity"},  # sign-in through the municipality's identity provider (OpenID Connect)
    {"app.accounts"},
    {"app.audit"},
    {"app.journal"},  # the deletion journal a restore replays: ids only
    {"app.privacy"},  # what identifies a person in text, hidden: pure, for any package
    {"app.core"},  # settings, database, errors, security: no feature
]
LAYER_OF = {package: depth for depth, layer in enumerate(LAYERS) for package in layer}


def package_of(module: str) -> str:
    """`app.recordings.service` -> `app.recordings`; `workers.tasks` -> `workers`."""
    parts = module.split(".")
    if parts[0] == "app" and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path = ROOT) -> list[Path]:
    return sorted([*(root / "app").rglob("*.py"), *(root / "workers").rglob("*.py")])


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import of app or workers code in the file."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: use absolute imports"
            base = node.module or ""
            # `from app import recordings` names a package, not a symbol of `app`.
            if base in ("app", "workers"):
                found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, base))
    return [(line, name) for line, name in found if name.split(".")[0] in ("app", "workers")]


def package_imports(root: Path = ROOT) -> dict[tuple[str, str], list[str]]:
    """(importer, imported) package pairs, with where each import is."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in source_files(root):
        importer = package_of(module_name(path, root))
        for line, name in imported_modules(path):
            imported = package_of(name)
            if imported != importer:
                edges[importer, imported].append(f"{path.relative_to(root)}:{line}")
    return edges


def test_every_package_has_a_layer() -> None:
    packages = {package_of(module_name(path)) for path in source_files()} - {"app"}
    assert packages - set(LAYER_OF) == set(), "place the new package in LAYERS"


def test_packages_import_only_from_layers_below() -> None:
    wrong = [
        f"{importer} -> {imported} ({', '.join(places)})"
        for (importer, imported), places in sorted(package_imports().items())
        if LAYER_OF.get(importer, -1) >= LAYER_OF.get(imported, len(LAYERS))
    ]
    assert wrong == []


def test_no_import_cycles_between_packages() -> None:
    """Implied by the layers, checked on its own so a failure names the cycle."""
    graph: dict[str, set[str]] = defaultdict(set)
    for importer, imported in package_imports():
        graph[importer].add(imported)

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return [*path, start]
                if nxt not in path:
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [cycle for package in sorted(graph) if (cycle := cycle_from(package))]
    assert cycles == []


def table_owners() -> dict[str, str]:
    """Table model class name -> the package that defines it."""
    import app.models  # noqa: F401  (registers every table)

    owners: dict[str, str] = {}
    for mapper in SQLModel._sa_registry.mappers:  # type: ignore[attr-defined]
        cls = mapper.class_
        owners[cls.__name__] = package_of(cls.__module__)
    return owners


WRITES = {"update", "delete", "insert"}
SQL_WRITE = re.compile(r"^\s*(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


class ForeignWrites(ast.NodeVisitor):
    """Finds, in one file, every way it writes a table another package owns:
    `Model(...)`, `alias.Model(...)` (a module imported under a name), `update(Model)` /
    `sa.update(Model)` / `upd(Model)` (update, delete or insert however imported), an
    attribute set on a row of that table (`row.attr = …`, the row being a parameter or a
    variable typed or loaded as one), and raw SQL (`text("UPDATE table …")`)."""

    def __init__(self, package: str, owners: dict[str, str], tables: dict[str, str]) -> None:
        self.package, self.owners, self.tables = package, owners, tables
        self.classes: set[str] = set()  # foreign models, by the name used here
        self.modules: dict[str, str] = {}  # local name -> module that defines models
        self.writers: set[str] = {*WRITES}  # names that mean update/delete/insert here
        self.rows: list[set[str]] = [set()]  # names holding a foreign row, per function
        self.found: list[tuple[int, str]] = []

    def foreign(self, name: str) -> bool:
        return name in self.owners and self.owners[name] != self.package

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            local = alias.asname or alias.name
            if node.module and node.module.startswith("app.") and self.foreign(alias.name):
                self.classes.add(local)
            elif node.module and node.module.startswith("app.") and alias.name == "models":
                self.modules[local] = f"{node.module}.models"
            elif alias.name in WRITES:  # from sqlalchemy import update as upd
                self.writers.add(local)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.startswith("app.") and alias.asname:
                self.modules[alias.asname] = alias.name

    def model_named(self, node: ast.expr) -> str | None:
        """The foreign model an expression names: `Model`, `alias.Model`, `Model | None`."""
        if isinstance(node, ast.Name) and node.id in self.classes:
            return node.id
        module = (
            node.value.id
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            else None
        )
        if isinstance(node, ast.Attribute) and module in self.modules and self.foreign(node.attr):
            return node.attr
        if isinstance(node, ast.BinOp):  # Model | None
            return self.model_named(node.left) or self.model_named(node.right)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value if node.value in self.classes else None
        return None

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        rows = {
            arg.arg
            for arg in [*node.args.args, *node.args.kwonlyargs]
            if arg.annotation is not None and self.model_named(arg.annotation)
        }
        self.rows.append(rows)
        self.generic_visit(node)
        self.rows.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def loads_row(self, value: ast.expr | None) -> bool:
        """`session.get(Model, …)` or `Model(...)`."""
        if not isinstance(value, ast.Call):
            return False
        if self.model_named(value.func):
            return True
        is_get = isinstance(value.func, ast.Attribute) and value.func.attr == "get"
        return is_get and bool(value.args) and self.model_named(value.args[0]) is not None

    def visit_Assign(self, node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        annotation = getattr(node, "annotation", None)
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                if target.value.id in self.rows[-1]:
                    self.found.append((node.lineno, f"a row's {target.attr}"))
            elif isinstance(target, ast.Name) and (
                self.loads_row(node.value) or (annotation and self.model_named(annotation))
            ):
                self.rows[-1].add(target.id)
        self.generic_visit(node)

    visit_AnnAssign = visit_Assign
    visit_AugAssign = visit_Assign

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        made = self.model_named(func)
        if made:
            self.found.append((node.lineno, made))
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in self.writers and node.args:
            target = self.model_named(node.args[0])
            if target:
                self.found.append((node.lineno, target))
        if name == "text" and node.args and isinstance(node.args[0], ast.Constant):
            sql = SQL_WRITE.match(str(node.args[0].value))
            owner = self.tables.get(sql.group(1).lower()) if sql else None
            if owner and owner != self.package:
                self.found.append((node.lineno, f"table {sql.group(1)}"))  # type: ignore[union-attr]
        self.generic_visit(node)


def table_names() -> dict[str, str]:
    """Table name -> the package that defines it."""
    import app.models  # noqa: F401  (registers every table)

    return {
        mapper.class_.__tablename__: package_of(mapper.class_.__module__)
        for mapper in SQLModel._sa_registry.mappers  # type: ignore[attr-defined]
    }


def foreign_table_writes(path: Path, owners: dict[str, str], root: Path = ROOT) -> list[str]:
    """Every write of another package's table in the file (see ForeignWrites)."""
    package = package_of(module_name(path, root))
    visitor = ForeignWrites(package, owners, table_names())
    visitor.visit(ast.parse(path.read_text(), str(path)))
    return [f"{path.relative_to(root)}:{line} writes {what}" for line, what in visitor.found]


def test_each_package_writes_only_its_own_tables() -> None:
    owners = table_owners()
    assert {"Recording", "Job", "Share", "Transcript", "Consent"} <= set(owners)
    wrong = [hit for path in source_files() for hit in foreign_table_writes(path, owners)]
    assert wrong == []


RECORDING = "from app.recordings.models import Recording\n"


@pytest.mark.parametrize(
    "source, expected",
    [
        (RECORDING + "Recording(title='x')\n", 1),
        ("from app.recordings import models as rm\nrm.Recording(title='x')\n", 1),
        ("import app.recordings.models as rm\nrm.Recording(title='x')\n", 1),
        (RECORDING + "update(Recording).values()\n", 1),
        (RECORDING + "import sqlalchemy as sa\nsa.update(Recording).values()\n", 1),
        (RECORDING + "from sqlalchemy import delete as gone\ngone(Recording)\n", 1),
        (RECORDING + "def f(r: Recording, s):\n    r.title = 'x'\n    s.add(r)\n", 1),
        (RECORDING + "def f(s):\n    r = s.get(Recording, '1')\n    r.title = 'x'\n", 1),
        (RECORDING + "def f(r: Recording | None):\n    r.title += 'x'\n", 1),
        ("from sqlalchemy import text\ntext('UPDATE recording SET title = 1')\n", 1),
        ("from sqlalchemy import text\ntext('delete from \"recording\"')\n", 1),
        # Reads are not writes.
        (RECORDING + "select(Recording)\n", 0),
        (RECORDING + "def f(r: Recording):\n    return r.title\n", 0),
        ("from sqlalchemy import text\ntext('SELECT 1 FROM recording')\n", 0),
    ],
)
def test_the_table_check_sees_a_write(tmp_path: Path, source: str, expected: int) -> None:
    """The check itself: a write from another package is found in each of its forms, a read
    is not."""
    probe = tmp_path / "app" / "access" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text(source)
    assert len(foreign_table_writes(probe, table_owners(), root=tmp_path)) == expected


def test_the_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The check itself: an import from a higher layer is found, in either spelling."""
    (tmp_path / "app" / "core").mkdir(parents=True)
    (tmp_path / "app" / "core" / "probe.py").write_text("from app.recordings import service\n")
    (tmp_path / "workers").mkdir()
    (tmp_path / "workers" / "probe.py").write_text("def f():\n    from app import main\n")
    edges = package_imports(tmp_path)
    assert {("app.core", "app.recordings"), ("workers", "app.main")} <= set(edges)
