#!/usr/bin/env bash
# Installs the Debian packages serlab needs to build and test (ALSA headers for rodio/cpal,
# pkg-config to find them, tmux for the terminal UI's end-to-end tests). As root it installs what
# is missing; otherwise it prints the command to run.
set -euo pipefail
packages=(pkg-config libasound2-dev tmux)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "serlab: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "serlab: missing system packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
