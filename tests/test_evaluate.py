"""Quality figures: each formula against a case with a known answer, the shipped classifier, and the CLI."""

import json

import numpy as np
import pytest

from helpers import cli
from tf1gan import classifier, data, evaluate, train


def test_classifier_score_bounds():
    confident = np.eye(10)[np.arange(1000) % 10]
    assert classifier.classifier_score(confident) == pytest.approx(10.0, rel=1e-6)
    assert classifier.classifier_score(np.eye(10)[np.zeros(100, int)]) == pytest.approx(1.0)
    assert classifier.classifier_score(np.full((100, 10), 0.1)) == pytest.approx(1.0)


def test_class_histogram_and_coverage():
    probs = np.eye(10)[np.array([0] * 50 + [1] * 49 + [2])]
    hist = classifier.class_histogram(probs)
    assert hist[:3].tolist() == [0.5, 0.49, 0.01] and classifier.modes_covered(hist) == 2


def test_frechet_distance_of_gaussians():
    rng = np.random.RandomState(0)
    a = rng.normal(size=(20000, 3))
    assert evaluate.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shifted = a + np.array([1.0, 2.0, 0.0])
    assert evaluate.frechet_distance(a, shifted) == pytest.approx(5.0, rel=1e-6)
    # N(0, I) against N(0, 4 I) in 3 dimensions: 3 * (1 + 4 - 2 * 2) = 3
    assert evaluate.frechet_distance(a, 2 * rng.normal(size=(20000, 3))) == pytest.approx(3.0, rel=0.05)


def test_parzen_matches_a_direct_float64_computation():
    rng = np.random.RandomState(1)
    centres, test = rng.rand(50, 784).astype(np.float32), rng.rand(7, 784).astype(np.float32)  # as samples are
    sigma = 0.3
    d2 = ((test[:, None, :].astype(np.float64) - centres[None, :, :]) ** 2).sum(-1)
    direct = np.log(np.mean(np.exp(-d2 / (2 * sigma**2)), axis=1)) - 784 * np.log(sigma * np.sqrt(2 * np.pi))
    ours = evaluate.parzen_log_likelihoods(evaluate._squared_distances(test, evaluate._centres(centres)), sigma)
    np.testing.assert_allclose(ours, direct, rtol=1e-9)
    # far from every centre, log-sum-exp stays finite where the direct sum underflows
    far = evaluate.parzen_log_likelihoods(evaluate._squared_distances(test + 100, evaluate._centres(centres)), 0.1)
    assert np.all(np.isfinite(far))


def test_parzen_picks_sigma_on_validation():
    rng = np.random.RandomState(2)
    centres = rng.rand(200, 784) * 0.1
    ll, se, sigma = evaluate.parzen(centres, centres[:50] + 0.01, centres[50:80] + 0.01)
    assert sigma in evaluate.SIGMAS and np.isfinite(ll) and se > 0


def test_shipped_classifier_reproduces_its_recorded_accuracy(mnist10k):
    weights, meta = classifier.load("mnist10k")
    clf = classifier.Classifier(weights)
    try:
        acc = float(np.mean(clf.predict(mnist10k.test.images).argmax(1) == mnist10k.test.labels))
    finally:
        clf.close()
    assert acc == meta["test_accuracy"] and acc >= 0.97


def test_no_classifier_is_a_clear_error():
    from tf1gan.errors import DataError

    with pytest.raises(DataError, match="no evaluation classifier for nope"):
        classifier.load("nope")


@pytest.fixture(scope="module")
def evaluator():
    ev = evaluate.Evaluator("mnist10k")
    yield ev
    ev.close()


def test_real_images_score_high_and_noise_low(evaluator, mnist10k):
    real = evaluator.real_figures()
    assert real.classifier_score > 9 and real.modes_covered == 10
    noise = evaluator.figures(np.random.RandomState(0).rand(2000, 784).astype(np.float32))
    assert noise.classifier_score < 2 and noise.modes_covered < 5 and noise.parzen_ll < real.parzen_ll
    copies = evaluator.figures(data.to_unit(mnist10k.train.images[:500]))
    assert copies.nn_copy_rate == 1.0  # training images copy themselves


@pytest.fixture(scope="module")
def samples_file(tmp_path_factory, mnist10k):
    path = str(tmp_path_factory.mktemp("ev") / "real.npy")
    np.save(path, data.to_unit(mnist10k.valid.images))
    return path


def test_evaluate_cli_writes_every_key(samples_file, tmp_path):
    out = str(tmp_path / "f.json")
    code, stdout, stderr = cli("evaluate", "--samples", samples_file, "--json", out)
    assert code == 0, stderr
    doc = json.load(open(out))
    for key in (
        "classifier_score",
        "fcd",
        "modes_covered",
        "class_hist",
        "parzen_ll",
        "parzen_ll_stderr",
        "nn_copy_rate",
    ):
        assert key in doc and key in doc["real"]
    assert doc["classifier_score"] > 9 and len(doc["class_hist"]) == 10
    assert "real held-out" in stdout and "Parzen" in stdout
    # the second evaluator's figures, beside its own real-image figures
    for second in (doc["second"], doc["real"]["second"]):
        assert second["model"] == "allconv" and {"classifier_score", "fcd", "modes_covered"} <= set(second)
    assert doc["second"]["classifier_score"] > 9 and doc["second"]["fcd"] != doc["fcd"]
    assert "second evaluator (allconv" in stdout


@pytest.mark.parametrize(
    "content", [np.zeros((5, 10), np.float32), np.full((5, 784), 2.0, np.float32), np.array([object()], dtype=object)]
)
def test_evaluate_cli_rejects_bad_samples(tmp_path, content):
    path = str(tmp_path / "bad.npy")
    np.save(path, content, allow_pickle=True)
    code, _, stderr = cli("evaluate", "--samples", path)
    assert code == 4 and len(stderr.strip().splitlines()) == 1 and stderr.startswith("tf1gan: error: ")


def test_training_monitor_records_quality_and_warns(tiny, tmp_path):
    import io

    stream = io.StringIO()
    train.train(tiny.replace(monitor_every=3), str(tmp_path / "run"), stream=stream)
    records = [json.loads(line) for line in open(str(tmp_path / "run" / "metrics.jsonl"))]
    quality = [r for r in records if "classifier_score" in r]
    assert [r["step"] for r in quality] == [3, 6]
    assert all(1 <= r["classifier_score"] <= 10 and 0 <= r["modes_covered"] <= 10 for r in quality)
    assert all(r["val_fcd"] > 0 and 0 <= r["copy_rate"] <= 1 for r in quality)
    # six steps of a tiny generator cover few classes: the warning says so
    assert "mode collapse?" in stream.getvalue()


def test_monitor_warns_on_lost_classes_not_on_classes_yet_to_appear(tiny, mnist10k):
    monitor = train.Monitor(tiny, mnist10k)
    monitor.classifier.close()

    class Fixed(object):
        def __init__(self, classes):
            self.probs = np.eye(10)[np.arange(1000) % classes]

        def run(self, images):
            return self.probs[: len(images)], np.eye(len(images), 16)

    for classes, warns in ((8, False), (10, False), (9, True), (10, False), (5, True)):
        monitor.classifier = Fixed(classes)
        figures, warning = monitor.check(np.zeros((1000, 784), np.float32))
        assert figures["modes_covered"] == classes
        assert (warning is not None) == warns, (classes, warning)
