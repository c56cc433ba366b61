# %% [markdown]
# # Plotting tables: bitmap font glyphs and colormap LUTs for `Sources/Plotting`
#
# What: generates two Swift source files so that the Plotting module needs no file lookup at run time:
#
# * `Sources/Plotting/Generated/BitmapFont+Glyphs.swift`: glyph bitmaps decoded from the console fonts kept in
#   `Assets/fonts/` (Terminus Font by Dimitar Toshkov Zhekov, SIL OFL 1.1, see `Assets/fonts/OFL-Terminus.txt`;
#   the PSF files are the unmodified ones shipped by Debian's `console-setup-linux`). Only a subset of code
#   points is kept (printable ASCII, Latin-1, Greek and a few symbols) plus U+FFFD as the fallback glyph.
# * `Sources/Plotting/Generated/Colormap+Tables.swift`: 256-entry RGB lookup tables sampled from matplotlib's
#   published colormaps `viridis`, `magma` (listed colormaps, 256 entries each, so sampling is exact) and
#   `coolwarm` (Moreland's diverging map, a segmented map sampled at 256 evenly spaced points).
#
# How to run (from the repository root; matplotlib is needed only here, never at build or test time):
#
#     python3 -m venv V && V/bin/pip install numpy matplotlib
#     V/bin/python Notebooks-as-scripts/make_plotting_tables.py
#
# The output is deterministic; re-running it must leave `git diff` empty.

# %%
import gzip
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent
FONTS = ROOT / "Assets" / "fonts"
OUT = ROOT / "Sources" / "Plotting" / "Generated"

# Code points kept in the embedded fonts: printable ASCII, Latin-1 supplement, Greek, and symbols used in
# axis labels and titles. U+FFFD is the fallback for anything else.
WANTED = (
    list(range(0x20, 0x7F))
    + list(range(0xA0, 0x100))
    + list(range(0x391, 0x3CA))
    + [0x2013, 0x2014, 0x2022, 0x2026, 0x2190, 0x2191, 0x2192, 0x2193, 0x2212, 0x221A, 0x221E,
       0x2248, 0x2260, 0x2264, 0x2265, 0x25A0, 0x25B2, 0x25C6, 0x25CF, 0xFFFD]
)


# %% [markdown]
# ## PSF parsing (PSF1 and PSF2, with their Unicode tables)

# %%
def read_psf(path):
    """Returns (width, height, {codepoint: [row bits as int, MSB = leftmost pixel]})."""
    data = gzip.open(path).read()
    if data[:2] == b"\x36\x04":
        mode, height = data[2], data[3]
        count = 512 if mode & 1 else 256
        width, bytes_per_row, offset = 8, 1, 4
        glyph_size = height
        table = data[offset + count * glyph_size:]
        mapping, glyph, i = {}, 0, 0
        while glyph < count and i + 1 < len(table):
            (cp,) = struct.unpack_from("<H", table, i)
            i += 2
            if cp == 0xFFFF:
                glyph += 1
            elif cp == 0xFFFE:
                # Sequences of combining characters follow; skip to the end of this glyph's entry.
                while struct.unpack_from("<H", table, i)[0] != 0xFFFF:
                    i += 2
            else:
                mapping.setdefault(cp, glyph)
    elif data[:4] == b"\x72\xb5\x4a\x86":
        _, _, header, flags, count, glyph_size, height, width = struct.unpack_from("<8I", data, 0)
        bytes_per_row = (width + 7) // 8
        offset = header
        table = data[offset + count * glyph_size:]
        mapping, glyph, i = {}, 0, 0
        while glyph < count and i < len(table):
            b = table[i]
            if b == 0xFF:
                glyph += 1
                i += 1
            elif b == 0xFE:
                while table[i] != 0xFF:
                    i += 1
            else:
                n = 1 if b < 0x80 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
                mapping.setdefault(ord(table[i:i + n].decode("utf-8")), glyph)
                i += n
    else:
        raise ValueError(f"{path}: not a PSF font")
    glyphs = {}
    for cp, g in mapping.items():
        start = offset + g * glyph_size
        rows = []
        for r in range(height):
            row = int.from_bytes(data[start + r * bytes_per_row:start + (r + 1) * bytes_per_row], "big")
            rows.append(row >> (bytes_per_row * 8 - width))
        glyphs[cp] = rows
    return width, height, glyphs


