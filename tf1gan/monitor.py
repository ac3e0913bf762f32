"""A cheap quality check while training: classifier score, class coverage, validation FCD and near copies.

Every figure is of ``MONITOR_SAMPLES`` samples from one fixed noise batch (its
own seed, so the check never draws from training's random streams).
"""

import numpy as np

from tf1gan import classifier, data, model
from tf1gan.best import COPIES, FCD
from tf1gan.errors import DataError
from tf1gan.evaluate import frechet_distance, nearest_distances

MONITOR_SAMPLES = 1000
# Near copies are looked for among the first this many samples (and validation images): each costs a pass over
# the training split, the dearest part of a check.
COPY_SAMPLES = 500


class Monitor(object):
    """A cheap quality check during training: classifier score, class coverage, validation FCD, near copies.

    Uses the data set's shipped evaluation classifier on ``MONITOR_SAMPLES``
    samples from the averaged generator. A collapse is reported the moment it
    is seen: classes that were covered are lost, or half of them or more are
    missing. (Early in training not every class has appeared yet; that alone
    is not a collapse.)

    ``val_fcd`` is the Fréchet classifier distance (``tf1gan.evaluate``) of the
    samples to the first ``MONITOR_SAMPLES`` images of the validation split,
    never the test split that ``tf1gan evaluate`` reports against, so picking
    the best checkpoint by it does not tune on the test figures. With 1,000
    images a side it is biased upwards against ``evaluate``'s 10,000-sample
    figure, but alike from check to check, which is all choosing needs.
    ``copy_rate`` is the share of the first ``COPY_SAMPLES`` samples nearer to
    a training image than half the median nearest-training distance of as
    many validation images (``evaluate``'s near-copy rule, on the validation
    split); ``real_copy_rate`` is that share for those validation images.
    """

    def __init__(self, config, dataset):
        weights, _ = classifier.load(dataset.name)
        self.classifier = classifier.Classifier(weights)
        self.classes = dataset.classes
        self.z = model.noise_batch(
            config, MONITOR_SAMPLES, np.random.RandomState(model.derive_seed(config.seed, "monitor"))
        )
        self.best_covered = 0
        self.dataset = dataset
        self._reference = None

    def reference(self):
        """(validation features, training images in [0, 1], near-copy threshold, real near-copy share).

        Computed at the first check, not before: a run that never checks
        (fewer steps than ``--monitor-every``) pays nothing for it.
        """
        if self._reference is None:
            valid = data.to_unit(self.dataset.valid.images[:MONITOR_SAMPLES])
            train = data.to_unit(self.dataset.train.images)
            valid_nearest = nearest_distances(valid[:COPY_SAMPLES], train)
            threshold = 0.5 * float(np.median(valid_nearest))
            real_share = float(np.mean(valid_nearest < threshold))
            self._reference = (self.classifier.run(valid)[1], train, threshold, real_share)
        return self._reference

    def real_copy_rate(self):
        """Share of validation images nearer to a training image than the near-copy threshold."""
        return self.reference()[3]

    @classmethod
    def maybe(cls, config, dataset, progress_message):
        """A Monitor, or None when monitoring is off or the data set has no classifier (said once)."""
        if not config.monitor_every:
            return None
        try:
            return cls(config, dataset)
        except DataError as e:
            progress_message("note: no quality monitoring (%s)" % e)
            return None

    def check(self, samples):
        """Figures for ``samples`` and a warning text when classes went missing (else None)."""
        valid_feats, train, threshold, _ = self.reference()
        probs, feats = self.classifier.run(samples)
        hist = classifier.class_histogram(probs)
        covered = classifier.modes_covered(hist)
        figures = {
            "classifier_score": classifier.classifier_score(probs),
            "modes_covered": covered,
            "min_class_share": float(hist.min()),
            FCD: frechet_distance(feats, valid_feats),
            COPIES: float(np.mean(nearest_distances(samples[:COPY_SAMPLES], train) < threshold)),
        }
        warning = None
        if covered < self.best_covered or covered <= len(hist) // 2:
            missing = [
                "%s (%.1f%%)" % (self.classes[i], 100 * hist[i]) for i in np.argsort(hist)[: len(hist) - covered]
            ]
            warning = (
                "warning: mode collapse? only %d of %d classes hold 2%% of samples (%d did before); "
                "rarest: %s" % (covered, len(hist), self.best_covered, ", ".join(missing))
            )
        self.best_covered = max(self.best_covered, covered)
        return figures, warning

    def close(self):
        """Release the classifier's session."""
        self.classifier.close()
