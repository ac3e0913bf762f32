"""``tf1gan compare``: the article's listing as printed, with its minimal edit, and tf1gan, side by side.

Every version trains on the same data (the training split, in the same
per-epoch shuffled order: batch b is ``BatchOrder(n, 128, seed).indices(b)``),
with the same seed and batch size, for the same number of steps. The report
(``report.md`` with its PNGs, and a self-contained ``report.html``) shows what
each version raises, its losses, which variables it updates, its samples and
its quality figures, next to the catalogue of the listing's defects.
"""

import collections
import math
import os
import sys

import numpy as np

from tf1gan import data, evaluate, listing, plots, runs, sample, train
from tf1gan.config import preset
from tf1gan.errors import RunError
from tf1gan.model import build_gan
from tf1gan.report import Document
from tf1gan.tfcompat import TF_VERSION, tf

BATCH_SIZE = 128  # the listing's
EVAL_SAMPLES = 10000

Version = collections.namedtuple("Version", "label error records initial final grid figures note")
Version.__doc__ = """One compared version: its exception (or None), metric records, trainable
variables before and after, a grid of samples, quality figures (or None) and a note."""


def _moved(version):
    return sorted(k for k in version.final if not np.array_equal(version.initial[k], version.final[k]))


def _tf1gan_version(label, config, folder, evaluator, stream):
    """Train ``config`` into ``folder`` and collect what the report shows of it."""
    graph = tf.Graph()
    with graph.as_default():
        g = build_gan(config.replace(input="feed"))
        init = tf.global_variables_initializer()
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            initial = {v.op.name: sess.run(v) for v in g.model.g_vars + g.model.d_vars}
    train.train(config, folder, force=True, stream=stream)
    reader = tf.train.load_checkpoint(runs.RunFolder(folder).checkpoint().prefix)
    final = {name: reader.get_tensor(name) for name in initial}
    samples, _ = sample.draw(folder, EVAL_SAMPLES, config.seed)
    figures = evaluator.figures(samples) if evaluator else None
    return Version(
        label,
        None,
        runs.RunFolder(folder).read_metrics(),
        initial,
        final,
        samples[:100],
        figures,
        "tf1gan.model.build_gan, %s preset" % config.arch,
    )


