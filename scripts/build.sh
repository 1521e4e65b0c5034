#!/usr/bin/env bash
# Configures and builds pmt into ${PMT_BUILD_DIR:-build} (Release, all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${PMT_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release "$@" >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log" >&2; exit 1; }
rm -f "$build.configure.log"
cmake --build "$build" -j"$(nproc)"
