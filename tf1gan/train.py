"""The ``tf.Session`` training loop: alternating updates, progress, outputs, checkpoints, resume.

One call of :func:`train` runs a whole training run into a run folder. Each step
runs the graph's ``train_step`` (a discriminator Adam step, then a generator
Adam step that sees the updated discriminator; with ``d_steps`` k > 1, k - 1
extra discriminator steps run first). Batches and noise are pure functions of
the run's seed and the batch number, so ``--resume`` from a checkpoint at step s
continues exactly as the uninterrupted run did.

What a run survives: SIGINT / SIGTERM finish the step in flight, write a
checkpoint and raise :class:`Interrupted`; SIGKILL at any moment leaves the
previous checkpoint as the latest, since the ``checkpoint`` index only changes
after a checkpoint's files are complete; a NaN or infinite loss stops the run
before anything from that step is saved.
"""

import collections
import math
import os
import signal
import time

import numpy as np

from tf1gan import classifier, data, model, plots, resources, runs
from tf1gan.errors import ConfigError, DataError, Interrupted, NonFiniteLossError, RunError, first_line
from tf1gan.progress import Progress
from tf1gan.tfcompat import gpu_devices, session_config, tf

TrainResult = collections.namedtuple("TrainResult", "run step metrics steps_per_s")
GRID_SIZE = 100
MONITOR_SAMPLES = 1000
METRIC_KEYS = ("d_loss", "g_loss", "d_real", "d_fake")


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


class _StopSignals(object):
    """Turns SIGINT / SIGTERM into a flag the loop checks between steps."""

    def __init__(self):
        self.signum = None
        self.previous = {}

    def __enter__(self):
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


def _fault(point, step):
    """Tests only: ``TF1GAN_FAULT=<point>@<step>`` makes the process die by SIGKILL at that point of that step."""
    if os.environ.get("TF1GAN_FAULT") == "%s@%d" % (point, step):
        os.kill(os.getpid(), signal.SIGKILL)


def _nan_fault_batch():
    """Tests only: ``TF1GAN_FAULT=nan@B`` feeds NaN noise to batch number B, poisoning that step."""
    fault = os.environ.get("TF1GAN_FAULT", "")
    return int(fault[4:]) if fault.startswith("nan@") else None


