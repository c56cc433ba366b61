# %% [markdown]
# # Statistics fixtures for `Tests/StatisticsTests/Fixtures/`
#
# Computes every statistic of the Swift `Statistics` module with numpy/scipy on seeded synthetic data
# (ties, small n, n = 1 and 2, constant inputs, NaN) and writes small JSON fixtures that the Swift tests
# compare against to 1e-9 relative. CI needs no Python: the JSON files are committed.
#
# Environment (scipy 1.17 is what the fixtures were made with):
#
#     python3 -m venv V && V/bin/pip install numpy scipy
#     V/bin/python Notebooks-as-scripts/make_statistics_fixtures.py
#
# Conventions of the JSON: a NaN *input* is written as null; an undefined *expected* value (scipy NaN,
# or our documented "no p-value for n < 3") is written as null too, and each case says which.
# Bootstrap and permutation fixtures carry their resample indices explicitly, so both sides use the
# same resamples; the script asserts that these indices are exactly what `scipy.stats.bootstrap` draws
# from the same numpy Generator, so the expected intervals are scipy's own.

# %%
import json
import math
import pathlib
import warnings

import numpy as np
import scipy
from scipy import special, stats

warnings.simplefilter("ignore")  # scipy warns on constant input / small n; we record its NaN
OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "StatisticsTests" / "Fixtures"
OUT.mkdir(parents=True, exist_ok=True)
BASE_SEED = 20260301


