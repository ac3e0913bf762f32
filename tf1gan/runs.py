"""The run folder: what a training run leaves on disk, how it is found again, and who may write it.

Layout of a run folder::

    config.json          every setting, plus what decides its bits (versions, cpu or gpu block, threads)
    metrics.jsonl        one JSON object per logged step
    events.out.tfevents.*  TensorBoard scalars and sample images
    samples/step_NNNNNN.png  grids from one fixed noise batch
    loss_curve.png
    checkpoints/         tf.train.Saver checkpoints (model.ckpt-STEP.*) and their ``checkpoint`` index;
                         best.ckpt-STEP.* and best.json: the weights of the best validation FCD so far
                         (kept apart, so rotation never removes them)
    .lock                held (flock) by the one process writing the run
    .tf1gan-run          the marker that proves tf1gan made the folder (see tf1gan.owned)

A run folder is self-contained: the checkpoint index names its checkpoints by
relative path, and an index written with absolute paths (by older versions)
is read by file name only, so a copied or moved folder uses its own files and
never touches another folder's. Every small file is replaced atomically
(written beside, then renamed), so a process killed at any moment leaves
either the old or the new version, never half of one.

Only a folder that provably holds a tf1gan run (its marker, or, for runs of
earlier versions, a ``config.json`` that is a tf1gan config) is ever cleared,
and then only of the files tf1gan writes; a link where tf1gan keeps its own
file or folder is refused before anything is deleted or written.
"""

import collections
import json
import os
import re
import sys

from tf1gan import machine, owned
from tf1gan.config import Config
from tf1gan.errors import ConfigError, RunError, first_line
from tf1gan.fileio import LOCK, RunLock, atomic_write  # noqa: F401 (RunLock: runs.RunLock as before)
from tf1gan.tfcompat import tf

CONFIG = "config.json"
METRICS = "metrics.jsonl"
DAMAGED_METRICS = "metrics.damaged.jsonl"
CHECKPOINTS = "checkpoints"
CHECKPOINT_INDEX = "checkpoint"
SAMPLES = "samples"
LOSS_CURVE = "loss_curve.png"
MARKER = "run"  # owned.marker_path(folder, MARKER) is .tf1gan-run
CHECKPOINT_PREFIX = "model.ckpt"
KEEP_CHECKPOINTS = 3
BEST_PREFIX = "best.ckpt"
BEST_INFO = "best.json"

# What tf1gan writes into a run folder, and nothing else: all that --force may delete (in a proven run only).
_OWN_TOP = re.compile(
    r"^(\.tf1gan-run|config\.json|metrics(\.damaged)?\.jsonl|loss_curve\.png|events\.out\.tfevents\..+|\..+\.tmp)$"
)
_OWN_SAMPLE = re.compile(r"^step_\d{6}\.png$")
# A file of checkpoint step (1), or TensorFlow's temporary file (2) of one being written.
_CHECKPOINT_FILE = re.compile(r"^model\.ckpt-(\d+)\.(?:index|meta|data-\d{5}-of-\d{5})(\.tempstate\d+)?$")
_OWN_CHECKPOINT = re.compile(
    r"^(checkpoint|model\.ckpt-(\d+)\.(index|meta|data-\d{5}-of-\d{5})(\.tempstate\d+)?|model\.ckpt-\d+_temp\S*|\..+\.tmp)$"
)

_OWN_BEST = re.compile(r"^(best\.json|best\.ckpt-(\d+)\.(index|data-\d{5}-of-\d{5})|best\.ckpt-\d+_temp\S*)$")

