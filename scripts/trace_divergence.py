"""Where two executions of the training trace first part: the first step, and the ops that start it.

Runs the first steps of the real training loop (``tf1gan.train.Trainer``, the
golden trace's config: one thread) twice, each in a subprocess of its own with
its own environment or wrapper, fetching with every step the output of every
float op the fused ``train_step`` executes. Then it walks each step's ops in
graph order and reports the ops whose output differs although every input
they read was bitwise equal: the ops where the two executions begin to differ.
(Everything downstream of such an op differs because of it.)

    # one CPU, two settings of TensorFlow's matrix-product kernel
    python scripts/trace_divergence.py --b-env TENSORFLOW_USE_CUSTOM_CONTRACTION_KERNEL=0
    # one machine, a second CPU model: valgrind presents its own CPUID (another model, no AVX-512)
    python scripts/trace_divergence.py --b-wrap "valgrind --tool=none --quiet"
    # two machines: dump on each, then compare the dumps
    python scripts/trace_divergence.py --dump-only --dump /tmp/here.npz
    python scripts/trace_divergence.py --a-dump /tmp/here.npz --b-dump /tmp/there.npz

Exits 0 whether or not the executions differ; it prints what it found.
"""

import argparse
import os
import shlex
import subprocess
import sys
import tempfile

import numpy as np

WRITES = ("ResourceApplyAdam", "AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def dump(preset_name, steps, path, threads=1):
    """Run ``steps`` training steps; save every float output of each step's ops to ``path`` (npz)."""
    sys.path.insert(0, ROOT)
    from tf1gan import data, golden, machine, train
    from tf1gan.tfcompat import tf

    config = golden.golden_config(preset_name).replace(steps=steps, threads=threads)
    with train.Trainer(config, data.load("mnist10k"), "cpu") as trainer:
        trainer.start()
        graph = trainer.graph
        # in graph (creation, hence topological) order
        run = golden.ops_run_by([trainer.gan.train_ops.train_step])
        ops = [op for op in graph.get_operations() if op.name in run]
        tensors = [t for op in ops for t in op.outputs if t.dtype.base_dtype == tf.float32]
        arrays = {}
        for step in range(steps):
            feed = trainer.feed(step)
            values = trainer.session.run(tensors + [trainer.gan.train_ops.train_step], feed)[:-1]
            for t, v in zip(tensors, values):
                arrays["%d|%s" % (step + 1, t.name)] = np.asarray(v)
        order = [op.name for op in ops]
        inputs = {op.name: [t.name for t in op.inputs] for op in ops}
        # A variable read after an update in the same step depends on the update's inputs, which is no
        # edge of the graph: count the inputs of every op that writes the variable as the read's inputs.
        writers = {}
        for op in ops:
            if op.type in WRITES:
                writers.setdefault(op.inputs[0].op.name, []).append(op)
        for op in ops:
            if op.type == "ReadVariableOp":
                inputs[op.name] += [t.name for w in writers.get(op.inputs[0].op.name, []) for t in w.inputs]
        types = {op.name: op.type for op in ops}
    np.savez(
        path,
        __order__=np.array(order),
        __inputs__=np.array(repr(inputs)),
        __types__=np.array(repr(types)),
        __cpu__=np.array(repr(machine.describe(threads=threads))),
        **arrays,
    )


def probe(path, threads=1):
    """Run each kind of op the training step uses once on fixed inputs; save the outputs to ``path`` (npz).

    Unlike the trace, every op here gets the same inputs on both sides, so a
    difference belongs to that op's kernel alone.
    """
    sys.path.insert(0, ROOT)
    from tf1gan import machine
    from tf1gan.tfcompat import session_config, tf

    rng = np.random.RandomState(0)

    def const(*shape):
        return tf.constant(rng.standard_normal(shape).astype(np.float32) * 0.1)

    ops = {}
    with tf.Graph().as_default() as graph:
        # the default model's products, forward (x W) and backward (x^T dy for dW, dy W^T for dx)
        for n, k, m in (
            (128, 64, 256),
            (128, 256, 512),
            (128, 512, 784),
            (128, 784, 512),
            (128, 512, 256),
            (128, 256, 1),
        ):
            x, w, dy = const(n, k), const(k, m), const(n, m)
            ops["MatMul x[%d,%d] W[%d,%d]" % (n, k, k, m)] = tf.matmul(x, w)
            ops["MatMul x^T dy (dW %dx%d)" % (k, m)] = tf.matmul(x, dy, transpose_a=True)
            ops["MatMul dy W^T (dx %dx%d)" % (n, k)] = tf.matmul(dy, w, transpose_b=True)
        h = const(128, 512)
        ops["Sum over the batch (bias gradient) [128,512]"] = tf.reduce_sum(h, axis=0)
        ops["Mean of all [128,512]"] = tf.reduce_mean(h)
        ops["Sigmoid [128,512]"] = tf.nn.sigmoid(h)
        ops["Tanh [128,512]"] = tf.nn.tanh(h)
        ops["LeakyRelu [128,512]"] = tf.nn.leaky_relu(h, 0.2)
        ops["SigmoidCrossEntropyWithLogits [128,512]"] = tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.fill(tf.shape(h), 0.9), logits=h * 10
        )
        ops["StatelessRandomNormal [128,64]"] = tf.random.stateless_normal([128, 64], tf.constant([7, 3], tf.int64))
        ops["StatelessRandomUniform [128,512]"] = tf.random.stateless_uniform([128, 512], tf.constant([7, 3], tf.int64))
        with tf.variable_scope("adam", use_resource=True):
            var = tf.get_variable("w", initializer=rng.standard_normal((512, 784)).astype(np.float32))
        grad = const(512, 784)
        step = tf.train.AdamOptimizer(1e-3, 0.5).apply_gradients([(grad, var)])
        with tf.control_dependencies([step]):
            ops["ResourceApplyAdam [512,784], 3 steps"] = var.read_value()
        init = tf.global_variables_initializer()
    names = sorted(ops)
    with tf.Session(graph=graph, config=session_config(threads, "cpu")) as sess:
        sess.run(init)
        for _ in range(2):
            sess.run(step)
        values = sess.run([ops[n] for n in names])
    np.savez(path, __cpu__=np.array(repr(machine.describe(threads=threads))), **{n: v for n, v in zip(names, values)})


