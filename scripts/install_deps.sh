#!/usr/bin/env bash
# Installs the Debian packages pmt needs that are missing (Debian bookworm, as root).
# Usage: scripts/install_deps.sh [extra-package ...]
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libboost-math-dev libeigen3-dev libcli11-dev libfmt-dev nlohmann-json3-dev catch2 libpcg-cpp-dev libhdf5-dev
  gnuplot-nox
  # training engine: LibTorch with OpenBLAS (2.5x faster than the reference BLAS here)
  libtorch-dev libopenblas0-pthread zlib1g-dev
  # model import: the Keras 3 .keras zip, ONNX's protobuf classes
  libzip-dev libonnx-dev libprotobuf-dev
  # the Slurm test (scripts/slurm/test.sh): a real one-node Slurm; Fashion-MNIST as its data
  slurmctld slurmd munge slurm-client dataset-fashion-mnist
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "pmt: installing ${missing[*]}" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "pmt: run as root (or install them yourself): apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
