# %% [markdown]
# # ByteLens parity fixtures from transformers' own BLT code
#
# What this is: the generator of the reference data that the Swift BLT forward pass is tested against.
# It builds small random-weight `BltForCausalLM` checkpoints with **transformers 5.24.0** (torch 2.13.0+cpu),
# saves them with `save_pretrained` (F32, BF16, F16 and sharded F32), runs the saved F32 checkpoint on a few
# byte inputs with PyTorch forward hooks on the HF modules, and writes every canonical hook point (see
# the Swift catalogue exported by `probe hooks --json`, the one source of hook names) to `reference.safetensors`.
#
# Environment (CPU only):
#
#     python3 -m venv V && V/bin/pip install torch==2.13.0 transformers==5.24.0 safetensors numpy scipy h5py
#
# Run from the repository root, after `swift build -c release` (the hook names come from `.build/release/probe`):
#
#     nice -n 10 V/bin/python Notebooks-as-scripts/make_parity_fixtures.py            # tiny fixtures (committed)
#     nice -n 10 V/bin/python Notebooks-as-scripts/make_parity_fixtures.py --small     # bench checkpoint (.checkpoints/)
#     V/bin/python Notebooks-as-scripts/make_parity_fixtures.py --blt1b-shape          # ~9 GB BF16, random weights
#
# The run is deterministic (fixed seeds, single-threaded torch for the reference dumps). It asserts its own
# self-checks (hash rows vs. the test vectors of blt_architecture.md §4, patch lengths vs. the §3.3/§3.4 rule,
# hook order vs. the contract, eager == SDPA, float64 ≈ float32) and prints a summary that goes into
# `Tests/BLTModelTests/Fixtures/README.md`.

# %%
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import transformers
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from transformers import BltConfig, BltForCausalLM
from transformers.models.blt import modeling_blt

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = REPO_ROOT / "Tests" / "BLTModelTests" / "Fixtures"
CHECKPOINTS_DIR = REPO_ROOT / ".checkpoints"

PRIMES = [1000000007, 5915587277, 1500450271, 3267000013, 5754853343, 4093082899,
          9576890767, 3628273133, 2860486313, 5463458053, 3367900313]
BOS_ID = 1
BYTE_OFFSET = 4


def check_versions() -> None:
    # The fixtures are only meaningful for the exact reference version.
    assert transformers.__version__ == "5.24.0", transformers.__version__
    assert torch.__version__.startswith("2.13.0"), torch.__version__


# %% [markdown]
# ## Inputs
# Four byte strings per case: an English sentence, multi-byte UTF-8, arbitrary bytes (0x00, 0xff, invalid
# UTF-8) and a 1-byte edge case. Token ids are `[BOS=1] + [b + 4 for b in bytes]`.

# %%
ASCII_CANDIDATES = [
    "The quick brown fox jumps over the lazy dog; 7 zebras watch, amused.",
    "Pack my box with five dozen liquor jugs, then ship it by noon on day 3!",
    "Sphinx of black quartz, judge my vow: 42 wizards box quickly at dawn?",
]
UTF8_TEXT = "Café naïve — Привет, мир! 你好世界 🙂👍🏽"
ARBITRARY_BYTES = bytes([0x00, 0xFF, 0xFE, 0x80, 0xC3, 0x28, 0x41, 0x00, 0x0A, 0xE2, 0x82, 0x7F,
                         0xF0, 0x9F, 0x98, 0xC0, 0xAF, 0x01, 0x02, 0xFF, 0x00, 0xED, 0xA0, 0x80,
                         0x5C, 0x22, 0x0D, 0x0A, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x20])
SHORT_BYTES = b"a"


def make_inputs(ascii_text: str) -> list[dict]:
    return [
        {"name": "ascii", "bytes": ascii_text.encode("utf-8"), "description": "English sentence, plain ASCII"},
        {"name": "utf8", "bytes": UTF8_TEXT.encode("utf-8"),
         "description": "multi-byte UTF-8: accents, em dash, Cyrillic, CJK, emoji with skin-tone modifier"},
        {"name": "bytes", "bytes": ARBITRARY_BYTES,
         "description": "arbitrary bytes incl. 0x00, 0xff, overlong/surrogate/invalid UTF-8 sequences"},
        {"name": "short", "bytes": SHORT_BYTES, "description": "one byte (N = 2 with BOS): edge case"},
    ]


def token_ids(data: bytes) -> torch.Tensor:
    return torch.tensor([[BOS_ID] + [b + BYTE_OFFSET for b in data]], dtype=torch.long)


# %% [markdown]
# ## Cases
# `tiny_default` keeps HF's default structure (1 encoder layer, decoder cross-attention on all layers, one hash
# function, n-grams 3..8, window 512 > inputs) at tiny width. `tiny_variants` switches on everything else:
# GQA everywhere, a global token-embedding projection (De·k ≠ Dg), two hash functions with a non-default n-gram
# list, `max_patch_length`, a local window (16) and a patcher window (24) shorter than the inputs, decoder
# cross-attention on layer 0 only, a 2-layer encoder with cross-attention after every layer, non-default RoPE θ.

# %%
def tiny_default_config() -> BltConfig:
    return BltConfig(
        patcher_config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64),
        encoder_config=dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
                            hidden_size_global=64, cross_attn_k=2),  # intermediate: HF default int(8*32/3) = 85
        global_config=dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128),
        decoder_config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=80,
                            hidden_size_global=64, cross_attn_k=2),
        cross_attn_k=2,
        encoder_hash_byte_group_vocab=61,
        use_cache=False,
    )


def tiny_variants_config() -> BltConfig:
    return BltConfig(
        patcher_config=dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=6, num_key_value_heads=2,
                            intermediate_size=96, sliding_window=24,
                            rope_parameters={"rope_type": "default", "rope_theta": 20000.0}),
        encoder_config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                            intermediate_size=72, hidden_size_global=48, cross_attn_k=2,
                            cross_attn_all_layers=True,
                            rope_parameters={"rope_type": "default", "rope_theta": 100000.0}),
        global_config=dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                           intermediate_size=96,
                           rope_parameters={"rope_type": "default", "rope_theta": 250000.0}),
        decoder_config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1,
                            intermediate_size=64, hidden_size_global=48, cross_attn_k=2,
                            cross_attn_all_layers=False,
                            rope_parameters={"rope_type": "default", "rope_theta": 300000.0}),
        cross_attn_k=2,
        encoder_hash_byte_group_size=[2, 3, 5, 8],
        encoder_hash_byte_group_vocab=53,
        encoder_hash_byte_group_nb_functions=2,
        max_patch_length=4,
        local_attention_window_len=16,
        use_cache=False,
    )


