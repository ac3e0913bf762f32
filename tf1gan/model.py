"""The GAN graph: ``generator``, ``discriminator`` and ``build_gan`` which wires them up.

``build_gan(config)`` is the only place the training graph is built, in stages
that each return a small namedtuple, as TF-GAN does: :class:`GANInputs`
(placeholders), :class:`GANModel` (the networks), :class:`GANLoss`,
:class:`GANTrainOps` and :class:`GANSamples`, gathered in a :class:`GANGraph` that the training loop,
sampling, export, the golden snapshots and the tests all read.

The shape follows the article: placeholders ``X`` (real images in [0, 1]) and
``Z`` (noise), a generator and a discriminator in their own variable scopes, and
two Adam optimisers each restricted to its own scope. What the article got wrong
is fixed here: no shared weights, the discriminator returns logits, losses come
from ``tf.nn.sigmoid_cross_entropy_with_logits``, and both networks are trained.
"""

import collections
import hashlib

import numpy as np

from tf1gan import convnets, resources
from tf1gan.data import PIXELS
from tf1gan.tfcompat import tf

G_SCOPE = "generator"
G_EMA_SCOPE = "generator_ema"  # the moving average of the generator's weights, same layout
D_SCOPE = "discriminator"

# The graph in named pieces, each from one function (as TF-GAN's GANModel / GANLoss / GANTrainOps):
GANInputs = collections.namedtuple("GANInputs", "X Z batch_index batch_number data_images data_init")
GANInputs.__doc__ = """Placeholders the article's style feeds: real images ``X`` [N, 784] in [0, 1] and noise
``Z``. In "graph" input mode ``X`` and ``Z`` default to an in-graph batch selected by
``batch_index`` and ``batch_number`` from ``data_images`` (filled once through ``data_init``);
in "feed" mode they are plain placeholders and ``batch_number`` only keys the dropout masks."""
GANModel = collections.namedtuple(
    "GANModel",
    "g_logits g_output d_real_logits d_fake_logits d_step_masks d_step_real_logits d_step_fake_logits "
    "d_real d_fake g_vars d_vars",
)
GANModel.__doc__ = """The two networks on the current batch: the generator's pre-activation output
``g_logits`` and its output on the discriminator's input scale (``g_output``); D's logits on the
real batch alone and on the fake batch alone (``d_real_logits``, ``d_fake_logits``: each needs only
its own input; the alternating G step's loss uses the latter); D's step, which judges both batches
in one pass over them stacked, with the step's dropout masks (``d_step_masks``, None without dropout)
and its logits (``d_step_real_logits``, ``d_step_fake_logits``); the means of those as probabilities
(``d_real``, ``d_fake``); and each network's variables."""
GANSamples = collections.namedtuple("GANSamples", "g_sample ema_vars ema_sample")
GANSamples.__doc__ = """Where samples in [0, 1] come from: the live generator (``g_sample``), and the moving
average of its weights that the G steps keep (``ema_vars`` in ``generator_ema/``, ``ema_sample``);
without averaging, no variables and ``ema_sample`` is ``g_sample``."""
GANLoss = collections.namedtuple("GANLoss", "d_loss g_loss")
GANLoss.__doc__ = "The losses at the current weights (evaluating them changes nothing)."
GANTrainOps = collections.namedtuple("GANTrainOps", "d_train g_train train_step g_loss_step global_step")
GANTrainOps.__doc__ = """``d_train``: one discriminator Adam step; ``g_train``: one generator Adam
step, then the average update (the article's alternation is ``sess.run(d_train)`` then
``sess.run(g_train)``); ``train_step``: both fused into one op, the G step seeing the updated D
(:func:`g_step_after_d`), and ``g_loss_step`` the G loss that step minimised; ``global_step``
counts generator steps."""
GANGraph = collections.namedtuple("GANGraph", "inputs model loss train_ops samples summaries image_summary")
GANGraph.__doc__ = """The whole training graph: :class:`GANInputs`, :class:`GANModel`, :class:`GANLoss`,
:class:`GANTrainOps`, :class:`GANSamples`, the merged scalar summaries and the sample-image summary."""


