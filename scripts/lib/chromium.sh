# Sourced by scripts/web-tests.sh: makes a headless Chromium available to the browser tests and
# exports PERISAI_CHROMIUM. Uses PERISAI_CHROMIUM when set; otherwise Debian's `chromium`,
# installed with apt-get when missing (root), or fails saying how.
ensure_chromium() {
  if [ -n "${PERISAI_CHROMIUM:-}" ] && [ -x "$PERISAI_CHROMIUM" ]; then
    echo "Chromium: using PERISAI_CHROMIUM=$PERISAI_CHROMIUM"
    return 0
  fi
  local found
  found=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
  if [ -z "$found" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Chromium: installing Debian's chromium package"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
      found=$(command -v chromium || true)
    fi
  fi
  if [ -z "$found" ]; then
    echo "Chromium is needed for the web app's tests: install it (Debian/Ubuntu: sudo apt-get install chromium)," >&2
    echo "or set PERISAI_CHROMIUM=/path/to/chrome" >&2
    return 1
  fi
  export PERISAI_CHROMIUM="$found"
  echo "Chromium: $("$found" --version 2>/dev/null | head -1)"
}
