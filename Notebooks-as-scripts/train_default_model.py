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
#     --entropy-minutes 24 --blt-minutes 55 --blt-batch 4 --blt-lr 2e-3 --eval-every 5 --ckpt-every 4 \
#     > /work/train_run/run1.log 2>&1 &
# # after an interruption: the same command with --resume
# ```
# Sub-commands: `entropy`, `calibrate`, `blt`, `all` (the three in order); then `evaluate` (held-out bits/byte,
# patch lengths, word-initial entropy: the numbers of the model card, also written to `<work>/metrics.json`) and
# `fixture` (transformers reference outputs of the saved checkpoint for the Swift parity test):
# ```
# V/bin/python Notebooks-as-scripts/train_default_model.py evaluate --out Assets/models/bytelens-tiny \
#     --work /work/train_run/run1 --datasets Assets/datasets
# V/bin/python Notebooks-as-scripts/train_default_model.py fixture --out Assets/models/bytelens-tiny \
#     --datasets Assets/datasets --fixture-dir Tests/BLTModelTests/Fixtures/shipped
# ```
# Threads: 1 by default (see `--threads`); the shared host made 2-thread steps erratic.

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


def run_stage(name, stage_id, model, forward_loss, eval_bpb, a, minutes, peak_lr, batch, work, total_steps=None,
              after_step=None):
    """Train `model` for `minutes` of wall time, or for exactly `total_steps` steps with the learning-rate
    schedule a function of step / total_steps (reproducible whatever the machine's speed); checkpoints to
    work/<name>_state.pt; calls `after_step(step)` after every optimizer step; returns the log."""
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
    budget = minutes * 60.0 if total_steps is None else math.inf
    data = read_bytes(a.train)
    plan = f"{total_steps} steps" if total_steps is not None else f"budget {minutes} min"
    log(f"[{name}] train bytes {len(data):,}; {plan}; batch {batch}x{SEQ_LEN}")
    if not curve:
        curve.append(dict(step=0, minutes=0.0, mbytes=0.0, train_loss=None, val_bpb=eval_bpb()))
        log(f"[{name}] step 0 val bpb {curve[-1]['val_bpb']:.3f}")
    last_ckpt, last_eval = elapsed, elapsed
    running, running_n = 0.0, 0
    model.train()
    def finished(step, elapsed):
        if total_steps is not None:
            return step >= total_steps
        return elapsed >= budget or (a.max_steps is not None and step >= a.max_steps)

    while not finished(step, elapsed):
        t0 = time.time()
        lr = lr_at(step / total_steps if total_steps is not None else elapsed / budget, peak_lr)
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
        done = finished(step, elapsed)
        if after_step is not None:
            model.eval()
            after_step(step)
            model.train()
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
                                     a.entropy_lr, a.entropy_batch, a.work, total_steps=a.entropy_steps)
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

    stage_steps = training_stage_steps(a)

    def save_stage(step):
        if step in stage_steps:
            save_training_stage(model, a, step)

    curve, step, elapsed = run_stage("blt", 2, model, forward_loss, eval_bpb, a, a.blt_minutes, a.blt_lr,
                                     a.blt_batch, a.work, total_steps=a.blt_steps, after_step=save_stage)
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
# ## Training stages (for `Reports/training-stages/`)
# With `--blt-steps N --save-stages 0.05,0.25,1` the BLT is saved after round(f × N) steps for each fraction f, as a
# complete Hugging Face checkpoint in bf16 (the frozen, fully trained entropy model inside; `config.json` +
# `model.safetensors`) under `<stages-out>/step-SSSSS-of-NNNNN/`. bf16 keeps three stages at ~15 MB each; ByteLens
# computes in fp32 from them exactly as from an f32 checkpoint. A stage that already exists is not written again,
# so `--resume` after a kill fills in only the missing ones.

# %%
def training_stage_steps(a):
    if not a.save_stages:
        return set()
    if a.blt_steps is None:
        raise SystemExit("--save-stages needs --blt-steps (stages are fractions of a fixed number of steps)")
    steps = set()
    for text in a.save_stages.split(","):
        f = float(text)
        if not 0 < f <= 1:
            raise SystemExit(f"--save-stages: {text} is not a fraction in (0, 1]")
        steps.add(max(1, round(f * a.blt_steps)))
    return steps


