"""Random trees and calls of cp, mv and rm, made by fsspec's memory and local filesystems,
and of put and get between the two.

Prints one JSON object per line: the tree (as cases.py makes it), the call, and for each
of the two filesystems what it answered (None, or the name of the exception it raised)
and the tree after the call (directories as "path/", files as "path=content", relative to
the root); for put (local to memory) and get (memory to local), the same of the call, with
the tree it wrote to. Usage: transfers.py FIRST_SEED COUNT.
"""
import json
import os
import random
import shutil
import sys
import tempfile

import fsspec
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem

from cases import DIR_NAMES, path, pattern, tree

CALLS = 6
# Thousands of small trees are made and removed: in memory where the machine has a tmpfs.
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") else None


def source(r, files, dirs):
    # cases.py's path, less the root itself (a copy of the root into itself)
    return (r.random() < 0.5 and path(r, files, dirs)) or pattern(r)


def call(r, files, dirs):
    kind = r.choice(["cp", "cp", "cp", "mv", "mv", "rm", "rm", "put", "get"])
    c = {"call": kind, "recursive": r.random() < 0.6}
    if kind != "rm" and files and r.random() < 0.15:
        # Files of distinct names: the other list rules differ on purpose.
        by_name = {f.rsplit("/", 1)[-1]: f for f in r.sample(files, len(files))}
        c["path"] = sorted(by_name.values())[: r.randint(1, 3)]
    else:
        c["path"] = source(r, files, dirs)
    if kind != "rm":
        t = r.random()
        if t < 0.4:
            dst = "out"
        elif t < 0.7 and (files or dirs):
            dst = r.choice(files + dirs)
        else:
            dst = "new/" + r.choice(DIR_NAMES)
        c["maketarget"] = kind in ("cp", "mv") and dst not in files and r.random() < 0.3
        c["dst"] = dst + ("/" if r.random() < 0.4 else "")
    if r.random() < 0.3:
        c["maxdepth"] = r.randint(1, 3)
    return c


def run(fs, root, c):
    at = lambda p: [root + "/" + q for q in p] if isinstance(p, list) else root + "/" + p
    depth = {"maxdepth": c["maxdepth"]} if "maxdepth" in c else {}
    if c.get("maketarget"):
        fs.makedirs(at(c["dst"].rstrip("/")), exist_ok=True)
    if c["call"] == "cp":
        fs.copy(at(c["path"]), at(c["dst"]), recursive=c["recursive"], **depth)
    elif c["call"] == "mv":
        fs.mv(at(c["path"]), at(c["dst"]), recursive=c["recursive"], **depth)
    else:
        fs.rm(at(c["path"]), recursive=c["recursive"], **depth)


def between(memory, local, top, files, dirs, c):
    """put (local to memory) or get (memory to local); what it answered and the tree it wrote."""
    build(memory, "/r", files, dirs)
    build(local, top + "/r", files, dirs)
    at = lambda root, p: [root + "/" + q for q in p] if isinstance(p, list) else root + "/" + p
    depth = {"maxdepth": c["maxdepth"]} if "maxdepth" in c else {}
    src, dst = (top + "/r", "/r") if c["call"] == "put" else ("/r", top + "/r")
    try:
        getattr(memory, c["call"])(at(src, c["path"]), at(dst, c["dst"]), recursive=c["recursive"], **depth)
        out = {"ok": None}
    except Exception as e:  # the kind of failure is compared, not its text
        out = {"error": type(e).__name__}
    return {**out, "after": state(memory, "/r") if c["call"] == "put" else state(local, top + "/r")}


def state(fs, root):
    if not fs.exists(root):
        return None
    out = []
    for p, info in fs.find(root, withdirs=True, detail=True).items():
        rel = p[len(root) + 1 :]
        if not rel:
            continue
        out.append(rel + "/" if info["type"] == "directory" else rel + "=" + fs.cat_file(p).decode())
    return sorted(out)


def build(fs, root, files, dirs):
    fs.makedirs(root, exist_ok=True)
    for d in dirs:
        fs.makedirs(root + "/" + d, exist_ok=True)
    for f in files:
        fs.pipe_file(root + "/" + f, ("content of " + f).encode())


def answer(fs, root, files, dirs, c):
    build(fs, root, files, dirs)
    try:
        run(fs, root, c)
        out = {"ok": None}
    except Exception as e:  # the kind of failure is compared, not its text
        out = {"error": type(e).__name__}
    return {**out, "after": state(fs, root)}


def main():
    first, count = int(sys.argv[1]), int(sys.argv[2])
    memory = MemoryFileSystem()
    local = LocalFileSystem(auto_mkdir=True)
    for seed in range(first, first + count):
        r = random.Random(seed)
        files, dirs = tree(r)
        for _ in range(CALLS):
            c = call(r, files, dirs)
            memory.store.clear()
            memory.pseudo_dirs.clear()
            memory.pseudo_dirs.append("")
            top = tempfile.mkdtemp(prefix="omnifs-fsspec-", dir=SCRATCH)
            try:
                if c["call"] in ("put", "get"):
                    made = {"fsspec": between(memory, local, top, files, dirs, c)}
                else:
                    made = {"memory": answer(memory, "/r", files, dirs, c), "local": answer(local, top + "/r", files, dirs, c)}
            finally:
                shutil.rmtree(top, ignore_errors=True)
            print(json.dumps({"seed": seed, "files": files, "dirs": dirs, **c, **made}))
    print(json.dumps({"fsspec": fsspec.__version__}))


if __name__ == "__main__":
    main()
