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
import difflib
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

Edit = collections.namedtuple("Edit", "name defect what what_zh replacements every")
Edit.__new__.__defaults__ = (False,)
Edit.__doc__ = """A named text change of the listing: each ``(old, new)`` of ``replacements``
must occur exactly once in the text it is applied to (every occurrence, at least
one, when ``every``); ``defect`` is the key of the defect it fixes or works around."""

# The generator of its own that `separate_g` puts where the listing reuses D's first layer:
# the listing's own style and names, noise of the listing's width (hidden_dim) in, 784 pixels out.
_GENERATOR = (
    "G_W1 = tf.Variable(initial_value=tf.truncated_normal([hidden_dim, hidden_dim]), dtype=tf.float32, name='G_W1')\n"
    "G_b1 = tf.Variable(initial_value=tf.zeros([hidden_dim]), dtype=tf.float32, name='G_b1')\n"
    "G_h1 = tf.nn.relu(tf.matmul(Z, G_W1) + G_b1, name='G_h1')\n"
    "G_W2 = tf.Variable(initial_value=tf.truncated_normal([hidden_dim, input_dim]), dtype=tf.float32, name='G_W2')\n"
    "G_b2 = tf.Variable(initial_value=tf.zeros([input_dim]), dtype=tf.float32, name='G_b2')\n"
    "G_sample = tf.sigmoid(tf.matmul(G_h1, G_W2) + G_b2, name='G_sample')\n"
    "G_params = [G_W1, G_b1, G_W2, G_b2]\n"
)
_TRAIN_OP = "train_op = tf.train.AdamOptimizer(learning_rate).minimize(d_loss, var_list=D_params)\n"
_STEP = "        _, d_loss_, g_loss_ = sess.run([train_op, d_loss, g_loss], feed_dict={X: X_train, Z: Z_gen})\n"

