"""Pictures: sample grids and loss curves, drawn with matplotlib's Agg backend (no screen needed)."""

import io
import itertools
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from tf1gan.fileio import atomic_write  # noqa: E402


def grid(images, cols=None, pad=2):
    """Tile images [N, 784] in [0, 1] into one 2-D array, ``pad`` pixels of grey between them."""
    images = np.clip(np.asarray(images, np.float32).reshape(-1, 28, 28), 0.0, 1.0)
    n = len(images)
    cols = cols or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / float(cols)))
    out = np.full((rows * (28 + pad) + pad, cols * (28 + pad) + pad), 0.5, np.float32)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        out[pad + r * (28 + pad) : pad + r * (28 + pad) + 28, pad + c * (28 + pad) : pad + c * (28 + pad) + 28] = img
    return out


def png_bytes(array, scale=2):
    """A 2-D array in [0, 1] as grey-scale PNG bytes, each pixel drawn ``scale`` times larger."""
    big = np.kron(array, np.ones((scale, scale), np.float32))
    buf = io.BytesIO()
    plt.imsave(buf, big, cmap="gray", vmin=0.0, vmax=1.0, format="png")
    return buf.getvalue()


def save_grid(images, path, cols=None):
    """Write a sample grid PNG of ``images`` [N, 784] in [0, 1] (atomically)."""
    atomic_write(path, png_bytes(grid(images, cols)))


def loss_figure(series, title=None):
    """PNG bytes of losses and D outputs against step.

    ``series`` maps a label to a list of metric records (dicts with ``step``,
    ``d_loss``, ``g_loss`` and optionally ``d_real``, ``d_fake``); several labels
    are drawn side by side so versions can be compared on the same axes. Where
    records carry the training monitor's ``classifier_score`` and
    ``modes_covered``, a third row shows them: losses say little about quality.
    Their validation FCD (``val_fcd``, lower is better), where recorded, is
    drawn on its own axis there, with its best step marked.
    """
    quality = any("classifier_score" in r for records in series.values() for r in records)
    rows = 3 if quality else 2
    fig, axes = plt.subplots(rows, len(series), figsize=(5 * len(series), 3 * rows), squeeze=False, sharex="col")
    for col, (label, records) in enumerate(series.items()):
        steps = [r["step"] for r in records]
        top, bottom = axes[0, col], axes[1, col]
        top.plot(steps, [r["d_loss"] for r in records], label="D loss")
        top.plot(steps, [r["g_loss"] for r in records], label="G loss")
        top.set_title(label)
        top.set_ylabel("loss")
        top.legend(loc="best")
        # matplotlib silently leaves out inf and NaN: say where they are instead of showing empty axes
        notes = [
            n for n in (_nonfinite_note(records, "d_loss", "D loss"), _nonfinite_note(records, "g_loss", "G loss")) if n
        ]
        if notes:
            top.text(0.5, 0.5, "\n".join(notes), transform=top.transAxes, ha="center", va="center", color="firebrick")
        if records and "d_real" in records[0]:
            bottom.plot(steps, [r["d_real"] for r in records], label="mean D(x)")
            bottom.plot(steps, [r["d_fake"] for r in records], label="mean D(G(z))")
            bottom.set_ylim(-0.02, 1.02)
            bottom.legend(loc="best")
        else:
            bottom.text(0.5, 0.5, "D outputs not recorded", transform=bottom.transAxes, ha="center", va="center")
        bottom.set_ylabel("D output")
        if quality:
            _quality_panel(axes[2, col], [r for r in records if "classifier_score" in r])
        axes[-1, col].set_xlabel("step")
        for ax in axes[:, col]:
            ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return _finished_png(fig)


def _quality_panel(ax, checks):
    """Classifier score and classes covered at each monitor check (both out of the number of classes)."""
    if not checks:
        ax.text(0.5, 0.5, "no quality checks", transform=ax.transAxes, ha="center", va="center")
        return
    steps = [r["step"] for r in checks]
    ax.plot(steps, [r["classifier_score"] for r in checks], marker=".", label="classifier score")
    ax.plot(steps, [r["modes_covered"] for r in checks], marker=".", drawstyle="steps-post", label="classes covered")
    ax.set_ylim(0, None)
    ax.set_ylabel("quality")
    ax.legend(loc="lower right")
    fcd = [r for r in checks if "val_fcd" in r]
    if fcd:
        _fcd_axis(ax.twinx(), fcd)


def _fcd_axis(ax, checks):
    """Validation FCD at each check on axis ``ax``, the best (lowest, first of equals) marked with a star."""
    top = min(checks, key=lambda r: r["val_fcd"])
    ax.plot([r["step"] for r in checks], [r["val_fcd"] for r in checks], color="tab:red", marker=".", alpha=0.8)
    ax.plot([top["step"]], [top["val_fcd"]], "*", color="tab:red", markersize=14, label="best: step %d" % top["step"])
    ax.set_ylabel("validation FCD (lower is better)", color="tab:red")
    ax.set_ylim(0, None)
    ax.legend(loc="upper right")


