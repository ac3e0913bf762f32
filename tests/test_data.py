"""The IDX reader, the registry's checksums, the embedded data set, batch order and downloads."""

import gzip
import io
import os

import numpy as np
import pytest

from helpers import fake_mnist, https_server, idx_bytes, registry_for, write_mnist_files
from tf1gan import data, download
from tf1gan.errors import DataError


def write(path, body):
    with open(str(path), "wb") as f:
        f.write(body)
    return str(path)


@pytest.mark.parametrize("compress", [False, True])
def test_reads_good_idx_raw_and_gzip(tmp_path, compress):
    images, labels = fake_mnist(20)
    for arr in (images, labels, np.arange(6, dtype=">i4").reshape(2, 3)):
        body = idx_bytes(arr)
        path = write(tmp_path / "f", gzip.compress(body) if compress else body)
        out = data.read_idx(path)
        assert out.shape == arr.shape and out.dtype == arr.dtype
        np.testing.assert_array_equal(out, arr)


def test_truncated_gzip_is_a_one_line_data_error(tmp_path):
    body = gzip.compress(idx_bytes(fake_mnist(20)[0]))
    path = write(tmp_path / "t.gz", body[: len(body) // 2])
    with pytest.raises(DataError) as e:
        data.read_idx(path)
    assert path in str(e.value) and "truncated" in str(e.value) and "\n" not in str(e.value)


def test_truncated_data_names_expected_and_found_sizes(tmp_path):
    path = write(tmp_path / "t", idx_bytes(fake_mnist(20)[0])[:-5])
    with pytest.raises(DataError, match=r"20x28x28 need 15680 bytes of data, found 15675"):
        data.read_idx(path)


@pytest.mark.parametrize("header", [b"\x1f\x00\x08\x03", b"\x00\x00\x07\x03", b"\x00\x00\x08\x00", b"PK\x03\x04"])
def test_wrong_magic_number(tmp_path, header):
    body = idx_bytes(fake_mnist(4)[0])
    path = write(tmp_path / "m", header + body[4:])
    with pytest.raises(DataError, match="not an IDX file"):
        data.read_idx(path)


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        data.read_idx(str(tmp_path / "absent"))


def test_embedded_mnist10k_is_verified_and_split(mnist10k):
    assert (len(mnist10k.train.images), len(mnist10k.valid.images), len(mnist10k.test.images)) == (8000, 1000, 1000)
    assert mnist10k.train.images.dtype == np.uint8 and mnist10k.train.images.shape[1] == 784
    every = np.concatenate([mnist10k.train.labels, mnist10k.valid.labels, mnist10k.test.labels])
    # the label counts the provenance file states
    assert np.bincount(every).tolist() == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    # the held-out parts do not overlap the training part
    train = {r.tobytes() for r in mnist10k.train.images}
    assert not any(r.tobytes() in train for r in mnist10k.test.images[:200])


def test_checksum_mismatch_names_the_file(tmp_path):
    folder = tmp_path / "mnist"
    files = write_mnist_files(str(folder))
    spec = registry_for(files)
    path = str(folder / "train-images-idx3-ubyte.gz")
    assert data.verified_idx(path, spec.train_images).shape == (64, 28, 28)
    images, _ = fake_mnist(64, seed=9)
    write(path, gzip.compress(idx_bytes(images)))
    with pytest.raises(DataError) as e:
        data.verified_idx(path, spec.train_images)
    assert str(e.value).startswith(path + ": checksum mismatch")


def test_content_digest_accepts_recompressed_and_raw_copies():
    images, _ = fake_mnist(8)
    raw = idx_bytes(images)
    import hashlib

    spec = data.FileSpec("x.gz", ("md5:" + "0" * 32, "content-sha256:" + hashlib.sha256(raw).hexdigest()))
    for body in (raw, gzip.compress(raw, compresslevel=1), gzip.compress(raw, compresslevel=9)):
        assert data.verify(io.BytesIO(body), spec, "x").shape == (8, 28, 28)


def test_label_count_mismatch(tmp_path, monkeypatch):
    folder = tmp_path / "mnist"
    files = write_mnist_files(str(folder))
    _, labels = fake_mnist(60)
    files["train-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(labels))
    write(folder / "train-labels-idx1-ubyte.gz", files["train-labels-idx1-ubyte.gz"])
    monkeypatch.setitem(data.DATASETS, "mnist", registry_for(files))
    with pytest.raises(DataError, match="60 labels for 64 images"):
        data.load("mnist", data_dir=str(folder))


def test_data_dir_in_the_tutorial_layout(tmp_path, monkeypatch):
    folder = tmp_path / "MNIST_data"
    files = write_mnist_files(str(folder))
    monkeypatch.setitem(data.DATASETS, "mnist", registry_for(files))
    ds = data.load("mnist", data_dir=str(folder))
    # the tutorial's split: the first 5,000 training images would be validation; here all 64 are
    assert len(ds.valid.images) == 64 and len(ds.train.images) == 0 and len(ds.test.images) == 32


def test_unknown_data_set_and_missing_data_dir(tmp_path):
    with pytest.raises(DataError, match="unknown data set 'cifar'"):
        data.load("cifar")
    with pytest.raises(DataError, match="no mnist here"):
        data.load("mnist", data_dir=str(tmp_path))


def test_batch_order_is_a_pure_function_of_seed_and_batch():
    a, b = data.BatchOrder(100, 10, seed=3), data.BatchOrder(100, 10, seed=3)
    first = [a.indices(i).copy() for i in range(25)]
    assert all(np.array_equal(first[i], b.indices(i)) for i in reversed(range(25)))
    epoch0 = np.concatenate(first[:10])
    assert sorted(epoch0.tolist()) == list(range(100))  # each image once per epoch
    assert not np.array_equal(epoch0, np.concatenate(first[10:20]))  # reshuffled
    assert not np.array_equal(first[0], data.BatchOrder(100, 10, seed=4).indices(0))
    state = np.random.get_state()[1].copy()
    data.BatchOrder(100, 10, seed=5).indices(0)
    assert np.array_equal(state, np.random.get_state()[1])  # the global generator is untouched


def test_download_from_local_https_server(tmp_path, monkeypatch):
    files = write_mnist_files(str(tmp_path / "served"))
    monkeypatch.setitem(data.DATASETS, "mnist", registry_for(files))
    monkeypatch.setenv("TF1GAN_CACHE", str(tmp_path / "cache"))
    with https_server(files, str(tmp_path)) as (url, cert, server):
        monkeypatch.setenv("TF1GAN_MIRROR", url)
        monkeypatch.setenv("SSL_CERT_FILE", cert)
        ds = data.load("mnist")
        assert len(server.requests) == 4
        assert len(ds.test.images) == 32
        data.load("mnist")  # cached: nothing fetched again
        assert len(server.requests) == 4
    assert sorted(os.listdir(str(tmp_path / "cache" / "mnist"))) == sorted(files)


def test_http_is_refused(tmp_path):
    def check(raw, url):
        pytest.fail("nothing may be fetched over http")

    with pytest.raises(DataError, match="only https"):
        download.download("http://127.0.0.1:1/x.gz", str(tmp_path / "x.gz"), check)
    assert os.listdir(str(tmp_path)) == []


def test_a_server_sending_too_much_is_cut_off(tmp_path, monkeypatch):
    files = {"big.gz": b"\0" * 2000}
    monkeypatch.setattr(download, "MAX_BYTES", 1000)
    with https_server(files, str(tmp_path)) as (url, cert, _):
        monkeypatch.setenv("SSL_CERT_FILE", cert)
        with pytest.raises(DataError, match="more than any data file tf1gan knows"):
            download.download(url + "big.gz", str(tmp_path / "cache" / "big.gz"), lambda raw, url: None)
    assert os.listdir(str(tmp_path / "cache")) == []
