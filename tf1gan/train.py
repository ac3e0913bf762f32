"""The ``tf.Session`` training loop: alternating updates, progress, outputs, checkpoints, resume.

One call of :func:`train` runs a whole training run into a run folder. Each step
runs the graph's ``train_step`` (a discriminator Adam step, then a generator
Adam step that sees the updated discriminator; with ``d_steps`` k > 1, k - 1
extra discriminator steps run first). Batches and noise are pure functions of
the run's seed and the batch number, so ``--resume`` from a checkpoint at step s
continues exactly as the uninterrupted run did.

A :class:`Trainer` owns the graph, the session and the saver: every
``Session.run`` of training happens in one of its methods. :func:`train` owns
the run folder and the loop, which reads top to bottom: start or restore, then
step, log, sample, checkpoint, stop.

What a run survives: SIGINT / SIGTERM finish the step in flight, write a
checkpoint and raise :class:`Interrupted`; SIGKILL at any moment leaves the
previous checkpoint as the latest, since the ``checkpoint`` index only changes
after a checkpoint's files are complete; a NaN or infinite loss stops the run
before anything from that step is saved.

With the quality monitor on, each check that improves the validation FCD keeps
its weights as the run's ``best`` checkpoint (:meth:`runs.RunFolder.keep_best`),
and a :class:`best.Watch` warns once when training has turned; ``early_stop``
ends the run after that many checks without improvement.
"""

import collections
import math
import os
import signal
import time

import numpy as np

from tf1gan import best, convnets, data, model, plots, resources, runs, signals
from tf1gan.config import flag_of
from tf1gan.errors import ConfigError, Interrupted, NonFiniteLossError, RunError, first_line
from tf1gan.monitor import Monitor
from tf1gan.progress import Progress
from tf1gan.tfcompat import TF_VERSION, gpu_devices, session_config, tf

TrainResult = collections.namedtuple("TrainResult", "folder step metrics steps_per_s best stopped_early")
TrainResult.__doc__ = """What :func:`train` did: the run folder's path, the step reached, its metrics, steps/s,
the line naming the best check beside the last (None without the monitor), and whether ``early_stop`` ended it."""
GRID_SIZE = 100


def resolve_device(device):
    """``cpu`` or ``gpu`` for the run's ``--device`` choice; ``gpu`` without a GPU is an error."""
    if device == "cpu":
        return "cpu"
    gpus = gpu_devices()
    if device == "gpu" and not gpus:
        raise ConfigError(
            "--device gpu: TensorFlow sees no GPU here (CUDA build and driver needed); use --device cpu or auto"
        )
    return "gpu" if gpus else "cpu"


def grid_noise(config):
    """The fixed noise batch behind every sample grid of a run, so grids compare across steps."""
    return model.noise_batch(config, GRID_SIZE, np.random.RandomState(model.derive_seed(config.seed, "grid")))