def save_training_stage(model, a, step):
    import copy
    path = os.path.join(a.stages_out, f"step-{step:05d}-of-{a.blt_steps:05d}")
    if os.path.exists(os.path.join(path, "model.safetensors")):
        return
    tmp = path + ".tmp"
    snapshot = copy.deepcopy(model).to(torch.bfloat16)
    snapshot.config.use_cache = False
    snapshot.save_pretrained(tmp)
    if os.path.exists(path):
        import shutil
        shutil.rmtree(path)
    os.replace(tmp, path)
    log(f"[blt] stage saved: step {step} of {a.blt_steps} -> {path}")


# %% [markdown]
# ## Evaluation (numbers for the model card)
# Held-out sets (from `Assets/datasets/`, written by `extract_corpus.py`; none of it is in the train split):
# * **English**: the 640 held-out passages of `english_passages.jsonl` (256–500 bytes each; Bible, Python docs,
#   *The Tempest*, WordNet glosses), each evaluated as its own sequence (BOS + passage). They are disjoint from
#   `val_english.txt`, which was used for the threshold calibration and the in-training validation curve.
# * **Multilingual**: the aligned messages of `parallel_messages.jsonl`, grouped like the `ood` ladder levels;
#   a group's messages (all its language fields) are joined with newlines and cut into 511-byte windows.
# * **Task text**: freshly generated addition / Dyck-2 / key=value retrieval lines in the training formats and
#   ranges (`task_seeds.json`), from a seed different from the training one; 24 lines per document.
# * **Random**: uniformly random bytes, and random valid UTF-8 (width 1–4 chosen uniformly, as in the ladder).
#
# Bits per byte = mean next-byte NLL over all predicted bytes (the first byte after BOS included) / ln 2.
# Mean patch length = bytes / patches, with the BOS patch and the empty trailing patch not counted, using the
# checkpoint's own threshold on entropies computed per window (B = 1, exactly what `patch_in_forward` does).

# %%
OOD_GROUPS = [
    ("English", ["en"]), ("de/fr/es", ["de", "fr", "es"]), ("pl/tr", ["pl", "tr"]), ("vi", ["vi"]),
    ("transliterated ru/el", ["ru_latn", "el_latn"]),
    ("transliterated ar/zh/ko", ["ar_latn", "zh_CN_latn", "ko_latn"]),
    ("native Cyrillic/Greek", ["ru", "uk", "el"]),
    ("native CJK/Thai/Devanagari", ["zh_CN", "ja", "ko", "th", "hi"]),
]


def task_text(rng, family, lines=24 * 40):
    """Held-out task text in the training formats: 'a+b=c' (1-4 digits), Dyck-2 (length 64, depth <= 4),
    'k1=v1 ... ?kq=vq' (2-16 pairs, 4-letter keys, 3-digit values, a quarter padded with '....' fillers)."""
    out = []
    for _ in range(lines):
        if family == "addition":
            d = int(rng.integers(1, 5))
            lo, hi = (0 if d == 1 else 10 ** (d - 1)), 10 ** d - 1
            a, b = int(rng.integers(lo, hi + 1)), int(rng.integers(lo, hi + 1))
            out.append(f"{a}+{b}={a + b}")
        elif family == "dyck":
            cap, stack, seq = int(rng.integers(1, 5)), [], []
            while len(seq) < 64:
                remaining = 64 - len(seq)
                must_close = len(stack) >= cap or len(stack) >= remaining
                if stack and (must_close or rng.random() < 0.5):
                    seq.append(")" if stack.pop() == "(" else "]")
                else:
                    o = "(["[int(rng.integers(0, 2))]
                    stack.append(o)
                    seq.append(o)
            out.append("".join(seq))
        else:
            n = int(rng.integers(2, 17))
            keys = set()
            while len(keys) < n:
                keys.add("".join(chr(97 + int(c)) for c in rng.integers(0, 26, size=4)))
            keys = list(rng.permutation(sorted(keys)))
            vals = [int(v) for v in rng.integers(100, 1000, size=n)]
            q = int(rng.integers(0, n))
            pairs = [f"{k}={v}" for k, v in zip(keys, vals)]
            if rng.random() < 0.25:
                pairs = list(rng.permutation(pairs + ["...."] * int(rng.integers(1, 17))))
            out.append(" ".join(pairs) + f" ?{keys[q]}={vals[q]}")
    docs = ["\n".join(out[i:i + 24]) for i in range(0, len(out), 24)]
    return "\n\n".join(docs).encode()


