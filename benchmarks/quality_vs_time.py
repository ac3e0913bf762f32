"""Quality against wall-clock training time: checkpoints at given minutes, then ``tf1gan evaluate``'s figures.

Trains a preset with the training loop's own ``Trainer`` into a run folder, saving
a checkpoint when the training time (the loop alone: steps and metric records, no
sample grids or monitor) passes each mark; then scores each checkpoint with the
figures ``tf1gan evaluate --run DIR --checkpoint STEP`` prints. Also records the
steps, the process's CPU seconds beside the wall seconds (on a shared machine the
two differ), the load average at each mark, and the floating-point operations of
one training step counted from the layer shapes. Writes RUN/quality_vs_time.json.

    python benchmarks/quality_vs_time.py --arch dcgan --minutes 10,30,60 --threads 1 --clock cpu --out runs/qt-dcgan
    python benchmarks/quality_vs_time.py --plot docs/quality_vs_time.png runs/qt-*/quality_vs_time.json
    python benchmarks/quality_vs_time.py --arch dcgan --hidden 4,4 --minutes 0.02 --samples 200   # the tests

Flags of ``tf1gan train`` after the script's own (``--hidden 32,16``) change the preset.
"""

import argparse
import io
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tf1gan import convnets, data, evaluate, runs, sample, train  # noqa: E402
from tf1gan.cli import build_parser, setting_changes  # noqa: E402
from tf1gan.config import preset  # noqa: E402
from tf1gan.fileio import atomic_write  # noqa: E402

RESULTS = "quality_vs_time.json"


