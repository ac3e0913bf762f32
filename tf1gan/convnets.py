"""DCGAN-style convolutional networks (Radford et al. 2015) with batch normalisation done the TF1 way.

``--net conv`` replaces the fully connected networks of :mod:`tf1gan.model` with these:

* generator: z -> dense -> 7x7xC1 -> transposed convolutions -> 28x28x1 logits, batch norm and
  the run's activation after every layer but the last (stride 1 up to the last two, which double
  the size: 7 -> 14 -> 28);
* discriminator: 28x28x1 -> strided convolutions with leaky ReLU (0.2), batch norm after every
  convolution but the first, as in DCGAN -> dense -> one logit.

``config.g_hidden`` / ``config.d_hidden`` are the channel widths, ``config.data_format`` the
layout (NHWC on a CPU; NCHW is what cuDNN prefers on a GPU). Weights have the same names, shapes
and meaning in both layouts, so a checkpoint of one layout loads into the other.

Batch norm is written out with ``tf.nn.fused_batch_norm`` and ``tf.get_variable`` rather than
``tf.layers.batch_normalization``, which TensorFlow 2 no longer offers under ``tf.compat.v1``
(Keras 3), but it keeps that layer's contract: ``gamma`` and ``beta`` are trained, the moving
statistics are non-trainable global variables (so ``tf.train.Saver`` checkpoints them and no
optimiser touches them), and in training mode each layer adds the ops that move its statistics to
``tf.GraphKeys.UPDATE_OPS`` and leaves running them to the train op. Which train op runs which
pass's update ops is :func:`tf1gan.model.gan_train_ops`' decision; :func:`batch_norm_updates`
names the update ops of one pass exactly.
"""

import collections

from tf1gan.data import PIXELS
from tf1gan.errors import first_line
from tf1gan.tfcompat import session_config, stderr_filtered, tf

FORMATS = ("NHWC", "NCHW")
KERNEL = 4  # 4x4: divisible by the stride 2, so transposed convolutions overlap evenly (no checkerboard)
SIDE = 28  # MNIST-sized images: two stride-2 layers between 7x7 and 28x28
BN_MOMENTUM = 0.9  # the statistics follow a generator that changes every step; 0.99 would lag ~100 steps
BN_EPSILON = 1.001e-5  # cuDNN's minimum, so both layouts and devices use the same value
LEAK = 0.2


Layer = collections.namedtuple("Layer", "name inputs outputs stride side")
Layer.__doc__ = "One convolution: its scope name, input and output channels, stride, and output side in pixels."


def plan(config, network):
    """The :class:`Layer` of each convolution of ``network`` ("generator" or "discriminator") in order.

    The generator's transposed convolutions follow its dense layer (``hidden1``,
    7x7) and double the side in the last two; the discriminator's convolutions
    halve it in the first two.
    """
    if network == "generator":
        ins, outs = list(config.g_hidden), list(config.g_hidden[1:]) + [1]
        names = ["hidden%d" % (i + 2) for i in range(len(outs) - 1)] + ["out"]
        strides, side = [1] * (len(outs) - 2) + [2, 2], SIDE // 4
    else:
        ins, outs = [1] + list(config.d_hidden[:-1]), list(config.d_hidden)
        names = ["hidden%d" % (i + 1) for i in range(len(outs))]
        strides, side = [2, 2] + [1] * (len(outs) - 2), SIDE
    layers = []
    for name, cin, cout, stride in zip(names, ins, outs, strides):
        side = side * stride if network == "generator" else side // stride
        layers.append(Layer(name, cin, cout, stride, side))
    return layers


def _strides(stride, data_format):
    return [1, 1, stride, stride] if data_format == "NCHW" else [1, stride, stride, 1]


def _channels(x, data_format):
    return int(x.shape[1] if data_format == "NCHW" else x.shape[-1])


def _to_layout(x, data_format):
    """An NHWC tensor in ``data_format``."""
    return tf.transpose(x, [0, 3, 1, 2]) if data_format == "NCHW" else x


def _from_layout(x, data_format):
    """A tensor in ``data_format`` as NHWC."""
    return tf.transpose(x, [0, 2, 3, 1]) if data_format == "NCHW" else x


def _kernel(shape, seed, trainable):
    return tf.get_variable("w", shape, tf.float32, tf.glorot_uniform_initializer(seed=seed), trainable=trainable)


