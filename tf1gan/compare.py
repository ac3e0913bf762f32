"""``tf1gan compare``: the article's listing, every fix of it, and tf1gan, side by side.

Every version trains on the same data (the training split, in the same
per-epoch shuffled order: batch b is ``BatchOrder(n, 128, seed).indices(b)``),
with the same seed and batch size, for the same number of steps. The report
(``report.md`` with its PNGs, and a self-contained ``report.html``, in English
or Chinese) shows what the listing raises as printed, the smallest edit that
runs and the figure it draws, the fix ladder, leave-one-out, the listing beside
tf1gan, optionally the seed study, and the catalogue of the listing's defects.
"""

import collections
import math
import os
import sys

import numpy as np

from tf1gan import compare_tables, data, evaluate, listing, monitor, owned, plots, runs, sample, studies, train
from tf1gan.compare_text import LANGS, text
from tf1gan.config import preset
from tf1gan.errors import ConfigError, RunError
from tf1gan.model import build_gan
from tf1gan.report import Document
from tf1gan.tfcompat import TF_VERSION, tf

BATCH_SIZE = 128  # the listing's
EVAL_SAMPLES = 10000
SEED_PRESETS = ("article", "default")
IMAGES = ("listing_200.png", "ladder.png", "leave_one_out.png", "losses.png", "samples.png", "seeds.png")
TABLES = "tables.json"  # the ladder's and leave-one-out's raw facts (tf1gan.compare_tables)
RUNS = tuple(os.path.join("runs", name) for name in SEED_PRESETS)
# what compare writes that a second run would replace (seed runs are continued, see studies.seed_study)
OUTPUTS = ("report.md", "report.html", TABLES) + IMAGES + RUNS
MARKER = "compare"  # out/.tf1gan-compare lists the files compare wrote there: all that --force may replace

Settings = collections.namedtuple(
    "Settings", "dataset data_dir steps seed eval_samples seeds seed_steps monitor_every tf_version n_train"
)
Results = collections.namedtuple(
    "Results", "settings printed printed_compat search own_figure own_run ladder loo versions real seed_runs"
)
Results.__doc__ = """Everything the report shows, computed once; :func:`document` renders it in either language."""