def derive_seed(seed, *names):
    """A stable op-level seed in [1, 2**31) for the thing called ``names`` in run ``seed``.

    TF1 gives an op without a seed of its own one taken from the size of the
    graph, so adding an unrelated op would change every initial weight. Each
    random op here gets a seed of its own derived from the run's seed and its name.
    """
    text = "/".join([str(seed)] + [str(n) for n in names]).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:4], "big") % (2**31 - 1) + 1


def memory_estimate(config, num_images):
    """Rough bytes a training session of ``config`` needs: weights with Adam slots, gradients and the
    moving average; activations of the three towers, forward and backward; the images kept in the graph;
    TensorFlow's runtime once it has run (measured against the peak RSS by benchmarks/memory.py).
    """

    def params(widths):
        return sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))

    if config.net == "conv":
        g, d, units = convnets.sizes(config)
    else:
        g = params([config.z_dim] + list(config.g_hidden) + [PIXELS])
        d = params([PIXELS] + list(config.d_hidden) + [1])
        units = sum(config.g_hidden) + sum(config.d_hidden) + PIXELS
    copies = 3 + 2  # weight, two Adam slots; gradient and update temporaries
    floats = g * (copies + (1 if config.ema_decay > 0 else 0)) + d * copies
    floats += 20 * config.batch_size * (config.z_dim + units + PIXELS)
    return 4 * floats + 2 * num_images * PIXELS + resources.SESSION_RUN


def noise_batch(config, n, rng):
    """``n`` noise vectors of the run's distribution from numpy ``rng``, as float32."""
    shape = (n, config.z_dim)
    if config.noise == "uniform":
        return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
    return rng.normal(size=shape).astype(np.float32)


def _graph_noise(config, n, batch_number):
    """Noise of batch ``batch_number`` from a stateless op: a pure function of seed and batch.

    Stateful random ops keep their position inside the kernel, where no checkpoint
    sees it; a stateless op keyed by the batch number resumes exactly.
    """
    seed = tf.stack([tf.constant(derive_seed(config.seed, "noise"), tf.int64), batch_number])
    shape = tf.stack([n, config.z_dim])
    if config.noise == "uniform":
        return tf.random.stateless_uniform(shape, seed, minval=-1.0, maxval=1.0)
    return tf.random.stateless_normal(shape, seed)


def _activation(name):
    return {
        "relu": tf.nn.relu,
        "tanh": tf.nn.tanh,
        "elu": tf.nn.elu,
        "leaky_relu": lambda x: tf.nn.leaky_relu(x, alpha=0.2),
    }[name]


def _mlp(x, widths, outputs, config, role, scope, trainable=True, masks=None):
    """Dense layers ``hidden1..n`` and ``out`` under variable scope ``scope`` (reused if present).

    Weights are Glorot-uniform with seeds derived from the run seed, ``role`` and
    the layer name (not the scope), so a copy of a network in another scope
    starts from exactly the same weights. Resource variables make every use a
    fresh read, which the ordered updates of ``build_gan`` rely on. ``masks``
    maps hidden layer names to dropout multipliers (:func:`dropout_masks`).
    The bias goes in with ``bias_add``, so that Grappler can fuse it into the
    matrix product (``_FusedMatMul``).
    """
    act = _activation(config.activation)
    with tf.variable_scope(scope, reuse=tf.AUTO_REUSE, use_resource=True):
        layers = ["hidden%d" % (i + 1) for i in range(len(widths))] + ["out"]
        for name, units in zip(layers, list(widths) + [outputs]):
            with tf.variable_scope(name):
                w = tf.get_variable(
                    "w",
                    [int(x.shape[-1]), units],
                    tf.float32,
                    tf.glorot_uniform_initializer(seed=derive_seed(config.seed, role, name, "w")),
                    trainable=trainable,
                )
                b = tf.get_variable("b", [units], tf.float32, tf.zeros_initializer(), trainable=trainable)
            x = tf.nn.bias_add(tf.matmul(x, w), b)
            if name != "out":
                x = act(x)
                if masks:
                    x = x * masks[name]
        return x


