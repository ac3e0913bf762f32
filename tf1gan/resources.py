"""Memory and disk bounds: every size a user can ask for is checked against what the machine has before it is used.

A request that cannot fit (``--z-dim 1000000000``, ``sample --n 1000000000``, a
``.npy`` or IDX header declaring a huge shape) becomes a one-line error
instead of a MemoryError after minutes, or a machine that swaps.
"""

import os
import shutil

from tf1gan.errors import ConfigError

# Leave a margin for TensorFlow, Python and what the estimate does not count.
USABLE_SHARE = 0.8

# What TensorFlow's runtime (its allocator's caches, thread pools) holds once a graph has run, beyond the
# tensors an estimate counts; measured against the peak RSS with benchmarks/memory.py. Every estimate of a
# command that runs TensorFlow includes it.
SESSION_RUN = 64 * 1000 * 1000


def available_memory():
    """Bytes of memory available to a new allocation (MemAvailable of /proc/meminfo), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def format_size(n):
    """``n`` bytes in the largest decimal unit that keeps the number under 1000: "512 bytes", "15.4 TB"."""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        text = ("%.0f %s" if unit == "bytes" else "%.1f %s") % (n, unit)
        if float(text.split()[0]) < 1000:  # 999.97 GB prints as 1.0 TB, not as 1000.0 GB
            return text
        n /= 1000.0
    return "%.1f PB" % n


def check_fits(needed, what, error=ConfigError):
    """Raise ``error`` when ``needed`` bytes for ``what`` exceed the usable share of the available memory."""
    available = available_memory()
    if available is not None and needed > USABLE_SHARE * available:
        raise error(
            "%s needs about %s of memory; this machine has %s available"
            % (what, format_size(needed), format_size(available))
        )


def check_disk(needed, path, what, error=ConfigError):
    """Raise ``error`` when ``needed`` bytes for ``what`` exceed the free space of the file system holding ``path``."""
    try:
        free = shutil.disk_usage(os.path.dirname(os.path.realpath(path))).free
    except OSError:
        return  # an unwritable or missing folder is the writer's error to report
    if needed > free:
        raise error(
            "%s needs about %s of disk space; %s has %s free" % (what, format_size(needed), path, format_size(free))
        )
