#!/usr/bin/env bash
# Installs what Zoetrope needs from Debian/Ubuntu packages when it is missing, and checks for Swift.
# Safe to run again: it installs nothing that is already there.
set -euo pipefail

packages=(libdnnl-dev ffmpeg)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
        [ -x "$candidate/swift" ] && export PATH="$candidate:$PATH" && break
    done
fi
command -v swift >/dev/null 2>&1 || {
    echo "setup: no Swift toolchain found: install Swift 6 (swift.org/install) and put it on PATH" >&2
    exit 1
}
