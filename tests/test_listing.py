"""The article's listing: each defect shown on the listing's own graph, and its absence in tf1gan's graph.

The listing's statements are executed from its verbatim text (tf1gan/article_listing.txt,
checked against the sha256 of the article's code block); edits are named and applied
to that text. One test per entry of ``tf1gan.listing.DEFECTS``.
"""

import os

import numpy as np
import pytest

from tf1gan import data, listing, model
from tf1gan.config import Config
from tf1gan.tfcompat import tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def minimal_run(mnist10k):
    """The listing with its minimal edit, 20 steps on the shared batches."""
    return listing.run(listing.MINIMAL, mnist10k, steps=20)


@pytest.fixture(scope="module")
def batch(mnist10k):
    return data.to_unit(mnist10k.train.images[:64])


def listing_graph(edits=listing.MINIMAL, extra_ops=0):
    """Execute the listing's graph part (with ``edits``) in a fresh graph; return (graph, namespace).

    ``extra_ops`` unrelated random ops are inserted right after the listing sets its seed.
    """
    graph = tf.Graph()
    ns = {"__name__": "__article_listing__"}
    with graph.as_default():
        text = listing.edited(edits, compat_tf=True)
        text = text.replace(
            "tf.set_random_seed(1234)\n",
            "tf.set_random_seed(1234)\n" + "tf.random.uniform([1]); " * extra_ops + "\n",
            1,
        )
        part = listing._segments(text)["graph"]
        exec(compile(part, listing.FILENAME, "exec"), ns)
        ns["init"] = tf.global_variables_initializer()
    return graph, ns


def tf1gan_graph(config=None, extra_ops=0):
    """tf1gan's graph in feed mode (default config unless given): (graph, GANGraph, init op)."""
    config = config or Config()
    graph = tf.Graph()
    with graph.as_default():
        for _ in range(extra_ops):
            tf.random.uniform([1])
        g = model.build_gan(config.replace(input="feed"))
        init = tf.global_variables_initializer()
    return graph, g, init


def session(graph, init):
    sess = tf.Session(graph=graph)
    sess.run(init)
    return sess


def dependencies(tensor):
    """Names of the variables a tensor's value is computed from."""
    seen, stack, found = set(), [tensor.op], set()
    while stack:
        op = stack.pop()
        if op.name in seen:
            continue
        seen.add(op.name)
        if op.type in ("VariableV2", "VarHandleOp"):
            found.add(op.name)
        stack.extend(i.op for i in op.inputs)
    return found


def test_every_defect_has_its_test():
    names = {n for n in globals() if n.startswith("test_")}
    for defect in listing.DEFECTS:
        path, name = defect.test.split("::")
        assert path == "tests/test_listing.py" and name in names, defect.key


def test_the_listing_text_is_the_articles():
    text = listing.source()  # raises if its sha256 is not the one taken from the article
    assert text.startswith("import tensorflow as tf\nimport numpy as np\n") and text.endswith("plt.show()\n")
    example = open(os.path.join(ROOT, "examples", "article_listing.py"), encoding="utf-8").read()
    marker = "# ---- the article's listing, verbatim, from here to the end ----\n"
    assert example[example.index(marker) + len(marker) :] == text


def test_noise_width_breaks_the_graph():
    err = listing.run_as_printed(listing.tutorial_mnist(), listing.RecordingPyplot(), tf_module=tf)
    assert err.type == "ValueError" and "Dimensions must be equal, but are 256 and 784" in err.message
    assert err.line == 30 and err.text.startswith("G_sample = tf.sigmoid(tf.matmul(Z, W1) + b1")
    _, g, _ = tf1gan_graph()
    first = [v for v in g.model.g_vars if v.op.name == "generator/hidden1/w"][0]
    assert g.inputs.Z.shape.as_list()[1] == first.shape.as_list()[0]


def test_generator_and_discriminator_share_weights():
    _, ns = listing_graph()
    assert dependencies(ns["G_sample"]) & dependencies(ns["D_real"]) == {"W1", "b1"}
    graph, g, _ = tf1gan_graph()
    with graph.as_default():
        d_on_images = model.discriminator(g.inputs.X, Config())  # the discriminator alone, on any images
    assert dependencies(d_on_images) == {v.op.name for v in g.model.d_vars}
    assert dependencies(g.samples.g_sample) == {v.op.name for v in g.model.g_vars}
    assert not set(g.model.g_vars) & set(g.model.d_vars)


