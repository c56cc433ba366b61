# %% [markdown]
# # Check a ByteLens probe run against scipy
#
# Opens a `probe.h5` written by `probe run` with **h5py** and **xarray** (h5netcdf engine, no
# `phony_dims`), recomputes the study's headline statistics independently with numpy/scipy from the
# stored per-item and per-patch values, and asserts that they match the `/statistics` rows the Swift
# code wrote (and the numbers printed in `REPORT.md` next to the file):
#
# - (a) entropy tracks level: mean within-item Kendall τ-b (`scipy.stats.kendalltau`) and the two-sided
#   Page's L p-value (`scipy.stats.page_trend_test`, 2·min of both directions) on the
#   items × levels table of `mean_entropy_bits`;
# - (b) sparsity tracks level, for the primary measure at every probe hook: the same τ and p, and the
#   Holm correction over the whole (b) family recomputed from the stored p-values;
# - (c) sparsity beyond entropy: the OLS level coefficient of `sparsity ~ level + entropy + item fixed
#   effects` (`numpy.linalg.lstsq`) and its CR1 cluster-robust p-value (t with G − 1 df);
# - (d) within-text partial correlation of patch entropy and patch sparsity given length and position
#   with one fixed effect per (item, level) text, at every patch-level hook.
#
# Bootstrap CIs are not recomputed here (their resamples are the Swift generator's; the Statistics
# module's own fixtures prove them against scipy's BCa).
#
# Run (any venv with numpy, scipy, h5py, xarray, h5netcdf):
#
#     python3 -m venv V && V/bin/pip install numpy scipy h5py xarray h5netcdf
#     swift run probe run --dataset ood --model Tests/BLTModelTests/Fixtures/tiny_default \
#         --limit 6 --levels 0 3 6 9 --out .build/ci-probe
#     V/bin/python Notebooks-as-scripts/check_report.py .build/ci-probe/probe.h5
#
# Exit status 0 when everything matches to 1e-9 relative (plus 1e-12 absolute for τ, coefficients and
# p-values, which can be ~0), 1 otherwise.

# %%
import math
import pathlib
import re
import sys

import h5py
import numpy as np
import xarray as xr
from scipy import stats

RTOL = 1e-9


def close(a, b, rtol=RTOL, atol=0.0):
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)) or (isinstance(b, float) and math.isnan(b)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b), 1e-300)


# %% Reading the file (xarray for the tables, h5py for attributes)
def load(path):
    with h5py.File(path, "r") as f:
        assert f.attrs["schema"] == "bytelens.probe-run", f.attrs["schema"]
        assert int(f.attrs["schema_version"]) == 1
        assert f.attrs["status"] == "complete", "run did not finish"
        stats_group = f["statistics"]
        table = {name: stats_group[name][()] for name in stats_group}
    rows = []
    for i in range(len(table["test"])):
        row = {}
        for name, values in table.items():
            v = values[i]
            row[name] = v.decode() if isinstance(v, bytes) else (v.item() if hasattr(v, "item") else v)
        rows.append(row)
    items = xr.open_dataset(path, engine="h5netcdf", group="items")
    probe = xr.open_dataset(path, engine="h5netcdf", group="measures/probe")
    patches = xr.open_dataset(path, engine="h5netcdf", group="patches")
    try:
        patch_level = xr.open_dataset(path, engine="h5netcdf", group="measures/patch_level")
    except OSError:
        patch_level = None
    return rows, items, probe, patches, patch_level


def text(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(values)]


# %% Building the paired items × levels tables
def paired(items, ladder, values):
    ladders = text(items["ladder"].values)
    bases = text(items["base_item_id"].values)
    levels = np.asarray(items["level_index"].values).astype(int)
    sel = [i for i, l in enumerate(ladders) if l == ladder]
    level_ids = sorted({int(levels[i]) for i in sel})
    base_ids = list(dict.fromkeys(bases[i] for i in sel))
    t = np.full((len(base_ids), len(level_ids)), np.nan)
    for i in sel:
        t[base_ids.index(bases[i]), level_ids.index(int(levels[i]))] = values[i]
    return t


