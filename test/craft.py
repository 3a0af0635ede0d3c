#!/usr/bin/env python3
# Craft attacking images for test-adversarial.sh: take a valid image, change its range
# table, header or a block header, and recompute every checksum so that only the
# loader's semantic checks stand between the image and physical memory. ATTACK
# status-FIELD breaks one field of the status record of a plain swap area instead.
# Usage: craft.py IN OUT ATTACK
import struct
import sys

from craftlib import PAGE, crc32c

# The status record (page 1), docs/FORMAT.md: magic, u32 version, i32 error, u64 time,
# msg[240], u32 reserved, u32 CRC32C of the 268 bytes before it.
STATUS = struct.Struct("<8sIiQ240sI")
STATUS_ATTACKS = {  # name: (field index, value)
    "magic": (0, b"KJSTATUZ"),
    "version": (1, 3),
    "error-zero": (2, 0),
    "error-positive": (2, 5),
    "error-huge": (2, -100000),
    "time-huge": (3, (1 << 63) - 1),  # valid: a number no calendar holds
    "time-overflow": (3, (1 << 64) - 1),
    "msg-no-nul": (4, b"A" * 240),
    "msg-junk": (4, b"why\0" + b"J" * 236),
    "reserved": (5, 1),
}


def craft_status(img, attack):
    fields = list(STATUS.unpack_from(img, PAGE))
    if attack == "v1":  # the old layout: time, error, CRC32C of msg only, msg
        msg = fields[4]
        img[PAGE:PAGE + 4096] = bytes(4096)
        struct.pack_into("<8sQiI240s", img, PAGE, b"KJSTATUS", fields[3], fields[2], crc32c(msg), msg)
        return
    if attack == "crc":
        struct.pack_into("<I", img, PAGE + STATUS.size, crc32c(bytes(img[PAGE:PAGE + STATUS.size])) ^ 1)
        return
    if attack not in STATUS_ATTACKS:
        sys.exit("unknown attack status-" + attack)
    i, v = STATUS_ATTACKS[attack]
    fields[i] = v
    STATUS.pack_into(img, PAGE, *fields)
    struct.pack_into("<I", img, PAGE + STATUS.size, crc32c(bytes(img[PAGE:PAGE + STATUS.size])))


src, dst, attack = sys.argv[1:4]
img = bytearray(open(src, "rb").read())
if attack.startswith("status-"):  # page 1 of a plain swap area: the status record
    craft_status(img, attack[7:])
    open(dst, "wb").write(img)
    sys.exit(0)
hdr = bytearray(img[PAGE:2 * PAGE])
(nr_ranges, total_pages, data_pages, nr_blocks, data_off, data_bytes, table_off) = struct.unpack_from("<QQQQQQQ", hdr, 64)
ranges = [list(struct.unpack_from("<QQII", img, table_off + 24 * i)) for i in range(nr_ranges)]


def last(zero):
    # The last run of the kind: not the one holding the entry (the first range).
    return [r for r in ranges if bool(r[2] & 1) == zero][-1]


if attack == "stage-too-much":  # a zero run over most of the resume kernel's RAM
    r = last(True)
    r[0], r[1] = 0x100, 0x6000
elif attack == "mmio":  # a zero run in the PCI hole
    last(True)[0] = 0xFD000
elif attack == "outside-ram":  # data above the machine's RAM
    r = ranges[-1]
    r[0] = 0x40000
elif attack == "overlap":
    ranges[1][0] = ranges[0][0]
elif attack == "unsorted":
    ranges[0], ranges[1] = ranges[1], ranges[0]
elif attack == "npages-overflow":
    last(True)[1] = (1 << 64) - 16
elif attack == "npages-ffffffff":  # a range count of 0xffffffff pages
    last(False)[1] = 0xFFFFFFFF
elif attack == "nr-ranges-ffffffff":
    nr_ranges = 0xFFFFFFFF
elif attack == "nr-ranges-overflow":
    nr_ranges = 1 << 61
elif attack == "created-huge":  # no calendar holds it: gmtime() fails
    struct.pack_into("<Q", hdr, 40, (1 << 63) - 1)
elif attack == "entry-outside":
    struct.pack_into("<Q", hdr, 48, 0x30000000)
elif attack in ("block-too-long", "raw-too-long"):
    # block 0's header, in the data area and in the block index alike
    index_off = table_off + 24 * nr_ranges
    raw = bytearray(img[data_off:data_off + 32])
    if attack == "block-too-long":  # a stored length beyond any block buffer
        struct.pack_into("<I", raw, 12, 0x7FFFFFFF)
    else:
        struct.pack_into("<I", raw, 8, 512 * PAGE)
    struct.pack_into("<I", raw, 28, crc32c(bytes(raw[:28])))
    img[data_off:data_off + 32] = raw
    img[index_off:index_off + 32] = raw
elif attack == "commit-past-device":
    pass  # handled below
else:
    sys.exit("unknown attack " + attack)

if attack in ("stage-too-much", "mmio", "outside-ram"):
    ranges.sort(key=lambda r: r[0])  # a well-formed table, only the addresses are wrong
total_pages = sum(r[1] for r in ranges) & ((1 << 64) - 1)
old_index_off = table_off + 24 * len(ranges)
index = bytes(img[old_index_off:old_index_off + 32 * nr_blocks])
table = b"".join(struct.pack("<QQII", *r) for r in ranges)
img[table_off:table_off + len(table)] = table
index_off = table_off + 24 * nr_ranges if nr_ranges < (1 << 40) else old_index_off
img[index_off:index_off + len(index)] = index
struct.pack_into("<Q", hdr, 232, index_off)
struct.pack_into("<Q", hdr, 64, nr_ranges)
struct.pack_into("<Q", hdr, 72, total_pages)
struct.pack_into("<I", hdr, 120, crc32c(table))
struct.pack_into("<I", hdr, 4092, crc32c(bytes(hdr[:4092])))
img[PAGE:2 * PAGE] = hdr
# commit record at page 0 + 4022: magic, id, image_end, nr_blocks, header_crc, blocks_crc, ...
commit = bytearray(img[4022:4086])
image_end = index_off + 32 * nr_blocks if attack != "commit-past-device" else 1 << 40
struct.pack_into("<Q", commit, 16, image_end & ((1 << 64) - 1))
struct.pack_into("<I", commit, 32, crc32c(bytes(hdr[:4092])))
struct.pack_into("<I", commit, 36, crc32c(bytes(img[index_off:index_off + 32 * nr_blocks])))
struct.pack_into("<I", commit, 60, crc32c(bytes(commit[:60])))
img[4022:4086] = commit
open(dst, "wb").write(img)