def check_out(out, force=False):
    """Refuse to overwrite an earlier report or its runs in ``out`` unless ``force``: a :class:`RunError`."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise RunError("%s: exists and is not a folder" % out)
    found = [name for name in OUTPUTS if os.path.lexists(os.path.join(out, name))]
    if found and not force:
        raise RunError("%s already holds %s; use --force to replace them" % (out, ", ".join(found)))
    # --force replaces only compare's own files and runs, never a user's: refuse those before any work, not after it
    owned.check_written_by(out, MARKER, [name for name in found if name not in RUNS], "compare")
    for name in ("runs", os.path.join("runs", "seeds")) + RUNS:
        owned.refuse_link(os.path.join(out, name))
    for name in RUNS:
        runs.RunFolder(os.path.join(out, name)).check_writable_target(force=True)


def _make_folder(out):
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise RunError("%s: cannot create (%s)" % (out, e.strerror or e))


def _tf1gan_version(label, config, folder, evaluator, n_samples, stream):
    """Train ``config`` into ``folder`` and measure it like a listing variant (a ``studies.Outcome``)."""
    graph = tf.Graph()
    with graph.as_default():
        g = build_gan(config.replace(input="feed"))
        init = tf.global_variables_initializer()
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            initial = {v.op.name: sess.run(v) for v in g.model.g_vars + g.model.d_vars}
    train.train(config, folder, force=True, stream=stream)
    reader = tf.train.load_checkpoint(runs.RunFolder(folder).checkpoint().prefix)
    moved = sorted(n for n in initial if not np.array_equal(initial[n], reader.get_tensor(n)))
    records = runs.RunFolder(folder).read_metrics()
    samples, _ = sample.draw(folder, n_samples, config.seed)
    return studies.Outcome(
        label=label,
        edits=(),
        error=None,
        records=records,
        moved=moved,
        variables=sorted(initial),
        d_real=records[-1]["d_real"],
        d_fake=records[-1]["d_fake"],
        grid=samples[: studies.GRID],
        quality=studies.quality(evaluator, samples) if evaluator else None,
        non_finite=studies.first_non_finite(records),
        figures=evaluator.figures(samples) if evaluator else None,
    )


def run_studies(
    out,
    steps=2000,
    dataset="mnist10k",
    seed=1234,
    data_dir=None,
    evaluate_samples=True,
    eval_samples=EVAL_SAMPLES,
    seeds=0,
    seed_steps=20000,
    monitor_every=500,
    force=False,
    stream=None,
):
    """Run everything the report shows (runs go under ``out/runs``); return :class:`Results`."""
    stream = stream if stream is not None else sys.stderr
    say = lambda line: stream.write(line + "\n")  # noqa: E731
    for name in SEED_PRESETS if seeds else ():  # what the seed study may not replace, refused before any work
        for number in range(seeds):
            config = studies.seed_config(name, number, seed_steps, monitor_every, dataset, data_dir)
            studies.seed_resumes(studies.seed_folder(out, name, number), config, force)
    _make_folder(out)
    ds = data.load(dataset, data_dir)
    settings = Settings(
        ds.name, data_dir, steps, seed, eval_samples, seeds, seed_steps, monitor_every, TF_VERSION, len(ds.train.images)
    )
    printed, printed_compat, search, own_figure, own_run = _listing_studies(ds, seed, say)
    ladder, loo, versions, real = _training_studies(
        out, ds, dataset, data_dir, steps, seed, evaluate_samples, eval_samples, say, stream
    )
    seed_runs = []
    if seeds:
        say("seed study: %s, seeds 0-%d, %d steps each" % (" and ".join(SEED_PRESETS), seeds - 1, seed_steps))
        seed_runs = studies.seed_study(
            out, SEED_PRESETS, range(seeds), seed_steps, monitor_every, dataset, data_dir, force, stream
        )
    return Results(
        settings,
        printed,
        printed_compat,
        search,
        own_figure,
        own_run,
        ladder,
        loo,
        versions,
        real,
        seed_runs,
    )


def _listing_studies(ds, seed, say):
    """The listing as printed (with tf and with tf.compat.v1), the smallest edit that runs, and its own figure."""
    say("the listing as printed, with import tensorflow as tf and with tf.compat.v1")
    mnist = lambda: listing.TutorialMNIST(ds.train.images, ds.train.labels, seed)  # noqa: E731
    printed = listing.run_as_printed(mnist(), listing.RecordingPyplot())
    printed_compat = listing.run_as_printed(mnist(), listing.RecordingPyplot(), tf_module=tf)
    say("which edits make it run (every subset of %s)" % ", ".join(listing.RUN_EDITS))
    search = listing.smallest_working_edits(ds)
    say("the minimally edited listing's own 200 iterations and its figure")
    own_figure, own_run = studies.own_figure(ds, seed)
    return printed, printed_compat, search, own_figure, own_run


def _training_studies(out, ds, dataset, data_dir, steps, seed, evaluate_samples, eval_samples, say, stream):
    """The ladder, leave-one-out and the two tf1gan versions, evaluated: (ladder, loo, versions, real figures)."""
    evaluator = evaluate.Evaluator(dataset, data_dir) if evaluate_samples else None
    n = eval_samples if evaluator else 0
    try:
        ladder = studies.ladder(ds, steps, seed, evaluator, n, say, full=(1, len(listing.LADDER_STEPS)))
        loo = studies.leave_one_out(ds, steps, seed, evaluator, n, say)
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
        versions = [ladder[1], ladder[-1]]
        for name in ("article", "default"):
            say("tf1gan --arch %s, %d steps" % (name, steps))
            outcome = _tf1gan_version(
                name,
                preset(name).replace(**common),
                os.path.join(out, "runs", name),
                evaluator,
                max(n, studies.GRID),
                stream,
            )
            versions.append(outcome)
        real = evaluator.real_figures() if evaluator else None
    finally:
        if evaluator:
            evaluator.close()
    return ladder, loo, versions, real


def compare(out, lang="en", force=False, command=None, **settings):
    """Refuse to overwrite, run every study, write ``out/tables.json``, ``out/report.md`` and ``out/report.html``.

    ``settings`` are those of :func:`run_studies`; ``command`` is the command line tables.json records.
    Returns (summary rows, paths of the reports, :class:`Results`).
    """
    if lang not in LANGS:
        raise ConfigError("--lang must be one of %s, got %r" % (", ".join(LANGS), lang))
    check_out(out, force)
    commit = compare_tables.commit()  # the code that runs is the code at the start, whatever changes meanwhile
    results = run_studies(out, force=force, **settings)
    write_tables(results, out, command, commit)
    return summary(results), write_report(results, out, lang), results


def write_tables(results, out, command=None, commit=None):
    """Write the raw facts of the ladder and leave-one-out tables to ``out/tables.json``; return its path.

    ``command`` and ``commit`` are the command line and tf1gan commit the file records as having made them.
    """
    _make_folder(out)
    owned.write_marker(out, MARKER, [TABLES])
    path = os.path.join(out, TABLES)
    compare_tables.write(path, compare_tables.facts(results, command, commit))
    return path


def write_report(results, out, lang="en"):
    """Write the report of ``results`` in ``lang`` into ``out``; return the paths of report.md and report.html."""
    _make_folder(out)
    doc = document(results, lang)
    owned.write_marker(out, MARKER, ["report.md", "report.html"] + [b[1] for b in doc.blocks if b[0] == "image"])
    return doc.write(out)


def _fmt(x, spec="%.3f"):
    if x is None:
        return "n/a"
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return spec % x


def _outcome(o, t):
    """The outcome cell of a variant: build error, other error, non-finite losses, or runs."""
    if o.error is not None:
        if o.error.stage == "graph":
            return t("build_error") % (o.error.type, o.error.line)
        return t("stopped_in") % (o.error.type, t("stage_" + o.error.stage), o.error.line)
    if o.non_finite is not None:
        r = next(r for r in o.records if r["step"] == o.non_finite)
        return t("non_finite") % (o.non_finite, r["d_loss"], r["g_loss"])
    return t("runs")


def _updated(o, t):
    moved, total = o.moved, len(o.variables)
    if not total:
        return "n/a"
    if not moved:
        return t("none_of") % total
    if len(moved) == total:
        return t("all_of") % total
    return t("some_of") % (", ".join(moved), len(moved), total)


def _metric_cells(o, t):
    last = o.records[-1] if o.records else {}
    q = o.quality
    return [
        _outcome(o, t),
        _fmt(last.get("d_loss")),
        _fmt(last.get("g_loss")),
        _fmt(o.d_real),
        _fmt(o.d_fake),
        _updated(o, t),
        _fmt(q.classifier_score if q else None, "%.2f"),
        _fmt(q.fcd if q else None, "%.1f"),
        t("of_classes") % (q.modes_covered, q.classes) if q else "n/a",
    ]


def _metric_header(t):
    return [
        t("col_outcome"),
        t("col_d_loss"),
        t("col_g_loss"),
        t("col_d_real"),
        t("col_d_fake"),
        t("col_updated"),
        t("col_score"),
        t("col_fcd"),
        t("col_classes"),
    ]


def _error_text(err, t):
    return t("error_at") % (err.type, err.line, t("stage_" + err.stage), err.message)


def document(results, lang="en"):
    """The report of ``results`` as a :class:`tf1gan.report.Document` in ``lang``."""
    t = lambda key: text(key, lang)  # noqa: E731
    s = results.settings
    doc = Document(t("title"), lang="zh-CN" if lang == "zh" else "en")
    doc.paragraph(t("intro") % (s.dataset, s.steps, s.seed, BATCH_SIZE, s.tf_version, s.n_train, s.dataset))
    _printed_section(doc, results, t)
    _minimal_section(doc, results, t, lang)
    ladder_rungs = listing.ladder()
    _ladder_section(doc, results, t, lang)
    _loo_section(doc, results, t, lang)
    _versions_section(doc, results, t, len(ladder_rungs) - 1)
    if results.seed_runs:
        _seed_section(doc, results, t)
    _defects_section(doc, t, lang)
    return doc


def _printed_section(doc, results, t):
    """Section 1: where the listing as printed stops, with tf and with tf.compat.v1."""
    s = results.settings
    doc.heading(t("h_printed"))
    for err, key in ((results.printed, "printed_here"), (results.printed_compat, "printed_compat")):
        if err is None:
            doc.paragraph(t("printed_ran"))
            continue
        doc.paragraph(t(key) % ((s.tf_version, err.line) if key == "printed_here" else (err.line,)))
        doc.code("%s\n%s: %s" % (err.text, err.type, err.message))
    doc.paragraph(t("printed_versions"))


def _minimal_section(doc, results, t, lang):
    """Section 2: the subsets of the run edits, the one chosen, and its own 200 iterations' figure."""
    s = results.settings
    doc.heading(t("h_minimal"))
    rows = []
    for combo, err, lines in results.search:
        label = t("as_printed") if not combo else " + ".join(combo)
        rows.append((label, lines, t("runs") if err is None else _error_text(err, t)))
    doc.table((t("col_edits"), t("col_lines"), t("col_outcome")), rows)
    chosen = listing.EDITS[listing.MINIMAL[0]]
    doc.paragraph(
        t("chosen") % (chosen.name, len(chosen.replacements), chosen.what_zh if lang == "zh" else chosen.what)
    )
    own = results.own_run
    losses = _own_losses(own, t)
    doc.paragraph(t("own_figure") % (s.seed, losses, ", ".join(own.moved) or t("none")))
    if not set(own.moved) & {"W1", "b1"}:
        doc.paragraph(t("own_figure_g"))
    doc.image("listing_200.png", plots.png_bytes(plots.grid(results.own_figure, cols=4), scale=3), t("own_caption"))


