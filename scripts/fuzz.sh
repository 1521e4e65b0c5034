#!/usr/bin/env bash
# Fuzzes pmt's readers with libFuzzer (Debian's clang, -fsanitize=fuzzer,address,undefined):
#   scripts/fuzz.sh [seconds per harness, default 180] [harness ...]
# Harnesses (fuzz/<name>_fuzz.cpp): accuracy_csv, npy, idx (plain + gzip), settings, subject,
# embedding_sidecar (the JSON beside a `cluster --embedding` file), hdf5 (Debian's HDF5 1.10.8
# itself reads out of bounds on some crafted files: see the harness;
# this harness runs in libFuzzer's fork mode, goes on after such a crash and attributes each
# finding to HDF5 or to pmt by the first of their frames in the stack), import_model (import_model's
# readers of Keras .h5, .keras, JSON and ONNX files; fork mode and attribution as hdf5's).
# Builds into build-fuzz/ (torch-free: the readers' sources are compiled into each harness),
# assembles a seed corpus from the bundled data (tests/data, raw_data, data/) plus generated
# seeds (a .npy with a 50 KB header, a version-2 .npy with a 300 KB header, IDX files plain and
# gzip), adds every regression input of tests/data/fuzz/<harness>/, and runs each harness with
# -max_len=262144 (inputs up to 256 KB, far beyond the largest seed). Prints, per harness, the
# seconds, executions and findings; a crash leaves its input in build-fuzz/artifacts/<harness>/:
# copy it to tests/data/fuzz/<harness>/ (named after the defect) once fixed, and ctest replays
# it (tests/io/fuzz_replay_test.cpp). Not run in CI: ctest only replays the regression inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-180}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(accuracy_csv npy idx settings subject embedding_sidecar hdf5 import_model)
max_len=${PMT_FUZZ_MAX_LEN:-262144}

# clang with libFuzzer's runtime (bookworm: clang 14 + libclang-rt-14-dev) and the readers' headers.
CXX=${CXX_FUZZ:-clang++}
probe='#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <Eigen/Dense>
#include <hdf5.h>
#include <zlib.h>
#include <zip.h>
#include <onnx/onnx_pb.h>
extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }'
if ! command -v "$CXX" >/dev/null || ! echo "$probe" |
  "$CXX" -x c++ -I/usr/include/eigen3 -I/usr/include/hdf5/serial -DONNX_ML=1 -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
  echo "fuzz.sh: installing clang, its libFuzzer runtime and the readers' libraries" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends clang libclang-rt-dev zlib1g-dev libfmt-dev \
    nlohmann-json3-dev libhdf5-dev libeigen3-dev libzip-dev libonnx-dev libprotobuf-dev >&2
fi

out=build-fuzz
mkdir -p "$out"
# shellcheck disable=SC2054  # the commas belong to -fsanitize=
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=all -Iinclude)
io=(src/io/accuracy_csv.cpp src/io/atomic_file.cpp src/io/json_text.cpp src/io/npy.cpp
  src/io/number.cpp src/io/settings.cpp)
hdf5=(src/io/hdf5.cpp -I/usr/include/hdf5/serial "-L/usr/lib/$(gcc -print-multiarch)/hdf5/serial"
  -lhdf5)
sources_for() {
  case $1 in
    idx) echo "${io[*]} ${hdf5[*]} src/model/dataset.cpp" ;;  # datasets read NPY and HDF5 too
    subject) echo "${io[*]} src/model/subject.cpp src/model/spec_reader.cpp" ;;
    embedding_sidecar) echo "${io[*]} src/cluster/names.cpp -I/usr/include/eigen3" ;;
    hdf5) echo "${io[*]} ${hdf5[*]}" ;;
    import_model)
      echo "${io[*]} ${hdf5[*]} src/model/subject.cpp src/model/spec_reader.cpp src/importer/*.cpp" \
        "-DONNX_ML=1 -DONNX_NAMESPACE=onnx -lzip -lonnx_proto -lprotobuf"
      ;;
    *) echo "${io[*]}" ;;
  esac
}
for h in "${harnesses[@]}"; do
  if [ ! -x "$out/${h}_fuzz" ] || [ -n "$(find fuzz src include -newer "$out/${h}_fuzz" -name '*.[ch]pp' | head -1)" ]; then
    echo "fuzz.sh: building ${h}_fuzz" >&2
    # shellcheck disable=SC2046
    "$CXX" "${flags[@]}" "fuzz/${h}_fuzz.cpp" $(sources_for "$h") -o "$out/${h}_fuzz" -lfmt -lz
  fi
done