def clean(v):
    """JSON-safe: numpy scalars to Python, NaN to None, arrays to lists."""
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return clean(v.tolist())
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) else f
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def write(name, payload):
    payload = {"generator": "Notebooks-as-scripts/make_statistics_fixtures.py",
               "scipy": scipy.__version__, "numpy": np.__version__, **payload}
    path = OUT / name
    path.write_text(json.dumps(clean(payload), indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {path.relative_to(OUT.parent.parent.parent)} ({path.stat().st_size} bytes)")


rng = np.random.default_rng(BASE_SEED)

# %% Special functions
p_grid = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.02425, 0.025, 0.1, 0.3, 0.5, 0.6,
          0.9, 0.975, 0.97575, 0.99, 0.999999, 1 - 1e-12]
x_grid = [-38.0, -30.0, -10.0, -5.0, -2.5, -1.0, -0.1, 0.0, 0.3, 1.0, 1.96, 3.0, 6.0, 8.0]
t_cases = [(t, df) for df in [1, 2, 3, 4.5, 7, 10, 29, 100, 1000] for t in [-40.0, -3.0, -1.0, -0.2, 0.0, 0.5, 2.0, 5.0, 50.0]]
beta_cases = [(a, b, x) for (a, b) in [(0.5, 0.5), (1, 0.5), (2.5, 0.5), (10, 0.5), (50, 0.5), (500, 0.5),
                                       (3, 4), (0.7, 12)] for x in [1e-8, 0.01, 0.3, 0.5, 0.77, 0.99, 1 - 1e-9]]
tq_cases = [(p, df) for df in [1, 2, 5, 13, 40, 300] for p in [1e-6, 0.005, 0.025, 0.2, 0.5, 0.8, 0.975, 0.9999]]
write("special_functions.json", {
    "normal_cdf": [[x, special.ndtr(x)] for x in x_grid],
    "normal_sf": [[x, stats.norm.sf(x)] for x in x_grid],
    "normal_quantile": [[p, special.ndtri(p)] for p in p_grid],
    "log_gamma": [[x, special.gammaln(x)] for x in [0.1, 0.5, 1, 1.5, 2, 3.5, 10, 57.5, 250, 1000.5]],
    "incomplete_beta": [[a, b, x, special.betainc(a, b, x)] for a, b, x in beta_cases],
    "student_t_sf": [[t, df, stats.t.sf(t, df)] for t, df in t_cases],
    "student_t_quantile": [[p, df, stats.t.ppf(p, df)] for p, df in tq_cases],
})

# %% Correlations: Pearson, Spearman, Kendall tau-b


def corr_case(name, x, y):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    case = {"name": name, "x": x, "y": y}
    has_nan = bool(np.isnan(x).any() or np.isnan(y).any())
    case["expect_error"] = has_nan  # Swift throws StatisticsError.nonFinite for NaN input
    n = len(x)
    for key, fn in [("pearson", stats.pearsonr), ("spearman", stats.spearmanr)]:
        if has_nan or n < 2:
            case[key] = {"estimate": None, "p": None}
            continue
        r = fn(x, y)
        est, p = float(r.statistic), float(r.pvalue)
        case[key] = {"estimate": est, "p": p if n >= 3 else None}
    for alt in ["two-sided", "less", "greater"]:
        key = "kendall" if alt == "two-sided" else f"kendall_{alt}"
        if has_nan or n < 2:
            case[key] = {"estimate": None, "p": None}
            continue
        r = stats.kendalltau(x, y, alternative=alt)
        est, p = float(r.statistic), float(r.pvalue)
        case[key] = {"estimate": est, "p": p if n >= 3 and not math.isnan(est) else None}
    return case


corr_cases = []
x = rng.normal(size=12); corr_cases.append(corr_case("normal_n12", x, 0.5 * x + rng.normal(size=12)))
x = rng.normal(size=60); corr_cases.append(corr_case("normal_n60_weak", x, 0.1 * x + rng.normal(size=60)))
x = rng.integers(0, 4, 25).astype(float); corr_cases.append(corr_case("ties_n25", x, np.round(x + rng.normal(size=25))))
x = rng.integers(0, 3, 8).astype(float); corr_cases.append(corr_case("heavy_ties_n8", x, rng.integers(0, 2, 8)))
x = np.arange(34.0); corr_cases.append(corr_case("no_ties_n34_asymptotic", x, x + rng.normal(scale=6, size=34)))
x = np.arange(40.0); y = x.copy(); y[[3, 4]] = y[[4, 3]]
corr_cases.append(corr_case("n40_one_discordant_exact", x, y))
corr_cases.append(corr_case("n40_perfect_exact", x, -x))
x = np.arange(6.0); y = np.array([3, 1, 4, 6, 5, 2.0]); corr_cases.append(corr_case("n6_exact", x, y))
corr_cases.append(corr_case("n4_half_concordant", [1, 2, 3, 4], [1, 4, 3, 2]))
corr_cases.append(corr_case("n3", [1, 2, 3], [2, 1, 3]))
corr_cases.append(corr_case("n2", [1, 2], [3, 5]))
corr_cases.append(corr_case("n1", [1], [2]))
corr_cases.append(corr_case("constant_x", [2, 2, 2, 2, 2], [1, 2, 3, 4, 5]))
corr_cases.append(corr_case("nan_input", [1, 2, np.nan, 4], [1, 3, 2, 4]))
x = rng.normal(size=200); corr_cases.append(corr_case("normal_n200", x, 0.2 * x + rng.normal(size=200)))
x = rng.normal(size=150); corr_cases.append(corr_case("strong_n150_tiny_p", x, x + 0.2 * rng.normal(size=150)))
x = rng.normal(size=33); corr_cases.append(corr_case("no_ties_n33_exact", x, 0.3 * x + rng.normal(size=33)))
x = rng.integers(0, 5, 300).astype(float); corr_cases.append(corr_case("ties_n300", x, np.round(0.3 * x + rng.normal(size=300))))
write("correlations.json", {"cases": corr_cases})

# %% Partial correlation and OLS (numpy reference with explicit dummies)


def dummies(groups):
    levels = list(dict.fromkeys(groups))
    return np.array([[1.0 if g == lv else 0.0 for lv in levels] for g in groups]), len(levels)


def ols_reference(y, covs, groups=None, clusters=None):
    y = np.asarray(y, float)
    X = np.column_stack(covs) if covs else np.zeros((len(y), 0))
    if groups is None:
        D = np.ones((len(y), 1)); G = 1
        design = np.column_stack([D, X]); slope_idx = list(range(0, design.shape[1]))  # intercept first
    else:
        D, G = dummies(groups)
        design = np.column_stack([X, D]); slope_idx = list(range(X.shape[1]))
    n, k_total = design.shape
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    xtx_inv = np.linalg.inv(design.T @ design)
    df_resid = n - k_total
    if clusters is None:
        cov = xtx_inv * (resid @ resid) / df_resid
        test_df = df_resid
    else:
        cl = np.asarray(clusters)
        ids = list(dict.fromkeys(cl.tolist()))
        meat = np.zeros((k_total, k_total))
        for c in ids:
            s = design[cl == c].T @ resid[cl == c]
            meat += np.outer(s, s)
        g = len(ids)
        cov = (g / (g - 1)) * ((n - 1) / (n - k_total)) * xtx_inv @ meat @ xtx_inv
        test_df = g - 1
    se = np.sqrt(np.diag(cov))
    t = beta / se
    p = 2 * stats.t.sf(np.abs(t), test_df)
    return {"coefficients": beta[slope_idx], "standard_errors": se[slope_idx], "t": t[slope_idx],
            "p": p[slope_idx], "test_df": test_df, "residual_df": df_resid}


ols_cases = []
n_items, n_levels = 9, 4
items = np.repeat(np.arange(n_items), n_levels)
level = np.tile(np.arange(n_levels, dtype=float), n_items)
entropy = 0.7 * level + rng.normal(size=items.size) + np.repeat(rng.normal(size=n_items), n_levels)
y = 0.3 * level - 0.2 * entropy + np.repeat(rng.normal(size=n_items) * 2, n_levels) + rng.normal(size=items.size)
for name, groups, clusters in [("plain", None, None), ("item_fe", items, None), ("item_fe_cluster", items, items),
                               ("plain_cluster", None, items)]:
    ref = ols_reference(y, [level, entropy], groups, clusters)
    ols_cases.append({"name": name, "y": y, "covariates": [level, entropy], "names": ["level", "entropy"],
                      "groups": None if groups is None else groups, "clusters": None if clusters is None else clusters,
                      **ref})

partial_cases = []


def partial_reference(x, y, covs, groups=None):
    x = np.asarray(x, float); y = np.asarray(y, float); n = len(x)
    if groups is None:
        Z = np.column_stack([np.ones(n)] + list(covs)); G = 1
    else:
        D, G = dummies(groups)
        Z = np.column_stack([D] + list(covs))
    rx = x - Z @ np.linalg.lstsq(Z, x, rcond=None)[0]
    ry = y - Z @ np.linalg.lstsq(Z, y, rcond=None)[0]
    r = float(np.corrcoef(rx, ry)[0, 1])
    df = n - 2 - len(covs) - (G - 1)
    t = r * math.sqrt(df / (1 - r * r))
    return {"estimate": r, "p": float(2 * stats.t.sf(abs(t), df)), "df": df}


z1 = rng.normal(size=30); z2 = rng.uniform(size=30)
px = z1 + rng.normal(size=30); py = z1 - z2 + 0.4 * px + rng.normal(size=30)
partial_cases.append({"name": "two_covariates", "x": px, "y": py, "covariates": [z1, z2], "groups": None,
                      **partial_reference(px, py, [z1, z2])})
partial_cases.append({"name": "no_covariates", "x": px, "y": py, "covariates": [], "groups": None,
                      **partial_reference(px, py, [])})
g = np.repeat(np.arange(6), 5)
fx = px + np.repeat(rng.normal(size=6) * 3, 5)  # x with large group offsets the fixed effects must remove
partial_cases.append({"name": "group_fe_one_covariate", "x": fx, "y": py, "covariates": [z2], "groups": g,
                      **partial_reference(fx, py, [z2], g)})
partial_cases.append({"name": "group_fe_only", "x": fx, "y": py, "covariates": [], "groups": g,
                      **partial_reference(fx, py, [], g)})
write("regression.json", {"ols": ols_cases, "partial": partial_cases})

# %% Page's L trend test


def page_case(name, data):
    data = np.asarray(data, float)
    case = {"name": name, "data": data}
    m, k = data.shape
    if m < 2 or k < 3:
        case.update({"defined": False})
        return case
    r = stats.page_trend_test(data)
    case.update({"defined": True, "statistic": float(r.statistic), "p": float(r.pvalue), "method": r.method})
    return case


page_cases = [
    page_case("m3_k3_exact", rng.normal(size=(3, 3)) + np.arange(3)),
    page_case("m5_k4_exact", rng.normal(size=(5, 4)) + 0.5 * np.arange(4)),
    page_case("m12_k5_exact", rng.normal(size=(12, 5)) + 0.3 * np.arange(5)),
    page_case("m8_k8_exact", rng.normal(size=(8, 8)) + 0.2 * np.arange(8)),
    page_case("m13_k4_asymptotic", rng.normal(size=(13, 4)) + 0.2 * np.arange(4)),
    page_case("m4_k9_asymptotic", rng.normal(size=(4, 9)) - 0.1 * np.arange(9)),
    page_case("m21_k3_asymptotic", rng.normal(size=(21, 3))),
    page_case("m6_k5_ties_exact", np.round(rng.normal(size=(6, 5)) + 0.5 * np.arange(5))),
    page_case("m30_k6_ties_asymptotic", np.round(rng.normal(size=(30, 6)) + 0.3 * np.arange(6))),
    page_case("m4_k3_decreasing", -np.arange(3.0)[None, :] + np.zeros((4, 1))),
    page_case("m1_k5_undefined", rng.normal(size=(1, 5))),
    page_case("m5_k2_undefined", rng.normal(size=(5, 2))),
]
write("page.json", {"cases": page_cases})

# %% Wilcoxon signed-rank with rank-biserial


def wilcoxon_case(name, d):
    d = np.asarray(d, float)
    case = {"name": name, "d": d}
    nz = d[d != 0]
    if len(nz) == 0:
        case.update({"rank_biserial": None})
    else:
        r = stats.rankdata(np.abs(nz))
        rp, rm = r[nz > 0].sum(), r[nz < 0].sum()
        case.update({"r_plus": rp, "r_minus": rm, "rank_biserial": (rp - rm) / (rp + rm)})
    for alt in ["two-sided", "less", "greater"]:
        key = "two_sided" if alt == "two-sided" else alt
        if len(d) < 3 or len(nz) == 0:
            case[key] = {"statistic": None, "p": None}
            continue
        res = stats.wilcoxon(d, alternative=alt)
        case[key] = {"statistic": float(res.statistic), "p": float(res.pvalue)}
    return case


wilcoxon_cases = [
    wilcoxon_case("n10_exact", rng.normal(size=10) + 0.5),
    wilcoxon_case("n30_exact", rng.normal(size=30) + 0.3),
    wilcoxon_case("n10_ties_permutation", np.round(rng.normal(size=10) * 2) / 2 + 0.5),
    wilcoxon_case("n12_zeros_permutation", np.concatenate([[0.0, 0.0], rng.normal(size=10) + 0.4])),
    wilcoxon_case("n20_ties_asymptotic", np.round(rng.normal(size=20) * 2) / 2 + 0.3),
    wilcoxon_case("n60_asymptotic", rng.normal(size=60) + 0.2),
    wilcoxon_case("n50_exact", rng.normal(size=50) + 0.2),
    wilcoxon_case("n51_asymptotic", rng.normal(size=51) + 0.2),
    wilcoxon_case("n13_zero_and_ties_permutation", np.concatenate([[0.0], np.round(rng.normal(size=12) * 2) / 2 + 0.3])),
    wilcoxon_case("n3", [0.5, -0.2, 1.0]),
    wilcoxon_case("n2", [0.5, 1.0]),
    wilcoxon_case("all_zero", [0.0, 0.0, 0.0, 0.0]),
]
write("wilcoxon.json", {"cases": wilcoxon_cases})

# %% Cluster bootstrap (scipy.stats.bootstrap over cluster indices) and permutation


def boot_indices(seed, n_resamples, n):
    return np.random.default_rng(seed).integers(0, n, (n_resamples, n))


def manual_interval(theta_hat, theta_b, jack, level, method, tie_tolerance=False):
    """Re-derivation of scipy's percentile/BCa to cross-check against scipy itself.

    tie_tolerance=True is the Swift rule: bootstrap values within 100*eps (relative) of the estimate
    count as equal to it in the bias correction (scipy compares exactly)."""
    alpha = (1 - level) / 2
    if method == "percentile":
        lo, hi = alpha, 1 - alpha
    else:
        gamma = abs(100 * np.finfo(float).eps * theta_hat) if tie_tolerance else 0.0
        pct = ((theta_b < theta_hat - gamma).sum() + (theta_b <= theta_hat + gamma).sum()) / (2 * len(theta_b))
        z0 = special.ndtri(pct)
        n = len(jack)
        u = (n - 1) * (jack.mean() - jack)
        a = (np.sum(u ** 3) / n ** 3) / (6 * (np.sum(u ** 2) / n ** 2) ** 1.5)
        za = special.ndtri(alpha)
        lo = special.ndtr(z0 + (z0 + za) / (1 - a * (z0 + za)))
        hi = special.ndtr(z0 + (z0 - za) / (1 - a * (z0 - za)))
    return np.quantile(theta_b, [lo, hi])


bootstrap_cases = []
# (1) mean of per-item values (e.g. per-item Kendall taus)
per_item = rng.normal(loc=0.15, scale=0.4, size=15)
# (2) a level coefficient with item fixed effects, each drawn copy its own item
G, L = 10, 4
fe_level = np.tile(np.arange(L, dtype=float), (G, 1))
fe_entropy = 0.6 * fe_level + rng.normal(size=(G, L)) + rng.normal(size=(G, 1))
fe_y = 0.2 * fe_level - 0.3 * fe_entropy + 2 * rng.normal(size=(G, 1)) + rng.normal(size=(G, L))


def fe_level_coefficient(idx):
    idx = np.asarray(idx).astype(int)
    y = fe_y[idx].ravel(); lv = fe_level[idx].ravel(); en = fe_entropy[idx].ravel()
    copies = np.repeat(np.arange(len(idx)), L)
    D, _ = dummies(copies.tolist())
    X = np.column_stack([lv, en, D])
    return np.linalg.lstsq(X, y, rcond=None)[0][0]


for name, n_clusters, stat, payload in [
    ("mean_of_cluster_values", per_item.size, lambda idx: per_item[np.asarray(idx).astype(int)].mean(), {"values": per_item}),
    ("fe_level_coefficient", G, fe_level_coefficient, {"y": fe_y, "level": fe_level, "entropy": fe_entropy}),
]:
    for method in ["percentile", "BCa"]:
        seed = BASE_SEED + len(bootstrap_cases)
        B = 200
        res = stats.bootstrap((np.arange(n_clusters),), stat, n_resamples=B, vectorized=False,
                              confidence_level=0.9, method=method, rng=np.random.default_rng(seed))
        idx = boot_indices(seed, B, n_clusters)
        theta_b = np.array([stat(i) for i in idx])
        jack = np.array([stat(np.delete(np.arange(n_clusters), j)) for j in range(n_clusters)])
        mine = manual_interval(stat(np.arange(n_clusters)), theta_b, jack, 0.9, method.lower())
        scipy_ci = np.array([res.confidence_interval.low, res.confidence_interval.high])
        assert np.allclose(mine, scipy_ci, rtol=1e-12, atol=0), (name, method, mine, scipy_ci)
        tolerant = manual_interval(stat(np.arange(n_clusters)), theta_b, jack, 0.9, method.lower(), tie_tolerance=True)
        assert np.array_equal(tolerant, mine), (name, method, "tie tolerance changed a continuous statistic's CI")
        bootstrap_cases.append({"name": f"{name}_{method.lower()}", "statistic": name, "method": method.lower(),
                                "level": 0.9, "cluster_count": n_clusters, "resamples": idx,
                                "estimate": stat(np.arange(n_clusters)), "low": scipy_ci[0], "high": scipy_ci[1],
                                **payload})

# within-item permutation of level labels; statistic = mean within-item Kendall tau (constant item -> 0)
perm_data = rng.normal(size=(8, 5)) + 0.25 * np.arange(5)
perm_data[3] = 1.0  # a constant item (tau undefined -> 0)


def mean_tau(data):
    taus = []
    for row in data:
        t = stats.kendalltau(np.arange(len(row)), row).statistic
        taus.append(0.0 if np.isnan(t) else t)
    return float(np.mean(taus))


perm_rng = np.random.default_rng(BASE_SEED + 99)
B = 300
perms = np.array([[perm_rng.permutation(5) for _ in range(perm_data.shape[0])] for _ in range(B)])
observed = mean_tau(perm_data)
null = np.array([mean_tau(np.take_along_axis(perm_data, p, axis=1)) for p in perms])
gamma = abs(np.finfo(float).eps * 100 * observed)
p_less = ((null <= observed + gamma).sum() + 1) / (B + 1)
p_greater = ((null >= observed - gamma).sum() + 1) / (B + 1)
# cross-check the p-value formula on a one-sample sign-flip test against scipy.permutation_test
flip_x = rng.normal(size=9) + 0.3
flip = stats.permutation_test((flip_x,), np.mean, permutation_type="samples", n_resamples=np.inf)
write("resampling.json", {
    "bootstrap": bootstrap_cases,
    "permutation": {"data": perm_data, "permutations": perms, "observed": observed, "null": null,
                    "p_two_sided": min(1.0, 2 * min(p_less, p_greater)), "p_greater": p_greater, "p_less": p_less},
    "sign_flip": {"x": flip_x, "null": flip.null_distribution, "observed": flip.statistic, "p": flip.pvalue},
})

# %% Multiple testing
pvals = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.9, 0.0001]
m = len(pvals)
order = np.argsort(pvals, kind="stable")
holm = np.empty(m); running = 0.0
for rank, i in enumerate(order):
    running = max(running, min(1.0, (m - rank) * pvals[i])); holm[i] = running
