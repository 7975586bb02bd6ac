#!/usr/bin/env bash
# Chromium for the Playwright journeys comes from Debian (Playwright's own browser download does not work
# here). Installs it, with CJK fonts so Chinese pages render, when it is missing and we may use apt-get.
set -euo pipefail
# The fonts matter as much as the browser: without them every Chinese character is a box in the journeys'
# screenshots, and the demo pictures' captions fall back to ASCII.
if [ -x /usr/bin/chromium ] && [ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
  echo "Chromium is missing: install Debian's 'chromium' package to run the browser tests." >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium fonts-noto-cjk