class Trainer(object):
    """The graph, session and saver of one run: every ``Session.run`` of training is one of these methods.

    ``device`` is ``cpu`` or ``gpu`` (see :func:`resolve_device`); ``folder``
    (a :class:`runs.RunFolder`) is where :meth:`save` writes, None for a
    trainer that never saves (the golden trace, the benchmarks). ``session`` is
    the ``tf.Session``, public so that benchmarks can time it.
    """

    def __init__(self, config, dataset, device, folder=None):
        self.config, self.folder = config, folder
        self.images = dataset.train.images
        self.order = data.BatchOrder(len(self.images), config.batch_size, config.seed)
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.gan = model.build_gan(config, num_images=len(self.images))
            # relative paths in the checkpoint index: a copied or moved run folder stays self-contained
            self.saver = tf.train.Saver(max_to_keep=runs.KEEP_CHECKPOINTS, save_relative_paths=True, name="saver")
            self.init = tf.global_variables_initializer()
        self.graph.finalize()
        self.session = tf.Session(graph=self.graph, config=session_config(config.threads, device))
        self.grid_z = grid_noise(config)
        self.noise_seed = model.derive_seed(config.seed, "noise")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.session.close()

    def close(self):
        """Release the session."""
        self.session.close()

    def start(self, checkpoint=None):
        """Initialise fresh weights, or restore ``checkpoint`` (a :class:`runs.Checkpoint`); return the step."""
        inputs = self.gan.inputs
        if checkpoint:
            runs.check_checkpoint(
                checkpoint.prefix,
                {v.op.name: v.shape.as_list() for v in self.graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)},
            )
            self.folder.restore(self.saver, self.session, checkpoint, flag="--resume-from")
            # So that max_to_keep also retires the checkpoints of the interrupted process: only the
            # folder's own files (never what an index copied from elsewhere names), none newer than
            # the one resumed from.
            present = self.folder.checkpoints()
            self.saver.recover_last_checkpoints(
                [c.prefix for c in self.folder.indexed_checkpoints() if c in present and c.step <= checkpoint.step]
            )
        else:
            self.session.run(self.init)
        if inputs.data_images is not None:
            self.session.run(inputs.data_images.initializer, {inputs.data_init: self.images})
        return int(self.session.run(self.gan.train_ops.global_step))

    def feed(self, b):
        """The feed of batch number ``b``: indices only in graph mode, images and noise in feed mode."""
        inputs, idx = self.gan.inputs, self.order.indices(b)
        if self.config.input == "graph":
            return {inputs.batch_index: idx, inputs.batch_number: b}
        return {
            inputs.X: data.to_unit(self.images[idx]),
            inputs.batch_number: b,
            inputs.Z: model.noise_batch(self.config, len(idx), np.random.RandomState([self.noise_seed, b])),
        }

    def step(self, step, with_summary=False):
        """Run training step ``step`` (0-based); return (its metrics by name, its summary or None)."""
        gan, k = self.gan, self.config.d_steps
        for j in range(k - 1):
            self.session.run(gan.train_ops.d_train, self.feed(step * k + j))
        fetches = {
            "train": gan.train_ops.train_step,
            "d_loss": gan.loss.d_loss,
            "g_loss": gan.train_ops.g_loss_step,
            "d_real": gan.model.d_real,
            "d_fake": gan.model.d_fake,
        }
        if with_summary:
            fetches["summary"] = gan.summaries
        out = self.session.run(fetches, self.feed(step * k + k - 1))
        values = {name: float(out[name]) for name in ("d_loss", "g_loss", "d_real", "d_fake")}
        for name in ("d_loss", "g_loss"):
            if not math.isfinite(values[name]):
                raise NonFiniteLossError(
                    "step %d: %s is %s; training stopped, the last good checkpoint is kept"
                    % (step + 1, name, values[name])
                )
        return values, out.get("summary")

    def samples(self, z):
        """Generator samples in [0, 1] (averaged weights when the run averages) for noise ``z``."""
        return self.session.run(self.gan.samples.ema_sample, {self.gan.inputs.Z: z})

    def grid(self):
        """(the run's fixed-noise sample grid images, their TensorBoard image summary)."""
        return self.session.run([self.gan.samples.ema_sample, self.gan.image_summary], {self.gan.inputs.Z: self.grid_z})

    def weights(self):
        """{variable name: value} of the generator, the discriminator, their batch-norm statistics and the average."""
        statistics = self.graph.get_collection(tf.GraphKeys.MOVING_AVERAGE_VARIABLES)
        variables = self.gan.model.g_vars + self.gan.model.d_vars + statistics + self.gan.samples.ema_vars
        return dict(zip([v.op.name for v in variables], self.session.run(variables)))

    def save(self, step):
        """Write a checkpoint at ``step``; failure to write is a :class:`RunError` and the old one stays."""
        try:
            path = self.saver.save(
                self.session, self.folder.checkpoint_prefix, global_step=step, write_meta_graph=False
            )
        except (tf.errors.OpError, OSError) as e:
            raise RunError(
                "%s: cannot write checkpoint at step %d (%s); the previous checkpoint is kept"
                % (self.folder.checkpoint_dir, step, first_line(e))
            )
        self.folder.retire_orphans()  # what an earlier process, killed while saving, left behind
        return path


