# %% [markdown]
# # Train ByteLens' default model (`bytelens-tiny`): a small Byte Latent Transformer
#
# What this is: the script that trains the BLT shipped in `Assets/models/bytelens-tiny/`, in BLT's two
# stages, with transformers' own BLT modules (so the checkpoint is in Hugging Face layout by construction):
#
# 1. **entropy model** (`BltPatcher`, a Llama-style byte LM; vocab 260, ids = byte + 4, BOS = 1) trained with
#    next-byte cross-entropy on the train split;
# 2. **threshold calibration**: the global entropy threshold is searched so that held-out English gets a mean
#    patch length of `--target-patch-length` (4.5 bytes);
# 3. **BLT**: `BltForCausalLM` with the trained patcher frozen inside (`patch_in_forward = True`, so patches
#    are made from its entropies in every forward), hash n-gram embeddings, local encoder, global transformer and
#    local decoder trained with next-byte loss; saved with `save_pretrained` (`config.json` + `model.safetensors`).
#
# Each training stage runs for a **wall-clock budget** (minutes of training time, evaluation excluded), saves a
# resumable checkpoint every few minutes, and continues from it with `--resume`. The learning-rate schedule is
# a function of the elapsed fraction of the budget; the steps actually reached are logged, and `--max-steps`
# replays a run step for step (same seed, same data windows) when exact reproduction is needed.
#
# How to run (Python env: `python3 -m venv V && V/bin/pip install torch==2.13.0 transformers==5.24.0
# safetensors numpy scipy h5py`):
#
# ```
# nice -n 5 nohup V/bin/python Notebooks-as-scripts/train_default_model.py all \
#     --train /work/corpus/train.txt --val /work/corpus/val_english.txt \
#     --work /work/train_run/run1 --out Assets/models/bytelens-tiny \
#     --entropy-minutes 22 --blt-minutes 48 > /work/train_run/run1.log 2>&1 &
# # after an interruption: the same command with --resume
# ```
# Sub-commands: `entropy`, `calibrate`, `blt`, `all` (the three in order), `evaluate` and `fixture` (see the
# evaluation script `evaluate_default_model.py` for the measurements written into the model card).

# %%
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from transformers import BltConfig, BltForCausalLM
from transformers.models.blt.configuration_blt import BltPatcherConfig
from transformers.models.blt.modeling_blt import BltPatcher

BOS_ID = 1
BYTE_OFFSET = 4
VOCAB = 260
SEQ_LEN = 512  # BOS + 511 bytes; equals the sliding window, so the window is never exceeded in training
WINDOW = 512


# %% [markdown]
# ## Architecture
# Head dim 64 everywhere, FFN = 8/3·d rounded up to a multiple of 64 (the BLT converter's rule with 64 instead of
# 256, which would more than double the FFN of these narrow models). RoPE θ: 10000 for the patcher, 500000 for
# the encoder/decoder/global models (the blt-1b values). `max_position_embeddings` keep the HF defaults; the
# default RoPE never reads them.

# %%
def ffn_size(d, multiple_of=64):
    return multiple_of * math.ceil(int(8 * d / 3) / multiple_of)


def patcher_config_dict(a):
    d = a.patcher_dim
    return dict(vocab_size=VOCAB, hidden_size=d, num_hidden_layers=a.patcher_layers,
                num_attention_heads=d // 64, intermediate_size=ffn_size(d), sliding_window=WINDOW,
                rope_parameters={"rope_type": "default", "rope_theta": 10000.0})


