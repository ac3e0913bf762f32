"""The article's section-4 listing, as printed, and its named minimal edits.

The listing's text lives verbatim in ``article_listing.txt`` beside this module.
Nothing here re-implements it: every run executes the listing's own statements
(with the chosen edits applied to the text), so what it does is what the
article's code does. Runs are instrumented between statements: the graph part
is executed once, the loop body once per step, then the sampling and plotting
lines, with the listing's line numbers kept in every traceback.

Two kinds of change are applied to the text, and kept apart:

* **edits** (``EDITS``): each the smallest change that gets past one defect;
  which of them a run uses is always stated;
* **settings**: seed, batch size and number of steps, so that the listing runs
  on the same terms as tf1gan, and the ``tf`` it imports (``tf.compat.v1``, the
  same API on TF 1.15) — none of them change what the code computes.
"""

import collections
import hashlib
import itertools
import os
import traceback

import numpy as np

from tf1gan import data

FILENAME = "article_listing.py"  # the name its tracebacks carry
LISTING_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "article_listing.txt")
# sha256 of the code block of section 4 of ../shared/seed/article.zh.md, as extracted.
LISTING_SHA256 = "a6dbb9202c24aa58ceb05d830c4192dc4d50e91c92e98c84e846511056615a8d"
SOURCE = "禅与计算机程序设计艺术, “生成对抗网络” (blog article, Chinese), section 4"

Edit = collections.namedtuple("Edit", "name defect what replacements")

EDITS = collections.OrderedDict(
    (e.name, e)
    for e in [
        Edit(
            "hidden_784",
            "noise width",
            "hidden_dim = 784: the noise, the hidden layer and the generator's output all become 784 wide, "
            "so tf.matmul(Z, W1) builds and a sample reshapes to 28x28",
            [("hidden_dim = 256  # 隐藏层节点个数", "hidden_dim = 784  # 隐藏层节点个数")],
        ),
        Edit(
            "noise_width",
            "noise width",
            "noise of input_dim (784) columns instead of hidden_dim, in the placeholder and in the feed, "
            "so tf.matmul(Z, W1) builds with the article's 256-unit layer",
            [
                ("shape=[None, hidden_dim], name='Z')", "shape=[None, input_dim], name='Z')"),
                ("size=(batch_size, hidden_dim))", "size=(batch_size, input_dim))"),
            ],
        ),
        Edit(
            "sample_reshape",
            "samples are not images",
            'show the 256-wide "sample" as 16x16, since it cannot be reshaped to 28x28',
            [("sample.reshape((28, 28))", "sample.reshape((16, 16))")],
        ),
        Edit(
            "single_sigmoid",
            "double sigmoid",
            "D_real = logits: the sigmoid is applied once, not twice",
            [("D_real = tf.sigmoid(logits, name='D_real')", "D_real = tf.identity(logits, name='D_real')")],
        ),
        Edit(
            "d_loss_sign",
            "D loss sign",
            "-log(1 - D_fake) instead of +log(1 - D_fake) in the discriminator loss",
            [("-tf.log(D_real)+tf.log(1.-D_fake)", "-tf.log(D_real)-tf.log(1.-D_fake)")],
        ),
    ]
)
# The edits that only get the listing to run end to end, among which the
# smallest working set is searched; the others fix defects that do not crash.
RUN_EDITS = ("hidden_784", "noise_width", "sample_reshape")
# The smallest set that runs (see smallest_working_edits): one edit, one line.
MINIMAL = ("hidden_784",)

Defect = collections.namedtuple("Defect", "key title listing_does should_do tf1gan_does test")
Defect.__doc__ = "One defect of the listing: what it does, what it should do, how tf1gan does it, its test."

