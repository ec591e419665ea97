#!/usr/bin/env bash
# Install the Debian packages the test suite needs, if any is missing: PostgreSQL (a throw-away server),
# Chromium and CJK fonts (browser tests), LibreOffice Writer and poppler (render the work report to PDF/PNG).
set -euo pipefail
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
installed fonts-noto-cjk || need+=(fonts-noto-cjk)
[ -x /usr/bin/soffice ] || [ -x /usr/bin/libreoffice ] || need+=(libreoffice-writer-nogui)
[ -x /usr/bin/pdftoppm ] || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
