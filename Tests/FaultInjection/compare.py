"""Compares two probe-run HDF5 files dataset by dataset (dtype, shape and every value's bytes, so NaN
payloads count) and attribute by attribute, leaving out provenance that names times or the command line.
Exit 0 when identical; otherwise prints the first differences and exits 1."""
import sys

import h5py
import numpy as np

SKIPPED_ATTRIBUTES = {"started_utc", "finished_utc", "resumed_utc", "command_line"}


def items(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            for key, value in obj.attrs.items():
                if key in SKIPPED_ATTRIBUTES or key in ("DIMENSION_LIST", "REFERENCE_LIST"):
                    continue
                out[f"{name}@{key}"] = repr(value.tolist() if hasattr(value, "tolist") else value)
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                if obj.dtype.kind == "O":
                    payload = repr([x.decode() if isinstance(x, bytes) else x for x in np.ravel(data)])
                else:
                    payload = np.ascontiguousarray(data).tobytes()
                out[name] = (str(obj.dtype), obj.shape, payload)
        visit("/", f)
        f.visititems(visit)
    return out


def main():
    a, b = items(sys.argv[1]), items(sys.argv[2])
    problems = [f"only in {sys.argv[1]}: {k}" for k in sorted(set(a) - set(b))]
    problems += [f"only in {sys.argv[2]}: {k}" for k in sorted(set(b) - set(a))]
    problems += [f"differs: {k}" for k in sorted(set(a) & set(b)) if a[k] != b[k]]
    if problems:
        print("\n".join(problems[:10]), file=sys.stderr)
        sys.exit(1)
    datasets = sum(1 for v in a.values() if isinstance(v, tuple))
    print(f"identical: {datasets} datasets, {len(a) - datasets} attributes")


if __name__ == "__main__":
    main()
