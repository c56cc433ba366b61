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
# - (d) within-text partial correlation of patch entropy and patch sparsity given length (one indicator
#   per length 2..7 and >= 8) and position with one fixed effect per (item, level) text, at every
#   patch-level hook, and the same within each patch-length stratum where the file has strata rows;
# - measured difficulty, recomputed from the stored *per-byte* log-probabilities (`/bytes/log_prob`),
#   not from stored item metrics: the span loss per item (checked against `bits_per_byte`), (0) loss
#   tracks level, (e) entropy vs loss and (f) sparsity vs loss (mean within-item Kendall tau against
#   the loss, two-sided Wilcoxon signed-rank p via `scipy.stats.wilcoxon`);
# - (c) with the probe patch's entropy (recomputed from `/bytes/entropy` over the probe's patch), the
#   loss and the input statistics (span bytes, patch count, byte-class mix, each while its VIF < 100) as
#   covariates, the level as indicators for categorical ladders (estimate = mean indicator
#   coefficient, CR1 contrast p) and the TOST p;
# - (g) the patching interaction against the fixed-patching control arm;
# - for EVERY measure and variant (not only Hoyer): (b) tau and p, the stored direction against the
#   measure name, and the oriented verdict rule (Holm p < 0.05 and CI excluding 0, sign times
#   direction) on every row, with the Holm families recomputed.
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
        assert int(f.attrs["schema_version"]) in (1, 2)
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


# %% Directions, verdicts and Holm families as the Swift code defines them
LOWER_IS_SPARSER = {"participation_ratio", "energy_effective_dim"}
NOT_SPARSITY = {"excess_kurtosis", "l2_norm"}


def direction_of(measure):
    base = re.sub(r"(_no_outliers|_z)$", "", measure)
    if base in LOWER_IS_SPARSER:
        return "lower_is_sparser"
    if base in NOT_SPARSITY:
        return "not_a_sparsity_measure"
    return "higher_is_sparser"


def nan_or_none(v):
    return v is None or (isinstance(v, float) and math.isnan(v))


def verdict_rule(r, alpha=0.05):
    if r["n"] < 3 or any(nan_or_none(r[k]) for k in ("estimate", "ci_low", "ci_high", "p_corrected")):
        return "insufficient data"
    if not (r["p_corrected"] < alpha and (r["ci_low"] > 0 or r["ci_high"] < 0) and r["estimate"] != 0):
        return "no evidence"
    sign = -1.0 if r.get("direction", "") == "lower_is_sparser" else 1.0
    return "tracks difficulty" if r["estimate"] * sign > 0 else "tracks inversely"


def tost_mean(values, delta=0.1):
    v = np.asarray(values, float)
    n = len(v)
    se = v.std(ddof=1) / math.sqrt(n)
    m = v.mean()
    if se == 0:
        return 0.0 if abs(m) < delta else 1.0
    return float(min(1.0, max(stats.t.sf((m + delta) / se, n - 1), stats.t.sf((delta - m) / se, n - 1))))


def tie_safe(x):
    """As the Swift code: round tau values to 12 decimals so equal values tie in the signed-rank test."""
    v = x * 1e12
    return math.copysign(math.floor(abs(v) + 0.5), v) / 1e12   # Swift's .rounded(): half away from zero


def within_taus(x_table, y_table):
    taus = []
    for x, y in zip(x_table, y_table):
        tau = stats.kendalltau(x, y).statistic
        taus.append(tie_safe(0.0 if np.isnan(tau) else float(tau)))
    return taus


def demean(values, groups):
    """Subtract each group's mean (the within transformation of fixed effects)."""
    values = np.asarray(values, float)
    codes, inverse = np.unique(np.asarray(groups), return_inverse=True)
    sums = np.bincount(inverse, weights=values, minlength=len(codes))
    counts = np.bincount(inverse, minlength=len(codes))
    return values - (sums / counts)[inverse], len(codes)