def test_samples_are_not_images(mnist10k):
    _, ns = listing_graph(("noise_width",))
    assert ns["G_sample"].shape.as_list() == [None, 256]
    result = listing.run(("noise_width",), mnist10k, steps=1)
    assert (
        result.error.stage == "plotting"
        and "cannot reshape array of size 256 into shape (28,28)" in result.error.message
    )
    _, g, _ = tf1gan_graph()
    assert g.samples.g_sample.shape.as_list() == [None, 784]


def test_double_sigmoid_bounds_d_real(batch):
    graph, ns = listing_graph()
    with session(graph, ns["init"]) as sess:
        d_real = np.concatenate([sess.run(ns["D_real"], {ns["X"]: x}) for x in (batch, 50 * batch, -50 * batch)])
    assert d_real.min() >= 0.5 and d_real.max() <= 1 / (1 + np.exp(-1.0)) + 1e-7
    graph, g, init = tf1gan_graph()
    with session(graph, init) as sess:
        p = np.concatenate([sess.run(g.model.d_real_logits, {g.inputs.X: x}) for x in (batch, 50 * batch)])
    probs = 1 / (1 + np.exp(-p))
    assert probs.min() < 0.5 or probs.max() > 0.75  # a logit, free to go anywhere


def test_real_and_fake_go_through_different_functions(batch):
    graph, ns = listing_graph()  # hidden_784: G_sample has the shape of an image
    with session(graph, ns["init"]) as sess:
        as_real = sess.run(ns["logits"], {ns["X"]: batch})  # D's full path, one sigmoid
        as_fake = sess.run(ns["D_fake"], {ns["G_sample"]: batch})  # the same images fed as "fakes"
    assert not np.allclose(as_real, as_fake, atol=1e-3)
    graph, g, init = tf1gan_graph(Config(output="sigmoid"))
    x = np.clip(batch, 0.01, 0.99)
    with session(graph, init) as sess:
        real, fake = sess.run(
            [g.model.d_real_logits, g.model.d_fake_logits], {g.inputs.X: x, g.model.g_logits: np.log(x / (1 - x))}
        )
    np.testing.assert_allclose(real, fake, rtol=1e-4, atol=1e-4)


def test_d_loss_rewards_calling_fakes_real():
    graph, ns = listing_graph()
    with session(graph, ns["init"]) as sess:
        real = np.full([8, 1], 0.7, np.float32)
        calls_fake_fake = sess.run(ns["d_loss"], {ns["D_real"]: real, ns["D_fake"]: np.full([8, 1], 0.01)})
        calls_fake_real = sess.run(ns["d_loss"], {ns["D_real"]: real, ns["D_fake"]: np.full([8, 1], 0.99)})
    assert calls_fake_real < calls_fake_fake  # the listing's D is rewarded for being fooled
    graph, g, init = tf1gan_graph()
    with session(graph, init) as sess:
        real = np.full([8], 1.0, np.float32)
        good = sess.run(
            g.loss.d_loss, {g.model.d_step_real_logits: real, g.model.d_step_fake_logits: np.full([8], -5.0)}
        )
        fooled = sess.run(
            g.loss.d_loss, {g.model.d_step_real_logits: real, g.model.d_step_fake_logits: np.full([8], 5.0)}
        )
    assert good < fooled


def test_log_of_sigmoid_overflows(minimal_run):
    first, second = minimal_run.records[0], minimal_run.records[1]
    assert first["d_loss"] == -np.inf and np.isnan(second["d_loss"]) and np.isnan(second["g_loss"])
    graph, g, init = tf1gan_graph()
    with session(graph, init) as sess:
        big = np.array([100.0, -100.0], np.float32)
        losses = sess.run(
            [g.loss.d_loss, g.loss.g_loss],
            {g.model.d_step_real_logits: big, g.model.d_step_fake_logits: big, g.model.d_fake_logits: big},
        )
    assert np.all(np.isfinite(losses))