def compare_probes(a_path, b_path):
    """Print, op by op, whether the two probes' outputs are bitwise equal."""
    a, b = np.load(a_path), np.load(b_path)
    print("A: %s\nB: %s" % (a["__cpu__"], b["__cpu__"]))
    for name in sorted(k for k in a.files if not k.startswith("__")):
        x, y = a[name], b[name]
        same = np.array_equal(x, y)
        print(
            "  %-48s %s"
            % (
                name,
                "bitwise equal"
                if same
                else "differs: max |diff| %.3g (%d ulp)" % (float(np.abs(x.astype(np.float64) - y).max()), _ulps(x, y)),
            )
        )


def _ulps(a, b):
    """Largest distance in units of the last place between two float32 arrays."""
    ia = a.astype(np.float32).view(np.int32).astype(np.int64)
    ib = b.astype(np.float32).view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    return int(np.abs(ia - ib).max()) if ia.size else 0


def compare(a_path, b_path, limit=12):
    """Print the first differing step and the ops where the two dumps begin to differ."""
    import ast

    a, b = np.load(a_path), np.load(b_path)
    order = list(a["__order__"])
    inputs = ast.literal_eval(str(a["__inputs__"]))
    types = ast.literal_eval(str(a["__types__"]))
    print("A: %s\nB: %s" % (a["__cpu__"], b["__cpu__"]))
    steps = sorted({int(k.split("|")[0]) for k in a.files if "|" in k})
    found_any = False
    for step in steps:
        differ = {}
        for k in a.files:
            if k.startswith("%d|" % step) and not np.array_equal(a[k], b[k]):
                differ[k.split("|", 1)[1]] = (a[k], b[k])
        if not differ:
            print("step %d: every op output bitwise equal" % step)
            continue
        found_any = True
        origins = []
        for op in order:
            outs = [n for n in differ if n.rsplit(":", 1)[0] == op]
            if outs and not any(i in differ for i in inputs[op]):
                x, y = differ[outs[0]]
                origins.append((op, types[op], x.shape, float(np.abs(x.astype(np.float64) - y).max()), _ulps(x, y)))
        by_type = {}
        for _, t, _, _, _ in origins:
            by_type[t] = by_type.get(t, 0) + 1
        print(
            "step %d: %d of %d float outputs differ; %d op(s) differ with bitwise-equal inputs (%s)"
            % (
                step,
                len(differ),
                sum(1 for k in a.files if k.startswith("%d|" % step)),
                len(origins),
                ", ".join("%s x%d" % kv for kv in sorted(by_type.items())),
            )
        )
        for op, t, shape, diff, ulps in origins[:limit]:
            print("  %-58s %-14s %-12s max |diff| %.3g (%d ulp)" % (op, t, list(shape), diff, ulps))
        if len(origins) > limit:
            print("  ... and %d more" % (len(origins) - limit))
        break
    if not found_any:
        print("no difference in %d step(s)" % len(steps))


