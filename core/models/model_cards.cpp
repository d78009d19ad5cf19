#include "models/model_cards.h"

#include <algorithm>
#include <cctype>

#include "common/error.h"

namespace ft::models {

const std::vector<ModelCard>& modelCards() {
  // Parameters: torchvision 0.14's meta["num_params"]. GMACs: torchvision's meta["_ops"]
  // (published from 0.15 on; it counts multiply-accumulates). Both checked by the zoo tests.
  static const std::vector<ModelCard> cards = {
      {"resnet18", 2015, "Deep Residual Learning for Image Recognition", "He, Zhang, Ren, Sun",
       "Residual connections let very deep networks train.", 11689512, 1.81},
      {"resnet34", 2015, "Deep Residual Learning for Image Recognition", "He, Zhang, Ren, Sun",
       "Residual connections let very deep networks train.", 21797672, 3.66},
      {"resnet50", 2015, "Deep Residual Learning for Image Recognition", "He, Zhang, Ren, Sun",
       "Bottleneck blocks (1x1, 3x3, 1x1) make a deeper ResNet affordable.", 25557032, 4.09},
      {"resnet101", 2015, "Deep Residual Learning for Image Recognition", "He, Zhang, Ren, Sun",
       "The same bottlenecks, 101 layers deep: more accuracy for twice ResNet-50's cost.", 44549160, 7.80},
      {"alexnet", 2012, "ImageNet Classification with Deep Convolutional Neural Networks",
       "Krizhevsky, Sutskever, Hinton",
       "ReLU, dropout and GPU training: the network that started deep learning's ImageNet era.", 61100840,
       0.71},
      {"vgg16", 2014, "Very Deep Convolutional Networks for Large-Scale Image Recognition",
       "Simonyan, Zisserman", "Depth from stacks of small 3x3 convolutions, one simple pattern throughout.",
       138357544, 15.47},
      {"vgg16_bn", 2014, "Very Deep Convolutional Networks for Large-Scale Image Recognition",
       "Simonyan, Zisserman",
       "VGG-16 with batch normalisation after every convolution: trains faster and more stably.", 138365992,
       15.47},
      {"densenet121", 2016, "Densely Connected Convolutional Networks",
       "Huang, Liu, van der Maaten, Weinberger",
       "Every layer reads the features of all earlier layers in its block: accuracy from few parameters.",
       7978856, 2.83},
      {"mobilenet_v2", 2018, "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
       "Sandler, Howard, Zhu, Zhmoginov, Chen",
       "Inverted residuals on depthwise-separable convolutions: accuracy at a phone's budget.", 3504872,
       0.30},
      {"mobilenet_v3_small", 2019, "Searching for MobileNetV3",
       "Howard, Sandler, Chu, Chen, Chen, Tan et al.",
       "Found by architecture search, with squeeze-and-excitation and hard-swish: the smallest here.",
       2542856, 0.06},
      {"mobilenet_v3_large", 2019, "Searching for MobileNetV3",
       "Howard, Sandler, Chu, Chen, Chen, Tan et al.",
       "Found by architecture search, with squeeze-and-excitation and hard-swish.", 5483032, 0.22},
      {"efficientnet_b0", 2019, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
       "Tan, Le", "Scales depth, width and resolution together; B0 is the searched base network.", 5288548,
       0.39},
      {"convnext_tiny", 2022, "A ConvNet for the 2020s", "Liu, Mao, Wu, Feichtenhofer, Darrell, Xie",
       "A ResNet restyled after the Transformers: large depthwise kernels, LayerNorm, fewer activations.",
       28589128, 4.46},
      {"vit_b_16", 2020, "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
       "Dosovitskiy, Beyer, Kolesnikov, Weissenborn, Zhai et al.",
       "A Transformer on 16x16 patches: no convolution after the patch projection; 224-px input only.",
       86567656, 17.56},
  };
  return cards;
}

const ModelCard& modelCard(const std::string& architecture) {
  std::string wanted = architecture;
  std::transform(wanted.begin(), wanted.end(), wanted.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  for (const auto& card : modelCards())
    if (card.architecture == wanted) return card;
  throw UserError("no model card for the architecture \"" + architecture + "\"");
}

const std::vector<HistoryEvent>& modelHistory() {
  static const std::vector<HistoryEvent> events = {
      {2009,
       "ImageNet",
       "A data set of millions of labelled photos in thousands of classes; its yearly challenge (ILSVRC, "
       "1000 classes) became the benchmark of image recognition.",
       {}},
      {2012,
       "AlexNet",
       "A deep convolutional network trained on two GPUs wins ILSVRC with a top-5 error of 15%, ten points "
       "ahead of the next entry. Pretrained networks become reusable starting points.",
       {"alexnet"}},
      {2014,
       "VGG",
       "Depth matters: 16 and 19 layers of small 3x3 convolutions. Its features became the standard to "
       "transfer to other tasks.",
       {"vgg16"}},
      {2015,
       "Batch normalisation",
       "Normalising each layer's inputs over the batch makes deep networks train faster and less "
       "sensitive to their initialisation.",
       {"vgg16_bn"}},
      {2015,
       "ResNet",
       "Residual connections let 50, 101 and even 152 layers train, and win ILSVRC 2015 below human-level "
       "top-5 error. Still the default backbone for fine-tuning.",
       {"resnet18", "resnet34", "resnet50", "resnet101"}},
      {2016,
       "DenseNet",
       "Dense connections: each layer receives the feature maps of every layer before it, so features are "
       "reused rather than learnt again.",
       {"densenet121"}},
      {2018,
       "MobileNetV2",
       "Inverted residuals on depthwise-separable convolutions bring pretrained networks to phones.",
       {"mobilenet_v2"}},
      {2019,
       "MobileNetV3 and EfficientNet",
       "Architectures found by automated search: MobileNetV3 for phones, EfficientNet scaling depth, width "
       "and resolution together for the best accuracy per computation.",
       {"mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0"}},
      {2020,
       "Vision Transformer",
       "Images as sequences of 16x16 patches fed to a Transformer: with enough pretraining data, attention "
       "alone matches convolutions.",
       {"vit_b_16"}},
      {2022,
       "ConvNeXt",
       "A ResNet modernised with the Transformers' design choices: convolutions compete with them again.",
       {"convnext_tiny"}},
  };
  return events;
}

}  // namespace ft::models
