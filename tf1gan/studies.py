"""The studies behind ``tf1gan compare``: the fix ladder, leave-one-out, the listing's own figure, seeds.

* **Variants of the listing** (:func:`variant`): the listing's verbatim text
  with named edits (``tf1gan.listing``), executed and trained on the shared
  batches, then measured: outcome, final losses, which variables moved, mean
  D(x) and D(G(z)) on its last batch, a 10 x 10 sample grid and the quality
  figures of ``tf1gan evaluate`` that need no window or neighbours (classifier
  score, FCD, classes covered, rarest class).
* **The seed study** (:func:`seed_study`): ``tf1gan train`` with each preset and
  each seed, run as trials of ``tf1gan sweep`` (so on Ray, here or on a
  cluster), the training monitor recording classes covered and the rarest
  class's share over time; :func:`collapse` reads a collapse out of those records.
"""

import collections
import math
import os

import numpy as np

from tf1gan import evaluate, listing, runs, sweep, sweep_grid
from tf1gan.config import preset
from tf1gan.data import PIXELS
from tf1gan.errors import RunError, Tf1ganError

GRID = 100

Quality = collections.namedtuple("Quality", "classifier_score fcd modes_covered classes rarest")
Quality.__doc__ = """The figures of ``tf1gan evaluate`` a variant is judged by: classifier score,
Fréchet classifier distance, classes covered (of ``classes``) and the rarest class's share."""

Outcome = collections.namedtuple(
    "Outcome", "label edits error records moved variables d_real d_fake grid quality non_finite figures"
)
Outcome.__doc__ = """What one variant of the listing did: its exception (or None), loss records,
the variables that moved (of ``variables``), mean D(x) and D(G(z)) after its
last update, a grid of samples (or None), its :class:`Quality` (or None), the
first step with a non-finite loss (or None), and all of ``tf1gan evaluate``'s
figures when they were asked for (else None)."""


def quality(evaluator, samples):
    """:class:`Quality` of ``samples`` [N, 784] in [0, 1] under ``evaluator`` (an ``evaluate.Evaluator``)."""
    probs, feats = evaluator.classifier.run(np.asarray(samples, np.float32))
    hist = evaluate.class_histogram(probs)
    return Quality(
        classifier_score=evaluate.classifier_score(probs),
        fcd=evaluate.frechet_distance(feats, evaluator.test_feats),
        modes_covered=evaluate.modes_covered(hist),
        classes=len(hist),
        rarest=float(hist.min()),
    )


def first_non_finite(records):
    """The first step whose D or G loss is not finite, or None."""
    for r in records:
        if not (math.isfinite(r["d_loss"]) and math.isfinite(r["g_loss"])):
            return r["step"]
    return None