write("multiple_testing.json", {"p": pvals, "holm": holm, "bh": stats.false_discovery_control(pvals, method="bh")})

# %% Study analysis: per-row estimates and p-values of the four tests on one synthetic ladder
S_ITEMS, S_LEVELS = 14, 5
s_entropy = 0.4 * np.arange(S_LEVELS) + rng.normal(size=(S_ITEMS, S_LEVELS)) + rng.normal(size=(S_ITEMS, 1))
s_hoyer = -0.1 * np.arange(S_LEVELS) + 0.3 * s_entropy + rng.normal(size=(S_ITEMS, S_LEVELS))
s_flat = rng.normal(size=(S_ITEMS, S_LEVELS))
s_hoyer[5, 2] = np.nan  # one incomplete item: dropped listwise from the hoyer rows


def trend_reference(values):
    keep = ~np.isnan(values).any(axis=1)
    v = values[keep]
    up = stats.page_trend_test(v).pvalue
    down = stats.page_trend_test(v[:, ::-1]).pvalue
    taus = []
    for row in v:
        t = stats.kendalltau(np.arange(S_LEVELS), row).statistic
        taus.append(0.0 if np.isnan(t) else t)
    return {"n": int(keep.sum()), "estimate": float(np.mean(taus)), "p": float(min(1.0, 2 * min(up, down)))}


