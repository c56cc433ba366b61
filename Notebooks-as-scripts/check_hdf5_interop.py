# ---
# jupytext:
#   text_representation:
#     extension: .py
#     format_name: percent
# ---

# %% [markdown]
# # HDF5 interop check: files written by ByteLens' Swift HDF5Store, read by h5py and xarray
#
# The Swift test `InteropFileTests` writes `generic.h5` (every element type, ranks 1-3, strings,
# a growing dataset, coordinate and plain dimensions) and `probe_run.h5` (a complete probe run,
# schema v1) plus `expected.json`, which lists every dataset with the dtype, shape, dimension names
# and values Swift meant to write. This script checks that:
#
# 1. h5py reads every dataset, and every dataset in the files is described in `expected.json`
#    (and vice versa), with matching dtype, shape, dimension labels and values (NaN-aware, exact);
# 2. `xarray.open_dataset(path, engine="h5netcdf", group=g)` opens **every** group without
#    `phony_dims`, with the expected dimension names and values (strings decoded to `str`, bool
#    columns decoded to `bool` through the `dtype="bool"` attribute);
# 3. the probe run's root attributes (schema, version, provenance) read back as written.
#
# Run (after `swift build --build-tests`):
#
#     BYTELENS_INTEROP_DIR="$PWD/.build/interop" swift test --skip-build --filter InteropFileTests
#     .venv-ci/bin/python Notebooks-as-scripts/check_hdf5_interop.py .build/interop
#
# Environment: `python3 -m venv V && V/bin/pip install numpy h5py xarray h5netcdf` (no torch needed).
# Exit status 0 when every check passes, 1 otherwise.

# %%
import json
import math
import sys
from pathlib import Path

import h5py
import numpy as np
import xarray as xr

NOT_A_VARIABLE = b"This is a netCDF dimension but not a netCDF variable."
FAILURES: list[str] = []
CHECKS = {"h5py datasets": 0, "xarray groups": 0, "xarray variables": 0, "attributes": 0, "units attributes": 0}


def fail(message: str) -> None:
    FAILURES.append(message)
    print("FAIL:", message)


def expected_array(spec: dict) -> np.ndarray:
    """Expected values as a numpy array of the dataset's dtype (NaN for null, +-inf from strings)."""
    dtype = spec["dtype"]
    values = spec["values"]
    if dtype == "string":
        return np.array(values, dtype=object).reshape(spec["shape"])
    if dtype == "bool":
        return np.array(values, dtype=bool).reshape(spec["shape"])
    if dtype.startswith("float"):
        floats = [math.nan if v is None else float(v) for v in values]
        return np.array(floats, dtype=np.float64).astype(dtype).reshape(spec["shape"])
    return np.array(values, dtype=dtype).reshape(spec["shape"])


def same_values(actual: np.ndarray, expected: np.ndarray) -> bool:
    if actual.shape != expected.shape:
        return False
    if expected.dtype.kind == "f":
        return bool(np.array_equal(actual.astype(expected.dtype), expected, equal_nan=True))
    if expected.dtype == object:
        return [str(x) for x in actual.ravel()] == [str(x) for x in expected.ravel()]
    return bool(np.array_equal(actual, expected))


# %% [markdown]
# ## 1. h5py: every dataset, both directions

# %%
def check_h5py(path: Path, expected: dict) -> None:
    seen = set()
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if not isinstance(obj, h5py.Dataset):
                return
            key = "/" + name
            seen.add(key)
            spec = expected.get(key)
            if spec is None:
                fail(f"{path.name}:{key} is not described in expected.json")
                return
            CHECKS["h5py datasets"] += 1
            if list(obj.shape) != spec["shape"]:
                fail(f"{path.name}:{key} shape {obj.shape} != {spec['shape']}")
            if spec["kind"] == "dimension":
                if obj.attrs.get("CLASS") != b"DIMENSION_SCALE" or not obj.attrs["NAME"].startswith(NOT_A_VARIABLE):
                    fail(f"{path.name}:{key} should be a netCDF dimension without variable")
                return
            want = expected_array(spec)
            if spec["dtype"] == "string":
                got = obj.asstr()[()]
                got = np.array(got, dtype=object).reshape(obj.shape)
                if h5py.check_string_dtype(obj.dtype).encoding != "utf-8" or h5py.check_string_dtype(obj.dtype).length is not None:
                    fail(f"{path.name}:{key} is not a variable-length UTF-8 string")
            else:
                got = obj[()]
                stored = "bool" if obj.attrs.get("dtype") in ("bool", b"bool") else str(obj.dtype)
                if stored != spec["dtype"]:
                    fail(f"{path.name}:{key} dtype {stored} != {spec['dtype']}")
                if spec["dtype"] == "bool":
                    if obj.dtype != np.uint8:
                        fail(f"{path.name}:{key} bool column is stored as {obj.dtype}, not uint8")
                    got = got.astype(bool)
            if not same_values(np.asarray(got), want):
                fail(f"{path.name}:{key} values differ from what Swift wrote")
            if obj.attrs.get("CLASS") == b"DIMENSION_SCALE":
                # A coordinate variable is its own dimension scale (netCDF convention): NAME = its name.
                if spec["dims"] != [key.split("/")[-1]] or obj.attrs["NAME"].decode() != spec["dims"][0]:
                    fail(f"{path.name}:{key} coordinate scale NAME {obj.attrs['NAME']!r} != {spec['dims']}")
                return
            labels = [dim.label for dim in obj.dims]
            if labels != spec["dims"]:
                fail(f"{path.name}:{key} dimension labels {labels} != {spec['dims']}")
            for axis, dim in enumerate(obj.dims):
                if len(dim) != 1:
                    fail(f"{path.name}:{key} axis {axis} has {len(dim)} scales")
                elif dim[0].name.split("/")[-1] != spec["dims"][axis]:
                    fail(f"{path.name}:{key} axis {axis} scale is {dim[0].name}")
        f.visititems(visit)
    for key, spec in expected.items():
        if key.startswith("/") and key not in seen:
            fail(f"{path.name}:{key} is described but missing from the file")


