"""Output and input that stream (issue 24.4): chunked results equal the one-shot ones, faults are caught mid-stream,
and memory stays bounded by a chunk, not by the size of the data."""

import gzip
import hashlib
import io
import tracemalloc

import numpy as np
import pytest

from helpers import fake_mnist, idx_bytes
from tf1gan import data, evaluate, sample, train
from tf1gan.errors import DataError, RunError


@pytest.fixture(params=["uniform", "normal"])
def run(request, tmp_path, tiny):
    out = str(tmp_path / "run")
    train.train(tiny.replace(noise=request.param, steps=3, sample_every=3, checkpoint_every=3), out)
    return out


def test_samples_written_in_chunks_equal_the_one_shot_file(run, tmp_path):
    n = 2 * sample.CHUNK + 357  # a short last chunk
    out, written = sample.write_samples(run, n, str(tmp_path / "s.npy"), seed=5)
    images, _ = sample.draw(run, n, seed=5)
    buf = io.BytesIO()
    np.save(buf, images.astype(np.float32), allow_pickle=False)
    assert written == n and open(out, "rb").read() == buf.getvalue()  # header and every byte of data


def content_spec(raw):
    """A registry entry knowing only the digest of the IDX content ``raw`` (as for a re-compressed copy)."""
    return data.FileSpec("x.gz", ("md5:" + "0" * 32, "content-sha256:" + hashlib.sha256(raw).hexdigest()))


def test_a_corrupted_late_block_is_caught(tmp_path):
    images = fake_mnist(4 * data.BLOCK // 784)[0]  # four blocks of IDX data
    raw = bytearray(idx_bytes(images))
    spec = content_spec(bytes(raw))
    raw[3 * data.BLOCK + 5] ^= 1  # one bit in the fourth block
    for body in (bytes(raw), gzip.compress(bytes(raw), compresslevel=1)):
        with pytest.raises(DataError, match="checksum mismatch"):
            data.verify(io.BytesIO(body), spec, "x")
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(idx_bytes(images), compresslevel=1))
    assert data.verify(io.BytesIO(path.read_bytes()), spec, "x").tobytes() == images.tobytes()


def test_an_unverified_gzip_bomb_is_hashed_as_it_streams_never_kept():
    """A bomb declaring 200 MB whose content is not the known one: refused, with a few blocks of memory."""
    header = idx_bytes(np.zeros((1, 28, 28), np.uint8))[:16]
    declared = 255 * 1000
    body = io.BytesIO()
    with gzip.GzipFile(fileobj=body, mode="wb", compresslevel=1) as f:
        f.write(header[:4] + declared.to_bytes(4, "big") + header[8:])
        for _ in range(declared * 784 // data.BLOCK + 2):  # inflates past its declared size
            f.write(bytes(data.BLOCK))
    spec = content_spec(b"the published content")
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="decompresses to more than the 199920016 bytes its IDX header declares"):
            data.verify(io.BytesIO(body.getvalue()), spec, "bomb.gz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * data.BLOCK, peak  # the content is 200 MB


def test_a_header_declaring_more_than_fits_is_refused_before_inflating(monkeypatch):
    body = gzip.compress(b"\x00\x00\x08\x03" + b"".join(d.to_bytes(4, "big") for d in (4000000000, 28, 28)))
    reads, read = [], data.gzip.GzipFile.read
    monkeypatch.setattr(data.gzip.GzipFile, "read", lambda self, n=-1: reads.append(n) or read(self, n))
    with pytest.raises(DataError, match="needs about .* of memory"):
        data.stream_idx(io.BytesIO(body), "huge.gz")
    assert reads == [4, 12]  # the magic number and the dimensions, nothing else


def test_a_100_gb_file_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "train-images-idx3-ubyte"
    with open(str(path), "wb") as f:
        f.write(idx_bytes(np.zeros((1, 28, 28), np.uint8))[:16])
        f.truncate(100 * 1000**3)  # sparse: no disk used
    monkeypatch.setattr(data, "file_digests", lambda f: pytest.fail("hashed a 100 GB file"))
    with pytest.raises(DataError, match="is 100.0 GB, larger than any data file tf1gan knows"):
        data.verified_idx(str(path), data.DATASETS["mnist"].train_images)
    with pytest.raises(
        DataError, match="is 100.0 GB, larger than any data file tf1gan knows"
    ):  # no registry: unread too
        data.read_idx(str(path))


def test_figures_in_small_blocks_equal_one_block(monkeypatch):
    rng = np.random.RandomState(3)
    centres, valid, test = (rng.rand(n, 784).astype(np.float32) for n in (300, 40, 70))
    whole = evaluate.parzen(centres, valid, test), evaluate.nearest_distances(test, centres)
    monkeypatch.setattr(evaluate, "BLOCK", 7 * 300)  # blocks of 7 rows: ten of them, the last one short
    blocks = evaluate.parzen(centres, valid, test), evaluate.nearest_distances(test, centres)
    np.testing.assert_allclose(blocks[0], whole[0], rtol=1e-12)
    np.testing.assert_allclose(blocks[1], whole[1], rtol=1e-12)


def test_samples_are_mapped_and_checked_chunk_by_chunk(tmp_path):
    x = np.random.RandomState(4).uniform(size=(2 * sample.CHUNK + 10, 784)).astype(np.float32)
    path = str(tmp_path / "s.npy")
    np.save(path, x)
    loaded = sample.load_samples(path)
    assert isinstance(loaded, np.memmap) and np.array_equal(loaded, x)
    x[-1, -1] = np.nan  # in the last chunk
    np.save(path, x)
    with pytest.raises(RunError, match="finite and in"):
        sample.load_samples(path)


def test_the_figures_are_refused_before_they_allocate(monkeypatch):
    from tf1gan import resources
    from tf1gan.errors import ConfigError

    with evaluate.Evaluator("mnist10k") as ev:
        needed = ev.memory_needed(200)
        monkeypatch.setattr(resources, "available_memory", lambda: int(needed / resources.USABLE_SHARE) - 1)
        monkeypatch.setattr(ev.classifier, "run", lambda x: pytest.fail("ran the classifier"))
        with pytest.raises(ConfigError, match="the figures of 200 samples needs about"):
            ev.figures(np.zeros((200, 784), np.float32))
    assert needed > 8 * 785 * len(ev.train)  # the reference images in float64, at least