def ols_cluster_cov(y, covs, groups, clusters):
    """OLS of y on covs with one fixed effect per group, by the within transformation (Frisch-Waugh-
    Lovell: the same coefficients as explicit dummies, without a design matrix of one column per group),
    and the CR1 covariance counting the absorbed effects as parameters, as statsmodels with dummies."""
    yd, n_groups = demean(y, groups)
    X = np.column_stack([demean(c, groups)[0] for c in covs])
    n, k = X.shape
    beta, *_ = np.linalg.lstsq(X, yd, rcond=None)
    resid = yd - X @ beta
    xtx_inv = np.linalg.inv(X.T @ X)
    cl = np.asarray(clusters)
    _, cl_codes = np.unique(cl, return_inverse=True)
    g = cl_codes.max() + 1
    scores = np.zeros((g, k))
    np.add.at(scores, cl_codes, X * resid[:, None])
    meat = scores.T @ scores
    k_total = k + n_groups
    cov = (g / (g - 1)) * ((n - 1) / (n - k_total)) * xtx_inv @ meat @ xtx_inv
    return beta, cov, g


def input_statistics(items, ladder):
    """The input statistics of test (c) as items x levels tables, from the stored item metrics (files
    written before a metric existed lack it): span bytes, span patch count, non-ASCII and other-byte share."""
    out = []
    if "content_bytes" not in items:
        return out
    nbytes = np.asarray(items["content_bytes"].values, float)
    out.append(("span_bytes", paired(items, ladder, nbytes)))
    if "patches_per_byte" in items:
        out.append(("span_patch_count", paired(items, ladder, np.round(np.asarray(items["patches_per_byte"].values, float) * nbytes))))
    if "ascii_letter_fraction" in items and "non_ascii_fraction" in items:
        letters = np.asarray(items["ascii_letter_fraction"].values, float)
        non_ascii = np.asarray(items["non_ascii_fraction"].values, float)
        out.append(("non_ascii_fraction", paired(items, ladder, non_ascii)))
        out.append(("other_byte_fraction", paired(items, ladder, 1 - letters - non_ascii)))
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

    with h5py.File(path, "r") as f:
        import json
        config = json.loads(f["provenance/config_json"][()].decode() if isinstance(f["provenance/config_json"][()], bytes)
                            else f["provenance/config_json"][()])
        manifest_raw = f["provenance/dataset_manifest_json"][()]
        manifest = json.loads(manifest_raw.decode() if isinstance(manifest_raw, bytes) else manifest_raw)
        has_log_prob = "log_prob" in f["bytes"]
    control_spec = config.get("patch_control", "none")
    control_suffix = None if control_spec in (None, "none") else "@" + control_spec
    model_control = config.get("model_control", "none")
    model_suffix = None if model_control in (None, "none") else "@" + model_control
    arm_suffixes = [x for x in (control_suffix, model_suffix) if x]
    primary_hooks = config.get("primary_hooks", [])
    categorical = {l["name"] for l in manifest["ladders"] if l.get("level_scale", "numeric") != "numeric"}

    def arm_of(l):
        return next((x for x in arm_suffixes if l.endswith(x)), "")

    def base_ladder(l):
        a = arm_of(l)
        return l[: -len(a)] if a else l

    def is_primary(hook, measure):
        return measure == "hoyer" and (not primary_hooks or hook in primary_hooks)

    # Every row: the direction matches the measure, and the verdict follows the oriented rule.
    for r in rows:
        if r["hook"]:
            check(f"direction {r['test']} {r['ladder']} {r['hook']} {r['measure']}",
                  1.0, 1.0 if r.get("direction", direction_of(r["measure"])) == direction_of(r["measure"]) else 0.0)
        checked += 1
        if verdict_rule(r) != r["verdict"]:
            failures.append(f"verdict rule {r['test']} {r['ladder']} {r['hook']} {r['measure']} {r['stratum'] if 'stratum' in r else ''}: "
                            f"rule gives {verdict_rule(r)!r}, stored {r['verdict']!r}")

    ladders = list(dict.fromkeys(text(items["ladder"].values)))
    entropy = np.asarray(items["mean_entropy_bits"].values, float)
    probe_hooks = text(probe[probe["hoyer"].dims[1]].values)
    measures = [name for name in probe.data_vars if probe[name].ndim == 2]
    span_start = np.asarray(items["span_start"].values).astype(int)
    span_end = np.asarray(items["span_end"].values).astype(int)
    probe_position = np.asarray(items["probe_position"].values).astype(int)

    # Measured difficulty from the per-byte log-probabilities (not from stored item metrics).
    span_loss = probe_entropy = None
    if has_log_prob:
        by = xr.open_dataset(path, engine="h5netcdf", group="bytes")
        item_of_byte = np.asarray(by["item_index"].values).astype(int)
        position = np.asarray(by["position"].values).astype(int)
        log_prob = np.asarray(by["log_prob"].values, float)
        byte_entropy = np.asarray(by["entropy"].values, float)
        patch_id = np.asarray(by["patch_id"].values).astype(int)
        n_items = len(span_start)
        span_loss = np.full(n_items, np.nan)
        probe_entropy = np.full(n_items, np.nan)
        offsets = np.searchsorted(item_of_byte, np.arange(n_items + 1))
        for i in range(n_items):
            lo, hi = offsets[i], offsets[i + 1]
            pos = position[lo:hi]
            in_span = (pos >= span_start[i]) & (pos < span_end[i])
            if in_span.any():
                span_loss[i] = -log_prob[lo:hi][in_span].mean() / math.log(2)
            pid = patch_id[lo:hi]
            in_patch = pid == pid[probe_position[i]]
            e = byte_entropy[lo:hi][in_patch]
            e = e[np.isfinite(e)]
            if len(e):
                probe_entropy[i] = e.mean() / math.log(2)
        stored_bpb = np.asarray(items["bits_per_byte"].values, float)
        ok = np.isfinite(span_loss)
        check("span loss from /bytes/log_prob vs items.bits_per_byte (max rel diff)",
              float(np.max(np.abs(span_loss[ok] - stored_bpb[ok]) / np.maximum(np.abs(stored_bpb[ok]), 1e-300))), 0.0, atol=1e-6)
        if "non_ascii_fraction" in items:
            # The byte-class mix (covariates of (c)) recounted from /bytes/value.
            value = np.asarray(by["value"].values).astype(int)
            letters = np.full(n_items, np.nan)
            non_ascii = np.full(n_items, np.nan)
            for i in range(n_items):
                lo, hi = offsets[i], offsets[i + 1]
                pos = position[lo:hi]
                v = value[lo:hi][(pos >= span_start[i]) & (pos < span_end[i])]
                if len(v):
                    letters[i] = np.isin(v, list(range(65, 91)) + list(range(97, 123))).mean()
                    non_ascii[i] = (v >= 128).mean()
            for name, ours in (("ascii_letter_fraction", letters), ("non_ascii_fraction", non_ascii)):
                stored = np.asarray(items[name].values, float)
                ok = np.isfinite(ours)
                check(f"{name} from /bytes/value vs items.{name}", float(np.max(np.abs(ours[ok] - stored[ok]))), 0.0, atol=1e-12)
        if "probe_patch_entropy_bits" in items:
            stored_pe = np.asarray(items["probe_patch_entropy_bits"].values, float)
            ok = np.isfinite(probe_entropy)
            check("probe patch entropy from /bytes vs items.probe_patch_entropy_bits",
                  float(np.max(np.abs(probe_entropy[ok] - stored_pe[ok]))), 0.0, atol=1e-5)

    answer_loss = np.asarray(items["answer_loss_bits"].values, float) if "answer_loss_bits" in items else None
    tables = {}
    signal_tables = {}
    for ladder in ladders:
        sel_items = [i for i, l in enumerate(text(items["ladder"].values)) if l == ladder]
        e_table = paired(items, ladder, entropy)
        # (a)
        a = [r for r in rows if r["test"] == "entropy_tracks_level" and r["ladder"] == ladder]
        assert len(a) == 1, f"expected one entropy row for {ladder}"
        n, tau, p = trend(e_table)
        check(f"(a) {ladder} n", float(n), float(a[0]["n"]))
        check(f"(a) {ladder} tau", tau, a[0]["estimate"], atol=1e-12)
        check(f"(a) {ladder} p", p, a[0]["p"], atol=1e-12)
        # Loss: the answer's where the ladder has answers (stored metric: answer offsets are not in the file),
        # else the span loss recomputed from the bytes.
        loss_table = None
        if answer_loss is not None and np.isfinite(answer_loss[sel_items]).any():
            loss_table = paired(items, ladder, answer_loss)
        elif span_loss is not None:
            # The statistics use the float64 item metric, verified above against the float32 per-byte values.
            loss_table = paired(items, ladder, np.asarray(items["bits_per_byte"].values, float))
        if loss_table is not None:
            r0 = next(r for r in rows if r["test"] == "loss_tracks_level" and r["ladder"] == ladder)
            n, tau, p = trend(loss_table)
            check(f"(0) {ladder} tau", tau, r0["estimate"], atol=1e-12)
            check(f"(0) {ladder} p", p, r0["p"], atol=1e-12)
        pe_table = (paired(items, ladder, np.asarray(items["probe_patch_entropy_bits"].values, float))
                    if "probe_patch_entropy_bits" in items else e_table)

        def loss_assoc(label, values_table, row):
            keep = np.isfinite(values_table).all(axis=1) & np.isfinite(loss_table).all(axis=1)
            taus = within_taus(loss_table[keep], values_table[keep])
            if row["verdict"] == "insufficient data" or not any(taus):
                return
            check(f"{label} tau", float(np.mean(taus)), row["estimate"], atol=1e-12)
            check(f"{label} wilcoxon p", float(stats.wilcoxon(taus).pvalue), row["p"], atol=1e-12)
            check(f"{label} tost p", tost_mean(taus), row["tost_p"], atol=1e-12)

        signal_tables[ladder] = (e_table, loss_table)
        if loss_table is not None:
            re_ = next(r for r in rows if r["test"] == "entropy_tracks_loss" and r["ladder"] == ladder)
            loss_assoc(f"(e) {ladder}", e_table, re_)
        # (b), (c), (f) for every measure at every probe hook
        for measure in measures:
            values_all = np.asarray(probe[measure].values, float)
            for h, hook in enumerate(probe_hooks):
                y_table = paired(items, ladder, values_all[:, h])
                tables[(ladder, hook, measure)] = y_table
                rb = next(r for r in rows if r["test"] == "sparsity_tracks_level" and r["ladder"] == ladder
                          and r["hook"] == hook and r["measure"] == measure)
                n, tau, p = trend(y_table)
                check(f"(b) {ladder} {hook} {measure} tau", tau, rb["estimate"], atol=1e-12)
                check(f"(b) {ladder} {hook} {measure} p", p, rb["p"], atol=1e-12)
                check(f"(b) {ladder} {hook} {measure} primary", float(is_primary(hook, measure)), float(bool(rb["is_primary"])))
                if loss_table is not None:
                    rf = next(r for r in rows if r["test"] == "sparsity_tracks_loss" and r["ladder"] == ladder
                              and r["hook"] == hook and r["measure"] == measure)
                    loss_assoc(f"(f) {ladder} {hook} {measure}", y_table, rf)
                if measure != "hoyer":
                    continue
                rc = next(r for r in rows if r["test"] == "sparsity_beyond_entropy" and r["ladder"] == ladder
                          and r["hook"] == hook and r["measure"] == measure)
                if rc["verdict"] == "insufficient data":
                    continue
                keep = np.isfinite(y_table).all(axis=1) & np.isfinite(pe_table).all(axis=1)
                if "probe_patch_length" in items:
                    keep &= np.isfinite(paired(items, ladder, np.asarray(items["probe_patch_length"].values, float))).all(axis=1)
                if loss_table is not None:
                    keep &= np.isfinite(loss_table).all(axis=1)
                inputs = input_statistics(items, ladder)
                for _, t in inputs:
                    keep &= np.isfinite(t).all(axis=1)
                g, k = int(keep.sum()), y_table.shape[1]
                item = np.repeat(np.arange(g), k)
                level = np.tile(np.arange(k), g)
                cat = base_ladder(ladder) in categorical and k >= 3
                level_cols = [(level == j).astype(float) for j in range(1, k)] if cat else [level.astype(float)]
                covs = level_cols + [pe_table[keep].ravel()] + ([loss_table[keep].ravel()] if loss_table is not None else [])
                if "probe_patch_length" in items:
                    # Probe patch length as indicators 2, 3, >= 4 (1 = baseline), where they vary within items.
                    pl = paired(items, ladder, np.asarray(items["probe_patch_length"].values, float))[keep]
                    cat_len = np.clip(np.rint(pl), 1, 4).ravel()
                    for c_ in (2, 3, 4):
                        col = (cat_len == c_).astype(float)
                        within = col - np.repeat(col.reshape(g, k).mean(axis=1), k)
                        if col.any() and (np.abs(within) > 1e-12).any():
                            covs.append(col)
                # Input statistics, each while it varies within items and its VIF against the columns
                # already in the model is below 100.
                accepted = [demean(c, item)[0] for c in covs]
                for _, t in inputs:
                    col = t[keep].ravel()
                    within = demean(col, item)[0]
                    if not (np.abs(within) > 1e-9 * max(np.abs(col).max(), 1e-300)).any():
                        continue
                    coef, *_ = np.linalg.lstsq(np.column_stack(accepted), within, rcond=None)
                    rss = float(((within - np.column_stack(accepted) @ coef) ** 2).sum())
                    if rss > 0 and (within ** 2).sum() / rss < 100:
                        covs.append(col); accepted.append(within)
                y = y_table[keep].ravel()
                beta, cov, g_ = ols_cluster_cov(y, covs, item.tolist(), item.tolist())
                m = len(level_cols)
                w = np.zeros(len(beta)); w[:m] = 1.0 / m
                est = float(w @ beta); se = float(math.sqrt(w @ cov @ w))
                p = float(2 * stats.t.sf(abs(est / se), g_ - 1))
                check(f"(c) {ladder} {hook} estimate", est, rc["estimate"], atol=1e-12)
                check(f"(c) {ladder} {hook} p", p, rc["p"], atol=1e-10)
                yd = y - np.repeat(y_table[keep].mean(axis=1), k)
                delta = 0.1 * math.sqrt((yd ** 2).sum() / (len(y) - g))
                tost = float(min(1.0, max(stats.t.sf((est + delta) / se, g_ - 1), stats.t.sf((delta - est) / se, g_ - 1))))
                check(f"(c) {ladder} {hook} tost p", tost, rc["tost_p"], atol=1e-10)
        # (d) at every patch-level hook, with the strata rows where present
        if patch_level is not None:
            d_rows = [r for r in rows if r["test"] == "entropy_sparsity_patch_correlation" and r["ladder"] == ladder]
            patch_hooks = text(patch_level[patch_level["hoyer"].dims[1]].values)
            item_of_patch = np.asarray(patches["item_index"].values).astype(int)
            start = np.asarray(patches["start"].values).astype(int)
            length = np.asarray(patches["length"].values).astype(int)
            mean_entropy = np.asarray(patches["mean_entropy"].values, float) / math.log(2)
            ladder_of_item = text(items["ladder"].values)
            bases = text(items["base_item_id"].values)
            levels = np.asarray(items["level_index"].values).astype(int)
            use = np.array([ladder_of_item[i] == ladder and length[j] > 0 and span_start[i] <= start[j] < span_end[i]
                            for j, i in enumerate(item_of_patch)])
            strata = {"": (1, 10**9), "patch_length=1": (1, 1), "patch_length=2": (2, 2), "patch_length=3": (3, 3),
                      "patch_length=4..7": (4, 7), "patch_length>=8": (8, 10**9)}
            for h, hook in enumerate(patch_hooks):
                values = np.asarray(patch_level["hoyer"].values, float)[:, h]
                for stratum, (lo, hi) in strata.items():
                    rd = next((r for r in d_rows if r["hook"] == hook and r["measure"] == "hoyer"
                               and r.get("stratum", "") == stratum), None)
                    if rd is None or rd["verdict"] == "insufficient data":
                        continue
                    sel = use & np.isfinite(values) & np.isfinite(mean_entropy) & (length >= lo) & (length <= hi)
                    base = [bases[i] for i in item_of_patch[sel]]
                    text_id = [f"{bases[i]}|{levels[i]}" for i in item_of_patch[sel]]
                    x, y = mean_entropy[sel], values[sel]
                    cat = np.minimum(8, np.maximum(1, length[sel]))
                    candidates = [(cat == c).astype(float) for c in range(2, 9)] + [start[sel].astype(float)]
                    covs = []
                    for col in candidates:
                        within = demean(col, text_id)[0]
                        if (col ** 2).sum() > 0 and (within ** 2).sum() > 1e-20 * (col ** 2).sum():
                            covs.append(col)
                    # Partial correlation given the text effects and the controls: residualise the
                    # within-text values of x and y on the within-text controls.
                    xd, yd = demean(x, text_id)[0], demean(y, text_id)[0]
                    Zd = np.column_stack([demean(c, text_id)[0] for c in covs]) if covs else np.zeros((len(x), 0))
                    rx = xd - Zd @ np.linalg.lstsq(Zd, xd, rcond=None)[0] if covs else xd
                    ry = yd - Zd @ np.linalg.lstsq(Zd, yd, rcond=None)[0] if covs else yd
                    r_est = float(np.corrcoef(rx, ry)[0, 1])
                    beta, cov, g_ = ols_cluster_cov(y, [x] + covs, text_id, base)
                    p = float(2 * stats.t.sf(abs(beta[0] / math.sqrt(cov[0, 0])), g_ - 1))
                    check(f"(d) {ladder} {hook} {stratum or 'all'} partial r", r_est, rd["estimate"], rtol=1e-8)
                    check(f"(d) {ladder} {hook} {stratum or 'all'} p", p, rd["p"], atol=1e-9)

    # (g) the patching interaction and (h) the model control: each ladder against its control arm.
    for test, suffix, tag in (("patching_interaction", control_suffix, "g"), ("model_control_difference", model_suffix, "h")):
        if not suffix:
            continue
        for ladder in ladders:
            if base_ladder(ladder) != ladder or ladder + suffix not in ladders:
                continue
            for measure in measures:
                for hook in probe_hooks:
                    rg = next(r for r in rows if r["test"] == test and r["ladder"] == ladder
                              and r["hook"] == hook and r["measure"] == measure)
                    if rg["verdict"] == "insufficient data":
                        continue
                    a_t, c_t = tables[(ladder, hook, measure)], tables[(ladder + suffix, hook, measure)]
                    keep = np.isfinite(a_t).all(axis=1) & np.isfinite(c_t).all(axis=1)
                    k = a_t.shape[1]
                    diffs = [tie_safe((0 if np.isnan(t1 := stats.kendalltau(np.arange(k), x).statistic) else t1)
                                   - (0 if np.isnan(t2 := stats.kendalltau(np.arange(k), y).statistic) else t2))
                             for x, y in zip(a_t[keep], c_t[keep])]
                    check(f"({tag}) {ladder} {hook} {measure} estimate", float(np.mean(diffs)), rg["estimate"], atol=1e-12)
                    check(f"({tag}) {ladder} {hook} {measure} p", float(stats.wilcoxon(diffs).pvalue), rg["p"], atol=1e-12)

    # The permutation null's calibration rows: rate = count / shuffles, exact (Clopper-Pearson) CI as scipy.
    for r in rows:
        if r["test"] != "permutation_null_rate":
            continue
        m = re.match(r"(\d+) of (\d+) shuffles", r["note"])
        if not m:
            failures.append(f"null row {r['ladder']} {r['measure']}: note {r['note']!r} does not give the count")
            continue
        k, n = int(m.group(1)), int(m.group(2))
        check(f"null {r['ladder']} {r['measure']} shuffles", float(n), float(r["n"]))
        check(f"null {r['ladder']} {r['measure']} rate", k / n, r["estimate"], atol=1e-15)
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        check(f"null {r['ladder']} {r['measure']} ci_low", float(ci.low), r["ci_low"], atol=1e-9)
        check(f"null {r['ladder']} {r['measure']} ci_high", float(ci.high), r["ci_high"], atol=1e-9)

    # Holm families: test x ladder x primary/exploratory x strata; across ladders (within each arm)
    # when a run holds several ladders; the interaction always per ladder.
    main_ladders = [l for l in ladders if base_ladder(l) == l]
    across = len(main_ladders) > 1
    families = {}
    for r in rows:
        arm = arm_of(r["ladder"]) or "main"
        ladder_key = arm if (across and r["test"] not in ("patching_interaction", "model_control_difference")) else r["ladder"]
        key = (r["test"], ladder_key, bool(r["is_primary"]), bool(r.get("stratum", "")))
        families.setdefault(key, []).append(r)
    for fam in families.values():
        for r, q in zip(fam, holm([r["p"] for r in fam])):
            check(f"holm {r['test']} {r['ladder']} {r['hook']} {r['measure']}", q, r["p_corrected"], atol=1e-12)

    # REPORT.md's predictor tables: AUROC (first vs last level, adjacent levels) and Spearman rho of entropy,
    # loss, the primary hooks' hoyer and the out-of-fold ridge judge, recomputed with numpy/scipy and compared
    # with the 4 significant digits the report prints.
    report_path = pathlib.Path(path).with_name("REPORT.md")
    if report_path.exists() and "## Difficulty signals as predictors" in report_path.read_text():
        body = report_path.read_text().split("## Difficulty signals as predictors", 1)[1].split("\n## ", 1)[0]

        def auroc(neg, pos):
            neg, pos = neg[np.isfinite(neg)], pos[np.isfinite(pos)]
            if not len(neg) or not len(pos):
                return None
            ranks = stats.rankdata(np.concatenate([neg, pos]))
            return float((ranks[len(neg):].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))

        def fmt(v):
            return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.4g}"

        def partial_within_levels(table, loss_t, e_t):
            ok = np.isfinite(table) & np.isfinite(loss_t) & np.isfinite(e_t)
            if ok.sum() < 4:
                return "—"
            lv = np.nonzero(ok)[1]
            x, y, e = table[ok], loss_t[ok], e_t[ok]
            levels_present = sorted(set(lv))
            z = np.column_stack([e] + [(lv == l).astype(float) for l in levels_present])
            rx = x - z @ np.linalg.lstsq(z, x, rcond=None)[0]
            ry = y - z @ np.linalg.lstsq(z, y, rcond=None)[0]
            r = float(np.corrcoef(rx, ry)[0, 1])
            df = len(x) - 2 - 1 - (len(levels_present) - 1)
            t = r * math.sqrt(df / max(1e-300, 1 - r * r))
            p = float(2 * stats.t.sf(abs(t), df))
            shown_p = f"{p:.1e}" if p < 1e-3 else f"{p:.3g}"
            return f"{r:.4g} (p {shown_p})"

        def prediction_cells(table, loss_t, e_t=None):
            k = table.shape[1]
            ext = auroc(table[:, 0], table[:, k - 1])
            adj = [a for a in (auroc(table[:, l], table[:, l + 1]) for l in range(k - 1)) if a is not None]
            lv, val = np.nonzero(np.isfinite(table))[1].astype(float), table[np.isfinite(table)]
            rho_level = float(stats.spearmanr(val, lv).statistic) if len(val) >= 3 else None
            rho_loss = None
            if loss_t is not None:
                ok = np.isfinite(table) & np.isfinite(loss_t)
                if ok.sum() >= 3:
                    rho_loss = float(stats.spearmanr(table[ok], loss_t[ok]).statistic)
            cells = [fmt(ext), fmt(float(np.mean(adj)) if adj else None), fmt(rho_level), fmt(rho_loss)]
            return cells + [partial_within_levels(table, loss_t, e_t) if (e_t is not None and loss_t is not None) else "—"]

        def ridge_oof(x, y, groups, folds=5, lam=1.0):
            out = np.full(len(y), np.nan)
            usable = np.isfinite(y) & np.isfinite(x).all(axis=1)
            for fold in range(folds):
                tr = usable & (groups % folds != fold)
                te = usable & (groups % folds == fold)
                if tr.sum() < 2 or not te.any():
                    continue
                mu, sd = x[tr].mean(axis=0), x[tr].std(axis=0)
                sd[sd == 0] = 1
                z = (x[tr] - mu) / sd
                beta = np.linalg.solve(z.T @ z + lam * np.eye(x.shape[1]), z.T @ (y[tr] - y[tr].mean()))
                out[te] = y[tr].mean() + ((x[te] - mu) / sd) @ beta
            return out

        raw_measures = [m for m in measures if not m.endswith(("_no_outliers", "_z"))]
        item_ladders = text(items["ladder"].values)
        for ladder in ladders:
            if base_ladder(ladder) != ladder or ladder not in signal_tables:
                continue
            section = body.split(f"**{ladder}**", 1)
            if len(section) < 2:
                failures.append(f"REPORT.md has no predictor table for {ladder}")
                continue
            lines = [l for l in section[1].split("\n\n", 2)[1].splitlines() if l.startswith("| ") and not l.startswith("| signal")]
            shown = {l.split(" | ")[0][2:]: [c.split(" [")[0].strip(" |") for c in l.split(" | ")[1:]] for l in lines}
            e_table, loss_t = signal_tables[ladder]
            expected = {"entropy `mean_entropy_bits`": prediction_cells(e_table, loss_t)}
            if loss_t is not None:
                metric = "answer_loss_bits" if (answer_loss is not None and np.isfinite(answer_loss[[i for i, l in enumerate(item_ladders) if l == ladder]]).any()) else "bits_per_byte"
                expected[f"measured loss `{metric}`"] = prediction_cells(loss_t, loss_t)
            for hook in (primary_hooks or probe_hooks[:4]):
                if hook in probe_hooks:
                    expected[f"`hoyer` at `{hook}`"] = prediction_cells(tables[(ladder, hook, "hoyer")], loss_t, e_table)
            sel = [i for i, l in enumerate(item_ladders) if l == ladder]
            level_idx = np.asarray(items["level_index"].values).astype(int)
            level_ids = sorted({int(level_idx[i]) for i in sel})
            bases_all = text(items["base_item_id"].values)
            base_ids = list(dict.fromkeys(bases_all[i] for i in sel))
            x = np.column_stack([np.asarray(probe[m].values, float)[sel, h] for m in raw_measures for h in range(len(probe_hooks))])
            y = np.array([level_ids.index(int(level_idx[i])) for i in sel], float)
            g = np.array([base_ids.index(bases_all[i]) for i in sel])
            judge = np.full((len(base_ids), len(level_ids)), np.nan)
            judge[g, y.astype(int)] = ridge_oof(x, y, g)
            expected["**learned judge** (ridge, out of fold)"] = prediction_cells(judge, loss_t, e_table)
            for name, cells in expected.items():
                checked += 1
                if shown.get(name) != cells:
                    failures.append(f"predictors {ladder} {name}: numpy {cells} vs REPORT.md {shown.get(name)}")

    # REPORT.md next to the file shows the stored entropy estimate with 4 significant digits.
    report = pathlib.Path(path).with_name("REPORT.md")
    if report.exists():
        body = report.read_text()
        for r in rows:
            if r["test"] == "entropy_tracks_level" and r["estimate"] is not None and not math.isnan(r["estimate"]) \
                    and base_ladder(r["ladder"]) == r["ladder"]:
                shown = f"{r['estimate']:.4g}"
                checked += 1
                if not re.search(r"Does entropy track the level\? \(a\) [^\n]*" + re.escape(shown), body):
                    failures.append(f"REPORT.md does not show the entropy estimate {shown} for {r['ladder']}")
    else:
        print(f"note: no REPORT.md next to {path}; only the HDF5 file was checked")

    print(f"{checked} checks, {len(failures)} mismatches ({path})")
    for f in failures[:50]:
        print("MISMATCH", f)
    return 1 if failures else 0


# %%
if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_report.py PATH/TO/probe.h5")
    sys.exit(main(sys.argv[1]))
