"""The run folder: what a training run leaves on disk and how it is found again.

Layout of a run folder::

    config.json          every setting, plus the versions and platform it ran on
    metrics.jsonl        one JSON object per logged step
    events.out.tfevents.*  TensorBoard scalars and sample images
    samples/step_NNNNNN.png  grids from one fixed noise batch
    loss_curve.png
    checkpoints/         tf.train.Saver checkpoints (model.ckpt-STEP.*)

Every file is replaced atomically (written beside, then renamed), so a process
killed at any moment leaves either the old or the new version, never half of one.
"""

import json
import os
import shutil
import sys

from tf1gan import machine
from tf1gan.config import Config
from tf1gan.errors import ConfigError, RunError, first_line
from tf1gan.fileio import atomic_write
from tf1gan.tfcompat import tf

CONFIG = "config.json"
METRICS = "metrics.jsonl"
CHECKPOINTS = "checkpoints"
SAMPLES = "samples"
LOSS_CURVE = "loss_curve.png"
CHECKPOINT_PREFIX = "model.ckpt"
_RUN_MARKERS = (CONFIG, METRICS, CHECKPOINTS)


class Run(object):
    """Paths of one run folder and the reading and writing of its small files."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.config_path = os.path.join(self.path, CONFIG)
        self.metrics_path = os.path.join(self.path, METRICS)
        self.checkpoint_dir = os.path.join(self.path, CHECKPOINTS)
        self.checkpoint_prefix = os.path.join(self.checkpoint_dir, CHECKPOINT_PREFIX)
        self.samples_dir = os.path.join(self.path, SAMPLES)
        self.loss_curve_path = os.path.join(self.path, LOSS_CURVE)

    def exists(self):
        """Whether the folder already holds a run (config, metrics or checkpoints)."""
        return any(os.path.exists(os.path.join(self.path, m)) for m in _RUN_MARKERS)

    def sample_path(self, step):
        """Path of the sample grid written at ``step``."""
        return os.path.join(self.samples_dir, "step_%06d.png" % step)

    def create(self, config, force=False, device="cpu"):
        """Start a new run here: refuse an existing run unless ``force``, then write config.json."""
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise RunError("%s: exists and is not a folder" % self.path)
        if self.exists():
            if not force:
                raise RunError(
                    "%s already holds a run; use --resume to continue it or --force to start over" % self.path
                )
            for name in (CONFIG, METRICS, LOSS_CURVE):
                if os.path.exists(os.path.join(self.path, name)):
                    os.unlink(os.path.join(self.path, name))
            for name in (CHECKPOINTS, SAMPLES):
                shutil.rmtree(os.path.join(self.path, name), ignore_errors=True)
            for name in os.listdir(self.path):
                if name.startswith("events.out.tfevents."):
                    os.unlink(os.path.join(self.path, name))
        try:
            for folder in (self.path, self.checkpoint_dir, self.samples_dir):
                os.makedirs(folder, exist_ok=True)
        except OSError as e:
            raise RunError("%s: cannot create the run folder (%s)" % (self.path, e.strerror or e))
        self.write_config(config, device)

    def write_config(self, config, device="cpu"):
        """Save ``config`` with what decides its bits beside it: versions, the cpu (or gpu) block, threads."""
        doc = dict(machine.describe(config.threads, device), config=config.to_dict(), argv=sys.argv)
        atomic_write(self.config_path, json.dumps(doc, indent=2, sort_keys=True) + "\n")

    def read_machine(self):
        """The :func:`tf1gan.machine.describe` block this run recorded (its CPU is None if it predates that)."""
        self.read_config()  # a clear error for a missing or damaged config.json
        with open(self.config_path) as f:
            doc = json.load(f)
        return {
            "versions": doc.get("versions", {}),
            "cpu": doc.get("cpu"),
            "gpu": doc.get("gpu"),
            "threads": doc.get("threads"),
            "env": doc.get("env", {}),
        }

    def read_config(self):
        """The :class:`Config` this run was made with."""
        try:
            with open(self.config_path) as f:
                doc = json.load(f)
            return Config.from_dict(doc["config"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            if not os.path.exists(self.path):
                raise RunError("%s: no such run folder" % self.path)
            raise RunError("%s: not a readable run config (%s)" % (self.config_path, e))
        except ConfigError as e:
            raise RunError("%s: %s" % (self.config_path, e))

    def read_metrics(self):
        """All logged metric records, in order (a torn last line from a kill is skipped)."""
        records = []
        if not os.path.exists(self.metrics_path):
            return records
        with open(self.metrics_path) as f:
            for line in f:
                try:
                    records.append(json.loads(line))
                except ValueError:
                    break
        return records

    def keep_metrics_until(self, step):
        """Drop metric records after ``step`` (on resume, they will be logged again)."""
        kept = [r for r in self.read_metrics() if r["step"] <= step]
        atomic_write(self.metrics_path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in kept))
        return kept

    def append_metrics(self, record):
        """Append one record to metrics.jsonl and flush it to disk."""
        try:
            with open(self.metrics_path, "a") as f:
                f.write(json.dumps(record, sort_keys=True) + "\n")
        except OSError as e:
            raise RunError("%s: cannot write (%s)" % (self.metrics_path, e.strerror or e))

    def checkpoint(self, path=None):
        """``path`` if given and present, else the latest checkpoint; a :class:`RunError` if there is none."""
        if path:
            if not tf.train.checkpoint_exists(path):
                raise RunError("%s: no such checkpoint" % path)
            return path
        latest = tf.train.latest_checkpoint(self.checkpoint_dir) if os.path.isdir(self.checkpoint_dir) else None
        if latest is None:
            raise RunError("%s: no checkpoint in this run folder" % self.path)
        return latest


def check_checkpoint(path, expected):
    """Raise :class:`RunError` naming every variable missing from checkpoint ``path`` or shaped differently.

    ``expected`` maps checkpoint names to the shapes this graph needs.
    """
    try:
        saved = dict(tf.train.list_variables(path))
    except (tf.errors.OpError, ValueError) as e:
        raise RunError("%s: unreadable checkpoint (%s)" % (path, first_line(e)))
    problems = []
    for name, shape in sorted(expected.items()):
        shape = list(shape)
        if name not in saved:
            problems.append("%s %s missing" % (name, shape))
        elif list(saved[name]) != shape:
            problems.append("%s is %s in the checkpoint, %s here" % (name, list(saved[name]), shape))
    if problems:
        raise RunError(
            "%s was made with another architecture or data set: %s%s"
            % (path, "; ".join(problems[:6]), " (and %d more)" % (len(problems) - 6) if len(problems) > 6 else "")
        )
