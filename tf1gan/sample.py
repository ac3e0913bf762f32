"""Samples from a trained run: a generator-only graph restored from a checkpoint.

The generator is rebuilt with :func:`tf1gan.model.generator` (the same code the
training graph uses) and restored with the weights samples come from: the moving
average when the run keeps one, else the live weights.
"""

import io
import os
import tokenize

import numpy as np

from tf1gan import convnets, data, model, owned, plots, resources, runs
from tf1gan.errors import RunError, first_line
from tf1gan.fileio import atomic_file
from tf1gan.tfcompat import session_config, tf

# Samples drawn, generated and written at a time: the generator's batch, so that every image comes from
# the same batch it always did.
CHUNK = 1000


class Generator(object):
    """A restored generator in its own graph and session: ``Z`` in, images in [0, 1] out."""

    def __init__(self, run_path, checkpoint=None):
        folder = runs.RunFolder(run_path)
        self.config = folder.read_config()
        self.checkpoint = folder.checkpoint(checkpoint)
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.Z = tf.placeholder(tf.float32, [None, self.config.z_dim], name="Z")
            # inference mode (the generator's default): each sample depends on its own noise alone; NHWC, which
            # every device runs (the weights are the same in either layout)
            logits = model.generator(self.Z, self.config.replace(data_format="NHWC"))
            self.images = tf.identity(model.to_pixels(logits, self.config), name="images")
            names = model.sampling_checkpoint_names(self.config, tf.global_variables())
            runs.check_checkpoint(self.checkpoint.prefix, {n: v.shape.as_list() for n, v in names.items()})
            saver = tf.train.Saver(var_list=names)
        self.sess = tf.Session(graph=self.graph, config=session_config(self.config.threads, "cpu"))
        try:
            folder.restore(saver, self.sess, self.checkpoint)
        except RunError:
            self.sess.close()
            raise

    def sample(self, z, batch_size=CHUNK):
        """Images [N, 784] in [0, 1] for noise ``z`` [N, z_dim]."""
        return np.concatenate(
            [self.sess.run(self.images, {self.Z: z[i : i + batch_size]}) for i in range(0, len(z), batch_size)]
        )

    def noise(self, n, seed):
        """``n`` noise vectors of the run's distribution from ``numpy.random.RandomState(seed)``."""
        return model.noise_batch(self.config, n, np.random.RandomState(seed))

    def close(self):
        """Release the session."""
        self.sess.close()


def load_samples(path):
    """Samples from a ``.npy`` file, checked: float [N, 784] with values in [0, 1]; no pickles.

    The header is read and checked first (shape, type, and that the file really
    holds that much data), so a file declaring a huge array is an error, not an
    allocation. The samples are mapped, not read into memory, and their values
    checked :data:`CHUNK` rows at a time; returns the (read-only) mapping.
    """
    try:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = (
                np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read_header(f)
            offset = f.tell()
            size = os.fstat(f.fileno()).st_size
    except (OSError, ValueError, SyntaxError, tokenize.TokenError) as e:  # numpy parses the header as Python
        hint = " (a .npz archive: save the samples with numpy.save as .npy)" if str(path).endswith(".npz") else ""
        raise RunError("%s: not a readable .npy file of samples%s (%s)" % (path, hint, first_line(e)))
    if len(shape) != 2 or shape[1] != data.PIXELS or dtype.kind != "f" or shape[0] == 0:
        raise RunError("%s: expected float samples of shape [N, 784], found %s %s" % (path, dtype, list(shape)))
    if size - offset != shape[0] * shape[1] * dtype.itemsize:
        raise RunError(
            "%s: the header declares %s values but the file holds %d bytes of data"
            % (path, "x".join(map(str, shape)), size - offset)
        )
    x = np.load(path, mmap_mode="r", allow_pickle=False)
    for i in range(0, len(x), CHUNK):
        rows = x[i : i + CHUNK]
        if not (np.isfinite(rows).all() and rows.min() >= 0 and rows.max() <= 1):
            raise RunError("%s: sample values must be finite and in [0, 1]" % path)
    return x


def check_sample_count(n, z_dim):
    """Raise a :class:`ConfigError` when ``n`` samples (and their noise) cannot fit in memory."""
    resources.check_fits(4 * n * (data.PIXELS + z_dim), "--n %d samples" % n)


def draw(run_path, n, seed=0, checkpoint=None):
    """``n`` samples [n, 784] in [0, 1] of a run, from noise seeded by ``seed``; returns (images, run config)."""
    if n < 1:
        raise RunError("the number of samples must be at least 1, got %d" % n)
    gen = Generator(run_path, checkpoint)
    try:
        check_sample_count(n, gen.config.z_dim)
        return gen.sample(gen.noise(n, seed)), gen.config
    finally:
        gen.close()


def write_samples(run_path, n, out, seed=0, checkpoint=None, force=False):
    """Write ``n`` samples to ``out``: a float32 ``.npy`` [n, 784] in [0, 1], or a grid for ``.png``.

    An existing file is refused (before any work) unless ``force``. A ``.npy``
    is written :data:`CHUNK` samples at a time, so its size is bounded by the
    disk, not the memory; the noise is drawn chunk by chunk from the same
    ``RandomState(seed)`` stream, so the file is the one :func:`draw` would give.
    Returns (the path written, the number of samples).
    """
    if not out.lower().endswith(".png") and not out.endswith(".npy"):
        out += ".npy"
    owned.check_new_file(out, force)
    if out.lower().endswith(".png"):
        images, _ = draw(run_path, n, seed, checkpoint)
        plots.save_grid(images, out)
        return out, n
    if n < 1:
        raise RunError("the number of samples must be at least 1, got %d" % n)
    gen = Generator(run_path, checkpoint)
    try:
        resources.check_fits(write_memory(gen.config), "writing --n %d samples" % n)
        header = io.BytesIO()
        descr = np.lib.format.dtype_to_descr(np.dtype(np.float32))
        np.lib.format.write_array_header_1_0(
            header, {"descr": descr, "fortran_order": False, "shape": (n, data.PIXELS)}
        )
        resources.check_disk(len(header.getvalue()) + 4 * n * data.PIXELS, out, "--n %d samples" % n)
        rng = np.random.RandomState(seed)
        with atomic_file(out) as f:
            f.write(header.getvalue())
            for i in range(0, n, CHUNK):
                z = model.noise_batch(gen.config, min(CHUNK, n - i), rng)
                f.write(gen.sample(z, CHUNK).astype(np.float32, copy=False).tobytes())
    finally:
        gen.close()
    return out, n


def write_memory(config):
    """Bytes :func:`write_samples` allocates beyond what the restored generator holds: one chunk's noise
    (float64, then float32), the generator's activations, its images, their concatenation and their bytes."""
    units = convnets.sizes(config)[2] if config.net == "conv" else sum(config.g_hidden)  # conv: D's too
    floats = CHUNK * (3 * config.z_dim + 2 * units + 3 * data.PIXELS)
    return 4 * floats + resources.SESSION_RUN