# In application order: edited() applies any subset in this order, so that every
# ladder rung and every leave-one-out variant is one well-defined text.
EDITS = collections.OrderedDict(
    (e.name, e)
    for e in [
        Edit(
            "hidden_784",
            "noise_width",
            "hidden_dim = 784: the noise, the hidden layer and the generator's output all become 784 wide, "
            "so tf.matmul(Z, W1) builds and a sample reshapes to 28x28",
            "hidden_dim = 784：噪声、隐藏层和生成器的输出都变成 784 维，"
            "tf.matmul(Z, W1) 可以构建，样本也能变形为 28x28",
            [("hidden_dim = 256  # 隐藏层节点个数", "hidden_dim = 784  # 隐藏层节点个数")],
        ),
        Edit(
            "noise_width",
            "noise_width",
            "noise of input_dim (784) columns instead of hidden_dim, in the placeholder and in the feed, "
            "so tf.matmul(Z, W1) builds with the article's 256-unit layer",
            "噪声取 input_dim（784）列而不是 hidden_dim，占位符和喂入的数据都改，"
            "这样 tf.matmul(Z, W1) 在文章的 256 单元隐藏层下也能构建",
            [
                ("shape=[None, hidden_dim], name='Z')", "shape=[None, input_dim], name='Z')"),
                ("size=(batch_size, hidden_dim))", "size=(batch_size, input_dim))"),
            ],
        ),
        Edit(
            "sample_reshape",
            "samples_not_images",
            'show the 256-wide "sample" as 16x16, since it cannot be reshaped to 28x28',
            "把 256 维的“样本”显示为 16x16，因为它无法变形为 28x28",
            [("sample.reshape((28, 28))", "sample.reshape((16, 16))")],
        ),
        Edit(
            "single_sigmoid",
            "double_sigmoid",
            "logits = tf.identity(...): D's output layer yields logits, and D_real = tf.sigmoid(logits) "
            "is the one sigmoid",
            "logits = tf.identity(...)：判别器输出层给出 logits，D_real = tf.sigmoid(logits) 是唯一的一次 sigmoid",
            [("logits = tf.sigmoid(tf.matmul(h1, W2)", "logits = tf.identity(tf.matmul(h1, W2)")],
        ),
        Edit(
            "d_loss_sign",
            "d_loss_sign",
            "-log(1 - D_fake) instead of +log(1 - D_fake) in the discriminator loss",
            "判别器损失中用 -log(1 - D_fake) 代替 +log(1 - D_fake)",
            [("-tf.log(D_real)+tf.log(1.-D_fake)", "-tf.log(D_real)-tf.log(1.-D_fake)")],
        ),
        Edit(
            "same_d",
            "inconsistent_d",
            "fakes go through D's hidden layer too, as real images do: one discriminator for both",
            "假样本也经过判别器的隐藏层，与真实样本相同：两者用同一个判别器",
            [("tf.matmul(G_sample, W2)", "tf.matmul(tf.nn.relu(tf.matmul(G_sample, W1) + b1), W2)")],
        ),
        Edit(
            "separate_g",
            "shared_weights",
            "a generator of its own, noise (hidden_dim) -> ReLU hidden_dim -> sigmoid 784, in the listing's style; "
            "G_params are its four variables",
            "生成器拥有自己的权重：噪声（hidden_dim）-> ReLU hidden_dim -> sigmoid 784，沿用文章的写法；"
            "G_params 是它自己的四个变量",
            [("G_sample = tf.sigmoid(tf.matmul(Z, W1) + b1, name='G_sample')\nG_params = [W1, b1]\n", _GENERATOR)],
        ),
        Edit(
            "train_g",
            "g_not_trained",
            "an Adam op for G on g_loss, run after D's in every iteration with the same noise "
            "(G's step sees the updated D)",
            "为 G 的 g_loss 加一个 Adam 优化操作，每次迭代在 D 的更新之后用同一批噪声运行（G 的一步看到更新后的 D）",
            [
                (
                    _TRAIN_OP,
                    _TRAIN_OP
                    + "g_train_op = tf.train.AdamOptimizer(learning_rate).minimize(g_loss, var_list=G_params)\n",
                ),
                (_STEP, _STEP + "        _, g_loss_ = sess.run([g_train_op, g_loss], feed_dict={Z: Z_gen})\n"),
            ],
        ),
        Edit(
            "train_all_d",
            "d_partly_trained",
            "D_params = [W1, b1, W2, b2]: D's hidden layer is trained too",
            "D_params = [W1, b1, W2, b2]：判别器的隐藏层也参与训练",
            [("D_params = [W2, b2]", "D_params = [W1, b1, W2, b2]")],
        ),
        Edit(
            "glorot_init",
            "init_scale",
            "every tf.truncated_normal(shape) initial weight becomes tf.glorot_uniform_initializer()(shape), "
            "scaled to the layer's width",
            "所有 tf.truncated_normal(shape) 初始权重改为 tf.glorot_uniform_initializer()(shape)，按层宽缩放",
            [("tf.truncated_normal(", "tf.glorot_uniform_initializer()(")],
            True,
        ),
        Edit(
            "logit_losses",
            "log_of_sigmoid",
            "the losses take log D from D's logits with tf.math.log_sigmoid (log(1 - sigmoid(l)) = "
            "log_sigmoid(-l)) instead of tf.log of a sigmoid",
            "损失由判别器的 logits 经 tf.math.log_sigmoid 计算（log(1 - sigmoid(l)) = log_sigmoid(-l)），"
            "而不是对 sigmoid 的结果取 tf.log",
            [
                ("D_fake = tf.sigmoid(", "D_fake_logits = tf.identity("),
                (
                    "+ b2, name='D_fake')",
                    "+ b2, name='D_fake_logits')\nD_fake = tf.sigmoid(D_fake_logits, name='D_fake')",
                ),
                ("tf.log(D_fake)", "tf.math.log_sigmoid(D_fake_logits)"),
                ("tf.log(1.-D_fake)", "tf.math.log_sigmoid(-D_fake_logits)"),
                ("tf.log(D_real)", "tf.math.log_sigmoid(logits)"),
            ],
        ),
        # Not rungs of the ladder: they fix defects of reproducibility and of counting, not what is computed.
        Edit(
            "op_seeds",
            "graph_size_seeds",
            "an op-level seed for each initial weight of the listing (seed=1, seed=2)",
            "为文章的每个初始权重指定操作级种子（seed=1、seed=2）",
            [
                (
                    "tf.truncated_normal([input_dim, hidden_dim])",
                    "tf.truncated_normal([input_dim, hidden_dim], seed=1)",
                ),
                (
                    "tf.truncated_normal([hidden_dim, output_dim])",
                    "tf.truncated_normal([hidden_dim, output_dim], seed=2)",
                ),
            ],
        ),
        Edit(
            "full_epochs",
            "epochs_are_steps",
            "the loop runs num_epochs passes over the training set, one batch per iteration",
            "循环对训练集完整遍历 num_epochs 轮，每次迭代一个批次",
            [
                (
                    "for epoch in range(num_epochs):",
                    "for epoch in range(num_epochs * (mnist.train.num_examples // batch_size)):",
                )
            ],
        ),
    ]
)
# The edits that only get the listing to run end to end, among which the
# smallest working set is searched; the others fix defects that do not crash.
RUN_EDITS = ("hidden_784", "noise_width", "sample_reshape")
# The smallest set that runs (see smallest_working_edits): one edit, one line.
MINIMAL = ("hidden_784",)

