"""Training throughput: the straightforward feed_dict loop against tf1gan's default path, same model and data.

Lanes, run in one process and interleaved over several rounds so that machine
noise hits them alike:

* ``feed_dict``: the loop people write from the article: numpy batch and noise,
  ``sess.run([d_train, d_loss], feed_dict)`` then ``sess.run([g_train, g_loss], feed_dict)``;
* ``tf1gan``: ``tf1gan.train.Trainer.step``, the exact code ``tf1gan train`` runs
  (data in the graph, in-graph stateless noise, D and G fused in one Session.run);
* ``tf-matmuls``: the same step's matrix products (forward and backward) as
  TensorFlow MatMul ops in one graph with nothing else: the limit for TF's own
  kernels on this machine; ``tf-floor``: those products plus the Adam update of
  every weight of both networks and the average's update, the least any step
  of this GAN must do; ``numpy-matmuls``: the same products in numpy;
* ``tfgan`` / ``torch``: optional comparison lanes, skipped with a message when
  ``tensorflow_gan`` or ``torch`` is not installed.

Prints steps/s (min / median over rounds), the ratios to the feed_dict and
tf-matmuls lanes, the process's CPU time per step (all threads: the work done,
which other processes on the machine disturb far less than the wall time),
the share of wall time spent inside ``Session.run``, and the peak RSS.

    python benchmarks/throughput.py                      # article-sized and default models
    python benchmarks/throughput.py --rounds 2 --steps 20 --models tiny   # what the tests run
"""

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tf1gan import data, model  # noqa: E402
from tf1gan.config import preset  # noqa: E402
from tf1gan.tfcompat import TF_VERSION, session_config, tf  # noqa: E402
from tf1gan.train import Trainer  # noqa: E402

MODELS = {
    "article": preset("article"),
    "default": preset("default"),
    "tiny": preset("default").replace(z_dim=8, g_hidden=(16,), d_hidden=(16,), batch_size=16),
}


