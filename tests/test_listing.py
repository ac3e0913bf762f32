"""The article's listing: each defect shown on the listing's own graph, and shown absent once it is fixed.

The listing's statements are executed from its verbatim text (tf1gan/article_listing.txt,
checked against the sha256 of the article's code block); edits are named and applied
to that text. One test per entry of ``tf1gan.listing.DEFECTS``: each evaluates one
predicate ("the defect shows") on a variant of the listing that has the defect and on
one that differs from it only by the defect's fix, and needs it true on the first and
false on the second, so every test would fail if the defect were absent.
"""

import os

import numpy as np
import pytest

from tf1gan import data, listing, model
from tf1gan.config import Config, preset
from tf1gan.tfcompat import IS_TF2, tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def without(defect):
    """The fully fixed listing's edits with ``defect`` put back (the leave-one-out variant)."""
    return dict(listing.leave_one_out())[defect]


@pytest.fixture(scope="module")
def batch(mnist10k):
    return data.to_unit(mnist10k.train.images[:64])


def listing_graph(edits=listing.MINIMAL, before_variables=""):
    """Execute the listing's graph part (with ``edits``) in a fresh graph; return (graph, namespace).

    ``before_variables`` is code inserted right after the listing sets its seed.
    """
    graph = tf.Graph()
    ns = {"__name__": "__article_listing__"}
    with graph.as_default():
        text = listing.edited(edits, compat_tf=True)
        text = text.replace("tf.set_random_seed(1234)\n", "tf.set_random_seed(1234)\n%s\n" % before_variables, 1)
        exec(compile(listing._segments(text)["graph"], listing.FILENAME, "exec"), ns)
        ns["init"] = tf.global_variables_initializer()
    return graph, ns


def graph_error(edits):
    """The exception building the listing's graph with ``edits`` raises (a ValueError's message), or None."""
    try:
        listing_graph(edits)
    except ValueError as e:
        return str(e)
    return None


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
    import test_tf_versions

    names = {"tests/test_listing.py": set(globals()), "tests/test_tf_versions.py": set(vars(test_tf_versions))}
    for defect in listing.DEFECTS:
        path, name = defect.test.split("::")
        assert name.startswith("test_") and name in names[path], defect.key


def test_every_edit_is_used_and_every_fix_is_an_edit():
    used = set(listing.RUN_EDITS) | {e for r in listing.ladder() for e in r.edits}
    fixes = {d.fix for d in listing.DEFECTS if d.fix}
    assert fixes <= set(listing.EDITS)
    assert used | fixes == set(listing.EDITS)  # no edit that nothing applies
    keys = {d.key for d in listing.DEFECTS}
    assert {defect for defect, _, _ in listing.LADDER_STEPS} <= keys
    assert all(listing.EDITS[added[0]].defect == defect for defect, added, _ in listing.LADDER_STEPS)


def test_every_rung_and_variant_is_one_text():
    rungs = [listing.edited(r.edits) for r in listing.ladder()]
    variants = [listing.edited(e) for _, e in listing.leave_one_out()]
    assert len(set(rungs)) == len(rungs) and len(set(variants)) == len(variants)
    assert variants[-1] == rungs[-2]  # putting back the last fix is the rung before it
    assert listing.ladder()[0].edits == () and "hidden_784" not in listing.FIXED
    assert len(listing.leave_one_out()) == len(listing.FIXED)


def test_the_listing_text_is_the_articles():
    text = listing.source()  # raises if its sha256 is not the one taken from the article
    assert text.startswith("import tensorflow as tf\nimport numpy as np\n") and text.endswith("plt.show()\n")
    example = open(os.path.join(ROOT, "examples", "article_listing.py"), encoding="utf-8").read()
    marker = "# ---- the article's listing, verbatim, from here to the end ----\n"
    assert example[example.index(marker) + len(marker) :] == text