def _listing_version(dataset, steps, seed, evaluator):
    """The listing with the minimal edit set, run on the shared batches."""
    result = listing.run(
        listing.MINIMAL,
        dataset,
        steps=steps,
        seed=seed,
        batch_size=BATCH_SIZE,
        record_every=max(1, steps // 400),
        n_samples=EVAL_SAMPLES if evaluator else 0,
    )
    figures = None
    if evaluator and result.eval_samples is not None and result.eval_samples.shape[1] == data.PIXELS:
        figures = evaluator.figures(result.eval_samples)
    grid = result.eval_samples[:100] if result.eval_samples is not None else result.samples
    return Version(
        listing.listing_label(listing.MINIMAL),
        result.error,
        result.records,
        result.initial,
        result.final,
        grid,
        figures,
        "the article's text with the minimal edit applied",
    )


def _fmt(x, spec="%.3f"):
    if x is None:
        return "n/a"
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return spec % x


def _first_non_finite(records):
    for r in records:
        if not (math.isfinite(r["d_loss"]) and math.isfinite(r["g_loss"])):
            return r["step"]
    return None


def compare(out, steps=2000, dataset="mnist10k", seed=1234, data_dir=None, evaluate_samples=True, stream=None):
    """Run every version, write ``out/report.md`` and ``out/report.html``; return (summary rows, paths)."""
    stream = stream if stream is not None else sys.stderr
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise RunError("%s: cannot create (%s)" % (out, e.strerror or e))
    ds = data.load(dataset, data_dir)
    say = lambda text: stream.write(text + "\n")  # noqa: E731
    say("1/5 the listing as printed")
    printed = listing.run_as_printed(
        listing.TutorialMNIST(ds.train.images, ds.train.labels, seed), listing.RecordingPyplot()
    )
    say("2/5 which edits make it run (every subset of %s)" % ", ".join(listing.RUN_EDITS))
    search = listing.smallest_working_edits(ds)
    evaluator = evaluate.Evaluator(dataset, data_dir) if evaluate_samples else None
    try:
        say("3/5 the listing with the minimal edit, %d steps" % steps)
        edited = _listing_version(ds, steps, seed, evaluator)
        common = dict(
            dataset=dataset,
            data_dir=data_dir,
            seed=seed,
            batch_size=BATCH_SIZE,
            steps=steps,
            log_every=max(1, steps // 400),
            sample_every=steps,
            checkpoint_every=steps,
            monitor_every=0,
        )
        say("4/5 tf1gan, --arch article, %d steps" % steps)
        article = _tf1gan_version(
            "tf1gan --arch article",
            preset("article").replace(**common),
            os.path.join(out, "runs", "article"),
            evaluator,
            stream,
        )
        say("5/5 tf1gan, default, %d steps" % steps)
        default = _tf1gan_version(
            "tf1gan (default)",
            preset("default").replace(**common),
            os.path.join(out, "runs", "default"),
            evaluator,
            stream,
        )
        real = evaluator.real_figures() if evaluator else None
    finally:
        if evaluator:
            evaluator.close()
    versions = [edited, article, default]
    doc = _document(printed, search, versions, real, ds, steps, seed)
    paths = doc.write(out)
    return _summary(printed, versions), paths


def _summary(printed, versions):
    """Rows of the short terminal table."""
    rows = [
        (
            "listing, as printed",
            "%s at line %d" % (printed.type, printed.line) if printed else "runs",
            "-",
            "-",
            "-",
            "-",
            "-",
        )
    ]
    for v in versions:
        last = v.records[-1] if v.records else {}
        f = v.figures
        rows.append(
            (
                v.label,
                "%s in %s" % (v.error.type, v.error.stage) if v.error else "runs",
                _fmt(last.get("d_loss")),
                _fmt(last.get("g_loss")),
                "%d of %d" % (len(_moved(v)), len(v.final)),
                _fmt(f.classifier_score if f else None, "%.2f"),
                _fmt(f.modes_covered if f else None, "%d"),
            )
        )
    return rows


SUMMARY_HEADER = (
    "version",
    "outcome",
    "final D loss",
    "final G loss",
    "variables updated",
    "classifier score",
    "classes covered",
)


def format_summary(rows):
    """The summary rows as an aligned text table."""
    table = [SUMMARY_HEADER] + [tuple(r) for r in rows]
    widths = [max(len(str(r[i])) for r in table) for i in range(len(SUMMARY_HEADER))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in table)


def _document(printed, search, versions, real, ds, steps, seed):
    doc = Document("The article's GAN listing against tf1gan")
    doc.paragraph(
        "Data set `%s`; %d training steps; seed %d; batch size %d; TensorFlow %s. Every version "
        "drew batch b from the same per-epoch permutation of the %d training images "
        "(`numpy.random.RandomState([seed, epoch])`), through a stand-in for the TF tutorial's "
        "`mnist.train.next_batch` for the listing: `%s` is sorted by label, so fed in file order the "
        "listing would see only a few digits, and the tutorial's own split would set the first "
        "5,000 images aside for validation."
        % (ds.name, steps, seed, BATCH_SIZE, TF_VERSION, len(ds.train.images), ds.name)
    )
    doc.heading("1. The listing as printed")
    if printed:
        doc.paragraph("It stops while building the graph, at line %d of the listing:" % printed.line)
        doc.code("%s\n%s: %s" % (printed.text, printed.type, printed.message))
    else:
        doc.paragraph("It ran to the end.")
    doc.heading("2. The smallest edit that makes it run")
    rows = []
    for combo, err, lines in search:
        rows.append(
            (
                listing.listing_label(combo),
                lines,
                "runs" if err is None else "%s at line %d (%s): %s" % (err.type, err.line, err.stage, err.message),
            )
        )
    doc.table(("edits", "lines changed", "outcome"), rows)
    chosen = listing.EDITS[listing.MINIMAL[0]]
    doc.paragraph(
        "Chosen: **%s** — %s. It is the only single edit that runs end to end; no edit at all "
        "fails to build, and keeping the article's 256-unit layer needs `noise_width` and "
        "`sample_reshape` together (three changed lines)." % (chosen.name, chosen.what)
    )
    doc.heading("3. What each version does")
    rows = []
    for v in versions:
        moved, last, blow_up = _moved(v), v.records[-1] if v.records else {}, _first_non_finite(v.records)
        updated = (
            ", ".join(moved)
            if len(moved) <= 4
            else "all %d" % len(moved)
            if len(moved) == len(v.final)
            else "%d of %d" % (len(moved), len(v.final))
        )
        rows.append(
            (
                v.label,
                "%s in %s: %s" % (v.error.type, v.error.stage, v.error.message) if v.error else "runs",
                _fmt(last.get("d_loss")),
                _fmt(last.get("g_loss")),
                "step %d" % blow_up if blow_up else "none",
                updated,
                ", ".join(sorted(set(v.final) - set(moved))) or "none",
            )
        )
    doc.table(
        (
            "version",
            "outcome",
            "final D loss",
            "final G loss",
            "first non-finite loss",
            "variables updated",
            "never updated",
        ),
        rows,
    )
    doc.image(
        "losses.png",
        plots.loss_figure(collections.OrderedDict((v.label, v.records) for v in versions)),
        "Losses and mean D outputs against step (a non-finite loss cannot be drawn: its panel says where it is)",
    )
    doc.image(
        "samples.png",
        _side_by_side([v.grid for v in versions]),
        "Samples, left to right: %s" % "; ".join(v.label for v in versions),
    )
    if real is not None:
        doc.heading("4. Quality (tf1gan evaluate, %d samples each)" % EVAL_SAMPLES)
        fig_rows = [
            ("classifier score", lambda f: _fmt(f.classifier_score, "%.2f")),
            ("Frechet classifier distance", lambda f: _fmt(f.fcd, "%.1f")),
            ("classes covered (>= 2%)", lambda f: "%d of %d" % (f.modes_covered, len(f.class_hist))),
            ("rarest class", lambda f: "%.1f%%" % (100 * min(f.class_hist))),
            ("Parzen log-likelihood", lambda f: "%.0f +- %.0f" % (f.parzen_ll, f.parzen_ll_stderr)),
            ("near copies of training images", lambda f: "%.2f%%" % (100 * f.nn_copy_rate)),
        ]
        cols = [v for v in versions if v.figures is not None]
        doc.table(
            ["figure"] + [v.label for v in cols] + ["real held-out"],
            [[name] + [fn(v.figures) for v in cols] + [fn(real)] for name, fn in fig_rows],
        )
        doc.paragraph(
            "The article claims adversarial training prevents mode collapse; the class coverage row "
            "is the measurement. The listing's generator is never trained, so its samples are "
            "its initial random weights applied to noise."
        )
    doc.heading("5. The defects of the listing")
    doc.table(
        ("defect", "what the listing does", "what it should do", "how tf1gan does it", "test"),
        [(d.title, d.listing_does, d.should_do, d.tf1gan_does, "`%s`" % d.test) for d in listing.DEFECTS],
    )
    doc.paragraph("docs/article.md also covers the article's formulas (section 3.3) and its claims.")
    return doc


def _side_by_side(grids):
    """One PNG with each version's sample grid next to the others."""
    tiles = [
        plots.grid(g[:100].reshape(len(g[:100]), -1), cols=10) if g is not None and np.size(g) else None for g in grids
    ]
    height = max(t.shape[0] for t in tiles if t is not None)
    blank = np.full((height, 8), 1.0, np.float32)
    parts = []
    for t in tiles:
        if t is None:
            t = np.zeros((height, height), np.float32)
        padded = np.full((height, t.shape[1]), 0.5, np.float32)
        padded[: t.shape[0]] = t
        parts += [padded, blank]
    return plots.png_bytes(np.concatenate(parts[:-1], axis=1))
