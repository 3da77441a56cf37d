"""The safetensors format, read and written without the ``safetensors`` package.

A file is: an unsigned 64-bit little-endian header length ``N``; ``N`` bytes of UTF-8
JSON mapping each tensor name to ``{"dtype", "shape", "data_offsets": [begin, end]}``
(plus an optional ``"__metadata__"`` of strings); then the tensors' raw little-endian
bytes, offsets counted from the end of the header. The reader accepts only well-formed
files: the header is checked completely (types, sizes, offsets that tile the data region
with no gap or overlap) before any tensor is made, and nothing is ever executed.
"""

from __future__ import annotations

import json
import math
import os
import struct
import sys

import torch

__all__ = ["read_safetensors", "write_safetensors"]

_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
    "C64": torch.complex64,
}
for _name, _attr in (
    ("U16", "uint16"),
    ("U32", "uint32"),
    ("U64", "uint64"),
    ("F8_E4M3", "float8_e4m3fn"),
    ("F8_E5M2", "float8_e5m2"),
):
    if hasattr(torch, _attr):
        _DTYPES[_name] = getattr(torch, _attr)
_CODES = {v: k for k, v in _DTYPES.items()}

# The reference implementation's limit: a header is metadata, never bulk data.
MAX_HEADER_BYTES = 100_000_000


def _check_host() -> None:
    if sys.byteorder != "little":  # pragma: no cover - every supported platform
        raise OSError("safetensors I/O needs a little-endian host.")


def write_safetensors(tensors: dict, path, metadata: dict | None = None) -> None:
    """Writes ``{name: tensor}`` to ``path`` (the tensors are copied to the CPU)."""
    _check_host()
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, tensor in tensors.items():
        if not isinstance(name, str) or not name or name == "__metadata__":
            raise ValueError(f"safetensors: invalid tensor name {name!r}.")
        t = tensor.detach().to("cpu").contiguous()
        code = _CODES.get(t.dtype)
        if code is None:
            raise ValueError(f"safetensors: tensor {name!r} has unsupported dtype {t.dtype}.")
        data = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {
            "dtype": code,
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # the data region starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for data in blobs:
            f.write(data)


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r} in the header")
        out[k] = v
    return out


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def read_header(f, size: int, label: str) -> tuple[dict, dict, int]:
    """Reads and checks the header; returns ``(entries, metadata, data_start)``."""

    def bad(msg):
        return ValueError(f"{label!r} is not a valid safetensors file: {msg}.")

    if size < 8:
        raise bad(f"it has {size} bytes, fewer than the 8-byte header length")
    (n,) = struct.unpack("<Q", f.read(8))
    if n > MAX_HEADER_BYTES:
        raise bad(f"the header declares {n} bytes (more than {MAX_HEADER_BYTES})")
    if n > size - 8:
        raise bad(f"the header declares {n} bytes, but only {size - 8} follow (truncated?)")
    raw = f.read(n)
    if len(raw) != n:
        raise bad("the header is truncated")
    if not raw.startswith(b"{"):
        raise bad("the header does not start with '{'")
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as e:
        raise bad(f"the header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise bad("the header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise bad("'__metadata__' must map strings to strings")
    data_size = size - 8 - n
    spans = []
    for name, entry in header.items():
        if not name:
            raise bad("a tensor has an empty name")
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise bad(f"tensor {name!r} must have exactly 'dtype', 'shape' and 'data_offsets'")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in _DTYPES:
            raise bad(f"tensor {name!r} has unknown dtype {dtype!r}")
        if not isinstance(shape, list) or not all(_is_int(d) and d >= 0 for d in shape):
            raise bad(f"tensor {name!r} has an invalid shape {shape!r}")
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(_is_int(o) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1] <= data_size
        ):
            raise bad(f"tensor {name!r} has invalid data_offsets {offsets!r}")
        itemsize = torch.empty((), dtype=_DTYPES[dtype]).element_size()
        nbytes = math.prod(shape) * itemsize
        if offsets[1] - offsets[0] != nbytes:
            raise bad(
                f"tensor {name!r} of dtype {dtype} and shape {shape} needs {nbytes} bytes, "
                f"its data_offsets span {offsets[1] - offsets[0]}"
            )
        spans.append((offsets[0], offsets[1], name))
    spans.sort()
    cursor = 0
    for begin, end, name in spans:
        if begin != cursor:
            what = "overlaps the previous tensor" if begin < cursor else "leaves a gap before it"
            raise bad(f"tensor {name!r} {what} (data_offsets start at {begin}, expected {cursor})")
        cursor = end
    if cursor != data_size:
        raise bad(f"the tensors cover {cursor} bytes of a {data_size}-byte data region")
    return header, metadata, 8 + n


def read_safetensors(path) -> tuple[dict, dict]:
    """Reads a safetensors file: ``({name: tensor}, metadata)``, in header order."""
    _check_host()
    label = os.fspath(path)
    try:
        size = os.path.getsize(path)
        f = open(path, "rb")
    except OSError as e:
        raise OSError(f"Cannot open {label!r}: {e}") from e
    with f:
        entries, metadata, start = read_header(f, size, label)
        tensors = {}
        for name, entry in entries.items():
            begin, end = entry["data_offsets"]
            dtype = _DTYPES[entry["dtype"]]
            shape = tuple(entry["shape"])
            if end == begin:
                tensors[name] = torch.empty(shape, dtype=dtype)
                continue
            f.seek(start + begin)
            data = f.read(end - begin)
            if len(data) != end - begin:
                raise OSError(f"Cannot read {label!r}: the file is truncated.")
            tensors[name] = (
                torch.frombuffer(bytearray(data), dtype=torch.uint8).view(dtype).reshape(shape)
            )
    return tensors, metadata