def beyond_reference(values):
    keep = ~(np.isnan(values).any(axis=1) | np.isnan(s_entropy).any(axis=1))
    items_k = np.repeat(np.arange(keep.sum()), S_LEVELS)
    lv = np.tile(np.arange(S_LEVELS, dtype=float), keep.sum())
    ref = ols_reference(values[keep].ravel(), [lv, s_entropy[keep].ravel()], items_k, items_k)
    return {"n": int(keep.sum()), "estimate": float(ref["coefficients"][0]), "p": float(ref["p"][0])}


# patches: per (item, level) text, a few patches with entropy, length, position and sparsity
patch_rows = []
for i in range(S_ITEMS):
    for lv in range(S_LEVELS):
        count = 3 + (i + lv) % 4
        for j in range(count):
            ent = rng.normal() + 0.2 * lv
            length = float(rng.integers(1, 9))
            patch_rows.append((i, lv, ent, length, float(j), 0.3 * ent - 0.05 * length + rng.normal()))
patch_rows = np.array(patch_rows)
p_item, p_level = patch_rows[:, 0].astype(int), patch_rows[:, 1].astype(int)
p_entropy, p_length, p_position, p_sparsity = patch_rows[:, 2], patch_rows[:, 3], patch_rows[:, 4], patch_rows[:, 5]
seq = p_item * S_LEVELS + p_level


