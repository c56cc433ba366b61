# %% [markdown]
# # The item stage of a ByteLens study, done in Python with transformers (the study's Python peer)
#
# What it is: what a careful Python user would write to get a study's per-item numbers with transformers'
# own BLT: every item of a finished `probe.h5` (the run's own arm) goes through `BltForCausalLM` with PyTorch
# forward hooks on the modules of the run's probe hooks (taken from `probe hooks --json`, the Swift
# catalogue), and at the probe position (the last byte; the patch holding it for global hooks) numpy computes
# the run's raw sparsity measures (Hoyer, Gini, top-5 % energy, participation ratio); the model's
# bits per byte over the analysis span come from the logits. It then checks every value against what the
# Swift study stored (`/measures/probe/<measure>`, `/items/bits_per_byte`) and prints the wall time of this
# item stage next to the Swift run's whole-study time, so "how much faster is ByteLens per study" is one line.
#
# Batch size 1: transformers' batched BLT pads rows in a way that changes patch lengths
# (blt_architecture.md §3.6), so a careful user runs items one by one, as here; torch uses `--threads`.
#
# ```
# probe run --dataset ood --limit 6 --out /tmp/ood6
# V/bin/python Notebooks-as-scripts/study_transformers.py /tmp/ood6/probe.h5 --model Assets/models/bytelens-tiny \
#     --threads 2
# ```
# Exit status 1 when a measure differs by more than `--tolerance` (default 1e-4 absolute; the measures lie in
# [0, 1]) or bits per byte by more than 1e-4.

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


def measures(h):
    """ByteLens' definitions (SparsityMeasure.swift): top-k with k = max(1, ceil(5d/100)), PR over d."""
    h = np.asarray(h, np.float64)
    a = np.abs(h)
    d = a.size
    l1, e = a.sum(), (a ** 2).sum()
    if e == 0:
        return dict(hoyer=0.0, gini=0.0, top5_energy=max(1, -(-5 * d // 100)) / d, participation_ratio=1.0)
    hoyer = min(1.0, max(0.0, (math.sqrt(d) - l1 / math.sqrt(e)) / (math.sqrt(d) - 1))) if d > 1 else 0.0
    asc = np.sort(a)
    gini = 2 * np.sum(np.arange(1, d + 1) * asc) / (d * l1) - (d + 1) / d
    k = min(d, max(1, -(-5 * d // 100)))
    top5 = np.sort(a ** 2)[::-1][:k].sum() / e
    pr = e * e / (a ** 4).sum() / d
    return dict(hoyer=hoyer, gini=gini, top5_energy=top5, participation_ratio=pr)


def hook_modules(model_dir, hooks):
    """hook name -> (module path, 'input' | 'output') from the Swift catalogue."""
    probe = REPO_ROOT / ".build" / "release" / "probe"
    out = json.loads(subprocess.run([str(probe), "hooks", "--model", str(model_dir), "--json"], check=True,
                                    capture_output=True, text=True).stdout)
    table = {}
    for h in out:
        if h["name"] in hooks:
            module, _, where = h["transformers_module"].partition(" (")
            table[h["name"]] = (module, "input" if where.startswith("input") else "output")
    missing = [h for h in hooks if h not in table]
    assert not missing, f"hooks without a transformers module: {missing}"
    return table


def load_run(path):
    with h5py.File(path, "r") as f:
        layout = json.loads(f["provenance/layout_json"][()])
        hooks = layout["probeHooks"]
        items = f["items"]
        ladders = [x.decode() for x in items["ladder"][()]]
        probe_pos = items["probe_position"][()]
        span = np.stack([items["span_start"][()], items["span_end"][()]], 1)
        bpb = items["bits_per_byte"][()]
        item_of_byte = f["bytes/item_index"][()]
        value = f["bytes/value"][()]
        patch_id = f["bytes/patch_id"][()]
        stored = {m: f[f"measures/probe/{m}"][()] for m in MEASURES if f"measures/probe/{m}" in f}
        started = datetime.fromisoformat(f.attrs["started_utc"].replace("Z", "+00:00"))
        finished = datetime.fromisoformat(f.attrs["finished_utc"].replace("Z", "+00:00"))
    offsets = np.searchsorted(item_of_byte, np.arange(len(ladders) + 1))
    run = []
    for i, ladder in enumerate(ladders):
        if "@" in ladder:  # control arms
            continue
        lo, hi = offsets[i], offsets[i + 1]
        run.append(dict(index=i, bytes=bytes(value[lo + 1:hi].astype(np.uint8)), probe=int(probe_pos[i]),
                        probe_patch=int(patch_id[lo + int(probe_pos[i])]), span=(int(span[i, 0]), int(span[i, 1])),
                        bpb=float(bpb[i])))
    return hooks, run, stored, (finished - started).total_seconds()


# %%
def main():
    p = argparse.ArgumentParser()
    p.add_argument("probe_h5")
    p.add_argument("--model", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--tolerance", type=float, default=1e-4)
    p.add_argument("--json", default=None)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    hooks, run, stored, swift_seconds = load_run(a.probe_h5)
    model = BltForCausalLM.from_pretrained(a.model, dtype=torch.float32).eval()
    modules = hook_modules(a.model, hooks)
    captured = {}
    for name, (path, where) in modules.items():
        module = model.get_submodule(path)
        if where == "input":
            module.register_forward_pre_hook(lambda m, args, n=name: captured.__setitem__(n, args[0][0].detach()))
        else:
            module.register_forward_hook(lambda m, args, out, n=name: captured.__setitem__(
                n, (out[0] if isinstance(out, tuple) else out)[0].detach()))
    worst = {m: 0.0 for m in MEASURES}
    worst_bpb = 0.0
    start = time.perf_counter()
    with torch.no_grad():
        for item in run:
            captured.clear()
            ids = torch.tensor([[BOS_ID] + [b + BYTE_OFFSET for b in item["bytes"]]])
            logits = model(input_ids=ids, use_cache=False).logits[0].double()
            lp = torch.log_softmax(logits, -1)[:-1].gather(1, ids[0, 1:, None]).squeeze(1).numpy()
            lo, hi = item["span"]
            bpb = -lp[lo - 1:hi - 1].mean() / math.log(2)  # position t's byte is predicted at t - 1
            worst_bpb = max(worst_bpb, abs(bpb - item["bpb"]))
            for h, name in enumerate(hooks):
                x = captured[name].double().numpy()
                row = item["probe"] if x.shape[0] == len(item["bytes"]) + 1 else item["probe_patch"]
                for m, v in measures(x[row]).items():
                    if m in stored:
                        worst[m] = max(worst[m], abs(v - float(stored[m][item["index"], h])))
    seconds = time.perf_counter() - start
    agree = bool(all(v <= a.tolerance for v in worst.values()) and worst_bpb <= 1e-4)
    result = dict(items=len(run), hooks=len(hooks), python_item_stage_seconds=float(seconds),
                  swift_whole_study_seconds=float(swift_seconds), max_abs_diff={m: float(v) for m, v in worst.items()},
                  bits_per_byte_max_abs_diff=float(worst_bpb), measures_agree=agree)
    for k, v in result.items():
        print(f"{k}: {v}")
    print(f"ratio: the Python item stage of the run's arm alone took {seconds / max(swift_seconds, 1e-9):.2f}x the "
          f"Swift study's wall time (all arms, statistics and report included)")
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1))
    raise SystemExit(0 if agree else 1)


# %%
if __name__ == "__main__" and "ipykernel" not in __import__("sys").modules:
    main()
