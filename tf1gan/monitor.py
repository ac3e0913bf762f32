"""A cheap quality check while training: classifier score and class coverage of samples from fixed noise."""

import numpy as np

from tf1gan import classifier, model
from tf1gan.errors import DataError

MONITOR_SAMPLES = 1000


class Monitor(object):
    """A cheap quality check during training: classifier score and class coverage of fixed-noise samples.

    Uses the data set's shipped evaluation classifier on ``MONITOR_SAMPLES``
    samples from the averaged generator. A collapse is reported the moment it
    is seen: classes that were covered are lost, or half of them or more are
    missing. (Early in training not every class has appeared yet; that alone
    is not a collapse.)
    """

    def __init__(self, config, dataset):
        weights, _ = classifier.load(dataset.name)
        self.classifier = classifier.Classifier(weights)
        self.classes = dataset.classes
        self.z = model.noise_batch(
            config, MONITOR_SAMPLES, np.random.RandomState(model.derive_seed(config.seed, "monitor"))
        )
        self.best_covered = 0

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
        probs = self.classifier.predict(samples)
        hist = classifier.class_histogram(probs)
        covered = classifier.modes_covered(hist)
        figures = {
            "classifier_score": classifier.classifier_score(probs),
            "modes_covered": covered,
            "min_class_share": float(hist.min()),
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
