# %% [markdown]
# # Check the sparsity-paper replication of a ByteLens run against numpy/scipy
#
# For a run made with `probe run --protocol sparsity-paper`, opens `probe.h5` with **h5py**, recomputes every
# row of `replication.csv` (written next to REPORT.md) independently from the stored probe vectors
# (`/activations/probe/<hook>`, one float32 row per item):
#
# - the paper's twelve metrics of every item's vector (`bytelens_reference.paper_metrics`, which follows the
#   paper's released code line by line, scipy's kurtosis included);
# - per-level means and standard errors, the paper's Pearson r over level means, the per-item Pearson r;
# - the per-item Spearman ρ of level index vs metric (`scipy.stats.spearmanr`) and its 95 % percentile
#   cluster-bootstrap interval over base items, with the Swift generator's own resamples (SplitMix64, Lemire
#   draws, FNV-1a row seeds) so the interval is reproduced exactly, and the paired last − first difference;
# - the verdict rule (replicated / opposite / not replicated / no claim).
#
# Run (any venv with numpy, scipy, h5py):
#
#     swift run probe run --protocol sparsity-paper --limit 4 --out .build/ci-paper
#     V/bin/python Notebooks-as-scripts/check_replication.py .build/ci-paper/probe.h5
#
# Exit status 0 when every value matches to 1e-9 relative (1e-12 absolute), 1 otherwise.

# %%
import csv
import json
import pathlib
import sys

import h5py
import numpy as np
from scipy import stats

from bytelens_reference import paper_metrics, row_seed, swift_resamples

RTOL, ATOL = 1e-9, 1e-12
METRICS = ["l1_norm", "top1pct_energy", "top5pct_energy", "top10pct_energy", "top10pct_l1_ratio", "effective_rank",
           "effective1_rank", "hoyer", "gini", "kurtosis", "participation_ratio", "l0_norm"]


def pearson(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.clip(stats.pearsonr(x, y)[0], -1, 1))


def spearman(x, y):
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return pearson(stats.rankdata(x), stats.rankdata(y))


def percentile_interval(statistic, g, seed, resamples):
    """ClusterBootstrap.interval(method: .percentile): point estimate on all clusters, quantiles 2.5/97.5 %
    (linear) of the defined resample statistics; None when undefined, G < 2 or fewer than half are defined."""
    estimate = statistic(list(range(g)))
    if g < 2 or estimate is None:
        return None
    values = [v for v in (statistic(list(r)) for r in swift_resamples(seed, g, resamples)) if v is not None]
    if len(values) < 2 or 2 * len(values) < resamples:
        return None
    values = np.sort(values)
    return estimate, float(np.quantile(values, 0.025)), float(np.quantile(values, 0.975))


def main(path):
    path = pathlib.Path(path)
    rows = list(csv.DictReader(open(path.parent / "replication.csv")))
    with h5py.File(path, "r") as f:
        raw = f["provenance/config_json"][()]
        config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        assert config.get("protocol") == "sparsity-paper", "not a --protocol sparsity-paper run"
        ladder = [s.decode() for s in f["items/ladder"][()]]
        level = f["items/level_index"][()].astype(int)
        base = [s.decode() for s in f["items/base_item_id"][()]]
        vectors = {hook: f[f"activations/probe/{hook}"][()] for hook in f["activations/probe"]}
    seed = int(config["statistics_seed"])
    resamples = int(config["bootstrap_resamples"])
    model_control = config.get("model_control", "none")
    metric_cache = {}
    checks = mismatches = 0

    def check(label, ours, stored):
        nonlocal checks, mismatches
        checks += 1
        if stored == "" and ours is None:
            return
        ok = ours is not None and stored != "" and abs(ours - float(stored)) <= ATOL + RTOL * max(abs(ours), abs(float(stored)))
        if not ok:
            mismatches += 1
            print(f"MISMATCH {label}: ours {ours} stored {stored!r}")

    for row in rows:
        hook, metric, arm = row["hook"], row["metric"], row["arm"]
        stored_ladder = row["ladder"] if arm == "trained" else f"{row['ladder']}@{arm}"
        assert arm == "trained" or arm == model_control, arm
        if hook not in metric_cache:
            metric_cache[hook] = [paper_metrics(v) for v in vectors[hook]]
        items = [i for i, l in enumerate(ladder) if l == stored_ladder]
        bases = list(dict.fromkeys(base[i] for i in items))
        cluster = np.array([bases.index(base[i]) for i in items])
        x = level[items].astype(float)
        y = np.array([metric_cache[hook][i][metric] for i in items])
        label = f"{arm}/{row['ladder']}/{hook}/{metric}"
        levels = sorted(set(level[items]))
        means = [y[x == l].mean() for l in levels]
        sems = [y[x == l].std(ddof=1) / np.sqrt((x == l).sum()) if (x == l).sum() >= 2 else None for l in levels]
        for k, (m, s) in enumerate(zip(means, sems)):
            check(f"{label} mean[{k}]", m, row["level_means"].split(";")[k])
            check(f"{label} sem[{k}]", s, row["level_sems"].split(";")[k])
        check(f"{label} r over level means", pearson(levels, means) if len(levels) >= 3 else None, row["level_means_pearson"])
        check(f"{label} item pearson", pearson(x, y), row["item_pearson"])

        g = len(bases)
        members = [np.where(cluster == c)[0] for c in range(g)]
        key = ["paper", arm, row["ladder"], hook, metric]

        def rho(chosen):
            idx = np.concatenate([members[c] for c in chosen])
            return spearman(x[idx], y[idx])

        interval = percentile_interval(rho, g, row_seed(seed, key), resamples)
        check(f"{label} spearman", interval[0] if interval else None, row["item_spearman"])
        check(f"{label} spearman low", interval[1] if interval else None, row["item_spearman_low"])
        check(f"{label} spearman high", interval[2] if interval else None, row["item_spearman_high"])
        first, last = min(levels), max(levels)
        diffs = {}
        for c in range(g):
            a = [i for i in members[c] if x[i] == first]
            b = [i for i in members[c] if x[i] == last]
            if a and b and last > first:
                diffs[c] = y[b[0]] - y[a[0]]

        def endpoint(chosen):
            d = [diffs[c] for c in chosen if c in diffs]
            return float(np.mean(d)) if d else None

        e = percentile_interval(endpoint, g, row_seed(seed, key), resamples)
        check(f"{label} endpoint", e[0] if e else None, row["endpoint_difference"])
        check(f"{label} endpoint low", e[1] if e else None, row["endpoint_low"])
        check(f"{label} endpoint high", e[2] if e else None, row["endpoint_high"])
        # The rule on the stored bounds (checked above to 1e-9): a bound that is 0 in Swift may come out as
        # ±1e-17 here, and a bound equal to 0 means the interval includes 0.
        sign = int(row["expected_sign"])
        low = float(row["item_spearman_low"]) if row["item_spearman_low"] else None
        high = float(row["item_spearman_high"]) if row["item_spearman_high"] else None
        verdict = "no claim"
        if sign != 0:
            verdict = "not replicated"
            if low is not None and low > 0:
                verdict = "replicated" if sign > 0 else "opposite"
            if high is not None and high < 0:
                verdict = "replicated" if sign < 0 else "opposite"
        checks += 1
        if verdict != row["verdict"]:
            mismatches += 1
            print(f"MISMATCH {label} verdict: ours {verdict} stored {row['verdict']}")
    print(f"check_replication: {len(rows)} rows, {checks} checks, {mismatches} mismatches")
    return 0 if mismatches == 0 and rows else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
