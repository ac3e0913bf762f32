# -*- coding: utf-8 -*-
"""文章第 4 节的代码，改正了全部错误；变量名、结构和写法（占位符、feed_dict、tf.Session）都与原文相同。

每一行改动的代码后面都有注释，指出它修正的是 docs/article.zh.md 勘误表的第几条。
此文件由 tf1gan/fixed_listing.py 生成（python -m tf1gan.fixed_listing），请勿手工修改；
tests/test_article_fixed.py 检查它与 tf1gan/listing.py 的“完全修正版”一致，
并检查它的计算与 tf1gan --arch article --z-dim 256 相同。

运行：python examples/article_fixed.py [迭代次数]   （默认 20000 次，样本图保存为 article_fixed_samples.png）
TensorFlow 1.15.5 上原样运行；TensorFlow 2.x 上按下面的注释替换第一行 import 即可。
"""
import tensorflow as tf  # 第 1 条：原文没写版本；这是 TensorFlow 1 的代码，1.15.5 上原样运行
# TensorFlow 2.x：把上面一行换成下面两行（去掉 # 号）
# import tensorflow.compat.v1 as tf
# tf.disable_v2_behavior()
import numpy as np
import sys

import matplotlib
matplotlib.use('Agg')  # 不打开窗口，样本图保存为 PNG 文件
import matplotlib.pyplot as plt  # 第 14 条：原文用了 plt 却没有导入

# 第 14 条：原文用了 mnist 却没有定义。TF 1.15 教程的写法（需要联网下载）：
#   from tensorflow.examples.tutorials.mnist import input_data
#   mnist = input_data.read_data_sets('MNIST_data')
# TF 2.x 没有 input_data，可以这样读（同样需要下载），再自己按批次取、每轮打乱：
#   (x_train, _), _ = tf.keras.datasets.mnist.load_data()
#   x_train = x_train.reshape(-1, 784).astype(np.float32) / 255.  # 像素缩放到 [0, 1]
# 这里用数据辅助函数 tutorial_mnist：tf1gan 内置的 mnist10k（8,000 张训练图像，无需下载），
# 提供同样的 mnist.train.next_batch(batch_size) 接口，按固定种子打乱、每轮重新打乱。
from tf1gan.listing import tutorial_mnist  # 数据辅助函数，只用于读数据
mnist = tutorial_mnist()

# 设置随机数生成器的种子
np.random.seed(1234)
tf.set_random_seed(1234)

# 设置训练参数
batch_size = 128 # 每次迭代时的批量大小
# 第 15 条：循环每次只取一个批次，所以这是迭代次数，不是轮数。原文的 200 次迭代只见过 25,600 张图，
# 生成器还画不出数字。这个网络要 1,500–3,500 次迭代才画出一种以上的数字；10,000 次时已有数字的样子，
# 但满是噪点，20,000 次时数字清楚，只是类别变少（模式崩溃，docs/article.zh.md 第 38 条）。
# 20,000 次迭代 = 128 x 20,000 / 8,000 = 把 mnist10k 的 8,000 张训练图像过 320 遍，
# 在 2 核机器上约需四分钟 CPU 时间。
num_epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 20000 # 训练的总迭代次数（每次一个批次）
learning_rate = 0.0002 # 初始学习率

# 初始化模型参数
input_dim = 784   # 数据输入维度
hidden_dim = 256  # 隐藏层节点个数
output_dim = 1    # 输出层节点个数

# 构建生成器G和判别器D
X = tf.placeholder(dtype=tf.float32, shape=[None, input_dim], name='X')
Z = tf.placeholder(dtype=tf.float32, shape=[None, hidden_dim], name='Z')

W1 = tf.Variable(initial_value=tf.glorot_uniform_initializer()([input_dim, hidden_dim]), dtype=tf.float32, name='W1')  # 修正第 12 条（init_scale）
b1 = tf.Variable(initial_value=tf.zeros([hidden_dim]), dtype=tf.float32, name='b1')
h1 = tf.nn.relu(tf.matmul(X, W1) + b1, name='h1')

W2 = tf.Variable(initial_value=tf.glorot_uniform_initializer()([hidden_dim, output_dim]), dtype=tf.float32, name='W2')  # 修正第 12 条（init_scale）
b2 = tf.Variable(initial_value=tf.zeros([output_dim]), dtype=tf.float32, name='b2')
logits = tf.identity(tf.matmul(h1, W2) + b2, name='logits')  # 修正第 6 条（double_sigmoid）

