"""Writes seed inputs for the sheet_reader target into corpus/sheet_reader/ (not committed).

Each seed is a mode byte (see the target) followed by a file or a part of one, taken from the
fixtures in ../tests/fixtures/sheets/."""

import os
import struct
import zipfile

FIX = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "sheets")
OUT = os.path.join(os.path.dirname(__file__), "corpus", "sheet_reader")
os.makedirs(OUT, exist_ok=True)


def seed(name, mode, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([mode]) + data)


def workbook_stream(path):
    """The Workbook stream of a compound file (enough of MS-CFB for LibreOffice's .xls)."""
    b = open(path, "rb").read()
    ssz = 1 << struct.unpack_from("<H", b, 30)[0]
    sector = lambda n: b[(n + 1) * ssz : (n + 2) * ssz]
    difat = [x for x in struct.unpack_from("<109I", b, 76) if x < 0xFFFFFFFA]
    fat = []
    for s in difat:
        fat += struct.unpack(f"<{ssz // 4}I", sector(s))

    def chain(start):
        out, n = b"", start
        while n < 0xFFFFFFFA:
            out += sector(n)
            n = fat[n]
        return out

    dirs = chain(struct.unpack_from("<I", b, 48)[0])
    entries = []
    for i in range(0, len(dirs), 128):
        e = dirs[i : i + 128]
        nlen = struct.unpack_from("<H", e, 64)[0]
        name = e[: max(nlen - 2, 0)].decode("utf-16-le")
        start, size = struct.unpack_from("<II", e, 116)
        entries.append((name, start, size))
    root = entries[0]
    wb = next(e for e in entries if e[0] in ("Workbook", "Book"))
    if wb[2] >= 4096:
        return chain(wb[1])[: wb[2]]
    mini = chain(root[1])
    minifat = []
    for s_ in [struct.unpack_from("<I", b, 60)[0]]:
        minifat = list(struct.unpack(f"<{len(chain(s_)) // 4}I", chain(s_)))
    out, n = b"", wb[1]
    while n < 0xFFFFFFFA:
        out += mini[n * 64 : (n + 1) * 64]
        n = minifat[n]
    return out[: wb[2]]


for f in sorted(os.listdir(FIX)):
    p = os.path.join(FIX, f)
    if f.startswith("zip_bomb") or f.startswith("make_") or f.endswith(".md"):
        continue
    data = open(p, "rb").read()
    seed(f"raw_{f}", 0, data)
    if f.endswith(".xlsx") and f != "corrupt.xlsx":
        with zipfile.ZipFile(p) as z:
            for part, mode in [("xl/worksheets/sheet1.xml", 1), ("xl/sharedStrings.xml", 2), ("xl/styles.xml", 3)]:
                if part in z.namelist():
                    seed(f"m{mode}_{f}", mode, z.read(part))
    if f.endswith(".ods"):
        with zipfile.ZipFile(p) as z:
            seed(f"m4_{f}", 4, z.read("content.xml"))
    if f.endswith(".xls"):
        seed(f"m5_{f}", 5, workbook_stream(p))
print(len(os.listdir(OUT)), "seeds")
