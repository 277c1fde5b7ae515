#!/usr/bin/env bash
# Optional: installs the PyPI package `opensmile` (openSMILE 3.0.1's libSMILEapi and its configs)
# into a throwaway venv outside the clone, so the `smileapi` bridge can be tested for real and
# `egemaps` compared with openSMILE live. Prints the two environment variables to export; prints
# nothing when it cannot (no python3-venv, no registry): those tests then say they skipped.
set -uo pipefail
venv="${SERLAB_OPENSMILE_VENV:-$HOME/.cache/serlab-opensmile-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >/dev/null 2>&1 || exit 0
fi
if ! "$venv/bin/python" -c "import opensmile" >/dev/null 2>&1; then
    "$venv/bin/pip" install -q opensmile >/dev/null 2>&1 || exit 0
fi
core=$("$venv/bin/python" -c "import os, opensmile; print(os.path.join(os.path.dirname(opensmile.__file__), 'core'))" 2>/dev/null) || exit 0
lib=$(find "$core/bin" -name 'libSMILEapi.so' | head -n 1)
config="$core/config/egemaps/v02/eGeMAPSv02.conf"
[ -f "$lib" ] && [ -f "$config" ] || exit 0
echo "export SERLAB_SMILEAPI_LIB='$lib'"
echo "export SERLAB_SMILEAPI_CONFIG='$config'"