_T = "tests/test_listing.py::"
DEFECTS = [
    Defect(
        "noise_width",
        "noise width",
        "Z is [N, hidden_dim = 256] but is multiplied by W1 [784, 256]: the graph does not build",
        "noise of its own width feeding a generator layer shaped [z_dim, width]",
        "generator/hidden1/w is [z_dim, g_hidden[0]]",
        _T + "test_noise_width_breaks_the_graph",
    ),
    Defect(
        "shared_weights",
        "generator and discriminator share W1, b1",
        "G_sample = sigmoid(Z W1 + b1) reuses D's first layer; G_params = [W1, b1] are D weights",
        "two networks with no variable in common",
        "variable scopes generator/ and discriminator/, disjoint",
        _T + "test_generator_and_discriminator_share_weights",
    ),
    Defect(
        "samples_not_images",
        "the generator outputs 256 values, not an image",
        "G_sample has hidden_dim columns, so sample.reshape((28, 28)) fails",
        "784 outputs, one per pixel",
        "the generator's last layer has 784 units",
        _T + "test_samples_are_not_images",
    ),
    Defect(
        "double_sigmoid",
        "sigmoid applied twice",
        "logits = sigmoid(...) and D_real = sigmoid(logits): D(x) is stuck in (0.5, 0.731)",
        "one sigmoid, or better none: keep logits",
        "discriminator returns logits",
        _T + "test_double_sigmoid_bounds_d_real",
    ),
    Defect(
        "inconsistent_d",
        "real and fake judged by different functions",
        "D_fake = sigmoid(G_sample W2 + b2) skips D's hidden layer that D_real goes through",
        "the same discriminator on both batches",
        "discriminator() applied to real and fake with shared weights",
        _T + "test_real_and_fake_go_through_different_functions",
    ),
    Defect(
        "d_loss_sign",
        "wrong sign in the D loss",
        "d_loss = mean(-log D_real + log(1 - D_fake)): minimising it drives D_fake to 1",
        "minimise -[log D(x) + log(1 - D(G(z)))]",
        "xent(real logits, 1) + xent(fake logits, 0)",
        _T + "test_d_loss_rewards_calling_fakes_real",
    ),
    Defect(
        "log_of_sigmoid",
        "log of a sigmoid",
        "tf.log(D_fake), tf.log(1. - D_fake): -inf or NaN as soon as D saturates",
        "cross-entropy computed from logits",
        "tf.nn.sigmoid_cross_entropy_with_logits only",
        _T + "test_log_of_sigmoid_overflows",
    ),
    Defect(
        "g_not_trained",
        "only D is trained",
        "one Adam op on D_params = [W2, b2]; g_loss is printed, never minimised; the generator never changes",
        "alternate a D update and a G update",
        "two Adam ops, d_train and g_train (fused: train_step)",
        _T + "test_only_w2_and_b2_ever_change",
    ),
    Defect(
        "init_scale",
        "unscaled initial weights",
        "truncated_normal with stddev 1 on a 784-wide input: D's pre-sigmoid outputs start in the tens",
        "initial weights scaled to the layer's width",
        "Glorot-uniform initializers",
        _T + "test_initial_discriminator_saturates",
    ),
    Defect(
        "graph_size_seeds",
        "initial weights depend on the graph's size",
        "tf.set_random_seed alone: each op's seed comes from the number of ops before it",
        "an explicit seed per random op",
        "op-level seeds derived from the run seed and the variable name",
        _T + "test_listing_weights_depend_on_unrelated_ops",
    ),
    Defect(
        "undefined_names",
        "mnist and plt are never defined",
        "NameError once the graph builds",
        "load the data and import pyplot",
        "tf1gan.data.load and tf1gan.plots",
        _T + "test_mnist_and_plt_are_undefined",
    ),
    Defect(
        "epochs_are_steps",
        "200 'epochs' are 200 batches",
        "each loop iteration is one batch: 200 x 128 = 25,600 images, under half an epoch of 55,000",
        "count what is counted",
        "--steps counts generator steps; batches reshuffle every epoch",
        _T + "test_an_epoch_is_one_batch",
    ),
]

ListingError = collections.namedtuple("ListingError", "type message line text stage")
ListingError.__doc__ = "An exception the listing raised: its type, message, listing line number and text."
ListingRun = collections.namedtuple(
    "ListingRun", "edits records initial final moved samples plotted error hidden_dim eval_samples"
)
ListingRun.__doc__ = """What a (possibly edited) listing did: per-step losses, variable
values before and after, which variables moved, its samples, what its plot
received, and the exception it stopped on, if any."""


def source():
    """The listing as printed, checked against the sha256 taken from the article."""
    with open(LISTING_PATH, encoding="utf-8") as f:
        text = f.read()
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != LISTING_SHA256:
        raise RuntimeError("%s no longer matches the article's listing" % LISTING_PATH)
    return text


def _replace_once(text, old, new, what):
    if text.count(old) != 1:
        raise ValueError("%s: expected exactly one %r in the listing, found %d" % (what, old, text.count(old)))
    return text.replace(old, new)


