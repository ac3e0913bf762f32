"""The fixed sentences of the ``tf1gan compare`` report, in English and Chinese.

Each entry holds both languages, so that one cannot gain a sentence the other
lacks; ``%`` placeholders are filled in by ``tf1gan.compare`` and must match
between the two (``tests/test_compare.py`` checks both).
"""

LANGS = ("en", "zh")

TEXT = {
    "title": ("The article's GAN listing against tf1gan", "文章的 GAN 代码与 tf1gan 的对照"),
    "intro": (
        "Data set `%s`; %d training steps; seed %d; batch size %d; TensorFlow %s. Every version drew batch b "
        "from the same per-epoch permutation of the %d training images (`numpy.random.RandomState([seed, "
        "epoch])`), through a stand-in for the TF tutorial's `mnist.train.next_batch` for the listing: `%s` is "
        "sorted by label, so fed in file order the listing would see only a few digits, and the tutorial's own "
        "split would set the first 5,000 images aside for validation.",
        "数据集 `%s`；训练 %d 步；种子 %d；批量大小 %d；TensorFlow %s。每个版本的第 b 个批次都取自 %d 张训练图像"
        "在每一轮中的同一个随机排列（`numpy.random.RandomState([seed, epoch])`）；文章的代码通过一个模仿 TF 教程 "
        "`mnist.train.next_batch` 的替身读取它们：`%s` 按标签排序，若按文件顺序喂入，代码只会看到少数几个数字，"
        "而教程自己的划分会把前 5,000 张图像留作验证集。",
    ),
    "h_printed": ("1. The listing as printed", "1. 原样运行文章的代码"),
    "printed_here": (
        "As printed (`import tensorflow as tf`), on this TensorFlow (%s), it stops at line %d:",
        "原样运行（`import tensorflow as tf`），在当前的 TensorFlow（%s）上，它停在第 %d 行：",
    ),
    "printed_compat": (
        "With `tf` bound to `tensorflow.compat.v1` (the TF1 API on TensorFlow 1.15 and 2.x alike, which every "
        "run below uses) it stops at line %d:",
        "把 `tf` 绑定到 `tensorflow.compat.v1`（在 TensorFlow 1.15 和 2.x 上都是 TF1 的 API，下面所有运行都用它）"
        "时，它停在第 %d 行：",
    ),
    "printed_ran": ("It ran to the end.", "它运行到了结尾。"),
    "printed_versions": (
        "Under TensorFlow 1.15 both stop at line 30, where `Z` (256 wide) meets `W1` (784 rows). Under "
        "TensorFlow 2, `import tensorflow as tf` is the TF2 API, which has no `tf.set_random_seed`: the listing "
        "as printed stops at line 6, before it builds anything.",
        "在 TensorFlow 1.15 上两者都停在第 30 行，即 `Z`（256 维）与 `W1`（784 行）相乘之处。在 TensorFlow 2 上，"
        "`import tensorflow as tf` 得到的是 TF2 的 API，其中没有 `tf.set_random_seed`：原文的代码在第 6 行就停止，"
        "什么也没有构建。",
    ),
    "h_minimal": ("2. The smallest edit that makes it run", "2. 让它运行起来的最小修改"),
    "col_edits": ("edits", "修改"),
    "col_lines": ("lines changed", "改动行数"),
    "col_outcome": ("outcome", "结果"),
    "none": ("none", "无"),
    "as_printed": ("as printed", "原样"),
    "runs": ("runs", "可以运行"),
    "error_at": ("%s at line %d (%s): %s", "%s，第 %d 行（%s）：%s"),
    "build_error": ("build error: %s at line %d", "构建失败：%s，第 %d 行"),
    "stopped_in": ("%s in %s at line %d", "%s，%s，第 %d 行"),
    "non_finite": (
        "runs; loss not finite from step %d (D %s, G %s)",
        "可以运行；从第 %d 步起损失变成 NaN 或无穷大（D %s，G %s）",
    ),
    "stage_graph": ("building the graph", "构建计算图"),
    "stage_init": ("initialising", "初始化"),
    "stage_training": ("training", "训练"),
    "stage_sampling": ("sampling", "生成样本"),
    "stage_plotting": ("plotting", "绘图"),
    "stage_as printed": ("as printed", "原样运行"),
    "chosen": (
        "Chosen: **%s** (%d line): %s. No smaller set in the table runs end to end; keeping the article's "
        "256-unit layer takes `noise_width` and `sample_reshape` together (three lines).",
        "选用：**%s**（%d 行）：%s。表中没有更小的修改组合能完整运行；若要保留文章的 256 单元隐藏层，"
        "则需要 `noise_width` 与 `sample_reshape` 一起（三行）。",
    ),
    "own_figure": (
        "What a reader who typed it in would have seen: the listing's own 4 × 4 figure after its own 200 "
        "iterations (batch 128, seed %d), with this one edit. Its losses: %s. The variables that changed: %s.",
        "照着文章输入代码的读者会看到的：加上这一处修改后，代码自己迭代 200 次（批量 128，种子 %d）后画出的"
        " 4 × 4 图。它的损失：%s。发生变化的变量：%s。",
    ),
    "own_figure_g": (
        "`W1` and `b1`, everything its generator is made of, did not change: these are its random initial "
        "weights applied to the last batch of noise.",
        "构成其生成器的全部变量 `W1` 和 `b1` 没有变化：这些图只是随机初始权重作用在最后一批噪声上的结果。",
    ),
    "own_caption": (
        "The listing's plt.show() after 200 iterations, with hidden_dim = 784",
        "hidden_dim = 784 时，代码迭代 200 次后 plt.show() 显示的图",
    ),
    "h_ladder": ("3. The fix ladder", "3. 修复阶梯"),
    "ladder_intro": (
        "Each rung applies one more fix to the listing's text, from the listing as printed to the listing that "
        "computes what `tf1gan --arch article --z-dim 256` computes (shown by "
        "`tests/test_listing.py::test_fixed_listing_computes_what_tf1gan_computes`; the preset itself draws "
        "noise 100 wide, the listing `hidden_dim` = 256 wide). Every rung trains %d steps on the same batches "
        "with the same seed; rungs %s run with the build fix's `hidden_dim` = 784. The article's network needs "
        "a few thousand steps before it draws digits (the seed study of docs/article.md: more than one class "
        "only after about 3,000): in shorter runs, read the rungs by their outcome, D outputs and the variables "
        "they update.",
        "每一级在文章代码的文本上多做一处修复：从原文的代码开始，直到它计算的与 `tf1gan --arch article --z-dim 256` "
        "相同（由 `tests/test_listing.py::test_fixed_listing_computes_what_tf1gan_computes` 验证；该预设本身的噪声为 "
        "100 维，文章代码为 `hidden_dim` = 256 维）。每一级都用相同的批次和种子训练 %d 步；"
        "第 %s 级用的是让计算图能够构建的那处修改，即 `hidden_dim` = 784。文章的网络需要几千步才开始画出数字"
        "（docs/article.zh.md 的多种子实验：约 3,000 步后才覆盖一个以上的类别）："
        "步数较少时，请根据各级的结果、判别器输出以及被更新的变量来解读。",
    ),
    "ladder_order": (
        "The order: the build fix first, since nothing can be measured before the graph builds; the numerics "
        "next (losses from logits, scaled initial weights), since with the listing's numerics every later rung "
        "would die of a non-finite loss in its first steps, and a NaN says nothing about what a fix does; then "
        "D's own two defects (one sigmoid, the loss sign), which need nothing else; one D for real and fake "
        "before G's own weights, because once `hidden_dim` is back to 256 a 784-pixel fake cannot go through "
        "D's output layer alone; G's own weights, which retire the build fix; last, training G and training all "
        "of D, which both need separate weights (otherwise one network's update moves the other's first layer).",
        "顺序：先做让计算图能够构建的修改，因为计算图构建之前什么都无法测量；"
        "其次是数值问题（由 logits 计算损失、缩放初始权重），"
        "因为沿用文章的数值写法，之后每一级都会在最初几步内因损失变成 NaN 或无穷大而失败，"
        "而 NaN 无法说明一处修复起了什么作用；"
        "然后是判别器自身的两个缺陷（只用一次 sigmoid、损失的符号），它们不依赖其他修复；"
        "在生成器拥有自己的权重之前，先让真假样本经过同一个判别器，因为 `hidden_dim` 一旦恢复为 256，"
        "784 像素的假样本就无法只经过判别器的输出层；生成器拥有自己的权重后，那处修改就不再需要；"
        "最后是训练生成器和训练整个判别器，两者都需要权重分开（否则一个网络的更新会改动另一个网络的第一层）。",
    ),
    "col_number": ("#", "#"),
    "col_fix": ("fix", "修复"),
    "col_edit": ("edit", "修改"),
    "col_d_loss": ("final D loss", "最终 D 损失"),
    "col_g_loss": ("final G loss", "最终 G 损失"),
    "col_d_real": ("mean D(x)", "D(x) 均值"),
    "col_d_fake": ("mean D(G(z))", "D(G(z)) 均值"),
    "col_updated": ("variables updated", "被更新的变量"),
    "col_score": ("classifier score", "分类器得分"),
    "col_fcd": ("FCD", "FCD"),
    "col_classes": ("classes covered", "覆盖的类别"),
    "retires": ("%s (retires %s)", "%s（撤销 %s）"),
    "all_of": ("all %d", "全部 %d 个"),
    "some_of": ("%s (%d of %d)", "%s（%d/%d）"),
    "none_of": ("none of %d", "%d 个中一个也没有"),
    "of_classes": ("%d of %d", "%d/%d"),
    "ladder_note": (
        "Mean D(x) and D(G(z)): the listing's `D_real` and `D_fake` on its last batch, after its last update. "
        "Classifier score, FCD and classes covered are those of `tf1gan evaluate` (its evaluation classifier, "
        "the test split), on %d samples drawn with the listing's own noise (uniform in [−1, 1]); n/a where "
        "there are no samples or they are not finite.",
        "D(x) 与 D(G(z)) 均值：代码最后一次更新之后，其 `D_real` 与 `D_fake` 在最后一个批次上的均值。"
        "分类器得分、FCD 与覆盖的类别与 `tf1gan evaluate` 相同（同一个评估分类器、测试集），"
        "基于用代码自己的噪声（[−1, 1] 上均匀分布）生成的 %d 个样本；没有样本，或样本中有 NaN 或无穷大时，记为 n/a。",
    ),
    "ladder_caption": (
        "10 × 10 samples of each rung, numbered as in the table (rung 0 builds nothing)",
        "每一级的 10 × 10 样本，编号与表格一致（第 0 级无法构建）",
    ),
    "h_diffs": ("The edits, rung by rung", "逐级的修改"),
    "diff_rung": ("Rung %d, %s: %s", "第 %d 级，%s：%s"),
    "h_loo": ("4. Leave one out", "4. 逐一放回缺陷"),
    "loo_intro": (
        "The fully fixed listing (rung %d, row 0 here) with exactly one defect put back at a time: the edit "
        "that fixes it left out, everything else kept; %d steps each, on the same batches with the same seed. "
        "This shows which defects are fatal on their own and which only hurt.",
        "在完全修复的代码（第 %d 级，本表第 0 行）中每次只放回一个缺陷：去掉修复它的那处修改，其余保持不变；"
        "每个变体都用相同的批次和种子训练 %d 步。由此可见哪些缺陷单独就是致命的，哪些只是有害。",
    ),
    "col_put_back": ("defect put back", "放回的缺陷"),
    "col_left_out": ("edit left out", "去掉的修改"),
    "fully_fixed": ("none (fully fixed)", "无（完全修复）"),
    "loo_caption": (
        "10 × 10 samples of each variant, numbered as in the table (blank: the graph does not build)",
        "每个变体的 10 × 10 样本，编号与表格一致（空白：计算图无法构建）",
    ),
    "h_versions": ("5. The listing beside tf1gan", "5. 文章代码与 tf1gan 并列"),
    "versions_intro": (
        "The minimally edited and the fully fixed listing beside `tf1gan train` with the article's preset and "
        "with the default, %d steps each. `--arch article` is the article's network with noise 100 wide (the "
        "listing's is 256 wide).",
        "最小修改与完全修复的代码，与使用文章预设及默认设置的 `tf1gan train` 并列，各训练 %d 步。"
        "`--arch article` 是文章的网络，但噪声为 100 维（文章代码为 256 维）。",
    ),
    "col_version": ("version", "版本"),
    "col_first_nan": ("first non-finite loss", "损失首次变成 NaN 或无穷大"),
    "col_never": ("never updated", "从未更新"),
    "step_n": ("step %d", "第 %d 步"),
    "label_minimal": ("listing, edit: %s", "文章代码，修改：%s"),
    "label_fixed": ("listing, every fix (rung %d)", "文章代码，全部修复（第 %d 级）"),
    "label_article": ("tf1gan --arch article", "tf1gan --arch article"),
    "label_default": ("tf1gan (default)", "tf1gan（默认）"),
    "losses_caption": (
        "Losses and mean D outputs against step (a non-finite loss cannot be drawn: its panel says where it is)",
        "损失与 D 输出均值随步数的变化（NaN 和无穷大无法画出：图中注明了它们首次出现的位置）",
    ),
    "samples_caption": ("Samples, left to right: %s", "样本，从左到右：%s"),
    "h_quality": ("Quality (tf1gan evaluate, %d samples each)", "质量（tf1gan evaluate，各 %d 个样本）"),
    "col_figure": ("figure", "指标"),
    "col_real": ("real held-out", "真实留出数据"),
    "fig_score": ("classifier score", "分类器得分"),
    "fig_fcd": ("Frechet classifier distance", "Fréchet 分类器距离"),
    "fig_classes": ("classes covered (>= 2%)", "覆盖的类别（>= 2%）"),
    "fig_rarest": ("rarest class", "最少的类别"),
    "fig_parzen": ("Parzen log-likelihood", "Parzen 对数似然"),
    "fig_copies": ("near copies of training images", "与训练图像几乎相同的样本"),
    "h_seeds": (
        "6. Does adversarial training prevent mode collapse? The seed study",
        "6. 对抗训练能防止模式崩溃吗？多种子实验",
    ),
    "seeds_intro": (
        "The article says adversarial training prevents mode collapse (sections 1 and 3). Measured: `tf1gan "
        "train` with `--arch article` and with the default, seeds %s, %d steps each. Every %d steps the training "
        "monitor classified %d samples of fixed noise with the evaluation classifier; a class is covered when it "
        "holds at least 2%% of them.",
        "文章称对抗训练能防止模式崩溃（第 1 节与第 3 节）。实测：用 `--arch article` 和默认设置运行 `tf1gan train`，"
        "种子 %s，各 %d 步。训练中的质量监测每 %d 步用评估分类器对 %d 个固定噪声生成的样本分类；"
        "一个类别占样本的至少 2%% 即算被覆盖。",
    ),
    "collapse_rule": (
        "A run has **collapsed** when it ends covering fewer classes than it did at its best and never covered "
        "that many again; it collapsed at the first check after the last one at its best. A run that ends at its "
        "best, all ten classes or fewer while still learning, has not collapsed.",
        "一次运行结束时覆盖的类别少于它最好时的数目，且此后再也没有恢复，即为**崩溃**；崩溃发生在它最后一次处于最好水平"
        "之后的第一次检查。结束时仍处于最好水平的运行（覆盖全部十个类别，或仍在学习、覆盖较少）不算崩溃。",
    ),
    "seeds_summary": (
        "**%d of %d** `--arch article` runs and **%d of %d** default runs collapsed; **%d of %d** and **%d of %d** "
        "end with at least one class under 2%% of the samples.",
        "`--arch article` 的运行中有 **%d/%d** 次崩溃，默认设置的运行中有 **%d/%d** 次崩溃；两者分别有 **%d/%d** 与 "
        "**%d/%d** 次在结束时至少有一个类别不足样本的 2%%。",
    ),
    "col_preset": ("preset", "预设"),
    "col_seed": ("seed", "种子"),
    "col_end_classes": ("classes covered at the end", "结束时覆盖的类别"),
    "col_end_rarest": ("rarest class at the end", "结束时最少的类别"),
    "col_collapsed": ("collapsed at (classes then)", "崩溃于（当时覆盖的类别）"),
    "col_all_first": ("first check with all classes", "首次覆盖全部类别"),
    "col_best": ("best classifier score (step)", "最佳分类器得分（步）"),
    "col_final": ("final classifier score", "最终分类器得分"),
    "col_time": ("training time", "训练时间"),
    "no": ("no", "否"),
    "never": ("never", "从未"),
    "at_step": ("step %d (%d)", "第 %d 步（%d）"),
    "score_at": ("%.2f (step %d)", "%.2f（第 %d 步）"),
    "seconds": ("%.0f s", "%.0f 秒"),
    "seeds_caption": (
        "Classes covered (top) and the rarest class's share of samples (bottom, %) against step, one line per run, "
        "one colour per preset; x marks a collapse; the dashed line is the 2% coverage threshold",
        "覆盖的类别（上）与最少类别占样本的比例（下，%）随步数的变化，每次运行一条线，每个预设一种颜色；"
        "x 标出崩溃；虚线是 2% 的覆盖阈值",
    ),
    "h_claims": ("Speed and convergence, as the article claims them", "文章关于速度与收敛的说法"),
    "claims_intro": (
        "Section 5 of the article says GAN training is slow, then that GANs usually train in few iterations and "
        "compute fast, and that convergence is hard to tune; section 4 says adjusting both models' parameters "
        "reaches a balance. Measured on the runs above (medians over seeds; training time as logged, on this "
        "machine, with whatever else ran on it):",
        "文章第 5 节先说 GAN 训练慢，又说 GAN 通常迭代次数少、运算快，并说收敛速度难以调节；第 4 节说通过调整两个模型的"
        "参数就可以达到平衡。基于上面的运行测得（各种子的中位数；训练时间为日志所记，在本机上，与同时运行的其他任务共享）：",
    ),
    "col_speed": ("steps/s", "步/秒"),
    "col_first_all": ("steps to cover all classes", "覆盖全部类别所需步数"),
    "col_best_med": ("best classifier score", "最佳分类器得分"),
    "col_final_med": ("final classifier score", "最终分类器得分"),
    "col_end_d": ("final mean D(x) / D(G(z))", "最终 D(x) / D(G(z)) 均值"),
    "runs_never": ("%d of %d runs never", "%d/%d 次运行从未覆盖"),
    "claims_note": (
        '"Few iterations" and "fast" have no yardstick in the article; what can be measured is how many steps '
        "and seconds each network needs, above. A balance in the sense of the minimax game would put D(x) and "
        "D(G(z)) at 0.5 and keep the quality figures still; the last column and the gap between best and final "
        "scores say how far the runs are from it.",
        "文章没有给“迭代次数少”“运算快”任何参照；能测量的是每个网络需要多少步、多少秒，如上表。极小极大博弈意义上的平衡"
        "会使 D(x) 与 D(G(z)) 都为 0.5，质量指标也不再变化；"
        "最后一列以及最佳得分与最终得分之差说明了这些运行离平衡有多远。",
    ),
    "h_defects": ("7. The defects of the listing", "7. 文章代码的缺陷"),
    "col_defect": ("defect", "缺陷"),
    "col_does": ("what the listing does", "文章代码的做法"),
    "col_should": ("what it should do", "应当如何"),
    "col_tf1gan": ("how tf1gan does it", "tf1gan 的做法"),
    "col_test": ("test", "测试"),
    "defects_more": (
        "docs/article.md lists every error of the article, its formulas and its prose included, with the test "
        "or measurement behind each.",
        "docs/article.zh.md（中文）列出了文章的全部错误，包括公式与正文中的错误，并给出每一条所依据的测试或测量。",
    ),
}


def text(key, lang):
    """The sentence ``key`` in ``lang`` (``en`` or ``zh``)."""
    return TEXT[key][LANGS.index(lang)]