Rung = collections.namedtuple("Rung", "number defect added retired edits")
Rung.__doc__ = """One rung of the fix ladder: the defect it fixes, the edits it adds and
retires, and every edit in force there."""

# The fix ladder, from the listing as printed to the listing that computes what
# `tf1gan --arch article --z-dim 256` computes. The order:
# 1. the build fix, since nothing can be measured before the graph builds;
# 2. the numerics (losses from logits, scaled weights): with the listing's, every
#    later rung would die of a non-finite loss in its first steps, and a NaN says
#    nothing about what a fix does;
# 3. D's own two defects (one sigmoid, the loss sign), which need nothing else;
# 4. one D for real and fake before G's own weights: once hidden_dim is back to
#    256, a 784-pixel fake cannot go through D's output layer alone;
# 5. G's own weights, which retire the build fix (hidden_dim is 256 again);
# 6. training G, then all of D: both need separate weights, else one network's
#    update moves the other's first layer.
LADDER_STEPS = (
    ("noise_width", ("hidden_784",), ()),
    ("log_of_sigmoid", ("logit_losses",), ()),
    ("init_scale", ("glorot_init",), ()),
    ("double_sigmoid", ("single_sigmoid",), ()),
    ("d_loss_sign", ("d_loss_sign",), ()),
    ("inconsistent_d", ("same_d",), ()),
    ("shared_weights", ("separate_g",), ("hidden_784",)),
    ("g_not_trained", ("train_g",), ()),
    ("d_partly_trained", ("train_all_d",), ()),
)


def _in_order(names):
    """``names`` in the order edits are applied (``EDITS``'s)."""
    unknown = [n for n in names if n not in EDITS]
    if unknown:
        raise ValueError("unknown edit %r; known: %s" % (unknown[0], ", ".join(EDITS)))
    return tuple(n for n in EDITS if n in set(names))


def ladder():
    """The fix ladder as :class:`Rung` s: rung 0 is the listing as printed."""
    rungs, edits = [Rung(0, None, (), (), ())], set()
    for number, (defect, added, retired) in enumerate(LADDER_STEPS, 1):
        edits = (edits | set(added)) - set(retired)
        rungs.append(Rung(number, defect, added, retired, _in_order(edits)))
    return rungs


# The listing with every fix of the ladder: what `tf1gan --arch article --z-dim 256` computes.
FIXED = ladder()[-1].edits