def _ladder_section(doc, results, t, lang):
    """Section 3: the fix ladder's table, samples, and each rung's diff."""
    s = results.settings
    ladder_rungs = listing.ladder()
    doc.heading(t("h_ladder"))
    wide = [str(r.number) for r in ladder_rungs if "hidden_784" in r.edits]
    doc.paragraph(t("ladder_intro") % (s.steps, "–".join([wide[0], wide[-1]]) if wide else t("none")))
    doc.paragraph(t("ladder_order"))
    doc.table(*ladder_table(results.ladder, lang))
    doc.paragraph(t("ladder_note") % s.eval_samples)
    doc.image(
        "ladder.png",
        plots.labelled_grids([o.grid for o in results.ladder], [r.number for r in ladder_rungs]),
        t("ladder_caption"),
    )
    doc.heading(t("h_diffs"), level=3)
    previous = listing.edited()
    for rung in ladder_rungs[1:]:
        current = listing.edited(rung.edits)
        edit = listing.EDITS[rung.added[0]]
        doc.paragraph(
            t("diff_rung") % (rung.number, "`%s`" % " + ".join(rung.added), edit.what_zh if lang == "zh" else edit.what)
        )
        doc.code(listing.diff(previous, current))
        previous = current


def ladder_table(ladder, lang="en"):
    """(header, rows) of the fix ladder's table: a row per rung of ``listing.ladder()`` and its Outcome in ``ladder``.

    The report and the docs (scripts/article_tables.py, from tables.json) both draw the table with this.
    """
    t = lambda key: text(key, lang)  # noqa: E731
    defects = {d.key: getattr(d, lang) for d in listing.DEFECTS}
    rows = []
    for rung, o in zip(listing.ladder(), ladder):
        fix = defects[rung.defect].title if rung.defect else t("as_printed")
        edit = " + ".join("`%s`" % e for e in rung.added)
        if rung.retired:
            edit = t("retires") % (edit, " + ".join("`%s`" % e for e in rung.retired))
        rows.append([str(rung.number), fix, edit or "—"] + _metric_cells(o, t))
    return [t("col_number"), t("col_fix"), t("col_edit")] + _metric_header(t), rows