def dropout_masks(config, batch_number, rows):
    """{hidden layer name: inverted-dropout multiplier [rows, width]} of the discriminator at step ``batch_number``.

    Each multiplier is 0 or 1 / (1 - rate), drawn by a stateless op keyed by
    (seed, layer, batch number): ``tf.nn.dropout`` draws from a stateful kernel
    that no checkpoint records, and a stateless mask keeps resumed runs bitwise
    equal to uninterrupted ones. It is drawn once per step; every D pass of the
    step takes its rows from the top (:func:`rows_of`), so row i of the real
    batch, of the fake batch and of the G step's pass share one thinned
    discriminator. (Draws of other sizes with the same key agree on their
    common rows: the stateless stream fills the output in order.) None when
    the run has no dropout.
    """
    if not config.d_dropout > 0:
        return None
    masks = {}
    with tf.name_scope("dropout_masks"):
        for i, width in enumerate(config.d_hidden):
            layer = "hidden%d" % (i + 1)
            key = tf.stack([tf.constant(derive_seed(config.seed, "dropout", layer), tf.int64), batch_number])
            keep = tf.random.stateless_uniform(tf.stack([rows, width]), key) >= config.d_dropout
            masks[layer] = tf.cast(keep, tf.float32) * (1.0 / (1.0 - config.d_dropout))
    return masks


def rows_of(masks, *counts):
    """The masks for a D pass over batches of ``counts`` rows stacked: the first rows of each mask, per batch."""
    if masks is None:
        return None
    return {
        layer: tf.concat([m[:n] for n in counts], 0) if len(counts) > 1 else m[: counts[0]]
        for layer, m in masks.items()
    }


def _seeds(config, role):
    """Layer name -> op-level seed of its weights: the same for the MLP and the convolutional networks."""
    return lambda layer: derive_seed(config.seed, role, layer, "w")


def generator(z, config, scope=G_SCOPE, trainable=True, training=False):
    """Map noise ``z`` to the generator's pre-activation output [N, 784] (its logits).

    Variables live under ``scope`` (``generator/``); calling again reuses them.
    The moving average of the weights is the same network in ``generator_ema/``.
    ``training`` matters to networks with batch norm (``--net conv``): the
    training pass normalises by the batch and adds its statistics' update ops
    to ``UPDATE_OPS``; every other pass (samples, export) uses the moving statistics.
    """
    if config.net == "conv":
        act = _activation(config.activation)
        return convnets.generator(z, config, _seeds(config, G_SCOPE), act, scope, trainable, training)
    return _mlp(z, config.g_hidden, PIXELS, config, G_SCOPE, scope, trainable)


def to_pixels(g_logits, config):
    """Generator logits as images in [0, 1], whichever output activation the run uses."""
    if config.output == "sigmoid":
        return tf.nn.sigmoid(g_logits)
    # clipped: (tanh + 1) / 2 can round to just below 0 in float32
    return tf.clip_by_value((tf.nn.tanh(g_logits) + 1.0) / 2.0, 0.0, 1.0)


def _from_pixels(images, config):
    """Images in [0, 1] on the scale the generator produces: [0, 1] or [-1, 1] for tanh."""
    return images if config.output == "sigmoid" else images * 2.0 - 1.0


def _generator_output(g_logits, config):
    """The generator's output on the discriminator's input scale."""
    return tf.nn.sigmoid(g_logits) if config.output == "sigmoid" else tf.nn.tanh(g_logits)


def discriminator(x, config, masks=None):
    """Logits [N] that ``x`` (on the generator's output scale) is real; variables under ``discriminator/``.

    ``masks`` (:func:`dropout_masks`, cut to ``x``'s rows by :func:`rows_of`)
    drop hidden units in the training passes; without them, nothing is dropped.
    """
    if config.net == "conv":
        return convnets.discriminator(x, config, _seeds(config, D_SCOPE), D_SCOPE, masks)
    return tf.squeeze(_mlp(x, config.d_hidden, 1, config, D_SCOPE, D_SCOPE, masks=masks), axis=1)


def _xent(logits, label):
    return tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.fill(tf.shape(logits), label), logits=logits)
    )


def discriminator_loss(real_logits, fake_logits, config):
    """-[log D(x) + log(1 - D(G(z)))], with an optional one-sided smoothed real label."""
    return _xent(real_logits, config.real_label) + _xent(fake_logits, 0.0)


def generator_loss(fake_logits, config):
    """Non-saturating -log D(G(z)) by default; the paper's minimax log(1 - D(G(z))) on request.

    Both are written as cross-entropies on logits: -log D = xent(label 1) and
    log(1 - D) = -xent(label 0), finite for any logit where log(sigmoid) is not.
    """
    if config.loss == "minimax":
        return -_xent(fake_logits, 0.0)
    return _xent(fake_logits, 1.0)