def _nonfinite_note(records, key, name):
    """Where ``key`` is not finite, e.g. ``D loss: -inf at step 1; nan from step 2 on``, or None."""
    runs = []  # [value text, first step, last step] of consecutive records with the same non-finite value
    for i, r in enumerate(records):
        if math.isfinite(r[key]):
            continue
        text = str(r[key])
        if runs and runs[-1][0] == text and runs[-1][3] == i - 1:
            runs[-1][2:] = [r["step"], i]
        else:
            runs.append([text, r["step"], r["step"], i])
    if not runs:
        return None
    parts = []
    for text, first, last, index in runs:
        if first == last:
            parts.append("%s at step %d" % (text, first))
        elif index == len(records) - 1:
            parts.append("%s from step %d on" % (text, first))
        else:
            parts.append("%s at steps %d-%d" % (text, first, last))
    return "%s: %s" % (name, "; ".join(parts))


def save_loss_curve(records, path, title=None):
    """Write the loss curve PNG of one run's metric records (atomically)."""
    atomic_write(path, loss_figure({title or "training": records}))


def labelled_grids(grids, labels, cols=5):
    """PNG bytes of sample grids in rows of ``cols``, each titled with its label; None draws an empty tile.

    ``grids`` are arrays [N <= 100, 784] in [0, 1] shown 10 to a row; labels
    are short (rung numbers) so that the picture reads in any language.
    """
    rows = int(math.ceil(len(grids) / float(cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.8 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, images, label in zip(axes.ravel(), grids, labels):
        tile = grid(images, cols=10) if images is not None and len(images) else np.full((302, 302), 0.5, np.float32)
        ax.imshow(tile, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_title(str(label), fontsize=14)
    return _finished_png(fig, dpi=100)


def coverage_figure(series, collapses=None):
    """PNG bytes of classes covered and the rarest class's share (%) against step, one line per run.

    ``series`` maps a run label ``"PRESET-seedN"`` to its monitor records
    (``step``, ``modes_covered``, ``min_class_share``); runs of one preset share a
    colour. ``collapses`` maps a label to the step where it collapsed, marked x.
    """
    presets = sorted({label.split("-seed")[0] for label in series})
    colours = dict(zip(presets, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
    for label, records in series.items():
        colour = colours[label.split("-seed")[0]]
        steps = [r["step"] for r in records]
        top.plot(steps, [r["modes_covered"] for r in records], color=colour, alpha=0.7, drawstyle="steps-post")
        bottom.plot(steps, [100 * r["min_class_share"] for r in records], color=colour, alpha=0.7)
        step = (collapses or {}).get(label)
        if step is not None:
            at = next(r for r in records if r["step"] == step)
            top.plot([step], [at["modes_covered"]], "x", color=colour, markersize=10, mew=2)
    for name in presets:
        top.plot([], [], color=colours[name], label=name)
    top.set_ylabel("classes covered")
    top.set_ylim(0, 10.5)
    top.legend(loc="lower right")
    bottom.set_ylabel("rarest class, % of samples")
    bottom.axhline(2.0, color="grey", lw=0.8, ls="--")
    bottom.set_xlabel("step")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    return _finished_png(fig)


# What a sweep's picture shows, where the runs recorded it: the losses, and the training monitor's figures.
SEED_SPREAD_KEYS = (
    ("d_loss", "D loss"),
    ("g_loss", "G loss"),
    ("classifier_score", "classifier score"),
    ("modes_covered", "classes covered"),
    ("val_fcd", "validation FCD"),
    ("copy_rate", "near copies"),
)


def seed_spread_figure(groups):
    """PNG bytes of each setting's figures over training: the mean over its seeds, shaded from min to max.

    ``groups`` maps a setting's label to one list of metric records per seed
    (``metrics.jsonl``): each figure of :data:`SEED_SPREAD_KEYS` that the
    runs recorded (the losses; the training monitor's). Seeds are compared
    at the steps they all logged; the left column is against step, the right
    against training time (the seeds' mean ``elapsed_s`` at that step), since
    settings differ in their cost per step.
    """
    keys = [k for k in SEED_SPREAD_KEYS if any(k[0] in r for runs in groups.values() for rs in runs for r in rs)]
    fig, axes = plt.subplots(len(keys), 2, figsize=(12, 2.6 * len(keys)), sharex="col", squeeze=False)
    colours = itertools.cycle(plt.rcParams["axes.prop_cycle"].by_key()["color"])
    for colour, (label, runs) in zip(colours, groups.items()):
        for row, (key, name) in enumerate(keys):
            by_step = [{r["step"]: r for r in records if key in r and "elapsed_s" in r} for records in runs]
            steps = sorted(set.intersection(*(set(s) for s in by_step))) if by_step else []
            if not steps:
                continue
            values = np.array([[s[step][key] for step in steps] for s in by_step], np.float64)
            seconds = np.array([[s[step]["elapsed_s"] for step in steps] for s in by_step], np.float64).mean(0)
            legend = "%s (%d seed%s)" % (label, len(runs), "s"[len(runs) == 1 :])
            for ax, x in zip(axes[row], (steps, seconds)):
                ax.plot(x, values.mean(0), color=colour, label=legend)
                ax.fill_between(x, values.min(0), values.max(0), color=colour, alpha=0.2, lw=0)
            axes[row, 0].set_ylabel(name)
            if key == "val_fcd":  # it falls by an order of magnitude first; the turn later is a few percent
                for ax in axes[row]:
                    ax.set_yscale("log")
    axes[0, 0].legend(loc="best", fontsize=8)
    axes[-1, 0].set_xlabel("step")
    axes[-1, 1].set_xlabel("training time, s (mean over seeds)")
    for ax in axes.ravel():
        ax.grid(alpha=0.3)
    return _finished_png(fig)


def _finished_png(fig, dpi=80):
    """PNG bytes of ``fig``, laid out tight; the figure is closed (pyplot keeps every open one alive)."""
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()
