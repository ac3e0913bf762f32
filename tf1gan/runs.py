"""The run folder: what a training run leaves on disk, how it is found again, and who may write it.

Layout of a run folder::

    config.json          every setting, plus what decides its bits (versions, cpu or gpu block, threads)
    metrics.jsonl        one JSON object per logged step
    events.out.tfevents.*  TensorBoard scalars and sample images
    samples/step_NNNNNN.png  grids from one fixed noise batch
    loss_curve.png
    checkpoints/         tf.train.Saver checkpoints (model.ckpt-STEP.*) and their ``checkpoint`` index
    .lock                held (flock) by the one process writing the run

A run folder is self-contained: the checkpoint index names its checkpoints by
relative path, and an index written with absolute paths (by older versions)
is read by file name only, so a copied or moved folder uses its own files and
never touches another folder's. Every small file is replaced atomically
(written beside, then renamed), so a process killed at any moment leaves
either the old or the new version, never half of one.
"""

import collections
import errno
import fcntl
import json
import os
import re
import sys

from tf1gan import machine
from tf1gan.config import Config
from tf1gan.errors import ConfigError, RunError, first_line
from tf1gan.fileio import atomic_write, default_mode
from tf1gan.tfcompat import tf

CONFIG = "config.json"
METRICS = "metrics.jsonl"
DAMAGED_METRICS = "metrics.damaged.jsonl"
CHECKPOINTS = "checkpoints"
CHECKPOINT_INDEX = "checkpoint"
SAMPLES = "samples"
LOSS_CURVE = "loss_curve.png"
LOCK = ".lock"
CHECKPOINT_PREFIX = "model.ckpt"
KEEP_CHECKPOINTS = 3

# What tf1gan writes into a run folder, and nothing else: all that --force may delete.
_OWN_TOP = re.compile(r"^(config\.json|metrics\.jsonl|loss_curve\.png|events\.out\.tfevents\..+|\..+\.tmp)$")
_OWN_SAMPLE = re.compile(r"^step_\d{6}\.png$")
# A file of checkpoint step (1), or TensorFlow's temporary file (2) of one being written.
_CHECKPOINT_FILE = re.compile(r"^model\.ckpt-(\d+)\.(?:index|meta|data-\d{5}-of-\d{5})(\.tempstate\d+)?$")
_OWN_CHECKPOINT = re.compile(
    r"^(checkpoint|model\.ckpt-(\d+)\.(index|meta|data-\d{5}-of-\d{5})|model\.ckpt-\d+_temp\S*|\..+\.tmp)$"
)

Checkpoint = collections.namedtuple("Checkpoint", "step prefix")
Checkpoint.__doc__ = "A checkpoint of a run folder: its global step and its path prefix inside the folder."