def variant(label, edits, dataset, steps, seed, evaluator=None, n_samples=0, batch_size=128, full=False):
    """Run the listing with ``edits`` for ``steps`` steps and measure it; return an :class:`Outcome`.

    With an ``evaluator`` and ``n_samples``, its samples get a :class:`Quality`;
    with ``full`` also every figure of ``Evaluator.figures``.
    """
    result = listing.run(
        edits,
        dataset,
        steps=steps,
        seed=seed,
        batch_size=batch_size,
        record_every=max(1, steps // 400),
        n_samples=max(n_samples, GRID),
    )
    samples = result.eval_samples
    usable = samples is not None and samples.shape[1] == PIXELS and np.isfinite(samples).all()
    scored = usable and evaluator is not None and n_samples
    figures = quality(evaluator, samples[:n_samples]) if scored else None
    return Outcome(
        label=label,
        edits=result.edits,
        error=result.error,
        records=result.records,
        moved=result.moved,
        variables=sorted(result.final),
        d_real=result.d_real,
        d_fake=result.d_fake,
        grid=samples[:GRID] if usable else None,
        quality=figures,
        non_finite=first_non_finite(result.records),
        figures=evaluator.figures(samples[:n_samples]) if scored and full else None,
    )


def ladder(dataset, steps, seed, evaluator=None, n_samples=0, say=None, full=()):
    """The fix ladder: an :class:`Outcome` per rung of ``listing.ladder()``, rung 0 the listing as printed.

    Rungs numbered in ``full`` get every figure of ``tf1gan evaluate``.
    """
    out = []
    for rung in listing.ladder():
        if say:
            say("ladder rung %d of %d" % (rung.number, len(listing.LADDER_STEPS)))
        out.append(
            variant(str(rung.number), rung.edits, dataset, steps, seed, evaluator, n_samples, full=rung.number in full)
        )
    return out


def leave_one_out(dataset, steps, seed, evaluator=None, n_samples=0, say=None):
    """The fixed listing with one defect put back at a time: an :class:`Outcome` per defect."""
    out = []
    for number, (defect, edits) in enumerate(listing.leave_one_out(), 1):
        if say:
            say("leave one out %d of %d: %s put back" % (number, len(listing.leave_one_out()), defect))
        out.append(variant(defect, edits, dataset, steps, seed, evaluator, n_samples))
    return out


def own_figure(dataset, seed):
    """The 16 images the listing shows after its own 200 iterations, with the smallest edit that lets it run."""
    result = listing.run(listing.MINIMAL, dataset, seed=seed)  # steps=200: its own num_epochs
    if result.error is not None:
        raise RuntimeError("the minimally edited listing failed: %s" % (result.error,))
    return np.stack(result.plotted), result


SeedRun = collections.namedtuple("SeedRun", "preset seed steps checks seconds path")
SeedRun.__doc__ = """One run of the seed study: preset, seed, steps, the monitor's records
(step, elapsed_s, classifier_score, modes_covered, min_class_share, ...), its
training time in seconds (as its metrics record it) and its run folder."""


def seed_config(name, seed, steps, monitor_every, dataset="mnist10k", data_dir=None):
    """The settings of one seed-study run: ``tf1gan train --arch NAME --seed SEED`` with the study's length."""
    return preset(name).replace(
        dataset=dataset,
        data_dir=data_dir,
        seed=seed,
        steps=steps,
        monitor_every=monitor_every,
        sample_every=steps,
        checkpoint_every=steps,
    )


def seed_folder(out, name, seed):
    """Where the seed study keeps the run of preset ``name`` with ``seed``."""
    return os.path.join(out, "runs", "seeds", "%s-seed%d" % (name, seed))


def seed_resumes(folder, config, force=False):
    """Whether the seed-study run ``config`` continues the run in ``folder`` (True) or starts afresh (False).

    A :class:`RunError` where it may do neither: a folder of other files (never
    replaced), or a run with other settings without ``force``. Cheap, so a
    study can check every folder before any training.
    """
    run = runs.RunFolder(folder)
    run.check_writable_target(force=True)
    if not run.holds_run():
        return False
    saved = run.read_config()
    if saved.replace(steps=config.steps) == config and saved.steps <= config.steps:
        return True
    if not force:
        raise RunError("%s holds a run with other settings; use --force to replace it" % folder)
    return False


def seed_trial(out, name, seed, steps, monitor_every, dataset="mnist10k", data_dir=None, force=False):
    """The sweep trial of one seed-study run (see :func:`seed_config`), refused as :func:`seed_resumes` says."""
    config = seed_config(name, seed, steps, monitor_every, dataset, data_dir)
    folder = seed_folder(out, name, seed)
    replace = not seed_resumes(folder, config, force) and runs.RunFolder(folder).holds_run()
    settings = [("arch", name), ("dataset", dataset)] + ([("data-dir", os.path.abspath(data_dir))] if data_dir else [])
    settings += [("monitor-every", monitor_every), ("sample-every", steps), ("checkpoint-every", steps)]
    settings += [("seed", seed), ("steps", steps)]
    label = "%s-seed%d" % (name, seed)
    return sweep_grid.Trial(label, name, seed, [(k, str(v)) for k, v in settings], folder, replace)


def seed_study(out, presets, seeds, steps, monitor_every, dataset="mnist10k", data_dir=None, force=False, stream=None):
    """Train each preset with each seed under ``out/runs/seeds/``; return a list of :class:`SeedRun`.

    The runs are trials of a sweep in ``out/runs/seeds`` (``tf1gan sweep``'s
    engine: Ray here, one run at a time as each uses every core, or the
    cluster of ``RAY_ADDRESS``). A folder that already holds a run with the
    same settings is continued (``--resume``: nothing to do if it is
    complete), so a study can be extended or its report redrawn without
    training again; a run with other settings is replaced only with ``force``.
    """
    trials = [
        seed_trial(out, name, seed, steps, monitor_every, dataset, data_dir, force)
        for name in presets
        for seed in seeds
    ]
    workers = None if os.environ.get("RAY_ADDRESS") else 1
    results = sweep.run(trials, os.path.join(out, "runs", "seeds"), workers, eval_samples=0, stream=stream)
    failed = [r for r in results if r["status"] != "done"]
    if failed:
        raise Tf1ganError("seed study: %s failed: %s" % (failed[0]["name"], failed[0]["error"]))
    done = []
    for trial in trials:
        records = runs.RunFolder(trial.folder).read_metrics()
        checks = [r for r in records if "modes_covered" in r]
        done.append(SeedRun(trial.setting, trial.seed, steps, checks, records[-1]["elapsed_s"], trial.folder))
    return done


def first_all_covered(checks, classes=10):
    """The first monitor check at which every class was covered, or None."""
    return next((r["step"] for r in checks if r["modes_covered"] >= classes), None)


def collapse(checks):
    """When a run collapsed, from its monitor records: (step, classes covered then), or None.

    A run collapses when it ends covering fewer classes than it did at its
    best, and never covers that many again: the collapse is the first check
    after the last one at its best. A run that ends at its best (all ten
    classes, or fewer while still learning) has not collapsed.
    """
    if not checks:
        return None
    best = max(r["modes_covered"] for r in checks)
    if checks[-1]["modes_covered"] >= best:
        return None
    last = max(i for i, r in enumerate(checks) if r["modes_covered"] == best)
    return checks[last + 1]["step"], checks[last + 1]["modes_covered"]