def random_utf8(rng, length):
    out = bytearray()
    while len(out) < length:
        width = 1 + int(rng.integers(0, min(4, length - len(out))))
        if width == 1:
            v = int(rng.integers(0x20, 0x7F))
        elif width == 2:
            v = int(rng.integers(0x80, 0x800))
        elif width == 3:
            v = int(rng.integers(0x800, 0x10000 - 0x800))
            v = v + 0x800 if v >= 0xD800 else v
        else:
            v = int(rng.integers(0x10000, 0x110000))
        out += chr(v).encode("utf-8")
    return bytes(out)


def eval_sets(datasets_dir, seed):
    """name -> list of byte strings, each evaluated as one sequence (BOS + ≤ 511 bytes)."""
    sets = {}
    passages = [json.loads(l) for l in open(os.path.join(datasets_dir, "english_passages.jsonl"), encoding="utf-8")]
    sets["English (all 640 passages)"] = [p["text"].encode()[:SEQ_LEN - 1] for p in passages]
    for src in sorted({p["source"] for p in passages}):
        sets[f"English: {src}"] = [p["text"].encode()[:SEQ_LEN - 1] for p in passages if p["source"] == src]
    messages = [json.loads(l) for l in open(os.path.join(datasets_dir, "parallel_messages.jsonl"), encoding="utf-8")]
    cut = lambda b: [b[i:i + SEQ_LEN - 1] for i in range(0, len(b), SEQ_LEN - 1)]
    for name, fields in OOD_GROUPS:
        stream = "\n".join(m[f] for f in fields for m in messages if m.get(f)).encode()
        sets[f"ood: {name}"] = cut(stream)
    rng = np.random.default_rng([seed, 99])
    for fam in ["addition", "dyck", "retrieval"]:
        sets[f"task: {fam}"] = cut(task_text(rng, fam))
    sets["ood: random valid UTF-8"] = cut(random_utf8(rng, 64 * (SEQ_LEN - 1)))
    sets["ood: random bytes"] = cut(rng.integers(0, 256, size=64 * (SEQ_LEN - 1), dtype=np.uint8).tobytes())
    return sets


def is_letter(b):
    return 65 <= b <= 90 or 97 <= b <= 122


@torch.no_grad()
def evaluate(a):
    model = BltForCausalLM.from_pretrained(a.out).eval()
    patcher = model.model.patcher
    theta = model.config.patching_threshold
    sets = eval_sets(a.datasets, a.seed)
    results = {}
    word_init, word_int, after_ws, other = [], [], [], []
    for name, items in sets.items():
        ent_nll = blt_nll = nbytes = npatches = 0.0
        ent_sum = 0.0
        t0 = time.time()
        for raw in items:
            ids = encode(raw).unsqueeze(0)
            ent, _, plogits = patcher(ids)
            logits = model(input_ids=ids, use_cache=False).logits
            ent_nll += next_byte_nll(plogits, ids)[0]
            blt_nll += next_byte_nll(logits, ids)[0]
            h = ent[0].double().numpy()
            n = len(raw)
            nbytes += n
            npatches += 1 + int((h[1:n] > theta).sum())
            ent_sum += h[:n].sum()
            if name == "English (all 640 passages)":
                for j in range(1, n):  # h[j] is the entropy of the prediction of byte j (0-based)
                    prev, cur = raw[j - 1], raw[j]
                    (after_ws if prev in (32, 10) else other).append(h[j])
                    if is_letter(cur) and prev == 32:
                        word_init.append(h[j])
                    elif is_letter(cur) and is_letter(prev):
                        word_int.append(h[j])
        results[name] = dict(items=len(items), bytes=int(nbytes),
                             entropy_model_bpb=ent_nll / nbytes / math.log(2),
                             blt_bpb=blt_nll / nbytes / math.log(2),
                             mean_patch_length=nbytes / npatches, mean_entropy_nats=float(ent_sum / nbytes))
        log(f"[evaluate] {name}: {results[name]} ({time.time() - t0:.0f} s)")
    words = dict(word_initial_mean_entropy=float(np.mean(word_init)), word_initial_count=len(word_init),
                 word_internal_mean_entropy=float(np.mean(word_int)), word_internal_count=len(word_int),
                 ratio=float(np.mean(word_init) / np.mean(word_int)),
                 after_space_or_newline_mean_entropy=float(np.mean(after_ws)),
                 other_positions_mean_entropy=float(np.mean(other)))
    log(f"[evaluate] word-initial vs word-internal entropy: {words}")
    # Patches as HF makes them in the forward (B = 1) must equal the rule used above on one item.
    raw = sets["English (all 640 passages)"][0]
    ids = encode(raw).unsqueeze(0)
    ent, lengths, _ = patcher(ids, patch_size=model.config.patch_size, threshold=theta)
    nonempty = int((lengths[0, 1:] > 0).sum())
    expected = 1 + int((ent[0, 1:len(raw)].double().numpy() > theta).sum())
    assert nonempty == expected, (nonempty, expected)
    out = dict(threshold=theta, sets=results, word_entropy=words)
    with open(os.path.join(a.work, "metrics.json"), "w") as f:
        json.dump(out, f, indent=1)
    print(markdown_tables(out))


