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


def decompress(raw, path, magic=None):
    """``raw`` itself, or its gunzipped bytes when it starts with the gzip magic.

    Never more than the IDX header at the start of the data declares (and never
    more than fits in memory): a gzip bomb stops a byte past that size instead
    of filling the memory. ``magic``, when given, is checked first (see :func:`parse_idx`).
    """
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as f:  # decompresses only as much as is read
            head = f.read(4)
            head += f.read(4 * head[3]) if len(head) == 4 else b""
            limit = _declared_size(head, path, magic)
            content = head + f.read(limit - len(head) + 1)
    except (OSError, EOFError, zlib.error) as e:
        _fail(path, "corrupt or truncated gzip data (%s)" % (str(e) or type(e).__name__))
    if len(content) > limit:
        _fail(path, "decompresses to more than the %d bytes its IDX header declares" % limit)
    return content


def _declared_size(head, path, magic):
    """Total bytes of the IDX data whose header is ``head``, checked to fit in memory."""
    if len(head) < 4 or head[:2] != b"\x00\x00" or head[2] not in _IDX_DTYPES or head[3] == 0:
        _fail(path, "not an IDX file (magic number 0x%s)" % head[:4].hex())
    if magic is not None and struct.unpack(">I", head[:4])[0] != magic:
        _fail(path, "wrong magic number 0x%s, expected 0x%08x" % (head[:4].hex(), magic))
    if len(head) < 4 + 4 * head[3]:
        _fail(path, "header declares %d dimensions but the data ends after %d bytes" % (head[3], len(head)))
    count = 1
    for d in struct.unpack(">%dI" % head[3], head[4:]):
        count *= d
    size = len(head) + count * np.dtype(_IDX_DTYPES[head[2]]).itemsize
    resources.check_fits(size, "%s (its IDX header declares %d bytes)" % (path, size), DataError)
    return size


def parse_idx(raw, path="<bytes>", magic=None):
    """Parse IDX bytes (already decompressed) into an array of the declared shape.

    Checks the magic number (against ``magic`` too, when given: 0x803 for MNIST
    images, 0x801 for labels), the type code, and that the data is exactly as
    long as the dimensions say; any fault raises :class:`DataError` naming ``path``.
    """
    if len(raw) < 4:
        _fail(path, "too short for an IDX header (%d bytes)" % len(raw))
    zero, type_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or type_code not in _IDX_DTYPES or ndim == 0:
        _fail(path, "not an IDX file (magic number 0x%s)" % raw[:4].hex())
    if magic is not None and struct.unpack(">I", raw[:4])[0] != magic:
        _fail(path, "wrong magic number 0x%s, expected 0x%08x" % (raw[:4].hex(), magic))
    header = 4 + 4 * ndim
    if len(raw) < header:
        _fail(path, "header declares %d dimensions but the file ends after %d bytes" % (ndim, len(raw)))
    dims = struct.unpack(">%dI" % ndim, raw[4:header])
    dtype = np.dtype(_IDX_DTYPES[type_code])
    count = 1
    for d in dims:
        count *= d
    expected = count * dtype.itemsize
    if len(raw) - header != expected:
        _fail(
            path,
            "dimensions %s need %d bytes of data, found %d" % ("x".join(map(str, dims)), expected, len(raw) - header),
        )
    return np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(dims)


def read_idx(path):
    """Read an IDX file, gzip-compressed or raw, into a numpy array."""
    return parse_idx(decompress(_read(path), path), path)


def _digests_of(data, prefix=""):
    return {prefix + "md5:" + hashlib.md5(data).hexdigest(), prefix + "sha256:" + hashlib.sha256(data).hexdigest()}


def _read(path):
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > download.MAX_BYTES:  # checked before a byte is read: a 100 GB file is an error, not a MemoryError
                _fail(
                    path,
                    "is %s, larger than any data file tf1gan knows (at most %s)"
                    % (resources.format_size(size), resources.format_size(download.MAX_BYTES)),
                )
            return f.read()
    except OSError as e:
        _fail(path, "cannot read (%s)" % (e.strerror or e))


def verify(raw, spec, label, magic=None):
    """Check ``raw`` (a file's bytes) against ``spec``'s digests; return the IDX array it holds.

    A digest of the file as published or of its decompressed content must match;
    then the IDX structure is checked. Errors name ``label`` (a path or URL).
    """
    known = set(spec.digests)
    # The file's own digest first: a file that is not the published one is never decompressed, unless a
    # digest of the content is known (a re-compressed copy), and then only up to its declared size.
    matches = known & _digests_of(raw)
    content = decompress(raw, label, magic) if matches or any(d.startswith("content-") for d in known) else None
    if not matches and not (content is not None and known & _digests_of(content, "content-")):
        _fail(
            label,
            "checksum mismatch: sha256 %s is none of the known digests (%s)"
            % (hashlib.sha256(raw).hexdigest(), ", ".join(sorted(known))),
        )
    return parse_idx(content, label, magic)


def verified_idx(path, spec, magic=None):
    """Read ``path`` as the published file ``spec``: checksum first, then IDX checks."""
    return verify(_read(path), spec, path, magic)


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
                spec.name, download.mirrors(ds.mirrors), cache, lambda raw, url, spec=spec: verify(raw, spec, url)
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