# Seeds (rebuilt every run; small files, or the first max_len bytes of big ones).
seeds=$out/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{accuracy_csv,npy,idx,settings,subject,embedding_sidecar,hdf5,import_model}
for f in raw_data/mnist/*.csv raw_data/deepcrime_comp/*.csv; do
  { head -n 1 "$f"; tail -n 1 "$f"; } >"$seeds/accuracy_csv/$(basename "$f")"
done
find tests/data -name '*.npy' -exec sh -c 'head -c 65536 "$1" >"$2/$(basename "$1")"' _ {} "$seeds/npy" \;
le_bytes() {  # le_bytes <value> <count>: <count> little-endian bytes
  local i
  for ((i = 0; i < $2; i++)); do printf '%b' "\\x$(printf %02x $((($1 >> (8 * i)) & 255)))"; done
}
npy_seed() {  # npy_seed <file> <version 1|2> <dict>: header padded to 64 bytes, 16 data bytes
  local file=$1 version=$2 dict=$3 pre len
  pre=$((version == 1 ? 10 : 12))
  len=$((${#dict} + 1))
  len=$((len + (64 - (pre + len) % 64) % 64))
  {
    printf '\x93NUMPY'
    le_bytes "$version" 1
    le_bytes 0 1
    le_bytes "$len" $((version == 1 ? 2 : 4))
    printf '%s' "$dict"
    printf '%*s\n' $((len - ${#dict} - 1)) ''
    head -c 16 /dev/zero
  } >"$file"
}
npy_seed "$seeds/npy/small.npy" 1 "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
npy_seed "$seeds/npy/large_descr.npy" 1 "{'descr': '<$(head -c 50000 /dev/zero | tr '\0' f)', 'fortran_order': False, 'shape': (2,), }"
npy_seed "$seeds/npy/large_header_v2.npy" 2 "{'descr': '<f4', 'fortran_order': False, 'shape': ($(yes '1, ' | head -n 60 | tr -d '\n')4,), }$(head -c 200000 /dev/zero | tr '\0' ' ')"
printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x02\x01\x02\x03\x04\x05\x06\x07\x08' >"$seeds/idx/images-idx3"
printf '\x00\x00\x08\x01\x00\x00\x00\x03\x00\x01\x01' >"$seeds/idx/labels-idx1"
gzip -c "$seeds/idx/images-idx3" >"$seeds/idx/images-idx3.gz"
cp data/settings.json "$seeds/settings/"
cp data/subjects/*.json "$seeds/subject/"
# the sidecar as `embed` writes it (abridged), and the shortest ones cluster accepts
printf '{\n "reduction": "vae_s",\n "scaling": "max",\n "inputs": 800,\n "options": {"model": "mnist", "latent": 16}\n}\n' >"$seeds/embedding_sidecar/embed.json"
printf '{"reduction": "vae"}' >"$seeds/embedding_sidecar/reduction.json"
printf '{"scaling": "normalization"}' >"$seeds/embedding_sidecar/scaling.json"
printf '{}' >"$seeds/embedding_sidecar/empty.json"
cp tests/data/hdf5/*.h5 "$seeds/hdf5/"
# the real Keras files (their first max_len bytes: a truncated file is a seed too), and the small
# files of every format in the regression folder
for f in tests/data/import/*.h5 tests/data/import/*.keras tests/data/onnx/*.onnx; do
  head -c "$max_len" "$f" >"$seeds/import_model/$(basename "$f")"
done

printf '%-14s %8s %12s %8s %s\n' harness seconds executions max_len findings
for h in "${harnesses[@]}"; do
  corpus=$out/corpus/$h
  artifacts=$out/artifacts/$h/
  regress=tests/data/fuzz/$h
  mkdir -p "$corpus" "$artifacts" "$regress"
  log=$out/$h.log
  start=$(date +%s)
  set +e
  # HDF5's mallocs may fail under ASan as outside it (a huge declared array is then a pmt::Error),
  # and HDF5 1.10.8 leaks a few blocks on some corrupt-file paths.
  # The hdf5 harness runs in fork mode and goes on after a crash: Debian's HDF5 1.10.8 crashes
  # inside itself on some crafted files (below: each finding is replayed and attributed).
  asan="" fork=()
  { [ "$h" = hdf5 ] || [ "$h" = import_model ]; } && asan="allocator_may_return_null=1:detect_leaks=0" &&
    fork=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  ASAN_OPTIONS=$asan "$out/${h}_fuzz" "${fork[@]}" -max_len="$max_len" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" "$seeds/$h" "$regress" >"$log" 2>&1
  rc=$?
  set -e
  elapsed=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\): cov.*/\1/p' "$log" | tail -1)  # fork mode
  findings=$(find "$artifacts" -type f | wc -l)
  if { [ "$h" = hdf5 ] || [ "$h" = import_model ]; } && [ "$findings" -gt 0 ]; then
    # the first frame that is HDF5's or pmt's own says where the defect is
    in_hdf5=0
    for a in "$artifacts"*; do
      frame=$(ASAN_OPTIONS=$asan "$out/${h}_fuzz" "$a" 2>&1 | grep -m1 -E 'libhdf5|/src/' || true)
      case $frame in *libhdf5*) in_hdf5=$((in_hdf5 + 1)) ;; esac
    done
    findings="$findings ($in_hdf5 inside HDF5 itself)"
  fi
  printf '%-14s %8s %12s %8s %s%s\n' "$h" "$elapsed" "${execs:-?}" "$max_len" "$findings" \
    "$([ $rc -ne 0 ] && echo " (exit $rc: see $log)")"
done
