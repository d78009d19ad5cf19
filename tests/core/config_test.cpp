#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "config/run_config.h"
#include "models/classifier.h"
#include "test_support.h"
#include "user_error.h"

using ft::UserError;
using namespace ft::config;

namespace {

using ft::test::expectUserError;

// Expects `action` to throw a UserError whose message contains every one of `parts`.
}  // namespace

TEST(RunConfig, DefaultsAreTheSeedRecipe) {
  const RunConfig c;
  EXPECT_EQ(c.model.architecture, "resnet18");
  EXPECT_EQ(c.train.epochs, 40);
  EXPECT_EQ(c.train.freezeEpochs, 5);
  EXPECT_EQ(c.optim.optimizer, "adam");
  EXPECT_DOUBLE_EQ(c.optim.headLr, 1e-3);
  EXPECT_DOUBLE_EQ(c.optim.headLrAfterUnfreeze, 1e-4);
  EXPECT_DOUBLE_EQ(c.optim.backboneLr, 1e-4);
  EXPECT_DOUBLE_EQ(c.optim.weightDecay, 1e-4);
  EXPECT_EQ(c.optim.scheduler, "plateau");
  EXPECT_DOUBLE_EQ(c.optim.plateauFactor, 0.5);
  EXPECT_EQ(c.optim.plateauPatience, 2);
  EXPECT_EQ(c.data.path, "/usr/share/datasets/fashion-mnist");
  EXPECT_NO_THROW(validate(c));
}

TEST(RunConfig, JsonRoundTripKeepsEveryField) {
  RunConfig c;
  c.data.format = "folder";
  c.data.validation = "split";
  c.data.validationPercent = 20;
  c.data.trainLimit = 123;
  c.transform.inputSize = 224;
  c.transform.normalization = "dataset";
  c.model.architecture = "resnet50";
  c.optim.optimizer = "sgd";
  c.optim.nesterov = true;
  c.optim.backboneLr = 3e-5;
  c.optim.scheduler = "cosine";
  c.optim.warmupEpochs = 2;
  c.train.epochs = 7;
  c.train.freezeEpochs = 3;
  c.train.freezeBatchNorm = true;
  c.train.recalibrateBatchNorm = 300;
  c.train.syncBatchNorm = true;
  c.train.seed = 99;
  c.device.threads = 3;
  c.output.name = "x";
  const auto json = toJson(c);
  EXPECT_EQ(json.at("optim").at("backbone_lr").get<double>(), 3e-5);
  const RunConfig back = fromJson(json);
  EXPECT_EQ(toJson(back), json);
  EXPECT_EQ(back.train.seed, 99u);
  EXPECT_TRUE(back.train.freezeBatchNorm);
  EXPECT_EQ(json.at("train").at("recalibrate_batchnorm").get<int>(), 300);
  EXPECT_EQ(back.train.recalibrateBatchNorm, 300);
  EXPECT_TRUE(back.train.syncBatchNorm);
  EXPECT_FALSE(RunConfig{}.train.syncBatchNorm);          // per rank, as PyTorch's DDP
  EXPECT_EQ(RunConfig{}.train.recalibrateBatchNorm, -1);  // automatic
}

TEST(RunConfig, PartialJsonKeepsDefaults) {
  const auto c = fromJson(nlohmann::json::parse(R"({"train": {"epochs": 3, "freeze_epochs": 1}})"));
  EXPECT_EQ(c.train.epochs, 3);
  EXPECT_EQ(c.train.freezeEpochs, 1);
  EXPECT_EQ(c.train.batchSize, 64);
}

TEST(RunConfig, UnknownKeyNamesTheField) {
  expectUserError([] { fromJson(nlohmann::json::parse(R"({"train": {"epoch": 3}})")); },
                  {"unknown key train.epoch", "epochs"});
  expectUserError([] { fromJson(nlohmann::json::parse(R"({"trainer": {}})")); },
                  {"unknown section \"trainer\""});
}

TEST(RunConfig, WrongTypeNamesTheField) {
  expectUserError([] { fromJson(nlohmann::json::parse(R"({"train": {"epochs": "many"}})")); },
                  {"train.epochs", "integer"});
}

TEST(RunConfig, EveryArchitectureIsAcceptedAndTooSmallInputsAreNamed) {
  for (const auto& name : ft::models::architectureNames()) {
    RunConfig c;
    c.model.architecture = name;
    const auto& info = ft::models::architectureInfo(name);
    c.transform.inputSize = 64;
    EXPECT_NO_THROW(validate(c)) << name;
  }
  RunConfig c;
  c.model.architecture = "vit_b_16";  // 16x16 patches
  c.transform.inputSize = 40;
  expectUserError([&] { validate(c); }, {"transform.input_size", "ViT-B/16", "multiple of 16 (32 or 48)"});
  c.model.architecture = "alexnet";  // the default 32 px would pool to nothing
  expectUserError([&] { validate(c); }, {"transform.input_size", "AlexNet", "at least 63 px"});
  c.model.architecture = "resnet152";
  expectUserError([&] { validate(c); }, {"model.architecture", "resnet152", "mobilenet_v3_small"});
}