def test_fixed_listing_computes_what_tf1gan_computes(mnist10k):
    """The last rung of the ladder is tf1gan --arch article --z-dim 256: same weights in, same steps out."""
    graph, ns = listing_graph(listing.FIXED)
    text = listing.edited(listing.FIXED, compat_tf=True)
    body = compile(listing._segments(text)["body"], listing.FILENAME, "exec")
    ns["mnist"] = listing.TutorialMNIST(mnist10k.train.images, mnist10k.train.labels, 0)
    config = preset("article").replace(z_dim=256)
    t_graph, g, t_init = tf1gan_graph(config)
    names = {
        "W1": "discriminator/hidden1/w",
        "b1": "discriminator/hidden1/b",
        "W2": "discriminator/out/w",
        "b2": "discriminator/out/b",
        "G_W1": "generator/hidden1/w",
        "G_b1": "generator/hidden1/b",
        "G_W2": "generator/out/w",
        "G_b2": "generator/out/b",
    }
    ours = {v.op.name: v for v in g.model.g_vars + g.model.d_vars}
    with session(graph, ns["init"]) as sess, session(t_graph, t_init) as t_sess:
        for mine, theirs in names.items():
            ns[mine].load(t_sess.run(ours[theirs]), sess)  # start from tf1gan's initial weights
        ns["sess"] = sess
        for step in range(3):
            ns["epoch"] = step
            exec(body, ns)  # the listing's own loop body: a D step, then a G step with the same noise
            _, d_loss, g_loss = t_sess.run(
                [g.train_ops.train_step, g.loss.d_loss, g.train_ops.g_loss_step],
                {g.inputs.X: ns["X_train"], g.inputs.Z: ns["Z_gen"]},
            )
            np.testing.assert_allclose([ns["d_loss_"], ns["g_loss_"]], [d_loss, g_loss], rtol=1e-5)
        for mine, theirs in names.items():
            np.testing.assert_allclose(sess.run(ns[mine]), t_sess.run(ours[theirs]), rtol=1e-4, atol=1e-6)
    assert sorted(names) == sorted(v.op.name for v in graph.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES))


def test_noise_width_breaks_the_graph():
    err = listing.run_as_printed(listing.tutorial_mnist(), listing.RecordingPyplot(), tf_module=tf)
    assert err.type == "ValueError" and "Dimensions must be equal, but are 256 and 784" in err.message
    assert err.line == 30 and err.text.startswith("G_sample = tf.sigmoid(tf.matmul(Z, W1) + b1")
    assert "but are 256 and 784" in graph_error(())
    assert graph_error(("noise_width",)) is None  # noise as wide as W1's rows: it builds
    _, g, _ = tf1gan_graph()
    first = [v for v in g.model.g_vars if v.op.name == "generator/hidden1/w"][0]
    assert g.inputs.Z.shape.as_list()[1] == first.shape.as_list()[0]


def g_step_moves_d(edits, batch):
    """Whether one run of the listing's G optimiser changes what its discriminator says about real images."""
    graph, ns = listing_graph(edits)
    z = np.random.RandomState(0).uniform(-1, 1, (64, ns["Z"].shape.as_list()[1]))
    with session(graph, ns["init"]) as sess:
        before = sess.run(ns["D_real"], {ns["X"]: batch})
        sess.run(ns["g_train_op"], {ns["Z"]: z})
        after = sess.run(ns["D_real"], {ns["X"]: batch})
    return not np.array_equal(before, after)


def test_generator_and_discriminator_share_weights(batch):
    shared = without("shared_weights")[:-1] + ("hidden_784",) + without("shared_weights")[-1:]
    graph, ns = listing_graph(shared)  # every fix but G's own weights (hidden_784 so that it builds)
    assert dependencies(ns["G_sample"]) & dependencies(ns["D_real"]) == {"W1", "b1"}
    assert g_step_moves_d(shared, batch)  # a generator update changes the discriminator
    _, ns = listing_graph(listing.FIXED)
    assert not dependencies(ns["G_sample"]) & dependencies(ns["D_real"])
    assert not g_step_moves_d(listing.FIXED, batch)
    graph, g, _ = tf1gan_graph()
    with graph.as_default():
        d_on_images = model.discriminator(g.inputs.X, Config())  # the discriminator alone, on any images
    assert dependencies(d_on_images) == {v.op.name for v in g.model.d_vars}
    assert dependencies(g.samples.g_sample) == {v.op.name for v in g.model.g_vars}
    assert not set(g.model.g_vars) & set(g.model.d_vars)


