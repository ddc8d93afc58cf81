#!/bin/sh
# Install the release wheel (not editable) with the given extras into $I5G_PREFIX/venv (default /opt/i5g/venv).
#   deploy/install/venv.sh RELEASE_DIR EXTRAS        e.g. deploy/install/venv.sh dist registry,collector
# RELEASE_DIR holds industrial5g-<version>-py3-none-any.whl (`make dist`). With I5G_OFFLINE=1 pip reads only
# RELEASE_DIR (the wheel plus its dependency wheels, made with `pip download`: docs/operations.md "Release").
set -eu
release=$1
extras=$2
venv="${I5G_PREFIX:-/opt/i5g}/venv"
wheel=$(ls "$release"/industrial5g-*-py3-none-any.whl | sort -V | tail -n 1)
python3 -m venv "$venv"
if [ "${I5G_OFFLINE:-0}" = 1 ]; then
    "$venv/bin/python" -m pip install --quiet --no-index --find-links "$release" "$wheel[$extras]"
else
    "$venv/bin/python" -m pip install --quiet --find-links "$release" "$wheel[$extras]"
fi
"$venv/bin/i5g" --version