def peak_rss_mb():
    """Peak resident set size of this process so far, in MB (VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


class TimedSession(object):
    """Wraps a session's ``run`` to add up the wall time spent inside it."""

    def __init__(self, sess):
        self.sess, self.inside = sess, 0.0

    def run(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return self.sess.run(*args, **kwargs)
        finally:
            self.inside += time.perf_counter() - t


class FeedDictLane(object):
    """The straightforward loop: two Session.run calls per step, each fed numpy arrays."""

    name = "feed_dict"

    def __init__(self, config, dataset):
        self.config, self.images = config, dataset.train.images
        self.order = data.BatchOrder(len(self.images), config.batch_size, config.seed)
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.g = model.build_gan(config.replace(input="feed"))
            init = tf.global_variables_initializer()
        self.sess = TimedSession(tf.Session(graph=self.graph, config=session_config(config.threads, "cpu")))
        self.sess.run(init)
        self.rng = np.random.RandomState(config.seed)
        self.b = 0

    def step(self):
        g, idx = self.g, self.order.indices(self.b)
        x = data.to_unit(self.images[idx])
        z = model.noise_batch(self.config, len(idx), self.rng)
        self.sess.run([g.train_ops.d_train, g.loss.d_loss], {g.inputs.X: x, g.inputs.Z: z})
        self.sess.run([g.train_ops.g_train, g.loss.g_loss], {g.inputs.Z: z})
        self.b += 1

    def close(self):
        self.sess.sess.close()


class Tf1ganLane(object):
    """tf1gan's own training step (``Trainer.step``), unchanged."""

    name = "tf1gan"

    def __init__(self, config, dataset):
        self.trainer = Trainer(config, dataset, "cpu")
        self.trainer.start()
        self.trainer.session = TimedSession(self.trainer.session)
        self.sess = self.trainer.session
        self.s = 0

    def step(self):
        self.trainer.step(self.s)
        self.s += 1

    def close(self):
        self.trainer.session.sess.close()


def step_products(config):
    """(a shape, b shape, transpose a, transpose b) of every matrix product in one fused training step.

    G forward (shared by both updates) and G's weight gradients; D on the real
    and fake batch and D's weight gradients; D again after its update, with the
    gradient back to the fake images (no weight gradients there).
    """
    b = config.batch_size
    g_dims = [config.z_dim] + list(config.g_hidden) + [data.PIXELS]
    d_dims = [data.PIXELS] + list(config.d_hidden) + [1]
    products = []

    def layers(dims, rows, weight_grads, input_grad):
        for i, (n_in, n_out) in enumerate(zip(dims, dims[1:])):
            products.append(((rows, n_in), (n_in, n_out), False, False))  # x W
            if weight_grads:
                products.append(((rows, n_in), (rows, n_out), True, False))  # dW = x^T dy
            if i or input_grad:
                products.append(((rows, n_out), (n_in, n_out), False, True))  # dx = dy W^T

    layers(g_dims, b, True, False)
    layers(d_dims, 2 * b, True, False)
    layers(d_dims, b, False, True)
    return products


class MatmulLane(object):
    """The step's matrix products in numpy with nothing around them (numpy's own BLAS)."""

    name = "numpy-matmuls"

    def __init__(self, config, dataset):
        self.pairs = [
            (np.ones(a, np.float32), np.ones(b, np.float32), ta, tb) for a, b, ta, tb in step_products(config)
        ]
        self.sess = None

    def step(self):
        for a, b, ta, tb in self.pairs:
            (a.T if ta else a) @ (b.T if tb else b)

    def close(self):
        pass


class TfMatmulLane(object):
    """The step's matrix products as TensorFlow ops in one graph and nothing else: TF's own kernel limit.

    With ``with_updates`` (the ``tf-floor`` lane) the same graph also runs what
    no GAN step trained with Adam and a weight average can leave out: an Adam
    update of every weight and bias of both networks, and the average's update
    of the generator's (when the config averages).
    """

    name = "tf-matmuls"

    def __init__(self, config, dataset, with_updates=False):
        self.graph = tf.Graph()
        with self.graph.as_default():
            outs = [
                tf.matmul(
                    tf.Variable(np.ones(a, np.float32)),
                    tf.Variable(np.ones(b, np.float32)),
                    transpose_a=ta,
                    transpose_b=tb,
                )
                for a, b, ta, tb in step_products(config)
            ]
            # fetched, not grouped: Grappler prunes side-effect-free ops that only feed a NoOp
            self.step_op = [tf.reduce_sum(o) for o in outs]
            if with_updates:
                self.step_op.append(_updates(config))
            init = tf.global_variables_initializer()
        self.sess = TimedSession(tf.Session(graph=self.graph, config=session_config(config.threads, "cpu")))
        self.sess.run(init)

    def step(self):
        self.sess.run(self.step_op)

    def close(self):
        self.sess.sess.close()


class TfFloorLane(TfMatmulLane):
    """``tf-matmuls`` plus the Adam and averaging updates: the least a step of this GAN must do."""

    name = "tf-floor"

    def __init__(self, config, dataset):
        TfMatmulLane.__init__(self, config, dataset, with_updates=True)


def _updates(config):
    """An Adam step on variables shaped like both networks' weights and biases, then the average's update."""
    shapes = []
    for dims in ([config.z_dim] + list(config.g_hidden) + [data.PIXELS], [data.PIXELS] + list(config.d_hidden) + [1]):
        shapes.append([(a, b) for a, b in zip(dims, dims[1:])] + [(b,) for b in dims[1:]])
    g_vars = [tf.Variable(np.full(s, 0.01, np.float32), use_resource=True) for s in shapes[0]]
    d_vars = [tf.Variable(np.full(s, 0.01, np.float32), use_resource=True) for s in shapes[1]]
    # a gradient that changes every step, as a real one does, computed by a cheap op
    step = tf.Variable(1.0)
    grads = [tf.fill(tf.shape(v), step * 1e-3) for v in g_vars + d_vars]
    adam = tf.train.AdamOptimizer(config.lr_g, config.beta1, config.beta2)
    update = adam.apply_gradients(list(zip(grads, g_vars + d_vars)))
    if config.ema_decay > 0:
        averages = [tf.Variable(np.zeros(v.shape, np.float32), use_resource=True) for v in g_vars]
        with tf.control_dependencies([update]):
            update = tf.group(*[a.assign_sub((1.0 - config.ema_decay) * (a - v)) for v, a in zip(g_vars, averages)])
    with tf.control_dependencies([update]):
        return step.assign_add(1.0)


class TfganLane(object):
    """TF-GAN's ``gan_model`` / ``gan_loss`` / ``gan_train_ops`` on the same networks (optional)."""

    name = "tfgan"

    def __init__(self, config, dataset):
        import tensorflow_gan as tfgan  # noqa: F401  (ImportError skips the lane)

        images = dataset.train.images
        self.order = data.BatchOrder(len(images), config.batch_size, config.seed)
        self.images, self.config = images, config
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.x = tf.placeholder(tf.float32, [config.batch_size, data.PIXELS])
            z = tf.random.normal([config.batch_size, config.z_dim], seed=1)
            gan = tfgan.gan_model(
                lambda z: model.to_pixels(model.generator(z, config), config),
                lambda x, _: model.discriminator(x, config),
                real_data=self.x,
                generator_inputs=z,
            )
            loss = tfgan.gan_loss(gan)
            ops = tfgan.gan_train_ops(
                gan,
                loss,
                tf.train.AdamOptimizer(config.lr_g, config.beta1),
                tf.train.AdamOptimizer(config.lr_d, config.beta1),
            )
            self.ops = ops
            init = tf.global_variables_initializer()
        self.sess = TimedSession(tf.Session(graph=self.graph, config=session_config(config.threads, "cpu")))
        self.sess.run(init)
        self.b = 0

    def step(self):
        idx = self.order.indices(self.b)
        self.sess.run(self.ops.discriminator_train_op, {self.x: data.to_unit(self.images[idx])})
        self.sess.run(self.ops.generator_train_op, {self.x: data.to_unit(self.images[idx])})
        self.b += 1

    def close(self):
        self.sess.sess.close()


class TorchLane(object):
    """The same MLPs and alternating Adam updates in PyTorch on the CPU (optional)."""

    name = "torch"

    def __init__(self, config, dataset):
        import torch  # noqa: F401  (ImportError skips the lane)

        images = dataset.train.images
        torch.set_num_threads(os.cpu_count() if not config.threads else config.threads)
        act = torch.nn.LeakyReLU(0.2) if config.activation == "leaky_relu" else torch.nn.ReLU()

        def mlp(dims):
            layers = []
            for i, (a, b) in enumerate(zip(dims, dims[1:])):
                layers.append(torch.nn.Linear(a, b))
                if i < len(dims) - 2:
                    layers.append(act)
            return torch.nn.Sequential(*layers)

        self.torch = torch
        self.G = mlp([config.z_dim] + list(config.g_hidden) + [data.PIXELS])
        self.D = mlp([data.PIXELS] + list(config.d_hidden) + [1])
        self.opt_g = torch.optim.Adam(self.G.parameters(), config.lr_g, (config.beta1, config.beta2))
        self.opt_d = torch.optim.Adam(self.D.parameters(), config.lr_d, (config.beta1, config.beta2))
        self.images = torch.from_numpy(data.to_unit(images))
        self.order = data.BatchOrder(len(images), config.batch_size, config.seed)
        self.config, self.b, self.sess = config, 0, None
        self.loss = torch.nn.BCEWithLogitsLoss()

    def step(self):
        torch, c = self.torch, self.config
        x = self.images[torch.from_numpy(self.order.indices(self.b).astype(np.int64))]
        z = torch.randn(c.batch_size, c.z_dim)
        fake = torch.tanh(self.G(z)) if c.output == "tanh" else torch.sigmoid(self.G(z))
        real = x * 2 - 1 if c.output == "tanh" else x
        ones, zeros = torch.ones(c.batch_size, 1), torch.zeros(c.batch_size, 1)
        self.opt_d.zero_grad()
        (self.loss(self.D(real), ones) + self.loss(self.D(fake.detach()), zeros)).backward()
        self.opt_d.step()
        self.opt_g.zero_grad()
        self.loss(self.D(fake), ones).backward()
        self.opt_g.step()
        self.b += 1

    def close(self):
        pass


LANES = [FeedDictLane, Tf1ganLane, TfMatmulLane, TfFloorLane, MatmulLane, TfganLane, TorchLane]


def bench(config, dataset, rounds, steps, warmup, out=sys.stdout):
    """Interleave every available lane over ``rounds``; print and return {lane: [steps/s per round]}."""
    lanes = []
    for cls in LANES:
        try:
            lanes.append(cls(config, dataset))
        except ImportError as e:
            out.write("  %-12s skipped: %s is not installed\n" % (cls.name, e.name or e))
    for lane in lanes:
        for _ in range(warmup):
            lane.step()
    rates = {lane.name: [] for lane in lanes}
    cpu = {lane.name: [] for lane in lanes}
    inside = {lane.name: [0.0, 0.0] for lane in lanes}
    for _ in range(rounds):
        for lane in lanes:
            before = lane.sess.inside if lane.sess else 0.0
            t, c = time.perf_counter(), time.process_time()
            for _ in range(steps):
                lane.step()
            dt = time.perf_counter() - t
            rates[lane.name].append(steps / dt)
            cpu[lane.name].append(1e3 * (time.process_time() - c) / steps)
            if lane.sess:
                inside[lane.name][0] += lane.sess.inside - before
            inside[lane.name][1] += dt
    base, matmuls = np.median(rates["feed_dict"]), np.median(rates["tf-matmuls"])
    out.write(
        "  %-13s %9s %9s %8s %13s %13s %14s\n"
        % ("lane", "min st/s", "median", "ratio", "vs tf-matmuls", "CPU ms/step", "in Session.run")
    )
    for lane in lanes:
        r = rates[lane.name]
        share = inside[lane.name][0] / inside[lane.name][1] if lane.sess else float("nan")
        out.write(
            "  %-13s %9.1f %9.1f %7.2fx %12.0f%% %13.2f %14s\n"
            % (
                lane.name,
                min(r),
                np.median(r),
                np.median(r) / base,
                100 * np.median(r) / matmuls,
                np.median(cpu[lane.name]),
                "-" if lane.sess is None else "%.0f%%" % (100 * share),
            )
        )
    for lane in lanes:
        lane.close()
    return rates


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default="article,default", help="comma-separated: article, default, tiny")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=300, help="steps per lane per round")
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--threads", type=int, default=0, help="TensorFlow thread pools (0 = its choice)")
    args = p.parse_args(argv)
    dataset = data.load("mnist10k")
    print(
        "machine: %s, %d cores, Python %s, TensorFlow %s, numpy %s"
        % (platform.platform(), os.cpu_count(), platform.python_version(), TF_VERSION, np.__version__)
    )
    for name in args.models.split(","):
        config = MODELS[name].replace(threads=args.threads)
        print(
            "\nmodel %s: G %s, D %s, batch %d, %d rounds x %d steps"
            % (
                name,
                "->".join(map(str, [config.z_dim] + list(config.g_hidden) + [784])),
                "->".join(map(str, [784] + list(config.d_hidden) + [1])),
                config.batch_size,
                args.rounds,
                args.steps,
            )
        )
        bench(config, dataset, args.rounds, args.steps, args.warmup)
    print("\npeak RSS of this process: %.0f MB" % peak_rss_mb())
    return 0


if __name__ == "__main__":
    sys.exit(main())
