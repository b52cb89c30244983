"""One-off converter from the hand-made MESSAGES table to gettext catalogs (issue 8).

Re-runnable: a tree already converted is left as it is. Usage, from the repository root:

    .venv/bin/python scripts/i18n_convert.py [--table app/core/i18n.py] [--dry-run]

It reads the old table (every `{key: {"da": ..., "en": ...}}` dict literal in --table,
parsed, not imported), then
1. rewrites every template under templates/: `t("key", a=b)` -> `_("English %(a)s", a=b)`,
   `t("family." ~ expr, ...)` -> `label("family", expr, ...)`, `t(name)` -> `_(name)`;
2. rewrites every Python file under app/ and workers/: a string literal equal to a table
   key becomes `N_("English")`; as the first argument of a VideosparringError subclass it
   also keeps the key as the stable API code: `BadInput(N_("..."), code="key", ...)`. A
   literal given as `code=` stays the key;
3. writes app/core/labels.py: the families looked up by a value at run time (status,
   stage, role, ...) as `{family: {value: N_("English")}}`;
4. extracts app/locale/messages.pot and writes da/en messages.po from the table, keeping
   entries the .po files already have (hand-written plurals survive a re-run), and
   compiles the .mo files (scripts/i18n does steps 4's extract/update/compile later on).

Placeholders `{name}` become python-format `%(name)s`. What it cannot do is left for hand
edits: f-string keys (`f"mail.{purpose}.subject"`), keys built by concatenation, plurals.
"""

import argparse
import ast
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY_DIRS = ("app", "workers")
TEMPLATE_DIR = "templates"
LABELS_FILE = Path("app/core/labels.py")
LOCALE_DIR = Path("app/locale")
# Families the code looks up with a value known only at run time.
FAMILIES = (
    "audit.action",
    "role",
    "status",
    "stage",
    "speaker",
    "viewer",
    "link.title",
    "admin.link",
    "label",
    "invalid",
)
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def python_format(text: str) -> str:
    return PLACEHOLDER.sub(r"%(\1)s", text.replace("%", "%%"))


def load_table(path: Path) -> dict[str, tuple[str, str]]:
    """key -> (English, Danish), both in python-format."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    table: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict):
            continue
        for key, value in zip(node.keys, node.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            if not isinstance(value, ast.Dict):
                continue
            try:
                entry = ast.literal_eval(value)
            except ValueError:
                continue
            if isinstance(entry, dict) and {"da", "en"} <= set(entry):
                table[key.value] = (python_format(entry["en"]), python_format(entry["da"]))
    return table


def check_unique(table: dict[str, tuple[str, str]]) -> None:
    """One English text must have one Danish translation (else it would need a context)."""
    seen: dict[str, tuple[str, str]] = {}
    for key, (en, da) in table.items():
        if en in seen and seen[en][1] != da:
            sys.exit(f"{key} and {seen[en][0]}: same English {en!r}, different Danish")
        seen.setdefault(en, (key, da))


def literal(text: str) -> str:
    """A double-quoted Python/Jinja string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def py_literal(text: str, width: int = 60) -> str:
    """A Python literal; a long one as implicitly joined pieces so that lines stay short."""
    if len(text) <= width:
        return literal(text)
    pieces, current = [], ""
    for word in re.split(r"(?<=[ \n])", text):
        if current and len(current) + len(word) > width:
            pieces.append(current)
            current = ""
        current += word
    pieces.append(current)
    return " ".join(literal(piece) for piece in pieces)


# --- templates ---------------------------------------------------------------------------

T_CALL = re.compile(r"""\bt\(\s*(['"])([a-z0-9_.]+)\1\s*(~\s*)?""")


def convert_template(source: str, table: dict[str, tuple[str, str]]) -> tuple[str, list[str]]:
    problems: list[str] = []

    def replace(match: re.Match[str]) -> str:
        key, concat = match.group(2), match.group(3)
        if concat:
            family = key[:-1] if key.endswith(".") else None
            if family not in FAMILIES:
                problems.append(f"t({key!r} ~ ...): not a known family")
                return match.group(0)
            return f'label("{family}", '
        if key not in table:
            problems.append(f"t({key!r}): not in the table")
            return match.group(0)
        return "_(" + literal(table[key][0])

    out = T_CALL.sub(replace, source)
    out = re.sub(r"\bt\((\s*[A-Za-z_][\w.]*\s*)\)", r"_(\1)", out)
    return out, problems


# --- Python ------------------------------------------------------------------------------


def error_classes(files: list[Path]) -> set[str]:
    """VideosparringError and every class derived from it, wherever it lives now."""
    bases: dict[str, set[str]] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                names = {
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                }
                bases.setdefault(node.name, set()).update(names)
    found = {"VideosparringError"}
    changed = True
    while changed:
        changed = False
        for name, parents in bases.items():
            if name not in found and parents & found:
                found.add(name)
                changed = True
    return found


