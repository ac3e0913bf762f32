"""What decides whether two computations can be bitwise equal: versions, the CPU or GPU, the threads.

TensorFlow 1.15's CPU matrix products run Eigen's contraction with oneDNN's
(MKL-DNN's) ``sgemm`` inside: Eigen picks its block sizes from the cache sizes
the CPU reports and from the number of threads, and oneDNN picks its JIT
kernel from the instruction sets the CPU has. The summation order of a matrix
product, and so its last bits, follow from those (docs/golden.md has the
measurement). So a computation is keyed on:

* the versions that change numbers: TensorFlow, numpy and the architecture
  (Python's version is recorded but does not change a bit: docs/golden.md);
* the ``cpu`` block: vendor, model name, family / model / stepping, the
  instruction-set flags TensorFlow and oneDNN dispatch on, and cache sizes;
  or on a GPU the ``gpu`` block: name, compute capability, CUDA, cuDNN, TF32;
* the number of threads in use;
* the environment variables that change kernels or devices (``ENV_VARS``).

:func:`describe` returns all of it as one JSON-ready block, which every run's
``config.json``, every golden snapshot and ``tf1gan env`` carry, and
:func:`bitwise_obstacles` says why two blocks can or cannot give equal bits.
"""

import os
import platform

import numpy

from tf1gan import __version__

# Instruction sets that TF 1.15's kernels (built for AVX) or oneDNN's JIT kernels (up to AVX-512,
# VNNI, BF16, AMX) dispatch on.
ISA_FLAGS = (
    "sse4_1",
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "f16c",
    "avx512f",
    "avx512dq",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx512_bf16",
    "amx_tile",
)
# Environment variables that change which kernels run, how many threads they use, or which device.
ENV_VARS = (
    "TF_DETERMINISTIC_OPS",
    "TF_CUDNN_DETERMINISTIC",
    "NVIDIA_TF32_OVERRIDE",
    "TF_OVERRIDE_GLOBAL_THREADPOOL",
    "CUDA_VISIBLE_DEVICES",
    "TENSORFLOW_USE_CUSTOM_CONTRACTION_KERNEL",
    "TF_ENABLE_ONEDNN_OPTS",
    "OMP_NUM_THREADS",
)
# What of each block decides the bits (everything else in it is recorded for people).
CPU_KEYS = ("vendor", "model_name", "family", "model", "stepping", "flags", "caches")
GPU_KEYS = ("name", "compute_capability", "cuda", "cudnn", "tf32")
VERSION_KEYS = ("tensorflow", "numpy", "machine")


def versions():
    """Versions of everything that decides what the graph computes (and Python's, for the record)."""
    from tf1gan.tfcompat import TF_VERSION

    return {
        "tf1gan": __version__,
        "python": platform.python_version(),
        "tensorflow": TF_VERSION,
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
    }


def _cpuinfo(path="/proc/cpuinfo"):
    """The first processor's fields of /proc/cpuinfo (empty where there is none)."""
    fields = {}
    try:
        with open(path) as f:
            for line in f:
                if not line.strip():
                    if fields:
                        break
                    continue
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    return fields


def _caches(root="/sys/devices/system/cpu/cpu0/cache"):
    """Cache sizes as the kernel reports them for CPU 0: {"L1d": "48K", "L1i": ..., "L2": ..., "L3": ...}."""
    caches = {}
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return caches
    for entry in entries:
        if not entry.startswith("index"):
            continue
        try:
            level, kind, size = (_read_text(os.path.join(root, entry, name)) for name in ("level", "type", "size"))
            caches["L%s%s" % (level, {"Data": "d", "Instruction": "i"}.get(kind, ""))] = size
        except OSError:
            continue
    return caches


def _read_text(path):
    with open(path) as f:
        return f.read().strip()


def cpu_block(cpuinfo=None, caches=None):
    """The CPU as far as it decides the bits (see the module docstring)."""
    info = _cpuinfo() if cpuinfo is None else cpuinfo
    flags = set(info.get("flags", "").split())
    return {
        "vendor": info.get("vendor_id", platform.processor() or "unknown"),
        "model_name": info.get("model name", "unknown"),
        "family": info.get("cpu family", ""),
        "model": info.get("model", ""),
        "stepping": info.get("stepping", ""),
        "flags": [f for f in ISA_FLAGS if f in flags],
        "caches": _caches() if caches is None else caches,
        "logical_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
    }


def gpu_block():
    """The first visible GPU as far as it decides the bits, or None when TensorFlow sees no GPU."""
    from tf1gan.tfcompat import gpu_devices

    gpus = gpu_devices()
    if not gpus:
        return None
    name, capability = gpus[0]
    try:
        from tensorflow.python.platform import build_info

        cuda = getattr(build_info, "cuda_version_number", None) or build_info.build_info.get("cuda_version")
        cudnn = getattr(build_info, "cudnn_version_number", None) or build_info.build_info.get("cudnn_version")
    except (ImportError, AttributeError):
        cuda = cudnn = None
    major = int(capability.split(".")[0]) if capability else 0
    # NVIDIA's TF1 builds use TF32 for float32 matrix products on Ampere (8.x) and later unless told not to.
    tf32 = major >= 8 and os.environ.get("NVIDIA_TF32_OVERRIDE") != "0"
    return {
        "name": name,
        "compute_capability": capability,
        "cuda": cuda or "unknown",
        "cudnn": cudnn or "unknown",
        "tf32": tf32,
        "count": len(gpus),
    }