def markdown_tables(m):
    rows = ["| held-out set | items | bytes | entropy model bits/byte | BLT bits/byte | mean patch length | "
            "mean entropy (nats) |", "|---|---|---|---|---|---|---|"]
    for name, r in m["sets"].items():
        rows.append(f"| {name} | {r['items']} | {r['bytes']:,} | {r['entropy_model_bpb']:.3f} | {r['blt_bpb']:.3f} | "
                    f"{r['mean_patch_length']:.2f} | {r['mean_entropy_nats']:.3f} |")
    w = m["word_entropy"]
    rows += ["", f"Word-initial letters (after a space): {w['word_initial_mean_entropy']:.3f} nats "
             f"(n = {w['word_initial_count']:,}); word-internal letters: {w['word_internal_mean_entropy']:.3f} nats "
             f"(n = {w['word_internal_count']:,}); ratio {w['ratio']:.2f}. After space/newline: "
             f"{w['after_space_or_newline_mean_entropy']:.3f} nats, all other positions: "
             f"{w['other_positions_mean_entropy']:.3f} nats."]
    return "\n".join(rows)


# %% [markdown]
# ## Parity fixture for the shipped checkpoint
# One held-out English passage (the first of `english_passages.jsonl` with 200–300 bytes) run through the saved
# checkpoint in transformers (B = 1, fp32, SDPA). Keys follow `HOOKS_CONTRACT.md` with input name `english`;
# only a subset of hooks is stored to keep the file small (see the README written next to it).

# %%
PRIMES = [1000000007, 5915587277, 1500450271, 3267000013, 5754853343, 4093082899, 9576890767, 3628273133,
          2860486313, 5463458053, 3367900313]


def hash_rows(ids, cfg):
    from transformers.models.blt.modeling_blt import byte_group_hash_function
    rows, e = [], 0
    for f in range(cfg.encoder_hash_byte_group_nb_functions):
        for g in cfg.encoder_hash_byte_group_size:
            h = byte_group_hash_function(ids, g, PRIMES[f % len(PRIMES)], cfg.encoder_hash_byte_group_vocab)
            rows.append(h[0] + e * cfg.encoder_hash_byte_group_vocab)
            e += 1
    return torch.stack(rows)