def matmuls_between(tensor, start):
    """How many MatMul ops lie on the paths from placeholder ``start`` to ``tensor``."""
    reaches = {}

    def visit(op):
        if op.name not in reaches:
            reaches[op.name] = (op.type == "MatMul", op is start.op or any([visit(i.op) for i in op.inputs]))
        return reaches[op.name][1]

    visit(tensor.op)
    return sum(1 for is_matmul, on_path in reaches.values() if is_matmul and on_path)


def test_generator_has_no_hidden_layer():
    _, ns = listing_graph(listing.MINIMAL)
    assert matmuls_between(ns["G_sample"], ns["Z"]) == 1  # one affine layer and a sigmoid
    _, ns = listing_graph(listing.FIXED)
    assert matmuls_between(ns["G_sample"], ns["Z"]) == 2


def test_samples_are_not_images(mnist10k):
    _, ns = listing_graph(("noise_width",))
    assert ns["G_sample"].shape.as_list() == [None, 256]
    result = listing.run(("noise_width",), mnist10k, steps=1)
    assert result.error.stage == "plotting"
    assert "cannot reshape array of size 256 into shape (28,28)" in result.error.message
    _, ns = listing_graph(listing.FIXED)
    assert ns["G_sample"].shape.as_list() == [None, 784]
    fixed = listing.run(listing.FIXED, mnist10k, steps=1)
    assert fixed.error is None and [im.shape for im in fixed.plotted] == [(28, 28)] * 16
    _, g, _ = tf1gan_graph()
    assert g.samples.g_sample.shape.as_list() == [None, 784]


def d_real_range(edits, batch):
    graph, ns = listing_graph(edits)
    with session(graph, ns["init"]) as sess:
        d = np.concatenate([sess.run(ns["D_real"], {ns["X"]: x}) for x in (batch, 50 * batch, -50 * batch)])
    return d.min(), d.max()


def test_double_sigmoid_bounds_d_real(batch):
    low, high = d_real_range(without("double_sigmoid"), batch)
    assert 0.5 <= low and high <= 1 / (1 + np.exp(-1.0)) + 1e-7  # sigmoid of a probability
    low, high = d_real_range(listing.FIXED, batch)
    assert low < 0.4 and high > 0.9
    graph, g, init = tf1gan_graph()
    with session(graph, init) as sess:
        p = np.concatenate([sess.run(g.model.d_real_logits, {g.inputs.X: x}) for x in (batch, 50 * batch)])
    probs = 1 / (1 + np.exp(-p))
    assert probs.min() < 0.5 or probs.max() > 0.75  # a logit, free to go anywhere


def real_and_fake_disagree(edits, batch):
    """Whether D says something else about the same images fed as real (X) and as fakes (G_sample)."""
    graph, ns = listing_graph(edits)
    with session(graph, ns["init"]) as sess:
        as_real = sess.run(ns["D_real"], {ns["X"]: batch})
        as_fake = sess.run(ns["D_fake"], {ns["G_sample"]: batch})
    return not np.allclose(as_real, as_fake, rtol=1e-5, atol=1e-6)


def test_real_and_fake_go_through_different_functions(batch):
    assert real_and_fake_disagree(("hidden_784", "single_sigmoid"), batch)
    assert not real_and_fake_disagree(("hidden_784", "single_sigmoid", "same_d"), batch)
    assert "but are 784 and 256" in graph_error(without("inconsistent_d"))  # with G's own 784 outputs
    graph, g, init = tf1gan_graph(Config(output="sigmoid"))
    x = np.clip(batch, 0.01, 0.99)
    with session(graph, init) as sess:
        real, fake = sess.run(
            [g.model.d_real_logits, g.model.d_fake_logits], {g.inputs.X: x, g.model.g_logits: np.log(x / (1 - x))}
        )
    np.testing.assert_allclose(real, fake, rtol=1e-4, atol=1e-4)


