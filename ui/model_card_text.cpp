// The English text of the engine's model cards and history (core/models/model_cards.cpp), listed
// here so that lupdate puts it in the translation; ui/model_card_view.cpp translates it with
// QCoreApplication::translate("ft::ui::ModelCards", ...). A test checks the two lists agree.
#include <QtGlobal>

namespace {

[[maybe_unused]] const char* const kModelTexts[] = {
    QT_TRANSLATE_NOOP("ft::ui::ModelCards", "Residual connections let very deep networks train."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards",
                      "Bottleneck blocks (1x1, 3x3, 1x1) make a deeper ResNet affordable."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards",
                      "The same bottlenecks, 101 layers deep: more accuracy for twice ResNet-50's cost."),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "ReLU, dropout and GPU training: the network that started deep learning's ImageNet era."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards",
                      "Depth from stacks of small 3x3 convolutions, one simple pattern throughout."),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "VGG-16 with batch normalisation after every convolution: trains faster and more stably."),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "Every layer reads the features of all earlier layers in its block: accuracy from few parameters."),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "Inverted residuals on depthwise-separable convolutions: accuracy at a phone's budget."),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "Found by architecture search, with squeeze-and-excitation and hard-swish: the smallest here."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards",
                      "Found by architecture search, with squeeze-and-excitation and hard-swish."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards",
                      "Scales depth, width and resolution together; B0 is the searched base network."),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "A ResNet restyled after the Transformers: large depthwise kernels, LayerNorm, fewer activations."),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "A Transformer on 16x16 patches: no convolution after the patch projection; 224-px input only."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards", "ImageNet"),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "A data set of millions of labelled photos in thousands of classes; its yearly challenge "
        "(ILSVRC, 1000 classes) became the benchmark of image recognition."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards", "AlexNet"),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "A deep convolutional network trained on two GPUs wins ILSVRC with a top-5 error of 15%, ten "
        "points ahead of the next entry. Pretrained networks become reusable starting points."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards", "VGG"),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "Depth matters: 16 and 19 layers of small 3x3 convolutions. Its features became the standard "
        "to transfer to other tasks."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards", "Batch normalisation"),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "Normalising each layer's inputs over the batch makes deep networks train faster and less "
        "sensitive to their initialisation."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards", "ResNet"),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards",
                      "Residual connections let 50, 101 and even 152 layers train, and win ILSVRC 2015 below "
                      "human-level top-5 error. Still the default backbone for fine-tuning."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards", "DenseNet"),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards",
                      "Dense connections: each layer receives the feature maps of every layer before it, so "
                      "features are reused rather than learnt again."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards", "MobileNetV2"),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "Inverted residuals on depthwise-separable convolutions bring pretrained networks to phones."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards", "MobileNetV3 and EfficientNet"),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "Architectures found by automated search: MobileNetV3 for phones, EfficientNet scaling depth, "
        "width and resolution together for the best accuracy per computation."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards", "Vision Transformer"),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "Images as sequences of 16x16 patches fed to a Transformer: with enough pretraining data, "
        "attention alone matches convolutions."),
    QT_TRANSLATE_NOOP("ft::ui::ModelCards", "ConvNeXt"),
    QT_TRANSLATE_NOOP(
        "ft::ui::ModelCards",
        "A ResNet modernised with the Transformers' design choices: convolutions compete with them "
        "again."),
};

}  // namespace
