#!/usr/bin/python3
"""Writes tests/data/hdf5/h5py_fixture.h5 with h5py (Debian: apt-get install python3-h5py), the
library DeepCrime's and PMT's users write their dataset files with, so that pmt's HDF5 reader is
tested on h5py's own output (tests/io/hdf5_test.cpp). The file is committed; rerun this script
only to change it, and update the test's expected values with it.

Usage: scripts/hdf5_fixture.py [output.h5]
"""
import sys
from pathlib import Path

import h5py
import numpy as np

out = Path(sys.argv[1]) if len(sys.argv) > 1 else \
    Path(__file__).resolve().parent.parent / "tests/data/hdf5/h5py_fixture.h5"
out.parent.mkdir(parents=True, exist_ok=True)

with h5py.File(out, "w") as f:
    # As in PMT's Datasets/mnist/test.h5: uint8 images, integer labels.
    f["x_test"] = (np.arange(2 * 3 * 3 * 1) * 37 % 256).astype(np.uint8).reshape(2, 3, 3, 1)
    f["y_test"] = np.array([7, 2], dtype=np.int64)
    f["group/f64be"] = np.array([[0.1, -2.5], [1e300, 3.0]], dtype=">f8")
    # h5py's own LZF filter: HDF5 libraries without the plugin cannot decode it.
    f.create_dataset("lzf", data=np.arange(10, dtype=np.float32), compression="lzf")
    f["names"] = np.array([b"cat", b"dog"])  # fixed-length strings (variable ones add 4 KB)
    f["mask"] = np.array([True, False])  # h5py stores bool as an enum
print(f"{out}: {out.stat().st_size} bytes")
