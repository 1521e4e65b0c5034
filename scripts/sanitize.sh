#!/usr/bin/env bash
# Builds pmt with AddressSanitizer and UndefinedBehaviorSanitizer (g++, -O1, frame pointers) into
# ${PMT_SANITIZE_BUILD_DIR:-build-asan} and runs the whole ctest suite under them, LibTorch part
# included. Any sanitizer report fails the run (UBSan does not recover; ASan aborts).
#   scripts/sanitize.sh [ctest args...]
# Leak detection is off: LibTorch and HDF5 keep process-lifetime allocations (thread pools,
# registries, HDF5's library state) that LeakSanitizer reports at exit although nothing grows.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
build=${PMT_SANITIZE_BUILD_DIR:-build-asan}
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  >"$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; exit 1; }
rm -f "$build.configure.log"
cmake --build "$build" -j"$(nproc)"
cd "$build"
# allocator_may_return_null: an impossible allocation throws std::bad_alloc as in a normal build
# (the readers turn it into a one-line error; ASan would abort instead).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --output-on-failure -j"$(nproc)" "$@"