def sampling_checkpoint_names(config, g_vars):
    """Checkpoint name -> generator variable, for loading the weights samples come from.

    With averaging on, those are the ``generator_ema/`` copies; this lets a graph
    with a plain ``generator`` (sampling, export) load the averaged weights.
    """
    source = G_EMA_SCOPE if config.ema_decay > 0 else G_SCOPE
    return {source + v.op.name[len(G_SCOPE) :]: v for v in g_vars}


def _learning_rate(base, config, global_step):
    """``base``, or with ``lr_decay == "linear"``: constant for the first half of the run, then linearly to 0.

    Annealing the step size at the end stops the adversarial oscillation from
    blurring the final weights; it depends on ``steps``, so a run resumed with a
    larger ``--steps`` follows the new schedule from then on.
    """
    if config.lr_decay == "none":
        return base
    remaining = 1.0 - tf.cast(global_step, tf.float32) / float(config.steps)
    return base * tf.clip_by_value(2.0 * remaining, 0.0, 1.0)


def _average_update(config, z, g_vars, ema_vars, global_step, after):
    """Op moving each ``generator_ema/`` weight towards its generator twin, run after ``after``.

    The decay ramps up as min(decay, (1 + n) / (10 + n)) over the first steps, as
    in ``tf.train.ExponentialMovingAverage`` with ``num_updates``, so early
    averages are not dominated by the random initial weights.

    Batch-norm statistics are not averaged: an average of the live generator's
    statistics is not the statistics of the averaged network's activations, which
    are what its inference mode must normalise by. The averaged network runs in
    training mode on the step's noise ``z`` once its weights have moved, and its
    own update ops move its own statistics.
    """
    live = {v.op.name[len(G_SCOPE) :]: v for v in g_vars}
    pairs = [(live[a.op.name[len(G_EMA_SCOPE) :]], a) for a in ema_vars if a.op.name[len(G_EMA_SCOPE) :] in live]
    with tf.control_dependencies([after]):
        n = tf.cast(global_step, tf.float32)
        decay = tf.minimum(config.ema_decay, (1.0 + n) / (10.0 + n))
        averaged = tf.group(*[a.assign_sub((1.0 - decay) * (a - v)) for v, a in pairs])
    if config.net != "conv":
        return averaged
    with tf.control_dependencies([averaged]):
        ema_logits = generator(z, config, scope=G_EMA_SCOPE, trainable=False, training=True)
    return tf.group(averaged, *convnets.batch_norm_updates(ema_logits))


def _and_statistics(step, output):
    """``step`` grouped with the batch-norm update ops of the network pass that made ``output`` (none: ``step``)."""
    updates = convnets.batch_norm_updates(output)
    return tf.group(step, *updates) if updates else step


def graph_inputs(config, num_images=None):
    """The :class:`GANInputs` of ``config.input`` mode ("graph": the data in the graph; "feed": placeholders)."""
    if config.input == "feed":
        # batch_number only keys dropout masks here; the trainer feeds it, evaluation may leave it at 0
        batch_number = tf.placeholder_with_default(tf.constant(0, tf.int64), [], name="batch_number")
        X = tf.placeholder(tf.float32, [None, PIXELS], name="X")
        Z = tf.placeholder(tf.float32, [None, config.z_dim], name="Z")
        return GANInputs(X, Z, None, batch_number, None, None)
    if num_images is None:
        raise ValueError("graph input needs num_images")
    data_init = tf.placeholder(tf.uint8, [num_images, PIXELS], name="data_init")
    # a local variable: filled once per session, never checkpointed
    data_images = tf.Variable(
        data_init, trainable=False, name="data_images", collections=[tf.GraphKeys.LOCAL_VARIABLES]
    )
    batch_index = tf.placeholder(tf.int32, [None], name="batch_index")
    batch_number = tf.placeholder(tf.int64, [], name="batch_number")
    real = tf.cast(tf.gather(data_images, batch_index), tf.float32) / 255.0
    X = tf.placeholder_with_default(real, [None, PIXELS], name="X")
    Z = tf.placeholder_with_default(
        _graph_noise(config, tf.shape(batch_index)[0], batch_number), [None, config.z_dim], name="Z"
    )
    return GANInputs(X, Z, batch_index, batch_number, data_images, data_init)


