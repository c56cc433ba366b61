# %% [markdown]
# # A ByteLens study file against transformers' own BLT forward, byte by byte
#
# What it is: re-runs every item of a finished `probe.h5` (the run's own arm, not the control arms) through
# transformers' `BltForCausalLM` on the same checkpoint, in the dtype you choose, and compares what ByteLens
# stored per byte: the entropy model's byte-aligned entropy (`/bytes/entropy`), the patch starts
# (`/bytes/is_patch_start`) and the BLT's log-probability of each byte (`/bytes/log_prob`). Use it to measure
# how far a study computed with `--compute bf16` is from transformers computing in bfloat16, and how far the
# default fp32 study is from transformers in float32 (the parity baseline).
#
# How to run (Python env with torch 2.13.0 and transformers 5.24.0, plus h5py and numpy):
#
# ```
# probe run --dataset ood --limit 6 --compute bf16 --no-patch-control --control-model none --out /tmp/dev-bf16
# V/bin/python Notebooks-as-scripts/compare_with_transformers.py /tmp/dev-bf16/probe.h5 \
#     --model Assets/models/bytelens-tiny --dtype bfloat16
# ```
# Prints medians and maxima of |Δ| and the number of patch starts that differ; `--json` writes them too.
# `--require-parity` (CI, fp32 study against float32) fails unless no patch start differs and entropy and
# log-probabilities agree within 1e-4 nat.

# %%
import argparse
import json
import math

import h5py
import numpy as np
import torch
from transformers import BltForCausalLM

BOS_ID, BYTE_OFFSET = 1, 4


# %%
def stored_items(path):
    """(ladder, bytes, entropy, is_patch_start, log_prob) per item of the run's own arm."""
    with h5py.File(path, "r") as f:
        ladders = [x.decode() for x in f["items/ladder"][()]]
        item_of_byte = f["bytes/item_index"][()]
        value = f["bytes/value"][()]
        entropy = f["bytes/entropy"][()].astype(np.float64)
        start = f["bytes/is_patch_start"][()].astype(bool)
        log_prob = f["bytes/log_prob"][()].astype(np.float64)
    offsets = np.searchsorted(item_of_byte, np.arange(len(ladders) + 1))
    for i, ladder in enumerate(ladders):
        if "@" in ladder:
            continue
        lo, hi = offsets[i], offsets[i + 1]
        v = value[lo:hi]
        assert v[0] == -1, "position 0 must be BOS"
        yield ladder, bytes(v[1:].astype(np.uint8)), entropy[lo:hi], start[lo:hi], log_prob[lo:hi]


@torch.no_grad()
def reference(model, data):
    """transformers' byte-aligned entropy and log-probabilities for BOS + data."""
    ids = torch.tensor([[BOS_ID] + [b + BYTE_OFFSET for b in data]])
    n = ids.shape[1]
    ent, _, _ = model.model.patcher(ids)
    ent = ent[0].double().numpy()
    aligned = np.full(n, np.nan)
    aligned[1:] = ent[:-1]  # entropy about byte t is the patcher's uncertainty at position t - 1
    logits = model(input_ids=ids, use_cache=False).logits[0].double()
    lp = torch.log_softmax(logits, dim=-1)
    log_prob = np.full(n, np.nan)
    log_prob[1:] = lp[:-1].gather(1, ids[0, 1:, None]).squeeze(1).numpy()
    return aligned, log_prob


def starts_from_threshold(entropy_aligned, threshold):
    """BLT's global-threshold rule on byte-aligned entropies: BOS and byte 1 start patches; byte t >= 2 starts
    one when the entropy about it exceeds the threshold (see blt_architecture.md)."""
    n = len(entropy_aligned)
    s = np.zeros(n, bool)
    s[0] = True
    if n > 1:
        s[1] = True
    s[2:] = entropy_aligned[2:] > threshold
    return s


# %%
def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("probe_h5")
    p.add_argument("--model", required=True)
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", default=None)
    p.add_argument("--require-parity", action="store_true",
                   help="exit 1 unless (float32) no patch start differs and entropy and log-probs agree within 1e-4 nat")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model = BltForCausalLM.from_pretrained(a.model, dtype=getattr(torch, a.dtype)).eval()
    threshold = float(model.config.patching_threshold)
    d_ent, d_lp, rel_lp = [], [], []
    moved = total_starts = items = 0
    for ladder, data, ent, start, lp in stored_items(a.probe_h5):
        ref_ent, ref_lp = reference(model, data)
        ok = np.isfinite(ent) & np.isfinite(ref_ent)
        d_ent.append(np.abs(ent[ok] - ref_ent[ok]))
        ok = np.isfinite(lp) & np.isfinite(ref_lp)
        d_lp.append(np.abs(lp[ok] - ref_lp[ok]))
        ref_start = starts_from_threshold(ref_ent, threshold)
        moved += int((ref_start != start).sum())
        total_starts += int(start.sum())
        items += 1
    d_ent, d_lp = np.concatenate(d_ent), np.concatenate(d_lp)
    result = dict(file=a.probe_h5, dtype=a.dtype, items=items, bytes=int(len(d_ent)),
                  entropy_abs_diff_median_nats=float(np.median(d_ent)), entropy_abs_diff_max_nats=float(d_ent.max()),
                  log_prob_abs_diff_median_nats=float(np.median(d_lp)), log_prob_abs_diff_max_nats=float(d_lp.max()),
                  patch_starts_differing=moved, patch_starts=total_starts)
    for k, v in result.items():
        print(f"{k}: {v}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
    if a.require_parity:
        ok = moved == 0 and d_ent.max() <= 1e-4 and d_lp.max() <= 1e-4 and items > 0
        print("parity with transformers:", "yes" if ok else "NO")
        raise SystemExit(0 if ok else 1)


# %%
if __name__ == "__main__" and "ipykernel" not in __import__("sys").modules:
    main()
