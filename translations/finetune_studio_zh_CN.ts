<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ft::ui::ClassMetricsView</name>
    <message>
        <source>Precision, recall and F1 per class</source>
        <translation>各类别的精确率、召回率和 F1</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精确率</translation>
    </message>
    <message>
        <source>Recall</source>
        <translation>召回率</translation>
    </message>
    <message>
        <source>F1</source>
        <translation>F1</translation>
    </message>
    <message>
        <source>%</source>
        <translation>%</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>%1 mistaken for %2: %3</source>
        <translation>%1 被误判为 %2：%3</translation>
    </message>
    <message>
        <source>No class was mistaken for another.</source>
        <translation>没有任何类别被误判为其他类别。</translation>
    </message>
    <message>
        <source>Most confused: %1</source>
        <translation>最易混淆：%1</translation>
    </message>
    <message>
        <source>1 validation image</source>
        <translation>1 张验证图像</translation>
    </message>
    <message>
        <source>%1 validation images</source>
        <translation>%1 张验证图像</translation>
    </message>
    <message>
        <source>Top-1 accuracy %1 · top-%2 accuracy %3 · macro F1 %4 · %5</source>
        <translation>Top-1 准确率 %1 · Top-%2 准确率 %3 · 宏平均 F1 %4 · 共 %5</translation>
    </message>
</context>
<context>
    <name>ft::ui::ConfusionMatrixView</name>
    <message>
        <source>True: %1
Predicted: %2
%3 images (%4% of the true class)</source>
        <translation>真实类别：%1
预测类别：%2
%3 张图像（占该真实类别的 %4%）</translation>
    </message>
    <message>
        <source>Predicted class</source>
        <translation>预测类别</translation>
    </message>
    <message>
        <source>True class</source>
        <translation>真实类别</translation>
    </message>
</context>
<context>
    <name>ft::ui::DashboardCharts</name>
    <message>
        <source>Training loss per iteration</source>
        <translation>每次迭代的训练损失</translation>
    </message>
    <message>
        <source>Accuracy per epoch</source>
        <translation>每轮准确率</translation>
    </message>
    <message>
        <source>Loss per epoch</source>
        <translation>每轮损失</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Iteration</source>
        <translation>迭代</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>Epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <source>Accuracy (%)</source>
        <translation>准确率 (%)</translation>
    </message>
    <message>
        <source>Smoothed</source>
        <translation>平滑</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Validation</source>
        <translation>验证</translation>
    </message>
    <message>
        <source>Head</source>
        <translation>分类头</translation>
    </message>
    <message>
        <source>Backbone</source>
        <translation>主干网络</translation>
    </message>
    <message>
        <source>Backbone unfrozen</source>
        <translation>主干网络已解冻</translation>
    </message>
    <message>
        <source>Validation (%1)</source>
        <translation>验证（%1）</translation>
    </message>
</context>
<context>
    <name>ft::ui::DashboardExport</name>
    <message>
        <source>Cannot create the folder %1.</source>
        <translation>无法创建文件夹 %1。</translation>
    </message>
    <message>
        <source>Cannot write %1: check that the folder is writable.</source>
        <translation>无法写入 %1：请检查该文件夹是否可写。</translation>
    </message>
    <message>
        <source>Cannot replace %1: check that the file is writable.</source>
        <translation>无法替换 %1：请检查该文件是否可写。</translation>
    </message>
    <message>
        <source>Cannot copy %1 to %2: check that the folder is writable.</source>
        <translation>无法将 %1 复制到 %2：请检查该文件夹是否可写。</translation>
    </message>
    <message>
        <source>There are no metrics to save yet.</source>
        <translation>还没有可保存的指标。</translation>
    </message>
</context>
<context>
    <name>ft::ui::DashboardPage</name>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop after the current batch; a checkpoint is kept so the run can be resumed</source>
        <translation>在当前批次后停止；检查点会保留，之后可继续训练</translation>
    </message>
    <message>
        <source>Batch %v of %m</source>
        <translation>批次 %v / %m</translation>
    </message>
    <message>
        <source>Preparing the data and the model…</source>
        <translation>正在准备数据和模型…</translation>
    </message>
    <message>
        <source>Training in %1</source>
        <translation>正在训练：%1</translation>
    </message>
    <message>
        <source>Run complete</source>
        <translation>训练完成</translation>
    </message>
    <message numerus="yes">
        <source>Run interrupted after %n epoch(s)</source>
        <translation>
            <numerusform>训练在 %n 轮后中断</numerusform>
        </translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Epoch %1 of %2</source>
        <translation>第 %1 轮，共 %2 轮</translation>
    </message>
    <message>
        <source>Epoch %1</source>
        <translation>第 %1 轮</translation>
    </message>
    <message>
        <source>Run %p%</source>
        <translation>总进度 %p%</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Warning: %1</source>
        <translation>警告：%1</translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation>错误：%1</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Continue training</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <source>Pause before the next batch</source>
        <translation>在下一批次前暂停</translation>
    </message>
    <message>
        <source>Stopping after the current batch…</source>
        <translation>将在当前批次后停止…</translation>
    </message>
    <message>
        <source>%1 images/s</source>
        <translation>%1 张图像/秒</translation>
    </message>
    <message>
        <source>epoch ends in %1</source>
        <translation>本轮还需 %1</translation>
    </message>
    <message>
        <source>run ends in at least %1</source>
        <translation>全部训练至少还需 %1</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Finished: final validation accuracy %1, best %2 (epoch %3)</source>
        <translation>已完成：最终验证准确率 %1，最佳 %2（第 %3 轮）</translation>
    </message>
    <message>
        <source>Stopped during epoch %1; the checkpoint is kept.</source>
        <translation>已在第 %1 轮中停止；检查点已保留。</translation>
    </message>
    <message>
        <source>Save charts…</source>
        <translation>保存图表…</translation>
    </message>
    <message>
        <source>Save every chart as a PNG image into a folder</source>
        <translation>将所有图表保存为 PNG 图像到一个文件夹</translation>
    </message>
    <message>
        <source>Save metrics as CSV…</source>
        <translation>将指标保存为 CSV…</translation>
    </message>
    <message>
        <source>Save the loss, accuracy and learning rate of every iteration and epoch as a CSV file (the run folder&apos;s metrics.csv)</source>
        <translation>将每次迭代和每轮的损失、准确率和学习率保存为 CSV 文件（即运行目录中的 metrics.csv）</translation>
    </message>
    <message>
        <source>Save the charts into a folder</source>
        <translation>将图表保存到文件夹</translation>
    </message>
    <message>
        <source>Save the metrics as CSV</source>
        <translation>将指标保存为 CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Saved the metrics in %1.</source>
        <translation>已将指标保存到 %1。</translation>
    </message>
    <message>
        <source>Saved %1 charts in %2.</source>
        <translation>已将 %1 张图表保存到 %2。</translation>
    </message>
