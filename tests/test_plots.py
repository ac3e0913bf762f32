"""Pictures: grids, and loss curves that say where a loss stopped being a number."""

import numpy as np

from tf1gan import plots


def test_grid_tiles_images_with_grey_padding():
    images = np.stack([np.zeros(784), np.ones(784), np.full(784, 0.25)])
    g = plots.grid(images, cols=2, pad=2)
    assert g.shape == (2 * 30 + 2, 2 * 30 + 2)
    assert g[2:30, 2:30].max() == 0 and g[2:30, 32:60].min() == 1 and g[32, 2] == 0.25
    assert g[0, 0] == 0.5 and g[32:60, 32:60].min() == 0.5  # the empty fourth tile stays grey


def test_non_finite_losses_are_named_not_silently_left_out():
    records = [{"step": 1, "d_loss": float("-inf"), "g_loss": 0.5}] + [
        {"step": s, "d_loss": float("nan"), "g_loss": 0.5} for s in range(2, 6)
    ]
    assert plots._nonfinite_note(records, "d_loss", "D loss") == "D loss: -inf at step 1; nan from step 2 on"
    assert plots._nonfinite_note(records, "g_loss", "G loss") is None
    records[2]["d_loss"] = 1.0
    assert plots._nonfinite_note(records, "d_loss", "D loss") == (
        "D loss: -inf at step 1; nan at step 2; nan from step 4 on"
    )
    assert plots.loss_figure({"listing": records})[:4] == b"\x89PNG"


def png_height(png):
    assert png[:4] == b"\x89PNG"
    return int.from_bytes(png[20:24], "big")  # IHDR: width at 16, height at 20


def test_monitor_checks_get_a_quality_row():
    losses = [{"step": s, "d_loss": 1.0, "g_loss": 1.0, "d_real": 0.5, "d_fake": 0.4} for s in range(1, 5)]
    checked = [dict(r, classifier_score=7.5, modes_covered=10) if r["step"] % 2 == 0 else r for r in losses]
    assert png_height(plots.loss_figure({"run": checked})) == png_height(plots.loss_figure({"run": losses})) * 3 // 2


def test_the_validation_fcd_is_drawn_with_its_best_step_marked(monkeypatch):
    checks = [
        {"step": s, "d_loss": 1.0, "g_loss": 1.0, "classifier_score": 7.0, "modes_covered": 10, "val_fcd": f}
        for s, f in ((2, 50.0), (4, 20.0), (6, 20.0), (8, 40.0))
    ]
    marked = []
    original = plots.plt.Axes.plot

    def plot(ax, x, y, *args, **kwargs):
        if kwargs.get("label", "").startswith("best"):
            marked.append((x, y, kwargs["label"]))
        return original(ax, x, y, *args, **kwargs)

    monkeypatch.setattr(plots.plt.Axes, "plot", plot)
    assert plots.loss_figure({"run": checks})[:4] == b"\x89PNG"
    assert marked == [([4], [20.0], "best: step 4")]  # the first of equal FCDs, as training keeps it