def batch_norm(x, training, data_format, trainable=True):
    """Batch norm of ``x`` per channel in the current variable scope, as ``tf.layers.batch_normalization`` does.

    ``training``: normalise by the batch's own statistics and add the two ops that
    move ``moving_mean`` / ``moving_variance`` towards them to ``UPDATE_OPS`` (nothing
    runs them unless a train op does); otherwise normalise by the moving statistics.
    """
    c = _channels(x, data_format)
    gamma = tf.get_variable("gamma", [c], tf.float32, tf.ones_initializer(), trainable=trainable)
    beta = tf.get_variable("beta", [c], tf.float32, tf.zeros_initializer(), trainable=trainable)
    # not trainable: no optimiser's var_list can include them; global: every checkpoint holds them
    stats = [tf.GraphKeys.GLOBAL_VARIABLES, tf.GraphKeys.MOVING_AVERAGE_VARIABLES]
    mean = tf.get_variable("moving_mean", [c], tf.float32, tf.zeros_initializer(), trainable=False, collections=stats)
    var = tf.get_variable("moving_variance", [c], tf.float32, tf.ones_initializer(), trainable=False, collections=stats)
    if not training:
        y, _, _ = tf.nn.fused_batch_norm(
            x, gamma, beta, mean, var, epsilon=BN_EPSILON, data_format=data_format, is_training=False
        )
        return y
    y, batch_mean, batch_var = tf.nn.fused_batch_norm(
        x, gamma, beta, epsilon=BN_EPSILON, data_format=data_format, is_training=True
    )
    for moving, batch, name in ((mean, batch_mean, "update_moving_mean"), (var, batch_var, "update_moving_variance")):
        delta = (moving - batch) * (1.0 - BN_MOMENTUM)
        tf.add_to_collection(tf.GraphKeys.UPDATE_OPS, moving.assign_sub(delta, name=name, read_value=False))
    return y


def batch_norm_updates(output):
    """The batch-norm update ops of the one network pass that produced ``output`` (none for a pass without).

    Each call of a network opens a fresh name scope under the same variable scope
    (``discriminator/``, ``discriminator_1/``, ... or, in tf1gan, ``d_on_real/discriminator/``
    and so on), and ``output`` is made inside it, so the scope with its slash selects that
    pass alone. Filtering ``UPDATE_OPS`` by the variable scope's bare name
    (``"discriminator"``, as is often done) matches op names by prefix: in plain TF1 code
    every pass's updates at once, in tf1gan's graph none.
    """
    scope = output.op.name.rpartition("/")[0]
    return output.graph.get_collection(tf.GraphKeys.UPDATE_OPS, scope + "/") if scope else []


def generator(z, config, seed, act, scope, trainable=True, training=False):
    """Logits [N, 784] of the convolutional generator for noise ``z``; variables under ``scope``.

    ``seed(layer)`` gives each layer's op-level initialiser seed; ``act`` is the
    hidden-layer activation.
    """
    fmt, widths, side = config.data_format, config.g_hidden, SIDE // 4
    with tf.variable_scope(scope, reuse=tf.AUTO_REUSE, use_resource=True):
        with tf.variable_scope("hidden1"):
            # no bias where batch norm follows: its beta is the bias
            w = _kernel([config.z_dim, side * side * widths[0]], seed("hidden1"), trainable)
            x = _to_layout(tf.reshape(tf.matmul(z, w), [-1, side, side, widths[0]]), fmt)
            x = act(batch_norm(x, training, fmt, trainable))
        for layer in plan(config, "generator"):
            with tf.variable_scope(layer.name):
                w = _kernel([KERNEL, KERNEL, layer.outputs, layer.inputs], seed(layer.name), trainable)
                side, units = layer.side, layer.outputs
                shape = [tf.shape(x)[0]] + ([units, side, side] if fmt == "NCHW" else [side, side, units])
                x = tf.nn.conv2d_transpose(x, w, tf.stack(shape), _strides(layer.stride, fmt), "SAME", data_format=fmt)
                if layer.name == "out":
                    b = tf.get_variable("b", [units], tf.float32, tf.zeros_initializer(), trainable=trainable)
                    x = tf.nn.bias_add(x, b, data_format=fmt)
                else:
                    x = act(batch_norm(x, training, fmt, trainable))
        # one channel: NCHW [N, 1, 28, 28] and NHWC [N, 28, 28, 1] flatten alike
        return tf.reshape(x, [-1, PIXELS], name="logits")