def edited(edits=(), seed=None, batch_size=None, steps=None, compat_tf=False):
    """The listing's text with the named ``edits`` and the given settings applied."""
    text = source()
    for name in edits:
        if name not in EDITS:
            raise ValueError("unknown edit %r; known: %s" % (name, ", ".join(EDITS)))
        for old, new in EDITS[name].replacements:
            text = _replace_once(text, old, new, name)
    if seed is not None:
        text = _replace_once(text, "np.random.seed(1234)", "np.random.seed(%d)" % seed, "seed")
        text = _replace_once(text, "tf.set_random_seed(1234)", "tf.set_random_seed(%d)" % seed, "seed")
    if batch_size is not None:
        text = _replace_once(text, "batch_size = 128 #", "batch_size = %d #" % batch_size, "batch size")
    if steps is not None:
        text = _replace_once(text, "num_epochs = 200 #", "num_epochs = %d #" % steps, "steps")
    if compat_tf:
        text = _replace_once(text, "import tensorflow as tf\n", "from tf1gan.tfcompat import tf\n", "tf")
    return text


class TutorialMNIST(object):
    """A stand-in for the TF tutorial's ``mnist`` object: ``mnist.train.next_batch(n)``.

    Batches are float32 images in [0, 1] and labels, drawn in the order of
    :class:`tf1gan.data.BatchOrder` — the same shuffled order tf1gan's own
    training uses for the same seed and batch size, so every version sees the
    same images.
    """

    def __init__(self, images, labels, seed):
        self.train = self
        self.images, self.labels, self.seed = images, labels, seed
        self.order, self.batch = None, 0

    def next_batch(self, batch_size):
        """The next batch (images float32 [n, 784] in [0, 1], labels)."""
        if self.order is None or self.order.batch_size != batch_size:
            self.order = data.BatchOrder(len(self.images), batch_size, self.seed)
        idx = self.order.indices(self.batch)
        self.batch += 1
        return data.to_unit(self.images[idx]), self.labels[idx]


def tutorial_mnist(dataset="mnist10k", seed=1234):
    """The ``mnist`` object the listing uses, over the training split of a tf1gan data set."""
    ds = data.load(dataset)
    return TutorialMNIST(ds.train.images, ds.train.labels, seed)


class RecordingPyplot(object):
    """A stand-in for ``matplotlib.pyplot`` that records what the listing tries to show."""

    def __init__(self):
        self.images = []

    def subplot(self, *args):
        """Accepted and ignored: the layout is not what is being measured."""

    def imshow(self, image, **kwargs):
        """Record the image the listing shows."""
        self.images.append(np.array(image))

    def axis(self, *args):
        """Accepted and ignored."""

    def show(self):
        """Accepted and ignored."""


def _error(exc, stage):
    """A :class:`ListingError` for ``exc``, located at the innermost listing line in its traceback."""
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == FILENAME:
            line = lineno
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return ListingError(type(exc).__name__, message, line, None, stage)


def _with_text(err, text):
    lines = text.splitlines()
    if err is None or err.line is None:
        return err
    return err._replace(text=lines[err.line - 1].strip())


def run_as_printed(mnist=None, plt=None, tf_module=None):
    """Execute the whole listing, unedited; return the :class:`ListingError` it stops on (or None).

    ``mnist`` and ``plt`` are what the listing uses without defining (the
    example script supplies the same two); ``tf_module`` replaces its
    ``import tensorflow as tf`` only when given.
    """
    from tf1gan.tfcompat import tf

    text = source()
    namespace = {"__name__": "__article_listing__", "mnist": mnist, "plt": plt}
    if tf_module is not None:
        text = edited(compat_tf=True)
        namespace["tf"] = tf_module
    try:
        with tf.Graph().as_default():  # a fresh default graph, so op names do not depend on earlier runs
            exec(compile(text, FILENAME, "exec"), namespace)
    except Exception as e:  # the listing's own failure is the result
        return _with_text(_error(e, "as printed"), text)
    return None