def resolved_threads(threads):
    """The intra-op threads a session with ``threads`` uses (0: TensorFlow's choice, one per usable CPU)."""
    if threads:
        return int(threads)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def describe(threads=0, device="cpu"):
    """Everything that decides the bits of a computation on ``device`` with ``threads`` (0 = TF's choice)."""
    block = {
        "versions": versions(),
        "threads": resolved_threads(threads),
        "env": {k: os.environ[k] for k in ENV_VARS if k in os.environ},
    }
    gpu = gpu_block() if device == "gpu" else None
    if gpu:
        block["gpu"] = gpu
    else:
        block["cpu"] = cpu_block()
    return block


def check_block(block):
    """Raise ValueError naming the first part of a recorded block (from a file) that is not as :func:`describe` writes.

    Only what the comparisons read is checked: a block edited by hand into another shape is an error, not a crash.
    """
    for key in ("versions", "env"):
        if not isinstance(block.get(key), dict):
            raise ValueError("its %s is not an object" % key)
    for key, needed in (("cpu", CPU_KEYS[:5]), ("gpu", ("name", "compute_capability", "tf32"))):
        value = block.get(key)
        if value is not None and not isinstance(value, dict):
            raise ValueError("its %s is neither an object nor null" % key)
        missing = [k for k in needed if k not in value] if value else []
        if missing:
            raise ValueError("its %s has no %s" % (key, ", ".join(missing)))


def short_name(block):
    """One line naming the processor of a block: 'GenuineIntel Intel(R) Xeon(R) Processor (6/207/2)'."""
    if not block:
        return "not recorded"
    if block.get("gpu"):
        g = block["gpu"]
        return "%s (compute %s, TF32 %s)" % (g["name"], g["compute_capability"], "on" if g["tf32"] else "off")
    c = block.get("cpu")
    if not c:
        return "not recorded"
    return "%s %s (%s/%s/%s)" % (c["vendor"], c["model_name"], c["family"], c["model"], c["stepping"])


def bitwise_obstacles(a, b, versions_too=True):
    """Why computations described by blocks ``a`` and ``b`` can differ in their bits ([] if they cannot).

    Each reason is a short phrase such as ``other CPU: X vs Y`` or
    ``other TensorFlow: 1.15.5 vs 2.21.0``; the first names what matters most.
    """
    reasons = []
    if not a or not b:
        return ["CPU not recorded"]
    if versions_too:
        va, vb = a.get("versions", {}), b.get("versions", {})
        for key in VERSION_KEYS:
            if va.get(key) != vb.get(key):
                reasons.append(
                    "other %s: %s vs %s"
                    % ({"tensorflow": "TensorFlow", "machine": "architecture"}.get(key, key), va.get(key), vb.get(key))
                )
    if bool(a.get("gpu")) != bool(b.get("gpu")):
        reasons.append("other device: %s vs %s" % (short_name(a), short_name(b)))
    elif a.get("gpu"):
        if any(a["gpu"].get(k) != b["gpu"].get(k) for k in GPU_KEYS):
            reasons.append("other GPU: %s vs %s" % (short_name(a), short_name(b)))
    elif not a.get("cpu") or not b.get("cpu"):
        reasons.append("CPU not recorded")
    else:
        changed = [k for k in CPU_KEYS if a["cpu"].get(k) != b["cpu"].get(k)]
        if changed:
            same_model = not set(changed) & {"vendor", "model_name", "family", "model", "stepping"}
            reasons.append(
                "%s: %s vs %s"
                % (
                    "same CPU model, other " + " and ".join(changed) if same_model else "other CPU",
                    _cpu_detail(a["cpu"], changed) if same_model else short_name(a),
                    _cpu_detail(b["cpu"], changed) if same_model else short_name(b),
                )
            )
    if a.get("threads") != b.get("threads"):
        reasons.append("other thread count: %s vs %s" % (a.get("threads"), b.get("threads")))
    env_a, env_b = a.get("env", {}), b.get("env", {})
    for key in sorted(set(env_a) | set(env_b)):
        if key != "CUDA_VISIBLE_DEVICES" and env_a.get(key) != env_b.get(key):
            reasons.append("other %s: %s vs %s" % (key, env_a.get(key, "unset"), env_b.get(key, "unset")))
    return reasons


def _cpu_detail(cpu, keys):
    return ", ".join("%s %s" % (k, cpu.get(k)) for k in keys)


def format_block(block):
    """The block as readable lines, for ``tf1gan env``."""
    v = block["versions"]
    lines = [
        "tf1gan %s, TensorFlow %s, numpy %s, Python %s, %s"
        % (v["tf1gan"], v["tensorflow"], v["numpy"], v["python"], v["machine"]),
        "platform: %s" % v["platform"],
    ]
    if block.get("gpu"):
        g = block["gpu"]
        lines.append(
            "gpu: %s, compute capability %s, CUDA %s, cuDNN %s, TF32 %s (%d visible)"
            % (g["name"], g["compute_capability"], g["cuda"], g["cudnn"], "on" if g["tf32"] else "off", g["count"])
        )
    if block.get("cpu"):
        c = block["cpu"]
        lines.append("cpu: %s" % short_name(block))
        lines.append("     instruction sets: %s" % (" ".join(c["flags"]) or "none of " + " ".join(ISA_FLAGS)))
        lines.append(
            "     caches: %s; %s logical CPUs usable"
            % (", ".join("%s %s" % kv for kv in sorted(c["caches"].items())) or "unknown", c["logical_cpus"])
        )
    lines.append("threads: %d" % block["threads"])
    env = block.get("env", {})
    lines.append(
        "environment: %s"
        % (", ".join("%s=%s" % (k, env[k]) for k in ENV_VARS if k in env) or "none of " + ", ".join(ENV_VARS) + " set")
    )
    return "\n".join(lines)