def trend(table):
    keep = np.isfinite(table).all(axis=1)
    v = table[keep]
    n, k = v.shape
    if n < 3 or k < 3 or all((row == row[0]).all() for row in v):
        return n, None, None
    taus = []
    for row in v:
        tau = stats.kendalltau(np.arange(k), row).statistic
        taus.append(0.0 if np.isnan(tau) else tau)
    up = stats.page_trend_test(v).pvalue
    down = stats.page_trend_test(v[:, ::-1]).pvalue
    return n, float(np.mean(taus)), float(min(1.0, 2 * min(up, down)))


def dummies(groups):
    ids = list(dict.fromkeys(groups))
    d = np.zeros((len(groups), len(ids)))
    for r, g in enumerate(groups):
        d[r, ids.index(g)] = 1
    return d


def ols_cluster(y, covs, groups, clusters):
    design = np.column_stack(list(covs) + [dummies(groups)])
    n, k_total = design.shape
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    xtx_inv = np.linalg.inv(design.T @ design)
    cl = np.asarray(clusters)
    ids = list(dict.fromkeys(cl.tolist()))
    meat = np.zeros((k_total, k_total))
    for c in ids:
        s = design[cl == c].T @ resid[cl == c]
        meat += np.outer(s, s)
    g = len(ids)
    cov = (g / (g - 1)) * ((n - 1) / (n - k_total)) * xtx_inv @ meat @ xtx_inv
    t = beta / np.sqrt(np.diag(cov))
    return beta, 2 * stats.t.sf(np.abs(t), g - 1)


def beyond(y_table, e_table):
    keep = np.isfinite(y_table).all(axis=1) & np.isfinite(e_table).all(axis=1)
    n, k = int(keep.sum()), y_table.shape[1]
    if n < 3 or all((row == row[0]).all() for row in y_table[keep]):
        return n, None, None
    item = np.repeat(np.arange(n), k)
    level = np.tile(np.arange(k, dtype=float), n)
    beta, p = ols_cluster(y_table[keep].ravel(), [level, e_table[keep].ravel()], item.tolist(), item.tolist())
    return n, float(beta[0]), float(p[0])


def holm(ps):
    """Holm step-down adjusted p-values (None stays None), as statsmodels."""
    idx = [i for i, p in enumerate(ps) if p is not None and not math.isnan(p)]
    order = sorted(idx, key=lambda i: ps[i])
    m = len(order)
    out = [None] * len(ps)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        out[i] = running
    return out


