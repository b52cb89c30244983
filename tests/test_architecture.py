"""The packages' import graph stays layered, and each package writes only its own tables.

Read from the source (every import, also those inside functions), so a new package or a
new import is checked the moment it is written. The layers, top first: a package may
import from the layers below it, never from its own layer or one above.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest
from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parent.parent

LAYERS: list[set[str]] = [
    {"app.main", "app.cli", "app.models"},  # puts the application together
    {"workers"},  # runs jobs: the media and speech pipeline
    {"app.live"},  # watching a session together: the live channel
    {"app.sessions"},  # sparring sessions: plan, agenda, round, summary, learning points
    {"app.admin", "app.leader", "app.library"},  # pages over several features
    {"app.clips"},  # clips of a recording: what a team sees
    {"app.feedback"},  # feedback on a recording's moments, notifications
    {"app.transcripts"},
    {"app.sharing"},  # shares, and who may see a recording
    {"app.recordings"},  # the recording: upload, stored files, state
    {"app.retention", "app.jobs", "app.media", "app.criteria"},  # policy; jobs; ffprobe; rubric
    {"app.accounts"},
    {"app.audit"},
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


def foreign_table_writes(path: Path, owners: dict[str, str], root: Path = ROOT) -> list[str]:
    """Rows of another package's table made here (`Model(...)`), or changed or removed
    with `update(Model)`, `delete(Model)` or `insert(Model)`."""
    package = package_of(module_name(path, root))
    tree = ast.parse(path.read_text(), str(path))
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app.")
        for alias in node.names
        if alias.name in owners and owners[alias.name] != package
    }
    wrong = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        name = node.func.id
        target = None
        if name in imported:
            target = name
        elif name in WRITES and node.args and isinstance(node.args[0], ast.Name):
            target = node.args[0].id if node.args[0].id in imported else None
        if target:
            wrong.append(f"{path.relative_to(root)}:{node.lineno} writes {target}")
    return wrong


def test_each_package_writes_only_its_own_tables() -> None:
    owners = table_owners()
    assert {"Recording", "Job", "Share", "Transcript", "Consent"} <= set(owners)
    wrong = [hit for path in source_files() for hit in foreign_table_writes(path, owners)]
    assert wrong == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from app.recordings.models import Recording\nRecording(title='x')\n", 1),
        ("from app.recordings.models import Recording\nupdate(Recording).values()\n", 1),
        ("from app.recordings.models import Recording\nselect(Recording)\n", 0),
    ],
)
def test_the_table_check_sees_a_write(tmp_path: Path, source: str, expected: int) -> None:
    """The check itself: a write from another package is found, a read is not."""
    probe = tmp_path / "app" / "sharing" / "probe.py"
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