# %% [markdown]
# ## 2. xarray + h5netcdf: every group, no phony_dims

# %%
def group_paths(path: Path) -> list[str]:
    groups = ["/"]
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: groups.append("/" + name) if isinstance(obj, h5py.Group) else None)
    return groups


def check_xarray(path: Path, expected: dict) -> None:
    for group in group_paths(path):
        try:
            ds = xr.open_dataset(path, engine="h5netcdf", group=group)  # phony_dims left at None: must not be needed
        except Exception as error:  # noqa: BLE001 - report every failure
            fail(f"{path.name}:{group} does not open with xarray/h5netcdf: {error}")
            continue
        with ds:
            CHECKS["xarray groups"] += 1
            for name, variable in ds.variables.items():
                key = (group.rstrip("/") + "/" + name)
                spec = expected.get(key)
                if spec is None or spec["kind"] != "dataset":
                    fail(f"{path.name}:{key} appears in xarray but has no expectation")
                    continue
                CHECKS["xarray variables"] += 1
                if list(variable.dims) != spec["dims"]:
                    fail(f"{path.name}:{key} xarray dims {variable.dims} != {spec['dims']}")
                want = expected_array(spec)
                got = variable.values
                if spec["dtype"] == "bool" and got.dtype != bool:
                    fail(f"{path.name}:{key} xarray did not decode the bool column (dtype {got.dtype})")
                if spec["dtype"] == "string" and not all(isinstance(x, str) for x in np.asarray(got).ravel()):
                    fail(f"{path.name}:{key} xarray strings are not str")
                if not same_values(np.asarray(got), want):
                    fail(f"{path.name}:{key} xarray values differ from what Swift wrote")
                # Schema v2 of a probe run: every numeric variable says what it is and its units
                # (booleans and strings excepted), so xarray users see them without the schema document.
                if path.name == "probe_run.h5" and spec["dtype"] not in ("string", "bool"):
                    CHECKS["units attributes"] += 1
                    for attribute in ("units", "long_name"):
                        if not str(variable.attrs.get(attribute, "")):
                            fail(f"{path.name}:{key} has no '{attribute}' attribute in xarray")


# %% [markdown]
# ## 3. Root attributes of the probe run

# %%
def check_root_attributes(path: Path, expected: dict) -> None:
    with h5py.File(path, "r") as f:
        for name, want in expected.items():
            CHECKS["attributes"] += 1
            got = f.attrs.get(name)
            if isinstance(got, np.ndarray):
                got = [x.decode() if isinstance(x, bytes) else str(x) if isinstance(x, str) else int(x) for x in got]
            elif isinstance(got, (np.integer,)):
                got = int(got)
            if got != want:
                fail(f"{path.name}: root attribute {name} = {got!r}, expected {want!r}")


# %%
def main(directory: Path) -> int:
    expected = json.loads((directory / "expected.json").read_text())
    for file_name, spec in sorted(expected.items()):
        path = directory / file_name
        check_h5py(path, spec)
        check_xarray(path, spec)
        if "@root" in spec:
            check_root_attributes(path, spec["@root"])
    summary = ", ".join(f"{count} {what}" for what, count in CHECKS.items())
    print(f"h5py {h5py.__version__}, xarray {xr.__version__}; checked {summary}")
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("all HDF5 interop checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".build/interop")))
