"""Reader for IDX files, the format of MNIST and Fashion-MNIST (plain or gzip-compressed).

Format (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type code, the number of
dimensions, then each dimension as a big-endian uint32, then the data in C order.
"""

import gzip
import math
import os
import struct
import zlib

import numpy as np

from tfgan_lab.errors import DataError

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


_READ: dict[tuple, np.ndarray] = {}  # (path, inode, mtime, size) -> its array


def read_idx(path: str) -> np.ndarray:
    """Returns the array stored in an IDX file, read-only; DataError if it is missing, truncated
    or corrupt. A file is decoded once per process while it is unchanged: every split, task
    and evaluator of a run (and every test) reads the same few files."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise DataError(f"IDX file {path} does not exist.") from None
    key = (os.path.realpath(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    if key not in _READ:
        array = _decode(path)
        array.setflags(write=False)
        _READ[key] = array
    return _READ[key]


def _decode(path: str) -> np.ndarray:
    compressed = path.endswith(".gz")
    try:
        with (gzip.open if compressed else open)(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path} cannot be read as a {'gzip' if compressed else 'binary'} file "
                        f"({e}): it is truncated or corrupt. Download or install it again.") from e
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _TYPES or raw[3] == 0:
        raise DataError(f"{path} has the bad magic number 0x{raw[:4].hex()}: it is not an IDX "
                        "file (MNIST labels start with 0x00000801, images with 0x00000803).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path} ends inside its header: it is truncated. Download it again.")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_TYPES[raw[2]])
    expected = header + math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        raise DataError(f"{path} holds {len(raw)} bytes but its header announces an array of "
                        f"shape {shape}, {expected} bytes: the file is truncated or corrupt. "
                        "Download or install it again.")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