CASES = {
    "tiny_default": dict(config=tiny_default_config, seed=1000, need_trailing_zero=True, need_split=False,
                         weight_variants=True),
    "tiny_variants": dict(config=tiny_variants_config, seed=2000, need_trailing_zero=False, need_split=True,
                          weight_variants=False),
}


# %% [markdown]
# ## Random weights
# HF's init (std 0.02, norm weights exactly 1) would make a weak test at tiny width: activations are tiny and a
# port that forgot to multiply by an RMSNorm weight would still pass. So every tensor is redrawn: linear weights
# N(0, 1/in_features), embeddings N(0, 0.5²) (hash rows too), RMSNorm weights 1 + N(0, 0.2²). The patcher
# lm_head is then scaled so entropies spread out (an untrained entropy model is otherwise near-uniform).

# %%
def randomize_weights(model: torch.nn.Module, seed: int, patcher_lm_head_scale: float) -> None:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("norm.weight") or name.endswith("layernorm.weight"):
                param.copy_(1.0 + 0.2 * torch.randn(param.shape, generator=gen, dtype=torch.float64))
            elif "embed_tokens" in name or "encoder_hash_tok_embedding" in name:
                param.copy_(0.5 * torch.randn(param.shape, generator=gen, dtype=torch.float64))
            elif param.dim() == 2:
                fan_in = param.shape[1]
                param.copy_(torch.randn(param.shape, generator=gen, dtype=torch.float64) / math.sqrt(fan_in))
            else:
                raise AssertionError(f"unexpected parameter {name} {tuple(param.shape)}")
        model.model.patcher.lm_head.weight.mul_(patcher_lm_head_scale)


# %% [markdown]
# ## Independent re-statements of the rules (self-checks against HF)