def length_controls(length, position, groups):
    """Patch length as one indicator per length 2..7 and >= 8 (1 is the baseline), plus position; a column
    with no variation within the (item, level) texts is absorbed by their fixed effects and dropped, as in
    the Swift study."""
    cat = np.minimum(8, np.maximum(1, np.rint(length).astype(int)))
    groups = np.asarray(groups)
    out = []
    for col in [(cat == c).astype(float) for c in range(2, 9)] + [np.asarray(position, float)]:
        within = col.copy()
        for g in np.unique(groups):
            within[groups == g] -= col[groups == g].mean()
        if (col ** 2).sum() > 0 and (within ** 2).sum() > 1e-20 * (col ** 2).sum():
            out.append(col)
    return out


p_controls = length_controls(p_length, p_position, seq)
patch_partial = partial_reference(p_entropy, p_sparsity, p_controls, seq.tolist())
patch_ols = ols_reference(p_sparsity, [p_entropy] + p_controls, seq.tolist(), p_item.tolist())

# --- The Swift study's bootstrap CIs, reproduced exactly: same row seeds (FNV-1a of the row identity mixed
# by SplitMix64), same SplitMix64/Lemire cluster draws, scipy's BCa formula (checked above against
# scipy.stats.bootstrap itself).
from bytelens_reference import MASK, SplitMix64, row_seed, swift_resamples  # noqa: E402