def gan_model(config, inputs):
    """The :class:`GANModel`: G on the noise; D on the real batch, on the fake batch, and on both for D's step.

    With batch norm (``--net conv``) D's step keeps the two passes: real and fake
    batches are normalised apart (docs/pitfalls.md), which one pass over both
    would not do.
    """
    g_logits = generator(inputs.Z, config, training=True)
    g_output = _generator_output(g_logits, config)
    real = _from_pixels(inputs.X, config)
    n_real, n_fake = tf.shape(real)[0], tf.shape(g_output)[0]
    masks = dropout_masks(config, inputs.batch_number, tf.maximum(n_real, n_fake))
    # D's step judges both batches in one pass over [real; fake]: half the ops of two passes
    if config.net != "conv":
        with tf.name_scope("d_step"):
            d_step_logits = discriminator(tf.concat([real, g_output], 0), config, rows_of(masks, n_real, n_fake))
            d_step_real_logits, d_step_fake_logits = d_step_logits[:n_real], d_step_logits[n_real:]
    # each batch alone, needing only its own input (and drawing its own masks, equal on common rows)
    with tf.name_scope("d_on_real"):
        d_real_logits = discriminator(real, config, dropout_masks(config, inputs.batch_number, n_real))
    with tf.name_scope("d_on_fake"):
        d_fake_logits = discriminator(g_output, config, dropout_masks(config, inputs.batch_number, n_fake))
    if config.net == "conv":
        d_step_real_logits, d_step_fake_logits = d_real_logits, d_fake_logits
    return GANModel(
        g_logits=g_logits,
        g_output=g_output,
        d_real_logits=d_real_logits,
        d_fake_logits=d_fake_logits,
        d_step_masks=masks,
        d_step_real_logits=d_step_real_logits,
        d_step_fake_logits=d_step_fake_logits,
        d_real=tf.reduce_mean(tf.nn.sigmoid(d_step_real_logits), name="d_real"),
        d_fake=tf.reduce_mean(tf.nn.sigmoid(d_step_fake_logits), name="d_fake"),
        g_vars=tf.trainable_variables(G_SCOPE + "/"),
        d_vars=tf.trainable_variables(D_SCOPE + "/"),
    )


def gan_samples(config, inputs, model):
    """The :class:`GANSamples`: samples of the live generator, and of a copy of it in ``generator_ema/``
    whose weights the G steps average.

    Samples come from an exponential moving average of the generator's weights:
    it smooths the oscillation of adversarial training and gives visibly sharper
    digits than the last iterate.
    """
    # With batch norm the training pass normalises by the batch, so that each image depends on the others;
    # samples come from a pass in inference mode, on the moving statistics.
    live = generator(inputs.Z, config) if config.net == "conv" else model.g_logits
    g_sample = tf.identity(to_pixels(live, config), name="g_sample")
    if config.ema_decay <= 0:
        return GANSamples(g_sample, [], g_sample)
    ema_logits = generator(inputs.Z, config, scope=G_EMA_SCOPE, trainable=False)
    ema_sample = tf.identity(to_pixels(ema_logits, config), name="ema_sample")
    return GANSamples(g_sample, tf.global_variables(G_EMA_SCOPE + "/"), ema_sample)


def gan_loss(config, model):
    """The :class:`GANLoss`: D's cross-entropy on real (label ``real_label``) and fake (0), and G's loss."""
    return GANLoss(
        d_loss=tf.identity(
            discriminator_loss(model.d_step_real_logits, model.d_step_fake_logits, config), name="d_loss"
        ),
        g_loss=tf.identity(generator_loss(model.d_fake_logits, config), name="g_loss"),
    )


