#!/usr/bin/env bash
# Install everything lam-pipelines needs, once, into a cache outside the clone:
#   the Python venv (pinned by scripts/constraints.txt) and the Maven-resolved jars.
# Re-running is cheap: each step is skipped while its inputs are unchanged.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="${LAM_HOME_DIR:-$HOME/.cache/lam-pipelines}"
venv="$home/venv"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3

stamp_of() { cat "$repo/pyproject.toml" "$repo/scripts/constraints.txt" | sha256sum | cut -c1-16; }
want="$(stamp_of)"
if [ ! -x "$venv/bin/python" ]; then
  echo "[bootstrap] creating venv in $venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q -U pip setuptools wheel
fi
if [ "$(cat "$venv/.lam-stamp" 2>/dev/null)" != "$want" ]; then
  echo "[bootstrap] installing Python packages (first run: several minutes, torch is large)"
  "$venv/bin/pip" install -q -c "$repo/scripts/constraints.txt" -e "$repo[airflow,bench,dev]"
  echo "$want" > "$venv/.lam-stamp"
elif ! "$venv/bin/python" -c "import lam_models" 2>/dev/null || \
     [ "$("$venv/bin/python" -c 'import lam_models,os;print(os.path.dirname(os.path.dirname(lam_models.__file__)))')" != "$repo" ]; then
  # same packages, another clone: point the editable install here (no dependency work)
  "$venv/bin/pip" install -q --no-deps -e "$repo"
fi
"$venv/bin/python" -m lam_models setup jars
echo "[bootstrap] ready: $venv"