def _segments(text):
    """Split the listing at its fixed anchors into graph / init / body / report / sample / plot parts."""
    lines = text.splitlines(True)

    def find(prefix, start=0):
        for i in range(start, len(lines)):
            if lines[i].strip().startswith(prefix):
                return i
        raise ValueError("listing line starting %r not found" % prefix)

    session, loop = find("with tf.Session() as sess:"), find("for epoch in range(num_epochs):")
    report, sample, plot = find("if epoch % 10 == 0"), find("samples = sess.run("), find("for i, sample in")

    def part(a, b, dedent=0):
        # blank lines keep their place, so line numbers in tracebacks stay the listing's
        return "".join(["\n"] * a + [line[dedent:] if line.strip() else "\n" for line in lines[a:b]])

    return {
        "graph": part(0, session),
        "init": part(find("sess.run(tf.global", session), loop, 4),
        "body": part(loop + 1, report, 8),
        "sample": part(sample, sample + 1, 4),
        "plot": part(plot, len(lines)),
    }


def run(edits, dataset, steps=200, seed=1234, batch_size=128, record_every=1, n_samples=0):
    """Run the listing with ``edits`` on ``dataset``'s training split, instrumented; return a :class:`ListingRun`.

    The graph part runs in a graph of its own; then the loop body runs once per
    step in a ``tf.Session`` (recording ``d_loss_`` and ``g_loss_`` every
    ``record_every`` steps, at the first and last step, and at every step where
    a loss turns non-finite or finite again, so no blow-up is missed), then the
    sampling and plotting lines. If any part raises, the run stops there and
    records where. ``n_samples`` more samples of ``G_sample`` are drawn after
    training, with the listing's own noise (uniform in [-1, 1], its width).
    """
    from tf1gan.tfcompat import tf

    text = edited(edits, seed=seed, batch_size=batch_size, steps=steps, compat_tf=True)
    parts = {k: compile(v, FILENAME, "exec") for k, v in _segments(text).items()}
    mnist = TutorialMNIST(dataset.train.images, dataset.train.labels, seed)
    plt = RecordingPyplot()
    ns = {"__name__": "__article_listing__", "mnist": mnist, "plt": plt}
    records, initial, final, samples, error, eval_samples = [], {}, {}, None, None, None
    graph = tf.Graph()
    stage = "graph"
    try:
        with graph.as_default():
            exec(parts["graph"], ns)
            variables = tf.trainable_variables()
            with tf.Session(graph=graph) as sess:
                ns["sess"] = sess
                stage = "init"
                exec(parts["init"], ns)
                initial = {v.op.name: sess.run(v) for v in variables}
                stage = "training"
                finite_before = True
                for step in range(steps):
                    ns["epoch"] = step
                    exec(parts["body"], ns)
                    losses = float(ns["d_loss_"]), float(ns["g_loss_"])
                    finite = all(np.isfinite(losses))
                    if step == 0 or (step + 1) % record_every == 0 or step + 1 == steps or finite != finite_before:
                        records.append({"step": step + 1, "d_loss": losses[0], "g_loss": losses[1]})
                    finite_before = finite
                final = {v.op.name: sess.run(v) for v in variables}
                if n_samples:
                    width = ns["Z"].shape.as_list()[1]
                    z = np.random.RandomState(seed).uniform(-1.0, 1.0, size=(n_samples, width))
                    eval_samples = sess.run(ns["G_sample"], {ns["Z"]: z})
                stage = "sampling"
                exec(parts["sample"], ns)
                samples = np.array(ns["samples"])
            stage = "plotting"
            exec(parts["plot"], ns)
    except Exception as e:  # where the listing stops is part of what it does
        error = _with_text(_error(e, stage), text)
    moved = sorted(k for k in final if not np.array_equal(initial[k], final[k]))
    return ListingRun(
        edits=tuple(edits),
        records=records,
        initial=initial,
        final=final,
        moved=moved,
        samples=samples,
        plotted=plt.images,
        error=error,
        hidden_dim=ns.get("hidden_dim"),
        eval_samples=eval_samples,
    )


def smallest_working_edits(dataset, steps=2):
    """Try every subset of ``RUN_EDITS``, smallest first; return [(edits, error or None, lines changed)].

    The first subset with no error is the minimal edit set; the table shows
    why nothing smaller works.
    """
    rows = []
    for size in range(len(RUN_EDITS) + 1):
        for combo in itertools.combinations(RUN_EDITS, size):
            result = run(combo, dataset, steps=steps)
            lines = sum(len(EDITS[name].replacements) for name in combo)
            rows.append((combo, result.error, lines))
    return rows


def listing_label(edits):
    """A short name for a listing variant: 'as printed' or 'edits: a + b'."""
    return "as printed" if not edits else "edits: " + " + ".join(edits)
