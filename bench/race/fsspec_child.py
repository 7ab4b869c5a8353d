"""One fsspec contender of the race (s3fs, gcsfs, adlfs, fsspec's webhdfs) in a process of its own.

    python bench/race/fsspec_child.py CONFIG.json

Runs the same rows as bench/race/child.mjs, with fsspec's own API and defaults, and prints
one `RACE_ROW {json}` line per row: wall seconds, this process's CPU seconds (all threads)
and its peak RSS during the row (reset before each row through /proc/self/clear_refs), and
the CPU seconds the server's processes spent meanwhile (as servercpu.mjs reads them).
"""
import gc
import json
import os
import re
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

SMALL = 4096


def small_content(i):
    b = bytearray([i & 0xFF]) * SMALL
    b[0:4] = (i & 0xFFFFFFFF).to_bytes(4, "little")
    return bytes(b)


def seed_keys(prefix, count):
    return [f"{prefix}/d{i % 100:02d}/k{i}" for i in range(count)]


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_mib():
    with open("/proc/self/status") as f:
        m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
    return int(m.group(1)) / 1024 if m else None


def tree_cpu_seconds(pid):
    """CPU seconds of `pid` and its descendants so far (servercpu.mjs); None if not running."""
    if not isinstance(pid, int):
        return None
    procs = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split(" ")
        procs.append((int(entry), int(fields[1]), int(fields[11]) + int(fields[12])))
    if not any(p == pid for p, _, _ in procs):
        return None
    tree = {pid}
    grew = True
    while grew:
        grew = False
        for p, parent, _ in procs:
            if p not in tree and parent in tree:
                tree.add(p)
                grew = True
    return sum(t for p, _, t in procs if p in tree) / os.sysconf("SC_CLK_TCK")


