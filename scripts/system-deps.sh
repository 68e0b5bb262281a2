#!/usr/bin/env bash
# Debian packages the test suite drives for real: Chromium (players), xmllint (DASH schema), nginx (the CDN), redis-server (queue, shared state) and a
# current ffmpeg as an HTTP client. Installs what is missing when run as root; otherwise says what to install.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
[ -x /usr/bin/ffmpeg ] || missing+=(ffmpeg)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
