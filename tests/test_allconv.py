"""The second evaluation model: it loads, it reads real digits well, and it is not the first one again."""

import json
import os

import numpy as np
import pytest

from helpers import assert_one_line_error, cli
from tf1gan import allconv, classifier, data
from tf1gan.errors import RunError

# Measured on the shipped mnist10k weights: 98.0% on the 1,000 test digits (see the .json beside them).
ACCURACY_FLOOR = 0.97


@pytest.fixture(scope="module")
def both():
    """(first, second) shipped mnist10k models, loaded once."""
    first = classifier.Classifier(classifier.load("mnist10k")[0])
    second = classifier.Classifier(classifier.load("mnist10k", allconv.NAME)[0], network_fn=allconv.network)
    yield first, second
    first.close()
    second.close()


def test_shipped_model_reads_real_digits_as_recorded(both, mnist10k):
    _, meta = classifier.load("mnist10k", allconv.NAME)
    acc = float(np.mean(both[1].predict(mnist10k.test.images).argmax(1) == mnist10k.test.labels))
    # recorded on the machine that trained it; another CPU may round one or two images differently
    assert acc == pytest.approx(meta["test_accuracy"], abs=0.002) and acc > ACCURACY_FLOOR
    assert meta["model"] == allconv.NAME and "--model allconv" in meta["command"] and meta["commit"]


def test_it_is_another_model_not_a_copy(both, mnist10k):
    first_w, _ = classifier.load("mnist10k")
    second_w, _ = classifier.load("mnist10k", allconv.NAME)
    assert sum(v.size for v in first_w.values()) != sum(v.size for v in second_w.values())
    assert len([v for v in second_w.values() if v.ndim == 4]) == 4 != len([v for v in first_w.values() if v.ndim == 4])
    first, second = both
    real = data.to_unit(mnist10k.test.images)
    p1, f1 = first.run(real)
    p2, f2 = second.run(real)
    assert f1.shape[1] != f2.shape[1]
    assert np.mean(p1.argmax(1) == p2.argmax(1)) > 0.95  # both read real digits alike...
    # ...but half-and-half blends of two digits of different classes are where two models part ways
    other = np.roll(np.arange(len(real)), 1)
    pairs = mnist10k.test.labels != mnist10k.test.labels[other]
    blends = 0.5 * (real[pairs] + real[other][pairs])
    b1, b2 = first.predict(blends), second.predict(blends)
    agree = np.mean(b1.argmax(1) == b2.argmax(1))
    assert 0.3 < agree < 0.95, agree
    assert np.abs(b1 - b2).max(axis=1).mean() > 0.1


def test_classifier_command_trains_the_second_model(tmp_path):
    code, stdout, stderr = cli("classifier", "--model", "allconv", "--steps", "2", "--out", str(tmp_path))
    assert code == 0, stderr
    npz = str(tmp_path / "mnist10k.allconv.npz")
    assert npz in stdout and not os.path.exists(str(tmp_path / "mnist10k.npz"))
    with np.load(npz, allow_pickle=False) as f:
        assert sorted(k.replace("__", "/") for k in f.files) == sorted(name for name, _ in allconv.LAYERS)
    meta = json.load(open(str(tmp_path / "mnist10k.allconv.json")))
    assert meta["steps"] == 2 and meta["seed"] == 1 and "--model allconv --steps 2 --seed 1" in meta["command"]


def test_an_empty_out_is_refused_and_never_reaches_the_shipped_classifier(tmp_path, monkeypatch):
    shipped = [open(path, "rb").read() for path in classifier.paths("mnist10k")]
    assert_one_line_error(cli("classifier", "--steps", "1", "--out", ""), 2, "--out is empty")
    assert [open(path, "rb").read() for path in classifier.paths("mnist10k")] == shipped
    # and the writer itself: an empty folder is an error, never the package's folder
    monkeypatch.setattr(classifier, "WEIGHTS_DIR", str(tmp_path / "package"))
    with pytest.raises(RunError, match="cannot create"):
        classifier.save({"w": np.zeros(1)}, {}, "x", "")
    assert not os.path.exists(str(tmp_path / "package"))


def test_missing_second_model_names_its_command():
    from tf1gan.errors import DataError

    with pytest.raises(DataError, match="--dataset nope --model allconv"):
        classifier.load("nope", allconv.NAME)
