# %% [markdown]
# # The item stage of a ByteLens study, done in Python with transformers (the study's Python peer)
#
# What it is: what a careful Python user would write to get the same per-item numbers a ByteLens study
# stores, with transformers' own BLT, so that "how much faster is ByteLens per study" compares equal work.
# Every item of a finished `probe.h5` (the run's own arm) goes through `BltForCausalLM` with PyTorch forward
# hooks on the modules of the run's hooks (taken from `probe hooks --json`, the Swift catalogue). For each
# item it computes what the Swift item stage computes:
# - per byte: the entropy model's entropy (the patcher's output, captured by a hook: no second forward), the
#   patch starts, and the model's log-probability of the byte;
# - the study's sparsity measures (those in the file: Hoyer, Gini, top-5 % energy, participation ratio) in
#   the three variants (raw; the reference's outlier dimensions dropped; z-scores against the reference's
#   per-dimension mean and σ > 0) on **every row** of every byte-level hook (every byte) and every
#   patch-level hook (every patch), and at the probe position of every hook;
# - the item's bits per byte over its analysis span.
# Measures are vectorised over all rows of a hook at once in torch, sums in float64 (one sort per variant and hook).
# The timed region is the forward plus these computations (the peer writes nothing; ByteLens' item stage
# also writes its HDF5 file). Afterwards every value is checked against the Swift study's file.
#
# Batch size 1: transformers' batched BLT pads rows in a way that changes patch lengths
# (blt_architecture.md §3.6), so a careful user runs items one by one, as here; torch uses `--threads`.
# `--probe-only` keeps the narrower work of earlier versions (raw measures at the probe position only).
#
# ```
# probe run --dataset ood --limit 6 --out /tmp/ood6
# V/bin/python Notebooks-as-scripts/study_transformers.py /tmp/ood6/probe.h5 --model Assets/models/bytelens-tiny \
#     --threads 2
# ```
# Exit status 1 when a measure differs by more than `--tolerance` (default 1e-4 absolute; the measures lie in
# [0, 1]; on the shipped model the largest difference is ~2.5e-5, in the z-scored and outlier-free variants
# too), bits per byte, a log-probability or an entropy by more than 1e-4 (nat), or a patch start differs.
# The output names where each measure's largest difference lies (item, group, hook, row).

# %%
import argparse
import json
import math
import subprocess
import time
from datetime import datetime
from pathlib import Path

import h5py
import numpy as np
import torch
from transformers import BltForCausalLM

BOS_ID, BYTE_OFFSET = 1, 4
REPO_ROOT = Path(__file__).resolve().parent.parent
MEASURES = ("hoyer", "gini", "top5_energy", "participation_ratio")
VARIANTS = ("", "_no_outliers", "_z")


