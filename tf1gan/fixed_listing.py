"""The reader's copy of the fixed listing: ``examples/article_fixed.py``, generated from ``tf1gan.listing``.

The file is the article's listing with every fix of the ladder (``listing.FIXED``)
applied, each changed line commented in Chinese with the catalogue entries it fixes,
plus the few changes a reader needs to run it and see digits (``READER``): the
TensorFlow-2 switch shown, ``mnist`` and ``plt`` defined, more iterations, D(x) and
D(G(z)) printed, the figure saved. None of those changes what is computed, so the
file computes what ``listing.FIXED`` computes, which is what ``tf1gan --arch article
--z-dim 256`` computes (tests/test_listing.py). ``python -m tf1gan.fixed_listing``
prints the file; tests/test_article_fixed.py checks the committed copy is that text.
"""

import sys

from tf1gan import listing

PATH = "examples/article_fixed.py"
# 20,000 iterations: the article's network covers more than one class only after 1,500-3,500 steps
# (docs/article.md, entry 38); at 10,000 its samples are digit-shaped but speckled, at 20,000 clean
# digits, of fewer classes (entry 38: most runs collapse, at steps 8,000-19,000). Both grids, measured,
# are in docs/. 20,000 steps of 128 images are 320 passes over mnist10k's 8,000 images: about four
# minutes of CPU on this project's 2-core machines.
STEPS = 20000
SAMPLES_PNG = "article_fixed_samples.png"

_HEADER = '''\
# -*- coding: utf-8 -*-
"""文章第 4 节的代码，改正了全部错误；变量名、结构和写法（占位符、feed_dict、tf.Session）都与原文相同。

每一行改动的代码后面都有注释，指出它修正的是 docs/article.zh.md 勘误表的第几条。
此文件由 tf1gan/fixed_listing.py 生成（python -m tf1gan.fixed_listing），请勿手工修改；
tests/test_article_fixed.py 检查它与 tf1gan/listing.py 的“完全修正版”一致，
并检查它的计算与 tf1gan --arch article --z-dim 256 相同。

运行：python examples/article_fixed.py [迭代次数]   （默认 %(steps)d 次，样本图保存为 %(png)s）
TensorFlow 1.15.5 上原样运行；TensorFlow 2.x 上按下面的注释替换第一行 import 即可。
"""
''' % {"steps": STEPS, "png": SAMPLES_PNG}

_NUMBERS = {d.key: i for i, d in enumerate(listing.DEFECTS, 1)}


def _entries(*keys):
    """'第 3、4、5 条' for catalogue keys, by their number in the catalogue (listing.DEFECTS' order)."""
    return "第 %s 条" % "、".join(str(_NUMBERS[k]) for k in keys)