STUDY_SEED, STUDY_B, STUDY_LEVEL = 20260301, 300, 0.95


def study_ci(parts, g, stat):
    idx = swift_resamples(row_seed(STUDY_SEED, parts), g, STUDY_B)
    theta_b = np.array([stat(i) for i in idx])
    jack = np.array([stat(np.delete(np.arange(g), j)) for j in range(g)])
    low, high = manual_interval(stat(np.arange(g)), theta_b, jack, STUDY_LEVEL, "bca", tie_tolerance=True)
    return {"ci_low": float(low), "ci_high": float(high)}


def trend_ci(values, parts):
    keep = ~np.isnan(values).any(axis=1)
    taus = np.array([0.0 if np.isnan(t) else t for t in
                     (stats.kendalltau(np.arange(S_LEVELS), row).statistic for row in values[keep])])
    return study_ci(parts, len(taus), lambda idx: taus[np.asarray(idx)].mean())


def beyond_ci(values, parts):
    keep = ~(np.isnan(values).any(axis=1) | np.isnan(s_entropy).any(axis=1))
    yv, ev = values[keep], s_entropy[keep]

    def stat(idx):
        idx = np.asarray(idx)
        copies = np.repeat(np.arange(len(idx)), S_LEVELS)
        D, _ = dummies(copies.tolist())
        X = np.column_stack([np.tile(np.arange(S_LEVELS, dtype=float), len(idx)), ev[idx].ravel(), D])
        return np.linalg.lstsq(X, yv[idx].ravel(), rcond=None)[0][0]
    return study_ci(parts, int(keep.sum()), stat)