def train(config, out, resume=False, force=False, stream=None, resume_from=None, early_stop=None):
    """Train ``config`` into run folder ``out`` (or continue it with ``resume``); return a :class:`TrainResult`.

    Everything that can be checked is checked before the folder is touched:
    the data, the device, whether the model fits in memory, and whether
    ``out`` may take a new run (an existing run only with ``force``, which
    deletes only tf1gan's own files; a folder of other files never). The
    folder is then locked for as long as this process writes it. ``resume``
    continues from the latest checkpoint, or from step ``resume_from``.
    ``early_stop`` N ends the run (with a checkpoint) after N monitor checks
    without a better validation FCD; it needs the monitor on.

    Raises :class:`Interrupted` after saving when SIGINT / SIGTERM arrive,
    :class:`NonFiniteLossError` on a NaN/inf loss, and other ``Tf1ganError``s for
    bad settings, bad data or an unusable run folder.
    """
    folder = runs.RunFolder(out)
    if early_stop is not None and (early_stop < 1 or not config.monitor_every):
        raise ConfigError(
            "--early-stop counts quality checks: it needs a count of at least 1 and the monitor on "
            "(--monitor-every N), got --early-stop %d with --monitor-every %d" % (early_stop, config.monitor_every)
        )
    dataset = data.load(config.dataset, config.data_dir)
    if config.batch_size > len(dataset.train.images):
        raise ConfigError(
            "--batch-size %d is larger than the %d training images of %s"
            % (config.batch_size, len(dataset.train.images), dataset.name)
        )
    resources.check_fits(model.memory_estimate(config, len(dataset.train.images)), "this model")
    device = resolve_device(config.device)
    if config.data_format != "NHWC":
        why = convnets.layout_error(config, device)
        if why:
            raise ConfigError(
                "--data-format %s: TensorFlow %s cannot train it on this %s (%s); use NHWC"
                % (config.data_format, TF_VERSION, device.upper(), why)
            )
    if resume:
        folder.read_config()  # a clear error when there is no run to resume
        created = False
    else:
        folder.check_writable_target(force)
        created = not os.path.exists(folder.path)
        try:
            os.makedirs(folder.path, exist_ok=True)
        except OSError as e:
            raise RunError("%s: cannot create the run folder (%s)" % (folder.path, e.strerror or e))
    locked = False
    try:
        with folder.lock():
            locked = True
            checkpoint = _prepare(folder, config, resume, force, device, resume_from)
            progress = Progress(config.steps, stream=stream)
            monitor = Monitor.maybe(config, dataset, progress.message)
            if early_stop is not None and monitor is None:
                raise ConfigError("--early-stop needs the quality monitor, which %s lacks" % dataset.name)
            try:
                with Trainer(config, dataset, device, folder) as trainer, _StopSignals() as stop:
                    return _loop(trainer, folder, checkpoint, stop, progress, monitor, early_stop)
            finally:
                if monitor:
                    monitor.close()
    except BaseException:
        if created and locked and not folder.checkpoints():
            # nothing worth keeping yet, and the folder is this call's own: leave no stub behind
            folder.remove_own_files()
            folder.remove_if_empty()
        raise


def _prepare(folder, config, resume, force, device, resume_from):
    """Under the lock: start the run (config.json), or check the resume; return the checkpoint to resume from."""
    if not resume:
        folder.create(config, force=force, device=device)
        return None
    saved = folder.read_config()
    # where the data is read from may change: the data itself is verified by checksum
    differ = [
        flag_of(f)
        for f in config.to_dict()
        if f not in ("steps", "data_dir") and getattr(config, f) != getattr(saved, f)
    ]
    if differ:
        raise ConfigError(
            "%s: --resume continues a run with its own settings; only --steps may change (%s differ from the run's)"
            % (folder.path, ", ".join(differ))
        )
    checkpoint = folder.checkpoint(resume_from, flag="--resume-from")
    if checkpoint.step > config.steps:
        raise ConfigError(
            "--steps %d is below step %d, where %s already is; give the new total"
            % (config.steps, checkpoint.step, folder.path)
        )
    if config != saved:
        folder.write_config(config, device)
    return checkpoint