# (anchor in the fixed listing, replacement): what a reader needs beyond the fixes. Every
# replaced or added line says why in Chinese; none changes what the graph or the loop computes.
READER = [
    (
        "import tensorflow as tf\n",
        "import tensorflow as tf  # %s：原文没写版本；这是 TensorFlow 1 的代码，1.15.5 上原样运行\n"
        "# TensorFlow 2.x：把上面一行换成下面两行（去掉 # 号）\n"
        "# import tensorflow.compat.v1 as tf\n"
        "# tf.disable_v2_behavior()\n" % _entries("tf1_only"),
    ),
    (
        "import numpy as np\n",
        "import numpy as np\n"
        "import sys\n"
        "\n"
        "import matplotlib\n"
        "matplotlib.use('Agg')  # 不打开窗口，样本图保存为 PNG 文件\n"
        "import matplotlib.pyplot as plt  # %(e)s：原文用了 plt 却没有导入\n"
        "\n"
        "# %(e)s：原文用了 mnist 却没有定义。TF 1.15 教程的写法（需要联网下载）：\n"
        "#   from tensorflow.examples.tutorials.mnist import input_data\n"
        "#   mnist = input_data.read_data_sets('MNIST_data')\n"
        "# TF 2.x 没有 input_data，可以这样读（同样需要下载），再自己按批次取、每轮打乱：\n"
        "#   (x_train, _), _ = tf.keras.datasets.mnist.load_data()\n"
        "#   x_train = x_train.reshape(-1, 784).astype(np.float32) / 255.  # 像素缩放到 [0, 1]\n"
        "# 这里用数据辅助函数 tutorial_mnist：tf1gan 内置的 mnist10k（8,000 张训练图像，无需下载），\n"
        "# 提供同样的 mnist.train.next_batch(batch_size) 接口，按固定种子打乱、每轮重新打乱。\n"
        "from tf1gan.listing import tutorial_mnist  # 数据辅助函数，只用于读数据\n"
        "mnist = tutorial_mnist()\n" % {"e": _entries("undefined_names")},
    ),
    (
        "num_epochs = 200 # 训练的总轮数\n",
        "# %s：循环每次只取一个批次，所以这是迭代次数，不是轮数。原文的 200 次迭代只见过 25,600 张图，\n"
        "# 生成器还画不出数字。这个网络要 1,500–3,500 次迭代才画出一种以上的数字；10,000 次时已有数字的样子，\n"
        "# 但满是噪点，20,000 次时数字清楚，只是类别变少（模式崩溃，docs/article.zh.md 第 38 条）。\n"
        "# 20,000 次迭代 = 128 x 20,000 / 8,000 = 把 mnist10k 的 8,000 张训练图像过 320 遍，\n"
        "# 在 2 核机器上约需四分钟 CPU 时间。\n"
        "num_epochs = int(sys.argv[1]) if len(sys.argv) > 1 else %d # 训练的总迭代次数（每次一个批次）\n"
        % (_entries("epochs_are_steps"), STEPS),
    ),
    (
        "        if epoch % 10 == 0 or epoch < 5:\n"
        "            print('Epoch:', '%04d' % (epoch+1), 'D loss:', '{:.5f}'.format(d_loss_), "
        "'G loss:', '{:.5f}'.format(g_loss_))\n",
        "        if epoch % 1000 == 0 or epoch < 5 or epoch == num_epochs - 1:  # 迭代次数多了，每 1000 次打印一次\n"
        "            # 正常的运行（实测见 docs/article.zh.md）：损失都是有限值，\n"
        "            # D(x) 约 0.94–0.99，D(G(z)) 约 0.01–0.10；出现 nan 或 inf、D(G(z)) 停在 1.000、\n"
        "            # D(x) 卡在 0.5–0.731 之间，都说明还有缺陷没改\n"
        "            D_real_, D_fake_ = sess.run([D_real, D_fake], feed_dict={X: X_train, Z: Z_gen})\n"
        "            print('Epoch:', '%04d' % (epoch+1), 'D loss:', '{:.5f}'.format(d_loss_), "
        "'G loss:', '{:.5f}'.format(g_loss_), 'D(x):', '{:.3f}'.format(D_real_.mean()), "
        "'D(G(z)):', '{:.3f}'.format(D_fake_.mean()))\n",
    ),
    (
        "plt.show()\n",
        "plt.savefig('%s')  # 保存样本图（4 x 4 个数字）\n" % SAMPLES_PNG,
    ),
]


def _fix_comments():
    """{line of the fixed listing: its Chinese comment} for every line the fixes add or change.

    A line is attributed to each fix without which it would not be in the text; the
    entries a fix corrects are those whose defect it fixes, and the defects of the
    edits it retires (``separate_g`` gives the noise its own width, entry 2).
    """
    fixed, printed = listing.edited(listing.FIXED), set(listing.source().splitlines())
    retired = {added[0]: [listing.EDITS[r].defect for r in gone] for _, added, gone in listing.LADDER_STEPS}
    keys_of = {}
    for edit in listing.FIXED:
        keys = [listing.EDITS[edit].defect] + retired.get(edit, [])
        keys += [d.key for d in listing.DEFECTS if d.fix == edit and d.key not in keys]
        keys_of[edit] = keys
    comments = {}
    for line in fixed.splitlines():
        if line in printed or not line.strip():
            continue
        edits = [e for e in listing.FIXED if line not in listing.edited([f for f in listing.FIXED if f != e])]
        if not edits:
            raise ValueError("no fix accounts for the line %r" % line)
        keys = sorted({k for e in edits for k in keys_of[e]}, key=_NUMBERS.get)
        comments[line] = "  # 修正%s（%s）" % (_entries(*keys), "、".join(keys))
    return comments


def fixed_text():
    """The fixed listing with its comments, before the reader's changes: ``listing.edited(FIXED)`` + comments."""
    comments = _fix_comments()
    return "".join(line + comments.get(line, "") + "\n" for line in listing.edited(listing.FIXED).splitlines())


def strip_fix_comments(text):
    """``text`` without the comments ``fixed_text`` adds (the inverse, for the tests)."""
    out = []
    for line in text.splitlines():
        cut = line.find("  # 修正第 ")
        out.append(line[:cut] if cut >= 0 else line)
    return "\n".join(out) + "\n"


def file_text():
    """The text of ``examples/article_fixed.py``."""
    text = fixed_text()
    for old, new in READER:
        text = listing._replace_once(text, old, new, "reader")
    return _HEADER + text


def main():
    """Print the file's text (``python -m tf1gan.fixed_listing > examples/article_fixed.py``)."""
    sys.stdout.write(file_text())


if __name__ == "__main__":
    main()
