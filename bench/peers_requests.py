"""The requests fsspec's own backends send for the operations of test/requests.test.ts.

Run by bench/peers-requests.mjs, which starts the servers and a counting proxy in front of
each and passes, in the environment, the proxy's URL (OMNIFS_PEER_URL), the server's
connection, the bucket or directory it created (PEER_ROOT) and the control URL that resets
and reports the counts (OMNIFS_PEER_CONTROL).
Prints one JSON line: {operation: [request kinds]}.
"""

import json
import os
import sys
import tempfile
import urllib.request

BACKEND = sys.argv[1]
URL = os.environ["OMNIFS_PEER_URL"]
CONTROL = os.environ["OMNIFS_PEER_CONTROL"]


def control(what):
    with urllib.request.urlopen(f"{CONTROL}/{what}", data=b"") as res:
        return json.loads(res.read() or b"null")


def make_fs():
    if BACKEND == "s3":
        import s3fs

        return s3fs.S3FileSystem(
            key=os.environ["AWS_ACCESS_KEY_ID"],
            secret=os.environ["AWS_SECRET_ACCESS_KEY"],
            client_kwargs={"endpoint_url": URL, "region_name": "us-east-1"},
            skip_instance_cache=True,
        )
    if BACKEND == "gcs":
        import gcsfs

        return gcsfs.GCSFileSystem(
            endpoint_url=URL, token="anon", project=os.environ["GCS_PROJECT"], skip_instance_cache=True
        )
    if BACKEND == "azure":
        import adlfs

        return adlfs.AzureBlobFileSystem(
            connection_string=os.environ["AZURE_CONNECTION_STRING"], skip_instance_cache=True
        )
    from fsspec.implementations.webhdfs import WebHDFS

    host, port = URL.removeprefix("http://").split(":")
    return WebHDFS(host=host, port=int(port), user=os.environ["HDFS_USER"], skip_instance_cache=True)


def main():
    fs = make_fs()
    root = os.environ["PEER_ROOT"]
    local = tempfile.mkdtemp()
    with open(f"{local}/up.txt", "w") as f:
        f.write("hello")

    def seed():
        fs.pipe_file(f"{root}/data/a.txt", b"\0" * 1000)
        for d in range(3):
            for n in range(2):
                fs.pipe_file(f"{root}/tree/d{d}/f{n}.txt", b"x")
        fs.invalidate_cache()

    ops = {
        "info": lambda: fs.info(f"{root}/data/a.txt"),
        "ls": lambda: fs.ls(f"{root}/tree"),
        "find": lambda: fs.find(f"{root}/tree"),
        "put": lambda: fs.put(f"{local}/up.txt", f"{root}/up.txt"),
        "get": lambda: fs.get(f"{root}/data/a.txt", f"{local}/a.txt"),
        "cp": lambda: fs.cp(f"{root}/data/a.txt", f"{root}/data/b.txt"),
        "rmTree": lambda: fs.rm(f"{root}/tree", recursive=True),
    }
    out = {}
    for name, op in ops.items():
        seed()
        control("reset")
        op()
        out[name] = control("requests")
    print(json.dumps(out))


main()