class _StopSignals(object):
    """Turns SIGINT / SIGTERM into a flag the loop checks between steps."""

    def __init__(self):
        self.signum = None
        self.previous = {}

    def __enter__(self):
        signals.check()  # one that came before, and whose exception something swallowed, stops the run now
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self.previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: leave signals alone
                pass
        return self

    def _handle(self, signum, frame):
        self.signum = signum

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def _loop(trainer, folder, checkpoint, stop, progress, monitor, early_stop=None):
    """Start or restore, then step, log, sample, checkpoint and stop, until ``config.steps`` (or early)."""
    config = trainer.config
    writer = tf.summary.FileWriter(folder.path)
    try:
        # start or restore
        step = start = progress.start = trainer.start(checkpoint)
        if checkpoint:
            records = _resumed_records(folder, start, progress)
            # tell TensorBoard to drop events logged after this step by the interrupted run
            writer.add_session_log(tf.SessionLog(status=tf.SessionLog.START), start)
            progress.message("resuming %s from step %d" % (folder.path, start))
        else:
            records = []
            writer.add_graph(trainer.graph)
            # A checkpoint of the initial weights: a run killed before its first
            # periodic checkpoint still resumes to exactly the uninterrupted result.
            trainer.save(0)
        watch = _watch(folder, monitor, records)
        elapsed_before, t0, values = records[-1]["elapsed_s"] if records else 0.0, time.time(), {}
        # This process's CPU time (all threads), carried across resumes like elapsed_s: on a shared machine it is
        # what a check cost, where wall time says how busy the machine was. None: a run begun before it was logged.
        cpu_before, c0 = records[-1].get("cpu_s") if records else 0.0, time.process_time()
        while step < config.steps:
            # step
            monitor_now = monitor is not None and (step + 1) % config.monitor_every == 0
            log_now = (step + 1) % config.log_every == 0 or step + 1 == config.steps or monitor_now
            values, summary = trainer.step(step, with_summary=log_now)
            step += 1
            # log
            if log_now:
                record = dict(values, step=step, elapsed_s=round(elapsed_before + time.time() - t0, 3))
                if cpu_before is not None:
                    record["cpu_s"] = round(cpu_before + time.process_time() - c0, 3)
                if monitor_now:
                    record.update(_monitor(monitor, trainer, writer, step, progress))
                    _keep_best(watch, record, trainer, folder, progress)
                folder.append_metrics(record)
                records.append(record)
                writer.add_summary(summary, step)
            progress.update(
                step,
                {
                    "D loss": values["d_loss"],
                    "G loss": values["g_loss"],
                    "D(x)": values["d_real"],
                    "D(G(z))": values["d_fake"],
                },
            )
            # sample, checkpoint
            stopping = stop.signum is not None and step < config.steps
            early = monitor_now and early_stop is not None and watch.since >= early_stop and step < config.steps
            if step % config.sample_every == 0 or step == config.steps or stopping or early:
                _write_outputs(trainer, folder, writer, step, records)
            if step % config.checkpoint_every == 0 or step == config.steps or stopping or early:
                trainer.save(step)
            # stop
            if stopping:
                name = "SIGINT" if stop.signum == signal.SIGINT else "SIGTERM"
                raise Interrupted(
                    "%s: stopped by %s after step %d and saved a checkpoint; continue with: "
                    "tf1gan train --out %s --resume" % (folder.path, name, step, folder.path),
                    stop.signum,
                )
            if early:
                progress.message(
                    "stopped early after step %d: %d checks without a better validation FCD (--early-stop %d); "
                    "continue with: tf1gan train --out %s --resume" % (step, watch.since, early_stop, folder.path)
                )
                break
    finally:
        writer.close()
    if step == start:
        progress.message("%s is already at step %d of %d" % (folder.path, step, config.steps))
    rate = (step - start) / max(time.time() - t0, 1e-9)
    return TrainResult(
        folder=folder.path,
        step=step,
        metrics=values,
        steps_per_s=rate,
        best=watch.summary() if watch else None,
        stopped_early=step < config.steps,
    )


def _resumed_records(folder, step, progress):
    """The metric records up to ``step`` (later ones are logged again); damaged lines are reported."""
    records, damaged = folder.keep_metrics_until(step)
    if damaged:
        many = len(damaged) > 1
        progress.message(
            "note: %s line%s %s %s damaged; kept as %s in %s"
            % (
                runs.METRICS,
                "s" if many else "",
                ", ".join(map(str, damaged)),
                "were" if many else "was",
                "they were" if many else "it was",
                runs.DAMAGED_METRICS,
            )
        )
    return records


def _monitor(monitor, trainer, writer, step, progress):
    """The monitor's quality figures at ``step`` (also to TensorBoard), warning when classes went missing."""
    quality, warning = monitor.check(trainer.samples(monitor.z))
    tags = [tf.Summary.Value(tag="quality/" + k, simple_value=v) for k, v in quality.items()]
    writer.add_summary(tf.Summary(value=tags), step)
    if warning:
        progress.message("step %d: %s" % (step, warning))
    return quality


def _watch(folder, monitor, records):
    """The :class:`best.Watch` as of the records kept (None without the monitor); stale best files go.

    The best checkpoint on disk belongs to this point of the run only if it is
    the best check among the records kept: one written after the step resumed
    from is deleted, and the run keeps a new best at its next check (a resumed
    run that reaches that step again writes the same weights again).
    """
    if monitor is None:
        return None
    watch = best.Watch.from_records(records, monitor.real_copy_rate)
    info = folder.best_info()
    if info is None or info["step"] != watch.best_step:
        if info is not None:
            folder.remove_best()
        watch.forget_best()
    return watch


def _keep_best(watch, record, trainer, folder, progress):
    """Give the monitor check in ``record`` to ``watch``: keep its weights if best, print its warning if any."""
    improved, warning = watch.observe(record["step"], record[best.FCD], record[best.COPIES])
    if improved:
        folder.keep_best(trainer.saver, trainer.session, record["step"], record[best.FCD])
    if warning:
        progress.message("step %d: %s" % (record["step"], warning))


def _write_outputs(trainer, folder, writer, step, records):
    """Sample grid (file and TensorBoard image) and loss curve for ``step``."""
    images, summary = trainer.grid()
    plots.save_grid(images, folder.sample_path(step), cols=10)
    writer.add_summary(summary, step)
    if records:
        plots.save_loss_curve(
            records, folder.loss_curve_path, title="%s, step %d" % (os.path.basename(folder.path), step)
        )