def gan_train_ops(config, inputs, model, loss):
    """(:class:`GANTrainOps`, :class:`GANSamples`): two Adam optimisers, each on its own network's variables,
    alternating or fused, and the samples, with the moving average the G steps update.

    The samples stage is made here, after the optimisers' slots, because
    variables are listed (golden structure, checkpoints) and ops numbered in the
    order they are made, and that order is kept from earlier versions.

    Batch norm (``--net conv``): each network's statistics move with its own
    train op and no other. D's follow the real batches: the D step runs the
    update ops of D's pass on the real batch; those of its pass on the fake batch
    and of the G step's D pass never run (two updates of one variable in a step
    would race). G's follow its one training pass, moved by the G steps only.
    """
    global_step = tf.train.get_or_create_global_step()
    # Each optimiser's update ops and step counters sit under its network's name.
    with tf.name_scope(D_SCOPE + "/"):
        d_train = tf.train.AdamOptimizer(
            _learning_rate(config.lr_d, config, global_step), config.beta1, config.beta2, name="d_adam"
        ).minimize(loss.d_loss, var_list=model.d_vars, name="d_train")
    d_train = _and_statistics(d_train, model.d_real_logits)
    g_adam = tf.train.AdamOptimizer(
        _learning_rate(config.lr_g, config, global_step), config.beta1, config.beta2, name="g_adam"
    )
    with tf.name_scope(G_SCOPE + "/"):
        g_step = g_adam.minimize(loss.g_loss, var_list=model.g_vars, global_step=global_step, name="g_step")
    g_step_fused, g_loss_step = g_step_after_d(config, model, g_adam, d_train, global_step)
    g_step, g_step_fused = (_and_statistics(op, model.g_logits) for op in (g_step, g_step_fused))
    samples = gan_samples(config, inputs, model)
    if samples.ema_vars:
        g_step = _average_update(config, inputs.Z, model.g_vars, samples.ema_vars, global_step, g_step)
        g_step_fused = _average_update(config, inputs.Z, model.g_vars, samples.ema_vars, global_step, g_step_fused)
    train_ops = GANTrainOps(
        d_train=d_train,
        g_train=tf.group(g_step, name="g_train"),
        train_step=tf.group(g_step_fused, name="train_step"),
        g_loss_step=g_loss_step,
        global_step=global_step,
    )
    return train_ops, samples


def g_step_after_d(config, model, g_adam, d_train, global_step):
    """The fused step's G update, ordered after the D update ``d_train``: (G step op, the G loss it minimises).

    The G update must see the discriminator this step's D update produced: its
    own D tower is built under a control dependency on ``d_train``, so its
    variable reads (resource variables: a fresh read at every use) happen after
    the update. The fake batch is shared, since G has not changed in between,
    and so are the step's dropout masks, and ``g_adam``'s slots with the
    alternating G step.
    """
    masks = rows_of(model.d_step_masks, tf.shape(model.g_output)[0])
    with tf.control_dependencies([d_train]):
        with tf.name_scope("g_step_d"):
            d_logits = discriminator(model.g_output, config, masks)
        g_loss_step = tf.identity(generator_loss(d_logits, config), name="g_loss_step")
        with tf.name_scope(G_SCOPE + "/"):
            g_step = g_adam.minimize(g_loss_step, var_list=model.g_vars, global_step=global_step, name="g_step_fused")
    return g_step, g_loss_step


def gan_summaries(model, loss, train_ops, samples):
    """(merged scalar summaries of losses and D outputs, a summary of 16 sample images)."""
    scalars = tf.summary.merge(
        [
            tf.summary.scalar("loss/discriminator", loss.d_loss),
            tf.summary.scalar("loss/generator", train_ops.g_loss_step),
            tf.summary.scalar("D/real", model.d_real),
            tf.summary.scalar("D/fake", model.d_fake),
        ]
    )
    return scalars, tf.summary.image("samples", tf.reshape(samples.ema_sample, [-1, 28, 28, 1]), max_outputs=16)


def build_gan(config, num_images=None):
    """Build the whole training graph in the default graph and return its :class:`GANGraph`.

    The one place the graph is built, in stages read top to bottom: the
    inputs (:func:`graph_inputs`; with ``config.input == "graph"`` the
    ``num_images`` training images live in the graph), the networks
    (:func:`gan_model`), the losses (:func:`gan_loss`), the train ops and the
    samples with the moving average they keep (:func:`gan_train_ops`) and the summaries
    (:func:`gan_summaries`).
    """
    # the step counter first: variables are listed (golden structure, checkpoints) in creation order
    tf.train.get_or_create_global_step()
    inputs = graph_inputs(config, num_images)
    model = gan_model(config, inputs)
    loss = gan_loss(config, model)
    train_ops, samples = gan_train_ops(config, inputs, model, loss)
    summaries, image_summary = gan_summaries(model, loss, train_ops, samples)
    return GANGraph(inputs, model, loss, train_ops, samples, summaries, image_summary)