def measures(x):
    """ByteLens' definitions (SparsityMeasure.swift) on every row of x (rows × d): top-k with
    k = max(1, ceil(5d/100)), participation ratio over d; a zero row takes the constant vector's values.
    Sums in float64 as ByteLens does; the sort (the costly step) runs in numpy (x86-simd-sort, about ten times
    torch.sort here) on float32 magnitudes, which for float32 activations is the float64 order exactly, and
    for z-scores differs only inside float32 ties."""
    d = x.shape[1]
    a = x.abs().double()
    a2 = a * a
    l1, e = a.sum(1), a2.sum(1)
    zero = e == 0
    safe_e, safe_l1 = torch.where(zero, 1.0, e), torch.where(zero, 1.0, l1)
    if d > 1:
        hoyer = ((math.sqrt(d) - l1 / safe_e.sqrt()) / (math.sqrt(d) - 1)).clamp(0, 1)
    else:
        hoyer = torch.zeros_like(l1)
    asc = torch.from_numpy(np.sort(x.abs().float().numpy(), axis=1)).double()  # numpy's SIMD sort: ~10x torch.sort
    ranks = torch.arange(1, d + 1, dtype=torch.float64)
    gini = 2 * (asc @ ranks) / (d * safe_l1) - (d + 1) / d
    k = min(d, max(1, -(-5 * d // 100)))
    top = asc[:, d - k:]
    top5 = (top * top).sum(1) / safe_e
    pr = safe_e * safe_e / (a2 * a2).sum(1).where(~zero, 1.0) / d
    return dict(hoyer=hoyer.where(~zero, 0.0), gini=gini.where(~zero, 0.0),
                top5_energy=top5.where(~zero, k / d), participation_ratio=pr.where(~zero, 1.0))


def hook_modules(model_dir, hooks):
    """hook name -> (module path, 'input' | 'output', one row per patch?) from the Swift catalogue."""
    probe = REPO_ROOT / ".build" / "release" / "probe"
    out = json.loads(subprocess.run([str(probe), "hooks", "--model", str(model_dir), "--json"], check=True,
                                    capture_output=True, text=True).stdout)
    table = {}
    for h in out:
        if h["name"] in hooks:
            module, _, where = h["transformers_module"].partition(" (")
            table[h["name"]] = (module, "input" if where.startswith("input") else "output", h["shape"].startswith("[P"))
    missing = [h for h in hooks if h not in table]
    assert not missing, f"hooks without a transformers module: {missing}"
    return table


def reference_variants(f, hooks):
    """hook -> (kept dimensions or None, z dimensions, mean, σ) from the run's /reference group."""
    if "reference" not in f:
        return {}
    r = f["reference"]
    names = [x.decode() for x in r["hook"][()]]
    mean, std = r["mean"][()], r["std"][()]
    off, width = r["value_offset"][()], r["width"][()]
    out_off, out_count, out_dim = r["outlier_offset"][()], r["outlier_count"][()], r["outlier_dimension"][()]
    table = {}
    for i, name in enumerate(names):
        if name not in hooks:
            continue
        w = int(width[i])
        m, s = mean[off[i]:off[i] + w], std[off[i]:off[i] + w]
        outliers = set(out_dim[out_off[i]:out_off[i] + out_count[i]].tolist())
        keep = torch.tensor([j for j in range(w) if j not in outliers]) if outliers else None
        zdims = np.nonzero(s > 0)[0]
        table[name] = (keep, torch.from_numpy(zdims), torch.from_numpy(m[zdims]), torch.from_numpy(s[zdims]))
    return table


def variant_measures(x, variants):
    """{column name: values per row} for x (rows × d) in the variants the reference provides."""
    out = {m: v for m, v in measures(x).items()}
    if variants is None:
        return out
    keep, zdims, mean, std = variants
    no_out = measures(x[:, keep]) if keep is not None else measures(x)
    out.update({m + "_no_outliers": v for m, v in no_out.items()})
    if len(zdims):
        out.update({m + "_z": v for m, v in measures((x[:, zdims].double() - mean) / std).items()})
    return out


def load_run(path):
    with h5py.File(path, "r") as f:
        layout = json.loads(f["provenance/layout_json"][()])
        items = f["items"]
        ladders = [x.decode() for x in items["ladder"][()]]
        run = dict(
            hooks=layout["probeHooks"], byte_hooks=layout["byteLevelHooks"], patch_hooks=layout["patchLevelHooks"],
            columns=[c for c in layout["measureColumns"] if c.partition("_no")[0].partition("_z")[0] in MEASURES],
            variants=reference_variants(f, layout["probeHooks"]),
            stored={g: {c: f[f"measures/{g}/{c}"][()] for c in layout["measureColumns"] if f"measures/{g}/{c}" in f}
                    for g in ("probe", "byte_level", "patch_level")},
            entropy=f["bytes/entropy"][()].astype(np.float64), log_prob=f["bytes/log_prob"][()].astype(np.float64),
            is_start=f["bytes/is_patch_start"][()].astype(bool))
        probe_pos, bpb = items["probe_position"][()], items["bits_per_byte"][()]
        span = np.stack([items["span_start"][()], items["span_end"][()]], 1)
        byte_off, byte_count = items["byte_offset"][()], items["byte_count"][()]
        patch_off, patch_count = items["patch_offset"][()], items["patch_count"][()]
        value, patch_id = f["bytes/value"][()], f["bytes/patch_id"][()]
        started = datetime.fromisoformat(f.attrs["started_utc"].replace("Z", "+00:00"))
        finished = datetime.fromisoformat(f.attrs["finished_utc"].replace("Z", "+00:00"))
    run["items"] = []
    for i, ladder in enumerate(ladders):
        if "@" in ladder:  # control arms
            continue
        lo, hi = int(byte_off[i]), int(byte_off[i] + byte_count[i])
        run["items"].append(dict(
            index=i, bytes=bytes(value[lo + 1:hi].astype(np.uint8)), probe=int(probe_pos[i]),
            probe_patch=int(patch_id[lo + int(probe_pos[i])]), span=(int(span[i, 0]), int(span[i, 1])),
            bpb=float(bpb[i]), byte_rows=(lo, hi), patch_rows=(int(patch_off[i]), int(patch_off[i] + patch_count[i]))))
    run["swift_seconds"] = (finished - started).total_seconds()
    return run


# %%
def main():
    p = argparse.ArgumentParser()
    p.add_argument("probe_h5")
    p.add_argument("--model", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--tolerance", type=float, default=1e-4)
    p.add_argument("--probe-only", action="store_true", help="raw measures at the probe position only (less work)")
    p.add_argument("--json", default=None)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    run = load_run(a.probe_h5)
    hooks, byte_hooks, patch_hooks = run["hooks"], set(run["byte_hooks"]), set(run["patch_hooks"])
    variants = {} if a.probe_only else run["variants"]
    columns = [c for c in run["columns"] if not a.probe_only or c in MEASURES]
    model = BltForCausalLM.from_pretrained(a.model, dtype=torch.float32).eval()
    modules = hook_modules(a.model, hooks)
    captured = {}
    for name, (path, where, _) in modules.items():
        module = model.get_submodule(path)
        if where == "input":
            module.register_forward_pre_hook(lambda m, args, n=name: captured.__setitem__(n, args[0][0].detach()))
        else:
            module.register_forward_hook(lambda m, args, out, n=name: captured.__setitem__(
                n, (out[0] if isinstance(out, tuple) else out)[0].detach()))
    def patcher_output(module, args, out):
        captured["#entropy"], captured["#lengths"] = out[0][0].detach(), out[1][0].detach()
    model.model.patcher.register_forward_hook(patcher_output)
    results = []  # per item: (bits per byte, entropy, log_prob, starts, {hook: {column: rows}}, {hook: {column: probe}})
    start = time.perf_counter()
    with torch.no_grad():
        for item in run["items"]:
            captured.clear()
            ids = torch.tensor([[BOS_ID] + [b + BYTE_OFFSET for b in item["bytes"]]])
            n = ids.shape[1]
            logits = model(input_ids=ids, use_cache=False).logits[0].double()
            lp = torch.log_softmax(logits, -1)[:-1].gather(1, ids[0, 1:, None]).squeeze(1)
            lo, hi = item["span"]
            bpb = float(-lp[lo - 1:hi - 1].mean() / math.log(2))  # position t's byte is predicted at t - 1
            entropy = torch.full((n,), math.nan, dtype=torch.float64)
            entropy[1:] = captured["#entropy"][:-1].double()  # the entropy about byte t is the patcher's at t - 1
            log_prob = torch.full((n,), math.nan, dtype=torch.float64)
            log_prob[1:] = lp
            lengths = captured["#lengths"].long()
            starts = np.zeros(n, bool)
            starts[(torch.cumsum(lengths, 0) - lengths)[lengths > 0].numpy()] = True
            rows, probe = {}, {}
            for name in hooks:
                x = captured[name]
                at = item["probe_patch"] if modules[name][2] else item["probe"]
                if a.probe_only:
                    probe[name] = {c: float(v[0]) for c, v in measures(x[at:at + 1]).items()}
                    continue
                values = variant_measures(x, variants.get(name))
                if name in byte_hooks or name in patch_hooks:
                    rows[name] = {c: v.numpy() for c, v in values.items()}
                probe[name] = {c: float(v[at]) for c, v in values.items()}
            results.append((bpb, entropy.numpy(), log_prob.numpy(), starts, probe, rows))
    seconds = time.perf_counter() - start

    # Checking against the Swift study (not timed).
    worst = {c: 0.0 for c in columns}
    where = {}  # column -> (item, group, hook, row) of its largest difference
    worst_bpb = worst_entropy = worst_log_prob = 0.0
    start_mismatches = 0
    stored = run["stored"]
    for item, (bpb, entropy, log_prob, starts, probe, rows) in zip(run["items"], results):
        worst_bpb = max(worst_bpb, abs(bpb - item["bpb"]))
        b0, b1 = item["byte_rows"]
        p0, p1 = item["patch_rows"]
        if not a.probe_only:
            worst_entropy = max(worst_entropy, float(np.nanmax(np.abs(entropy[1:] - run["entropy"][b0 + 1:b1]))))
            start_mismatches += int((starts != run["is_start"][b0:b1]).sum())
            worst_log_prob = max(worst_log_prob, float(np.nanmax(np.abs(log_prob[1:] - run["log_prob"][b0 + 1:b1]))))
        for h, name in enumerate(hooks):
            for c, v in probe[name].items():
                diff = abs(v - float(stored["probe"][c][item["index"], h])) if c in stored["probe"] else 0.0
                if diff > worst[c]:
                    worst[c], where[c] = diff, (item["index"], "probe", name, 0)
        for group, names, r0, r1 in (("byte_level", run["byte_hooks"], b0, b1), ("patch_level", run["patch_hooks"], p0, p1)):
            for h, name in enumerate(names):
                if name not in rows:
                    continue
                for c, v in rows[name].items():
                    if c not in stored[group]:
                        continue
                    s = stored[group][c][r0:r1, h].astype(np.float64)
                    if s.shape != v.shape:
                        raise SystemExit(f"item {item['index']} hook {name}: {v.shape[0]} rows here, {s.shape[0]} stored")
                    diff = np.abs(v - s)
                    if diff.max() > worst[c]:
                        worst[c], where[c] = float(diff.max()), (item["index"], group, name, int(diff.argmax()))
    agree = bool(all(v <= a.tolerance for v in worst.values())
                 and worst_bpb <= 1e-4 and worst_entropy <= 1e-4 and worst_log_prob <= 1e-4 and start_mismatches == 0)
    result = dict(items=len(run["items"]), hooks=len(hooks), work="probe position, raw" if a.probe_only else
                  "every byte and patch row of every hook, three variants, plus entropy and log-probabilities",
                  python_item_stage_seconds=float(seconds), swift_whole_study_seconds=float(run["swift_seconds"]),
                  max_abs_diff={c: float(v) for c, v in worst.items()},
                  largest_diff_at={c: dict(zip(("item", "group", "hook", "row"), w)) for c, w in where.items()}, bits_per_byte_max_abs_diff=float(worst_bpb),
                  entropy_max_abs_diff_nats=float(worst_entropy), log_prob_max_abs_diff_nats=float(worst_log_prob),
                  patch_starts_differing=start_mismatches,
                  measures_agree=agree)
    for k, v in result.items():
        print(f"{k}: {v}")
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1))
    raise SystemExit(0 if agree else 1)


# %%
if __name__ == "__main__" and "ipykernel" not in __import__("sys").modules:
    main()
