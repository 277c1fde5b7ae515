#!/usr/bin/env bash
# Installs the PyPI package `opensmile` (openSMILE 3.0.1's libSMILEapi and its configs) into a
# throwaway venv outside the clone, so the `smileapi` bridge can be tested for real and `egemaps`
# compared with openSMILE live. Prints the environment variables to export.
# Optional on a user's machine: when it cannot (no python3-venv, no registry) it prints nothing,
# says why on stderr and exits 0, and those tests say they skipped. Under CI=true it is required:
# it exits 1 with the reason, and .ci/run fails.
set -uo pipefail
venv="${SERLAB_OPENSMILE_VENV:-$HOME/.cache/serlab-opensmile-venv}"
required=false
case "${CI:-}" in true | 1) required=true ;; esac
give_up() {
    echo "serlab: openSMILE for the bridge tests is unavailable: $1" >&2
    if $required; then exit 1; fi
    exit 0
}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >/dev/null 2>&1 || give_up "python3 -m venv $venv failed (install python3-venv)"
fi
if ! "$venv/bin/python" -c "import opensmile" >/dev/null 2>&1; then
    "$venv/bin/pip" install -q opensmile >/dev/null 2>&1 || give_up "pip install opensmile failed (no registry?)"
fi
core=$("$venv/bin/python" -c "import os, opensmile; print(os.path.join(os.path.dirname(opensmile.__file__), 'core'))" 2>/dev/null) ||
    give_up "the opensmile package does not import"
lib=$(find "$core/bin" -name 'libSMILEapi.so' | head -n 1)
config="$core/config/egemaps/v02/eGeMAPSv02.conf"
[ -f "$lib" ] || give_up "no libSMILEapi.so under $core/bin"
[ -f "$config" ] || give_up "no $config"
echo "export SERLAB_SMILEAPI_LIB='$lib'"
echo "export SERLAB_SMILEAPI_CONFIG='$config'"
# The package's own Python: the tests run every config it ships through it and through the bridge.
echo "export SERLAB_OPENSMILE_PYTHON='$venv/bin/python'"
