// The cropped convolution (models/conv.h): which taps are left out, and that the output and
// every gradient are those of the full convolution, for every small geometry.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/conv.h"
#include "models/resnet.h"
#include "train/precision.h"

#include <string>

using namespace ft;

namespace {

void expectTaps(const std::optional<models::TapRange>& taps, std::int64_t first, std::int64_t count,
                std::int64_t padding) {
  ASSERT_TRUE(taps.has_value());
  EXPECT_EQ(taps->first, first);
  EXPECT_EQ(taps->count, count);
  EXPECT_EQ(taps->padding, padding);
}

}  // namespace

TEST(CroppedTaps, ResNetAt32Pixels) {
  // layer4 at 32 px: 3x3 stride 1 on 1x1 keeps the centre tap only.
  expectTaps(models::croppedTaps(1, 3, 1, 1), 1, 1, 0);
  // layer4.0.conv1: 3x3 stride 2 on 2x2 -> 1x1 reads taps 1 and 2, unpadded.
  expectTaps(models::croppedTaps(2, 3, 2, 1), 1, 2, 0);
  // The stem on a 1-pixel image: 7x7 stride 2 padding 3 keeps the centre.
  expectTaps(models::croppedTaps(1, 7, 2, 3), 3, 1, 0);
}

TEST(CroppedTaps, EveryTapUsedMeansNoCrop) {
  EXPECT_FALSE(models::croppedTaps(2, 3, 1, 1).has_value());  // layer3 at 32 px
  EXPECT_FALSE(models::croppedTaps(56, 3, 1, 1).has_value());
  EXPECT_FALSE(models::croppedTaps(224, 7, 2, 3).has_value());
  EXPECT_FALSE(models::croppedTaps(4, 1, 1, 0).has_value());  // 1x1 kernels have nothing to crop
  EXPECT_FALSE(models::croppedTaps(1, 3, 1, 0).has_value());  // no output at all
}

// Output, input gradient and weight gradient equal the full convolution's for every geometry
// up to 6x6 inputs, kernels 1..5, strides 1..3 and paddings 0..3, in both memory layouts
// (float64: the sums differ only in the order of exact zeros).
TEST(Convolve, SameOutputAndGradientsAsTheFullConvolution) {
  torch::manual_seed(3);
  int cropped = 0;
  for (std::int64_t size = 1; size <= 6; ++size)
    for (std::int64_t kernel = 1; kernel <= 5; ++kernel)
      for (std::int64_t stride = 1; stride <= 3; ++stride)
        for (std::int64_t padding = 0; padding <= 3; ++padding)
          for (const bool channelsLast : {false, true}) {
            if (size + 2 * padding < kernel) continue;
            SCOPED_TRACE(testing::Message() << "size " << size << " kernel " << kernel << " stride " << stride
                                            << " padding " << padding << " channels-last " << channelsLast);
            torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 4, kernel).stride(stride).padding(padding));
            conv->to(torch::kFloat64);
            auto input = torch::randn({2, 3, size, size + 1}, torch::kFloat64);
            if (channelsLast) input = input.contiguous(torch::MemoryFormat::ChannelsLast);
            input.requires_grad_(true);
            if (models::croppedTaps(size, kernel, stride, padding) ||
                models::croppedTaps(size + 1, kernel, stride, padding))
              ++cropped;

            const auto full = conv->forward(input);
            const auto upstream = torch::randn_like(full);
            const auto fullGrads =
                torch::autograd::grad({full}, {input, conv->weight, conv->bias}, {upstream});
            const auto mine = models::convolve(*conv, input);
            ASSERT_EQ(mine.sizes(), full.sizes());
            const auto myGrads = torch::autograd::grad({mine}, {input, conv->weight, conv->bias}, {upstream});
            EXPECT_TRUE(torch::allclose(mine, full, 1e-12, 1e-12));
            for (std::size_t i = 0; i < 3; ++i)
              EXPECT_TRUE(torch::allclose(myGrads[i], fullGrads[i], 1e-12, 1e-12));
          }
  EXPECT_GT(cropped, 60);  // the sweep does exercise the cropped path
}

// The model's features (which convolve cropped where they can) equal the same modules run as
// full convolutions, at 32 px (layer4 at 1x1).
TEST(Convolve, ResNetFeaturesAt32PixelsMatchFullConvolutions) {
  torch::manual_seed(5);
  models::ResNet model(models::Architecture::ResNet18, 10);
  model->eval();
  const auto images = torch::randn({4, 3, 32, 32});
  torch::NoGradGuard noGrad;
  const auto modules = model->named_modules();
  auto conv = [&](const std::string& name) { return modules[name]->as<torch::nn::Conv2dImpl>(); };
  auto bn = [&](const std::string& name) { return modules[name]->as<torch::nn::BatchNorm2dImpl>(); };
  auto layer = [&](const std::string& name) { return modules[name]->as<torch::nn::SequentialImpl>(); };

  auto x = torch::relu(bn("bn1")->forward(conv("conv1")->forward(images)));
  x = torch::max_pool2d(x, 3, 2, 1);
  for (const std::string layerName : {"layer1", "layer2", "layer3", "layer4"}) {
    if (layerName == "layer4") EXPECT_EQ(x.size(2), 2);  // layer4 then runs at 1x1: cropped
    for (const std::string block : {layerName + ".0.", layerName + ".1."}) {
      auto out = torch::relu(bn(block + "bn1")->forward(conv(block + "conv1")->forward(x)));
      out = bn(block + "bn2")->forward(conv(block + "conv2")->forward(out));
      const auto identity = modules.contains(block + "downsample") ? layer(block + "downsample")->forward(x)
                                                                   : x;
      x = torch::relu(out + identity);
    }
  }
  ASSERT_EQ(x.size(2), 1);
  const auto reference = torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1);
  EXPECT_TRUE(torch::allclose(model->features(images), reference, 1e-4, 1e-5));
}

// The bfloat16 channels-last path (what training runs on a bf16 CPU) agrees within bfloat16's
// rounding.
TEST(Convolve, BFloat16ChannelsLastAgreesWithTheFullConvolution) {
  torch::manual_seed(7);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(64, 64, 3).padding(1).bias(false));
  conv->weight.set_data(conv->weight.data().contiguous(torch::MemoryFormat::ChannelsLast));
  const auto input = torch::randn({8, 64, 1, 1}).contiguous(torch::MemoryFormat::ChannelsLast);
  torch::NoGradGuard noGrad;
  const auto full = conv->forward(input.to(torch::kBFloat16).to(torch::kFloat32));
  torch::Tensor mine;
  {
    train::Autocast autocast(train::Precision::BFloat16, torch::kCPU);
    mine = models::convolve(*conv, input);
  }
  EXPECT_EQ(mine.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::allclose(mine.to(torch::kFloat32), full, 2e-2, 5e-2));
}