# %% [markdown]
# ## Emit the glyph table
# Each glyph is `height` rows of `width` bits (width <= 8 here, one byte per row), hex-encoded in one string
# literal per font; string literals keep the Swift compiler fast compared with large array literals.

# %%
FONT_FILES = [
    ("small", "Uni2-Terminus12x6.psf.gz", "6×12 regular: hex digits inside byte cells, dense tick labels"),
    ("regular", "Uni2-Terminus14.psf.gz", "8×14 regular: tick labels, axis labels, legends, byte glyphs"),
    ("bold", "Uni2-TerminusBold16.psf.gz", "8×16 bold: titles"),
]


def font_swift(name, filename, doc):
    width, height, glyphs = read_psf(FONTS / filename)
    assert width <= 8, "one byte per row is assumed"
    kept = [cp for cp in WANTED if cp in glyphs]
    assert 0xFFFD in kept and all(cp in kept for cp in range(0x20, 0x7F)), filename
    codepoints = ", ".join(str(cp) for cp in kept)
    bits = "".join("".join(f"{row:02x}" for row in glyphs[cp]) for cp in kept)
    lines = [bits[i:i + 120] for i in range(0, len(bits), 120)]
    body = "\n".join(f"            {line}" for line in lines)
    return f'''    /// {doc}; derived from `Assets/fonts/{filename}`.
    public static let {name} = BitmapFont(
        name: "{name}", width: {width}, height: {height},
        codepoints: [{codepoints}],
        hexRows: """
{body}
            """)
'''


def write_fonts():
    parts = [font_swift(*f) for f in FONT_FILES]
    text = f'''// GENERATED by Notebooks-as-scripts/make_plotting_tables.py; do not edit by hand.
//
// Glyph bitmaps derived from Terminus Font, Copyright (c) 2010 Dimitar Toshkov Zhekov, licensed under the
// SIL Open Font License 1.1 (Assets/fonts/OFL-Terminus.txt). This converted subset is a Modified Version
// under that licence, distributed under the same licence, and is not named "Terminus Font".

extension BitmapFont {{
{chr(10).join(parts)}}}
'''
    (OUT / "BitmapFont+Glyphs.swift").write_text(text)


# %% [markdown]
# ## Emit the colormap LUTs (float RGB in 0...1, six decimals as published by matplotlib)

# %%
def write_colormaps():
    import matplotlib
    import numpy as np

    def table(name):
        cmap = matplotlib.colormaps[name]
        rgb = cmap(np.linspace(0.0, 1.0, 256))[:, :3]
        values = [f"{v:.6f}" for v in rgb.reshape(-1)]
        rows = [", ".join(values[i:i + 12]) for i in range(0, len(values), 12)]
        body = ",\n".join(f"        {r}" for r in rows)
        return f'''    /// matplotlib `{name}` (matplotlib {matplotlib.__version__}), 256 RGB triples, row-major.
    static let {name}Table: [Float] = [
{body},
    ]
'''
    text = f'''// GENERATED by Notebooks-as-scripts/make_plotting_tables.py; do not edit by hand.
// Sampled from matplotlib's colormaps (viridis and magma: van der Walt & Smith, CC0; coolwarm: Moreland 2009).

extension Colormap {{
{chr(10).join(table(n) for n in ("viridis", "magma", "coolwarm"))}}}
'''
    (OUT / "Colormap+Tables.swift").write_text(text)


# %%
if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    write_fonts()
    write_colormaps()
    print("wrote", sorted(p.name for p in OUT.iterdir()))
