"""Random trees and read-only calls, answered by fsspec's memory filesystem.

Prints one JSON object per line: the tree (files relative to the root, with the
directories made empty or not), the call, and fsspec's answer with paths relative to the
root, or the name of the exception it raised. Usage: cases.py FIRST_SEED COUNT.
"""
import json
import random
import sys

import fsspec
from fsspec.implementations.memory import MemoryFileSystem

FILE_NAMES = ["a", "b", "ab", "a.txt", "b.txt", "c.csv", "x1"]
DIR_NAMES = ["d", "e", "sub", "a", "ab"]
SEGMENTS = ["*", "**", "?", "a*", "*.txt", "[ab]", "[!a]*", "d", "e", "sub", "a", "ab", "*b", "?.txt", "x?"]
ROOT = "/r"
CALLS = 10


def tree(r):
    files, dirs = set(), set()

    def grow(prefix, depth):
        for _ in range(r.randint(0, 4)):
            path = prefix + r.choice(FILE_NAMES)
            if path not in dirs:
                files.add(path)
        if depth < 3:
            for _ in range(r.randint(0, 3)):
                path = prefix + r.choice(DIR_NAMES)
                if path not in files:
                    dirs.add(path)
                    grow(path + "/", depth + 1)

    grow("", 0)
    return sorted(files), sorted(dirs)


def pattern(r):
    return "/".join(r.choice(SEGMENTS) for _ in range(r.randint(1, 3))) + ("/" if r.random() < 0.1 else "")


def path(r, files, dirs):
    k = r.random()
    if k < 0.6 and (files or dirs):
        p = r.choice(files + dirs)
    elif k < 0.8:
        p = r.choice(DIR_NAMES + FILE_NAMES)
    else:
        p = ""
    return p + ("/" if p and r.random() < 0.15 else "")


def call(r, files, dirs):
    kind = r.choice(["glob", "glob", "glob", "find", "find", "ls", "du", "walk", "info", "exists", "isdir", "isfile", "size", "head"])
    c = {"call": kind}
    if kind == "glob":
        c["path"] = pattern(r)
    else:
        c["path"] = path(r, files, dirs)
    if kind in ("glob", "find", "du", "walk") and r.random() < 0.4:
        c["maxdepth"] = r.randint(1, 3)
    if kind == "find" and r.random() < 0.5:
        c["withdirs"] = True
    return c


def rel(p):
    return p[len(ROOT) + 1 :] if p.startswith(ROOT + "/") else ("." if p == ROOT else "!" + p)


def answer(fs, c):
    p = ROOT + "/" + c["path"] if c["path"] else ROOT
    depth = {"maxdepth": c["maxdepth"]} if "maxdepth" in c else {}
    if c["call"] == "glob":
        return sorted(rel(x) for x in fs.glob(p, **depth))
    if c["call"] == "find":
        return sorted(rel(x) for x in fs.find(p, withdirs=c.get("withdirs", False), **depth))
    if c["call"] == "ls":
        return sorted(rel(x) for x in fs.ls(p, detail=False))
    if c["call"] == "du":
        return fs.du(p, **depth)
    if c["call"] == "walk":
        # The memory filesystem lists in the order things were made; the walk is given again
        # in its own depth-first order with each directory's names sorted.
        found = {rel(root): (sorted(ds), sorted(fs_)) for root, ds, fs_ in fs.walk(p, **depth)}
        out = []

        def emit(root):
            if root in found:
                out.append([root, *found[root]])
                for d in found[root][0]:
                    emit(d if root == "." else root + "/" + d)

        if found:
            emit(next(iter(found)))
        return out
    if c["call"] in ("exists", "isdir", "isfile", "size"):
        return getattr(fs, c["call"])(p)
    if c["call"] == "head":
        return fs.head(p, 4).decode()
    info = fs.info(p)
    return [info["type"], info["size"] if info["type"] == "file" else None]


def main():
    first, count = int(sys.argv[1]), int(sys.argv[2])
    fs = MemoryFileSystem()
    for seed in range(first, first + count):
        r = random.Random(seed)
        files, dirs = tree(r)
        fs.store.clear()
        fs.pseudo_dirs.clear()
        fs.pseudo_dirs.append("")
        fs.mkdir(ROOT)
        for d in dirs:
            fs.makedirs(ROOT + "/" + d, exist_ok=True)
        for f in files:
            fs.pipe_file(ROOT + "/" + f, ("content of " + f).encode())
        for _ in range(CALLS):
            c = call(r, files, dirs)
            try:
                out = {"ok": answer(fs, c)}
            except Exception as e:  # the kind of failure is compared, not its text
                out = {"error": type(e).__name__}
            print(json.dumps({"seed": seed, "files": files, "dirs": dirs, **c, **out}))
    print(json.dumps({"fsspec": fsspec.__version__}))


if __name__ == "__main__":
    main()