def leave_one_out():
    """(defect, edits) for the fixed listing with exactly one defect put back, in ladder order."""
    fixes = [(defect, added[0]) for defect, added, _ in LADDER_STEPS if added[0] in FIXED]
    return [(defect, tuple(e for e in FIXED if e != fix)) for defect, fix in fixes]


DefectText = collections.namedtuple("DefectText", "title listing_does should_do tf1gan_does")
Defect = collections.namedtuple("Defect", "key fix test en zh")
Defect.__doc__ = """One defect of the listing: its key, the edit that fixes it (or None), the
test that shows it on the listing's graph, and its :class:`DefectText` in English and Chinese."""

_T = "tests/test_listing.py::"
DEFECTS = [
    Defect(
        "tf1_only",
        None,
        "tests/test_tf_versions.py::test_listing_as_printed_on_this_tensorflow",
        DefectText(
            "written for TensorFlow 1, and the article does not say so",
            "import tensorflow as tf, then tf.set_random_seed, tf.placeholder, tf.Session: on TensorFlow 2 it "
            "stops at line 6 (AttributeError); on 1.15 it gets to line 30",
            "name the version, or import tensorflow.compat.v1 and disable v2 behaviour",
            "tf1gan/tfcompat.py: tensorflow.compat.v1 with v2 behaviour disabled, on 1.15 and 2.x",
        ),
        DefectText(
            "代码只适用于 TensorFlow 1，文章却没有说明",
            "import tensorflow as tf 之后用 tf.set_random_seed、tf.placeholder、tf.Session：在 TensorFlow 2 上"
            "第 6 行就停止（AttributeError）；在 1.15 上运行到第 30 行",
            "写明版本，或导入 tensorflow.compat.v1 并关闭 v2 行为",
            "tf1gan/tfcompat.py：在 1.15 和 2.x 上都使用关闭了 v2 行为的 tensorflow.compat.v1",
        ),
    ),
    Defect(
        "noise_width",
        "noise_width",
        _T + "test_noise_width_breaks_the_graph",
        DefectText(
            "the graph does not build",
            "Z is [N, hidden_dim = 256] but is multiplied by W1 [784, 256]: ValueError at line 30",
            "noise of its own width feeding a generator layer shaped [noise width, hidden width]",
            "generator/hidden1/w is [z_dim, g_hidden[0]]",
        ),
        DefectText(
            "计算图无法构建",
            "Z 是 [N, hidden_dim = 256]，却与 W1 [784, 256] 相乘：第 30 行 ValueError",
            "噪声有自己的宽度，输入形状为 [噪声宽度, 隐藏层宽度] 的生成器层",
            "generator/hidden1/w 的形状是 [z_dim, g_hidden[0]]",
        ),
    ),
    Defect(
        "shared_weights",
        "separate_g",
        _T + "test_generator_and_discriminator_share_weights",
        DefectText(
            "generator and discriminator share W1, b1",
            "G_sample = sigmoid(Z W1 + b1) reuses D's first layer, and G_params = [W1, b1] are D's weights: "
            "a generator update moves the discriminator",
            "two networks with no variable in common",
            "variable scopes generator/ and discriminator/, disjoint",
        ),
        DefectText(
            "生成器与判别器共用 W1、b1",
            "G_sample = sigmoid(Z W1 + b1) 复用判别器的第一层，G_params = [W1, b1] 是判别器的权重："
            "更新生成器会改变判别器",
            "两个网络没有任何共用的变量",
            "变量作用域 generator/ 与 discriminator/ 互不相交",
        ),
    ),
    Defect(
        "g_one_layer",
        "separate_g",
        _T + "test_generator_has_no_hidden_layer",
        DefectText(
            "the generator has no hidden layer",
            "G_sample is one affine layer and a sigmoid of Z, although section 2.1 gives the generator "
            "an input, hidden and output layer",
            "at least one hidden layer between noise and pixels",
            "the generator's g_hidden layers (one of 256 units in --arch article)",
        ),
        DefectText(
            "生成器没有隐藏层",
            "G_sample 只是 Z 的一个仿射层加 sigmoid，而 2.1 节说生成器由输入层、隐藏层和输出层构成",
            "噪声与像素之间至少有一个隐藏层",
            "生成器的 g_hidden 层（--arch article 为一层 256 单元）",
        ),
    ),
    Defect(
        "samples_not_images",
        "separate_g",
        _T + "test_samples_are_not_images",
        DefectText(
            "the generator outputs hidden_dim values, not an image",
            "G_sample has hidden_dim (256) columns, so sample.reshape((28, 28)) fails once the graph builds",
            "784 outputs, one per pixel",
            "the generator's last layer has 784 units",
        ),
        DefectText(
            "生成器输出 hidden_dim 个值，而不是一张图像",
            "G_sample 有 hidden_dim（256）列，计算图一旦能构建，sample.reshape((28, 28)) 就会失败",
            "784 个输出，每个像素一个",
            "生成器最后一层有 784 个单元",
        ),
    ),
    Defect(
        "double_sigmoid",
        "single_sigmoid",
        _T + "test_double_sigmoid_bounds_d_real",
        DefectText(
            "sigmoid applied twice to real images",
            "logits = sigmoid(...), then D_real = sigmoid(logits): D(x) is confined to (0.5, 0.731)",
            "one sigmoid, or none: keep the logits",
            "the discriminator returns logits",
        ),
        DefectText(
            "对真实样本应用了两次 sigmoid",
            "logits = sigmoid(...)，再 D_real = sigmoid(logits)：D(x) 只能落在 (0.5, 0.731) 之间",
            "只用一次 sigmoid，或者保留 logits",
            "判别器返回 logits",
        ),
    ),
    Defect(
        "inconsistent_d",
        "same_d",
        _T + "test_real_and_fake_go_through_different_functions",
        DefectText(
            "real and fake judged by different functions",
            "D_fake = sigmoid(G_sample W2 + b2) skips the hidden layer that real images go through",
            "the same discriminator on both batches",
            "discriminator() applied to real and fake with shared weights",
        ),
        DefectText(
            "真实样本与假样本由不同的函数判别",
            "D_fake = sigmoid(G_sample W2 + b2) 跳过了真实样本经过的隐藏层",
            "两批样本用同一个判别器",
            "discriminator() 以相同权重作用于真实样本和假样本",
        ),
    ),
    Defect(
        "d_loss_sign",
        "d_loss_sign",
        _T + "test_d_loss_rewards_calling_fakes_real",
        DefectText(
            "wrong sign in the D loss",
            "d_loss = mean(-log D_real + log(1 - D_fake)): a D step raises D_fake, i.e. D learns to call fakes real",
            "minimise -[log D(x) + log(1 - D(G(z)))]",
            "xent(real logits, 1) + xent(fake logits, 0)",
        ),
        DefectText(
            "判别器损失的符号错误",
            "d_loss = mean(-log D_real + log(1 - D_fake))：判别器每更新一步 D_fake 就升高，即学会把假样本判为真",
            "最小化 -[log D(x) + log(1 - D(G(z)))]",
            "xent(真实 logits, 1) + xent(假 logits, 0)",
        ),
    ),
    Defect(
        "log_of_sigmoid",
        "logit_losses",
        _T + "test_log_of_sigmoid_overflows",
        DefectText(
            "log of a sigmoid",
            "tf.log(D_real), tf.log(D_fake), tf.log(1. - D_fake): a loss is infinite, and its gradient NaN, "
            "as soon as a sigmoid rounds to 0 or 1",
            "cross-entropy computed from logits",
            "tf.nn.sigmoid_cross_entropy_with_logits only",
        ),
        DefectText(
            "对 sigmoid 的结果取对数",
            "tf.log(D_real)、tf.log(D_fake)、tf.log(1. - D_fake)：只要某个 sigmoid 被舍入为 0 或 1，"
            "损失就是无穷大，梯度就是 NaN",
            "由 logits 计算交叉熵",
            "只用 tf.nn.sigmoid_cross_entropy_with_logits",
        ),
    ),
    Defect(
        "g_not_trained",
        "train_g",
        _T + "test_generator_never_changes",
        DefectText(
            "the generator is never trained",
            "the only optimiser minimises d_loss over D_params; g_loss is printed, never minimised, "
            "and G_params is never used",
            "alternate a D update and a G update",
            "two Adam ops, d_train and g_train (fused: train_step)",
        ),
        DefectText(
            "生成器从未被训练",
            "唯一的优化器只针对 D_params 最小化 d_loss；g_loss 只被打印，从未被最小化，G_params 也从未被使用",
            "交替更新判别器和生成器",
            "两个 Adam 操作 d_train 与 g_train（合并为 train_step）",
        ),
    ),
    Defect(
        "d_partly_trained",
        "train_all_d",
        _T + "test_discriminator_hidden_layer_never_changes",
        DefectText(
            "only the discriminator's output layer is trained",
            "D_params = [W2, b2]: D's hidden layer W1, b1 keeps its random initial weights",
            "train every weight of D",
            "d_train's var_list is every variable under discriminator/",
        ),
        DefectText(
            "判别器只训练了输出层",
            "D_params = [W2, b2]：判别器的隐藏层 W1、b1 一直保持随机初始值",
            "训练判别器的全部权重",
            "d_train 的 var_list 是 discriminator/ 下的全部变量",
        ),
    ),
    Defect(
        "init_scale",
        "glorot_init",
        _T + "test_initial_discriminator_saturates",
        DefectText(
            "unscaled initial weights",
            "truncated_normal with stddev 1: with the minimal edit the input of D's output layer is of the order "
            "of 100 on real images, so the first sigmoid (logits) is exactly 0 or 1 in float32 for most of them, "
            "and D_fake for some fakes",
            "initial weights scaled to the layer's width",
            "Glorot-uniform initializers",
        ),
        DefectText(
            "初始权重没有缩放",
            "truncated_normal 的标准差为 1：在最小修改下，判别器输出层对真实图像的输入约为 100 量级，"
            "因此对大多数真实图像，第一个 sigmoid（logits）在 float32 下恰好是 0 或 1，对部分假样本 D_fake 也是如此",
            "按层宽缩放初始权重",
            "Glorot 均匀初始化",
        ),
    ),
    Defect(
        "graph_size_seeds",
        "op_seeds",
        _T + "test_listing_weights_depend_on_unrelated_ops",
        DefectText(
            "not an error as printed (it is reproducible); for those who edit it: initial weights depend on "
            "the ops created before them",
            "tf.set_random_seed alone: TF 1.15 seeds each random op by the number of ops created before it, "
            "TF 2 by the number of random ops before it; one such op added earlier changes the weights",
            "an explicit seed per random op",
            "op-level seeds derived from the run seed and the variable's name",
        ),
        DefectText(
            "原文代码本身可复现，这不是错误；给改代码的人的提示：初始权重取决于在它之前创建的操作",
            "只调用 tf.set_random_seed：TF 1.15 按在它之前创建的操作个数给每个随机操作定种子，"
            "TF 2 按在它之前的随机操作个数；在前面多加一个这样的操作，权重就变了",
            "为每个随机操作指定种子",
            "由运行种子和变量名导出的操作级种子",
        ),
    ),
    Defect(
        "undefined_names",
        None,
        _T + "test_mnist_and_plt_are_undefined",
        DefectText(
            "mnist and plt are never defined",
            "NameError once the graph builds",
            "load the data and import pyplot",
            "tf1gan.data.load and tf1gan.plots",
        ),
        DefectText(
            "mnist 和 plt 从未定义",
            "计算图一旦能构建就抛出 NameError",
            "加载数据并导入 pyplot",
            "tf1gan.data.load 与 tf1gan.plots",
        ),
    ),
    Defect(
        "epochs_are_steps",
        "full_epochs",
        _T + "test_an_epoch_is_one_batch",
        DefectText(
            "200 'epochs' are 200 batches",
            "each loop iteration reads one batch: 200 x 128 = 25,600 images, under half an epoch of the "
            "tutorial's 55,000",
            "call the loop's count what it is: iterations of one batch, or whole passes over the training set",
            "--steps counts generator steps; batches reshuffle every epoch",
        ),
        DefectText(
            "200 个“轮”（epoch）只是 200 个批次",
            "每次循环只读一个批次：200 x 128 = 25,600 张图像，还不到教程 55,000 张训练集的半轮",
            "循环变量叫什么就数什么：要么按批次数迭代次数，要么真正按轮遍历整个训练集",
            "--steps 计的是生成器的步数；每一轮重新打乱批次",
        ),
    ),
]
DEFECT_KEYS = [d.key for d in DEFECTS]

