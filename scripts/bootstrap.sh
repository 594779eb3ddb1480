#!/usr/bin/env bash
# Install everything lam-pipelines needs, once, into a cache outside the clone:
#   the Python venv (pinned by scripts/constraints.txt), the Maven-resolved jars and, where apt-get
#   may run, Debian's chromium and chromium-driver for the report's browser test (tests never install anything).
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
browser=0; "$repo/scripts/browser.sh" >/dev/null || browser=$?
[ "$browser" -eq 0 ] || [ "$browser" -eq 3 ]  # 3: cannot install here; the browser test then skips
echo "[bootstrap] ready: $venv"
