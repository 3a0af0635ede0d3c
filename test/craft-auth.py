#!/usr/bin/env python3
# Craft attacks on authenticated images for test-auth.sh: change a header field, a range,
# a block's data or index entry, a digest, the auth record, or bring in another image's
# block, and recompute every CRC (header, table, index chain, commit record) the way an
# attacker who can write the swap device but does not have the image key would: only the
# MAC and the block digests stand between the image and memory.
# Usage: craft-auth.py IN OUT ATTACK [OTHER-IMAGE]
import struct
import sys

from craftlib import PAGE, crc32c

src, dst, attack = sys.argv[1:4]
other = bytearray(open(sys.argv[4], "rb").read()) if len(sys.argv) > 4 else None
img = bytearray(open(src, "rb").read())
H = PAGE  # the header page
incompat, = struct.unpack_from("<I", img, H + 12)
nr_ranges, = struct.unpack_from("<Q", img, H + 64)
nr_blocks, data_off, data_bytes, table_off = struct.unpack_from("<QQQQ", img, H + 88)
index_off, = struct.unpack_from("<Q", img, H + 232)
digest_off = index_off + 32 * nr_blocks
auth_off = digest_off + 32 * nr_blocks
image_end = auth_off + 128


def block_at(k):
    """Offset and stored length of data block k (headers are 32 bytes)."""
    off = data_off
    for i in range(nr_blocks):
        stored, = struct.unpack_from("<I", img, off + 12)
        if i == k:
            return off, stored
        off += 32 + stored
    sys.exit("no block %d" % k)


def flip(buf, off, bit=0):
    buf[off] ^= 1 << bit


if attack == "header-bit":  # A's "created" time: harmless, but not what B wrote
    flip(img, H + 40)
elif attack == "table-bit":  # the last range moves by one page
    flip(img, table_off + 24 * (nr_ranges - 1))
    table = bytes(img[table_off:table_off + 24 * nr_ranges])
    struct.pack_into("<I", img, H + 120, crc32c(table))
elif attack == "index-bit":  # block 1's data CRC, in the index and the data area alike
    off, _ = block_at(1)
    flip(img, off + 24)
    struct.pack_into("<I", img, off + 28, crc32c(bytes(img[off:off + 28])))
    img[index_off + 32:index_off + 64] = img[off:off + 32]
elif attack.startswith("data-bit"):  # one bit of block K's stored bytes, nothing else
    k = int(attack.split(":")[1]) if ":" in attack else 0
    off, stored = block_at(k)
    flip(img, off + 32 + stored // 2, 3)
elif attack.startswith("block-data"):  # block K's stored bytes from OTHER (same layout)
    k = int(attack.split(":")[1]) if ":" in attack else 0
    off, stored = block_at(k)
    img[off + 32:off + 32 + stored] = other[off + 32:off + 32 + stored]
elif attack == "block-whole":  # block 0 with its header and index entry from OTHER
    off, stored = block_at(0)
    img[off:off + 32 + stored] = other[off:off + 32 + stored]
    img[index_off:index_off + 32] = other[index_off:index_off + 32]
elif attack == "block-and-digest":  # ... and its digest too
    off, stored = block_at(0)
    img[off:off + 32 + stored] = other[off:off + 32 + stored]
    img[index_off:index_off + 32] = other[index_off:index_off + 32]
    img[digest_off:digest_off + 32] = other[digest_off:digest_off + 32]
elif attack == "digest-bit":
    flip(img, digest_off + 32 * (nr_blocks - 1) + 5)
elif attack == "mac-bit":  # the MAC, the record's CRC made to match
    flip(img, auth_off + 40)
    struct.pack_into("<I", img, auth_off + 124, crc32c(bytes(img[auth_off:auth_off + 124])))
elif attack == "auth-crc":  # the MAC, CRC left alone: plain corruption
    flip(img, auth_off + 40)
elif attack == "strip":  # no longer authenticated: the flag cleared, the image shorter
    struct.pack_into("<I", img, H + 12, incompat & ~1)
    image_end = index_off + 32 * nr_blocks
else:
    sys.exit("unknown attack " + attack)

struct.pack_into("<I", img, H + 4092, crc32c(bytes(img[H:H + 4092])))
commit = bytearray(img[4022:4086])
struct.pack_into("<Q", commit, 16, image_end)
struct.pack_into("<I", commit, 32, crc32c(bytes(img[H:H + 4092])))
struct.pack_into("<I", commit, 36, crc32c(bytes(img[index_off:index_off + 32 * nr_blocks])))
struct.pack_into("<I", commit, 60, crc32c(bytes(commit[:60])))
img[4022:4086] = commit
open(dst, "wb").write(img)
