# %% [markdown]
# # Reference values for the Metrics module (ByteLens)
#
# Computes every Metrics quantity with numpy/scipy, independently of the Swift code, on seeded synthetic
# data, and writes `Tests/MetricsTests/Fixtures/metrics_reference.json`. The Swift tests
# (`swift test --filter MetricsTests`) compare against this file; CI never runs Python.
#
# Run from the repository root:
#
#     python3 -m venv V && V/bin/pip install numpy scipy
#     V/bin/python Notebooks-as-scripts/make_metrics_fixtures.py
#
# (The project venv with torch==2.13.0 transformers==5.24.0 safetensors numpy scipy h5py also works.)
# Inputs are float32 (as hook buffers are); every reference value is computed in float64. JSON floats are
# written with repr(), which round-trips exactly, so the Swift side reads the identical float32 inputs.
#
# Conventions mirrored here (and documented in the Swift doc comments):
# - top-k energy: k = max(1, ceil(percent * d / 100)) with integer arithmetic;
# - near-zero: |h| <= 0.1 * RMS; excess kurtosis of signed h, population moments (scipy bias=True);
# - outlier rule: dims with mean|h| > factor * median(mean|h|), at most min(d-1, max(1, floor(frac*d))),
#   largest first, returned ascending; z-scores use population std and skip dims with std == 0;
# - effective rank: exp(entropy(sigma / sum sigma)); covariance PR: (sum lambda)^2 / sum lambda^2;
# - entropy/loss in nats from float32 logits, byte-aligned (index 0 = BOS = NaN, written as null);
# - FLOPs: an independent count that enumerates the actual attention masks.

# %%
import json
import math
from pathlib import Path

import numpy as np
from scipy import stats
from scipy.special import logsumexp

from bytelens_reference import paper_metrics

rng = np.random.default_rng(20261129)
OUT = Path(__file__).resolve().parent.parent / "Tests" / "MetricsTests" / "Fixtures" / "metrics_reference.json"


def f32list(a):
    return [float(x) for x in np.asarray(a, np.float32).ravel()]


def num(x):
    x = float(x)
    return None if math.isnan(x) else x


