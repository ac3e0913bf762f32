"""Which monitor check was best, how many checks since, and when training has turned (over-training).

The training monitor scores every check with the validation FCD (lower is
better). A :class:`Watch` follows those scores: it says when a check improves on
the best (the run then keeps that step's weights as its ``best`` checkpoint),
counts the checks since (``--early-stop N`` stops after N of them), and says
once when training has turned: the FCD has stayed clearly above its best for
several checks *and* near copies of training images exceed the share real
held-out images have. Either sign alone is common noise; both together are
the pattern of a generator drifting towards its training set.

Its whole state follows from the metric records of the checks, so a resumed
run rebuilds it from ``metrics.jsonl`` (records up to the step resumed from)
and goes on exactly as the uninterrupted run did.
"""

import math

# "Clearly above": at least this factor over the best FCD, for this many checks in a row. A choice, not yet
# calibrated over seeds: the over-trained default of docs/results.md was 4 times its best, so a wide margin
# loses nothing there and keeps the check-to-check noise of 1,000-sample FCDs from warning.
CLEARLY_ABOVE = 1.2
WARN_AFTER = 3

FCD = "val_fcd"
COPIES = "copy_rate"


class Watch(object):
    """The best validation FCD of a run so far, the checks since it, and the over-training warning.

    ``real_copy_rate`` is a function returning the share of real held-out
    images that count as near copies of training images (the monitor's
    reference for ``copy_rate``); it is called only when the FCD alone would
    warn, since it may cost a pass over the training set.
    """

    def __init__(self, real_copy_rate):
        self.real_copy_rate = real_copy_rate
        self.best_step = None
        self.best_fcd = math.inf
        self.since = 0  # checks after the best one, none of them better
        self.above_since = None  # first step of the current streak of checks clearly above the best
        self.above = 0  # checks in that streak
        self.warned = False
        self.last = None  # (step, FCD) of the latest check

    @classmethod
    def from_records(cls, records, real_copy_rate):
        """The watch as it stood after the monitor checks among ``records`` (metric dicts, in step order)."""
        watch = cls(real_copy_rate)
        for r in records:
            if FCD in r:
                watch.observe(r["step"], r[FCD], r.get(COPIES, 0.0))
        return watch

    def forget_best(self):
        """Start over from no best (its weights are gone): the next check becomes the best."""
        self.best_step, self.best_fcd, self.since, self.above_since, self.above = None, math.inf, 0, None, 0

    def observe(self, step, fcd, copy_rate):
        """Take the check at ``step``; return (whether it is the new best, a warning line to print or None)."""
        self.last = (step, fcd)
        if fcd < self.best_fcd:
            self.best_step, self.best_fcd, self.since, self.above_since, self.above = step, fcd, 0, None, 0
            return True, None
        self.since += 1
        if fcd > CLEARLY_ABOVE * self.best_fcd:
            self.above += 1
            if self.above_since is None:
                self.above_since = step
        else:
            self.above_since, self.above = None, 0
        if self.warned or self.above < WARN_AFTER or copy_rate <= self.real_copy_rate():
            return False, None
        self.warned = True
        return False, (
            "warning: over-training? since step %d the validation FCD has stayed over %d%% above its best "
            "(%.1f at step %d), now %.1f; near copies of training images are %.1f%% of samples against %.1f%% "
            "of real held-out images. Use the best weights with --checkpoint best (sample, evaluate, export), "
            "and stop earlier with --early-stop N"
            % (
                self.above_since,
                round(100 * (CLEARLY_ABOVE - 1)),
                self.best_fcd,
                self.best_step,
                fcd,
                100 * copy_rate,
                100 * self.real_copy_rate(),
            )
        )

    def summary(self):
        """The line ``train`` ends with: the best check beside the last one, or None without checks."""
        if self.last is None:
            return None
        if self.best_step is None:
            return "validation FCD: last check step %d, %.2f; no best checkpoint kept" % self.last
        return "best: step %d, validation FCD %.2f (use it with --checkpoint best); last check: step %d, %.2f" % (
            (self.best_step, self.best_fcd) + self.last
        )
