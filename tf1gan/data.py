"""Data: the IDX reader, the data-set registry with checksums, where the files are found, and batch order.

Fetching a missing file over the network is :mod:`tf1gan.download`'s job.

Images are kept as uint8 ``[N, 784]`` arrays; scaling to [0, 1] happens where a
batch is made (``to_unit``) or inside the graph. Every file is checked against
known digests before use, so a corrupt or substituted file is an error, never
silently different training data.
"""

import collections
import gzip
import hashlib
import io
import os
import struct
import zlib

import numpy as np

from tf1gan import download, resources
from tf1gan.errors import DataError

IMAGE_SIZE = 28
PIXELS = IMAGE_SIZE * IMAGE_SIZE
IMAGES_MAGIC, LABELS_MAGIC = 0x00000803, 0x00000801  # unsigned bytes, 3 and 1 dimensions

# IDX type codes (third byte of the magic number) and their big-endian dtypes.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

FileSpec = collections.namedtuple("FileSpec", "name digests")
FileSpec.__doc__ = """One published file. ``digests`` are ``"algo:hex"`` strings of the
file as published; ``"content-algo:hex"`` ones are of its decompressed IDX bytes,
which also match a copy that was re-compressed or stored uncompressed."""

DatasetSpec = collections.namedtuple(
    "DatasetSpec", "name title classes train_images train_labels test_images test_labels mirrors system_dirs license"
)

Split = collections.namedtuple("Split", "images labels")
Dataset = collections.namedtuple("Dataset", "name title classes train valid test source")
Dataset.__doc__ = """A loaded data set: uint8 images [N, 784] and int64 labels per split,
``source`` the folder the files were read from."""

MNIST_CLASSES = tuple(str(i) for i in range(10))
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

PACKAGE_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "datasets")