G_W1 = tf.Variable(initial_value=tf.glorot_uniform_initializer()([hidden_dim, hidden_dim]), dtype=tf.float32, name='G_W1')  # 修正第 2、3、4、5、12 条（noise_width、shared_weights、g_one_layer、samples_not_images、init_scale）
G_b1 = tf.Variable(initial_value=tf.zeros([hidden_dim]), dtype=tf.float32, name='G_b1')  # 修正第 2、3、4、5 条（noise_width、shared_weights、g_one_layer、samples_not_images）
G_h1 = tf.nn.relu(tf.matmul(Z, G_W1) + G_b1, name='G_h1')  # 修正第 2、3、4、5 条（noise_width、shared_weights、g_one_layer、samples_not_images）
G_W2 = tf.Variable(initial_value=tf.glorot_uniform_initializer()([hidden_dim, input_dim]), dtype=tf.float32, name='G_W2')  # 修正第 2、3、4、5、12 条（noise_width、shared_weights、g_one_layer、samples_not_images、init_scale）
G_b2 = tf.Variable(initial_value=tf.zeros([input_dim]), dtype=tf.float32, name='G_b2')  # 修正第 2、3、4、5 条（noise_width、shared_weights、g_one_layer、samples_not_images）
G_sample = tf.sigmoid(tf.matmul(G_h1, G_W2) + G_b2, name='G_sample')  # 修正第 2、3、4、5 条（noise_width、shared_weights、g_one_layer、samples_not_images）
G_params = [G_W1, G_b1, G_W2, G_b2]  # 修正第 2、3、4、5 条（noise_width、shared_weights、g_one_layer、samples_not_images）

D_real = tf.sigmoid(logits, name='D_real')
D_fake_logits = tf.identity(tf.matmul(tf.nn.relu(tf.matmul(G_sample, W1) + b1), W2) + b2, name='D_fake_logits')  # 修正第 7、9 条（inconsistent_d、log_of_sigmoid）
D_fake = tf.sigmoid(D_fake_logits, name='D_fake')  # 修正第 9 条（log_of_sigmoid）
D_params = [W1, b1, W2, b2]  # 修正第 11 条（d_partly_trained）

# 定义对抗损失函数
g_loss = -tf.reduce_mean(tf.math.log_sigmoid(D_fake_logits), name='g_loss')  # 修正第 9 条（log_of_sigmoid）
d_loss = tf.reduce_mean(-tf.math.log_sigmoid(logits)-tf.math.log_sigmoid(-D_fake_logits), name='d_loss')  # 修正第 8、9 条（d_loss_sign、log_of_sigmoid）
train_op = tf.train.AdamOptimizer(learning_rate).minimize(d_loss, var_list=D_params)
g_train_op = tf.train.AdamOptimizer(learning_rate).minimize(g_loss, var_list=G_params)  # 修正第 10 条（g_not_trained）

# 训练模型
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())

    for epoch in range(num_epochs):
        X_train, _ = mnist.train.next_batch(batch_size)

        Z_gen = np.random.uniform(-1., 1., size=(batch_size, hidden_dim))

        _, d_loss_, g_loss_ = sess.run([train_op, d_loss, g_loss], feed_dict={X: X_train, Z: Z_gen})
        _, g_loss_ = sess.run([g_train_op, g_loss], feed_dict={Z: Z_gen})  # 修正第 10 条（g_not_trained）

        if epoch % 1000 == 0 or epoch < 5 or epoch == num_epochs - 1:  # 迭代次数多了，每 1000 次打印一次
            # 正常的运行（实测见 docs/article.zh.md）：损失都是有限值，
            # D(x) 约 0.94–0.99，D(G(z)) 约 0.01–0.10；出现 nan 或 inf、D(G(z)) 停在 1.000、
            # D(x) 卡在 0.5–0.731 之间，都说明还有缺陷没改
            D_real_, D_fake_ = sess.run([D_real, D_fake], feed_dict={X: X_train, Z: Z_gen})
            print('Epoch:', '%04d' % (epoch+1), 'D loss:', '{:.5f}'.format(d_loss_), 'G loss:', '{:.5f}'.format(g_loss_), 'D(x):', '{:.3f}'.format(D_real_.mean()), 'D(G(z)):', '{:.3f}'.format(D_fake_.mean()))
    
    samples = sess.run(G_sample, feed_dict={Z: Z_gen[:16]})
    
for i, sample in enumerate(samples):
    plt.subplot(4, 4, i+1)
    plt.imshow(sample.reshape((28, 28)), cmap='gray')
    plt.axis('off')
    
plt.savefig('article_fixed_samples.png')  # 保存样本图（4 x 4 个数字）