# %%
def rule_patch_lengths(entropy: np.ndarray, threshold: float, max_patch_length: int | None) -> list[int]:
    """blt_architecture.md §3.3 (+ §3.4): starts 0 and 1, then t+1 for every t>=1 with H[t] > θ."""
    n = len(entropy)
    starts = [0, 1] + [t + 1 for t in range(1, n) if entropy[t] > threshold]
    lengths = [starts[j + 1] - starts[j] for j in range(len(starts) - 1)] + [n - starts[-1]]
    if max_patch_length is not None:
        split = []
        for length in lengths:
            if length <= 0:
                continue  # §3.4 drops zero-length patches
            split += [max_patch_length] * (length // max_patch_length)
            if length % max_patch_length:
                split.append(length % max_patch_length)
        lengths = split
    return lengths


def rule_patch_ids(lengths: list[int], n: int) -> list[int]:
    """§3.7: patch_id[t] = #{j : start_j <= t} - 1."""
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if lengths else np.zeros(0)
    return [int((starts <= t).sum()) - 1 for t in range(n)]


def rule_hash(ids: list[int], n: int, prime: int, vocab: int) -> list[int]:
    """§4: rolling polynomial hash with int64 wrap-around and floor modulo, in plain Python integers."""
    def wrap(v: int) -> int:
        v &= (1 << 64) - 1
        return v - (1 << 64) if v >= (1 << 63) else v
    out = []
    padded = [0] * (n - 1) + list(ids)
    for t in range(len(ids)):
        window = padded[t:t + n]
        h = 0
        for i, x in enumerate(window):
            h = wrap(h + wrap(x * wrap(pow(prime, i, 1 << 64))))
        out.append(h % vocab)  # Python % is floor modulo
    return out


def check_hash_test_vectors() -> None:
    ids = [1, 42, 21, 12, 43, 23, 1, 4]
    expected = {
        3: [443987, 336383, 252484, 340511, 236466, 136472, 352191, 271972],
        4: [437197, 341211, 34994, 209334, 78432, 309469, 73667, 4473],
        5: [123201, 94105, 217914, 206396, 489445, 201537, 432670, 66469],
        6: [166353, 250459, 359486, 100132, 5, 184026, 464388, 291074],
        7: [34117, 485253, 63410, 365386, 453149, 381192, 218143, 100854],
        8: [172383, 300625, 70256, 210984, 304275, 479416, 150071, 100667],
    }
    t = torch.tensor([ids], dtype=torch.long)
    for n, want in expected.items():
        got = modeling_blt.byte_group_hash_function(t, n, PRIMES[0], 500002)[0].tolist()
        assert got == want, (n, got, want)
        assert rule_hash(ids, n, PRIMES[0], 500002) == want
    print("hash rows: HF byte_group_hash_function == blt_architecture.md §4 test vectors (prime 1000000007)")


def hf_hash_rows(config: BltConfig, ids: torch.Tensor) -> torch.Tensor:
    """[F*|G|, N] fused-table rows in table order (function-major, then n-gram size), incl. the e*Hv offset."""
    rows = []
    e = 0
    vocab = config.encoder_hash_byte_group_vocab
    for f in range(config.encoder_hash_byte_group_nb_functions):
        prime = PRIMES[f % len(PRIMES)]
        for n in config.encoder_hash_byte_group_size:
            hashed = modeling_blt.byte_group_hash_function(ids, n, prime, vocab)[0]
            assert hashed.tolist() == rule_hash(ids[0].tolist(), n, prime, vocab), (f, n)
            rows.append(hashed + e * vocab)
            e += 1
    return torch.stack(rows)


# %% [markdown]
# ## Canonical hook names and capture with PyTorch hooks

# %%
# The hook names come from the Swift catalogue itself (`probe hooks --model <case> --json`, the one source of
# every hook name; build it first with `swift build -c release`), not from a list kept here by hand: the
# PyTorch hooks below must fire exactly those names, in that order, or the script stops.
PROBE_BINARY = Path(os.environ.get("BYTELENS_PROBE", REPO_ROOT / ".build" / "release" / "probe"))
# Sites added after the original contract; their tensors live in `attention_reference.safetensors`.
ATTENTION_SITES = {"hook_q", "hook_k", "hook_v", "hook_rot_q", "hook_rot_k", "hook_attn_scores", "hook_pattern", "hook_z"}


def exported_hooks(case_dir: Path) -> list[dict]:
    """The Swift catalogue of the checkpoint in `case_dir` (its config.json), in forward order."""
    import subprocess
    if not PROBE_BINARY.exists():
        sys.exit(f"{PROBE_BINARY} not found: run `swift build -c release` first (or set BYTELENS_PROBE)")
    out = subprocess.run([str(PROBE_BINARY), "hooks", "--model", str(case_dir), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def is_attention_hook(hook: dict) -> bool:
    """Hooks of the later attention contract: q/k/v/scores/pattern/z of every attention module, and the
    layer input `hook_resid_pre` outside the decoder (the decoder's was in the original contract)."""
    if hook["site"] in ATTENTION_SITES:
        return True
    return hook["site"] == "hook_resid_pre" and hook["component"] != "decoder"


def expected_hook_order(case_dir: Path) -> list[str]:
    """The original contract (`hooks.json`): every exported hook except the attention ones."""
    return [h["name"] for h in exported_hooks(case_dir) if not is_attention_hook(h)]


class HookRecorder:
    """Registers forward hooks / pre-hooks on a BltForCausalLM and records each canonical hook once per call.

    Every tensor is cloned (compute_hash_embeddings adds into the embed_tokens output in place) and the batch
    axis (B = 1) is removed. `names` keeps the order in which the hooks fired.
    """

    def __init__(self, model: BltForCausalLM):
        self.model = model
        self.values: dict[str, torch.Tensor] = {}
        self.handles = []
        self.enc_cross_calls = 0
        m = model.model
        cfg = model.config
        self.k = cfg.cross_attn_k

        self._out(m.patcher.embed_tokens, "patcher.hook_embed")
        for l, layer in enumerate(m.patcher.layers):
            self._block(layer, f"patcher.blocks.{l}")
        self._out(m.patcher.lm_head, "patcher.hook_logits")
        self.handles.append(m.patcher.register_forward_hook(self._patcher_out))
        self._pre(m.local_encoder.layers[0], "encoder.hook_embed")
        for i, layer in enumerate(m.local_encoder.layers):
            self._block(layer, f"encoder.blocks.{i}")
        self.handles.append(m.local_encoder.patch_embedding_projection.register_forward_pre_hook(self._enc_pool))
        for j, cross in enumerate(m.local_encoder.cross_attn_layers):
            self.handles.append(cross.register_forward_pre_hook(self._enc_queries(j), with_kwargs=True))
            self._out(cross, f"encoder.cross.{j}.hook_out", index=0)
        self.handles.append(m.global_transformer.register_forward_pre_hook(self._global_in, with_kwargs=True))
        self._out(m.global_transformer.token_embedding_projection, "global.hook_embed")
        for l, layer in enumerate(m.global_transformer.layers):
            self._block(layer, f"global.blocks.{l}")
        self.handles.append(m.local_decoder.patch_embedding_projection.register_forward_hook(self._dec_kv))
        for j, cross in enumerate(m.local_decoder.cross_attn_layers):
            self._out(cross, f"decoder.cross.{j}.hook_out", index=0)
        for i, layer in enumerate(m.local_decoder.layers):
            self._pre(layer, f"decoder.blocks.{i}.hook_resid_pre")
            self._block(layer, f"decoder.blocks.{i}")
        self._out(m.local_decoder.norm, "decoder.hook_final_norm")
        self.handles.append(model.lm_head.register_forward_hook(
            lambda mod, args, out: self.put("hook_logits", out.float())))

    def put(self, name: str, tensor: torch.Tensor) -> None:
        assert name not in self.values, f"hook {name} fired twice"
        assert tensor.shape[0] == 1, (name, tensor.shape)
        self.values[name] = tensor[0].detach().clone()

    def _out(self, module, name, index=None):
        def hook(mod, args, out):
            self.put(name, out if index is None else out[index])
        self.handles.append(module.register_forward_hook(hook))

    def _pre(self, module, name):
        def hook(mod, args):
            self.put(name, args[0])
        self.handles.append(module.register_forward_pre_hook(hook))

    def _block(self, layer, prefix):
        self._out(layer.self_attn, f"{prefix}.hook_attn_out", index=0)
        self._pre(layer.post_attention_layernorm, f"{prefix}.hook_resid_mid")
        self._pre(layer.mlp.down_proj, f"{prefix}.hook_mlp_act")
        self._out(layer.mlp, f"{prefix}.hook_mlp_out")
        self._out(layer, f"{prefix}.hook_resid_post")

    def _patcher_out(self, mod, args, out):
        entropy, lengths, _ = out
        self.put("patching.hook_entropy", entropy)
        self.put("patching.hook_patch_lengths", lengths.float())
        self.patch_lengths = lengths[0].detach().clone()

    def _enc_pool(self, mod, args):
        enc = self.model.config.encoder_config
        j = self.enc_cross_calls if enc.cross_attn_all_layers else 0
        self.enc_cross_calls += 1
        self.current_enc_cross = j
        self.put(f"encoder.cross.{j}.hook_pooled", args[0])

    def _enc_queries(self, j):
        def hook(mod, args, kwargs):
            assert j == self.current_enc_cross
            self.put(f"encoder.cross.{j}.hook_queries", kwargs["hidden_states"])
        return hook

    def _global_in(self, mod, args, kwargs):
        self.put("encoder.hook_patch_embed", kwargs["inputs_embeds"])

    def _dec_kv(self, mod, args, out):
        b, p, _ = out.shape
        self.put("decoder.hook_patch_kv", out.reshape(b, p * self.k, -1))

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def run_with_hooks(model: BltForCausalLM, ids: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    recorder = HookRecorder(model)
    try:
        with torch.no_grad():
            out = model(input_ids=ids, use_cache=False)
    finally:
        recorder.remove()
    assert torch.equal(out.logits[0].float(), recorder.values["hook_logits"])
    return recorder.values, recorder.patch_lengths


def patcher_entropies(model: BltForCausalLM, ids: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        entropy, _, _ = model.model.patcher(ids, patch_size=None, threshold=None, max_patch_length=None)
    return entropy[0].double().numpy()


# %% [markdown]
# ## Threshold calibration
# θ is put in the middle of the widest gap between sorted entropies (all inputs pooled) among the ranks that
# give the ascii input a mean patch length in [3.5, 4.75], and rounded to a float32 value, so that no byte's
# entropy is near θ (f32, f64 and a Swift port decide every boundary the same way).

# %%
def calibrate_threshold(ascii_entropy: np.ndarray, all_entropies: list[np.ndarray]) -> tuple[float, float]:
    pool = np.sort(np.concatenate([h[1:] for h in all_entropies]))
    n = len(ascii_entropy)
    best = None
    for a, b in zip(pool[:-1], pool[1:]):
        if b - a <= 0:
            continue
        theta = float(np.float32((a + b) / 2))
        count = int((ascii_entropy[1:] > theta).sum())
        mean_len = n / (2 + count)
        if 3.5 <= mean_len <= 4.75:
            margin = min(theta - a, b - theta)
            if best is None or margin > best[1]:
                best = (theta, margin)
    assert best is not None, "no threshold gives the target mean patch length"
    return best


# %% [markdown]
# ## Building one case

# %%
def save_weights_variant(model: BltForCausalLM, out_dir: Path, dtype: torch.dtype | None, shard: str | None):
    if out_dir.exists():
        shutil.rmtree(out_dir)
    clone = BltForCausalLM(model.config)
    clone.load_state_dict(model.state_dict())
    if dtype is not None:
        clone = clone.to(dtype)
    kwargs = {} if shard is None else {"max_shard_size": shard}
    clone.save_pretrained(out_dir, **kwargs)


def max_abs_diff(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> tuple[float, str]:
    worst, where = 0.0, ""
    for name, va in a.items():
        d = (va.double() - b[name].double()).abs().max().item() if va.numel() else 0.0
        if not d <= worst:  # also catches NaN
            worst, where = d, name
    return worst, where


def window_sensitivity(case_dir: Path, ids: torch.Tensor, reference: dict[str, torch.Tensor]) -> dict:
    """Proves the fixture can catch a port that ignores a sliding window: rerun without each window."""
    result = {}
    base = BltConfig.from_pretrained(case_dir)
    if base.patcher_config.sliding_window is not None and base.patcher_config.sliding_window < ids.shape[1]:
        cfg = BltConfig.from_pretrained(case_dir)
        cfg.patcher_config.sliding_window = None
        hooks, _ = run_with_hooks(BltForCausalLM.from_pretrained(case_dir, config=cfg).eval(), ids)
        result["patcher_window_removed_max_abs_patcher_logits"] = (
            hooks["patcher.hook_logits"] - reference["patcher.hook_logits"]).abs().max().item()
    if base.local_attention_window_len is not None and base.local_attention_window_len < ids.shape[1]:
        cfg = BltConfig.from_pretrained(case_dir)
        cfg.local_attention_window_len = None
        cfg.encoder_config.sliding_window = None
        hooks, _ = run_with_hooks(BltForCausalLM.from_pretrained(case_dir, config=cfg).eval(), ids)
        result["local_window_removed_max_abs_encoder_attn_out"] = (
            hooks["encoder.blocks.0.hook_attn_out"] - reference["encoder.blocks.0.hook_attn_out"]).abs().max().item()
        result["local_window_removed_max_abs_logits"] = (
            hooks["hook_logits"] - reference["hook_logits"]).abs().max().item()
    for key, value in result.items():
        assert value > 1e-3, f"window has no visible effect: {key} = {value}"
    return result


def build_case(name: str, spec: dict, out_root: Path) -> dict:
    print(f"\n=== {name} ===")
    seed = spec["seed"]
    for attempt in range(50):
        config = spec["config"]()
        torch.manual_seed(seed + attempt)
        model = BltForCausalLM(config).eval()
        randomize_weights(model, seed + attempt, patcher_lm_head_scale=4.0)
        chosen = None
        for ascii_text in ASCII_CANDIDATES:
            inputs = make_inputs(ascii_text)
            ents = [patcher_entropies(model, token_ids(inp["bytes"])) for inp in inputs]
            theta, margin = calibrate_threshold(ents[0], ents)
            raw = [rule_patch_lengths(h, theta, None) for h in ents]
            final = [rule_patch_lengths(h, theta, config.max_patch_length) for h in ents]
            trailing_zero = [inp["name"] for inp, r in zip(inputs, raw) if r[-1] == 0]
            split = [inp["name"] for inp, r, f in zip(inputs, raw, final)
                     if config.max_patch_length is not None and len(f) > len([x for x in r if x > 0])]
            ok = margin > 2e-3
            ok &= (not spec["need_trailing_zero"]) or bool(trailing_zero)
            ok &= (not spec["need_split"]) or ("ascii" in split)
            if ok:
                chosen = (inputs, ents, theta, margin, raw, final, trailing_zero, split)
                break
        if chosen is not None:
            break
    assert chosen is not None, f"{name}: no seed met the case requirements"
    inputs, ents, theta, margin, raw, final, trailing_zero, split = chosen
    used_seed = seed + attempt
    config.patching_threshold = theta
    model.config.patching_threshold = theta
    print(f"seed {used_seed}, threshold {theta!r} (margin {margin:.4f}); ascii = {inputs[0]['bytes'].decode()!r}")

    case_dir = out_root / name
    save_weights_variant(model, case_dir, None, None)
    variants = spec["weight_variants"]  # BF16 / F16 / sharded copies only where they add coverage (size budget)
    if variants:
        save_weights_variant(model, out_root / f"{name}-bf16", torch.bfloat16, None)
        save_weights_variant(model, out_root / f"{name}-f16", torch.float16, None)
        save_weights_variant(model, out_root / f"{name}-sharded", None, "200KB")
        shards = sorted(p.name for p in (out_root / f"{name}-sharded").glob("model-*.safetensors"))
        assert len(shards) >= 2, shards
    saved_cfg = json.loads((case_dir / "config.json").read_text())
    assert saved_cfg["use_cache"] is False and abs(saved_cfg["patching_threshold"] - theta) == 0

    # Reference = the saved F32 checkpoint, loaded back by transformers (SDPA, the default), plus eager and f64.
    sdpa = BltForCausalLM.from_pretrained(case_dir).eval()
    eager = BltForCausalLM.from_pretrained(case_dir, attn_implementation="eager").eval()
    f64 = BltForCausalLM.from_pretrained(case_dir, dtype=torch.float64).eval()
    lowp = {dt: BltForCausalLM.from_pretrained(out_root / f"{name}-{tag}").to(torch.float32).eval()
            for dt, tag in [(torch.bfloat16, "bf16"), (torch.float16, "f16")]} if variants else {}
    for mod in sdpa.modules():
        if hasattr(mod, "config") and hasattr(mod.config, "_attn_implementation"):
            assert mod.config._attn_implementation == "sdpa", type(mod)
    for mod in eager.modules():
        if hasattr(mod, "config") and hasattr(mod.config, "_attn_implementation"):
            assert mod.config._attn_implementation == "eager", type(mod)
    ref_state = model.state_dict()
    if variants:
        sharded = BltForCausalLM.from_pretrained(out_root / f"{name}-sharded").eval()
        for k, v in sharded.state_dict().items():
            assert torch.equal(v, ref_state[k]), k
    file_keys = set(load_file(case_dir / "model.safetensors").keys())
    assert file_keys == set(ref_state.keys()), file_keys ^ set(ref_state.keys())

    expected_order = expected_hook_order(case_dir)
    tensors: dict[str, torch.Tensor] = {}
    summary = {"seed": used_seed, "threshold": theta, "threshold_margin": margin, "inputs": {},
               "ascii_text": inputs[0]["bytes"].decode()}
    for inp, ent_cal, raw_len, final_len in zip(inputs, ents, raw, final):
        key = inp["name"]
        ids = token_ids(inp["bytes"])
        n = ids.shape[1]
        hooks, lengths = run_with_hooks(sdpa, ids)
        assert list(hooks.keys()) == expected_order, "hook order differs from the contract"
        entropy = hooks["patching.hook_entropy"]
        # Self-checks: HF patching == the documented rule; entropies == calibration run.
        assert lengths.tolist() == rule_patch_lengths(entropy.double().numpy(), theta, config.max_patch_length)
        assert lengths.tolist() == final_len
        assert np.abs(entropy.double().numpy() - ent_cal).max() == 0
        patch_ids = sdpa.model._patch_ids_from_lengths(lengths[None], n)[0]
        dec_ids = sdpa.model._patch_ids_from_lengths(lengths[None, 1:], n)[0]
        assert patch_ids.tolist() == rule_patch_ids(lengths.tolist(), n)
        assert dec_ids.tolist() == rule_patch_ids(lengths.tolist()[1:], n)
        p = lengths.shape[0]
        assert hooks["encoder.hook_patch_embed"].shape[0] == p
        assert hooks["hook_logits"].shape == (n, config.vocab_size)

        eager_hooks, eager_len = run_with_hooks(eager, ids)
        assert torch.equal(eager_len, lengths)
        d_eager, w_eager = max_abs_diff(hooks, eager_hooks)
        f64_hooks, f64_len = run_with_hooks(f64, ids)
        assert torch.equal(f64_len, lengths), "float64 run patches differently"
        d_f64, w_f64 = max_abs_diff(hooks, f64_hooks)
        d_f64_logits = (hooks["hook_logits"].double() - f64_hooks["hook_logits"].double()).abs().max().item()
        d_f64_ent = (entropy.double() - f64_hooks["patching.hook_entropy"]).abs().max().item()
        lowp_summary = {}
        for dt, m in lowp.items():
            lh, ll = run_with_hooks(m, ids)
            lowp_summary[str(dt).replace("torch.", "")] = {
                "same_patches": bool(torch.equal(ll, lengths)),
                "max_abs_logits_diff": (lh["hook_logits"] - hooks["hook_logits"]).abs().max().item()
                if torch.equal(ll, lengths) else None,
                "max_abs_entropy_diff": (lh["patching.hook_entropy"] - entropy).abs().max().item(),
            }

        if key == "ascii":
            summary["window_sensitivity_ascii"] = window_sensitivity(case_dir, ids, hooks)
            print(f"         window sensitivity: {summary['window_sensitivity_ascii']}")

        tensors[f"{key}.input_ids"] = ids[0].clone()
        tensors[f"{key}.entropy"] = entropy.float().clone()
        tensors[f"{key}.patch_lengths"] = lengths.long().clone()
        tensors[f"{key}.patch_ids"] = patch_ids.long().clone()
        tensors[f"{key}.decoder_patch_ids"] = dec_ids.long().clone()
        tensors[f"{key}.hash_rows"] = hf_hash_rows(config, ids).long().clone()
        for hook_name, value in hooks.items():
            assert value.dtype == torch.float32 and torch.isfinite(value).all(), hook_name
            tensors[f"{key}.{hook_name}"] = value.contiguous()
        summary["inputs"][key] = {
            "n_bytes": len(inp["bytes"]), "N": n, "P": p,
            "patch_lengths": lengths.tolist(),
            "patch_lengths_before_max_patch_length": raw_len,
            "mean_patch_length": n / p,
            "mean_patch_length_before_max_patch_length": n / len(raw_len),
            "mean_positive_patch_length": n / int((lengths > 0).sum()),
            "trailing_zero_length_patch": bool(lengths[-1].item() == 0),
            "eager_vs_sdpa_max_abs": d_eager, "eager_vs_sdpa_worst_hook": w_eager,
            "f64_vs_f32_max_abs_all_hooks": d_f64, "f64_vs_f32_worst_hook": w_f64,
            "f64_vs_f32_max_abs_logits": d_f64_logits, "f64_vs_f32_max_abs_entropy": d_f64_ent,
            "low_precision_weights_run_in_f32": lowp_summary,
        }
        print(f"  {key:6s} N={n:3d} P={p:3d} lengths={lengths.tolist()}")
        print(f"         eager-vs-sdpa {d_eager:.3g} ({w_eager}); f64-vs-f32 {d_f64:.3g} ({w_f64}), "
              f"logits {d_f64_logits:.3g}, entropy {d_f64_ent:.3g}; low-precision {lowp_summary}")

    # One metadata key only: safetensors stores metadata in a hash map, so several keys come out in random order
    # and the file would not be byte-identical between runs.
    save_file(tensors, str(case_dir / "reference.safetensors"), metadata={
        "generator": f"Notebooks-as-scripts/make_parity_fixtures.py; transformers {transformers.__version__}; "
                     f"torch {torch.__version__}; attn_implementation sdpa; float32; use_cache False"})
    (case_dir / "inputs.json").write_text(json.dumps({"inputs": [
        {"name": inp["name"], "bytes_hex": inp["bytes"].hex(), "description": inp["description"]}
        for inp in inputs]}, indent=2) + "\n")
    (case_dir / "hooks.json").write_text(json.dumps({"hook_names": expected_order}, indent=2) + "\n")
    summary["trailing_zero_inputs"] = trailing_zero
    summary["max_patch_length_split_inputs"] = split
    (case_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    build_attention_reference(case_dir)
    return summary


# %% [markdown]
# ## Attention hooks (added later, in their own files so the original reference files stay byte-identical)
# For every self-attention and cross-attention module: `hook_q`/`hook_k`/`hook_v` (q/k/v_proj outputs, before
# RoPE), `hook_rot_q`/`hook_rot_k` (after RoPE, self-attention only), `hook_attn_scores` (q·kᵀ·scaling per head,
# masked keys -inf; rows head-major [H·Q, K]), `hook_pattern` (eager attention weights, same layout), `hook_z`
# (o_proj input [Q, H·hd]); and `hook_resid_pre` (layer input) in the patcher, encoder and global stacks. Taken from
# the eager implementation (SDPA never forms the weights): `modeling_blt.eager_attention_forward` is wrapped while
# the reference runs. Written (inputs `bytes` and `short`) to `<case>/attention_reference.safetensors` and the complete ordered hook list
# (old + new) to `<case>/attention_hooks.json`.

# %%
# Scores and patterns grow with N²: only the two short inputs are dumped (`bytes`, N = 35, is longer than the
# tiny_variants windows of 16 and 24 and ends in a zero-length patch in tiny_default; `short` is N = 2).
ATTENTION_INPUTS = ("bytes", "short")


def full_hook_order(case_dir: Path) -> list[str]:
    """Every exported hook, attention included (`attention_hooks.json`)."""
    return [h["name"] for h in exported_hooks(case_dir)]


class AttentionRecorder:
    """Adds the attention hooks to a HookRecorder's dict (same `put`, so one firing order for all hooks)."""

    def __init__(self, model: BltForCausalLM, put):
        self.put = put
        self.handles = []
        self.prefix = {}
        m = model.model
        stacks = [("patcher", m.patcher.layers), ("encoder", m.local_encoder.layers),
                  ("global", m.global_transformer.layers), ("decoder", m.local_decoder.layers)]
        for stack, layers in stacks:
            for l, layer in enumerate(layers):
                if stack != "decoder":
                    self.handles.append(layer.register_forward_pre_hook(self._first_arg(f"{stack}.blocks.{l}.hook_resid_pre")))
                self._module(layer.self_attn, f"{stack}.blocks.{l}.attn")
        for j, cross in enumerate(m.local_encoder.cross_attn_layers):
            self._module(cross, f"encoder.cross.{j}")
        for j, cross in enumerate(m.local_decoder.cross_attn_layers):
            self._module(cross, f"decoder.cross.{j}")
        self.original = modeling_blt.eager_attention_forward
        modeling_blt.eager_attention_forward = self._eager

    def _first_arg(self, name):
        def hook(mod, args):
            self.put(name, args[0])
        return hook

    def _module(self, attn, prefix):
        self.prefix[id(attn)] = prefix
        for proj, h in [(attn.q_proj, "hook_q"), (attn.k_proj, "hook_k"), (attn.v_proj, "hook_v")]:
            self.handles.append(proj.register_forward_hook(lambda mod, args, out, n=f"{prefix}.{h}": self.put(n, out)))
        self.handles.append(attn.o_proj.register_forward_pre_hook(self._first_arg(f"{prefix}.hook_z")))

    def _eager(self, module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
        prefix = self.prefix[id(module)]
        b, h, q, d = query.shape
        if ".cross." not in prefix:
            self.put(f"{prefix}.hook_rot_q", query.transpose(1, 2).reshape(b, q, -1))
            self.put(f"{prefix}.hook_rot_k", key.transpose(1, 2).reshape(b, key.shape[2], -1))
        scores = torch.matmul(query, modeling_blt.repeat_kv(key, module.num_key_value_groups).transpose(2, 3)) * scaling
        if attention_mask is not None:
            masked = ~attention_mask if attention_mask.dtype == torch.bool else attention_mask <= torch.finfo(scores.dtype).min / 2
            scores = scores.masked_fill(masked, float("-inf"))
        out, weights = self.original(module, query, key, value, attention_mask, scaling=scaling, dropout=dropout, **kwargs)
        self.put(f"{prefix}.hook_attn_scores", scores.reshape(b, h * q, -1))
        self.put(f"{prefix}.hook_pattern", weights.reshape(b, h * q, -1))
        return out, weights

    def remove(self) -> None:
        modeling_blt.eager_attention_forward = self.original
        for handle in self.handles:
            handle.remove()


def build_attention_reference(case_dir: Path) -> dict:
    """Eager run of the saved F32 checkpoint with every hook; writes the new hooks only."""
    model = BltForCausalLM.from_pretrained(case_dir, attn_implementation="eager").eval()
    reference = load_file(case_dir / "reference.safetensors")
    old_names = json.loads((case_dir / "hooks.json").read_text())["hook_names"]
    order = full_hook_order(case_dir)
    new_names = [n for n in order if n not in set(old_names)]
    inputs = [inp for inp in json.loads((case_dir / "inputs.json").read_text())["inputs"]
              if inp["name"] in ATTENTION_INPUTS]
    tensors: dict[str, torch.Tensor] = {}
    summary = {}
    for inp in inputs:
        ids = token_ids(bytes.fromhex(inp["bytes_hex"]))
        recorder = HookRecorder(model)
        attention = AttentionRecorder(model, recorder.put)
        try:
            with torch.no_grad():
                model(input_ids=ids, use_cache=False)
        finally:
            attention.remove()
            recorder.remove()
        assert list(recorder.values.keys()) == order, "attention hook order differs from full_hook_order"
        assert torch.equal(recorder.patch_lengths, reference[f"{inp['name']}.patch_lengths"])
        worst = max((recorder.values[n] - reference[f"{inp['name']}.{n}"]).abs().max().item() for n in old_names)
        pattern_sums = max((recorder.values[n].sum(-1) - 1).abs().max().item() for n in new_names if n.endswith("hook_pattern"))
        for n in new_names:
            value = recorder.values[n]
            assert value.dtype == torch.float32, n
            assert n.endswith("hook_attn_scores") or torch.isfinite(value).all(), n
            tensors[f"{inp['name']}.{n}"] = value.contiguous()
        summary[inp["name"]] = {"eager_vs_reference_max_abs_old_hooks": worst, "pattern_row_sum_max_error": pattern_sums}
        print(f"  attention {case_dir.name}/{inp['name']}: {len(new_names)} new hooks; eager vs reference on old hooks "
              f"{worst:.3g}; pattern rows sum to 1 within {pattern_sums:.3g}")
    save_file(tensors, str(case_dir / "attention_reference.safetensors"), metadata={
        "generator": f"Notebooks-as-scripts/make_parity_fixtures.py; transformers {transformers.__version__}; "
                     f"torch {torch.__version__}; attn_implementation eager; float32; use_cache False"})
    (case_dir / "attention_hooks.json").write_text(json.dumps({"hook_names": order}, indent=2) + "\n")
    return summary


# %% [markdown]
# ## Benchmark checkpoint ("small" shape of performance_baseline.md), not committed

# %%
def small_config() -> BltConfig:
    return BltConfig(
        patcher_config=dict(hidden_size=192, num_hidden_layers=4, num_attention_heads=3, intermediate_size=512),
        encoder_config=dict(hidden_size=256, num_hidden_layers=1, num_attention_heads=4, intermediate_size=768,
                            hidden_size_global=512, cross_attn_k=2),
        global_config=dict(hidden_size=512, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1536),
        decoder_config=dict(hidden_size=256, num_hidden_layers=3, num_attention_heads=4, intermediate_size=768,
                            hidden_size_global=512, cross_attn_k=2),
        cross_attn_k=2,
        encoder_hash_byte_group_vocab=5002,
        local_attention_window_len=512,
        use_cache=False,
    )


SMALL_CALIBRATION_TEXT = (
    "Byte Latent Transformers group bytes into patches whose boundaries follow the entropy of a small byte-level "
    "language model: where the next byte is hard to predict, a new patch starts. This paragraph is only used to "
    "calibrate the patching threshold of a random-weight benchmark checkpoint so that its mean patch length is "
    "close to four and a half bytes, like the released models on ordinary English prose. 0123456789!"
)


def threshold_for_mean_length(h: np.ndarray, target: float) -> tuple[float, float]:
    """(θ, mean patch length) with θ a float32 midpoint between sorted entropies, mean length closest to target."""
    n = len(h)
    candidates = np.sort(h[1:])
    best = None
    for a, b in zip(candidates[:-1], candidates[1:]):
        theta = float(np.float32((a + b) / 2))
        mean_len = n / (2 + int((h[1:] > theta).sum()))
        if best is None or abs(mean_len - target) < abs(best[1] - target):
            best = (theta, mean_len)
    return best


def build_small(out_dir: Path, seed: int = 3000) -> None:
    config = small_config()
    torch.manual_seed(seed)
    model = BltForCausalLM(config).eval()
    randomize_weights(model, seed, patcher_lm_head_scale=4.0)
    ids = token_ids(SMALL_CALIBRATION_TEXT.encode())
    best = threshold_for_mean_length(patcher_entropies(model, ids), 4.5)
    config.patching_threshold = best[0]
    if out_dir.exists():
        shutil.rmtree(out_dir)
    model.save_pretrained(out_dir)
    params = sum(p.numel() for p in model.parameters())
    reloaded = BltForCausalLM.from_pretrained(out_dir).eval()
    with torch.no_grad():
        _, lengths, _ = reloaded.model.patcher(ids, patch_size=4, threshold=config.patching_threshold)
    print(f"small: {params/1e6:.2f} M parameters, threshold {best[0]!r}, calibration mean patch length "
          f"{ids.shape[-1] / int((lengths[0] > 0).sum()):.3f} -> {out_dir}")


# %% [markdown]
# ## facebook/blt-1b-shaped checkpoint with random BF16 weights (~9 GB), written tensor by tensor
# The full model would need ~18 GB as F32 in memory, so no BltForCausalLM is built: the tensor list comes from
# instantiating the model on the `meta` device (shapes only), and every tensor is drawn in row chunks and
# streamed straight into hand-written safetensors shards (8-byte header length, JSON header, raw data).

# %%
def blt1b_config(hash_vocab: int = 500002, layers_scale: float = 1.0) -> BltConfig:
    def layers(n):
        return max(1, int(round(n * layers_scale)))
    return BltConfig(
        patcher_config=dict(hidden_size=768, num_hidden_layers=layers(14), num_attention_heads=12,
                            intermediate_size=2048),
        encoder_config=dict(hidden_size=1024, num_hidden_layers=1, num_attention_heads=16, intermediate_size=2816,
                            hidden_size_global=2048, cross_attn_k=2),
        global_config=dict(hidden_size=2048, num_hidden_layers=layers(25), num_attention_heads=16,
                           intermediate_size=5632),
        decoder_config=dict(hidden_size=1024, num_hidden_layers=layers(9), num_attention_heads=16,
                            intermediate_size=2816, hidden_size_global=2048, cross_attn_k=2),
        cross_attn_k=2,
        encoder_hash_byte_group_vocab=hash_vocab,
        use_cache=False,
        dtype="bfloat16",
    )


class ShardWriter:
    """Streams tensors into safetensors files of at most `max_bytes` (a single larger tensor gets its own shard)."""

    def __init__(self, out_dir: Path, max_bytes: int):
        self.out_dir, self.max_bytes = out_dir, max_bytes
        self.plan: list[list[tuple[str, tuple[int, ...]]]] = [[]]
        self.sizes = [0]

    def add(self, name: str, shape: tuple[int, ...]) -> None:
        nbytes = 2 * math.prod(shape)
        if nbytes > self.max_bytes:  # e.g. the 6.1 GB hash table: its own shard, the current one stays open
            self.plan.insert(len(self.plan) - 1, [(name, shape)])
            self.sizes.insert(len(self.sizes) - 1, nbytes)
            return
        if self.plan[-1] and self.sizes[-1] + nbytes > self.max_bytes:
            self.plan.append([])
            self.sizes.append(0)
        self.plan[-1].append((name, shape))
        self.sizes[-1] += nbytes

    def write(self, fill) -> None:
        total = len(self.plan)
        weight_map = {}
        for s, entries in enumerate(self.plan):
            fname = f"model-{s + 1:05d}-of-{total:05d}.safetensors"
            header, offset = {"__metadata__": {"format": "pt"}}, 0
            for name, shape in entries:
                nbytes = 2 * math.prod(shape)
                header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
                offset += nbytes
                weight_map[name] = fname
            blob = json.dumps(header, separators=(",", ":")).encode()
            blob += b" " * (-len(blob) % 8)
            tmp = self.out_dir / (fname + ".partial")
            with open(tmp, "wb") as fh:
                fh.write(struct.pack("<Q", len(blob)))
                fh.write(blob)
                for name, shape in entries:
                    for chunk in fill(name, shape):
                        fh.write(chunk.contiguous().view(torch.int16).numpy().tobytes())
            os.replace(tmp, self.out_dir / fname)
            print(f"  wrote {fname} ({self.sizes[s] / 1e9:.2f} GB)", flush=True)
        index = {"metadata": {"total_size": sum(self.sizes)}, "weight_map": dict(sorted(weight_map.items()))}
        (self.out_dir / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")


def build_blt1b_shape(out_dir: Path, hash_vocab: int, layers_scale: float, max_shard_bytes: int,
                      seed: int = 4000, verify: bool = False) -> None:
    config = blt1b_config(hash_vocab, layers_scale)
    with torch.device("meta"):
        meta_model = BltForCausalLM(config)
    shapes = {k: tuple(v.shape) for k, v in meta_model.state_dict().items()}
    del meta_model
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in list(out_dir.glob("model*.safetensors*")) + list(out_dir.glob("config.json")):
        stale.unlink()
    writer = ShardWriter(out_dir, max_shard_bytes)
    for name in sorted(shapes):
        writer.add(name, shapes[name])

    def fill(name, shape):
        # One generator per tensor, seeded from its name: the file does not depend on the shard layout.
        gen = torch.Generator().manual_seed(seed + sum(ord(c) * (i + 1) for i, c in enumerate(name)))
        if name.endswith("norm.weight") or name.endswith("layernorm.weight"):
            yield (1.0 + 0.2 * torch.randn(shape, generator=gen)).to(torch.bfloat16)
            return
        rows = shape[0]
        step = max(1, (64 << 20) // (4 * math.prod(shape[1:])))  # ~64 MB of float32 per chunk
        if "embed_tokens" in name or "encoder_hash_tok_embedding" in name:
            scale = 0.5
        else:
            scale = 1.0 / math.sqrt(shape[1])
            if name == "model.patcher.lm_head.weight":
                scale *= 4.0
        for start in range(0, rows, step):
            chunk_rows = min(step, rows - start)
            yield (scale * torch.randn((chunk_rows,) + tuple(shape[1:]), generator=gen)).to(torch.bfloat16)

    writer.write(fill)
    total = sum(math.prod(s) for s in shapes.values())
    print(f"blt1b-shape: {total / 1e9:.3f} B parameters in {len(writer.plan)} shards -> {out_dir}")

    # Calibrate the threshold with the patcher alone (0.1 B parameters, loaded from the shards in F32).
    patcher = modeling_blt.BltPatcher(config.patcher_config).eval()
    weight_map = json.loads((out_dir / "model.safetensors.index.json").read_text())["weight_map"]
    state = {}
    for name, fname in weight_map.items():
        if name.startswith("model.patcher."):
            with safe_open(out_dir / fname, "pt") as fh:
                state[name[len("model.patcher."):]] = fh.get_tensor(name).float()
    patcher.load_state_dict(state)
    with torch.no_grad():
        h, _, _ = patcher(token_ids(SMALL_CALIBRATION_TEXT.encode()))
    theta, mean_len = threshold_for_mean_length(h[0].double().numpy(), 4.5)
    config.patching_threshold = theta
    config.save_pretrained(out_dir)  # written last: a folder with config.json is complete
    print(f"  threshold {theta!r}: calibration mean patch length {mean_len:.3f} (F32 patcher)")
    if verify:
        model = BltForCausalLM.from_pretrained(out_dir).eval()
        ids = token_ids(b"Hello, BLT!")
        with torch.no_grad():
            logits = model(input_ids=ids, use_cache=False).logits
        assert torch.isfinite(logits).all()
        print(f"  verified: from_pretrained + forward OK, logits {tuple(logits.shape)} {logits.dtype}")


# %%
def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: Tests/BLTModelTests/Fixtures, or .checkpoints/ for --small "
                             "and --blt1b-shape)")
    parser.add_argument("--cases", nargs="*", default=list(CASES), help="tiny cases to build")
    parser.add_argument("--small", action="store_true", help="write the 'small' benchmark checkpoint (F32)")
    parser.add_argument("--blt1b-shape", action="store_true", help="write a blt-1b-shaped random BF16 checkpoint")
    parser.add_argument("--blt1b-hash-vocab", type=int, default=500002, help="hash rows per table (reduce to test)")
    parser.add_argument("--blt1b-layers-scale", type=float, default=1.0, help="scale layer counts (to test)")
    parser.add_argument("--blt1b-shard-gb", type=float, default=2.0, help="max shard size in GB")
    parser.add_argument("--attention-only", action="store_true",
                        help="only (re)write attention_reference.safetensors of existing tiny cases")
    parser.add_argument("--blt1b-verify", action="store_true", help="load the result with transformers and run it")
    args = parser.parse_args(argv)
    check_versions()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    if args.small or args.blt1b_shape:
        out = args.out or CHECKPOINTS_DIR
        if args.small:
            build_small(out / "blt-small")
        if args.blt1b_shape:
            build_blt1b_shape(out / "blt-1b-shape", args.blt1b_hash_vocab, args.blt1b_layers_scale,
                              int(args.blt1b_shard_gb * 1e9), verify=args.blt1b_verify)
        return

    check_hash_test_vectors()
    out_root = args.out or FIXTURES_DIR
    out_root.mkdir(parents=True, exist_ok=True)
    for name in args.cases:
        if args.attention_only:
            build_attention_reference(out_root / name)
        else:
            build_case(name, CASES[name], out_root)


if __name__ == "__main__":
    main(sys.argv[1:])
