#!/usr/bin/env bash
# pmt's test suite from a fresh Debian bookworm machine: installs what is missing, builds,
# runs every Catch2 test through ctest (the summary line is ctest's).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
cd "${PMT_BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)"