class RunFolder(object):
    """Paths of one run folder and the reading and writing of its small files."""

    def __init__(self, path):
        if not path:
            raise ConfigError("the run folder must be named (got an empty path)")
        self.path = os.path.abspath(path)
        self.config_path = os.path.join(self.path, CONFIG)
        self.metrics_path = os.path.join(self.path, METRICS)
        self.checkpoint_dir = os.path.join(self.path, CHECKPOINTS)
        self.checkpoint_prefix = os.path.join(self.checkpoint_dir, CHECKPOINT_PREFIX)
        self.samples_dir = os.path.join(self.path, SAMPLES)
        self.loss_curve_path = os.path.join(self.path, LOSS_CURVE)

    def holds_run(self):
        """Whether the folder holds a tf1gan run: its config, metrics, events, or checkpoints of its own."""
        if any(_OWN_TOP.match(name) and not name.startswith(".") for name in _listdir(self.path)):
            return True
        return any(_OWN_CHECKPOINT.match(name) and not name.startswith(".") for name in _listdir(self.checkpoint_dir))

    def _foreign(self):
        """Entries of the folder that tf1gan did not write (a lock file does not count)."""
        return sorted(name for name in _listdir(self.path) if name != LOCK and not _OWN_TOP.match(name))

    def sample_path(self, step):
        """Path of the sample grid written at ``step``."""
        return os.path.join(self.samples_dir, "step_%06d.png" % step)

    def check_writable_target(self, force):
        """Refuse, before anything is written, a folder a new run may not go into (see :meth:`create`)."""
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise RunError("%s: exists and is not a folder" % self.path)
        if self.holds_run():
            if not force:
                raise RunError(
                    "%s already holds a run; use --resume to continue it or --force to start over" % self.path
                )
        elif self._foreign():
            raise RunError(
                "%s holds files that are not a tf1gan run (%s); choose a new or empty folder"
                % (self.path, ", ".join(self._foreign()[:3]) + (", ..." if len(self._foreign()) > 3 else ""))
            )

    def create(self, config, force=False, device="cpu"):
        """Start a new run here and write config.json.

        An existing run is refused unless ``force``; with it, only the files
        tf1gan writes are deleted (anything else in the folder stays). A folder
        holding other files is always refused.
        """
        self.check_writable_target(force)
        if self.holds_run():
            self.remove_own_files()
        try:
            for folder in (self.path, self.checkpoint_dir, self.samples_dir):
                os.makedirs(folder, exist_ok=True)
        except OSError as e:
            raise RunError("%s: cannot create the run folder (%s)" % (self.path, e.strerror or e))
        self.write_config(config, device)

    def remove_own_files(self):
        """Delete what tf1gan writes into a run folder (nothing else), and its subfolders if that empties them."""
        try:
            for folder, pattern in (
                (self.path, _OWN_TOP),
                (self.samples_dir, _OWN_SAMPLE),
                (self.checkpoint_dir, _OWN_CHECKPOINT),
            ):
                for name in _listdir(folder):
                    if pattern.match(name) and os.path.isfile(os.path.join(folder, name)):
                        os.unlink(os.path.join(folder, name))
            for folder in (self.samples_dir, self.checkpoint_dir):
                if os.path.isdir(folder) and not os.listdir(folder):
                    os.rmdir(folder)
        except OSError as e:
            raise RunError("%s: cannot clear the old run (%s)" % (self.path, e.strerror or e))

    def remove_if_empty(self):
        """Remove the folder if nothing but a released lock file is left in it."""
        try:
            if set(_listdir(self.path)) <= {LOCK} and os.path.isdir(self.path):
                if os.path.exists(os.path.join(self.path, LOCK)):
                    os.unlink(os.path.join(self.path, LOCK))
                os.rmdir(self.path)
        except OSError:
            pass  # an empty folder left behind is harmless; the error that led here matters more

    def lock(self):
        """A :class:`RunLock` on this folder (the folder must exist)."""
        return RunLock(self.path)

    def write_config(self, config, device="cpu"):
        """Save ``config`` with what decides its bits beside it: versions, the cpu (or gpu) block, threads."""
        doc = dict(machine.describe(config.threads, device), config=config.to_dict(), argv=sys.argv)
        atomic_write(self.config_path, json.dumps(doc, indent=2, sort_keys=True) + "\n")

    def _read_config_doc(self):
        try:
            with open(self.config_path) as f:
                doc = json.load(f)
            if not isinstance(doc, dict) or not isinstance(doc.get("config"), dict):
                raise ValueError("no 'config' object")
            return doc
        except (OSError, ValueError) as e:
            if not os.path.isdir(self.path):
                raise RunError("%s: no such run folder" % self.path)
            if not os.path.exists(self.config_path):
                raise RunError("%s: not a run folder (no %s)" % (self.path, CONFIG))
            raise RunError("%s: not a readable run config (%s)" % (self.config_path, first_line(e)))

    def read_config(self):
        """The :class:`Config` this run was made with."""
        try:
            return Config.from_dict(self._read_config_doc()["config"])
        except ConfigError as e:
            raise RunError("%s: %s" % (self.config_path, e))

    def read_machine(self):
        """The :func:`tf1gan.machine.describe` block this run recorded (its CPU is None if it predates that)."""
        doc = self._read_config_doc()
        block = {
            key: doc.get(key, default)
            for key, default in (("versions", {}), ("cpu", None), ("gpu", None), ("threads", None), ("env", {}))
        }
        try:
            machine.check_block(block)
        except ValueError as e:
            raise RunError("%s: not a readable run config (%s)" % (self.config_path, e))
        return block

    def _parse_metrics(self):
        """(records, damaged lines as (line number, text)): a record is a JSON object with an integer step."""
        records, damaged = [], []
        try:
            with open(self.metrics_path, encoding="utf-8", errors="replace") as f:
                lines = f.read().split("\n")
        except FileNotFoundError:
            return records, damaged
        except OSError as e:
            raise RunError("%s: cannot read (%s)" % (self.metrics_path, e.strerror or e))
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record.get("step"), int) or isinstance(record["step"], bool):
                    raise ValueError("no integer step")
                records.append(record)
            except (ValueError, AttributeError):
                damaged.append((number, line))
        return records, damaged

    def read_metrics(self):
        """Every readable metric record, in file order (damaged lines are left out: :meth:`keep_metrics_until`)."""
        return self._parse_metrics()[0]

    def keep_metrics_until(self, step):
        """Drop metric records after ``step`` (on resume, they are logged again); return (kept, damaged).

        Damaged lines (a line torn by a kill, a hand edit) are moved, as they
        were, to metrics.damaged.jsonl rather than lost; ``damaged`` lists
        their line numbers.
        """
        records, damaged = self._parse_metrics()
        kept = [r for r in records if r["step"] <= step]
        if damaged:
            try:
                with open(os.path.join(self.path, DAMAGED_METRICS), "a", encoding="utf-8") as f:
                    f.write("".join(text + "\n" for _, text in damaged))
            except OSError as e:
                raise RunError("%s: cannot write (%s)" % (DAMAGED_METRICS, e.strerror or e))
        atomic_write(self.metrics_path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in kept))
        return kept, [number for number, _ in damaged]

    def append_metrics(self, record):
        """Append one record to metrics.jsonl and flush it to disk."""
        try:
            with open(self.metrics_path, "a") as f:
                f.write(json.dumps(record, sort_keys=True) + "\n")
        except OSError as e:
            raise RunError("%s: cannot write (%s)" % (self.metrics_path, e.strerror or e))

    def checkpoints(self):
        """Every checkpoint whose files are in this folder, oldest first (whatever the index says)."""
        steps = set()
        for name in _listdir(self.checkpoint_dir):
            m = _OWN_CHECKPOINT.match(name)
            if m and m.group(3) == "index":
                steps.add(int(m.group(2)))
        return [Checkpoint(s, "%s-%d" % (self.checkpoint_prefix, s)) for s in sorted(steps)]

    def retire_orphans(self):
        """Delete checkpoint files that a process killed while saving left behind, once a later save is indexed.

        Those are the files of steps the index does not name, older than its
        newest checkpoint, and TensorFlow's ``.tempstate`` files of a write that
        never finished, up to that step. Newer ones are left alone: a resumed
        run writes them again, or retires them later. Call after a save, under
        the run's lock; a file that cannot be deleted now is tried again at the next save.
        """
        indexed = self.indexed_checkpoints()
        if not indexed:
            return
        named, newest = {c.step for c in indexed}, indexed[-1].step
        for name in _listdir(self.checkpoint_dir):
            m = _CHECKPOINT_FILE.match(name)
            if m and int(m.group(1)) <= newest and (m.group(2) or int(m.group(1)) not in named):
                try:
                    os.unlink(os.path.join(self.checkpoint_dir, name))
                except OSError:
                    pass

    def indexed_checkpoints(self):
        """The checkpoints the ``checkpoint`` index names, oldest first, each mapped into this folder.

        Only the file name of each entry is used: an index copied or moved with
        its folder, or written with absolute paths, never leads outside it.
        """
        path = os.path.join(self.checkpoint_dir, CHECKPOINT_INDEX)
        if not os.path.exists(path):
            return []
        try:
            state = tf.train.get_checkpoint_state(self.checkpoint_dir)
        except (tf.errors.OpError, ValueError) as e:
            raise RunError("%s: unreadable checkpoint index (%s)" % (path, first_line(e)))
        if state is None:
            return []
        named = list(state.all_model_checkpoint_paths) or [state.model_checkpoint_path]
        if state.model_checkpoint_path and os.path.basename(state.model_checkpoint_path) != os.path.basename(named[-1]):
            named.append(state.model_checkpoint_path)
        found = []
        for entry in named:
            m = re.match(r"^%s-(\d+)$" % re.escape(CHECKPOINT_PREFIX), os.path.basename(entry))
            if m:
                found.append(Checkpoint(int(m.group(1)), "%s-%s" % (self.checkpoint_prefix, m.group(1))))
        return found

    def checkpoint(self, which=None, flag="--checkpoint"):
        """The checkpoint to use: the index's latest, or ``which`` (a step, or a path prefix in this folder).

        Anything else is a :class:`RunError` that names what exists instead;
        ``flag`` is the option that picks another one.
        """
        present = self.checkpoints()
        if which is not None:
            step = _step_of(which, self.checkpoint_dir)
            for c in present:
                if c.step == step:
                    return c
            raise RunError(
                "%s: no checkpoint of step %s in this run folder (%s)" % (self.path, which, _steps_text(present))
            )
        indexed = self.indexed_checkpoints()
        if not indexed:
            if not os.path.isdir(self.path):
                raise RunError("%s: no such run folder" % self.path)
            if present:
                raise RunError(
                    "%s: the checkpoint index is missing; %s: pick one with %s STEP"
                    % (self.path, _steps_text(present), flag)
                )
            raise RunError("%s: no checkpoint in this run folder" % self.path)
        latest = indexed[-1]
        if latest not in present:
            older = [c for c in present if c.step < latest.step]
            raise RunError(
                "%s: the latest checkpoint, %s, is missing%s"
                % (self.path, os.path.basename(latest.prefix), _offer(older, flag))
            )
        return latest

    def restore(self, saver, sess, checkpoint, flag="--checkpoint"):
        """``saver.restore`` from ``checkpoint``; a damaged checkpoint is a :class:`RunError` naming its file."""
        try:
            saver.restore(sess, checkpoint.prefix)
        except (tf.errors.OpError, ValueError) as e:
            older = [c for c in self.checkpoints() if c.step < checkpoint.step]
            raise RunError(
                "%s: checkpoint %s is damaged (%s)%s"
                % (self.path, _files_of(checkpoint), first_line(e), _offer(older, flag))
            )