class Trainer(object):
    """The graph and session of one training run, stepping it; ``run`` (a :class:`runs.RunFolder`) is where it saves."""

    def __init__(self, config, run, dataset, device=None):
        self.config, self.run_dir = config, run
        self.images = dataset.train.images
        self.order = data.BatchOrder(len(self.images), config.batch_size, config.seed)
        self.device = device or resolve_device(config.device)
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.g = model.build_gan(config, num_images=len(self.images))
            # relative paths in the checkpoint index: a copied or moved run folder stays self-contained
            self.saver = tf.train.Saver(max_to_keep=runs.KEEP_CHECKPOINTS, save_relative_paths=True, name="saver")
            self.init = tf.global_variables_initializer()
        self.graph.finalize()
        self.sess = tf.Session(graph=self.graph, config=session_config(config.threads, self.device))
        self.grid_z = grid_noise(config)
        self.noise_seed = model.derive_seed(config.seed, "noise")
        self.nan_batch = _nan_fault_batch()

    def close(self):
        """Release the session."""
        self.sess.close()

    def start(self, checkpoint=None):
        """Initialise fresh weights, or restore ``checkpoint``; return the step to continue from."""
        g = self.g
        if checkpoint:
            runs.check_checkpoint(
                checkpoint.prefix,
                {v.op.name: v.shape.as_list() for v in self.graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)},
            )
            self.run_dir.restore(self.saver, self.sess, checkpoint, flag="--resume-from")
            # So that max_to_keep also retires the checkpoints of the interrupted process: only the
            # folder's own files (never what an index copied from elsewhere names), none newer than
            # the one resumed from.
            present = self.run_dir.checkpoints()
            self.saver.recover_last_checkpoints(
                [c.prefix for c in self.run_dir.indexed_checkpoints() if c in present and c.step <= checkpoint.step]
            )
        else:
            self.sess.run(self.init)
        if g.data_images is not None:
            self.sess.run(g.data_images.initializer, {g.data_init: self.images})
        return int(self.sess.run(g.global_step))

    def _feed(self, b):
        """The feed of batch number ``b``: indices only in graph mode, images and noise in feed mode."""
        g, idx = self.g, self.order.indices(b)
        if self.config.input == "graph":
            feed = {g.batch_index: idx, g.batch_number: b}
        else:
            feed = {
                g.X: data.to_unit(self.images[idx]),
                g.batch_number: b,
                g.Z: model.noise_batch(self.config, len(idx), np.random.RandomState([self.noise_seed, b])),
            }
        if b == self.nan_batch:
            feed[g.Z] = np.full((len(idx), self.config.z_dim), np.nan, np.float32)
        return feed

    def step(self, step, fetch_summary=False):
        """Run training step ``step`` (0-based); return its metric values (and summary)."""
        g, k = self.g, self.config.d_steps
        for j in range(k - 1):
            self.sess.run(g.d_train, self._feed(step * k + j))
        fetches = [g.train_step, g.d_loss, g.g_loss_step, g.d_real, g.d_fake]
        if fetch_summary:
            fetches.append(g.summaries)
        out = self.sess.run(fetches, self._feed(step * k + k - 1))
        values = dict(zip(METRIC_KEYS, (float(v) for v in out[1:5])))
        for name in ("d_loss", "g_loss"):
            if not math.isfinite(values[name]):
                raise NonFiniteLossError(
                    "step %d: %s is %s; training stopped, the last good checkpoint is kept"
                    % (step + 1, name, values[name])
                )
        return values, (out[5] if fetch_summary else None)

    def samples(self, z):
        """Generator samples in [0, 1] (averaged weights when the run averages) for noise ``z``."""
        return self.sess.run(self.g.ema_sample, {self.g.Z: z})

    def save(self, step):
        """Write a checkpoint at ``step``; failure to write is a :class:`RunError` and the old one stays."""
        _fault("before-save", step)
        try:
            path = self.saver.save(self.sess, self.run_dir.checkpoint_prefix, global_step=step, write_meta_graph=False)
        except (tf.errors.OpError, OSError) as e:
            raise RunError(
                "%s: cannot write checkpoint at step %d (%s); the previous checkpoint is kept"
                % (self.run_dir.checkpoint_dir, step, first_line(e))
            )
        _fault("after-save", step)
        return path


def _write_outputs(trainer, writer, step, records):
    """Sample grid (file and TensorBoard image) and loss curve for ``step``."""
    run = trainer.run_dir
    images, summary = trainer.sess.run([trainer.g.ema_sample, trainer.g.image_summary], {trainer.g.Z: trainer.grid_z})
    plots.save_grid(images, run.sample_path(step), cols=10)
    writer.add_summary(summary, step)
    if records:
        plots.save_loss_curve(records, run.loss_curve_path, title="%s, step %d" % (os.path.basename(run.path), step))


def train(config, out, resume=False, force=False, stream=None, resume_from=None):
    """Train ``config`` into run folder ``out`` (or continue it with ``resume``); return a :class:`TrainResult`.

    Everything that can be checked is checked before the folder is touched:
    the data, the device, whether the model fits in memory, and whether
    ``out`` may take a new run (an existing run only with ``force``, which
    deletes only tf1gan's own files; a folder of other files never). The
    folder is then locked for as long as this process writes it. ``resume``
    continues from the latest checkpoint, or from step ``resume_from``.

    Raises :class:`Interrupted` after saving when SIGINT / SIGTERM arrive,
    :class:`NonFiniteLossError` on a NaN/inf loss, and other ``Tf1ganError``s for
    bad settings, bad data or an unusable run folder.
    """
    folder = runs.RunFolder(out)
    dataset = data.load(config.dataset, config.data_dir)
    if config.batch_size > len(dataset.train.images):
        raise ConfigError(
            "batch_size %d is larger than the %d training images of %s"
            % (config.batch_size, len(dataset.train.images), dataset.name),
            "batch_size",
        )
    resources.check_fits(model.memory_estimate(config, len(dataset.train.images)), "this model")
    device = resolve_device(config.device)
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
            trainer = Trainer(config, folder, dataset, device)
            progress = Progress(config.steps, stream=stream)
            monitor = Monitor.maybe(config, dataset, progress.message)
            try:
                with _StopSignals() as stop:
                    return _loop(trainer, checkpoint, stop, progress, monitor)
            finally:
                trainer.close()
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
    differ = sorted(
        f for f in config.to_dict() if f not in ("steps", "data_dir") and getattr(config, f) != getattr(saved, f)
    )
    if differ:
        raise ConfigError(
            "%s: --resume continues a run with its own settings; only --steps may change (%s differ)"
            % (folder.path, ", ".join(differ)),
            differ[0],
        )
    checkpoint = folder.checkpoint(resume_from, flag="--resume-from")
    if checkpoint.step > config.steps:
        raise ConfigError(
            "--steps %d is below step %d, where %s already is; give the new total"
            % (config.steps, checkpoint.step, folder.path),
            "steps",
        )
    if config != saved:
        folder.write_config(config, device)
    return checkpoint