# %% Per-vector measures
def top_count(percent, d):
    return min(d, max(1, (percent * d + 99) // 100))


def measures(h32):
    h = np.asarray(h32, np.float64)
    a = np.abs(h)
    d = a.size
    l1, e = a.sum(), (a ** 2).sum()
    out = {}
    if e == 0:
        out.update(hoyer=0.0, gini=0.0, participation_ratio=1.0, energy_effective_dim=1.0,
                   near_zero_fraction=1.0, l2_norm=0.0)
        for p in (1, 5, 10):
            out[f"top{p}_energy"] = top_count(p, d) / d
    else:
        out["hoyer"] = 0.0 if d == 1 else min(1.0, max(0.0, (math.sqrt(d) - l1 / math.sqrt(e)) / (math.sqrt(d) - 1)))
        s = np.sort(a)
        k = np.arange(1, d + 1)
        out["gini"] = max(0.0, 1 - 2 * np.sum((s / l1) * (d - k + 0.5) / d))
        sq_desc = np.sort(a ** 2)[::-1]
        for p in (1, 5, 10):
            out[f"top{p}_energy"] = sq_desc[: top_count(p, d)].sum() / e
        out["participation_ratio"] = e ** 2 / np.sum(a ** 4) / d
        p = a ** 2 / e
        p = p[p > 0]
        out["energy_effective_dim"] = math.exp(-np.sum(p * np.log(p))) / d
        rms = math.sqrt(e / d)
        out["near_zero_fraction"] = float(np.mean(a <= 0.1 * rms))
        out["l2_norm"] = math.sqrt(e)
    var = np.var(h)
    out["excess_kurtosis"] = 0.0 if var == 0 else float(stats.kurtosis(h, fisher=True, bias=True))
    return {k: float(v) for k, v in out.items()}


vectors = {}
vectors["normal_d64"] = rng.standard_normal(64)
vectors["normal_d100"] = rng.standard_normal(100) * 3.0 + 0.5
vectors["t3_d257"] = rng.standard_t(3, 257)
massive = rng.standard_normal(128)
massive[[5, 77]] = [350.0, -420.0]
vectors["massive_d128"] = massive
sparse = rng.standard_normal(200)
sparse[rng.random(200) < 0.6] = 0.0
vectors["sparse_d200"] = sparse
vectors["relu_d50"] = np.maximum(rng.standard_normal(50), 0)
vectors["one_hot_d40"] = np.eye(40)[7] * -2.5
vectors["constant_d30"] = np.full(30, 0.75)
vectors["zero_d16"] = np.zeros(16)
vectors["single_d1"] = np.array([-3.0])
vectors["pair_d2"] = np.array([1.0, -4.0])
vectors["tiny_scale_d64"] = rng.standard_normal(64) * 1e-20
vectors["large_scale_d64"] = rng.standard_normal(64) * 1e15

vector_cases = []
for name, v in vectors.items():
    v32 = np.asarray(v, np.float32)
    vector_cases.append({"name": name, "values": f32list(v32), "measures": measures(v32),
                         "paper": paper_metrics(v32)})

# %% Reference statistics, outlier rule, variants
def outlier_dims(mean_abs, factor=10.0, frac=0.01):
    d = mean_abs.size
    if d <= 1:
        return []
    cap = min(d - 1, max(1, int(math.floor(frac * d))))
    med = float(np.median(mean_abs))
    if med <= 0:
        return []
    cand = [i for i in range(d) if mean_abs[i] > factor * med]
    cand.sort(key=lambda i: (-mean_abs[i], i))
    return sorted(cand[:cap])


d_ref = 300
ref = rng.standard_normal((60, d_ref)) * rng.uniform(0.5, 2.0, d_ref)
ref[:, 11] += 900.0          # massive, constant-ish sign
ref[:, 250] -= 1500.0
ref[:, 42] = np.where(rng.random(60) < 0.5, 40.0, -40.0)  # large but only ~20x median
ref[:, 99] = 0.125           # constant dimension: sigma 0, excluded from z-scores
ref32 = np.asarray(ref, np.float32)
r64 = ref32.astype(np.float64)
ref_mean = r64.mean(axis=0)
ref_std = r64.std(axis=0)
ref_mean_abs = np.abs(r64).mean(axis=0)
outliers = outlier_dims(ref_mean_abs)
kept = [i for i in range(d_ref) if i not in set(outliers)]
zdims = [i for i in range(d_ref) if ref_std[i] > 0]

probes = rng.standard_normal((4, d_ref)) * 1.5
probes[:, 11] += 880.0
probes[:, 250] -= 1490.0
probes[1, 42] = 400.0
probes32 = np.asarray(probes, np.float32)
probe_cases = []
for row in probes32:
    r = row.astype(np.float64)
    z = (r[zdims] - ref_mean[zdims]) / ref_std[zdims]
    probe_cases.append({
        "values": f32list(row),
        "raw": measures(row),
        "no_outliers": measures(r[kept]),
        "z": measures(z),
    })

# Outlier rule corner cases (mean |h| vectors given directly).
rule_cases = [
    {"mean_abs": [1.0] * 10 + [50.0, 200.0], "factor": 10.0, "fraction": 0.01},
    {"mean_abs": [1.0] * 300 + [11.0, 9.0, 500.0, 500.0, 30.0], "factor": 10.0, "fraction": 0.01},
    {"mean_abs": [0.0] * 5 + [3.0], "factor": 10.0, "fraction": 0.5},
    {"mean_abs": [2.0, 1.0, 100.0, 1.0], "factor": 5.0, "fraction": 1.0},
    {"mean_abs": [7.0], "factor": 10.0, "fraction": 1.0},
]
for case in rule_cases:
    case["expected"] = outlier_dims(np.array(case["mean_abs"]), case["factor"], case["fraction"])

reference = {
    "rows": int(ref32.shape[0]), "cols": d_ref, "values": f32list(ref32),
    "mean": ref_mean.tolist(), "std": ref_std.tolist(), "mean_abs": ref_mean_abs.tolist(),
    "min": r64.min(axis=0).tolist(), "max": r64.max(axis=0).tolist(),
    "outlier_dims": outliers, "z_dims_count": len(zdims), "probes": probe_cases, "rule_cases": rule_cases,
}

# %% Matrix-level measures
def erank(sig):
    s = float(np.sum(sig))
    if s == 0:
        return 0.0
    p = sig / s
    p = p[p > 0]
    return float(math.exp(-np.sum(p * np.log(p))))


def cov_pr(x):
    # The definition: eigenvalues of the sample covariance (the 1/(n-1) cancels in the ratio).
    if x.shape[0] < 2:
        return 0.0
    lam = np.linalg.eigvalsh(np.cov(x, rowvar=False))
    if np.sum(lam ** 2) == 0:
        return 0.0
    return float(np.sum(lam) ** 2 / np.sum(lam ** 2))


matrices = {}
matrices["wide_12x40"] = rng.standard_normal((12, 40))
matrices["tall_50x8"] = rng.standard_normal((50, 8)) * np.array([10, 5, 3, 1, 1, 0.5, 0.1, 0.01])
low = rng.standard_normal((30, 3)) @ rng.standard_normal((3, 20))
matrices["rank3_30x20"] = low
matrices["massive_20x64"] = rng.standard_normal((20, 64)) + np.where(np.arange(64) == 9, 300.0, 0.0)
matrices["square_16x16"] = rng.standard_t(3, (16, 16))
matrices["single_row_1x10"] = rng.standard_normal((1, 10))
matrices["identical_rows_5x6"] = np.tile(rng.standard_normal(6), (5, 1))
matrices["zeros_4x5"] = np.zeros((4, 5))
matrix_cases = []
for name, m in matrices.items():
    m32 = np.asarray(m, np.float32)
    x = m32.astype(np.float64)
    sv = np.linalg.svd(x, compute_uv=False)
    svc = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
    matrix_cases.append({
        "name": name, "rows": int(x.shape[0]), "cols": int(x.shape[1]), "values": f32list(m32),
        "singular_values": sv.tolist(), "effective_rank": erank(sv),
        "singular_values_centered": svc.tolist(), "effective_rank_centered": erank(svc),
        "covariance_pr": cov_pr(x),
    })

# %% Entropy and loss from logits
def entropy_cases():
    cases = []
    for name, (n, v, scale) in {"small": (9, 7, 1.0), "peaked": (6, 260, 40.0), "huge_logits": (5, 11, 1e4)}.items():
        logits = np.asarray(rng.standard_normal((n, v)) * scale + rng.uniform(-50, 50), np.float32)
        l64 = logits.astype(np.float64)
        # Stable log-sum-exp with log1p around the maximum, so peaked rows keep full relative accuracy.
        top = np.argmax(l64, axis=1)
        m = l64[np.arange(n), top]
        shifted = l64 - m[:, None]
        e = np.exp(shifted)
        e[np.arange(n), top] = 0.0
        rest = e.sum(axis=1)
        lse = m + np.log1p(rest)
        h = np.log1p(rest) - (e * shifted).sum(axis=1) / (1 + rest)
        # Cross-check against scipy's logsumexp-based definition (agrees to rounding on ordinary rows).
        p = np.exp(l64 - logsumexp(l64, axis=1)[:, None])
        assert np.allclose(h, -(p * (l64 - logsumexp(l64, axis=1)[:, None])).sum(axis=1), rtol=1e-6, atol=1e-12)
        ids = rng.integers(0, v, n)
        loss = [None] + [float(lse[t - 1] - l64[t - 1, ids[t]]) for t in range(1, n)]
        cases.append({"name": name, "rows": n, "vocabulary": v, "logits": f32list(logits),
                      "ids": ids.tolist(), "predictive_entropy": h.tolist(), "losses": loss})
    return cases


# %% Patch and item summaries
def patch_case(n, lengths, span, seed_scale=2.0):
    h = rng.uniform(0, 3, n) * seed_scale / 2
    e = np.concatenate([[np.nan], h[:-1]])  # byte-aligned
    loss = np.concatenate([[np.nan], rng.uniform(0, 5, n - 1)])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int)
    patches = []
    for j, (s, L) in enumerate(zip(starts, lengths)):
        if L == 0:
            patches.append({"start": int(s), "length": 0, "first": None, "mean": None, "max": None})
        else:
            seg = e[s:s + L]
            patches.append({"start": int(s), "length": int(L), "first": num(seg[0]),
                            "mean": num(np.mean(seg)), "max": num(np.max(seg))})
    lo, hi = span
    inspan = [p for p in patches if p["length"] > 0 and lo <= p["start"] < hi]
    L = np.array([p["length"] for p in inspan], float)
    means = np.array([p["mean"] for p in inspan], float)
    item = {
        "mean_entropy": float(np.mean(e[lo:hi])),
        "mean_entropy_bits": float(np.mean(e[lo:hi]) / math.log(2)),
        "bits_per_byte": float(np.mean(loss[lo:hi]) / math.log(2)),
        "patch_count": len(inspan),
        "patches_per_byte": len(inspan) / (hi - lo),
        "mean_patch_length": float(L.mean()) if len(inspan) else 0.0,
        "mean_first_byte_entropy": float(np.mean([p["first"] for p in inspan])) if len(inspan) else None,
        "mean_patch_entropy_per_patch": float(means.mean()) if len(inspan) else None,
        "mean_patch_entropy_per_byte": float(np.sum(L * means) / L.sum()) if len(inspan) else None,
    }
    return {"byte_entropies": [num(x) for x in e], "losses": [num(x) for x in loss], "patch_lengths": lengths,
            "span": list(span), "patches": patches, "item": item}


patch_cases = [
    patch_case(12, [1, 3, 2, 4, 2, 0], (1, 12)),
    patch_case(20, [1, 1, 5, 1, 1, 6, 5], (4, 15)),
    patch_case(5, [1, 4], (1, 5)),
]

# %% FLOP attribution by explicit mask enumeration (independent of the Swift closed forms)
def layer_token_flops(D, H, K, I):
    hd = D // H
    return 2 * D * H * hd + 2 * 2 * D * K * hd + 2 * H * hd * D + 3 * 2 * D * I


def self_attention_pairs(n, window):
    # mask[q, k] = True when query q may attend to key k
    q = np.arange(n)[:, None]
    k = np.arange(n)[None, :]
    mask = k <= q
    if window is not None:
        mask &= k > q - window
    return mask.sum(axis=1)


def ids_from_lengths(lengths, n):
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int) if len(lengths) else np.array([], int)
    return np.array([int(np.sum(starts <= t)) - 1 for t in range(n)])


