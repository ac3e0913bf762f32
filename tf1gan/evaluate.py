"""Quality figures for generated images, each beside the same figure for real held-out images.

All figures use the shipped evaluation classifier of the data set (see
``tf1gan.classifier``) and the data set's held-out splits, never its training
split, except where a figure is about the training split (copies).

* ``classifier_score``: exp(E_x KL(p(y|x) || p(y))), at most the number of classes;
  the MNIST analogue of the Inception score.
* ``fcd``: Fréchet distance between Gaussians fitted to the classifier's
  penultimate features of the samples and of the test split (the real column
  compares the validation split with the test split).
* ``class_hist`` / ``modes_covered``: share of samples per predicted class, and
  how many classes hold at least a fifth of their fair share (2% for 10 classes).
* ``parzen_ll`` / ``parzen_ll_stderr``: Gaussian Parzen-window log-likelihood of the
  test split under the samples, as in Goodfellow et al. (2014): sigma chosen from
  ``logspace(-1, 0, 10)`` on 1,000 validation images, float64, log-sum-exp.
  The real column puts the window on training images instead of samples.
* ``nn_copy_rate``: share of samples whose nearest training image is closer than
  half the median nearest-training distance of real test images.
* ``second``: the classifier score, Fréchet distance (in its own 64 features) and
  class histogram and coverage again, by the second evaluation model
  (:mod:`tf1gan.allconv`), which nothing was tuned against; ``None`` for a data
  set without one.
"""

import collections
import json
import os

import numpy as np

from tf1gan import allconv, data, resources
from tf1gan import classifier as clf_mod
from tf1gan.classifier import class_histogram, classifier_score, modes_covered
from tf1gan.errors import ConfigError

SIGMAS = np.logspace(-1, 0, 10)
PARZEN_VALIDATION = 1000
SAMPLES = 10000
MIN_SAMPLES = 100
KEYS = ("classifier_score", "fcd", "modes_covered", "class_hist", "parzen_ll", "parzen_ll_stderr", "nn_copy_rate")

Figures = collections.namedtuple("Figures", KEYS + ("parzen_sigma", "second"))


def frechet_distance(feats_a, feats_b):
    """Fréchet distance between Gaussian fits of two feature sets [N, D] (float64).

    Tr((S_a S_b)^1/2) is computed as the trace of the square root of the
    symmetric matrix S_a^1/2 S_b S_a^1/2, via eigendecompositions, which needs
    no scipy and stays real.
    """
    a, b = np.asarray(feats_a, np.float64), np.asarray(feats_b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(cov_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    middle = root_a @ cov_b @ root_a
    trace_root = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)))
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root)


# Float64 distances computed at a time (32 MB): a block of rows against every centre. Everything the figures
# allocate beyond their inputs and results is a few such blocks and the centres in float64.
BLOCK = 4 * 1000 * 1000
_BLOCKS_ALIVE = 3  # a block of distances, and two while the next one is computed


