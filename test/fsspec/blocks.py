"""Random files and read_block calls, answered by fsspec's memory filesystem.

Prints one JSON object per line: the seed, the file's content (base64, on the first call
of each seed), the call (offset, length or null, delimiter as base64 or null) and
fsspec's answer (length and SHA-256 of the bytes), or the name of the exception it
raised. Every tenth file is over 64 KiB, some with records longer than that, so a
delimiter is sought across reads. Usage:
blocks.py FIRST_SEED COUNT.
"""
import base64
import hashlib
import json
import random
import sys

import fsspec
from fsspec.implementations.memory import MemoryFileSystem

DELIMITERS = [b"\n", b"\r\n", b"||", b"ab", b"aa", b"\n\n", b"x" * 5]
CALLS = 8


def content(r, seed):
    size = r.randint(70_000, 160_000) if seed % 10 == 9 else r.randint(0, 300)
    out = bytearray()
    while len(out) < size:
        # records of random length over a small alphabet, so delimiters repeat and overlap
        longest = 40 if size < 1000 else 90_000 if r.random() < 0.1 else 9000
        record = bytes(r.choice(b"abx") for _ in range(r.randint(0, longest)))
        out += record + r.choice(DELIMITERS + [b""])
    return bytes(out[:size])


def call(r, size):
    k = r.random()
    offset = 0 if k < 0.2 else r.randint(0, size + 3)
    k = r.random()
    length = None if k < 0.15 else 0 if k < 0.25 else r.randint(0, size + 3)
    delimiter = None if r.random() < 0.2 else r.choice(DELIMITERS)
    return offset, length, delimiter


def main():
    first, count = int(sys.argv[1]), int(sys.argv[2])
    fs = MemoryFileSystem()
    for seed in range(first, first + count):
        r = random.Random(seed)
        data = content(r, seed)
        fs.pipe("/f", data)
        for i in range(CALLS):
            offset, length, delimiter = call(r, len(data))
            case = {"seed": seed, "offset": offset, "length": length}
            case["delimiter"] = None if delimiter is None else base64.b64encode(delimiter).decode()
            if i == 0:
                case["content"] = base64.b64encode(data).decode()
            try:
                got = fs.read_block("/f", offset, length, delimiter)
                case["ok"] = [len(got), hashlib.sha256(got).hexdigest()]
            except Exception as e:  # the kind is what is compared
                case["error"] = type(e).__name__
            print(json.dumps(case))
    print(json.dumps({"fsspec": fsspec.__version__}))


main()