def loo_table(fixed, loo, lang="en"):
    """(header, rows) of the leave-one-out table: the ``fixed`` listing's Outcome, then one per defect put back."""
    t = lambda key: text(key, lang)  # noqa: E731
    defects = {d.key: getattr(d, lang) for d in listing.DEFECTS}
    rows = [["0", t("fully_fixed"), "—"] + _metric_cells(fixed, t)]
    for i, ((defect, _), o) in enumerate(zip(listing.leave_one_out(), loo), 1):
        fix = next(d.fix for d in listing.DEFECTS if d.key == defect)
        left_out = [e for e in listing.FIXED if e not in o.edits]
        rows.append(
            [str(i), defects[defect].title, " + ".join("`%s`" % e for e in left_out or [fix])] + _metric_cells(o, t)
        )
    return [t("col_number"), t("col_put_back"), t("col_left_out")] + _metric_header(t), rows


def _loo_section(doc, results, t, lang):
    """Section 4: the fixed listing with one defect put back at a time."""
    s = results.settings
    ladder_rungs = listing.ladder()
    doc.heading(t("h_loo"))
    doc.paragraph(t("loo_intro") % (len(ladder_rungs) - 1, s.steps))
    doc.table(*loo_table(results.ladder[-1], results.loo, lang))
    doc.image(
        "leave_one_out.png",
        plots.labelled_grids([results.ladder[-1].grid] + [o.grid for o in results.loo], range(len(results.loo) + 1)),
        t("loo_caption"),
    )