def _scalar_summary(values):
    return tf.Summary(value=[tf.Summary.Value(tag=tag, simple_value=v) for tag, v in values.items()])


def _loop(trainer, checkpoint, stop, progress, monitor):
    config, run = trainer.config, trainer.run_dir
    start = progress.start = trainer.start(checkpoint)
    records, damaged = run.keep_metrics_until(start) if checkpoint else ([], [])
    if damaged:
        progress.message(
            "note: %s line%s %s %s damaged; kept as %s in %s"
            % (
                runs.METRICS,
                "s" if len(damaged) > 1 else "",
                ", ".join(map(str, damaged)),
                "were" if len(damaged) > 1 else "was",
                "they were" if len(damaged) > 1 else "it was",
                runs.DAMAGED_METRICS,
            )
        )
    elapsed_before = records[-1]["elapsed_s"] if records else 0.0
    writer = tf.summary.FileWriter(run.path)
    if checkpoint:
        # Tell TensorBoard to drop events logged after this step by the interrupted run.
        writer.add_session_log(tf.SessionLog(status=tf.SessionLog.START), start)
    else:
        writer.add_graph(trainer.graph)
        # A checkpoint of the initial weights: a run killed before its first
        # periodic checkpoint still resumes to exactly the uninterrupted result.
        trainer.save(0)
    if checkpoint:
        progress.message("resuming %s from step %d" % (run.path, start))
    t0 = time.time()
    values = {}
    step = start
    try:
        while step < config.steps:
            monitor_now = monitor is not None and (step + 1) % config.monitor_every == 0
            log_now = (step + 1) % config.log_every == 0 or step + 1 == config.steps or monitor_now
            values, summary = trainer.step(step, fetch_summary=log_now)
            step += 1
            if log_now:
                record = dict(values, step=step, elapsed_s=round(elapsed_before + time.time() - t0, 3))
                if monitor_now:
                    quality, warning = monitor.check(trainer.samples(monitor.z))
                    record.update(quality)
                    writer.add_summary(_scalar_summary({"quality/" + k: v for k, v in quality.items()}), step)
                    if warning:
                        progress.message("step %d: %s" % (step, warning))
                run.append_metrics(record)
                records.append(record)
                writer.add_summary(summary, step)
            if step % config.sample_every == 0 or step == config.steps:
                _write_outputs(trainer, writer, step, records)
            if step % config.checkpoint_every == 0 or step == config.steps:
                trainer.save(step)
            progress.update(
                step,
                {
                    "D loss": values["d_loss"],
                    "G loss": values["g_loss"],
                    "D(x)": values["d_real"],
                    "D(G(z))": values["d_fake"],
                },
            )
            if stop.signum is not None and step < config.steps:
                if step % config.checkpoint_every:
                    trainer.save(step)
                _write_outputs(trainer, writer, step, records)
                name = "SIGINT" if stop.signum == signal.SIGINT else "SIGTERM"
                raise Interrupted(
                    "%s: stopped by %s after step %d and saved a checkpoint; continue with: "
                    "tf1gan train --out %s --resume" % (run.path, name, step, run.path),
                    stop.signum,
                )
    finally:
        writer.close()
    if step == start:
        progress.message("%s is already at step %d of %d" % (run.path, step, config.steps))
    rate = (step - start) / max(time.time() - t0, 1e-9)
    return TrainResult(run=run.path, step=step, metrics=values, steps_per_s=rate)