def forward_flops(config):
    """(G, D) floating-point operations of one image's forward pass: matrix products and convolutions only."""

    def dense(widths):
        return sum(2 * a * b for a, b in zip(widths[:-1], widths[1:]))

    if config.net == "mlp":
        return dense([config.z_dim] + list(config.g_hidden) + [data.PIXELS]), dense(
            [data.PIXELS] + list(config.d_hidden) + [1]
        )
    area, k2 = (convnets.SIDE // 4) ** 2, convnets.KERNEL**2
    g = dense([config.z_dim, area * config.g_hidden[0]])
    # a transposed convolution works per input position, a convolution per output position
    g += sum(2 * k2 * n.inputs * n.outputs * (n.side // n.stride) ** 2 for n in convnets.plan(config, "generator"))
    d = dense([area * config.d_hidden[-1], 1])
    d += sum(2 * k2 * n.inputs * n.outputs * n.side**2 for n in convnets.plan(config, "discriminator"))
    return g, d


def step_flops(config):
    """Floating-point operations of one fused training step, counting a backward pass as twice its forward.

    G: its forward pass, then the backward of the G step; with batch norm, one more
    forward pass of the average for its statistics. D: forward and backward on the
    real and on the fake batch (D step), then forward and backward of the G step's
    pass (activation gradients only: no weight gradients, about 2x).
    """
    g, d = forward_flops(config)
    extra = 1 if config.net == "conv" and config.ema_decay > 0 else 0
    return config.batch_size * ((3 + extra) * g + (3 + 3 + 2) * d)


def train_for(config, out, minutes, dataset, clock="wall"):
    """Train until each mark of ``minutes`` and save a checkpoint there; return one record per mark.

    ``clock`` "cpu" puts the marks on the process's CPU time instead of the wall
    clock: on a machine shared with other work, a one-thread run's CPU time is
    what the same run would take alone.
    """
    folder = runs.RunFolder(out)
    os.makedirs(folder.path, exist_ok=True)
    marks, records, step = sorted(minutes), [], 0
    with folder.lock():
        folder.create(config, force=True)
        with train.Trainer(config, dataset, "cpu", folder) as trainer:
            trainer.start()
            wall0, cpu0 = time.time(), time.process_time()
            while marks:
                values, _ = trainer.step(step)
                step += 1
                elapsed, cpu = time.time() - wall0, time.process_time() - cpu0
                if step % config.log_every == 0:
                    folder.append_metrics(dict(values, step=step, elapsed_s=round(elapsed, 3)))
                if (cpu if clock == "cpu" else elapsed) >= 60 * marks[0]:
                    trainer.save(step)
                    records.append(
                        {
                            "minutes": marks.pop(0),
                            "step": step,
                            "wall_s": elapsed,
                            "cpu_s": cpu,
                            "load": os.getloadavg(),
                        }
                    )
                    rate, share = step / elapsed, 100 * cpu / elapsed
                    print(
                        "%.4g min: step %d, %.2f steps/s, CPU %.0f%% of wall"
                        % (records[-1]["minutes"], step, rate, share),
                        flush=True,
                    )
    return records


def score(out, records, n):
    """Add ``tf1gan evaluate``'s figures of each mark's checkpoint (``n`` samples, noise seed 0) to its record."""
    config = runs.RunFolder(out).read_config()
    with evaluate.Evaluator(config.dataset, config.data_dir) as ev:
        real = ev.real_figures()._asdict()
        for record in records:
            samples, _ = sample.draw(out, n, seed=0, checkpoint=str(record["step"]))
            record["figures"] = ev.figures(samples)._asdict()
            table = evaluate.table(evaluate.Figures(**record["figures"]), evaluate.Figures(**real), ev.dataset.classes)
            print("%.4g min, step %d:\n%s" % (record["minutes"], record["step"], table), flush=True)
    return real


def plot(path, result_files):
    """Classifier score and FCD against training minutes, one line per results file, real images dashed."""
    from tf1gan import plots

    docs = [json.load(open(f)) for f in result_files]
    fig, axes = plots.plt.subplots(1, 2, figsize=(10, 3.8))
    for doc in docs:
        minutes = [0] + [r["minutes"] for r in doc["marks"]]
        label = "%s (%s)" % (doc["arch"], doc["widths"])
        for ax, key in ((axes[0], "classifier_score"), (axes[1], "fcd")):
            ys = [r["figures"][key] for r in doc["marks"]]
            ax.plot(minutes[1:], ys, marker="o", label=label)
            for m, r, y in zip(minutes[1:], doc["marks"], ys):
                ax.annotate("%d" % r["step"], (m, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    real = docs[0]["real"]
    axes[0].axhline(real["classifier_score"], color="grey", linestyle="--", label="real held-out images")
    axes[1].axhline(real["fcd"], color="grey", linestyle="--", label="real held-out images")
    axes[0].set_ylabel("classifier score (higher is better)")
    axes[1].set_ylabel("Frechet classifier distance (lower is better)")
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xlabel(
            "minutes of training, CPU time of one thread (numbers: steps)"
            if docs[0].get("clock") == "cpu"
            else "minutes of training, wall clock (numbers: steps)"
        )
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plots.plt.close(fig)
    atomic_write(path, buf.getvalue())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", default="dcgan")
    p.add_argument(
        "--minutes", default="10,30,60", help="marks, in minutes of training (at most %d)" % runs.KEEP_CHECKPOINTS
    )
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="what the marks measure (see train_for)")
    p.add_argument("--samples", type=int, default=evaluate.SAMPLES, help="samples scored per mark")
    p.add_argument("--out", help="run folder (default: a temporary one)")
    p.add_argument("--plot", nargs="+", metavar=("PNG", "RESULTS"), help="draw PNG from results files instead")
    args, rest = p.parse_known_args(argv)
    if args.plot:
        plot(args.plot[0], args.plot[1:])
        return 0
    minutes = [float(m) for m in args.minutes.split(",")]
    if len(minutes) > runs.KEEP_CHECKPOINTS:
        p.error("at most %d marks: a run folder keeps %d checkpoints" % (runs.KEEP_CHECKPOINTS, runs.KEEP_CHECKPOINTS))
    changes = setting_changes(build_parser().parse_args(["train"] + rest))
    # the loop ends at the last mark; steps only has to lie beyond it (no --lr-decay schedule here)
    config = preset(args.arch).replace(**dict({"steps": 10**7}, **changes))
    if config.lr_decay != "none":
        p.error("--lr-decay depends on --steps, which a run to a time mark does not have")
    out = args.out or os.path.join(tempfile.mkdtemp(prefix="tf1gan-qt-"), "run")
    dataset = data.load(config.dataset, config.data_dir)
    records = train_for(config, out, minutes, dataset, args.clock)
    real = score(out, records, args.samples)
    g, d = forward_flops(config)
    doc = {
        "arch": config.arch,
        "widths": "%s / %s" % (",".join(map(str, config.g_hidden)), ",".join(map(str, config.d_hidden))),
        "config": config.to_dict(),
        "threads": config.threads,
        "clock": args.clock,
        "forward_flops_per_image": {"generator": g, "discriminator": d},
        "step_flops": step_flops(config),
        "marks": records,
        "real": real,
        "samples": args.samples,
    }
    atomic_write(os.path.join(out, RESULTS), json.dumps(doc, indent=2, sort_keys=True) + "\n")
    print(
        "step: %.3g GFLOP (matrix products and convolutions); wrote %s"
        % (doc["step_flops"] / 1e9, os.path.join(out, RESULTS))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
