"""Inputs that used to end in a traceback (issue 13): each is now one line on stderr and a documented exit code,
and leaves nothing behind."""

import gzip
import io
import json
import os
import shutil
import tracemalloc

import numpy as np
import pytest

from helpers import assert_one_line_error, cli, idx_bytes, registry_for, write_mnist_files

TINY = ["--hidden", "16", "--z-dim", "8", "--batch-size", "16", "--threads", "1", "--monitor-every", "0"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("bad") / "run")
    code, _, err = cli("train", "--out", out, "--steps", 10, "--checkpoint-every", 10, *TINY)
    assert code == 0, err
    return out


@pytest.mark.parametrize(
    "command",
    [
        ["sample", "--run", "RUN", "--out", "OUT/s.npy", "--seed", str(2**32)],
        ["evaluate", "--run", "RUN", "--seed", "-1"],
        ["classifier", "--seed", str(2**40), "--out", "OUT/k"],
        ["train", "--seed", str(2**31), "--out", "OUT/t"],
    ],
    ids=["sample", "evaluate", "classifier", "train"],
)
def test_seed_outside_its_range(run, tmp_path, command):
    args = [a.replace("RUN", run).replace("OUT", str(tmp_path)) for a in command]
    assert_one_line_error(cli(*args), 2, "--seed: must be in [0, 2**31)")


def test_more_samples_than_fit_in_memory(run, tmp_path):
    assert_one_line_error(
        cli("sample", "--run", run, "--n", 10**12, "--out", str(tmp_path / "s.npy")), 2, "needs about"
    )
    assert os.listdir(str(tmp_path)) == []


def test_a_model_that_cannot_fit_leaves_no_folder(tmp_path):
    out = str(tmp_path / "huge")
    assert_one_line_error(cli("train", "--out", out, "--z-dim", 10**9, "--steps", 5), 2, "this model needs about")
    assert not os.path.exists(out)


def test_evaluate_needs_enough_samples(run):
    assert_one_line_error(cli("evaluate", "--run", run, "--n", 1), 2, "at least 100 samples")


def test_evaluate_refuses_an_npz(tmp_path):
    path = str(tmp_path / "x.npz")
    np.savez(path, x=np.zeros((200, 784), np.float32))
    assert_one_line_error(cli("evaluate", "--samples", path), 4, "a .npz archive")


def test_a_npy_header_declaring_a_huge_array(tmp_path):
    path = str(tmp_path / "huge.npy")
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (10**11, 784)})
        f.write(b"\0" * 1024)
    assert_one_line_error(cli("evaluate", "--samples", path), 4, "the header declares 100000000000x784 values")


def test_golden_with_a_corrupt_snapshot(tmp_path):
    folder = str(tmp_path / "golden")
    os.makedirs(folder)
    with open(os.path.join(folder, "trace_default.json"), "w") as f:
        f.write('{"meta": {"tensorflow"')
    assert_one_line_error(cli("golden", "--check", "--dir", folder), 6, "golden check failed")


def test_golden_update_into_a_folder_it_cannot_create(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert_one_line_error(
        cli("golden", "--update", "--dir", str(blocker / "golden")), 4, "cannot create the snapshot folder"
    )


@pytest.mark.parametrize(
    "edit,fragment",
    [
        (lambda c: c.update(z_dim=100.5), "--z-dim must be a whole number, got 100.5"),
        (lambda c: c.update(g_hidden="256"), "--hidden must be one or more whole numbers"),
        (lambda c: c.update(lr_g="fast"), "--lr-g must be a number"),
        (lambda c: c.update(colour="red"), "unknown setting(s): colour"),
    ],
    ids=["fraction", "text widths", "text rate", "unknown"],
)
def test_a_hand_edited_config(run, tmp_path, edit, fragment):
    copy = str(tmp_path / "run")
    shutil.copytree(run, copy)
    path = os.path.join(copy, "config.json")
    doc = json.load(open(path))
    edit(doc["config"])
    json.dump(doc, open(path, "w"))
    assert_one_line_error(cli("sample", "--run", copy, "--n", 5, "--out", str(tmp_path / "s.npy")), 4, fragment)
    assert_one_line_error(cli("train", "--out", copy, "--resume", "--steps", 20), 4, fragment)


def test_batch_larger_than_the_data_is_refused_before_anything_is_written(tmp_path):
    out = str(tmp_path / "run")
    assert_one_line_error(
        cli("train", "--out", out, "--batch-size", 100000, "--steps", 5), 2, "larger than the 8000 training"
    )
    assert not os.path.exists(out)
    code, _, err = cli("train", "--out", out, "--steps", 2, *TINY)  # a plain retry works
    assert code == 0, err


def test_an_empty_out_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    assert_one_line_error(cli("train", "--out", "", "--steps", 2, *TINY), 2, "must be named")
    assert os.listdir(str(tmp_path)) == []


def test_evaluate_json_through_a_symlink_keeps_the_link(tmp_path):
    target = tmp_path / "figures.json"
    target.write_text("{}")
    link = tmp_path / "link.json"
    os.symlink(str(target), str(link))
    samples = str(tmp_path / "real.npy")
    from tf1gan import data

    np.save(samples, data.to_unit(data.load("mnist10k").test.images[:200]))
    assert_one_line_error(cli("evaluate", "--samples", samples, "--json", str(link)), 4, "already exists")
    assert os.path.islink(str(link)) and target.read_text() == "{}"  # an existing file is replaced only when forced
    code, _, err = cli("evaluate", "--samples", samples, "--json", str(link), "--force")
    assert code == 0, err
    assert os.path.islink(str(link)) and json.load(open(str(target)))["n_samples"] == 200


def bomb(n_declared=10, size=200 * 1000 * 1000):
    """A gzip of an IDX header for ``n_declared`` images followed by ``size`` zero bytes (about 200 kB)."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as f:
        f.write(idx_bytes(np.zeros((n_declared, 28, 28), np.uint8))[:16])
        for _ in range(size // 10**6):
            f.write(bytes(10**6))
    return buf.getvalue()


def test_a_gzip_bomb_is_stopped_at_its_declared_size(tmp_path, monkeypatch):
    from tf1gan import data
    from tf1gan.errors import DataError

    folder = str(tmp_path / "data")
    files = write_mnist_files(folder)
    body = bomb()
    with open(os.path.join(folder, "train-images-idx3-ubyte.gz"), "wb") as f:
        f.write(body)
    files["train-images-idx3-ubyte.gz"] = body
    monkeypatch.setitem(data.DATASETS, "mnist", registry_for(files))  # its digest is "known": decompressed
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="decompresses to more than the 7856 bytes its IDX header declares"):
            data.load("mnist", data_dir=folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1000 * 1000, peak  # the bomb holds 200 MB


def test_an_unknown_file_is_not_even_decompressed(tmp_path, monkeypatch):
    from tf1gan import data
    from tf1gan.errors import DataError

    folder = str(tmp_path / "data")
    write_mnist_files(folder)  # digests not in the registry, and mnist knows only digests of the files
    monkeypatch.setattr(data, "stream_idx", lambda *a, **k: pytest.fail("decompressed an unverified file"))
    with pytest.raises(DataError, match="checksum mismatch"):
        data.load("mnist", data_dir=folder)
