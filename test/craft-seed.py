#!/usr/bin/env python3
"""Write a kept image's reseed record (page 0, offset 1152) as a resume kernel leaves
it: craft-seed.py FILE fresh|badcrc|other-image RESUMES SEEDFILE. The image id comes
from the header (page 1); SEEDFILE receives the 64 seed bytes written."""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craftlib import crc32c  # noqa: E402

SEED_OFF = 1152


def main():
    path, kind, resumes, seedfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with open(path, "r+b") as f:
        f.seek(4096 + 32)
        image_id = struct.unpack("<Q", f.read(8))[0]
        if kind == "other-image":
            image_id ^= 1
        seed = os.urandom(64)
        rec = b"KJRESEED" + struct.pack("<IIQQQ", 1, 1, image_id, resumes, int(time.time()))
        rec += seed + bytes(20)
        crc = crc32c(rec)
        if kind == "badcrc":
            crc ^= 1
        rec += struct.pack("<I", crc)
        assert len(rec) == 128
        f.seek(SEED_OFF)
        f.write(rec)
    with open(seedfile, "wb") as s:
        s.write(seed)


main()
