"""Where a training step's time goes: op time by stage and by op type, against the step's wall time.

Traces ``tf1gan.train.Trainer.step`` (the fused D-then-G step ``tf1gan train``
runs) with ``RunOptions(trace_level=FULL_TRACE)`` over many steps after a
warm-up, and adds up each op's time (from its start to the end of its outputs)
by stage of the step and by op type. It compares that with the wall time of
the same steps run without tracing: with two threads ops overlap, so it also
reports the time at least one op was running ("busy"); the rest of the
untraced wall time is the executor's own (scheduling, feeding, fetching).
Tracing slows the step as a whole many times over, but not the ops' own
kernels much: op times are taken from the traced steps, wall time from the
untraced ones.

    python benchmarks/step_profile.py                       # both models, table and chart
    python benchmarks/step_profile.py --models tiny --steps 5 --warmup 2 --chart /tmp/p.png   # what tests run

Stages are assigned from the graph, not from timings: the moving-average
update is what ``train_step`` runs beyond the fused G step; the input stage is
what feeds ``X`` and ``Z``; the rest by name scope (``d_step/`` is D's pass
over the real and fake batch, ``g_step_d/`` the G step's pass through the
updated D, ``dropout_masks/`` the step's masks, ``*/gradients*/`` backward). Op types are the
kernels that ran, after Grappler's rewrites (``_FusedMatMul`` is a matrix
product with its bias added).
"""

import argparse
import collections
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tf1gan import data, golden, machine  # noqa: E402
from tf1gan.config import preset  # noqa: E402
from tf1gan.tfcompat import TF_VERSION, tf  # noqa: E402
from tf1gan.train import Trainer  # noqa: E402

MODELS = {
    "article": preset("article"),
    "default": preset("default"),
    "tiny": preset("default").replace(z_dim=8, g_hidden=(16,), d_hidden=(16,), batch_size=16),
}
STAGES = (
    "input gather and noise",
    "G forward",
    "D forward, real and fake",
    "dropout masks",
    "D backward",
    "D Adam",
    "G step: D forward",
    "G step: D backward",
    "G backward",
    "G Adam",
    "moving average",
    "other",
)


def stage_of_ops(gan, graph):
    """{op name: stage} for every op the fused step runs."""
    fused = graph.get_operation_by_name("generator/g_step_fused")
    everything = golden.ops_run_by([gan.train_ops.train_step])
    average = everything - golden.ops_run_by([fused]) - {gan.train_ops.train_step.name}
    inputs = golden.ops_run_by([gan.inputs.X.op, gan.inputs.Z.op])
    stages = {}
    for name in everything:
        stages[name] = _stage(name, name in average, name in inputs)
    return stages


def _stage(name, in_average, in_inputs):
    if in_average:
        return "moving average"
    if in_inputs:
        return "input gather and noise"
    if "/d_adam" in name:  # Adam's slots: discriminator/hidden1/w/d_adam
        return "D Adam"
    if "/g_adam" in name:
        return "G Adam"
    for prefix, stage in (
        ("dropout_masks/", "dropout masks"),
        ("discriminator/gradients/", "D backward"),
        ("discriminator/d_adam", "D Adam"),
        ("discriminator/d_train", "D Adam"),
        ("discriminator/beta", "D Adam"),
        ("generator/gradients_1/g_step_d/", "G step: D backward"),
        ("generator/gradients_1/", "G backward"),
        ("generator/g_adam", "G Adam"),
        ("generator/g_step_fused", "G Adam"),
        ("generator/beta", "G Adam"),
        ("g_step_d/", "G step: D forward"),
        ("d_step/", "D forward, real and fake"),
        ("discriminator/", "D forward, real and fake"),  # the variables' handles
        ("generator/", "G forward"),
    ):
        if name.startswith(prefix):
            return stage
    return "other"


def _busy(intervals):
    """Length of the union of [start, end) intervals (microseconds)."""
    total, end = 0, None
    for a, b in sorted(intervals):
        if end is None or a > end:
            total += b - a
            end = b
        elif b > end:
            total += b - end
            end = b
    return total


