#!/usr/bin/env python3
# Craft a swap file's extent map (page 0 at resume_offset, docs/FORMAT.md) every way it
# can be wrong, with its CRC recomputed so that the semantic checks are reached; and
# say which device pages changed outside a swap file, for test-extents.sh.
# Usage: craft-extents.py craft IN OUT CASE OFFSET
#        craft-extents.py outside BEFORE AFTER EXTENTS   (FILEPAGE:DEVPAGE:COUNT,...)
#        craft-extents.py cases
import struct
import sys

from craftlib import PAGE, crc32c

MAP = 1536  # the map's offset in page 0
MAX = 154  # entries that fit before the commit record


def read_map(img, p0):
    magic, nr, crc = struct.unpack_from("<8sII", img, p0 + MAP)
    assert magic == b"KJEXTMAP", "no extent map at this offset"
    return [list(struct.unpack_from("<IIQ", img, p0 + MAP + 16 + 16 * i)) for i in range(nr)]


def write_map(img, p0, ents, nr=None):
    nr = len(ents) if nr is None else nr
    for i, (fp, n, dp) in enumerate(ents):
        struct.pack_into("<IIQ", img, p0 + MAP + 16 + 16 * i, fp, n, dp)
    body = bytes(img[p0 + MAP + 16:p0 + MAP + 16 + 16 * nr])
    struct.pack_into("<8sII", img, p0 + MAP, b"KJEXTMAP", nr, crc32c(body))


def case_gap(e, dev):  # a hole between two extents
    e[1][0] += 1


def case_overlap(e, dev):  # two extents claim the same file page
    e[1][0] -= 1


def case_zero(e, dev):  # a zero-length extent
    e[2][1] = 0


def case_past(e, dev):  # an extent that starts past the end of the device
    e[-1][2] = dev + 10


def case_tail(e, dev):  # an extent that runs past the end of the device
    e[-1][1] = dev - e[-1][2] + 1


def case_huge(e, dev):  # device pages whose byte offsets would overflow
    e[-1][2] = (1 << 64) - 2


def case_start(e, dev):  # entry 0 not at resume_offset
    e[0][2] += 1


def case_first(e, dev):  # entry 0 not at file page 0
    for x in e:
        x[0] += 1


CASES = {
    "gap": case_gap, "overlap": case_overlap, "zero-length": case_zero,
    "past-device": case_past, "tail-past-device": case_tail, "overflow": case_huge,
    "not-at-offset": case_start, "not-from-page-0": case_first,
    "too-many": None, "none-counted": None, "bad-crc": None,
}


def craft(src, dst, name, off):
    img = bytearray(open(src, "rb").read())
    p0, dev = off * PAGE, len(img) // PAGE
    e = read_map(img, p0)
    if name == "too-many":  # one entry more than fits before the commit record
        write_map(img, p0, e, MAX + 1)
    elif name == "none-counted":
        write_map(img, p0, [], 0)
    elif name == "valid-but-short":  # valid, but one extent fewer than the header's
        write_map(img, p0, e[:-1])
    elif name == "bad-crc":  # the control: caught by the checksum alone
        img[p0 + MAP + 16] ^= 1
    else:
        CASES[name](e, dev)
        write_map(img, p0, e)
    open(dst, "wb").write(img)


def outside(before, after, extents):
    a, b = open(before, "rb").read(), open(after, "rb").read()
    mine = set()
    for t in extents.split(","):
        fp, dp, n = (int(x, 0) for x in t.split(":"))
        mine.update(range(dp, dp + n))
    bad = [p for p in range(max(len(a), len(b)) // PAGE)
           if p not in mine and a[p * PAGE:(p + 1) * PAGE] != b[p * PAGE:(p + 1) * PAGE]]
    if bad:
        print("device pages written outside the swap file: %s" % bad[:20])
        sys.exit(1)


if sys.argv[1] == "craft":
    craft(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
elif sys.argv[1] == "outside":
    outside(*sys.argv[2:5])
elif sys.argv[1] == "cases":
    print(" ".join(CASES))
else:
    sys.exit("usage: craft-extents.py craft|outside|cases ...")
