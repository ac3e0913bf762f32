"""Run the tf1gan command line with one fault injected: what fault tests start instead of ``python -m tf1gan``.

    python tests/faults/inject.py before-save@100 train --out RUN ...   # SIGKILL just before saving step 100
    python tests/faults/inject.py after-save@100 train --out RUN ...    # ... just after it is saved
    python tests/faults/inject.py nan@24 train --out RUN ...            # NaN noise in batch 24 (step 25)

The faults are wrapped around :class:`tf1gan.train.Trainer` here, so the
production code carries no switch for them.
"""

import os
import signal
import sys

import numpy as np

from tf1gan import cli, train


def inject(fault):
    """Patch ``train.Trainer`` with the fault ``point@number``."""
    point, _, number = fault.partition("@")
    number = int(number)
    if point in ("before-save", "after-save"):
        save = train.Trainer.save

        def killing_save(self, step):
            if point == "before-save" and step == number:
                os.kill(os.getpid(), signal.SIGKILL)
            path = save(self, step)
            if point == "after-save" and step == number:
                os.kill(os.getpid(), signal.SIGKILL)
            return path

        train.Trainer.save = killing_save
    elif point == "nan":
        feed = train.Trainer.feed

        def poisoned_feed(self, b):
            batch = feed(self, b)
            if b == number:
                batch[self.gan.inputs.Z] = np.full((self.config.batch_size, self.config.z_dim), np.nan, np.float32)
            return batch

        train.Trainer.feed = poisoned_feed
    else:
        raise SystemExit("unknown fault %r" % fault)


if __name__ == "__main__":
    inject(sys.argv[1])
    sys.exit(cli.main(sys.argv[2:]))