def test_only_w2_and_b2_ever_change(minimal_run, batch):
    assert minimal_run.moved == ["W2", "b2"]
    for name in ("W1", "b1"):  # everything the generator is made of
        assert np.array_equal(minimal_run.initial[name], minimal_run.final[name])
    graph, g, init = tf1gan_graph()
    with session(graph, init) as sess:
        before = sess.run(g.model.g_vars + g.model.d_vars)
        z = np.random.RandomState(0).normal(size=(64, g.inputs.Z.shape.as_list()[1]))
        for _ in range(2):
            sess.run(g.train_ops.train_step, {g.inputs.X: batch, g.inputs.Z: z})
        after = sess.run(g.model.g_vars + g.model.d_vars)
    assert all(not np.array_equal(a, b) for a, b in zip(before, after))


def test_initial_discriminator_saturates(batch):
    graph, ns = listing_graph()
    pre_sigmoid = ns["logits"].op.inputs[0]
    with session(graph, ns["init"]) as sess:
        assert np.abs(sess.run(pre_sigmoid, {ns["X"]: batch})).mean() > 10
    graph, g, init = tf1gan_graph()
    with session(graph, init) as sess:
        assert np.abs(sess.run(g.model.d_real_logits, {g.inputs.X: batch})).mean() < 2


def test_listing_weights_depend_on_unrelated_ops():
    # one unrelated random op after the listing's tf.set_random_seed changes its initial weights
    # (TF 1.15 takes op seeds from the graph's size, TF 2 from a count of random ops)
    values = []
    for extra in (0, 3):
        graph, ns = listing_graph(extra_ops=extra)
        with session(graph, ns["init"]) as sess:
            values.append(sess.run(ns["W2"]))
    assert not np.array_equal(values[0], values[1])
    values = []
    for extra in (0, 3):
        graph, g, init = tf1gan_graph(extra_ops=extra)
        with session(graph, init) as sess:
            values.append(sess.run(g.model.d_vars[0]))
    assert np.array_equal(values[0], values[1])


def test_mnist_and_plt_are_undefined():
    text = listing.edited(listing.MINIMAL, steps=1, compat_tf=True)
    with tf.Graph().as_default():
        with pytest.raises(NameError, match="name 'mnist' is not defined"):
            exec(compile(text, listing.FILENAME, "exec"), {"__name__": "x"})
    with tf.Graph().as_default():
        with pytest.raises(NameError, match="name 'plt' is not defined"):
            exec(compile(text, listing.FILENAME, "exec"), {"__name__": "x", "mnist": listing.tutorial_mnist()})
    from tf1gan import train

    assert train.data is data and hasattr(train.plots, "save_grid")  # tf1gan loads and draws its own


def test_an_epoch_is_one_batch(mnist10k):
    calls = []

    class Counting(listing.TutorialMNIST):
        def next_batch(self, n):
            calls.append(n)
            return listing.TutorialMNIST.next_batch(self, n)

    text = listing.edited(listing.MINIMAL, steps=3, compat_tf=True)
    with tf.Graph().as_default():
        exec(
            compile(text, listing.FILENAME, "exec"),
            {
                "__name__": "x",
                "mnist": Counting(mnist10k.train.images, mnist10k.train.labels, 0),
                "plt": listing.RecordingPyplot(),
            },
        )
    assert calls == [128, 128, 128]  # num_epochs = 3 read three batches, not three passes over the data
    order = data.BatchOrder(len(mnist10k.train.images), 128, 0)
    assert order.per_epoch == len(mnist10k.train.images) // 128


def test_smallest_working_edit_set(mnist10k):
    rows = listing.smallest_working_edits(mnist10k, steps=1)
    working = [combo for combo, err, _ in rows if err is None]
    assert min(working, key=len) == listing.MINIMAL and len(listing.MINIMAL) == 1
    assert ("noise_width", "sample_reshape") in working  # the way that keeps 256 needs two edits, three lines
    assert all(err is not None for combo, err, _ in rows if len(combo) == 0)


def test_sparse_recording_still_catches_the_first_non_finite_step(mnist10k):
    records = listing.run(listing.MINIMAL, mnist10k, steps=12, record_every=5).records
    assert [r["step"] for r in records] == [1, 5, 10, 12]
    assert records[0]["d_loss"] == float("-inf")  # the blow-up is at step 1, not at the first multiple of 5
