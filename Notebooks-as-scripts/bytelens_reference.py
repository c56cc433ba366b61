"""Reference code shared by the Python checks and fixture generators of ByteLens (not a notebook): the Swift
side's random streams (SplitMix64, Lemire's bounded draw, FNV-1a row seeds, cluster-bootstrap resamples) and
the sparsity paper's metrics as its released code computes them."""
import numpy as np
from scipy import stats

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def next_int(self, bound):
        if bound <= 1:
            return 0
        product = self.next() * bound
        if (product & MASK) < bound:
            threshold = ((1 << 64) - bound) % bound
            while (product & MASK) < threshold:
                product = self.next() * bound
        return product >> 64


def row_seed(base, parts):
    h = 0xCBF29CE484222325
    for byte in "\x1f".join(parts).encode():
        h = ((h ^ byte) * 0x100000001B3) & MASK
    return SplitMix64(h ^ base).next()


def swift_resamples(seed, g, count):
    r = SplitMix64(seed)
    return np.array([[r.next_int(g) for _ in range(g)] for _ in range(count)])


def paper_metrics(h32):
    """The sparsity paper's twelve metrics as its released code computes them (analyze_mmlu_pro_area_difficulty.py,
    cot/utils/rank.py), float64; where that code gives NaN (kurtosis of a constant |h|, the sample std of one entry,
    L1 weights of a zero vector) the value ByteLens documents instead (0, 0, 1/d)."""
    h = np.asarray(h32, np.float64)
    a = np.abs(h)
    d = a.size
    desc = np.sort(a)[::-1]
    energy = (desc ** 2).sum()
    top = lambda rho: max(1, int(rho * d))
    out = {"l1_norm": float(a.sum())}
    for name, rho in (("top1pct_energy", 0.01), ("top5pct_energy", 0.05), ("top10pct_energy", 0.10)):
        out[name] = float((desc[:top(rho)] ** 2).sum() / energy) if energy > 0 else 0.0
    out["top10pct_l1_ratio"] = float(desc[:top(0.10)].sum() / a.sum()) if a.sum() > 0 else 0.0
    sq = h ** 2
    p = sq / sq.sum() if sq.sum() > 0 else sq
    out["effective_rank"] = float(np.exp(-(p * np.log(p + 1e-10)).sum()) / d)
    q = (a / a.sum() if a.sum() > 0 else np.zeros(d)) + 1e-10
    out["effective1_rank"] = float(np.exp(-(q * np.log(q)).sum()) / d)
    l2 = np.sqrt((a ** 2).sum())
    out["hoyer"] = float((np.sqrt(d) - a.sum() / l2) / (np.sqrt(d) - 1)) if l2 > 0 and d > 1 else 0.0
    asc = np.sort(a)
    out["gini"] = float(2 * np.sum(np.arange(1, d + 1) * asc) / (d * asc.sum()) - (d + 1) / d) if asc.sum() > 0 else 0.0
    k = stats.kurtosis(a) if a.var() > 0 else 0.0
    out["kurtosis"] = float(k)
    fourth = (h ** 4).sum()
    out["participation_ratio"] = float(sq.sum() ** 2 / fourth / d) if fourth > 0 else 0.0
    out["l0_norm"] = float((a > a.mean() + a.std(ddof=1)).mean()) if d > 1 else 0.0
    return out