def blt_config(a, threshold):
    theta = {"rope_type": "default", "rope_theta": 500000.0}
    local = lambda d, n, all_layers: dict(
        vocab_size=VOCAB, hidden_size=d, num_hidden_layers=n, num_attention_heads=d // 64,
        intermediate_size=ffn_size(d), cross_attn_all_layers=all_layers, cross_attn_k=2,
        hidden_size_global=a.global_dim, rope_parameters=dict(theta))
    return BltConfig(
        vocab_size=VOCAB, patch_in_forward=True, patch_size=4, patching_mode="entropy",
        patching_threshold=float(threshold), max_patch_length=None, local_attention_window_len=WINDOW,
        cross_attn_k=2, encoder_hash_byte_group_size=[3, 4, 5, 6, 7, 8],
        encoder_hash_byte_group_vocab=a.hash_vocab, encoder_hash_byte_group_nb_functions=1,
        patcher_config=patcher_config_dict(a),
        encoder_config=local(a.encoder_dim, a.encoder_layers, False),
        decoder_config=local(a.decoder_dim, a.decoder_layers, True),
        global_config=dict(hidden_size=a.global_dim, num_hidden_layers=a.global_layers,
                           num_attention_heads=a.global_dim // 64, intermediate_size=ffn_size(a.global_dim),
                           rope_parameters=dict(theta)),
        use_cache=False, tie_word_embeddings=False, bos_token_id=BOS_ID, eos_token_id=2, pad_token_id=3,
        rope_parameters=dict(theta))


# %% [markdown]
# ## Data
# The train split is read once into memory as bytes. A training row is BOS followed by 511 consecutive bytes from
# a uniformly random offset; the offsets of step `s` come from `numpy.random.default_rng([seed, stage, s])`, so
# a resumed run sees exactly the windows an uninterrupted run would. Validation during training uses fixed,
# non-overlapping windows of the held-out English file.

# %%
def read_bytes(path):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8)


def encode(raw_bytes):
    """BOS + byte ids for a bytes-like object or uint8 array."""
    arr = np.frombuffer(bytes(raw_bytes), dtype=np.uint8) if not isinstance(raw_bytes, np.ndarray) else raw_bytes
    return torch.cat([torch.tensor([BOS_ID]), torch.from_numpy(arr.astype(np.int64)) + BYTE_OFFSET])


def batch_at(data, step, seed, stage_id, batch):
    rng = np.random.default_rng([seed, stage_id, step])
    starts = rng.integers(0, len(data) - (SEQ_LEN - 1), size=batch)
    rows = np.stack([data[s:s + SEQ_LEN - 1] for s in starts]).astype(np.int64) + BYTE_OFFSET
    ids = np.concatenate([np.full((batch, 1), BOS_ID, dtype=np.int64), rows], axis=1)
    return torch.from_numpy(ids)


def fixed_windows(data, max_bytes):
    """Non-overlapping windows (BOS + up to 511 bytes) covering the first `max_bytes` bytes."""
    data = data[:max_bytes]
    out = []
    for s in range(0, len(data), SEQ_LEN - 1):
        chunk = data[s:s + SEQ_LEN - 1]
        if len(chunk) > 0:
            out.append(encode(chunk).unsqueeze(0))
    return out


# %% [markdown]
# ## Shared training loop pieces
# AdamW (β = 0.9/0.95, ε = 1e-8), weight decay only on matrices of linear layers (not on embeddings, hash
# embeddings or norms), gradient clipping at 1.0, linear warm-up over the first 3 % of the budget then cosine
# decay to 10 % of the peak, both as functions of elapsed training time.

# %%
def make_optimizer(params_named, lr, weight_decay):
    decay, no_decay = [], []
    for name, p in params_named:
        if not p.requires_grad:
            continue
        if p.ndim == 2 and "embed" not in name:
            decay.append(p)
        else:
            no_decay.append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.95), eps=1e-8)


def lr_at(progress, peak, warmup=0.03, floor=0.1):
    progress = min(max(progress, 0.0), 1.0)
    if progress < warmup:
        return peak * max(progress / warmup, 0.02)
    q = (progress - warmup) / (1 - warmup)
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * q)))