Checkpoint = collections.namedtuple("Checkpoint", "step prefix")
Checkpoint.__doc__ = "A checkpoint of a run folder: its global step and its path prefix inside the folder."
# Settings every tf1gan config.json since the first version holds: with "versions" and "argv" beside them, they
# tell a run's config from an application's config.json.
_CORE_SETTINGS = ("dataset", "z_dim", "batch_size", "steps", "seed")


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
        """Whether the folder provably holds a tf1gan run: its marker, or a config.json that is a tf1gan config.

        File names prove nothing (a TensorBoard logdir has events files too);
        runs of versions before the marker are recognised by their config.
        """
        return owned.read_marker(self.path, MARKER) is not None or _is_run_config(self.config_path)

    def check_layout(self):
        """Refuse, before anything is deleted or written, a folder where a link stands in for tf1gan's own files.

        ``checkpoints`` and ``samples`` must be folders and tf1gan's files
        regular files, none of them a symbolic link: a delete or a write there
        must never lead out of the run folder (into another run, onto a user's
        file).
        """
        for name in (CHECKPOINTS, SAMPLES):
            full = os.path.join(self.path, name)
            owned.refuse_link(full)
            if os.path.lexists(full) and not owned.is_plain_dir(full):
                raise RunError("%s is not a folder; tf1gan keeps its %s there: move it away" % (full, name))
        for folder, pattern in self._own_patterns():
            for name in _listdir(folder):
                full = os.path.join(folder, name)
                if pattern.match(name) or full == os.path.join(self.path, LOCK):
                    owned.refuse_link(full)
                    if not owned.is_plain_file(full):
                        raise RunError(
                            "%s is not a regular file; tf1gan writes its own %s there: move it away" % (full, name)
                        )

    def _own_patterns(self):
        """(folder, pattern of the names tf1gan writes there): all that --force deletes, and none may be a link."""
        return (
            (self.path, _OWN_TOP),
            (self.samples_dir, _OWN_SAMPLE),
            (self.checkpoint_dir, _OWN_CHECKPOINT),
            (self.checkpoint_dir, _OWN_BEST),
        )

    def _foreign(self):
        """Entries of the folder that tf1gan did not write (a lock file does not count)."""
        return sorted(name for name in _listdir(self.path) if name != LOCK and not _OWN_TOP.match(name))

    def sample_path(self, step):
        """Path of the sample grid written at ``step``."""
        return os.path.join(self.samples_dir, "step_%06d.png" % step)

    def check_writable_target(self, force):
        """Refuse, before anything is written, a folder a new run may not go into (see :meth:`create`)."""
        if os.path.lexists(self.path) and not os.path.isdir(self.path):
            raise RunError("%s: exists and is not a folder" % self.path)
        self.check_layout()
        if self.holds_run():
            if not force:
                raise RunError(
                    "%s already holds a run; use --resume to continue it or --force to start over" % self.path
                )
            if os.path.lexists(self.config_path) and not _is_run_config(self.config_path):
                raise RunError(
                    "%s is not a tf1gan config; --force replaces only what tf1gan wrote: move it away"
                    % self.config_path
                )
            return
        entries, foreign = sorted(name for name in _listdir(self.path) if name != LOCK), self._foreign()
        if foreign:
            raise RunError(
                "%s holds files that are not a tf1gan run (%s); choose a new or empty folder"
                % (self.path, _some(foreign))
            )
        if entries:  # tf1gan's file names, but no proof that tf1gan wrote them (a TensorBoard logdir, say)
            raise RunError(
                "%s is not a tf1gan run: it holds %s, but neither tf1gan's marker (%s) nor a tf1gan config.json; "
                "tf1gan replaces only what it wrote, so choose a new or empty folder"
                % (self.path, _some(entries), os.path.basename(owned.marker_path(self.path, MARKER)))
            )

    def create(self, config, force=False, device="cpu"):
        """Start a new run here: write its marker, then config.json.

        An existing run is refused unless ``force``; with it, only the files
        tf1gan writes are deleted (anything else in the folder stays), once
        every check has passed. A folder that is not provably a tf1gan run,
        or where a link stands in for tf1gan's files, is always refused.
        """
        self.check_writable_target(force)
        if self.holds_run():
            self.remove_own_files()
        try:
            os.makedirs(self.path, exist_ok=True)
            owned.write_marker(self.path, MARKER)
            for folder in (self.checkpoint_dir, self.samples_dir):
                os.makedirs(folder, exist_ok=True)
        except OSError as e:
            raise RunError("%s: cannot create the run folder (%s)" % (self.path, e.strerror or e))
        self.write_config(config, device)

    def remove_own_files(self):
        """Delete what tf1gan writes into a run folder (nothing else), and its subfolders if that empties them.

        Only regular files are deleted and only real subfolders entered (never
        a link); the marker goes last, so a run cut short here stays provable.
        """
        marker = owned.marker_path(self.path, MARKER)
        try:
            for folder, pattern in self._own_patterns():
                if not owned.is_plain_dir(folder):
                    continue
                for name in _listdir(folder):
                    path = os.path.join(folder, name)
                    if pattern.match(name) and path != marker and owned.is_plain_file(path):
                        os.unlink(path)
            for folder in (self.samples_dir, self.checkpoint_dir):
                if owned.is_plain_dir(folder) and not os.listdir(folder):
                    os.rmdir(folder)
            if owned.is_plain_file(marker):
                os.unlink(marker)
        except OSError as e:
            raise RunError("%s: cannot clear the old run (%s)" % (self.path, e.strerror or e))

    def remove_if_empty(self):
        """Remove the folder if nothing but a released lock file is left in it."""
        try:
            if set(_listdir(self.path)) <= {LOCK} and os.path.isdir(self.path):
                if owned.is_plain_file(os.path.join(self.path, LOCK)):
                    os.unlink(os.path.join(self.path, LOCK))
                os.rmdir(self.path)
        except OSError:
            pass  # an empty folder left behind is harmless; the error that led here matters more

    def lock(self):
        """A :class:`RunLock` on this folder (the folder must exist), once :meth:`check_layout` has passed."""
        self.check_layout()
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
            if m and m.group(3) == "index" and not m.group(4):
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
        """The checkpoint to use: the index's latest, or ``which`` (a step, a path prefix here, latest, best).

        ``best`` is the checkpoint of :meth:`best_checkpoint`; ``latest`` the default.

        Anything else is a :class:`RunError` that names what exists instead;
        ``flag`` is the option that picks another one.
        """
        if which == "best":
            return self.best_checkpoint(flag)
        if which == "latest":
            which = None
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

    def best_info(self):
        """What best.json says (``step``, ``val_fcd``), or None when the run keeps no best checkpoint."""
        path = os.path.join(self.checkpoint_dir, BEST_INFO)
        try:
            with open(path) as f:
                info = json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise RunError("%s: unreadable (%s)" % (path, first_line(e)))
        if not isinstance(info, dict) or not isinstance(info.get("step"), int):
            raise RunError("%s: not a best-checkpoint record (no integer step)" % path)
        return info

    def best_checkpoint(self, flag="--checkpoint"):
        """The checkpoint of the best validation FCD; a :class:`RunError` saying what to do when there is none."""
        if not os.path.isdir(self.path):
            raise RunError("%s: no such run folder" % self.path)
        info = self.best_info()
        if info is None:
            raise RunError(
                "%s: no best checkpoint (only runs trained with the quality monitor on, --monitor-every N, by "
                "this version of tf1gan keep one); use %s latest or a step number" % (self.path, flag)
            )
        best = Checkpoint(info["step"], os.path.join(self.checkpoint_dir, "%s-%d" % (BEST_PREFIX, info["step"])))
        if not os.path.exists(best.prefix + ".index"):
            raise RunError(
                "%s: the best checkpoint, %s, is missing; use %s latest or a step number"
                % (self.path, os.path.basename(best.prefix), flag)
            )
        return best

    def keep_best(self, saver, session, step, val_fcd):
        """Save ``session``'s variables as the best checkpoint (step ``step``), then drop the previous best.

        The index of rotation is not touched (``write_state=False``), so the
        best is never rotated away. best.json is replaced atomically once the
        new files are complete: a process killed at any moment leaves the old
        best or the new one, named by best.json, with its files.
        """
        prefix = os.path.join(self.checkpoint_dir, "%s-%d" % (BEST_PREFIX, step))
        try:
            saver.save(session, prefix, write_meta_graph=False, write_state=False)
        except (tf.errors.OpError, OSError) as e:
            raise RunError(
                "%s: cannot write the best checkpoint at step %d (%s)" % (self.checkpoint_dir, step, first_line(e))
            )
        doc = {"step": step, "val_fcd": val_fcd, "checkpoint": os.path.basename(prefix)}
        atomic_write(os.path.join(self.checkpoint_dir, BEST_INFO), json.dumps(doc, indent=2, sort_keys=True) + "\n")
        self._remove_best_files(keep=step)

    def remove_best(self):
        """Delete the best checkpoint and best.json (its weights lie past the step a run resumes from)."""
        try:
            os.unlink(os.path.join(self.checkpoint_dir, BEST_INFO))
        except FileNotFoundError:
            pass
        except OSError as e:
            raise RunError("%s: cannot remove (%s)" % (BEST_INFO, e.strerror or e))
        self._remove_best_files(keep=None)

    def _remove_best_files(self, keep):
        """Delete the best.ckpt files of every step but ``keep``."""
        for name in _listdir(self.checkpoint_dir):
            m = _OWN_BEST.match(name)
            if m and m.group(2) is not None and int(m.group(2)) != keep:
                try:
                    os.unlink(os.path.join(self.checkpoint_dir, name))
                except OSError:
                    pass  # a stale best file costs disk space only; best.json names the one in use


def _is_run_config(path):
    """Whether ``path`` is a regular file holding a tf1gan run's config (as every version wrote it)."""
    doc = owned.read_plain_json(path)
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("config"), dict)
        and isinstance(doc.get("versions"), dict)
        and isinstance(doc.get("argv"), list)
        and all(key in doc["config"] for key in _CORE_SETTINGS)
    )


def _some(names):
    """The first three of ``names``, for a message."""
    return ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")


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
