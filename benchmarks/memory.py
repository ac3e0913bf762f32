"""Memory: each guarded command's estimate against its measured peak RSS, at two sizes.

Every command runs in a process of its own (this script with ``--child``), in
which :func:`tf1gan.resources.check_fits` is wrapped to record, at each guard,
the bytes the guard checks and the process's resident memory at that moment
(VmRSS) and so far (VmHWM). A guard's estimate of the process's peak is what it
held then plus what the guard says comes on top: max(VmHWM, VmRSS + bytes);
the command's estimate is the largest over its guards. The parent reads the
child's measured peak RSS from ``os.wait4`` (ru_maxrss) and prints both and
their ratio, which must lie in [1, 1.5]: never below the peak, at most 1.5x.
The "guard MB" and "RSS at MB" columns are those of the guard whose sum is largest.

Commands (the data files are made up; nothing is downloaded):

* ``train --steps 4`` on mnist10k, the default model with hidden layers of N
  units each (two in G, two in D; the default has 256,512 and 512,256);
* ``sample --n N --out F.npy`` from a run trained for a few steps;
* ``evaluate --samples F.npy`` of N rows against mnist10k;
* ``data --fetch mnist --data-dir D``: a gzip'ed MNIST-layout set of N training
  images, its digests made known to the registry in the child;
* ``gzip bomb``: ``data --fetch fashion_mnist`` on a 1.5 MB train-images file
  whose IDX header declares 2,000,000 images (1.57 GB); its digests are unknown,
  so it is refused after a streaming pass, and no guard runs: the row shows its
  peak beside the process's resident memory before it read the file.

    python benchmarks/memory.py            # the sizes of docs/performance.md
    python benchmarks/memory.py --tiny     # what the tests run
"""

import argparse
import gzip
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

TINY_MODEL = ["--hidden", "16", "--z-dim", "8", "--batch-size", "16", "--threads", "1", "--monitor-every", "0"]
SIZES = {
    "full": {"train": (512, 4096), "sample": (30000, 300000), "evaluate": (10000, 100000), "data": (60000, 600000)},
    "tiny": {"train": (16, 64), "sample": (200, 3000), "evaluate": (200, 400), "data": (100, 1000)},
}
BOMB_IMAGES = 2000000


def status_kb(field):
    """A field of /proc/self/status in bytes (VmRSS, VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no %s in /proc/self/status" % field)


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (platform.processor() says only x86_64)."""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.machine()


def child(record_path, trust_dir, argv):
    """Run ``tf1gan argv`` in this process, recording every memory guard; return its exit code."""
    from tf1gan import cli, data, resources

    guards = []
    check_fits = resources.check_fits

    def recording(needed, what, *args, **kwargs):
        guards.append({"what": what, "bytes": needed, "rss": status_kb("VmRSS"), "hwm": status_kb("VmHWM")})
        return check_fits(needed, what, *args, **kwargs)

    resources.check_fits = recording
    if trust_dir:  # the made-up files' digests as the registry's, as the tests' registry_for does
        spec = data.DATASETS["mnist"]

        def known(old):
            h = hashlib.sha256()
            with open(os.path.join(trust_dir, old.name), "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            return data.FileSpec(old.name, ("sha256:" + h.hexdigest(),))

        data.DATASETS["mnist"] = spec._replace(
            **{k: known(getattr(spec, k)) for k in ("train_images", "train_labels", "test_images", "test_labels")}
        )
    start = status_kb("VmRSS")
    code = cli.main(argv)
    with open(record_path, "w") as f:
        json.dump({"guards": guards, "start": start, "code": code}, f)
    return code


def measure(argv, tmp, trust_dir=None):
    """(records of the child's guards, its peak RSS in bytes) for ``tf1gan argv``."""
    record = os.path.join(tmp, "record.json")
    cmd = [sys.executable, os.path.abspath(__file__), "--child", record, "--trust-dir", trust_dir or ""] + argv
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    doc = json.load(open(record))
    return doc, usage.ru_maxrss * 1024, os.WEXITSTATUS(status), err


def idx_gz(path, array_or_header, fill=None):
    """Write an IDX file, gzip'ed: an array, or a header followed by ``fill`` (bytes, n times) to stream."""
    with gzip.open(path, "wb", compresslevel=1) as f:
        if fill is None:
            arr = np.asarray(array_or_header)
            f.write(bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape))
            f.write(arr.tobytes())
        else:
            f.write(array_or_header)
            block, count = fill
            for _ in range(count):
                f.write(block)


