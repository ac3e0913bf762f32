# -*- coding: utf-8 -*-
"""The GAN listing from section 4 of the blog article "生成对抗网络" by 禅与计算机程序设计艺术
(the article tf1gan started from), reproduced character for character below the marker.

It is kept here as printed so anyone can run it and see for themselves: under
TensorFlow 1.15.5 it stops while building the graph, at the listing's line 30 (line 58
of this file):

    G_sample = tf.sigmoid(tf.matmul(Z, W1) + b1, name='G_sample')
    ValueError: Dimensions must be equal, but are 256 and 784 for 'MatMul_2' (op: 'MatMul')
    with input shapes: [?,256], [784,256].

docs/article.md lists every defect of the listing; `tf1gan compare` runs it beside a
minimally edited copy and tf1gan itself.

The ONLY additions are the two names the listing uses but never defines, marked
below: `mnist` (a stand-in for the TF tutorial's input_data object, serving tf1gan's
embedded MNIST digits in shuffled order, so no download is needed) and `plt`.
"""
# ---- ADDED: not in the article ----
import matplotlib.pyplot as plt  # noqa: E402,F401

from tf1gan.listing import tutorial_mnist

mnist = tutorial_mnist()
# ---- end of the additions ----

# ---- the article's listing, verbatim, from here to the end ----
import tensorflow as tf
import numpy as np

# 设置随机数生成器的种子
np.random.seed(1234)
tf.set_random_seed(1234)

# 设置训练参数
batch_size = 128 # 每次迭代时的批量大小
num_epochs = 200 # 训练的总轮数
learning_rate = 0.0002 # 初始学习率

# 初始化模型参数
input_dim = 784   # 数据输入维度
hidden_dim = 256  # 隐藏层节点个数
output_dim = 1    # 输出层节点个数

# 构建生成器G和判别器D
X = tf.placeholder(dtype=tf.float32, shape=[None, input_dim], name='X')
Z = tf.placeholder(dtype=tf.float32, shape=[None, hidden_dim], name='Z')

W1 = tf.Variable(initial_value=tf.truncated_normal([input_dim, hidden_dim]), dtype=tf.float32, name='W1')
b1 = tf.Variable(initial_value=tf.zeros([hidden_dim]), dtype=tf.float32, name='b1')
h1 = tf.nn.relu(tf.matmul(X, W1) + b1, name='h1')

W2 = tf.Variable(initial_value=tf.truncated_normal([hidden_dim, output_dim]), dtype=tf.float32, name='W2')
b2 = tf.Variable(initial_value=tf.zeros([output_dim]), dtype=tf.float32, name='b2')
logits = tf.sigmoid(tf.matmul(h1, W2) + b2, name='logits')

G_sample = tf.sigmoid(tf.matmul(Z, W1) + b1, name='G_sample')
G_params = [W1, b1]

D_real = tf.sigmoid(logits, name='D_real')
D_fake = tf.sigmoid(tf.matmul(G_sample, W2) + b2, name='D_fake')
D_params = [W2, b2]

# 定义对抗损失函数
g_loss = -tf.reduce_mean(tf.log(D_fake), name='g_loss')
d_loss = tf.reduce_mean(-tf.log(D_real)+tf.log(1.-D_fake), name='d_loss')
train_op = tf.train.AdamOptimizer(learning_rate).minimize(d_loss, var_list=D_params)

# 训练模型
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())

    for epoch in range(num_epochs):
        X_train, _ = mnist.train.next_batch(batch_size)

        Z_gen = np.random.uniform(-1., 1., size=(batch_size, hidden_dim))

        _, d_loss_, g_loss_ = sess.run([train_op, d_loss, g_loss], feed_dict={X: X_train, Z: Z_gen})

        if epoch % 10 == 0 or epoch < 5:
            print('Epoch:', '%04d' % (epoch+1), 'D loss:', '{:.5f}'.format(d_loss_), 'G loss:', '{:.5f}'.format(g_loss_))
    
    samples = sess.run(G_sample, feed_dict={Z: Z_gen[:16]})
    
for i, sample in enumerate(samples):
    plt.subplot(4, 4, i+1)
    plt.imshow(sample.reshape((28, 28)), cmap='gray')
    plt.axis('off')
    
plt.show()
