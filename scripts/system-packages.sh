#!/usr/bin/env bash
# Installs the Debian packages the atlas needs when any is missing.
# As root it runs apt-get; otherwise it prints the one command to run and stops.
set -euo pipefail

packages=(python3-venv postgresql-15 postgresql-15-postgis-3 gdal-bin chromium fonts-noto-core redis-server nginx-light)
[ "${ATLAS_WITH_BENCH_TOOLS:-0}" = 1 ] && packages+=(wrk)
# Front-end assets come from npm; a machine with its own Node.js keeps it.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages. Run this once, then try again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