def atomic_torch_save(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def log(msg):
    print(time.strftime("%H:%M:%S", time.gmtime()), msg, flush=True)


def next_byte_nll(logits, ids):
    """Sum of next-byte NLL (nats) and count over a batch: logits[:, t] predicts ids[:, t+1]."""
    lp = logits[:, :-1].float().reshape(-1, logits.shape[-1])
    return F.cross_entropy(lp, ids[:, 1:].reshape(-1), reduction="sum").item(), ids[:, 1:].numel()


def run_stage(name, stage_id, model, forward_loss, eval_bpb, a, minutes, peak_lr, batch, work):
    """Train `model` for `minutes` of wall time; checkpoints to work/<name>_state.pt; returns the log."""
    state_path = os.path.join(work, f"{name}_state.pt")
    opt = make_optimizer(model.named_parameters(), peak_lr, a.weight_decay)
    step, elapsed, curve = 0, 0.0, []
    if a.resume and os.path.exists(state_path):
        st = torch.load(state_path, weights_only=False)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["optim"])
        step, elapsed, curve = st["step"], st["elapsed"], st["curve"]
        log(f"[{name}] resumed at step {step}, {elapsed / 60:.1f} min")
        if st.get("finished"):
            return curve, step, elapsed
    budget = minutes * 60.0
    data = read_bytes(a.train)
    log(f"[{name}] train bytes {len(data):,}; budget {minutes} min; batch {batch}x{SEQ_LEN}")
    if not curve:
        curve.append(dict(step=0, minutes=0.0, mbytes=0.0, train_loss=None, val_bpb=eval_bpb()))
        log(f"[{name}] step 0 val bpb {curve[-1]['val_bpb']:.3f}")
    last_ckpt, last_eval = elapsed, elapsed
    running, running_n = 0.0, 0
    model.train()
    while elapsed < budget and (a.max_steps is None or step < a.max_steps):
        t0 = time.time()
        lr = lr_at(elapsed / budget, peak_lr)
        for g in opt.param_groups:
            g["lr"] = lr
        ids = batch_at(data, step, a.seed, stage_id, batch)
        loss = forward_loss(ids)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        opt.step()
        step += 1
        running += loss.item()
        running_n += 1
        elapsed += time.time() - t0
        done = elapsed >= budget or (a.max_steps is not None and step >= a.max_steps)
        if elapsed - last_eval >= a.eval_every * 60 or done:
            model.eval()
            vb = eval_bpb()
            model.train()
            mb = step * batch * (SEQ_LEN - 1) / 1e6
            curve.append(dict(step=step, minutes=round(elapsed / 60, 2), mbytes=round(mb, 3),
                              train_loss=round(running / running_n / math.log(2), 4), val_bpb=round(vb, 4),
                              lr=lr))
            log(f"[{name}] step {step} {elapsed / 60:.1f} min {mb:.2f} MB "
                f"train {running / running_n / math.log(2):.3f} bpb val {vb:.3f} bpb "
                f"({step * batch * (SEQ_LEN - 1) / max(elapsed, 1e-9):.0f} B/s) lr {lr:.2e}")
            running, running_n = 0.0, 0
            last_eval = elapsed
        if elapsed - last_ckpt >= a.ckpt_every * 60 or done:
            atomic_torch_save(dict(model=model.state_dict(), optim=opt.state_dict(), step=step, elapsed=elapsed,
                                   curve=curve, finished=done), state_path)
            last_ckpt = elapsed
    model.eval()
    return curve, step, elapsed


# %% [markdown]
# ## Stage 1: entropy model

# %%
def stage_entropy(a):
    torch.manual_seed(a.seed)
    patcher = BltPatcher(BltPatcherConfig(**patcher_config_dict(a)))
    val = fixed_windows(read_bytes(a.val), a.val_bytes_train)

    def forward_loss(ids):
        _, _, logits = patcher(ids)
        return F.cross_entropy(logits[:, :-1].reshape(-1, VOCAB), ids[:, 1:].reshape(-1))

    @torch.no_grad()
    def eval_bpb():
        tot, n = 0.0, 0
        for w in val:
            _, _, logits = patcher(w)
            s, c = next_byte_nll(logits, w)
            tot, n = tot + s, n + c
        return tot / n / math.log(2)

    nparams = sum(p.numel() for p in patcher.parameters())
    log(f"[entropy] patcher {a.patcher_dim}x{a.patcher_layers}: {nparams:,} parameters")
    curve, step, elapsed = run_stage("entropy", 1, patcher, forward_loss, eval_bpb, a, a.entropy_minutes,
                                     a.entropy_lr, a.entropy_batch, a.work)
    save_file({k: v.contiguous() for k, v in patcher.state_dict().items()}, os.path.join(a.work, "patcher.safetensors"))
    with open(os.path.join(a.work, "entropy_log.json"), "w") as f:
        json.dump(dict(curve=curve, steps=step, train_minutes=elapsed / 60, parameters=nparams,
                       config=patcher_config_dict(a), batch=a.entropy_batch, peak_lr=a.entropy_lr), f, indent=1)
    log(f"[entropy] done: {step} steps, {elapsed / 60:.1f} min, final val {curve[-1]['val_bpb']:.3f} bpb")