def convert_python(
    source: str, table: dict[str, tuple[str, str]], errors: set[str]
) -> tuple[str, bool]:
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    significant = [t for t in tokens if t.type not in (tokenize.NL, tokenize.COMMENT)]
    index = {id(t): i for i, t in enumerate(significant)}
    edits: list[tuple[tuple[int, int], tuple[int, int], str]] = []
    for token in tokens:
        if token.type != tokenize.STRING or token.string[:1] not in "\"'":
            continue
        try:
            value = ast.literal_eval(token.string)
        except (ValueError, SyntaxError):
            continue
        if not isinstance(value, str) or value not in table:
            continue
        i = index[id(token)]
        before = [t.string for t in significant[max(i - 2, 0) : i]]
        if before[-2:-1] == ["code"] and before[-1:] == ["="]:
            continue  # the stable API code stays the key
        if before[-1:] == ["["]:
            continue  # a subscript such as form["title"]
        after = [t.string for t in significant[i + 1 : i + 3]]
        if after == [",", "N_"]:
            continue  # ("code", N_("message")): a code beside its message
        text = "N_(" + py_literal(table[value][0]) + ")"
        if len(before) == 2 and before[1] == "(" and before[0] in errors:
            text += f', code="{value}"'
        edits.append((token.start, token.end, text))
    if not edits:
        return source, False
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    out = source
    for (srow, scol), (erow, ecol), text in reversed(edits):
        out = out[: starts[srow - 1] + scol] + text + out[starts[erow - 1] + ecol :]
    if not re.search(r"^from app\.core\.i18n import .*\bN_\b", out, re.M):
        out = add_import(out)
    return out, True


def add_import(source: str) -> str:
    """Add N_ to an existing `from app.core.i18n import ...`, or a new import line."""
    match = re.search(r"^from app\.core\.i18n import (.+)$", source, re.M)
    if match and "(" not in match.group(1):
        names = sorted({*(n.strip() for n in match.group(1).split(",")), "N_"})
        return source[: match.start(1)] + ", ".join(names) + source[match.end(1) :]
    tree = ast.parse(source)
    last = 0
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            last = node.end_lineno or last
        elif last:
            break
    lines = source.splitlines(keepends=True)
    lines.insert(last, "from app.core.i18n import N_\n")
    return "".join(lines)


# --- labels and catalogs -----------------------------------------------------------------


def write_labels(table: dict[str, tuple[str, str]]) -> str:
    out = [
        '"""Words the code looks up by a value known only at run time (a status, a role, ...).',
        "",
        "Written by scripts/i18n_convert.py from the old table; edit by hand from now on.",
        '"""',
        "",
        "from app.core.i18n import N_",
        "",
        "LABELS: dict[str, dict[str, str]] = {",
    ]
    for family in FAMILIES:
        out.append(f'    "{family}": {{')
        for key, (en, _da) in table.items():
            if key.startswith(family + "."):
                out.append(f'        "{key[len(family) + 1 :]}": N_({py_literal(en)}),')
        out.append("    },")
    out.append("}")
    return "\n".join(out) + "\n"


def write_catalogs(table: dict[str, tuple[str, str]]) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    subprocess.run(["bash", "scripts/i18n", "extract"], cwd=ROOT, check=True)
    danish = {en: da for en, da in table.values()}
    for lang in ("da", "en"):
        # Read afresh for each language: Catalog.update shares the template's messages.
        with open(ROOT / LOCALE_DIR / "messages.pot", "rb") as f:
            template = read_po(f)
        po_path = ROOT / LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
        if po_path.exists():
            with open(po_path, "rb") as f:
                catalog = read_po(f, locale=lang)
        else:
            po_path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, project="Videosparring", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        for message in catalog:
            if not message.id or message.string:
                continue
            if lang == "en":  # the English text is the msgid; plurals included
                message.string = message.id
            elif isinstance(message.id, tuple):
                continue  # Danish plurals: by hand
            elif message.id in danish:
                message.string = danish[message.id]
        catalog.obsolete.clear()
        with open(po_path, "wb") as f:
            write_po(f, catalog, width=100, omit_header=False, sort_output=True)
    subprocess.run(["bash", "scripts/i18n", "compile"], cwd=ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--table", default="app/core/i18n.py", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="say what would change")
    args = parser.parse_args()
    table = load_table(ROOT / args.table)
    if not table:
        sys.exit(f"no MESSAGES table in {args.table}: pass --table (git show OLD:path > file)")
    check_unique(table)
    problems: list[str] = []
    for path in sorted((ROOT / TEMPLATE_DIR).rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        out, found = convert_template(source, table)
        problems += [f"{path.relative_to(ROOT)}: {p}" for p in found]
        if out != source:
            print("template", path.relative_to(ROOT))
            if not args.dry_run:
                path.write_text(out, encoding="utf-8")
    files = [p for d in PY_DIRS for p in sorted((ROOT / d).rglob("*.py"))]
    errors = error_classes(files)
    table_file = (ROOT / args.table).resolve()
    for path in files:
        if path.resolve() in (table_file, (ROOT / LABELS_FILE).resolve()):
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"^def N_\(", source, re.M) or load_table(path):
            continue  # the module defining N_, or one still holding (part of) the table
        out, changed = convert_python(source, table, errors)
        if changed:
            print("python", path.relative_to(ROOT))
            if not args.dry_run:
                path.write_text(out, encoding="utf-8")
        for match in re.finditer(r"""f["']([a-z_]+(?:\.[a-z_]+)*)\.\{""", out):
            problems.append(f"{path.relative_to(ROOT)}: f-string key {match.group(0)}...")
    if args.dry_run:
        print("\n".join(problems))
        return
    (ROOT / LABELS_FILE).write_text(write_labels(table), encoding="utf-8")
    write_catalogs(table)
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run(
        [*ruff, "check", "--select", "I", "--fix", "-q", *PY_DIRS], cwd=ROOT, check=False
    )
    subprocess.run([*ruff, "format", "-q", *PY_DIRS], cwd=ROOT, check=False)
    print("\nLeft for hand edits:" if problems else "", *problems, sep="\n")


if __name__ == "__main__":
    main()