def patch_ci(parts):
    by_item = [np.nonzero(p_item == i)[0] for i in range(S_ITEMS)]

    def stat(idx):
        rows = np.concatenate([by_item[i] for i in idx])
        copy = np.concatenate([np.full(len(by_item[i]), k) for k, i in enumerate(idx)])
        groups = (copy * S_LEVELS + p_level[rows]).tolist()
        controls = length_controls(p_length[rows], p_position[rows], groups)
        return partial_reference(p_entropy[rows], p_sparsity[rows], controls, groups)["estimate"]
    return study_ci(parts, S_ITEMS, stat)


write("study.json", {
    "ladder": "synthetic", "levels": S_LEVELS, "items": S_ITEMS,
    "entropy": s_entropy, "hoyer": s_hoyer, "flat": s_flat,
    "patches": {"item": p_item, "level": p_level, "entropy": p_entropy, "length": p_length,
                "position": p_position, "sparsity": p_sparsity},
    "expected": {
        "entropy_trend": {**trend_reference(s_entropy),
                          **trend_ci(s_entropy, ["entropy_tracks_level", "synthetic", "", "mean_entropy_bits"])},
        "hoyer_trend": {**trend_reference(s_hoyer), **trend_ci(s_hoyer, ["sparsity_tracks_level", "synthetic", "h", "hoyer"])},
        "flat_trend": {**trend_reference(s_flat), **trend_ci(s_flat, ["sparsity_tracks_level", "synthetic", "h", "flat"])},
        "hoyer_beyond": {**beyond_reference(s_hoyer), **beyond_ci(s_hoyer, ["sparsity_beyond_entropy", "synthetic", "h", "hoyer"])},
        "flat_beyond": {**beyond_reference(s_flat), **beyond_ci(s_flat, ["sparsity_beyond_entropy", "synthetic", "h", "flat"])},
        "patch": {"n": S_ITEMS, "estimate": patch_partial["estimate"], "p": float(patch_ols["p"][0]),
                  **patch_ci(["entropy_sparsity_patch_correlation", "synthetic", "h", "hoyer"])},
    },
    "swift_splitmix64_check": {"seed": 0, "first": str(SplitMix64(0).next()),  # UInt64 as text: JSON numbers are doubles
                               "row_seed": str(row_seed(STUDY_SEED, ["entropy_tracks_level", "synthetic", "", "mean_entropy_bits"])),
                               "resample_head": swift_resamples(12345, 7, 3),
    },
})