def load_patcher(a):
    patcher = BltPatcher(BltPatcherConfig(**patcher_config_dict(a)))
    patcher.load_state_dict(load_file(os.path.join(a.work, "patcher.safetensors")))
    return patcher.eval()


# %% [markdown]
# ## Stage 2a: threshold calibration
# For one window (BOS + n bytes, n ≤ 511) HF starts a patch at the BOS, at byte 1, and at byte t ≥ 2 whenever the
# entropy at position t−1 (the patcher's uncertainty about byte t) exceeds θ. A start at position N (from the
# last entropy) only makes an empty trailing patch, so it is not counted. Mean patch length = bytes / non-BOS,
# non-empty patches, pooled over windows; θ is found by bisection.

# %%
@torch.no_grad()
def window_entropies(patcher, windows):
    out = []
    for w in windows:
        ent, _, _ = patcher(w)
        out.append(ent[0].double().numpy())
    return out


def mean_patch_length(entropies, threshold):
    nbytes, npatches = 0, 0
    for h in entropies:
        n = len(h) - 1  # bytes after BOS
        nbytes += n
        npatches += 1 + int((h[1:n] > threshold).sum())  # starts at bytes 2..n
    return nbytes / npatches


def stage_calibrate(a):
    patcher = load_patcher(a)
    windows = fixed_windows(read_bytes(a.val), a.calib_bytes)
    ents = window_entropies(patcher, windows)
    lo, hi = 0.0, 8.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if mean_patch_length(ents, mid) < a.target_patch_length:
            lo = mid
        else:
            hi = mid
    threshold = float(np.float32(hi))
    mpl = mean_patch_length(ents, threshold)
    info = dict(threshold=threshold, mean_patch_length=mpl, target=a.target_patch_length,
                calibration_bytes=int(sum(len(h) - 1 for h in ents)), calibration_file=os.path.abspath(a.val))
    with open(os.path.join(a.work, "threshold.json"), "w") as f:
        json.dump(info, f, indent=1)
    log(f"[calibrate] threshold {threshold:.6f} nats -> mean patch length {mpl:.3f} on {info['calibration_bytes']:,} bytes")
    return threshold


# %% [markdown]
# ## Stage 2b: BLT with the frozen entropy model inside
# `BltForCausalLM(patch_in_forward=True)`: the patcher runs in every forward (its parameters have
# `requires_grad = False` and the optimizer only holds trainable parameters). In batches HF's patch-length
# padding has a known quirk (last real patch +1, trailing −1) that does not change patch ids or logits.