def _defects_section(doc, t, lang):
    """The last section: every defect of the listing, with its test."""
    doc.heading(t("h_defects"))
    doc.table(
        (t("col_defect"), t("col_does"), t("col_should"), t("col_tf1gan"), t("col_test")),
        [
            (x.title, x.listing_does, x.should_do, x.tf1gan_does, "`%s`" % d.test)
            for d, x in ((d, getattr(d, lang)) for d in listing.DEFECTS)
        ],
    )
    doc.paragraph(t("defects_more"))


def _own_losses(run, t):
    """The listing's own losses in words: the first record and where they stop being finite."""
    first = run.records[0]
    step = studies.first_non_finite(run.records)
    text_ = "D %s, G %s (%s)" % (_fmt(first["d_loss"]), _fmt(first["g_loss"]), t("step_n") % first["step"])
    if step is not None and step != first["step"]:
        r = next(r for r in run.records if r["step"] == step)
        text_ += "; D %s, G %s (%s)" % (_fmt(r["d_loss"]), _fmt(r["g_loss"]), t("step_n") % step)
    last = run.records[-1]
    if last["step"] != first["step"]:
        text_ += "; D %s, G %s (%s)" % (_fmt(last["d_loss"]), _fmt(last["g_loss"]), t("step_n") % last["step"])
    return text_