</context>
<context>
    <name>ft::ui::DataPage</name>
    <message>
        <source>Data set</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Choose the data set&apos;s folder (and the validation folder, if separate).</source>
        <translation>请选择数据集文件夹（如验证集单独存放，也请选择验证集文件夹）。</translation>
    </message>
    <message>
        <source>Reading the data set…</source>
        <translation>正在读取数据集…</translation>
    </message>
    <message>
        <source>This data set cannot be used: %1</source>
        <translation>无法使用此数据集：%1</translation>
    </message>
    <message>
        <source>Choose the data set folder</source>
        <translation>选择数据集文件夹</translation>
    </message>
    <message>
        <source>Choose the validation image folder</source>
        <translation>选择验证图像文件夹</translation>
    </message>
    <message>
        <source>Validation and subset</source>
        <translation>验证集与子集</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <source>Format:</source>
        <translation>格式：</translation>
    </message>
    <message>
        <source>Folder:</source>
        <translation>文件夹：</translation>
    </message>
    <message>
        <source>Detect automatically</source>
        <translation>自动检测</translation>
    </message>
    <message>
        <source>IDX files (MNIST, Fashion-MNIST)</source>
        <translation>IDX 文件（MNIST、Fashion-MNIST）</translation>
    </message>
    <message>
        <source>CIFAR-10 binary folder</source>
        <translation>CIFAR-10 二进制文件夹</translation>
    </message>
    <message>
        <source>Image folder (one subfolder per class)</source>
        <translation>图像文件夹（每个类别一个子文件夹）</translation>
    </message>
    <message>
        <source>Folder holding the data set</source>
        <translation>存放数据集的文件夹</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Use the built-in Fashion-MNIST</source>
        <translation>使用内置的 Fashion-MNIST</translation>
    </message>
    <message>
        <source>Built-in Fashion-MNIST not installed</source>
        <translation>未安装内置的 Fashion-MNIST</translation>
    </message>
    <message>
        <source>Decode image folders as grayscale</source>
        <translation>将图像文件夹按灰度图解码</translation>
    </message>
    <message>
        <source>Validate on:</source>
        <translation>验证数据：</translation>
    </message>
    <message>
        <source>Validation folder:</source>
        <translation>验证集文件夹：</translation>
    </message>
    <message>
        <source>Held-out share:</source>
        <translation>留出比例：</translation>
    </message>
    <message>
        <source>Training images:</source>
        <translation>训练图像：</translation>
    </message>
    <message>
        <source>Validation images:</source>
        <translation>验证图像：</translation>
    </message>
    <message>
        <source>The data set&apos;s own test split</source>
        <translation>数据集自带的测试集</translation>
    </message>
    <message>
        <source>A separate folder</source>
        <translation>单独的文件夹</translation>
    </message>
    <message>
        <source>A stratified split of the training images</source>
        <translation>从训练图像中分层划分</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>A limit trains on a seeded subset of that size: handy for a quick first run.</source>
        <translation>设置上限后，将使用该数量的固定随机子集进行训练，便于快速试跑。</translation>
    </message>
    <message>
        <source>%1 in IDX format</source>
        <translation>IDX 格式的 %1</translation>
    </message>
    <message>
        <source>CIFAR-10 in binary format</source>
        <translation>二进制格式的 CIFAR-10</translation>
    </message>
    <message>
        <source>an image folder with one subfolder per class</source>
        <translation>按类别分子文件夹存放的图像文件夹</translation>
    </message>
    <message>
        <source>Found %1.</source>
        <translation>已找到：%1。</translation>
    </message>
    <message>
        <source>Folder with the same classes</source>
        <translation>类别相同的文件夹</translation>
    </message>
    <message>
        <source>Check every image while scanning (slower; damaged files are listed and left out)</source>
        <translation>扫描时逐一检查每张图片（较慢；损坏的文件会被列出并排除）</translation>
    </message>
</context>
<context>
    <name>ft::ui::DataPreviewView</name>
    <message>
        <source>Training images: –   Validation images: –</source>
        <translation>训练图像：–   验证图像：–</translation>
    </message>
    <message>
        <source>Training images: %1   Validation images: %2   Classes: %3</source>
        <translation>训练图像：%1   验证图像：%2   类别数：%3</translation>
    </message>
    <message>
        <source>Warnings: none</source>
        <translation>警告：无</translation>
    </message>
    <message>
        <source>Warnings (%1, the first %2 shown):</source>
        <translation>警告（共 %1 条，显示前 %2 条）：</translation>
    </message>
    <message>
        <source>Warnings (%1):</source>
        <translation>警告（%1 条）：</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Training images</source>
        <translation>训练图像数</translation>
    </message>
    <message>
        <source>Sample images (a seeded draw over every class):</source>
        <translation>样本图像（从每个类别中按固定种子抽取）：</translation>
    </message>
