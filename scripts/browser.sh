#!/usr/bin/env bash
# Print the paths of a headless-capable Chromium and its matching chromedriver (one a line), installing
# Debian's `chromium` and `chromium-driver` with apt when either is missing.
#   scripts/browser.sh          -> /usr/bin/chromium NEWLINE /usr/bin/chromedriver   (exit 0)
#   scripts/browser.sh --find   -> the same lookup, never installing (tests use this; bootstrap.sh installs)
# Exit 3 means "cannot install here" (no apt-get, or not root and no passwordless sudo): callers skip.
# Any other non-zero exit is a real failure (apt ran and broke) and should fail the caller.
# LAM_CHROMIUM=/path/to/chrome and LAM_CHROMEDRIVER=/path/to/chromedriver override the lookup.
set -euo pipefail
find_tool() {  # $1: the override's value, then the names to look for on PATH
  local override=$1; shift
  if [ -n "$override" ] && [ -x "$override" ]; then echo "$override"; return 0; fi
  for name in "$@"; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  return 1
}
find_browser() {
  local browser driver
  browser=$(find_tool "${LAM_CHROMIUM:-}" chromium chromium-browser google-chrome-stable google-chrome) &&
    driver=$(find_tool "${LAM_CHROMEDRIVER:-}" chromedriver) && printf '%s\n%s\n' "$browser" "$driver"
}
if find_browser; then exit 0; fi
override="set LAM_CHROMIUM=/path/to/chromium and LAM_CHROMEDRIVER=/path/to/chromedriver"
if [ "${1:-}" = "--find" ]; then
  echo "browser.sh: no chromium with chromedriver (scripts/bootstrap.sh installs them; or $override)" >&2; exit 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser.sh: no chromium with chromedriver and no apt-get to install them ($override)" >&2; exit 3
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"
else echo "browser.sh: no chromium with chromedriver; apt-get needs root (run: sudo apt-get install -y chromium chromium-driver)" >&2; exit 3
fi
echo "browser.sh: installing chromium and chromium-driver with apt-get (once)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq chromium chromium-driver >&2
find_browser || { echo "browser.sh: apt-get installed chromium and chromium-driver but no binaries were found" >&2; exit 1; }