ListingError = collections.namedtuple("ListingError", "type message line text stage")
ListingError.__doc__ = "An exception the listing raised: its type, message, listing line number and text."
ListingRun = collections.namedtuple(
    "ListingRun", "edits records initial final moved samples plotted error hidden_dim eval_samples d_real d_fake"
)
ListingRun.__doc__ = """What a (possibly edited) listing did: per-step losses, variable
values before and after, which variables moved, its samples, what its plot
received, the exception it stopped on (if any), and the mean of D_real and
D_fake on its last batch after its last update (None if it did not get there)."""


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


def apply_edit(text, name):
    """``text`` with edit ``name`` applied (a ``ValueError`` if one of its anchors is not there)."""
    edit = EDITS[name]
    for old, new in edit.replacements:
        if edit.every:
            if old not in text:
                raise ValueError("%s: no %r in the listing" % (name, old))
            text = text.replace(old, new)
        else:
            text = _replace_once(text, old, new, name)
    return text


def edited(edits=(), seed=None, batch_size=None, steps=None, compat_tf=False):
    """The listing's text with the named ``edits`` (applied in ``EDITS`` order) and the given settings applied."""
    text = source()
    for name in _in_order(edits):
        text = apply_edit(text, name)
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


def diff(before, after):
    """The lines that differ between two texts of the listing, as a unified diff without file headers."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return "\n".join(line for line in lines if not line.startswith(("---", "+++")))


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
        self.num_examples = len(images)  # as the tutorial's DataSet has it
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

    session, loop = find("with tf.Session() as sess:"), find("for epoch in range(")
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
    ``edits`` are applied in ``EDITS`` order whatever order they are given in.
    """
    from tf1gan.tfcompat import tf

    text = edited(edits, seed=seed, batch_size=batch_size, steps=steps, compat_tf=True)
    parts = {k: compile(v, FILENAME, "exec") for k, v in _segments(text).items()}
    mnist = TutorialMNIST(dataset.train.images, dataset.train.labels, seed)
    plt = RecordingPyplot()
    ns = {"__name__": "__article_listing__", "mnist": mnist, "plt": plt}
    records, initial, final, samples, error, eval_samples, d_means = [], {}, {}, None, None, None, (None, None)
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
                if steps:
                    feed = {ns["X"]: ns["X_train"], ns["Z"]: ns["Z_gen"]}
                    d_means = tuple(float(np.mean(a)) for a in sess.run([ns["D_real"], ns["D_fake"]], feed))
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
        edits=_in_order(edits),
        records=records,
        initial=initial,
        final=final,
        moved=moved,
        samples=samples,
        plotted=plt.images,
        error=error,
        hidden_dim=ns.get("hidden_dim"),
        eval_samples=eval_samples,
        d_real=d_means[0],
        d_fake=d_means[1],
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
