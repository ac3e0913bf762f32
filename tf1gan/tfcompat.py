"""The one place that imports TensorFlow; everything else does ``from tf1gan.tfcompat import tf``.

``tf`` is ``tensorflow.compat.v1`` with v2 behaviour switched off. On TensorFlow
1.15 that is the TF1 API itself (minus the deprecation notices the top-level
module prints on every use); on TensorFlow 2.x it is the same API kept for
graph-mode code, so placeholders, ``tf.Session`` and ``tf.train.Saver`` run
unchanged on both.
"""

import contextlib
import os
import re
import sys
import tempfile
import warnings

from tf1gan import signals
from tf1gan.errors import Tf1ganError

# TensorFlow's C++ start-up chatter (CPU features, XLA service) drowns the
# progress output; errors still come through.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Without this, the CPU kernels of every session in a process share one thread
# pool sized by the *first* session's config, so a later session's thread
# setting (and with it the float summation order) silently depends on what ran
# before it. With it, each session's device keeps the pool its config asks for.
os.environ.setdefault("TF_OVERRIDE_GLOBAL_THREADPOOL", "1")
# Listing the GPUs (gpu_devices) creates TensorFlow's GPU devices, and without
# this each would take nearly all of its GPU's memory before any session's
# allow_growth could apply.
os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")

# Lines TensorFlow 2 writes to stderr on import whatever TF_CPP_MIN_LOG_LEVEL says.
_IMPORT_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog|"
    r"^I\d{4} .*(oneDNN custom operations|cpu_feature_guard)|"
    r"To enable the following instructions|rebuild TensorFlow with the appropriate"
)


@contextlib.contextmanager
def stderr_filtered(noise=None):
    """Capture file descriptor 2 (TensorFlow's C++ log) for the block; pass on the lines ``noise`` does not match.

    ``noise`` None drops every line: for a block whose failures are expected and reported otherwise.
    """
    with tempfile.TemporaryFile() as captured:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode("utf-8", "replace").splitlines():
                if noise is not None and line.strip() and not noise.search(line):
                    sys.stderr.write(line + "\n")


def _import_tensorflow():
    """Import TensorFlow with its start-up notices filtered out of stderr (everything else is kept)."""
    with stderr_filtered(_IMPORT_NOISE), warnings.catch_warnings():
        # TF 1.15 imports numpy aliases that numpy 1.18 marks deprecated.
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        import tensorflow
    return tensorflow


try:
    _tf = _import_tensorflow()
except ImportError as e:  # pragma: no cover - depends on the environment
    raise Tf1ganError(
        "TensorFlow is not installed here (%s); install tensorflow==1.15.5 "
        "(make install does) or TensorFlow 2 for the compat.v1 path" % e
    )
signals.check()  # TensorFlow's import swallows a KeyboardInterrupt: stop here for a signal that came during it

TF_VERSION = _tf.__version__
IS_TF2 = not TF_VERSION.startswith("1.")

tf = _tf.compat.v1
tf.logging.set_verbosity(tf.logging.ERROR)
tf.disable_v2_behavior()


def session_config(threads=0, device="cpu"):
    """A ``tf.ConfigProto`` for this run's thread count and device choice.

    ``threads`` 0 lets TensorFlow pick; any other value fixes both thread pools,
    which also fixes the order of parallel float reductions between runs. The
    pools are the session's own (see TF_OVERRIDE_GLOBAL_THREADPOOL above).
    On ``cpu`` the GPU devices are hidden so nothing is placed there silently.
    """
    cfg = tf.ConfigProto(
        intra_op_parallelism_threads=threads,
        inter_op_parallelism_threads=threads,
        use_per_session_threads=threads > 0,
        allow_soft_placement=True,
    )
    if device == "cpu":
        cfg.device_count["GPU"] = 0
    else:
        cfg.gpu_options.allow_growth = True
    return cfg


def gpu_devices():
    """(name, compute capability) of each GPU TensorFlow can see (empty on a CPU-only build or machine)."""
    from tensorflow.python.client import device_lib

    found = []
    for d in device_lib.list_local_devices():
        if d.device_type == "GPU":
            # physical_device_desc: "device: 0, name: NVIDIA A100-SXM4-40GB, pci bus id: ..., compute capability: 8.0"
            desc = dict(part.split(": ", 1) for part in d.physical_device_desc.split(", ") if ": " in part)
            found.append((desc.get("name", d.name), desc.get("compute capability", "")))
    return found