def _versions_section(doc, results, t, fixed_rung):
    s = results.settings
    labels = [
        t("label_minimal") % " + ".join(listing.MINIMAL),
        t("label_fixed") % fixed_rung,
        t("label_article"),
        t("label_default"),
    ]
    outcomes = [o._replace(label=label) for o, label in zip(results.versions, labels)]
    doc.heading(t("h_versions"))
    doc.paragraph(t("versions_intro") % s.steps)
    rows = []
    for o in outcomes:
        last = o.records[-1] if o.records else {}
        never = sorted(set(o.variables) - set(o.moved))
        rows.append(
            (
                o.label,
                _outcome(o, t),
                _fmt(last.get("d_loss")),
                _fmt(last.get("g_loss")),
                t("step_n") % o.non_finite if o.non_finite else t("none"),
                _updated(o, t),
                ", ".join(never) or t("none"),
            )
        )
    doc.table(
        (
            t("col_version"),
            t("col_outcome"),
            t("col_d_loss"),
            t("col_g_loss"),
            t("col_first_nan"),
            t("col_updated"),
            t("col_never"),
        ),
        rows,
    )
    # the pictures' titles are code, the same in every language (and in any font)
    titles = ["listing + %s" % " + ".join(listing.MINIMAL), "listing, rung %d" % fixed_rung] + [
        "tf1gan --arch %s" % o.label for o in results.versions[2:]
    ]
    doc.image(
        "losses.png",
        plots.loss_figure(collections.OrderedDict((title, o.records) for title, o in zip(titles, outcomes))),
        t("losses_caption"),
    )
    doc.image("samples.png", _side_by_side([o.grid for o in outcomes]), t("samples_caption") % "; ".join(labels))
    figures = [(o.label, o.figures) for o in outcomes if o.figures is not None]
    if results.real is None or not figures:
        return
    doc.heading(t("h_quality") % s.eval_samples, level=3)
    fig_rows = [
        ("fig_score", lambda f: _fmt(f.classifier_score, "%.2f")),
        ("fig_fcd", lambda f: _fmt(f.fcd, "%.1f")),
        ("fig_classes", lambda f: t("of_classes") % (f.modes_covered, len(f.class_hist))),
        ("fig_rarest", lambda f: "%.1f%%" % (100 * min(f.class_hist))),
        ("fig_parzen", lambda f: "%.0f +- %.0f" % (f.parzen_ll, f.parzen_ll_stderr)),
        ("fig_copies", lambda f: "%.2f%%" % (100 * f.nn_copy_rate)),
    ]
    doc.table(
        [t("col_figure")] + [label for label, _ in figures] + [t("col_real")],
        [[t(key)] + [fn(f) for _, f in figures] + [fn(results.real)] for key, fn in fig_rows],
    )


def _seed_section(doc, results, t):
    s, seed_runs = results.settings, results.seed_runs
    doc.heading(t("h_seeds"))
    seeds = sorted({r.seed for r in seed_runs})
    doc.paragraph(
        t("seeds_intro") % (", ".join(map(str, seeds)), s.seed_steps, s.monitor_every, monitor.MONITOR_SAMPLES)
    )
    doc.paragraph(t("collapse_rule"))
    collapsed = {r.path: studies.collapse(r.checks) for r in seed_runs}
    counts, short = [], []
    for name in SEED_PRESETS:
        mine = [r for r in seed_runs if r.preset == name]
        counts += [sum(1 for r in mine if collapsed[r.path]), len(mine)]
        short += [sum(1 for r in mine if r.checks[-1]["modes_covered"] < 10), len(mine)]
    doc.paragraph(t("seeds_summary") % tuple(counts + short))
    _seed_table(doc, seed_runs, collapsed, t)
    series = collections.OrderedDict(("%s-seed%d" % (r.preset, r.seed), r.checks) for r in seed_runs)
    marks = {"%s-seed%d" % (r.preset, r.seed): collapsed[r.path][0] for r in seed_runs if collapsed[r.path]}
    doc.image("seeds.png", plots.coverage_figure(series, marks), t("seeds_caption"))
    _claims_section(doc, seed_runs, t)


def _seed_table(doc, seed_runs, collapsed, t):
    """One row per seed-study run: classes and rarest class at the end, collapse, best and final scores."""
    rows = []
    for r in seed_runs:
        end, c = r.checks[-1], collapsed[r.path]
        best = max(r.checks, key=lambda x: x["classifier_score"])
        first_all = studies.first_all_covered(r.checks)
        rows.append(
            (
                r.preset,
                str(r.seed),
                t("of_classes") % (end["modes_covered"], 10),
                "%.1f%%" % (100 * end["min_class_share"]),
                t("at_step") % c if c else t("no"),
                t("step_n") % first_all if first_all else t("never"),
                t("score_at") % (best["classifier_score"], best["step"]),
                "%.2f" % end["classifier_score"],
                t("seconds") % r.seconds,
            )
        )
    doc.table(
        (
            t("col_preset"),
            t("col_seed"),
            t("col_end_classes"),
            t("col_end_rarest"),
            t("col_collapsed"),
            t("col_all_first"),
            t("col_best"),
            t("col_final"),
            t("col_time"),
        ),
        rows,
    )


