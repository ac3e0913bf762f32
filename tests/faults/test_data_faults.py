"""Bad data: every fault is one DataError line naming the file, no partial file is left, nothing else is deleted."""

import gzip
import io
import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from helpers import cli, fake_mnist, https_server, idx_bytes, registry_for, write_mnist_files  # noqa: E402
from tf1gan import data  # noqa: E402
from tf1gan.errors import DataError  # noqa: E402


def one_line(err):
    text = str(err)
    assert "\n" not in text and text
    return text


@pytest.mark.parametrize(
    "fault,expected",
    [
        ("truncated_gzip", "corrupt or truncated gzip data"),
        ("wrong_magic", "wrong magic number 0x00000807, expected 0x00000803"),
        ("wrong_dimensions", "expected uint8 images of 28x28"),
        ("short_data", "need 50176 bytes of data, found 50000"),
        ("label_count", "64 labels for 60 images"),
    ],
)
def test_corrupt_files_in_a_data_dir(tmp_path, monkeypatch, fault, expected):
    folder = str(tmp_path / "data")
    files = write_mnist_files(folder)
    name = "train-images-idx3-ubyte.gz"
    raw = gzip.decompress(files[name])
    body = {
        "truncated_gzip": files[name][: len(files[name]) // 2],
        "wrong_magic": gzip.compress(b"\x00\x00\x08\x07" + raw[4:]),
        "wrong_dimensions": gzip.compress(idx_bytes(np.zeros((64, 32, 24), np.uint8))),
        "short_data": gzip.compress(raw[: 16 + 50000]),
        "label_count": gzip.compress(idx_bytes(fake_mnist(60)[0])),
    }[fault]
    files[name] = body
    with open(os.path.join(folder, name), "wb") as f:
        f.write(body)
    monkeypatch.setitem(data.DATASETS, "mnist", registry_for(files))  # digests match: the format check must catch it
    with pytest.raises(DataError) as e:
        data.load("mnist", data_dir=folder)
    assert expected in one_line(e.value)
    assert sorted(os.listdir(folder)) == sorted(files)  # nothing deleted


def test_checksum_mismatch_in_the_embedded_data_is_caught(tmp_path, monkeypatch):
    folder = tmp_path / "mnist10k"
    folder.mkdir()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (folder / name).write_bytes(open(os.path.join(data.PACKAGE_DATA, "mnist10k", name), "rb").read())
    images = folder / "train-images-idx3-ubyte.gz"
    raw = bytearray(gzip.decompress(images.read_bytes()))
    raw[5000] ^= 1  # one bit of one pixel
    images.write_bytes(gzip.compress(bytes(raw)))
    spec = data.DATASETS["mnist10k"]
    monkeypatch.setitem(data.DATASETS, "mnist10k", spec._replace(system_dirs=(str(folder),)))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.gz: checksum mismatch"):
        data.load("mnist10k")


@pytest.mark.parametrize("mode,expected", [("truncate", "broke off after"), ("wrong", "checksum mismatch")])
def test_download_faults_leave_no_partial_file(tmp_path, monkeypatch, mode, expected):
    files = write_mnist_files(str(tmp_path / "served"))
    monkeypatch.setitem(data.DATASETS, "mnist", registry_for(files))
    cache = tmp_path / "cache"
    (cache / "mnist").mkdir(parents=True)
    keep = cache / "mnist" / "notes.txt"
    keep.write_text("the user's own file")
    monkeypatch.setenv("TF1GAN_CACHE", str(cache))
    with https_server(files, str(tmp_path), modes={"t10k-images-idx3-ubyte.gz": mode}) as (url, cert, _):
        monkeypatch.setenv("TF1GAN_MIRROR", url)
        monkeypatch.setenv("SSL_CERT_FILE", cert)
        with pytest.raises(DataError) as e:
            data.load("mnist")
    text = one_line(e.value)
    assert "t10k-images-idx3-ubyte.gz" in text and expected in text
    left = sorted(os.listdir(str(cache / "mnist")))
    assert not [n for n in left if n.endswith(".part")]  # no partial download
    assert "t10k-images-idx3-ubyte.gz" not in left
    assert keep.read_text() == "the user's own file"
    assert "train-images-idx3-ubyte.gz" in left  # the good files stay, verified


def test_cli_refuses_a_mirror_serving_the_wrong_bytes(tmp_path):
    """The real registry's md5 sums against files that are not MNIST: exit 3, one line, empty cache."""
    files = write_mnist_files(str(tmp_path / "served"))
    with https_server(files, str(tmp_path)) as (url, cert, _):
        code, _, stderr = cli(
            "data", "--fetch", "mnist", TF1GAN_MIRROR=url, SSL_CERT_FILE=cert, TF1GAN_CACHE=str(tmp_path / "cache")
        )
    assert code == 3, stderr
    lines = stderr.strip().splitlines()
    assert lines[-1].startswith("tf1gan: error: ") and "checksum mismatch" in lines[-1]
    assert sum("error" in line for line in lines) == 1
    assert os.listdir(str(tmp_path / "cache" / "mnist")) == []


@pytest.mark.parametrize(
    "mode,deadline,stall,expected",
    [
        ("drip:0.05", "0.6", "60", "download not done after 0.6 s"),  # steady, but too slow to finish in time
        ("drip:0.2", "60", "0.5", "download stalled: under 1.0 KB in 0.5 s"),  # a byte now and then
        ("drip:30", "60", "0.3", "download stalled"),  # nothing at all after the headers
    ],
)
def test_a_slow_mirror_meets_the_deadline_or_the_stall_timeout(tmp_path, monkeypatch, mode, deadline, stall, expected):
    files = write_mnist_files(str(tmp_path / "served"))
    monkeypatch.setitem(data.DATASETS, "mnist", registry_for(files))
    cache = tmp_path / "cache"
    for name, value in (("TF1GAN_CACHE", str(cache)), ("TF1GAN_DOWNLOAD_DEADLINE", deadline)):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TF1GAN_DOWNLOAD_STALL", stall)
    with https_server(files, str(tmp_path), modes={"train-images-idx3-ubyte.gz": mode}) as (url, cert, _):
        monkeypatch.setenv("TF1GAN_MIRROR", url)
        monkeypatch.setenv("SSL_CERT_FILE", cert)
        with pytest.raises(DataError) as e:
            data.load("mnist")
    text = one_line(e.value)
    assert "train-images-idx3-ubyte.gz" in text and expected in text, text
    assert os.listdir(str(cache / "mnist")) == []  # no partial download


@pytest.mark.parametrize("name,value", [("TF1GAN_DOWNLOAD_DEADLINE", "soon"), ("TF1GAN_DOWNLOAD_STALL", "0")])
def test_bad_download_timeouts_are_one_line_errors(tmp_path, name, value):
    code, _, stderr = cli("data", "--fetch", "mnist", TF1GAN_CACHE=str(tmp_path), **{name: value})
    assert code == 2 and stderr.strip() == "tf1gan: error: $%s must be a positive number of seconds, got %r" % (
        name,
        value,
    ), stderr


def test_a_large_download_shows_bytes_and_rate(tmp_path, monkeypatch, capsys):
    body = os.urandom(3 * 1000 * 1000)
    with https_server({"big.gz": body}, str(tmp_path)) as (url, cert, _):
        monkeypatch.setenv("SSL_CERT_FILE", cert)
        dest = str(tmp_path / "cache" / "big.gz")
        data.download.download(url + "big.gz", dest, lambda raw, url: None)
    last = capsys.readouterr().err.rstrip().split("\r")[-1]
    assert last.startswith("downloading big.gz: 3.0 MB of 3.0 MB (100%), ") and last.endswith("/s"), last
    assert open(dest, "rb").read() == body


def test_an_unreachable_mirror_is_a_data_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TF1GAN_CACHE", str(tmp_path))
    monkeypatch.setenv("TF1GAN_MIRROR", "https://127.0.0.1:9/")
    with pytest.raises(DataError, match="could not download train-images-idx3-ubyte.gz: .*download failed"):
        data.load("mnist")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_idx_reader_on_random_bytes(raw):
    check_reader(raw)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_idx_reader_on_mutated_files(draw):
    arr = draw.draw(
        st.sampled_from(
            [np.arange(24, dtype=np.uint8).reshape(2, 3, 4), np.arange(10, dtype=">i4"), np.zeros((3, 5), ">f8")]
        )
    )
    raw = bytearray(idx_bytes(arr))
    for _ in range(draw.draw(st.integers(1, 4))):
        kind = draw.draw(st.sampled_from(["flip", "cut", "grow"]))
        if kind == "flip" and raw:
            i = draw.draw(st.integers(0, len(raw) - 1))
            raw[i] = draw.draw(st.integers(0, 255))
        elif kind == "cut":
            del raw[draw.draw(st.integers(0, len(raw))) :]
        else:
            raw += draw.draw(st.binary(min_size=1, max_size=16))
    if draw.draw(st.booleans()):
        raw = bytearray(gzip.compress(bytes(raw)))
        if draw.draw(st.booleans()):
            del raw[draw.draw(st.integers(0, len(raw))) :]
    check_reader(bytes(raw))


def check_reader(raw):
    """Either an array of exactly the declared shape, or DataError: nothing else."""
    try:
        out, _ = data.stream_idx(io.BytesIO(raw), "x")
    except DataError:
        return
    content = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    ndim = content[3]
    dims = tuple(int.from_bytes(content[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    assert out.shape == dims


def test_nothing_is_unpickled():
    """numpy.load always has allow_pickle=False, and the package never imports pickle."""
    root = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tf1gan")
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".py"):
                text = open(os.path.join(folder, name), encoding="utf-8").read()
                assert "import pickle" not in text and "cPickle" not in text, name
                for call in text.split("np.load(")[1:]:
                    assert "allow_pickle=False" in call.split(")")[0], name