def d_steps_raise_d_fake(edits, batch):
    """Whether five runs of the listing's D optimiser on one batch raise its mean D(G(z))."""
    graph, ns = listing_graph(edits)
    feed = {ns["X"]: batch, ns["Z"]: np.random.RandomState(0).uniform(-1, 1, (64, ns["Z"].shape.as_list()[1]))}
    with session(graph, ns["init"]) as sess:
        before = sess.run(ns["D_fake"], feed).mean()
        for _ in range(5):
            sess.run(ns["train_op"], feed)
        return sess.run(ns["D_fake"], feed).mean() > before


def test_d_loss_rewards_calling_fakes_real(batch):
    assert d_steps_raise_d_fake(without("d_loss_sign"), batch)  # D learns to call the fakes real
    assert not d_steps_raise_d_fake(listing.FIXED, batch)
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


def losses_at_saturation(edits, batch):
    """D and G losses when D's inputs are scaled until its sigmoids round to 0 or 1."""
    graph, ns = listing_graph(edits)
    out = []
    with session(graph, ns["init"]) as sess:
        for scale in (1e2, 1e3, 1e4):
            x = scale * batch
            out += sess.run([ns["d_loss"], ns["g_loss"]], {ns["X"]: x, ns["G_sample"]: -x})
    return np.array(out)


def test_log_of_sigmoid_overflows(mnist10k, batch):
    assert not np.isfinite(losses_at_saturation(without("log_of_sigmoid"), batch)).all()
    assert np.isfinite(losses_at_saturation(listing.FIXED, batch)).all()
    records = listing.run(listing.MINIMAL, mnist10k, steps=3).records  # in training, at once
    assert records[0]["d_loss"] == -np.inf and np.isnan(records[1]["d_loss"]) and np.isnan(records[1]["g_loss"])
    graph, g, init = tf1gan_graph()
    with session(graph, init) as sess:
        big = np.array([100.0, -100.0], np.float32)
        losses = sess.run(
            [g.loss.d_loss, g.loss.g_loss],
            {g.model.d_step_real_logits: big, g.model.d_step_fake_logits: big, g.model.d_fake_logits: big},
        )
    assert np.all(np.isfinite(losses))


def test_generator_never_changes(mnist10k, batch):
    assert listing.run(listing.MINIMAL, mnist10k, steps=3).moved == ["W2", "b2"]  # W1, b1: all of G
    assert not {"G_W1", "G_b1", "G_W2", "G_b2"} & set(listing.run(without("g_not_trained"), mnist10k, steps=3).moved)
    assert {"G_W1", "G_b1", "G_W2", "G_b2"} <= set(listing.run(listing.FIXED, mnist10k, steps=3).moved)
    graph, g, init = tf1gan_graph()
    with session(graph, init) as sess:
        before = sess.run(g.model.g_vars + g.model.d_vars)
        z = np.random.RandomState(0).normal(size=(64, g.inputs.Z.shape.as_list()[1]))
        for _ in range(2):
            sess.run(g.train_ops.train_step, {g.inputs.X: batch, g.inputs.Z: z})
        after = sess.run(g.model.g_vars + g.model.d_vars)
    assert all(not np.array_equal(a, b) for a, b in zip(before, after))


def test_discriminator_hidden_layer_never_changes(mnist10k):
    assert not {"W1", "b1"} & set(listing.run(without("d_partly_trained"), mnist10k, steps=3).moved)
    assert {"W1", "b1", "W2", "b2"} <= set(listing.run(listing.FIXED, mnist10k, steps=3).moved)


def saturation(edits, batch):
    """At the start: mean |input of D's output layer| on real images, and the shares of `logits` (real
    images) and `D_fake` (fakes) that are exactly 0 or 1."""
    graph, ns = listing_graph(edits)
    z = np.random.RandomState(0).uniform(-1, 1, (64, ns["Z"].shape.as_list()[1]))
    with session(graph, ns["init"]) as sess:
        pre, out, fake = sess.run([ns["logits"].op.inputs[0], ns["logits"], ns["D_fake"]], {ns["X"]: batch, ns["Z"]: z})
    return np.abs(pre).mean(), np.mean((out == 0) | (out == 1)), np.mean((fake == 0) | (fake == 1))