def flops_by_masks(shape, lengths, include_patcher):
    n = int(sum(lengths))
    P = len(lengths)
    kslots = shape["k"]
    out = {c: np.zeros(n) for c in ("patcher", "embedding", "encoder", "global", "decoder")}
    unattributed = 0.0
    enc_ids = ids_from_lengths(lengths, n)
    dec_ids = ids_from_lengths(lengths[1:], n)

    def stack_per_token(st, n_tokens):
        pairs = self_attention_pairs(n_tokens, st["window"])
        hd = st["hidden"] // st["heads"]
        return st["layers"] * (layer_token_flops(st["hidden"], st["heads"], st["kv_heads"], st["intermediate"])
                               + 4 * st["heads"] * hd * pairs)

    if include_patcher and shape["patcher"] is not None:
        p = shape["patcher"]
        out["patcher"] += stack_per_token(p, n) + 2 * p["hidden"] * shape["vocab"]
    e, g, d = shape["encoder"], shape["global"], shape["decoder"]
    out["embedding"] += shape["hash_tables"] * e["hidden"]
    De, He, Ke = e["hidden"], e["heads"], e["kv_heads"]
    hde = De // He
    n_enc_cross = e["layers"] if shape["enc_all"] else min(1, e["layers"])
    out["encoder"] += stack_per_token(e, n)
    # encoder cross-attention: queries = P*k slots, keys = bytes; mask slot (p, s) -> bytes with enc id p
    cross_mask = np.array([[enc_ids[t] == p for t in range(n)] for p in range(P) for _ in range(kslots)])
    for _ in range(n_enc_cross):
        out["encoder"] += 2 * 2 * De * Ke * hde                       # k, v projections of every byte
        for p in range(P):
            rows = cross_mask[p * kslots:(p + 1) * kslots]
            cost = 2 * De * De * kslots + kslots * (2 * De * He * hde + 2 * He * hde * De) \
                + 4 * He * hde * rows.sum()
            owners = np.where(enc_ids == p)[0]
            if len(owners):
                out["encoder"][owners] += cost / len(owners)
            else:
                unattributed += cost
    Dg, Hg = g["hidden"], g["heads"]
    hdg = Dg // Hg
    gpairs = self_attention_pairs(P, g["window"])
    for j in range(P):
        cost = (2 * De * kslots * Dg if De * kslots != Dg else 0) + g["layers"] * (
            layer_token_flops(Dg, Hg, g["kv_heads"], g["intermediate"]) + 4 * Hg * hdg * gpairs[j])
        owners = np.where(enc_ids == j)[0]
        if len(owners):
            out["global"][owners] += cost / len(owners)
        else:
            unattributed += cost
    Dd, Hd, Kd = d["hidden"], d["heads"], d["kv_heads"]
    hdd = Dd // Hd
    n_dec_cross = d["layers"] if shape["dec_all"] else min(1, d["layers"])
    out["decoder"] += stack_per_token(d, n) + 2 * Dd * shape["vocab"]
    # decoder cross mask: byte t -> slots (p, s) with dec id p
    dmask = np.array([[dec_ids[t] == p for p in range(P) for _ in range(kslots)] for t in range(n)])
    for _ in range(n_dec_cross):
        out["decoder"] += 2 * Dd * Hd * hdd + 2 * Hd * hdd * Dd + 4 * Hd * hdd * dmask.sum(axis=1)
    for p in range(P):
        cost = 2 * Dg * Dd * kslots + n_dec_cross * kslots * 2 * 2 * Dd * Kd * hdd
        owners = np.where(dec_ids == p)[0]
        if len(owners):
            out["decoder"][owners] += cost / len(owners)
        else:
            unattributed += cost
    return {c: v.tolist() for c, v in out.items()} | {"unattributed": unattributed}