def mnist_folder(folder, n):
    """A gzip'ed MNIST-layout file set of ``n`` training and ``n // 6`` test images (a cheap, compressible pattern)."""
    os.makedirs(folder, exist_ok=True)
    for prefix, count in (("train", n), ("t10k", max(1, n // 6))):
        pattern = (np.arange(count * 784, dtype=np.int64) * 7 % 251).astype(np.uint8).reshape(count, 28, 28)
        idx_gz(os.path.join(folder, prefix + "-images-idx3-ubyte.gz"), pattern)
        idx_gz(os.path.join(folder, prefix + "-labels-idx1-ubyte.gz"), (np.arange(count) % 10).astype(np.uint8))
    return folder


def bomb_folder(folder):
    """Fashion-MNIST names; train-images is a bomb declaring BOMB_IMAGES images, the rest are placeholders."""
    os.makedirs(folder, exist_ok=True)
    header = bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in (BOMB_IMAGES, 28, 28))
    idx_gz(os.path.join(folder, "train-images-idx3-ubyte.gz"), header, (bytes(10**6), BOMB_IMAGES * 784 // 10**6))
    for name in ("train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        open(os.path.join(folder, name), "wb").close()
    return folder


def samples_file(path, n):
    """A ``.npy`` of ``n`` uniform samples in [0, 1], written a chunk at a time."""
    rng = np.random.RandomState(0)
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (n, 784)})
        for i in range(0, n, 10000):
            f.write(rng.uniform(size=(min(10000, n - i), 784)).astype(np.float32).tobytes())
    return path


def row(name, size, doc, peak):
    """One line of the table; returns the ratio estimate / peak (None when no guard ran)."""
    mb = 1e6
    if not doc["guards"]:
        print(
            "  %-10s %9d  %10s  %10s  %10s  %10.0f  -  (no guard; %.0f MB at start)"
            % (name, size, "-", "-", "-", peak / mb, doc["start"] / mb)
        )
        return None
    estimate = max(max(g["hwm"], g["rss"] + g["bytes"]) for g in doc["guards"])
    guarded = max(doc["guards"], key=lambda g: g["rss"] + g["bytes"])
    ratio = estimate / float(peak)
    print(
        "  %-10s %9d  %10.0f  %10.0f  %10.0f  %10.0f  %.2f"
        % (name, size, guarded["bytes"] / mb, guarded["rss"] / mb, estimate / mb, peak / mb, ratio)
    )
    return ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="small sizes and a tiny model (what the tests run)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--trust-dir", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        sys.exit(child(args.child, args.trust_dir, rest))
    sizes = SIZES["tiny" if args.tiny else "full"]
    print(
        "machine: %s, %d CPUs, %.0f GB; python %s"
        % (
            cpu_model(),
            os.cpu_count(),
            os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 1e9,
            platform.python_version(),
        )
    )
    print(
        "  %-10s %9s  %10s  %10s  %10s  %10s  %s"
        % ("command", "size", "guard MB", "RSS at MB", "estimate MB", "peak MB", "estimate/peak")
    )
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        run = os.path.join(tmp, "run")
        model = TINY_MODEL if args.tiny else ["--threads", "2", "--monitor-every", "0"]
        code = subprocess.call(
            [sys.executable, "-m", "tf1gan", "train", "--out", run, "--steps", "4", "--checkpoint-every", "4"] + model,
            stdout=subprocess.DEVNULL,
        )
        assert code == 0, "training the run to sample from failed"
        cases = []
        for n in sizes["train"]:
            widths = ["--hidden", "%d,%d" % (n, n), "--d-hidden", "%d,%d" % (n, n)]
            argv = ["train", "--out", os.path.join(tmp, "t%d" % n), "--steps", "4", "--checkpoint-every", "4"]
            cases.append(("train", n, argv + model + widths, None))
        for n in sizes["sample"]:
            cases.append(
                ("sample", n, ["sample", "--run", run, "--n", str(n), "--out", os.path.join(tmp, "s%d.npy" % n)], None)
            )
        for n in sizes["evaluate"]:
            path = samples_file(os.path.join(tmp, "e%d.npy" % n), n)
            cases.append(("evaluate", n, ["evaluate", "--samples", path, "--dataset", "mnist10k"], None))
        for n in sizes["data"]:
            folder = mnist_folder(os.path.join(tmp, "mnist%d" % n), n)
            cases.append(("data", n, ["data", "--fetch", "mnist", "--data-dir", folder], folder))
        if not args.tiny:
            folder = bomb_folder(os.path.join(tmp, "bomb"))
            cases.append(("gzip bomb", BOMB_IMAGES, ["data", "--fetch", "fashion_mnist", "--data-dir", folder], None))
        for name, n, argv, trust in cases:
            doc, peak, code, err = measure(argv, tmp, trust)
            expected = 3 if name == "gzip bomb" else 0
            assert code == expected, "%s exited %d: %s" % (" ".join(argv), code, err)
            ratios.append(row(name, n, doc, peak))
    within = [r for r in ratios if r is not None]
    print(
        "every estimate within [1, 1.5] of its peak: %s (%.2f to %.2f)"
        % (all(1 <= r <= 1.5 for r in within), min(within), max(within))
    )


if __name__ == "__main__":
    main()