def profile(config, dataset, steps, warmup):
    """{"stages": {stage: ms per step}, "types": {op type: ms}, "wall_ms", "traced_wall_ms", "busy_ms"}."""
    with Trainer(config, dataset, "cpu") as trainer:
        trainer.start()
        stages_of = stage_of_ops(trainer.gan, trainer.graph)
        for s in range(warmup):
            trainer.step(s)
        t = time.perf_counter()
        for s in range(warmup, warmup + steps):
            trainer.step(s)
        wall = (time.perf_counter() - t) / steps
        options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
        by_stage, by_type = collections.Counter(), collections.Counter()
        busy = traced = 0.0
        fetch = trainer.gan.train_ops.train_step
        for s in range(warmup + steps, warmup + 2 * steps):
            meta = tf.RunMetadata()
            t = time.perf_counter()
            trainer.session.run(fetch, trainer.feed(s), options=options, run_metadata=meta)
            traced += time.perf_counter() - t
            intervals = []
            for dev in meta.step_stats.dev_stats:
                for node in dev.node_stats:
                    # "name:Kernel" (the kernel that ran, which Grappler may have fused: _FusedMatMul)
                    name, _, kernel = node.node_name.partition(":")
                    if name not in stages_of:
                        continue  # _SOURCE, feeds and fetches
                    micros = node.all_end_rel_micros
                    by_stage[stages_of[name]] += micros
                    by_type[kernel or node.timeline_label.split(" = ")[-1].split("(")[0]] += micros
                    intervals.append((node.all_start_micros, node.all_start_micros + micros))
            busy += _busy(intervals)
    per_step = 1e3 * steps  # microseconds summed over ``steps`` -> milliseconds per step
    return {
        "stages": {k: by_stage[k] / per_step for k in STAGES},
        "types": {k: v / per_step for k, v in by_type.most_common()},
        "wall_ms": 1e3 * wall,
        "traced_wall_ms": 1e3 * traced / steps,
        "busy_ms": busy / per_step,
    }


def report(name, result, out=sys.stdout, top_types=12):
    """Print one model's table: stages, op types, and the wall time they fit in."""
    total = sum(result["stages"].values())
    out.write(
        "\nmodel %s: %.2f ms per step (untraced wall time), %.2f ms traced\n"
        % (name, result["wall_ms"], result["traced_wall_ms"])
    )
    out.write("  %-26s %9s %7s\n" % ("stage", "ms/step", "share"))
    for stage, ms in result["stages"].items():
        out.write("  %-26s %9.3f %6.1f%%\n" % (stage, ms, 100 * ms / total if total else 0))
    out.write("  %-26s %9.3f\n" % ("all op time", total))
    out.write("  %-26s %9.3f  (time at least one op ran)\n" % ("busy", result["busy_ms"]))
    out.write(
        "  %-26s %9.3f  (untraced wall time not covered by any op)\n"
        % ("executor overhead", max(result["wall_ms"] - result["busy_ms"], 0.0))
    )
    out.write("  top op types: %s\n" % ", ".join("%s %.2f" % kv for kv in list(result["types"].items())[:top_types]))


def chart(results, path, cpu):
    """A stacked bar per model: ms per step by stage, beside its untraced wall time; ``cpu`` names the machine."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    fig, ax = plt.subplots(figsize=(9, 5))
    bottoms = np.zeros(len(names))
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, len(STAGES) + 1))
    for i, stage in enumerate(STAGES):
        values = np.array([results[n]["stages"][stage] for n in names])
        ax.bar(names, values, bottom=bottoms, color=colours[i], label=stage, width=0.5)
        bottoms += values
    overhead = np.array([max(results[n]["wall_ms"] - results[n]["busy_ms"], 0) for n in names])
    ax.bar(names, overhead, bottom=bottoms, color="lightgrey", hatch="//", label="executor overhead", width=0.5)
    for x, n in enumerate(names):
        ax.plot([x - 0.3, x + 0.3], [results[n]["wall_ms"]] * 2, "k--", lw=1)
        ax.annotate("untraced step %.1f ms" % results[n]["wall_ms"], (x + 0.3, results[n]["wall_ms"]), fontsize=8)
    ax.set_ylabel("ms per step (op time summed; two threads overlap)")
    ax.set_title("Where a fused training step's time goes\n(%s, TF %s)" % (cpu, TF_VERSION), fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default="article,default", help="comma-separated: article, default, tiny")
    p.add_argument("--steps", type=int, default=200, help="steps timed, then the same number traced")
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--threads", type=int, default=0, help="TensorFlow thread pools (0 = its choice)")
    p.add_argument("--chart", default="docs/step_profile.png", help="PNG of the stacked bars")
    args = p.parse_args(argv)
    dataset = data.load("mnist10k")
    cpu = machine.short_name(machine.describe(args.threads))
    print("cpu: %s; TensorFlow %s; %d steps after %d warm-up steps" % (cpu, TF_VERSION, args.steps, args.warmup))
    results = collections.OrderedDict()
    for name in args.models.split(","):
        results[name] = profile(MODELS[name].replace(threads=args.threads), dataset, args.steps, args.warmup)
        report(name, results[name])
    chart(results, args.chart, cpu)
    print("\nchart: %s" % args.chart)
    return 0


if __name__ == "__main__":
    sys.exit(main())