tiny_shape = {
    "patcher": {"layers": 2, "hidden": 8, "heads": 2, "kv_heads": 2, "intermediate": 12, "window": 4},
    "encoder": {"layers": 2, "hidden": 8, "heads": 2, "kv_heads": 1, "intermediate": 16, "window": 3},
    "global": {"layers": 3, "hidden": 12, "heads": 3, "kv_heads": 3, "intermediate": 20, "window": None},
    "decoder": {"layers": 2, "hidden": 8, "heads": 4, "kv_heads": 2, "intermediate": 16, "window": 5},
    "vocab": 11, "k": 2, "enc_all": True, "dec_all": False, "hash_tables": 3,
}
flop_cases = []
for lengths, include in (([1, 3, 2, 4, 0], True), ([1, 1, 1, 6, 2, 3], True), ([1, 4, 4, 2], False), ([1], True)):
    flop_cases.append({"patch_lengths": lengths, "include_patcher": include,
                       "expected": flops_by_masks(tiny_shape, lengths, include)})

# %% Write
fixture = {
    "generator": "Notebooks-as-scripts/make_metrics_fixtures.py",
    "numpy": np.__version__,
    "vectors": vector_cases,
    "reference": reference,
    "matrices": matrix_cases,
    "entropy": entropy_cases(),
    "patches": patch_cases,
    "flops": {"shape": tiny_shape, "cases": flop_cases},
}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(fixture, allow_nan=False, separators=(",", ":")) + "\n")
print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