class RunLock(object):
    """An exclusive ``flock`` on a run folder's ``.lock``, held while a process writes the run.

    A second writer gets a one-line :class:`RunError` naming the holder's PID;
    readers (sample, evaluate, export) never take it. The kernel releases the
    lock when its process dies, however it dies, so a killed run never blocks
    a later ``--resume``.
    """

    def __init__(self, folder):
        self.path = os.path.join(folder, LOCK)
        self.fd = None

    def __enter__(self):
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, default_mode())
        except OSError as e:
            raise RunError("%s: cannot create the lock file (%s)" % (self.path, e.strerror or e))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise RunError("%s: cannot lock (%s)" % (self.path, e.strerror or e))
            raise RunError(
                "%s is being written by another tf1gan process (PID %s); wait for it to finish or stop it "
                "(it saves a checkpoint on SIGINT / SIGTERM)" % (os.path.dirname(self.path), holder)
            )
        os.ftruncate(fd, 0)
        os.write(fd, ("%d\n" % os.getpid()).encode())
        self.fd = fd
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _listdir(folder):
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _step_of(which, checkpoint_dir):
    """The step a ``--checkpoint`` value names: ``20``, ``model.ckpt-20`` or a path to it in ``checkpoint_dir``."""
    text = str(which)
    if text.isdigit():
        return int(text)
    m = re.match(
        r"^%s-(\d+)(\.index|\.meta|\.data-\d{5}-of-\d{5})?$" % re.escape(CHECKPOINT_PREFIX), os.path.basename(text)
    )
    inside = os.path.dirname(text) in ("", ".") or os.path.realpath(os.path.dirname(text)) == os.path.realpath(
        checkpoint_dir
    )
    if not m or not inside:
        raise RunError(
            "%s: not a checkpoint of this run folder; give a step number or a model.ckpt-STEP file of %s"
            % (text, checkpoint_dir)
        )
    return int(m.group(1))


def _steps_text(checkpoints):
    if not checkpoints:
        return "it has none"
    return "it has step%s %s" % ("s" if len(checkpoints) > 1 else "", ", ".join(str(c.step) for c in checkpoints))


def _files_of(checkpoint):
    data = [
        n
        for n in _listdir(os.path.dirname(checkpoint.prefix))
        if n.startswith(os.path.basename(checkpoint.prefix) + ".data-")
    ]
    return os.path.join(os.path.dirname(checkpoint.prefix), data[0]) if data else checkpoint.prefix + ".*"


def _intact(checkpoint):
    """Whether every tensor of ``checkpoint`` reads back (TensorFlow checks each one's checksum)."""
    try:
        reader = tf.train.load_checkpoint(checkpoint.prefix)
        for name in reader.get_variable_to_shape_map():
            reader.get_tensor(name)
        return True
    except (tf.errors.OpError, ValueError):
        return False


def _offer(older, flag):
    """The sentence offering the newest intact older checkpoint, or saying there is none."""
    intact = [c for c in older if _intact(c)]
    if not intact:
        return "; no older intact checkpoint is left in the run folder"
    return "; the newest intact one is step %d: use it with %s %d" % (intact[-1].step, flag, intact[-1].step)


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