</context>
<context>
    <name>ft::ui::MainWindow</name>
    <message>
        <source>FineTune Studio</source>
        <translation>FineTune Studio 微调工作室</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open run…</source>
        <translation>打开训练运行(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;configuration…</source>
        <translation>打开配置(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Save configuration…</source>
        <translation>保存配置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About FineTune Studio</source>
        <translation>关于 FineTune Studio(&amp;A)</translation>
    </message>
    <message>
        <source>Open a run folder</source>
        <translation>打开运行目录</translation>
    </message>
    <message>
        <source>Open run</source>
        <translation>打开训练运行</translation>
    </message>
    <message>
        <source>Resume training?</source>
        <translation>继续训练？</translation>
    </message>
    <message>
        <source>This run stopped after %1 of %2 epochs. Resume training from its last checkpoint?</source>
        <translation>此次训练在第 %1 轮（共 %2 轮）后停止。要从最后一个检查点继续训练吗？</translation>
    </message>
    <message>
        <source>Open a run configuration</source>
        <translation>打开运行配置</translation>
    </message>
    <message>
        <source>Run configuration (*.json);;All files (*)</source>
        <translation>运行配置 (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Loaded %1</source>
        <translation>已载入 %1</translation>
    </message>
    <message>
        <source>Open configuration</source>
        <translation>打开配置</translation>
    </message>
    <message>
        <source>Save the run configuration</source>
        <translation>保存运行配置</translation>
    </message>
    <message>
        <source>Run configuration (*.json)</source>
        <translation>运行配置 (*.json)</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>Save configuration</source>
        <translation>保存配置</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The Chinese translation could not be loaded; the studio stays in English.</source>
        <translation>无法载入中文翻译，界面将保持英文。</translation>
    </message>
    <message>
        <source>About FineTune Studio</source>
        <translation>关于 FineTune Studio</translation>
    </message>
    <message>
        <source>Stop training?</source>
        <translation>停止训练？</translation>
    </message>
    <message>
        <source>A training is running. Stop it and close? The last checkpoint is kept, so the run can be resumed later (File &gt; Open run…).</source>
        <translation>训练正在进行。要停止并关闭吗？最后的检查点会保留，之后可以继续训练（文件 &gt; 打开训练运行…）。</translation>
    </message>
    <message>
        <source>Stopping the training…</source>
        <translation>正在停止训练…</translation>
    </message>
    <message>
        <source>&lt;h3&gt;FineTune Studio %1&lt;/h3&gt;&lt;p&gt;Fine-tunes a pretrained image classifier (ResNet, VGG, MobileNet, EfficientNet, …) on your own images: the head is replaced, the backbone is frozen for the first epochs and then the whole network is fine-tuned.&lt;/p&gt;&lt;p&gt;Training runs on LibTorch; every run folder holds its configuration, metrics, checkpoints and exports.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;FineTune Studio %1&lt;/h3&gt;&lt;p&gt;在您自己的图像上微调预训练的图像分类器（ResNet、VGG、MobileNet、EfficientNet 等）：替换分类头，前几轮冻结主干网络，之后对整个网络进行微调。&lt;/p&gt;&lt;p&gt;训练基于 LibTorch；每个运行目录都保存了其配置、指标、检查点和导出的模型。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>This run is being trained by %1. It can be resumed once that process ends.</source>
        <translation>此运行正在由 %1 训练。该进程结束后即可继续训练。</translation>
    </message>
    <message>
        <source>%1, CPU only</source>
        <translation>%1，仅 CPU</translation>
    </message>
    <message>
        <source>%1, CUDA %2</source>
        <translation>%1，CUDA %2</translation>
    </message>
    <message>
        <source>&lt;p&gt;Licence: %1. FineTune Studio is free software: you may share and change it under the terms of the GNU General Public License, version 3 or later. It comes with no warranty.&lt;/p&gt;</source>
        <translation>&lt;p&gt;许可证：%1。FineTune Studio 是自由软件：您可以依照 GNU 通用公共许可证第 3 版或更高版本的条款分发和修改它。本软件不提供任何担保。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;table&gt;&lt;tr&gt;&lt;td&gt;LibTorch&lt;/td&gt;&lt;td&gt;%1&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;Qt&lt;/td&gt;&lt;td&gt;%2&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;OpenCV&lt;/td&gt;&lt;td&gt;%3&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;CPU&lt;/td&gt;&lt;td&gt;%4&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;CUDA devices&lt;/td&gt;&lt;td&gt;%5&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;</source>
        <translation>&lt;table&gt;&lt;tr&gt;&lt;td&gt;LibTorch&lt;/td&gt;&lt;td&gt;%1&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;Qt&lt;/td&gt;&lt;td&gt;%2&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;OpenCV&lt;/td&gt;&lt;td&gt;%3&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;CPU&lt;/td&gt;&lt;td&gt;%4&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;CUDA 设备&lt;/td&gt;&lt;td&gt;%5&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;</translation>
    </message>
    <message>
        <source>none: this LibTorch is built for the CPU only (an official CUDA LibTorch trains on GPUs)</source>
        <translation>无：此 LibTorch 仅为 CPU 构建（官方 CUDA 版 LibTorch 可在 GPU 上训练）</translation>
    </message>
    <message>
        <source>none found: check the NVIDIA driver (nvidia-smi)</source>
        <translation>未找到：请检查 NVIDIA 驱动（nvidia-smi）</translation>
    </message>
    <message>
        <source>%1, 1 core, %2</source>
        <translation>%1，1 个核心，%2</translation>
    </message>
    <message>
        <source>%1, %2 cores, %3</source>
        <translation>%1，%2 个核心，%3</translation>
    </message>
</context>
<context>
    <name>ft::ui::ModelCardView</name>
    <message>
        <source>History of pretrained models…</source>
        <translation>预训练模型的历史…</translation>
    </message>
    <message>
        <source>%1 M parameters · %2 GMACs per 224-px image · ImageNet top-1 %3%, top-5 %4% (%5, %6 MB)</source>
        <translation>%1 M 个参数 · 每张 224 像素图像 %2 GMACs · ImageNet top-1 %3%，top-5 %4%（%5，%6 MB）</translation>
    </message>
    <message>
        <source>Its weights expect images resized to %1 px, centre-cropped to %2 px (%3).</source>
        <translation>它的权重要求图像先缩放到 %1 像素，再从中心裁剪为 %2 像素（%3）。</translation>
    </message>
    <message>
        <source>bicubic</source>
        <translation>双三次插值</translation>
    </message>
    <message>
        <source>bilinear</source>
        <translation>双线性插值</translation>
    </message>
    <message>
        <source>Measure again</source>
        <translation>重新测量</translation>
    </message>
    <message>
        <source>Measure its speed on this machine</source>
        <translation>在本机上测量它的速度</translation>
    </message>
    <message>
        <source>Timing a few training batches on this machine…</source>
        <translation>正在本机上计时几个训练批次…</translation>
    </message>
    <message>
        <source>Waiting to be timed on this machine…</source>
        <translation>等待在本机上计时…</translation>
    </message>
    <message>
        <source>On this machine: %1.</source>
        <translation>在本机上：%1。</translation>
    </message>
    <message>
        <source>Training speed on this machine: not measured yet.</source>
        <translation>在本机上的训练速度：尚未测量。</translation>
    </message>
    <message>
        <source>Compare all models…</source>
        <translation>比较所有模型…</translation>
    </message>
</context>
<context>
    <name>ft::ui::ModelCards</name>
    <message>
        <source>Residual connections let very deep networks train.</source>
        <translation>残差连接让很深的网络也能训练。</translation>
    </message>
    <message>
        <source>Bottleneck blocks (1x1, 3x3, 1x1) make a deeper ResNet affordable.</source>
        <translation>瓶颈块（1x1、3x3、1x1）让更深的 ResNet 算得起。</translation>
    </message>
    <message>
        <source>The same bottlenecks, 101 layers deep: more accuracy for twice ResNet-50&apos;s cost.</source>
        <translation>同样的瓶颈块，深达 101 层：以 ResNet-50 两倍的计算量换来更高的准确率。</translation>
    </message>
    <message>
        <source>ReLU, dropout and GPU training: the network that started deep learning&apos;s ImageNet era.</source>
        <translation>ReLU、dropout 与 GPU 训练：开启深度学习 ImageNet 时代的网络。</translation>
    </message>
    <message>
        <source>Depth from stacks of small 3x3 convolutions, one simple pattern throughout.</source>
        <translation>以层层堆叠的 3x3 小卷积获得深度，全网只用一种简单的模式。</translation>
    </message>
    <message>
        <source>VGG-16 with batch normalisation after every convolution: trains faster and more stably.</source>
        <translation>每个卷积后都加批归一化的 VGG-16：训练更快、更稳定。</translation>
    </message>
    <message>
        <source>Inverted residuals on depthwise-separable convolutions: accuracy at a phone&apos;s budget.</source>
        <translation>基于深度可分离卷积的倒残差结构：以手机的算力预算取得准确率。</translation>
    </message>
    <message>
        <source>Found by architecture search, with squeeze-and-excitation and hard-swish: the smallest here.</source>
        <translation>由神经架构搜索得到，带有挤压-激励模块和 hard-swish：这里最小的模型。</translation>
    </message>
    <message>
        <source>Found by architecture search, with squeeze-and-excitation and hard-swish.</source>
        <translation>由神经架构搜索得到，带有挤压-激励模块和 hard-swish。</translation>
    </message>
    <message>
        <source>Scales depth, width and resolution together; B0 is the searched base network.</source>
        <translation>同时缩放深度、宽度和分辨率；B0 是搜索得到的基础网络。</translation>
    </message>
    <message>
        <source>ImageNet</source>
        <translation>ImageNet</translation>
    </message>
    <message>
        <source>A data set of millions of labelled photos in thousands of classes; its yearly challenge (ILSVRC, 1000 classes) became the benchmark of image recognition.</source>
        <translation>一个包含数千个类别、数百万张标注照片的数据集；它的年度挑战赛（ILSVRC，1000 类）成为图像识别的基准。</translation>
    </message>
    <message>
        <source>AlexNet</source>
        <translation>AlexNet</translation>
    </message>
    <message>
        <source>A deep convolutional network trained on two GPUs wins ILSVRC with a top-5 error of 15%, ten points ahead of the next entry. Pretrained networks become reusable starting points.</source>
        <translation>一个在两块 GPU 上训练的深度卷积网络以 15% 的 top-5 错误率赢得 ILSVRC，领先第二名十个百分点。预训练网络从此成为可复用的起点。</translation>
    </message>
    <message>
        <source>VGG</source>
        <translation>VGG</translation>
    </message>
    <message>
        <source>Depth matters: 16 and 19 layers of small 3x3 convolutions. Its features became the standard to transfer to other tasks.</source>
        <translation>深度很重要：16 层和 19 层的 3x3 小卷积。它的特征成为迁移到其他任务的标准。</translation>
    </message>
    <message>
        <source>Batch normalisation</source>
        <translation>批归一化</translation>
    </message>
    <message>
        <source>Normalising each layer&apos;s inputs over the batch makes deep networks train faster and less sensitive to their initialisation.</source>
        <translation>在批次上归一化每一层的输入，让深度网络训练更快，对初始化也不那么敏感。</translation>
    </message>
    <message>
        <source>ResNet</source>
        <translation>ResNet</translation>
    </message>
    <message>
        <source>Residual connections let 50, 101 and even 152 layers train, and win ILSVRC 2015 below human-level top-5 error. Still the default backbone for fine-tuning.</source>
        <translation>残差连接让 50、101 乃至 152 层的网络都能训练，并以低于人类水平的 top-5 错误率赢得 ILSVRC 2015。至今仍是微调的默认骨干网络。</translation>
    </message>
    <message>
        <source>MobileNetV2</source>
        <translation>MobileNetV2</translation>
    </message>
    <message>
        <source>Inverted residuals on depthwise-separable convolutions bring pretrained networks to phones.</source>
        <translation>基于深度可分离卷积的倒残差结构把预训练网络带到了手机上。</translation>
    </message>
    <message>
        <source>MobileNetV3 and EfficientNet</source>
        <translation>MobileNetV3 与 EfficientNet</translation>
    </message>
    <message>
        <source>Architectures found by automated search: MobileNetV3 for phones, EfficientNet scaling depth, width and resolution together for the best accuracy per computation.</source>
        <translation>由自动搜索得到的架构：MobileNetV3 面向手机，EfficientNet 同时缩放深度、宽度和分辨率，以求单位计算量下的最佳准确率。</translation>
    </message>
    <message>
        <source>Vision Transformer</source>
        <translation>Vision Transformer（视觉 Transformer）</translation>
    </message>
    <message>
        <source>Images as sequences of 16x16 patches fed to a Transformer: with enough pretraining data, attention alone matches convolutions.</source>
        <translation>把图像切成 16x16 图块的序列送入 Transformer：只要预训练数据足够多，仅靠注意力就能与卷积网络相当。</translation>
    </message>
    <message>
        <source>ConvNeXt</source>
        <translation>ConvNeXt</translation>
    </message>
    <message>
        <source>A ResNet modernised with the Transformers&apos; design choices: convolutions compete with them again.</source>
        <translation>用 Transformer 的设计选择把 ResNet 现代化：卷积网络再次与之一较高下。</translation>
    </message>
    <message>
        <source>Every layer reads the features of all earlier layers in its block: accuracy from few parameters.</source>
        <translation>每一层都读取所在块中之前所有层的特征：以很少的参数换来精度。</translation>
    </message>
    <message>
        <source>A ResNet restyled after the Transformers: large depthwise kernels, LayerNorm, fewer activations.</source>
        <translation>按 Transformer 的设计改造的 ResNet：大尺寸深度卷积核、LayerNorm、更少的激活函数。</translation>
    </message>
    <message>
        <source>DenseNet</source>
        <translation>DenseNet</translation>
    </message>
    <message>
        <source>Dense connections: each layer receives the feature maps of every layer before it, so features are reused rather than learnt again.</source>
        <translation>密集连接：每一层都接收它之前所有层的特征图，特征得以复用，而不必重新学习。</translation>
    </message>
    <message>
        <source>A Transformer on 16x16 patches: no convolution after the patch projection; 224-px input only.</source>
        <translation>把图像切成 16x16 的图块交给 Transformer：图块投影之后不再有卷积；只接受 224 像素的输入。</translation>
    </message>
</context>
<context>
    <name>ft::ui::ModelExportPanel</name>
    <message>
        <source>Export model…</source>
        <translation>导出模型…</translation>
    </message>
    <message>
        <source>Save the model as a LibTorch archive (.pt), torchvision weights (.pth), safetensors or ONNX (.onnx), with its metadata; the export is reloaded and checked</source>
        <translation>将模型保存为 LibTorch 存档（.pt）、torchvision 权重（.pth）、safetensors 或 ONNX（.onnx），并附带元数据；导出后会重新载入并校验</translation>
    </message>
    <message>
        <source>LibTorch model (*.pt)</source>
        <translation>LibTorch 模型 (*.pt)</translation>
    </message>
    <message>
        <source>torchvision weights for PyTorch (*.pth)</source>
        <translation>PyTorch 可用的 torchvision 权重 (*.pth)</translation>
    </message>
    <message>
        <source>safetensors weights (*.safetensors)</source>
        <translation>safetensors 权重 (*.safetensors)</translation>
    </message>
    <message>
        <source>ONNX model (*.onnx)</source>
        <translation>ONNX 模型 (*.onnx)</translation>
    </message>
    <message>
        <source>Export model</source>
        <translation>导出模型</translation>
    </message>
    <message>
        <source>There is no run to export yet.</source>
        <translation>还没有可导出的训练运行。</translation>
    </message>
    <message>
        <source>Exporting the %1 checkpoint to %2…</source>
        <translation>正在将%1检查点导出到 %2…</translation>
    </message>
    <message>
        <source>last</source>
        <translation>最后</translation>
    </message>
    <message>
        <source>best</source>
        <translation>最佳</translation>
    </message>
    <message>
        <source>Exported: %1</source>
        <translation>已导出：%1</translation>
    </message>
</context>
<context>
    <name>ft::ui::ModelGalleryDialog</name>
    <message>
        <source>could not be measured: %1</source>
        <translation>无法测量：%1</translation>
    </message>
    <message>
        <source>frozen %1 img/s, unfrozen %2 img/s at %3 px, batch %4 (%5)</source>
        <translation>冻结 %1 张/秒，解冻 %2 张/秒（%3 像素，批大小 %4，%5）</translation>
    </message>
    <message>
        <source>; other programs were busy, so it may be faster</source>
        <translation>；测量时其他程序占用了处理器，实际可能更快</translation>
    </message>
    <message>
        <source>Model gallery</source>
        <translation>模型库</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Year</source>
        <translation>年份</translation>
    </message>
    <message>
        <source>Parameters (M)</source>
        <translation>参数量（百万）</translation>
    </message>
    <message>
        <source>GMACs at 224 px</source>
        <translation>224 像素时的 GMACs</translation>
    </message>
    <message>
        <source>ImageNet top-1 %</source>
        <translation>ImageNet top-1 %</translation>
    </message>
    <message>
        <source>Weights (MB)</source>
        <translation>权重（MB）</translation>
    </message>
    <message>
        <source>Frozen img/s</source>
        <translation>冻结 张/秒</translation>
    </message>
    <message>
        <source>Unfrozen img/s</source>
        <translation>解冻 张/秒</translation>
    </message>
    <message>
        <source>Measure speed on this machine</source>
        <translation>在本机上测量速度</translation>
    </message>
    <message>
        <source>Times a few real training batches of each model with your data and input size.</source>
        <translation>用你的数据和输入尺寸，为每个模型计时几个真实的训练批次。</translation>
    </message>
    <message>
        <source>Stop measuring</source>
        <translation>停止测量</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <source>measuring…</source>
        <translation>测量中…</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Timing a few training batches of %1 (%2 more waiting)…</source>
        <translation>正在计时 %1 的几个训练批次（还有 %2 个在等待）…</translation>
    </message>
    <message>
        <source>Speeds are training images per second on this machine, with your data, input size and batch size, backbone frozen and unfrozen.</source>
        <translation>速度是本机上每秒训练的图像数，使用你的数据、输入尺寸和批大小，分别在骨干网络冻结和解冻时测得。</translation>
    </message>
</context>
<context>
    <name>ft::ui::ModelHistoryDialog</name>
    <message>
        <source>History of image pretrained models</source>
        <translation>图像预训练模型的历史</translation>
    </message>
</context>
<context>
    <name>ft::ui::ModelPage</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Counting parameters…</source>
        <translation>正在统计参数…</translation>
    </message>
    <message numerus="yes">
        <source>%1 with %n classes: %2 parameters in total; %3 of them (the new head) train while the backbone is frozen.</source>
        <translation>
            <numerusform>%1，%n 个类别：共 %2 个参数；冻结主干网络时只训练其中的 %3 个（新的分类头）。</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose starting weights</source>
        <translation>选择初始权重</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Architecture:</source>
        <translation>网络结构：</translation>
    </message>
    <message>
        <source>Starting weights:</source>
        <translation>初始权重：</translation>
    </message>
    <message>
        <source>None (random initialisation)</source>
        <translation>无（随机初始化）</translation>
    </message>
    <message>
        <source>Weights file:</source>
        <translation>权重文件：</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Input size:</source>
        <translation>输入尺寸：</translation>
    </message>
    <message>
        <source>Normalisation:</source>
        <translation>归一化：</translation>
    </message>
    <message>
        <source>ImageNet mean and standard deviation</source>
        <translation>ImageNet 的均值和标准差</translation>
    </message>
    <message>
        <source>Measured on this data set</source>
        <translation>在本数据集上统计</translation>
    </message>
    <message>
        <source>Images are resized to this square size. 32 suits the built-in Fashion-MNIST (28×28) and CIFAR-10; ImageNet weights want 224.</source>
        <translation>图像会缩放为此边长的正方形。32 适合内置的 Fashion-MNIST（28×28）和 CIFAR-10；ImageNet 权重需要 224。</translation>
    </message>
    <message>
        <source>Weights (*.pt *.pth *.safetensors);;All files (*)</source>
        <translation>权重文件 (*.pt *.pth *.safetensors);;所有文件 (*)</translation>
    </message>
    <message>
        <source>ImageNet (torchvision&apos;s pretrained weights, downloaded on first use)</source>
        <translation>ImageNet（torchvision 的预训练权重，首次使用时下载）</translation>
    </message>
    <message>
        <source>A previous run&apos;s export (.pt), or a .pth / .safetensors state dict</source>
        <translation>之前训练导出的模型（.pt），或 .pth / .safetensors 状态字典</translation>
    </message>
    <message>
        <source>Starting weights carry what a network has already learned; the head is replaced when the class count differs.</source>
        <translation>初始权重带有网络已学到的知识；若类别数不同，分类头会被替换。</translation>
    </message>
    <message>
        <source>ImageNet weights were trained on 224×224 images: a smaller input trains faster but keeps less of what they learned.</source>
        <translation>ImageNet 权重是在 224×224 的图像上训练的：较小的输入训练更快，但保留的已学知识更少。</translation>
    </message>
    <message>
        <source>Input size changed to %1 px: the size these weights were trained at (set it by hand to keep another).</source>
        <translation>输入尺寸已改为 %1 像素：这些权重训练时的尺寸（如需其他尺寸，请手动设置）。</translation>
    </message>
    <message>
        <source>Input size back to %1 px, as before ImageNet weights were chosen.</source>
        <translation>输入尺寸已恢复为 %1 像素，即选择 ImageNet 权重之前的尺寸。</translation>
    </message>
    <message>
        <source>The last fully connected layer (%1) is replaced by a new head with one output per class of your data set.</source>
        <translation>最后的全连接层（%1）会被替换为新的输出头，数据集的每个类别对应一个输出。</translation>
    </message>
    <message>
        <source>%1 cuts images into %2×%2 patches: the input size is a multiple of %2 px (ImageNet weights were trained at 224 px; at another size their position embedding is resampled).</source>
        <translation>%1 把图像切成 %2×%2 的图块：输入尺寸须为 %2 像素的倍数（ImageNet 权重在 224 像素下训练；换成其他尺寸时会重新采样其位置嵌入）。</translation>
    </message>
    <message>
        <source>Resize:</source>
        <translation>缩放方式：</translation>
    </message>
    <message>
        <source>Automatic (as the weights when they are ImageNet&apos;s)</source>
        <translation>自动（使用 ImageNet 权重时按权重的方式）</translation>
    </message>
    <message>
        <source>Stretch the whole image to the input size</source>
        <translation>将整张图像拉伸到输入尺寸</translation>
    </message>
    <message>
        <source>As the weights were trained: shorter side, then centre crop</source>
        <translation>按权重训练时的方式：先缩放短边，再中心裁剪</translation>
    </message>
    <message>
        <source>torchvision prepares images for its ImageNet weights by resizing the shorter side (for most, to 256 px for a 224-px input) and cropping the centre; training crops at random. Stretching keeps the whole image, as small data sets like Fashion-MNIST want.</source>
        <translation>torchvision 为其 ImageNet 权重准备图像时，先缩放短边（多数模型在 224 像素输入时缩放到 256 像素），再裁剪中心区域；训练时随机裁剪。拉伸则保留整张图像，适合 Fashion-MNIST 这类小型数据集。</translation>
    </message>
</context>
<context>
    <name>ft::ui::ResultsPage</name>
    <message>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <source>Phase</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Train loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>Train acc.</source>
        <translation>训练准确率</translation>
    </message>
    <message>
        <source>Val. loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <source>Val. acc.</source>
        <translation>验证准确率</translation>
    </message>
    <message>
        <source>Seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>Images/s</source>
        <translation>图像/秒</translation>
    </message>
    <message>
        <source>Learning rate (head / backbone)</source>
        <translation>学习率（分类头 / 主干网络）</translation>
    </message>
    <message>
        <source>&amp;Checkpoint:</source>
        <translation>检查点(&amp;C)：</translation>
    </message>
    <message>
        <source>Best validation accuracy</source>
        <translation>最佳验证准确率</translation>
    </message>
    <message>
        <source>Last epoch</source>
        <translation>最后一轮</translation>
    </message>
    <message>
        <source>No epoch was completed.</source>
        <translation>没有完成任何一轮。</translation>
    </message>
    <message>
        <source>Run folder: %1</source>
        <translation>运行目录：%1</translation>
    </message>
    <message>
        <source>frozen</source>
        <translation>冻结</translation>
    </message>
    <message>
        <source>unfrozen</source>
        <translation>解冻</translation>
    </message>
    <message>
        <source>1 epoch</source>
        <translation>1 轮</translation>
    </message>
    <message>
        <source>%1 epochs</source>
        <translation>%1 轮</translation>
    </message>
    <message>
        <source>Completed: %1 trained.</source>
        <translation>已完成：共训练 %1。</translation>
    </message>
    <message>
        <source>Stopped after %1; File &gt; Open run… resumes the run from its checkpoint.</source>
        <translation>训练 %1 后停止；可通过“文件 &gt; 打开训练运行…”从检查点继续。</translation>
    </message>
    <message>
        <source>Failed after %1.</source>
        <translation>训练 %1 后失败。</translation>
    </message>
    <message>
        <source>Failed after %1: %2</source>
        <translation>训练 %1 后失败：%2</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>Evaluate the checkpoint on the validation set</source>
        <translation>在验证集上评估该检查点</translation>
    </message>
    <message>
        <source>%v of %m images</source>
        <translation>%v / %m 张图像</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>概要</translation>
    </message>
    <message>
        <source>Confusion matrix</source>
        <translation>混淆矩阵</translation>
    </message>
    <message>
        <source>Per class</source>
        <translation>各类别</translation>
    </message>
    <message>
        <source>Misclassified</source>
        <translation>误分类</translation>
    </message>
    <message>
        <source>Try it</source>
        <translation>试一试</translation>
    </message>
    <message>
        <source>Click a cell to see its images.</source>
        <translation>点击一个单元格以查看其中的图像。</translation>
    </message>
    <message>
        <source>No validation image was misclassified.</source>
        <translation>没有验证图像被误分类。</translation>
    </message>
    <message>
        <source>Evaluating the checkpoint on the validation set…</source>
        <translation>正在验证集上评估检查点…</translation>
    </message>
    <message>
        <source>Loading the evaluation…</source>
        <translation>正在载入评估结果…</translation>
    </message>
    <message>
        <source>Evaluation cancelled; Evaluate starts it again.</source>
        <translation>评估已取消；点击“评估”可重新开始。</translation>
    </message>
    <message>
        <source>1 image</source>
        <translation>1 张图像</translation>
    </message>
    <message>
        <source>%1 images</source>
        <translation>%1 张图像</translation>
    </message>
    <message>
        <source>1 validation image</source>
        <translation>1 张验证图像</translation>
    </message>
    <message>
        <source>%1 validation images</source>
        <translation>%1 张验证图像</translation>
    </message>
    <message>
        <source>%1 recognised correctly: %2, most confident first.</source>
        <translation>%1 被正确识别：%2，按置信度从高到低排列。</translation>
    </message>
    <message>
        <source>%1 predicted as %2: %3, most confident first.</source>
        <translation>%1 被预测为 %2：%3，按置信度从高到低排列。</translation>
    </message>
    <message>
        <source>1 misclassified validation image: true class → predicted class (confidence).</source>
        <translation>1 张被误分类的验证图像：真实类别 → 预测类别（置信度）。</translation>
    </message>
    <message>
        <source>%1 misclassified validation images, most confident mistakes first: true class → predicted class (confidence).</source>
        <translation>%1 张被误分类的验证图像，置信度最高的错误排在最前：真实类别 → 预测类别（置信度）。</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>Best checkpoint (epoch %1): top-1 accuracy %2 on %3, in %4.</source>
        <translation>最佳检查点（第 %1 轮）：在 %3上的 Top-1 准确率为 %2（%4）。</translation>
    </message>
    <message>
        <source>Last checkpoint (epoch %1): top-1 accuracy %2 on %3, in %4.</source>
        <translation>最后检查点（第 %1 轮）：在 %3上的 Top-1 准确率为 %2（%4）。</translation>
    </message>
    <message>
        <source>Best validation accuracy: %1 (epoch %2, %3)</source>
        <translation>最佳验证准确率：%1（第 %2 轮，%3）</translation>
    </message>
    <message>
        <source>Final validation accuracy: %1 (%2)</source>
        <translation>最终验证准确率：%1（%2）</translation>
    </message>
</context>
<context>
    <name>ft::ui::ReviewPage</name>
    <message>
        <source>Review</source>
        <translation>确认</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
    <message>
        <source>Measuring a few real batches of this configuration…</source>
        <translation>正在用此配置实际运行几个批次进行测量…</translation>
    </message>
    <message>
        <source>The estimate failed: %1</source>
        <translation>估算失败：%1</translation>
    </message>
    <message>
        <source>Not measured yet.</source>
        <translation>尚未测量。</translation>
    </message>
    <message>
        <source>about %1 per frozen epoch</source>
        <translation>冻结阶段每轮约 %1</translation>
    </message>
    <message>
        <source>about %1 per unfrozen epoch</source>
        <translation>解冻阶段每轮约 %1</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>This configuration cannot start: %1</source>
        <translation>此配置无法开始训练：%1</translation>
    </message>
    <message>
        <source>the folder %1</source>
        <translation>文件夹 %1</translation>
    </message>
    <message>
        <source>%1 % of the training images, stratified by class</source>
        <translation>按类别分层划分的 %1% 训练图像</translation>
    </message>
    <message>
        <source>the data set&apos;s own test split</source>
        <translation>数据集自带的测试集</translation>
    </message>
    <message>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>%1 training images, %2 validation images</source>
        <translation>训练图像：%1，验证图像：%2</translation>
    </message>
    <message>
        <source>random initialisation</source>
        <translation>随机初始化</translation>
    </message>
    <message>
        <source>weights from %1</source>
        <translation>权重来自 %1</translation>
    </message>
    <message>
        <source> (BatchNorm held)</source>
        <translation>（保持 BatchNorm 统计量）</translation>
    </message>
    <message>
        <source>head %1 while frozen; after unfreezing head %2, backbone %3</source>
        <translation>冻结时分类头 %1；解冻后分类头 %2，主干网络 %3</translation>
    </message>
    <message>
        <source>, weight decay %1</source>
        <translation>，权重衰减 %1</translation>
    </message>
    <message>
        <source>, momentum %1</source>
        <translation>，动量 %1</translation>
    </message>
    <message>
        <source> (Nesterov)</source>
        <translation>（Nesterov）</translation>
    </message>
    <message>
        <source>reduce on plateau (factor %1, patience %2 epochs)</source>
        <translation>平台期降低（系数 %1，耐心 %2 轮）</translation>
    </message>
    <message>
        <source>cosine annealing (%1 warm-up epochs, minimum %2)</source>
        <translation>余弦退火（预热 %1 轮，最小值 %2）</translation>
    </message>
    <message>
        <source>step decay (×%1 every %2 epochs)</source>
        <translation>阶梯衰减（每 %2 轮 ×%1）</translation>
    </message>
    <message>
        <source>constant</source>
        <translation>恒定</translation>
    </message>
    <message>
        <source>random crop with %1 px padding</source>
        <translation>随机裁剪（填充 %1 像素）</translation>
    </message>
    <message>
        <source>horizontal flip</source>
        <translation>水平翻转</translation>
    </message>
    <message>
        <source>%1 per batch (evaluation %2); augmentation: %3</source>
        <translation>每批 %1 张（评估时 %2 张）；数据增强：%3</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message numerus="yes">
        <source>CPU, %n threads</source>
        <translation>
            <numerusform>CPU，%n 个线程</numerusform>
        </translation>
    </message>
    <message>
        <source>%1/&lt;date&gt;-%2</source>
        <translation>%1/&lt;日期&gt;-%2</translation>
    </message>
    <message>
        <source>Data set</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Validation</source>
        <translation>验证</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>训练计划</translation>
    </message>
    <message>
        <source>Learning rates</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>Rate schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>Batches</source>
        <translation>批次</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Run folder</source>
        <translation>运行目录</translation>
    </message>
    <message>
        <source>Choose where runs are saved</source>
        <translation>选择训练运行的保存位置</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>训练运行</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>Estimated time</source>
        <translation>预计用时</translation>
    </message>
    <message>
        <source>Run name:</source>
        <translation>运行名称：</translation>
    </message>
    <message>
        <source>Save runs in:</source>
        <translation>保存位置：</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Measure again</source>
        <translation>重新测量</translation>
    </message>
    <message>
        <source>normalisation measured on the data set</source>
        <translation>按本数据集统计值归一化</translation>
    </message>
    <message>
        <source>ImageNet normalisation</source>
        <translation>ImageNet 归一化</translation>
    </message>
    <message>
        <source>torchvision&apos;s ImageNet weights (%1)</source>
        <translation>torchvision 的 ImageNet 权重（%1）</translation>
    </message>
    <message>
        <source>IDX files</source>
        <translation>IDX 文件</translation>
    </message>
    <message>
        <source>CIFAR-10 binary</source>
        <translation>CIFAR-10 二进制</translation>
    </message>
    <message>
        <source>image folder</source>
        <translation>图像文件夹</translation>
    </message>
    <message>
        <source>format detected automatically</source>
        <translation>自动检测格式</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>1 epoch</source>
        <translation>1 轮</translation>
    </message>
    <message>
        <source>%1 epochs</source>
        <translation>%1 轮</translation>
    </message>
    <message>
        <source>%1, never frozen</source>
        <translation>共 %1，不冻结主干网络</translation>
    </message>
    <message>
        <source>%1, all with the backbone frozen (only the new head trains)</source>
        <translation>共 %1，全程冻结主干网络（只训练新的分类头）</translation>
    </message>
    <message>
        <source>%1: %2 with the backbone frozen (only the new head trains), then %3 with the whole network</source>
        <translation>共 %1：前 %2 轮冻结主干网络（只训练新的分类头），之后 %3 轮训练整个网络</translation>
    </message>
    <message>
        <source>; the frozen backbone&apos;s outputs computed once</source>
        <translation>；冻结骨干网络的输出只计算一次</translation>
    </message>
    <message>
        <source>Measured while other programs kept about %1 cores busy: the real run may be faster.</source>
        <translation>测量时其他程序占用了约 %1 个 CPU 核心：实际训练可能会更快。</translation>
    </message>
    <message numerus="yes">
        <source>Time per epoch, measured on %n real batches in %3: %1. The whole run: about %2.</source>
        <translation>
            <numerusform>每轮用时（以 %3 在 %n 个实际批次上测量）：%1。整个训练约需 %2。</numerusform>
        </translation>
    </message>
    <message>
        <source>float32</source>
        <translation>float32</translation>
    </message>
    <message>
        <source>%1 mixed precision (weights and checkpoints float32)</source>
        <translation>%1 混合精度（权重和检查点为 float32）</translation>
    </message>
    <message>
        <source>; validation in %1</source>
        <translation>；验证使用 %1</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>; BatchNorm never recalibrated</source>
        <translation>；BatchNorm 从不重新校准</translation>
    </message>
    <message>
        <source>; BatchNorm statistics re-estimated from %1 training images before each validation</source>
        <translation>；每次验证前用 %1 张训练图像重新估计 BatchNorm 统计量</translation>
    </message>
    <message>
        <source>shorter side resized to %1 px (%2), then a %3-px crop</source>
        <translation>短边缩放到 %1 像素（%2），再裁剪 %3 像素</translation>
    </message>
    <message>
        <source>bicubic</source>
        <translation>双三次插值</translation>
    </message>
    <message>
        <source>bilinear</source>
        <translation>双线性插值</translation>
    </message>
    <message>
        <source>whole image stretched to it</source>
        <translation>整张图像拉伸到该尺寸</translation>
    </message>
    <message>
        <source>%1, %2; input %3×%3 px (%5), %4</source>
        <translation>%1，%2；输入 %3×%3 像素（%5），%4</translation>
    </message>
</context>
<context>
    <name>ft::ui::StudioWizard</name>
    <message>
        <source>Opened a run: %1 of %2 epochs done.</source>
        <translation>已打开训练运行：已完成 %1 / %2 轮。</translation>
    </message>
    <message>
        <source>Training failed: %1</source>
        <translation>训练失败：%1</translation>
    </message>
    <message>
        <source>Training stopped; the checkpoint is kept, File &gt; Open run… resumes it.</source>
        <translation>训练已停止；检查点已保留，可通过“文件 &gt; 打开训练运行…”继续。</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Start training</source>
        <translation>开始训练</translation>
    </message>
    <message>
        <source>Show results</source>
        <translation>查看结果</translation>
    </message>
    <message>
        <source>New run</source>
        <translation>新的训练</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>上一步</translation>
    </message>
    <message>
        <source>Training run</source>
        <translation>训练过程</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Go to this step</source>
        <translation>转到此步骤</translation>
    </message>
</context>
<context>
    <name>ft::ui::ThumbnailGalleryModel</name>
    <message>
        <source>Validation image %1
True class: %2 (probability %3%)
Predicted: %4 (%5%)</source>
        <translation>验证图像 %1
真实类别：%2（概率 %3%）
预测：%4（%5%）</translation>
    </message>
    <message>
        <source>%1 → %2
(%3%)</source>
        <translation>%1 → %2
(%3%)</translation>
    </message>
</context>
<context>
    <name>ft::ui::TrainingController</name>
    <message>
        <source>A training is already running; stop it before starting another.</source>
        <translation>已有训练正在进行；请先停止它再开始新的训练。</translation>
    </message>
    <message>
        <source>stopped before the run began</source>
        <translation>在训练开始前已停止</translation>
    </message>
</context>
<context>
    <name>ft::ui::TrainingPage</name>
    <message>
        <source>Training</source>
        <translation>训练设置</translation>
    </message>
    <message>
        <source>Freeze schedule</source>
        <translation>冻结计划</translation>
    </message>
    <message>
        <source>Epochs:</source>
        <translation>训练轮数：</translation>
    </message>
    <message>
        <source>Frozen epochs:</source>
        <translation>冻结轮数：</translation>
    </message>
    <message>
        <source>Freezing trains only the new head for the first epochs, keeping the pretrained features; then the whole network is fine-tuned.</source>
        <translation>冻结：前几轮只训练新的分类头，保留预训练的特征；之后再微调整个网络。</translation>
    </message>
    <message>
        <source>Hold BatchNorm statistics while frozen</source>
        <translation>冻结期间保持 BatchNorm 统计量不变</translation>
    </message>
    <message>
        <source>Learning rates</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Head (while frozen):</source>
        <translation>分类头（冻结时）：</translation>
    </message>
    <message>
        <source>Head after unfreezing:</source>
        <translation>解冻后的分类头：</translation>
    </message>
    <message>
        <source>Backbone after unfreezing:</source>
        <translation>解冻后的主干网络：</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>Optimizer:</source>
        <translation>优化器：</translation>
    </message>
    <message>
        <source>Weight decay:</source>
        <translation>权重衰减：</translation>
    </message>
    <message>
        <source>Momentum:</source>
        <translation>动量：</translation>
    </message>
    <message>
        <source>Nesterov momentum</source>
        <translation>Nesterov 动量</translation>
    </message>
    <message>
        <source>Learning-rate schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>Schedule:</source>
        <translation>调度方式：</translation>
    </message>
    <message>
        <source>Cosine annealing</source>
        <translation>余弦退火</translation>
    </message>
    <message>
        <source>Step decay</source>
        <translation>阶梯衰减</translation>
    </message>
    <message>
        <source>Reduction factor:</source>
        <translation>降低系数：</translation>
    </message>
    <message>
        <source>Patience (epochs):</source>
        <translation>耐心（轮）：</translation>
    </message>
    <message>
        <source>Warm-up epochs:</source>
        <translation>预热轮数：</translation>
    </message>
    <message>
        <source>Minimum rate:</source>
        <translation>最小学习率：</translation>
    </message>
    <message>
        <source>Decay every (epochs):</source>
        <translation>衰减间隔（轮）：</translation>
    </message>
    <message>
        <source>Decay factor:</source>
        <translation>衰减系数：</translation>
    </message>
    <message>
        <source>Batches and augmentation</source>
        <translation>批次与数据增强</translation>
    </message>
    <message>
        <source>Batch size:</source>
        <translation>批大小：</translation>
    </message>
    <message>
        <source>Evaluation batch size:</source>
        <translation>评估批大小：</translation>
    </message>
    <message>
        <source>Data loader threads:</source>
        <translation>数据加载线程：</translation>
    </message>
    <message>
        <source>Random crop padding:</source>
        <translation>随机裁剪填充：</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Random horizontal flip</source>
        <translation>随机水平翻转</translation>
    </message>
    <message>
        <source>Random seed:</source>
        <translation>随机种子：</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Train on:</source>
        <translation>训练设备：</translation>
    </message>
    <message>
        <source>CPU threads:</source>
        <translation>CPU 线程数：</translation>
    </message>
    <message>
        <source>this LibTorch has no CUDA support (the Debian package is CPU-only); a build against an official CUDA LibTorch can train on a GPU.</source>
        <translation>此 LibTorch 不支持 CUDA（Debian 软件包仅支持 CPU）；基于官方 CUDA 版 LibTorch 构建后即可使用 GPU 训练。</translation>
    </message>
    <message>
        <source>LibTorch supports CUDA but found no GPU; check the NVIDIA driver (nvidia-smi).</source>
        <translation>LibTorch 支持 CUDA，但未找到 GPU；请检查 NVIDIA 驱动（nvidia-smi）。</translation>
    </message>
    <message>
        <source>No GPU: %1</source>
        <translation>无 GPU：%1</translation>
    </message>
    <message>
        <source>Reduce on plateau</source>
        <translation>平台期降低</translation>
    </message>
    <message>
        <source>Multiply the rates by the reduction factor when the validation loss has not improved for more epochs than the patience</source>
        <translation>验证损失未改善的轮数超过耐心值时，将学习率乘以降低系数</translation>
    </message>
    <message>
        <source>Lower the rates along a half cosine to the minimum rate at the end of the run, after an optional linear warm-up</source>
        <translation>在可选的线性预热之后，学习率沿半个余弦曲线下降，训练结束时降至最小学习率</translation>
    </message>
    <message>
        <source>Multiply the rates by the decay factor every few epochs</source>
        <translation>每隔若干轮将学习率乘以衰减系数</translation>
    </message>
    <message>
        <source>Constant</source>
        <translation>恒定</translation>
    </message>
    <message>
        <source>Keep the learning rates as set, without any decay</source>
        <translation>学习率保持设定值，不做任何衰减</translation>
    </message>
    <message>
        <source>Compute the frozen backbone&apos;s outputs once</source>
        <translation>只计算一次冻结骨干网络的输出</translation>
    </message>
    <message>
        <source>Frozen epochs after the first then train only the head, many times faster. Needs BatchNorm held; frozen epochs see the images without augmentation.</source>
        <translation>此后的冻结轮次只训练分类头，速度快许多倍。需要保持 BatchNorm 统计量不变；冻结轮次使用未做数据增强的图像。</translation>
    </message>
    <message>
        <source>float32</source>
        <translation>float32</translation>
    </message>
    <message>
        <source>bfloat16</source>
        <translation>bfloat16</translation>
    </message>
    <message>
        <source>float16</source>
        <translation>float16</translation>
    </message>
    <message>
        <source>Auto (%1)</source>
        <translation>自动（%1）</translation>
    </message>
    <message>
        <source>Every operation in float32: the reference, and the slowest.</source>
        <translation>所有运算都用 float32：作为基准，也最慢。</translation>
    </message>
    <message>
        <source>Mixed precision for NVIDIA GPUs, with dynamic loss scaling; weights and checkpoints stay float32.</source>
        <translation>面向 NVIDIA GPU 的混合精度，带动态损失缩放；权重和检查点保持 float32。</translation>
    </message>
    <message>
        <source>This CPU has no native bfloat16: it would be emulated, slower than float32.</source>
        <translation>此 CPU 没有原生 bfloat16：只能模拟运行，比 float32 更慢。</translation>
    </message>
    <message>
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <source>AMX</source>
        <translation>AMX</translation>
    </message>
    <message>
        <source>AVX512-BF16</source>
        <translation>AVX512-BF16</translation>
    </message>
    <message>
        <source>no native bfloat16</source>
        <translation>无原生 bfloat16</translation>
    </message>
    <message numerus="yes">
        <source>CPU (%n cores, %1)</source>
        <translation>
            <numerusform>CPU（%n 核，%1）</numerusform>
        </translation>
    </message>
    <message>
        <source>Precision:</source>
        <translation>精度：</translation>
    </message>
    <message>
        <source>float16 (GPU)</source>
        <translation>float16（GPU）</translation>
    </message>
    <message>
        <source>The arithmetic of training in every phase. bfloat16 is mixed precision for CPUs with AMX or AVX512-BF16 (several times faster with AMX), float16 for NVIDIA GPUs. Auto picks what this machine runs fastest.</source>
        <translation>各阶段训练所用的数值精度。bfloat16 是面向支持 AMX 或 AVX512-BF16 的 CPU 的混合精度（有 AMX 时快数倍），float16 面向 NVIDIA GPU。“自动”选择本机运行最快的精度。</translation>
    </message>
    <message>
        <source>Validate in float32</source>
        <translation>以 float32 验证</translation>
    </message>
    <message>
        <source>Validation passes run in the training precision unless checked; every accuracy shown says which precision produced it.</source>
        <translation>未勾选时，验证以训练精度运行；显示的每个准确率都注明其所用的精度。</translation>
    </message>
    <message>
        <source>Mixed precision: convolutions run in bfloat16 (%1), weights and checkpoints stay float32; accuracy close to float32&apos;s.</source>
        <translation>混合精度：卷积以 bfloat16 运行（%1），权重和检查点保持 float32；准确率与 float32 接近。</translation>
    </message>
    <message>
        <source>Automatic (MobileNetV3: from 512 images)</source>
        <translation>自动（MobileNetV3：用 512 张图像）</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>从不</translation>
    </message>
    <message>
        <source>From %1 training images</source>
        <translation>用 %1 张训练图像</translation>
    </message>
    <message>
        <source>Recalibrate BatchNorm:</source>
        <translation>重新校准 BatchNorm：</translation>
    </message>
    <message>
        <source>Before each validation, re-estimate the BatchNorm statistics from training images with the weights as they are now. Models with a slow BatchNorm momentum (MobileNetV3) otherwise validate with statistics of older weights after a short fine-tune.</source>
        <translation>每次验证前，用训练图像按当前的权重重新估计 BatchNorm 统计量。否则 BatchNorm 动量较小的模型（MobileNetV3）在短时间微调后，会用旧权重的统计量来验证。</translation>
    </message>
</context>
<context>
    <name>ft::ui::TryItPanel</name>
    <message>
        <source>Open images…</source>
        <translation>打开图像…</translation>
    </message>
    <message>
        <source>or drop image files here: each is shown with its five most likely classes.</source>
        <translation>或将图像文件拖放到这里：每张图像都会显示其最可能的五个类别。</translation>
    </message>
    <message>
        <source>last epoch</source>
        <translation>最后一轮</translation>
    </message>
    <message>
        <source>best</source>
        <translation>最佳</translation>
    </message>
    <message>
        <source>Open images</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff);;All files (*)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff);;所有文件 (*)</translation>
    </message>
    <message>
        <source>There is no trained model to try yet.</source>
        <translation>还没有可试用的训练模型。</translation>
    </message>
    <message>
        <source>no preview</source>
        <translation>无预览</translation>
    </message>
    <message>
        <source>1 image</source>
        <translation>1 张图像</translation>
    </message>
    <message>
        <source>%1 images</source>
        <translation>%1 张图像</translation>
    </message>
    <message>
        <source>Predicting %1 with the %2 checkpoint…</source>
        <translation>正在用%2检查点预测 %1…</translation>
    </message>
    <message>
        <source>%1 predicted with the %2 checkpoint.</source>
        <translation>已用%2检查点预测 %1。</translation>
    </message>
    <message>
        <source>%1 predicted; %2 could not be read.</source>
        <translation>已预测 %1；%2 个文件无法读取。</translation>
    </message>
</context>
<context>
    <name>ft::ui::WeightsDownloadPanel</name>
    <message>
        <source>Download now</source>
        <translation>立即下载</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>%1 of %2 (%3%)</source>
        <translation>%1 / %2（%3%）</translation>
    </message>
    <message>
        <source>Downloading %1 into %2…</source>
        <translation>正在下载 %1 到 %2…</translation>
    </message>
    <message>
        <source>Looking for %1 on this machine…</source>
        <translation>正在本机查找 %1…</translation>
    </message>
    <message>
        <source>%1 is already on this machine (%2): nothing to download.</source>
        <translation>%1 已在本机（%2），无需下载。</translation>
    </message>
    <message>
        <source>%1 was downloaded and verified: %2</source>
        <translation>%1 已下载并通过校验：%2</translation>
    </message>
    <message>
        <source>%1 (%2) is not on this machine yet: it will be downloaded from %3 when training starts, or now.</source>
        <translation>本机还没有 %1（%2）：开始训练时会从 %3 下载，也可以现在下载。</translation>
    </message>
    <message>
        <source>%1 is not on this machine yet: it will be downloaded from %2 when training starts, or now.</source>
        <translation>本机还没有 %1：开始训练时会从 %2 下载，也可以现在下载。</translation>
    </message>
    <message>
        <source>Download cancelled; nothing was saved.</source>
        <translation>下载已取消，未保存任何文件。</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Fine-tune a pretrained image classifier.</source>
        <translation>微调预训练的图像分类器。</translation>
    </message>
    <message>
        <source>Preselect the data set in PATH.</source>
        <translation>预先选择 PATH 中的数据集。</translation>
    </message>
    <message>
        <source>Displays version information.</source>
        <translation>显示版本信息。</translation>
    </message>
</context>
</TS>