# %%
def stage_blt(a):
    with open(os.path.join(a.work, "threshold.json")) as f:
        threshold = json.load(f)["threshold"]
    torch.manual_seed(a.seed + 1)
    model = BltForCausalLM(blt_config(a, threshold))
    model.model.patcher.load_state_dict(load_file(os.path.join(a.work, "patcher.safetensors")))
    for p in model.model.patcher.parameters():
        p.requires_grad = False
    val = fixed_windows(read_bytes(a.val), a.val_bytes_train)
    counts = {k: sum(p.numel() for n, p in model.named_parameters() if n.startswith(k))
              for k in ["model.encoder_hash_tok_embedding", "model.local_encoder", "model.global_transformer",
                        "model.local_decoder", "lm_head", "model.patcher"]}
    log(f"[blt] parameters {counts}; threshold {threshold:.6f}")

    def forward_loss(ids):
        logits = model(input_ids=ids, use_cache=False).logits
        return F.cross_entropy(logits[:, :-1].reshape(-1, VOCAB), ids[:, 1:].reshape(-1))

    @torch.no_grad()
    def eval_bpb():
        tot, n = 0.0, 0
        for w in val:
            s, c = next_byte_nll(model(input_ids=w, use_cache=False).logits, w)
            tot, n = tot + s, n + c
        return tot / n / math.log(2)

    curve, step, elapsed = run_stage("blt", 2, model, forward_loss, eval_bpb, a, a.blt_minutes, a.blt_lr,
                                     a.blt_batch, a.work)
    model.model.patcher.eval()
    os.makedirs(a.out, exist_ok=True)
    model.config.use_cache = False
    model.save_pretrained(a.out)
    with open(os.path.join(a.work, "blt_log.json"), "w") as f:
        json.dump(dict(curve=curve, steps=step, train_minutes=elapsed / 60, parameters=counts,
                       batch=a.blt_batch, peak_lr=a.blt_lr, threshold=threshold), f, indent=1)
    # The saved checkpoint must reload with the public API and give the same logits.
    reloaded = BltForCausalLM.from_pretrained(a.out).eval()
    with torch.no_grad():
        d = (reloaded(input_ids=val[0], use_cache=False).logits - model(input_ids=val[0], use_cache=False).logits)
    log(f"[blt] done: {step} steps, {elapsed / 60:.1f} min, final val {curve[-1]['val_bpb']:.3f} bpb; "
        f"saved to {a.out}; reload max |dlogits| {d.abs().max().item():.2e}")


# %% [markdown]
# ## Command line

# %%
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("command", choices=["entropy", "calibrate", "blt", "all"])
    p.add_argument("--train", default="/work/corpus/train.txt")
    p.add_argument("--val", default="/work/corpus/val_english.txt", help="held-out English (calibration + val)")
    p.add_argument("--work", default="/work/train_run/run1", help="checkpoints and logs (not committed)")
    p.add_argument("--out", default="Assets/models/bytelens-tiny")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--seed", type=int, default=1234)
    # 1 thread by default: on the shared 2-core host (load ~6) a 2-thread step swung between 500 and 7,000 B/s
    # (OpenMP barriers stall when one thread is descheduled) while 1 thread held 3,500-3,900 B/s (tiny BLT, B=8).
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--max-steps", type=int, default=None, help="stop each stage after this many steps")
    p.add_argument("--entropy-minutes", type=float, default=22)
    p.add_argument("--blt-minutes", type=float, default=48)
    p.add_argument("--entropy-lr", type=float, default=3e-3)
    p.add_argument("--blt-lr", type=float, default=2e-3)
    p.add_argument("--entropy-batch", type=int, default=8)
    p.add_argument("--blt-batch", type=int, default=8)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--eval-every", type=float, default=3.0, help="minutes of training between val evals")
    p.add_argument("--ckpt-every", type=float, default=3.0, help="minutes of training between checkpoints")
    p.add_argument("--val-bytes-train", type=int, default=24 * 1024, help="held-out bytes for in-training val")
    p.add_argument("--calib-bytes", type=int, default=256 * 1024)
    p.add_argument("--target-patch-length", type=float, default=4.5)
    p.add_argument("--patcher-dim", type=int, default=192)
    p.add_argument("--patcher-layers", type=int, default=4)
    p.add_argument("--encoder-dim", type=int, default=128)
    p.add_argument("--encoder-layers", type=int, default=1)
    p.add_argument("--global-dim", type=int, default=256)
    p.add_argument("--global-layers", type=int, default=4)
    p.add_argument("--decoder-dim", type=int, default=128)
    p.add_argument("--decoder-layers", type=int, default=2)
    p.add_argument("--hash-vocab", type=int, default=1699, help="rows per n-gram hash table (a prime)")
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.work, exist_ok=True)
    with open(os.path.join(a.work, f"args_{a.command}.json"), "w") as f:
        json.dump(dict(vars(a), argv=sys.argv), f, indent=1)
    if a.command in ("entropy", "all"):
        stage_entropy(a)
    if a.command in ("calibrate", "all"):
        stage_calibrate(a)
    if a.command in ("blt", "all"):
        stage_blt(a)


# %%
if __name__ == "__main__" and "ipykernel" not in sys.modules:
    main()
