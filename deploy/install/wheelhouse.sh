#!/bin/sh
# A folder a host without an index (or without a route to the server) installs from: the release wheel plus
# the wheels of every dependency of the given extras, for the target's platform. Run where pip can reach an
# index, copy the folder to the target, install there with `I5G_OFFLINE=1 deploy/install/venv.sh DIR EXTRAS`.
#   deploy/install/wheelhouse.sh WHEEL DIR EXTRAS [PLATFORM]
#   e.g. deploy/install/wheelhouse.sh dist/industrial5g-0.3.1-py3-none-any.whl release agent manylinux2014_aarch64
# PLATFORM: a pip platform tag (Raspberry Pi OS 64-bit: manylinux2014_aarch64); default: this machine's.
# Only binary wheels (--only-binary): a gateway then never compiles anything. Targets Python 3.11.
set -eu
wheel=$1
dir=$2
extras=$3
platform=${4:-}
mkdir -p "$dir"
cp "$wheel" "$dir/"
if [ -n "$platform" ]; then
    set -- --platform "$platform" --python-version 3.11 --implementation cp
else
    set --
fi
"${PYTHON:-python3}" -m pip download --quiet --dest "$dir" --only-binary=:all: "$@" "$wheel[$extras]"
echo "$dir: $(ls "$dir" | wc -l) files"