def _claims_section(doc, seed_runs, t):
    """The article's claims of speed and convergence, measured on the seed study's runs."""
    doc.heading(t("h_claims"), level=3)
    doc.paragraph(t("claims_intro"))
    rows = []
    for name in SEED_PRESETS:
        mine = [r for r in seed_runs if r.preset == name]
        if not mine:
            continue
        firsts = [studies.first_all_covered(r.checks) for r in mine]
        reached = [f for f in firsts if f]
        ends = [runs.RunFolder(r.path).read_metrics()[-1] for r in mine]
        rows.append(
            (
                name,
                "%.0f" % np.median([r.steps / r.seconds for r in mine]),
                "%d" % np.median(reached)
                if len(reached) == len(mine)
                else t("runs_never") % (len(mine) - len(reached), len(mine)),
                "%.2f" % np.median([max(c["classifier_score"] for c in r.checks) for r in mine]),
                "%.2f" % np.median([r.checks[-1]["classifier_score"] for r in mine]),
                "%.2f / %.2f" % (np.median([e["d_real"] for e in ends]), np.median([e["d_fake"] for e in ends])),
            )
        )
    doc.table(
        (
            t("col_preset"),
            t("col_speed"),
            t("col_first_all"),
            t("col_best_med"),
            t("col_final_med"),
            t("col_end_d"),
        ),
        rows,
    )
    doc.paragraph(t("claims_note"))


def summary(results):
    """Rows of the short terminal table: the listing as printed, every rung, every leave-one-out variant, tf1gan."""
    t = lambda key: text(key, "en")  # noqa: E731
    printed = results.printed_compat
    rows = [("listing, as printed", "%s at line %d" % (printed.type, printed.line) if printed else "runs") + ("-",) * 4]
    for rung, o in zip(listing.ladder()[1:], results.ladder[1:]):
        rows.append(("rung %d: %s" % (rung.number, " + ".join(rung.added)),) + _short(o, t))
    for (defect, _), o in zip(listing.leave_one_out(), results.loo):
        rows.append(("put back: %s" % defect,) + _short(o, t))
    for o in results.versions[2:]:
        rows.append(("tf1gan --arch %s" % o.label,) + _short(o, t))
    return rows


def _short(o, t):
    last = o.records[-1] if o.records else {}
    q = o.quality
    outcome = "build error" if o.error is not None and o.error.stage == "graph" else _outcome(o, t)
    return (
        outcome,
        _fmt(last.get("d_loss")),
        _fmt(last.get("g_loss")),
        "%d of %d" % (len(o.moved), len(o.variables)) if o.variables else "-",
        _fmt(q.classifier_score if q else None, "%.2f"),
    )


SUMMARY_HEADER = ("version", "outcome", "final D loss", "final G loss", "variables updated", "classifier score")


def format_summary(rows):
    """The summary rows as an aligned text table."""
    table = [SUMMARY_HEADER] + [tuple(r) for r in rows]
    widths = [max(len(str(r[i])) for r in table) for i in range(len(SUMMARY_HEADER))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in table)


def _side_by_side(grids):
    """One PNG with each version's sample grid next to the others."""
    tiles = [
        plots.grid(g[:100].reshape(len(g[:100]), -1), cols=10) if g is not None and np.size(g) else None for g in grids
    ]
    height = max([t.shape[0] for t in tiles if t is not None] or [302])
    blank = np.full((height, 8), 1.0, np.float32)
    parts = []
    for t in tiles:
        if t is None:
            t = np.zeros((height, height), np.float32)
        padded = np.full((height, t.shape[1]), 0.5, np.float32)
        padded[: t.shape[0]] = t
        parts += [padded, blank]
    return plots.png_bytes(np.concatenate(parts[:-1], axis=1))