def discriminator(x, config, seed, scope, masks=None, training=True):
    """Logits [N] that images ``x`` [N, 784] are real; variables under ``scope``.

    ``masks`` (``tf1gan.model.dropout_masks``: [N, channels] per hidden layer),
    if given, drop whole channels of each image's feature maps, as spatial
    dropout does: neighbouring pixels of one map are too alike for dropping
    single ones to thin the network. tf1gan runs the discriminator only in
    training mode (batch statistics).
    """
    fmt = config.data_format
    with tf.variable_scope(scope, reuse=tf.AUTO_REUSE, use_resource=True):
        x = tf.reshape(x, [-1, 1, SIDE, SIDE] if fmt == "NCHW" else [-1, SIDE, SIDE, 1])
        for i, layer in enumerate(plan(config, "discriminator")):
            with tf.variable_scope(layer.name):
                w = _kernel([KERNEL, KERNEL, layer.inputs, layer.outputs], seed(layer.name), True)
                x = tf.nn.conv2d(x, w, _strides(layer.stride, fmt), "SAME", data_format=fmt)
                if i == 0:  # DCGAN: no batch norm on the discriminator's input layer
                    b = tf.get_variable("b", [layer.outputs], tf.float32, tf.zeros_initializer())
                    x = tf.nn.bias_add(x, b, data_format=fmt)
                else:
                    x = batch_norm(x, training, fmt)
                x = tf.nn.leaky_relu(x, alpha=LEAK)
                if masks:
                    mask = masks[layer.name]
                    x = x * tf.reshape(mask, [-1, layer.outputs, 1, 1] if fmt == "NCHW" else [-1, 1, 1, layer.outputs])
        # flattened in NHWC order whatever the layout, so the dense weights mean the same in both
        x = _from_layout(x, fmt)
        x = tf.reshape(x, [-1, int(x.shape[1]) * int(x.shape[2]) * int(x.shape[3])])
        with tf.variable_scope("out"):
            w = _kernel([int(x.shape[-1]), 1], seed("out"), True)
            b = tf.get_variable("b", [1], tf.float32, tf.zeros_initializer())
        return tf.squeeze(tf.matmul(x, w) + b, axis=1, name="logits")


def layout_error(config, device):
    """None when this TensorFlow can train these networks in ``config.data_format`` on ``device``; else why not.

    Tried, not assumed: TensorFlow 1.15's CPU kernels for convolutions and fused
    batch norm take NHWC only, while TensorFlow 2's oneDNN kernels also take NCHW.
    """
    probe = config.replace(z_dim=2, g_hidden=(2, 2), d_hidden=(2, 2))
    graph = tf.Graph()
    with graph.as_default():
        images = tf.nn.tanh(generator(tf.ones([2, 2]), probe, lambda _: 1, tf.nn.relu, "g", training=True))
        logits = discriminator(images, probe, lambda _: 1, "d")
        grads = tf.gradients(tf.reduce_sum(logits), tf.trainable_variables())
        init = tf.global_variables_initializer()
    try:
        # TensorFlow logs the kernel it could not make before raising: the error returned says it
        with stderr_filtered(), tf.Session(graph=graph, config=session_config(1, device)) as sess:
            sess.run(init)
            sess.run(grads)
    except tf.errors.OpError as e:
        return first_line(e).rstrip(".")
    return None


def sizes(config):
    """(generator weights, discriminator weights, activations of one image through both), for memory estimates."""
    area = (SIDE // 4) ** 2  # the generator's dense layer makes 7x7 maps, the discriminator's takes them
    counts = {
        "generator": config.z_dim * area * config.g_hidden[0] + 4 * config.g_hidden[0],
        "discriminator": area * config.d_hidden[-1] + 1,
    }
    units = area * config.g_hidden[0]
    for network in counts:
        for layer in plan(config, network):
            counts[network] += KERNEL**2 * layer.inputs * layer.outputs + 4 * layer.outputs  # kernel, batch norm
            units += layer.side**2 * layer.outputs
    return counts["generator"], counts["discriminator"], units