DATASETS = collections.OrderedDict(
    (spec.name, spec)
    for spec in [
        DatasetSpec(
            name="mnist10k",
            title="MNIST, first 10,000 training digits (embedded)",
            classes=MNIST_CLASSES,
            train_images=FileSpec(
                "train-images-idx3-ubyte.gz",
                ("sha256:ff901791324ade9aa5b76513f70a3583e215de60a89fb22f39100c2b3af958b7",),
            ),
            train_labels=FileSpec(
                "train-labels-idx1-ubyte.gz",
                ("sha256:4af291776a4c145da4194a24b303281cfc1edd47542ac4f656f921fa9802b991",),
            ),
            test_images=None,
            test_labels=None,
            mirrors=(),
            system_dirs=(os.path.join(PACKAGE_DATA, "mnist10k"),),
            license="CC BY-SA 3.0, Yann LeCun and Corinna Cortes",
        ),
        DatasetSpec(
            name="mnist",
            title="MNIST (60,000 + 10,000 digits)",
            classes=MNIST_CLASSES,
            # md5 sums as published with MNIST and checked by every major loader.
            train_images=FileSpec("train-images-idx3-ubyte.gz", ("md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",)),
            train_labels=FileSpec("train-labels-idx1-ubyte.gz", ("md5:d53e105ee54ea40749a09fcbcd1e9432",)),
            test_images=FileSpec("t10k-images-idx3-ubyte.gz", ("md5:9fb629c4189551a2d022fa330f9573f3",)),
            test_labels=FileSpec("t10k-labels-idx1-ubyte.gz", ("md5:ec29112dd5afa0611ce80d1b7f02629c",)),
            # The TF 1.x tutorial's own mirror first, then PyTorch's.
            mirrors=(
                "https://storage.googleapis.com/cvdf-datasets/mnist/",
                "https://ossci-datasets.s3.amazonaws.com/mnist/",
            ),
            system_dirs=(),
            license="CC BY-SA 3.0, Yann LeCun and Corinna Cortes",
        ),
        DatasetSpec(
            name="fashion_mnist",
            title="Fashion-MNIST (60,000 + 10,000 images)",
            classes=FASHION_CLASSES,
            # md5 of the files Zalando publishes; content sha256 measured on Debian's
            # dataset-fashion-mnist 0.0~git20200523.55506a9-1, which re-compresses them.
            train_images=FileSpec(
                "train-images-idx3-ubyte.gz",
                (
                    "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                    "content-sha256:c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                ),
            ),
            train_labels=FileSpec(
                "train-labels-idx1-ubyte.gz",
                (
                    "md5:25c81989df183df01b3e8a0aad5dffbe",
                    "content-sha256:bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                ),
            ),
            test_images=FileSpec(
                "t10k-images-idx3-ubyte.gz",
                (
                    "md5:bef4ecab320f06d8554ea6380940ec79",
                    "content-sha256:5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                ),
            ),
            test_labels=FileSpec(
                "t10k-labels-idx1-ubyte.gz",
                (
                    "md5:bb300cfdad3c16e7a12a480ee83cd310",
                    "content-sha256:0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
                ),
            ),
            mirrors=("https://storage.googleapis.com/tensorflow/tf-keras-datasets/",),
            system_dirs=("/usr/share/datasets/fashion-mnist",),
            license="MIT, Zalando SE",
        ),
    ]
)

# mnist10k has no test file: it is split once, by a fixed permutation, into
# these held-out parts; the rest is for training.
_MNIST10K_SPLIT_SEED = 20140610
_MNIST10K_HELD_OUT = 1000
# Like the TF tutorial's input_data: the first 5,000 training images are validation.
_VALIDATION_SIZE = 5000


def _fail(path, what):
    raise DataError("%s: %s" % (path, what))


# Bytes read, inflated and hashed at a time: what reading a data file holds beyond the array it fills.
BLOCK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"


def idx_memory(data_bytes):
    """Bytes :func:`stream_idx` allocates for IDX data of ``data_bytes``: the array, a block, gzip's buffers."""
    return data_bytes + 3 * BLOCK


def _hashes():
    return {"md5": hashlib.md5(), "sha256": hashlib.sha256()}


def _update(hashes, block):
    for h in hashes.values():
        h.update(block)


def _digests(hashes, prefix=""):
    return {prefix + name + ":" + h.hexdigest() for name, h in hashes.items()}


def file_digests(f):
    """``"algo:hex"`` digests of the bytes of binary file ``f``, read :data:`BLOCK` bytes at a time."""
    hashes = _hashes()
    f.seek(0)
    for block in iter(lambda: f.read(BLOCK), b""):
        _update(hashes, block)
    return _digests(hashes)


def _header(head, path, magic):
    """(dimensions, dtype) of the IDX header ``head`` (magic, type code, dimension count, dimensions), checked."""
    if len(head) < 4:
        _fail(path, "too short for an IDX header (%d bytes)" % len(head))
    if head[:2] != b"\x00\x00" or head[2] not in _IDX_DTYPES or head[3] == 0:
        _fail(path, "not an IDX file (magic number 0x%s)" % head[:4].hex())
    if magic is not None and struct.unpack(">I", head[:4])[0] != magic:
        _fail(path, "wrong magic number 0x%s, expected 0x%08x" % (head[:4].hex(), magic))
    if len(head) < 4 + 4 * head[3]:
        _fail(path, "header declares %d dimensions but the file ends after %d bytes" % (head[3], len(head)))
    return struct.unpack(">%dI" % head[3], head[4:]), np.dtype(_IDX_DTYPES[head[2]])


def stream_idx(f, path="<bytes>", magic=None, keep=True):
    """Read the IDX data of binary file ``f``, gzip-compressed or raw, a block at a time.

    Returns (the array of the declared shape, or None unless ``keep``; the
    ``"content-algo:hex"`` digests of the IDX bytes). Checks the magic number
    (against ``magic`` too, when given: 0x803 for MNIST images, 0x801 for
    labels), the type code, and that the data is exactly as long as the
    dimensions say. Nothing is inflated past the size the header declares, and
    only the array is allocated, after :func:`resources.check_fits` accepted it:
    a gzip bomb or a header declaring terabytes is a one-line :class:`DataError`.
    """
    f.seek(0)
    gzipped = f.read(2) == _GZIP_MAGIC
    f.seek(0)
    src = gzip.GzipFile(fileobj=f, mode="rb") if gzipped else f
    hashes = _hashes()
    try:
        head = src.read(4)
        head += src.read(4 * head[3]) if len(head) == 4 else b""
        dims, dtype = _header(head, path, magic)
        count = 1
        for d in dims:
            count *= d
        size = count * dtype.itemsize
        if not gzipped:  # a raw file's length is known before anything is read
            found = f.seek(0, io.SEEK_END) - len(head)
            f.seek(len(head))
            if found != size:
                _fail(path, "dimensions %s need %d bytes of data, found %d" % ("x".join(map(str, dims)), size, found))
        if keep:
            what = "%s (its IDX header declares %d bytes)" % (path, len(head) + size)
            resources.check_fits(idx_memory(size), what, DataError)
        out = np.empty(size, np.uint8) if keep else None
        _update(hashes, head)
        got = 0
        while True:
            block = src.read(min(BLOCK, size + 1 - got))  # one byte past the declared size shows a longer file
            if not block:
                break
            if got + len(block) > size:
                _fail(path, "decompresses to more than the %d bytes its IDX header declares" % (len(head) + size))
            _update(hashes, block)
            if keep:
                out[got : got + len(block)] = np.frombuffer(block, np.uint8)
            got += len(block)
    except (OSError, EOFError, zlib.error) as e:
        _fail(
            path,
            ("corrupt or truncated gzip data (%s)" if gzipped else "cannot read (%s)") % (str(e) or type(e).__name__),
        )
    if got != size:
        _fail(path, "dimensions %s need %d bytes of data, found %d" % ("x".join(map(str, dims)), size, got))
    return (out.view(dtype).reshape(dims) if keep else None), _digests(hashes, "content-")


def read_idx(path):
    """Read an IDX file, gzip-compressed or raw, into a numpy array."""
    with _open(path) as f:
        return stream_idx(f, path)[0]


def _open(path):
    """``path`` opened for binary reading; a file larger than any data file tf1gan knows is refused unread."""
    try:
        f = open(path, "rb")
    except OSError as e:
        _fail(path, "cannot read (%s)" % (e.strerror or e))
    size = os.fstat(f.fileno()).st_size
    if size > download.MAX_BYTES:  # a 100 GB file is an error before a byte of it is read, not a MemoryError
        f.close()
        _fail(path, _too_large(size))
    return f


def _too_large(size):
    return "is %s, larger than any data file tf1gan knows (at most %s)" % (
        resources.format_size(size),
        resources.format_size(download.MAX_BYTES),
    )


def verify(f, spec, label, magic=None):
    """Check binary file ``f`` against ``spec``'s digests; return the IDX array it holds.

    A digest of the file as published or of its decompressed content must match;
    then the IDX structure is checked. Errors name ``label`` (a path or URL).
    Each pass streams: the file is hashed, then read into the array.
    """
    size = f.seek(0, io.SEEK_END)
    if size > download.MAX_BYTES:  # before reading any of it: hashing 100 GB would take minutes
        _fail(label, _too_large(size))
    known = set(spec.digests)
    digests = file_digests(f)
    if known & digests:
        return stream_idx(f, label, magic)[0]
    # A file that is not the published one is never decompressed into memory; when a digest of the content is
    # known (a re-compressed copy), the content is hashed as it streams by, and read only if it matches.
    if any(d.startswith("content-") for d in known) and known & stream_idx(f, label, magic, keep=False)[1]:
        return stream_idx(f, label, magic)[0]
    sha256 = [d for d in digests if d.startswith("sha256:")][0][len("sha256:") :]
    _fail(label, "checksum mismatch: sha256 %s is none of the known digests (%s)" % (sha256, ", ".join(sorted(known))))


def verified_idx(path, spec, magic=None):
    """Read ``path`` as the published file ``spec``: checksum first, then IDX checks."""
    with _open(path) as f:
        return verify(f, spec, path, magic)


def _candidates(folder, spec):
    """The published name and its uncompressed twin inside ``folder``."""
    names = [spec.name] + ([spec.name[:-3]] if spec.name.endswith(".gz") else [])
    return [os.path.join(folder, n) for n in names]


def _find(folder, spec):
    for path in _candidates(folder, spec):
        if os.path.isfile(path):
            return path
    return None


def _file_specs(ds):
    return [s for s in (ds.train_images, ds.train_labels, ds.test_images, ds.test_labels) if s]


def locate(ds, data_dir, fetch):
    """Folder holding every file of ``ds``: ``data_dir``, a system folder, the cache, or a download
    (:mod:`tf1gan.download`; only when ``fetch``)."""
    specs = _file_specs(ds)
    if data_dir is not None:
        missing = [s.name for s in specs if _find(data_dir, s) is None]
        if missing:
            raise DataError("%s: no %s here (looked for %s)" % (data_dir, ds.name, ", ".join(missing)))
        return data_dir
    for folder in ds.system_dirs:
        if all(_find(folder, s) for s in specs):
            return folder
    cache = os.path.join(download.cache_root(), ds.name)
    missing = [s for s in specs if _find(cache, s) is None]
    if missing and not fetch:
        raise DataError(
            "%s is not on this machine (no --data-dir, not in %s) and downloading is off" % (ds.name, cache)
        )
    for spec in missing:
        try:
            download.fetch(
                spec.name,
                download.mirrors(ds.mirrors),
                cache,
                lambda raw, url, spec=spec: verify(io.BytesIO(raw), spec, url),
            )
        except DataError as e:
            raise DataError("%s: %s" % (ds.name, e))
    return cache


def _images_and_labels(folder, images_spec, labels_spec):
    images_path, labels_path = _find(folder, images_spec), _find(folder, labels_spec)
    images = verified_idx(images_path, images_spec, IMAGES_MAGIC)
    labels = verified_idx(labels_path, labels_spec, LABELS_MAGIC)
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or images.dtype != np.uint8:
        _fail(
            images_path,
            "expected uint8 images of 28x28, found %s %s" % (images.dtype, "x".join(map(str, images.shape))),
        )
    if labels.ndim != 1:
        _fail(labels_path, "expected a 1-dimensional label file, found %d dimensions" % labels.ndim)
    if len(labels) != len(images):
        _fail(labels_path, "%d labels for %d images in %s" % (len(labels), len(images), images_path))
    resources.check_fits(labels.size * 8, "%s as int64 labels" % labels_path, DataError)
    return images.reshape(-1, PIXELS), labels.astype(np.int64)


def dataset_names():
    """Names of the registered data sets."""
    return list(DATASETS)


def load(name, data_dir=None, fetch=True):
    """Load a registered data set, verified, split into train / valid / test.

    ``mnist10k`` (embedded) is split by a fixed permutation into 8,000 / 1,000 /
    1,000; the others keep the TF tutorial's split: the first 5,000 training
    images are validation, the rest training, and the published test set is test.
    """
    if name not in DATASETS:
        raise DataError("unknown data set %r; choose one of %s" % (name, ", ".join(DATASETS)))
    ds = DATASETS[name]
    folder = locate(ds, data_dir, fetch)
    x, y = _images_and_labels(folder, ds.train_images, ds.train_labels)
    if ds.test_images is None:
        order = np.random.RandomState(_MNIST10K_SPLIT_SEED).permutation(len(x))
        test, valid, train = np.split(order, [_MNIST10K_HELD_OUT, 2 * _MNIST10K_HELD_OUT])
        parts = [Split(x[i], y[i]) for i in (train, valid, test)]
    else:
        tx, ty = _images_and_labels(folder, ds.test_images, ds.test_labels)
        parts = [
            Split(x[_VALIDATION_SIZE:], y[_VALIDATION_SIZE:]),
            Split(x[:_VALIDATION_SIZE], y[:_VALIDATION_SIZE]),
            Split(tx, ty),
        ]
    return Dataset(ds.name, ds.title, ds.classes, parts[0], parts[1], parts[2], folder)


def to_unit(images):
    """uint8 pixels as float32 in [0, 1], the article's scaling."""
    return images.astype(np.float32) / np.float32(255.0)


class BatchOrder(object):
    """Which training images form batch number ``b``: reshuffled every epoch.

    The order of epoch ``e`` comes from ``numpy.random.RandomState([seed, e])``,
    owned by the run and never the global generator, so any batch can be found
    again from the run's seed and the batch number alone; that is what makes a
    resumed run see exactly the data an uninterrupted one would.
    """

    def __init__(self, n, batch_size, seed):
        if batch_size > n:
            raise DataError("batch size %d is larger than the %d training images" % (batch_size, n))
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.per_epoch = n // batch_size  # the short last batch of an epoch is dropped
        self._epoch, self._order = None, None

    def indices(self, b):
        """int32 indices of the images in batch ``b`` (0-based, counted over all epochs)."""
        epoch, pos = divmod(b, self.per_epoch)
        if epoch != self._epoch:
            self._epoch = epoch
            self._order = np.random.RandomState([self.seed, epoch]).permutation(self.n).astype(np.int32)
        return self._order[pos * self.batch_size : (pos + 1) * self.batch_size]