@torch.no_grad()
def make_fixture(a):
    model = BltForCausalLM.from_pretrained(a.out).eval()
    cfg = model.config
    passages = [json.loads(l) for l in open(os.path.join(a.datasets, "english_passages.jsonl"), encoding="utf-8")]
    passage = next(p for p in passages if 200 <= len(p["text"].encode()) <= 300)
    raw = passage["text"].encode()
    ids = encode(raw).unsqueeze(0)
    captured = {}

    def keep(name, fn):
        return lambda mod, inp, out: captured.__setitem__(name, fn(inp, out))

    m = model.model
    hooks = [m.patcher.register_forward_hook(keep("patcher", lambda i, o: o)),
             m.local_encoder.register_forward_hook(keep("encoder.hook_patch_embed", lambda i, o: o[1])),
             m.local_decoder.norm.register_forward_hook(keep("decoder.hook_final_norm", lambda i, o: o))]
    for l, layer in enumerate(m.global_transformer.layers):
        hooks.append(layer.register_forward_hook(keep(f"global.blocks.{l}.hook_resid_post", lambda i, o: o)))
    last = len(m.global_transformer.layers) - 1
    hooks.append(m.global_transformer.layers[last].mlp.down_proj.register_forward_hook(
        keep(f"global.blocks.{last}.hook_mlp_act", lambda i, o: i[0])))
    logits = model(input_ids=ids, use_cache=False).logits
    for h in hooks:
        h.remove()
    entropy, lengths, plogits = captured.pop("patcher")
    P = lengths.shape[1]
    t = {"english.input_ids": ids[0], "english.entropy": entropy[0].float(),
         "english.patch_lengths": lengths[0].long(),
         "english.patch_ids": m._patch_ids_from_lengths(lengths, ids.shape[1])[0].long(),
         "english.decoder_patch_ids": m._patch_ids_from_lengths(lengths[:, 1:], ids.shape[1])[0].long(),
         "english.hash_rows": hash_rows(ids, cfg).long(),
         "english.hook_logits": logits[0].float()}
    for k, v in captured.items():
        v = v[0]
        if k == "encoder.hook_patch_embed":
            v = v.reshape(P, -1)
        t[f"english.{k}"] = v.float()
    # Reference is only useful if it reproduces: rerun and compare, and check the patches against the rule.
    again = model(input_ids=ids, use_cache=False).logits[0]
    assert torch.equal(again, logits[0])
    expected = 1 + int((entropy[0, 1:len(raw)] > cfg.patching_threshold).sum())
    assert int((lengths[0, 1:] > 0).sum()) == expected
    os.makedirs(a.fixture_dir, exist_ok=True)
    t = {k: v.detach().clone().contiguous() for k, v in t.items()}
    tmp = os.path.join(a.fixture_dir, "reference.safetensors.tmp")
    save_file(t, tmp, metadata={"checkpoint": "Assets/models/bytelens-tiny", "transformers": "5.24.0",
                                "torch": torch.__version__, "passage_id": passage["id"]})
    os.replace(tmp, os.path.join(a.fixture_dir, "reference.safetensors"))
    with open(os.path.join(a.fixture_dir, "inputs.json"), "w") as f:
        json.dump({"checkpoint": "Assets/models/bytelens-tiny", "inputs": [
            {"name": "english", "bytes_hex": raw.hex(), "text": passage["text"], "passage_id": passage["id"],
             "source": passage["source"],
             "description": "held-out English passage (first of english_passages.jsonl with 200-300 bytes)"}]},
            f, indent=1, ensure_ascii=False)
    log(f"[fixture] {passage['id']}: N = {ids.shape[1]}, P = {P}, lengths {lengths[0].tolist()}; keys "
        f"{ {k: list(v.shape) for k, v in t.items()} }; "
        f"{os.path.getsize(os.path.join(a.fixture_dir, 'reference.safetensors')):,} bytes")


# %% [markdown]
# ## Command line

# %%
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("command", choices=["entropy", "calibrate", "blt", "all", "evaluate", "fixture"])
    p.add_argument("--datasets", default="Assets/datasets", help="held-out sets (evaluate, fixture)")
    p.add_argument("--fixture-dir", default="Tests/BLTModelTests/Fixtures/shipped")
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
    p.add_argument("--entropy-steps", type=int, default=None,
                   help="train the entropy model for exactly this many steps (schedule by step, no time budget)")
    p.add_argument("--blt-steps", type=int, default=None,
                   help="train the BLT for exactly this many steps (schedule by step, no time budget)")
    p.add_argument("--save-stages", default=None, help="fractions of --blt-steps at which to save the BLT, e.g. 0.05,0.25,1")
    p.add_argument("--stages-out", default="Assets/models/bytelens-tiny-stages")
    p.add_argument("--entropy-minutes", type=float, default=24)
    p.add_argument("--blt-minutes", type=float, default=55)
    p.add_argument("--entropy-lr", type=float, default=3e-3)
    p.add_argument("--blt-lr", type=float, default=2e-3)
    p.add_argument("--entropy-batch", type=int, default=8)
    p.add_argument("--blt-batch", type=int, default=4)
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
    if a.command == "evaluate":
        evaluate(a)
    if a.command == "fixture":
        make_fixture(a)


# %%
if __name__ == "__main__" and "ipykernel" not in sys.modules:
    main()