def test_initial_discriminator_saturates(batch):
    size, real, fake = saturation(listing.MINIMAL, batch)
    assert size > 50 and real > 0.5 and fake > 0  # of the order of 100: 0 or 1 for most real images, some fakes
    size, real, fake = saturation(listing.MINIMAL + ("glorot_init",), batch)
    assert size < 2 and real == 0 and fake == 0
    graph, g, init = tf1gan_graph()
    with session(graph, init) as sess:
        assert np.abs(sess.run(g.model.d_real_logits, {g.inputs.X: batch})).mean() < 2


def initial_w2(edits, before_variables=""):
    graph, ns = listing_graph(edits, before_variables)
    with session(graph, ns["init"]) as sess:
        return sess.run(ns["W2"])


def test_listing_weights_depend_on_unrelated_ops():
    plain = initial_w2(listing.MINIMAL)
    assert not np.array_equal(plain, initial_w2(listing.MINIMAL, "tf.random.uniform([1])"))
    # TF 1.15 seeds an op by the number of ops before it, TF 2 by the number of random ops before it
    assert np.array_equal(plain, initial_w2(listing.MINIMAL, "tf.constant(1.0)")) == IS_TF2
    seeded = initial_w2(listing.MINIMAL + ("op_seeds",))
    assert np.array_equal(seeded, initial_w2(listing.MINIMAL + ("op_seeds",), "tf.random.uniform([1])"))
    values = []
    for extra in (0, 3):
        graph, g, init = tf1gan_graph(extra_ops=extra)
        with session(graph, init) as sess:
            values.append(sess.run(g.model.d_vars[0]))
    assert np.array_equal(values[0], values[1])


def test_ops_after_the_variables_leave_the_listing_weights_alone():
    # what the catalogue does not claim: only ops created before a random op change its seed
    graph, ns = listing_graph(listing.MINIMAL)
    with session(graph, ns["init"]) as sess:
        first = sess.run(ns["W2"])
    with graph.as_default():
        tf.random.uniform([1])
        tf.constant(2.0)
        init = tf.global_variables_initializer()
    with session(graph, init) as sess:
        assert np.array_equal(first, sess.run(ns["W2"]))


def test_mnist_and_plt_are_undefined(mnist10k):
    text = listing.edited(listing.MINIMAL, steps=1, compat_tf=True)
    with tf.Graph().as_default():
        with pytest.raises(NameError, match="name 'mnist' is not defined"):
            exec(compile(text, listing.FILENAME, "exec"), {"__name__": "x"})
    with tf.Graph().as_default():
        with pytest.raises(NameError, match="name 'plt' is not defined"):
            exec(compile(text, listing.FILENAME, "exec"), {"__name__": "x", "mnist": listing.tutorial_mnist()})
    plt = listing.RecordingPyplot()
    with tf.Graph().as_default():  # with both defined, as the example script does, it runs to the end
        mnist = listing.TutorialMNIST(mnist10k.train.images, mnist10k.train.labels, 0)
        exec(compile(text, listing.FILENAME, "exec"), {"__name__": "x", "mnist": mnist, "plt": plt})
    assert len(plt.images) == 16
    from tf1gan import train

    assert train.data is data and hasattr(train.plots, "save_grid")  # tf1gan loads and draws its own


def batches_read(edits, n_images):
    """How many batches the whole listing (num_epochs = 1) reads from a data set of ``n_images``."""
    calls = []

    class Counting(listing.TutorialMNIST):
        def next_batch(self, n):
            calls.append(n)
            return listing.TutorialMNIST.next_batch(self, n)

    rng = np.random.RandomState(0)
    images, labels = rng.randint(0, 256, (n_images, 784)).astype(np.uint8), np.arange(n_images) % 10
    text = listing.edited(edits, steps=1, compat_tf=True)
    with tf.Graph().as_default():
        exec(
            compile(text, listing.FILENAME, "exec"),
            {"__name__": "x", "mnist": Counting(images, labels, 0), "plt": listing.RecordingPyplot()},
        )
    return len(calls)


def test_an_epoch_is_one_batch():
    assert batches_read(listing.MINIMAL, 640) == 1  # "num_epochs = 1" read one batch of 128, not 640 images
    assert batches_read(listing.MINIMAL + ("full_epochs",), 640) == 5
    order = data.BatchOrder(640, 128, 0)
    assert order.per_epoch == 5


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
