"""Run the tf1gan command line with one fault injected: what fault tests start instead of ``python -m tf1gan``.

    python tests/faults/inject.py before-save@100 train --out RUN ...   # SIGKILL just before saving step 100
    python tests/faults/inject.py after-save@100 train --out RUN ...    # ... just after it is saved
    python tests/faults/inject.py torn-save@100 train --out RUN ...     # SIGKILL inside the save of step 100
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
    elif point == "torn-save":
        save = train.Trainer.save

        def torn_save(self, step):
            if step == number:
                # what a kill inside Saver.save leaves: the step's files, not yet in the index, and a
                # temporary file of a write in flight (TensorFlow's name for it)
                self.saver.save(
                    self.session, self.folder.checkpoint_prefix, global_step=step, write_meta_graph=False,
                    write_state=False,
                )  # fmt: skip
                with open("%s-%d.data-00000-of-00001.tempstate42" % (self.folder.checkpoint_prefix, step), "wb") as f:
                    f.write(b"\0" * 5000000)
                os.kill(os.getpid(), signal.SIGKILL)
            return save(self, step)

        train.Trainer.save = torn_save
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