# %% The checks
def main(path):
    rows, items, probe, patches, patch_level = load(path)
    failures = []
    checked = 0

    def check(label, ours, stored, atol=0.0, rtol=RTOL):
        nonlocal checked
        checked += 1
        if not close(ours, stored, rtol=rtol, atol=atol):
            failures.append(f"{label}: scipy {ours!r} vs stored {stored!r}")

    ladders = list(dict.fromkeys(text(items["ladder"].values)))
    entropy = np.asarray(items["mean_entropy_bits"].values, float)
    probe_hooks = text(probe[probe["hoyer"].dims[1]].values)
    hoyer = np.asarray(probe["hoyer"].values, float)
    for ladder in ladders:
        e_table = paired(items, ladder, entropy)
        # (a)
        a = [r for r in rows if r["test"] == "entropy_tracks_level" and r["ladder"] == ladder]
        assert len(a) == 1, f"expected one entropy row for {ladder}"
        n, tau, p = trend(e_table)
        check(f"(a) {ladder} n", float(n), float(a[0]["n"]))
        check(f"(a) {ladder} tau", tau, a[0]["estimate"], atol=1e-12)
        check(f"(a) {ladder} p", p, a[0]["p"], atol=1e-12)
        # (b) and (c) for hoyer at every probe hook
        b_rows = [r for r in rows if r["test"] == "sparsity_tracks_level" and r["ladder"] == ladder]
        for h, hook in enumerate(probe_hooks):
            y_table = paired(items, ladder, hoyer[:, h])
            rb = next(r for r in b_rows if r["hook"] == hook and r["measure"] == "hoyer")
            n, tau, p = trend(y_table)
            check(f"(b) {ladder} {hook} tau", tau, rb["estimate"], atol=1e-12)
            check(f"(b) {ladder} {hook} p", p, rb["p"], atol=1e-12)
            rc = next(r for r in rows if r["test"] == "sparsity_beyond_entropy" and r["ladder"] == ladder
                      and r["hook"] == hook and r["measure"] == "hoyer")
            n, coef, p = beyond(y_table, e_table)
            check(f"(c) {ladder} {hook} level coefficient", coef, rc["estimate"], atol=1e-12)
            check(f"(c) {ladder} {hook} p", p, rc["p"], atol=1e-12)
        # (d) at every patch-level hook
        if patch_level is not None:
            d_rows = [r for r in rows if r["test"] == "entropy_sparsity_patch_correlation" and r["ladder"] == ladder]
            patch_hooks = text(patch_level[patch_level["hoyer"].dims[1]].values)
            item_of_patch = np.asarray(patches["item_index"].values).astype(int)
            start = np.asarray(patches["start"].values).astype(int)
            length = np.asarray(patches["length"].values).astype(int)
            mean_entropy = np.asarray(patches["mean_entropy"].values, float) / math.log(2)
            span_start = np.asarray(items["span_start"].values).astype(int)
            span_end = np.asarray(items["span_end"].values).astype(int)
            ladder_of_item = text(items["ladder"].values)
            bases = text(items["base_item_id"].values)
            levels = np.asarray(items["level_index"].values).astype(int)
            use = np.array([ladder_of_item[i] == ladder and length[j] > 0 and span_start[i] <= start[j] < span_end[i]
                            for j, i in enumerate(item_of_patch)])
            for h, hook in enumerate(patch_hooks):
                values = np.asarray(patch_level["hoyer"].values, float)[:, h]
                sel = use & np.isfinite(values) & np.isfinite(mean_entropy)
                base = [bases[i] for i in item_of_patch[sel]]
                text_id = [f"{bases[i]}|{levels[i]}" for i in item_of_patch[sel]]
                x, y = mean_entropy[sel], values[sel]
                covs = [length[sel].astype(float), start[sel].astype(float)]
                Z = np.column_stack([dummies(text_id)] + covs)
                rx = x - Z @ np.linalg.lstsq(Z, x, rcond=None)[0]
                ry = y - Z @ np.linalg.lstsq(Z, y, rcond=None)[0]
                r_est = float(np.corrcoef(rx, ry)[0, 1])
                _, p = ols_cluster(y, [x] + covs, text_id, base)
                rd = next(r for r in d_rows if r["hook"] == hook and r["measure"] == "hoyer")
                if rd["verdict"] == "insufficient data":
                    continue
                check(f"(d) {ladder} {hook} partial r", r_est, rd["estimate"])
                check(f"(d) {ladder} {hook} p", float(p[0]), rd["p"], atol=1e-9)

    # Holm families: each test within its ladder, or each test across ladders when there are several.
    for test in ["entropy_tracks_level", "sparsity_tracks_level", "sparsity_beyond_entropy", "entropy_sparsity_patch_correlation"]:
        groups = [[r for r in rows if r["test"] == test and (len(ladders) > 1 or r["ladder"] == ladder)]
                  for ladder in (ladders if len(ladders) == 1 else ladders[:1])]
        for fam in groups:
            for r, q in zip(fam, holm([r["p"] for r in fam])):
                check(f"holm {r['test']} {r['ladder']} {r['hook']} {r['measure']}", q, r["p_corrected"], atol=1e-12)

    # REPORT.md next to the file shows the stored entropy estimate with 4 significant digits.
    report = pathlib.Path(path).with_name("REPORT.md")
    if report.exists():
        body = report.read_text()
        for r in rows:
            if r["test"] == "entropy_tracks_level" and r["estimate"] is not None and not math.isnan(r["estimate"]):
                shown = f"{r['estimate']:.4g}"
                checked += 1
                if not re.search(r"\| Does entropy track difficulty\?[^\n]*\| " + re.escape(shown) + r" \|", body):
                    failures.append(f"REPORT.md does not show the entropy estimate {shown} for {r['ladder']}")
    else:
        print(f"note: no REPORT.md next to {path}; only the HDF5 file was checked")

    print(f"{checked} checks, {len(failures)} mismatches ({path})")
    for f in failures:
        print("MISMATCH", f)
    return 1 if failures else 0


# %%
if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_report.py PATH/TO/probe.h5")
    sys.exit(main(sys.argv[1]))