TEST(RunConfig, ValidationNamesFieldAndRange) {
  RunConfig c;
  c.train.epochs = 3;
  c.train.freezeEpochs = 5;
  expectUserError([&] { validate(c); }, {"train.freeze_epochs", "0 (never frozen) to train.epochs (3)"});

  c = RunConfig{};
  c.optim.headLr = 0;
  expectUserError([&] { validate(c); }, {"optim.head_lr", "greater than 0"});
  c = RunConfig{};
  c.optim.backboneLr = -1e-4;
  expectUserError([&] { validate(c); }, {"optim.backbone_lr", "greater than 0"});
  c = RunConfig{};
  c.train.batchSize = 0;
  expectUserError([&] { validate(c); }, {"train.batch_size", "1 to 65536"});
  c = RunConfig{};
  c.model.architecture = "vgg19";
  expectUserError([&] { validate(c); }, {"model.architecture", "resnet18, resnet34, resnet50"});
  c = RunConfig{};
  c.device.device = "gpu";
  expectUserError([&] { validate(c); }, {"device.device", "cpu, cuda, cuda:N"});
  c = RunConfig{};
  c.device.device = "cuda:1";
  EXPECT_NO_THROW(validate(c));  // well-formed; availability is checked when training starts
  c = RunConfig{};
  c.train.recalibrateBatchNorm = -2;
  expectUserError([&] { validate(c); }, {"train.recalibrate_batchnorm", "-1 (automatic), 0 (never)"});
}

TEST(RunConfig, FilesSaveAndLoad) {
  ft::test::TempDir dir("config");
  RunConfig c;
  c.train.epochs = 4;
  c.train.freezeEpochs = 1;
  saveConfigFile(c, (dir / "run.json").string());
  EXPECT_EQ(loadConfigFile((dir / "run.json").string()).train.epochs, 4);

  std::ofstream(dir / "broken.json") << "{\"train\": {";
  expectUserError([&] { loadConfigFile((dir / "broken.json").string()); }, {"broken.json", "not valid JSON"});
  std::ofstream(dir / "bad.json") << R"({"train": {"batch_size": -3}})";
  expectUserError([&] { loadConfigFile((dir / "bad.json").string()); }, {"bad.json", "train.batch_size"});
  expectUserError([&] { loadConfigFile((dir / "missing.json").string()); }, {"missing.json", "cannot open"});
}

// Issue 14, item 3: hostile values give a short message naming the field, never a crash or a
// silently different number.
TEST(RunConfigHostile, DeepNestingIsRefusedWithoutRecursion) {
  const std::string deep = R"({"train": {"epochs": )" + std::string(100000, '[') + std::string(100000, ']') +
                           "}}";
  const auto message =
      expectUserError([&] { fromJson(nlohmann::json::parse(deep)); }, {"nested more than 16"});
  EXPECT_LT(message.size(), 200u) << message;
  // Shallow wrong-type values are described, not dumped.
  expectUserError(
      [] { fromJson(nlohmann::json::parse(R"({"train": {"epochs": {"a": [1, 2, 3], "b": 2}}})")); },
      {"train.epochs", "wrong type", "an object with 2 keys", "expected an integer"});
}

TEST(RunConfigHostile, IntegersAreRangeCheckedBeforeNarrowing) {
  auto parse = [](const char* text) { return fromJson(nlohmann::json::parse(text)); };
  // nlohmann's get<int> wrapped this to 1, which then trained one epoch.
  expectUserError([&] { parse(R"({"train": {"epochs": 4294967297}})"); },
                  {"train.epochs", "4294967297", "-2147483648 to 2147483647"});
  // The overflowing field is the one named (it used to be optim.warmup_epochs, checked against it).
  expectUserError([&] { parse(R"({"optim": {"warmup_epochs": 1}, "train": {"epochs": 99999999999}})"); },
                  {"train.epochs", "99999999999"});
  // An unsigned seed of -1 used to become 18446744073709551615.
  expectUserError([&] { parse(R"({"train": {"seed": -1}})"); },
                  {"train.seed", "-1", "0 to 18446744073709551615"});
  expectUserError([&] { parse(R"({"train": {"epochs": 2.5}})"); },
                  {"train.epochs", "wrong type", "an integer"});
  expectUserError([&] { parse(R"({"train": {"freeze_batchnorm": 1}})"); },
                  {"train.freeze_batchnorm", "true or false"});
  expectUserError([&] { parse(R"({"optim": {"head_lr": "fast"}})"); }, {"optim.head_lr", "a number"});
  // The edges still read exactly.
  EXPECT_EQ(parse(R"({"train": {"epochs": 2147483647}})").train.epochs, 2147483647);
  EXPECT_EQ(parse(R"({"train": {"seed": 18446744073709551615}})").train.seed, 18446744073709551615ull);
  EXPECT_EQ(parse(R"({"device": {"threads": -2147483648}})").device.threads, -2147483647 - 1);
  EXPECT_DOUBLE_EQ(parse(R"({"optim": {"head_lr": 1}})").optim.headLr, 1.0);
}

TEST(RunConfigHostile, LongStringsAndLargeFilesAreRefused) {
  nlohmann::json j;
  j["output"]["name"] = std::string(300000, 'x');
  const auto message =
      expectUserError([&] { fromJson(j); }, {"output.name", "a string of 300000 characters", "at most 4096"});
  EXPECT_LT(message.size(), 200u);
  j["output"]["name"] = std::string(4096, 'x');
  EXPECT_EQ(fromJson(j).output.name.size(), 4096u);

  ft::test::TempDir dir("config-hostile");
  // 1e309 overflows a double: nlohmann throws out_of_range, which used to escape and abort.
  std::ofstream(dir / "overflow.json") << R"({"optim": {"head_lr": 1e309}})";
  expectUserError([&] { loadConfigFile((dir / "overflow.json").string()); },
                  {"overflow.json", "not valid JSON", "1e309"});
  {
    std::ofstream out(dir / "huge.json");
    out << R"({"output": {"name": ")" << std::string(2 << 20, 'x') << R"("}})";
  }
  expectUserError([&] { loadConfigFile((dir / "huge.json").string()); }, {"huge.json", "too large"});
}