def make_fs(store, conn):
    if store == "s3":
        import s3fs

        return s3fs.S3FileSystem(
            key=conn["accessKeyId"],
            secret=conn["secretAccessKey"],
            endpoint_url=conn["endpoint"],
            client_kwargs={"region_name": conn["region"]},
            skip_instance_cache=True,
        )
    if store == "gcs":
        # gcsfs's bucket-type probe speaks gRPC to the endpoint, which an emulator does not serve.
        os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
        import gcsfs

        return gcsfs.GCSFileSystem(
            endpoint_url=conn["apiEndpoint"], token="anon", project=conn["projectId"], skip_instance_cache=True
        )
    if store == "azure":
        import adlfs

        return adlfs.AzureBlobFileSystem(
            account_name=conn["accountName"],
            account_key=conn["accountKey"],
            connection_string=(
                f"DefaultEndpointsProtocol=http;AccountName={conn['accountName']};"
                f"AccountKey={conn['accountKey']};BlobEndpoint={conn['blobEndpoint']};"
            ),
            skip_instance_cache=True,
        )
    if store == "hdfs":
        from urllib.parse import urlparse

        from fsspec.implementations.webhdfs import WebHDFS

        u = urlparse(conn["namenodeUrl"])
        return WebHDFS(host=u.hostname, port=u.port, user=conn["user"], skip_instance_cache=True)
    raise ValueError(f"unknown store {store}")


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    s = cfg["sizes"]
    root = ("/" if cfg["store"] == "hdfs" else "") + cfg["bucket"]
    p = lambda key: f"{root}/{key}"  # noqa: E731
    fss = {}

    def fs(kind="direct"):
        if kind not in fss:
            fss[kind] = make_fs(cfg["store"], cfg["conns"][kind])
        return fss[kind]

    one = [(f"{cfg['prefix']}/one/f{i}", small_content(i)) for i in range(s["one"])]
    batch = [(f"{cfg['prefix']}/batch/f{i}", small_content(i + 7)) for i in range(s["batch"])]
    latency = [(f"{cfg['prefix']}/lat/f{i}", small_content(i + 11)) for i in range(s["latency"])]
    sync_only = cfg["store"] == "hdfs"  # fsspec's webhdfs is synchronous: no batching of its own

    def put_many(f, entries):
        if sync_only:
            for k, b in entries:
                f.pipe_file(p(k), b)
        else:
            f.pipe({p(k): b for k, b in entries})

    def check(k, got, want):
        if got != want:
            raise RuntimeError(f"{k}: read back {len(got)} bytes that differ from what was written")

    def get64():
        if sync_only:
            with ThreadPoolExecutor(64) as ex:
                for (k, b), got in zip(batch, ex.map(lambda e: fs().cat_file(p(e[0])), batch)):
                    check(k, got, b)
        else:
            got = fs().cat([p(k) for k, _ in batch], batch_size=64)
            for k, b in batch:
                check(k, got[p(k)], b)
        return len(batch)

    def download(kind, key):
        fs(kind).get_file(p(key), cfg["outFile"])

    def check_download():
        """Checked and removed once the row's time and CPU are taken, as child.mjs does."""
        got = os.path.getsize(cfg["outFile"])
        os.remove(cfg["outFile"])
        if got != cfg["largeSize"]:
            raise RuntimeError(f"downloaded {got} bytes, expected {cfg['largeSize']}")

    def put_latency(warming=False):
        """Timed latencyTimes times (LATENCY_TIMES in rows.mjs), the median kept; once to warm up."""
        times = []
        for _ in range(1 if warming else s.get("latencyTimes", 1)):
            t0 = time.perf_counter()
            put_many(fs("latency"), latency)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    def list_keys():
        """Timed listTimes times (LIST_TIMES in rows.mjs), the median kept; fsspec's listings
        cache is emptied (untimed) before each, so every one asks the store."""
        times = []
        for _ in range(s.get("listTimes", 1)):
            fs().invalidate_cache()
            t0 = time.perf_counter()
            n = len(fs().find(p(cfg["seedPrefix"])))
            times.append(time.perf_counter() - t0)
            if n != s["keys"]:
                raise RuntimeError(f"listed {n} keys, expected {s['keys']}")
        return statistics.median(times)

    work = {
        "put1": lambda: ([fs().pipe_file(p(k), b) for k, b in one], (len(one), None))[1],
        "get1": lambda: ([check(k, fs().cat_file(p(k)), b) for k, b in one], (len(one), None))[1],
        "putBatch": lambda: (put_many(fs(), batch), (len(batch), None))[1],
        "get64": lambda: (get64(), None),
        "putLatency": lambda: (len(latency), None, put_latency()),
        "upload": lambda: (fs().put_file(cfg["largeFile"], p(f"{cfg['prefix']}/large")), (1, cfg["largeSize"]))[1],
        "download": lambda: (download("direct", cfg["sourceKey"]), (1, cfg["largeSize"]))[1],
        "capped": lambda: (download("capped", cfg["sourceKey"]), (1, cfg["largeSize"]))[1],
        "list": lambda: (s["keys"], None, list_keys()),
        "delete": lambda: (fs().rm(p(cfg["seedPrefix"]), recursive=True), (s["keys"], None))[1],
    }

    try:  # one untimed request first, so that no row pays for the first request's lazy loading
        fs().pipe_file(p(f"{cfg['prefix']}/warmup"), small_content(0))
        fs().cat_file(p(f"{cfg['prefix']}/warmup"))
    except Exception:  # noqa: BLE001 - the rows report what fails
        pass
    if cfg.get("warm"):  # the small-request rows once, untimed (WARM_ROWS in rows.mjs)
        for row in [r for r in cfg["rows"] if r in cfg["warmRows"]]:
            try:
                put_latency(warming=True) if row == "putLatency" else work[row]()
            except Exception:  # noqa: BLE001 - the timed row reports what fails
                pass
        try:  # a listing of what the warm-up wrote, as child.mjs does
            if "list" in cfg["rows"]:
                fs().find(p(cfg["prefix"]))
        except Exception:  # noqa: BLE001 - the timed row reports what fails
            pass
        try:  # a small seeded tree removed, as child.mjs does
            if cfg.get("warmDelete"):
                fs().rm(p(cfg["warmDelete"]["prefix"]), recursive=True)
        except Exception:  # noqa: BLE001 - the timed row reports what fails
            pass
    # The rows whose peak RSS is shown run last, as in the Node contenders' processes.
    rss_rows = ("upload", "download")
    for row in [r for r in cfg["rows"] if r not in rss_rows] + [r for r in cfg["rows"] if r in rss_rows]:
        out = {"row": row}
        try:
            fs()
            if row in rss_rows:
                gc.collect()  # as the Node contenders do before the rows whose peak RSS is shown
            reset = reset_peak_rss()
            server0 = tree_cpu_seconds(cfg.get("serverPid"))
            c0 = time.process_time()
            t0 = time.perf_counter()
            ops, nbytes, *timed = work[row]()
            seconds = timed[0] if timed else time.perf_counter() - t0
            cpu = time.process_time() - c0
            server1 = tree_cpu_seconds(cfg.get("serverPid"))
            peak = peak_rss_mib()
            if row in ("download", "capped"):
                check_download()
            out.update(
                seconds=seconds,
                ops=ops,
                bytes=nbytes if nbytes is not None else ops * SMALL,
                cpuSeconds=cpu,
                peakRssMiB=peak,
                rssReset=reset,
            )
            if server0 is not None and server1 is not None:
                out["serverCpuSeconds"] = server1 - server0
        except ImportError as e:
            out["unavailable"] = f"not installed: {e}"
        except Exception as e:  # noqa: BLE001 - a failing row is reported, the others still run
            out["error"] = f"{type(e).__name__}: {e}".split("\n")[0][:300]
        print("RACE_ROW " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
