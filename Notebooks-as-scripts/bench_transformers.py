# %% [markdown]
# # transformers side of `probe bench --against-python`
#
# What this is: a long-lived helper process that loads a BLT checkpoint with **transformers 5.24.0**
# (torch 2.13.0+cpu) and times full forward passes (`BltForCausalLM(input_ids=...)`, patcher + patching +
# encoder + global + decoder + lm_head, `use_cache=False`, under `torch.inference_mode()`) for inputs
# that the Swift benchmark sends, so that both implementations run interleaved in one run on the same
# bytes. It is started by `probe bench`; you do not normally run it yourself.
#
# Environment (CPU only):
#
#     python3 -m venv V && V/bin/pip install torch==2.13.0 transformers==5.24.0 safetensors numpy scipy h5py
#
# Protocol (one line per message, UTF-8, over stdin/stdout; everything else goes to stderr):
#
#     helper -> bench   ready <load_seconds> <parameters> <dtype>
#     bench -> helper   forward <hex bytes>        (input bytes; BOS is prepended here, as in ByteLens)
#     helper -> bench   ok <seconds> <patches> <bytes>
#     bench -> helper   rss
#     helper -> bench   rss <peak resident bytes of this process>
#     bench -> helper   quit
#     on any error      error <message>
#
# Manual use (for debugging the protocol):
#
#     echo "forward 48656c6c6f" | V/bin/python Notebooks-as-scripts/bench_transformers.py --model DIR --threads 2

# %%
from __future__ import annotations

import argparse
import resource
import sys
import time

BOS_ID = 1
BYTE_OFFSET = 4


def reply(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="checkpoint directory (Hugging Face layout)")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "auto"],
                        help="compute dtype (float32 matches ByteLens' fp32 path; auto = checkpoint dtype)")
    args = parser.parse_args(argv)

    import torch
    import transformers
    from transformers import BltForCausalLM

    if transformers.__version__ != "5.24.0":
        print(f"warning: transformers {transformers.__version__}, the reference is 5.24.0", file=sys.stderr)
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "auto": "auto"}[args.dtype]
    model = BltForCausalLM.from_pretrained(args.model, dtype=dtype).eval()
    load_seconds = time.perf_counter() - started
    parameters = sum(p.numel() for p in model.parameters())
    reply(f"ready {load_seconds:.3f} {parameters} {next(model.parameters()).dtype}")

    for line in sys.stdin:
        parts = line.strip().split(" ", 1)
        if not parts or not parts[0]:
            continue
        command = parts[0]
        try:
            if command == "quit":
                break
            if command == "rss":
                # ru_maxrss is in KiB on Linux.
                reply(f"rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}")
            elif command == "forward":
                data = bytes.fromhex(parts[1] if len(parts) > 1 else "")
                ids = torch.tensor([[BOS_ID] + [b + BYTE_OFFSET for b in data]], dtype=torch.long)
                patches = [0]

                def count_patches(module, args, kwargs, out):
                    # BltModel.forward returns patch lengths only internally; the global transformer's
                    # input has one row per patch.
                    embeds = kwargs.get("inputs_embeds", args[0] if args else None)
                    if embeds is not None:
                        patches[0] = int(embeds.shape[1])

                handle = model.model.global_transformer.register_forward_hook(count_patches, with_kwargs=True)
                try:
                    with torch.inference_mode():
                        begin = time.perf_counter()
                        model(input_ids=ids, use_cache=False)
                        seconds = time.perf_counter() - begin
                finally:
                    handle.remove()
                reply(f"ok {seconds:.6f} {patches[0]} {len(data)}")
            else:
                reply(f"error unknown command {command!r}")
        except Exception as error:  # report and keep serving; the bench decides what to do
            reply(f"error {type(error).__name__}: {error}".replace("\n", " "))
    return 0


# %%
if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
