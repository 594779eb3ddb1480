#!/usr/bin/env bash
# Print the path of a headless-capable Chromium, installing Debian's `chromium` with apt when missing.
#   scripts/browser.sh          -> /usr/bin/chromium   (exit 0)
#   scripts/browser.sh --find   -> the same lookup, never installing (tests use this; bootstrap.sh installs)
# Exit 3 means "cannot install here" (no apt-get, or not root and no passwordless sudo): callers skip.
# Any other non-zero exit is a real failure (apt ran and broke) and should fail the caller.
# LAM_CHROMIUM=/path/to/chrome overrides the lookup.
set -euo pipefail
find_browser() {
  if [ -n "${LAM_CHROMIUM:-}" ] && [ -x "${LAM_CHROMIUM}" ]; then echo "$LAM_CHROMIUM"; return 0; fi
  for name in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  return 1
}
if find_browser; then exit 0; fi
if [ "${1:-}" = "--find" ]; then
  echo "browser.sh: no chromium (scripts/bootstrap.sh installs it; or set LAM_CHROMIUM=/path/to/chromium)" >&2; exit 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser.sh: no chromium and no apt-get to install it (set LAM_CHROMIUM=/path/to/chromium)" >&2; exit 3
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"
else echo "browser.sh: no chromium; apt-get needs root (run: sudo apt-get install -y chromium)" >&2; exit 3
fi
echo "browser.sh: installing chromium with apt-get (once)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq chromium >&2
find_browser || { echo "browser.sh: apt-get installed chromium but no binary was found" >&2; exit 1; }