def _run_dump(wrap, env, threads, preset_name, steps, path):
    cmd = shlex.split(wrap) + [
        sys.executable,
        os.path.abspath(__file__),
        "--dump-only",
        "--dump",
        path,
        "--preset",
        preset_name,
        "--steps",
        str(steps),
        "--threads",
        str(threads),
    ]
    if preset_name == "probe":
        cmd.append("--probe")
    subprocess.run(cmd, check=True, env=dict(os.environ, **env))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="default", help="default or article (default: default)")
    p.add_argument("--steps", type=int, default=3, help="training steps to record (default 3)")
    p.add_argument("--a-env", action="append", default=[], metavar="NAME=VALUE", help="environment of run A")
    p.add_argument("--b-env", action="append", default=[], metavar="NAME=VALUE", help="environment of run B")
    p.add_argument("--a-wrap", default="", help="command prefix of run A, e.g. 'taskset -c 0'")
    p.add_argument("--b-wrap", default="", help="command prefix of run B, e.g. 'valgrind --tool=none'")
    p.add_argument("--a-threads", type=int, default=1, help="TensorFlow threads of run A (default 1)")
    p.add_argument("--b-threads", type=int, default=1, help="TensorFlow threads of run B (default 1)")
    p.add_argument("--threads", type=int, default=1, help="threads with --dump-only")
    p.add_argument("--a-dump", help="use this dump as A instead of running")
    p.add_argument("--b-dump", help="use this dump as B instead of running")
    p.add_argument(
        "--probe",
        action="store_true",
        help="instead of the trace, run each kind of op of the step once on fixed inputs",
    )
    p.add_argument("--dump-only", action="store_true", help="only write --dump (this process's execution)")
    p.add_argument("--dump", help="dump file to write with --dump-only")
    args = p.parse_args()
    if args.dump_only:
        if args.probe:
            probe(args.dump, args.threads)
        else:
            dump(args.preset, args.steps, args.dump, args.threads)
        return
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for side, given, env, wrap, threads in (
            ("a", args.a_dump, args.a_env, args.a_wrap, args.a_threads),
            ("b", args.b_dump, args.b_env, args.b_wrap, args.b_threads),
        ):
            if given:
                paths.append(given)
                continue
            path = os.path.join(tmp, side + ".npz")
            _run_dump(
                wrap,
                dict(e.split("=", 1) for e in env),
                threads,
                "probe" if args.probe else args.preset,
                args.steps,
                path,
            )
            paths.append(path)
        (compare_probes if args.probe else compare)(*paths)


if __name__ == "__main__":
    main()