def _row_ranges(n_rows, n_cols):
    """(start, stop) of consecutive rows of which each block against ``n_cols`` columns holds at most BLOCK values."""
    step = max(1, BLOCK // max(1, n_cols))
    return [(i, min(i + step, n_rows)) for i in range(0, n_rows, step)]


def _centres(x):
    """(rows of ``x`` in float64 through float32, as samples are; their squared norms), converted block by block."""
    c = np.empty((len(x), data.PIXELS))
    c_sq = np.empty(len(x))
    for i, j in _row_ranges(len(x), data.PIXELS):
        c[i:j] = np.asarray(x[i:j], np.float32)
        c_sq[i:j] = np.sum(c[i:j] * c[i:j], axis=1)
    return c, c_sq


def _squared_distances(x, centres):
    """Squared Euclidean distances [len(x), len(c)] in float64 of rows ``x`` to ``centres`` = :func:`_centres`."""
    c, c_sq = centres
    xi = np.asarray(np.asarray(x, np.float32), np.float64)
    out = np.sum(xi * xi, axis=1)[:, None] + c_sq[None, :]
    out -= 2 * xi @ c.T  # in place, here and below: two blocks alive, not five
    return np.maximum(out, 0, out=out)


def _distance_blocks(x, centres):
    """(start, stop, squared distances of rows start:stop of ``x`` to every centre), a block at a time."""
    for i, j in _row_ranges(len(x), len(centres[0])):
        yield i, j, _squared_distances(x[i:j], centres)


def parzen_log_likelihoods(sq_dist, sigma):
    """log p(x) under a Gaussian Parzen window of width ``sigma`` for each row of squared distances."""
    n, d = sq_dist.shape[1], data.PIXELS
    a = np.divide(sq_dist, -2 * sigma**2)  # -x / y, exactly; in place below: one block beside the distances
    m = a.max(axis=1, keepdims=True)
    a -= m
    lse = m[:, 0] + np.log(np.sum(np.exp(a, out=a), axis=1))
    return lse - np.log(n) - d * np.log(sigma * np.sqrt(2 * np.pi))


def parzen(centres, validation, test):
    """(mean log-likelihood of ``test``, its standard error, sigma) with sigma fitted on ``validation``."""
    c = _centres(centres)
    val_ll = np.empty((len(SIGMAS), len(validation)))
    for i, j, d in _distance_blocks(validation, c):
        for k, s in enumerate(SIGMAS):
            val_ll[k, i:j] = parzen_log_likelihoods(d, s)
    sigma = SIGMAS[max(range(len(SIGMAS)), key=lambda k: val_ll[k].mean())]
    ll = np.concatenate([parzen_log_likelihoods(d, sigma) for _, _, d in _distance_blocks(test, c)])
    return float(ll.mean()), float(ll.std(ddof=1) / np.sqrt(len(ll))), float(sigma)


def nearest_distances(x, reference):
    """Euclidean distance from each row of ``x`` to its nearest row of ``reference``."""
    return np.sqrt(np.concatenate([d.min(axis=1) for _, _, d in _distance_blocks(x, _centres(reference))]))


class Evaluator(object):
    """The figures of one data set: loads its classifier and held-out splits once, then scores sample sets."""

    def __init__(self, dataset_name, data_dir=None):
        self.dataset = data.load(dataset_name, data_dir)
        weights, self.classifier_meta = clf_mod.load(dataset_name)
        self.classifier = clf_mod.Classifier(weights)
        unit = data.to_unit
        self.train = unit(self.dataset.train.images)
        self.valid = unit(self.dataset.valid.images[:PARZEN_VALIDATION])
        self.test = unit(self.dataset.test.images)
        self.test_probs, self.test_feats = self.classifier.run(self.test)
        self.copy_threshold = 0.5 * float(np.median(nearest_distances(self.test, self.train)))
        self.second = None
        if os.path.isfile(clf_mod.paths(dataset_name, model=allconv.NAME)[0]):
            weights, self.second_meta = clf_mod.load(dataset_name, allconv.NAME)
            self.second = clf_mod.Classifier(weights, network_fn=allconv.network)
            self.second_test_probs, self.second_test_feats = self.second.run(self.test)

    def close(self):
        """Release the classifiers' sessions."""
        self.classifier.close()
        if self.second is not None:
            self.second.close()

    def _by_second(self, probs, feats):
        """The second model's figures (a dict) from its probabilities and features of the images judged."""
        hist = class_histogram(probs)
        return {
            "model": allconv.NAME,
            "test_accuracy": self.second_meta["test_accuracy"],
            "classifier_score": classifier_score(probs),
            "fcd": frechet_distance(feats, self.second_test_feats),
            "modes_covered": modes_covered(hist),
            "class_hist": [float(h) for h in hist],
        }

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def figures(self, samples, parzen_on=None):
        """:class:`Figures` for ``samples`` [N, 784] in [0, 1] (``parzen_on``: other window centres)."""
        if len(samples) < MIN_SAMPLES:
            raise ConfigError(
                "the quality figures need at least %d samples (a spread over the classes, a covariance); got %d"
                % (MIN_SAMPLES, len(samples))
            )
        n = max(len(samples), 0 if parzen_on is None else len(parzen_on))
        resources.check_fits(self.memory_needed(n), "the figures of %d samples" % len(samples))
        probs, feats = self.classifier.run(samples)
        hist = class_histogram(probs)
        ll, se, sigma = parzen(samples if parzen_on is None else parzen_on, self.valid, self.test)
        copies = float(np.mean(nearest_distances(samples, self.train) < self.copy_threshold))
        second = None if self.second is None else self._by_second(*self.second.run(samples))
        return Figures(
            classifier_score=classifier_score(probs),
            fcd=frechet_distance(feats, self.test_feats),
            modes_covered=modes_covered(hist),
            class_hist=[float(h) for h in hist],
            parzen_ll=ll,
            parzen_ll_stderr=se,
            nn_copy_rate=copies,
            parzen_sigma=sigma,
            second=second,
        )

    def memory_needed(self, n):
        """Bytes :meth:`figures` of ``n`` samples (then :meth:`real_figures`) allocate beyond this evaluator and
        the samples: the classifier's outputs (float32 batches, joined, then float64) and their covariance, and
        what its batches leave allocated; the window centres or reference images in float64 with their norms,
        and a few blocks of distances."""
        width = self.test_probs.shape[1] + self.test_feats.shape[1]
        if self.second is not None:  # its outputs too; its batches reuse the arena the first model's left
            width += self.second_test_probs.shape[1] + self.second_test_feats.shape[1]
        outputs = (4 + 4 + 8) * width * max(n, len(self.dataset.valid.images)) + 8 * width * n
        centres = 8 * (data.PIXELS + 1) * max(n, len(self.train))
        blocks = _BLOCKS_ALIVE * 8 * BLOCK
        return outputs + self.classifier.run_memory() + centres + blocks + resources.SESSION_RUN

    def real_figures(self):
        """The same figures for real held-out images (see the module docstring for each one's reference)."""
        valid_all = data.to_unit(self.dataset.valid.images)
        probs, feats = self.classifier.run(valid_all)
        hist = class_histogram(self.test_probs)
        # the window sits on as many training images as there are samples
        ll, se, sigma = parzen(self.train[:SAMPLES], self.valid, self.test)
        copies = float(np.mean(nearest_distances(self.test, self.train) < self.copy_threshold))
        second = None if self.second is None else self._by_second(self.second_test_probs, self.second.run(valid_all)[1])
        return Figures(
            classifier_score=classifier_score(self.test_probs),
            fcd=frechet_distance(feats, self.test_feats),
            modes_covered=modes_covered(hist),
            class_hist=[float(h) for h in hist],
            parzen_ll=ll,
            parzen_ll_stderr=se,
            nn_copy_rate=copies,
            parzen_sigma=sigma,
            second=second,
        )


def to_json(figures, real=None, **extra):
    """JSON text with the figures' keys at top level and the real column under ``real``."""
    doc = dict(figures._asdict())
    if real is not None:
        doc["real"] = dict(real._asdict())
    doc.update(extra)
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def table(figures, real, classes):
    """A text table: each figure for the samples beside real held-out images."""
    rows = [
        ("classifier score (max %d)" % len(classes), "%.3f" % figures.classifier_score, "%.3f" % real.classifier_score),
        ("Frechet classifier distance", "%.3f" % figures.fcd, "%.3f" % real.fcd),
        ("classes covered (>= 2%%) of %d" % len(classes), "%d" % figures.modes_covered, "%d" % real.modes_covered),
        (
            "Parzen log-likelihood (nats)",
            "%.1f +- %.1f" % (figures.parzen_ll, figures.parzen_ll_stderr),
            "%.1f +- %.1f" % (real.parzen_ll, real.parzen_ll_stderr),
        ),
        ("  Parzen sigma", "%.3f" % figures.parzen_sigma, "%.3f" % real.parzen_sigma),
        (
            "near copies of training images",
            "%.2f%%" % (100 * figures.nn_copy_rate),
            "%.2f%%" % (100 * real.nn_copy_rate),
        ),
    ]
    rows += [
        ("  class %s" % c, "%.1f%%" % (100 * f), "%.1f%%" % (100 * r))
        for c, f, r in zip(classes, figures.class_hist, real.class_hist)
    ]
    if figures.second is not None and real.second is not None:
        mine, theirs = figures.second, real.second
        rows += [
            (
                "second evaluator (%s, %.1f%% test accuracy)" % (mine["model"], 100 * mine["test_accuracy"]),
                "",
                "",
            ),
            ("  classifier score", "%.3f" % mine["classifier_score"], "%.3f" % theirs["classifier_score"]),
            ("  Frechet distance in its features", "%.3f" % mine["fcd"], "%.3f" % theirs["fcd"]),
            ("  classes covered (>= 2%)", "%d" % mine["modes_covered"], "%d" % theirs["modes_covered"]),
        ]
    width = max(len(r[0]) for r in rows)
    lines = ["%-*s  %14s  %14s" % (width, "figure", "samples", "real held-out")]
    lines += ["%-*s  %14s  %14s" % (width, a, b, c) for a, b, c in rows]
    return "\n".join(lines)
