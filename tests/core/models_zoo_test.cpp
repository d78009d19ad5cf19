// The model zoo beyond the ResNets against torchvision 0.14 (tests/python/zoo_reference.py):
// state dict keys, order and shapes; eval-mode logits from torchvision's weights; one training
// step in train mode (loss, gradients, BatchNorm running statistics, which catch eps and
// momentum mistakes); head replacement; the architecture read from a file's keys; and the
// reverse, our weights loaded strictly by torchvision giving our logits.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "models/blocks.h"
#include "models/classifier.h"
#include "models/model_cards.h"
#include "test_support.h"
#include "user_error.h"
#include "weights/classifier_weights.h"
#include "weights/official_weights.h"
#include "weights/torch_file.h"

namespace {

using nlohmann::json;
namespace models = ft::models;

constexpr int kSkipExitCode = 77;
// Every architecture zoo_reference.py describes.
const std::vector<std::string> kZoo = {"alexnet",
                                       "vgg16",
                                       "vgg16_bn",
                                       "mobilenet_v2",
                                       "mobilenet_v3_small",
                                       "mobilenet_v3_large",
                                       "efficientnet_b0",
                                       "densenet121",
                                       "convnext_tiny",
                                       "vit_b_16"};

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Reference {
  json doc;
  std::string blob;

  torch::Tensor read(const json& entry) const {
    const auto offset = entry.at("offset").get<std::size_t>();
    const auto nbytes = entry.at("nbytes").get<std::size_t>();
    if (offset + nbytes > blob.size()) throw std::runtime_error("blob too short");
    const auto dtype = entry.at("dtype").get<std::string>() == "int64" ? torch::kInt64 : torch::kFloat32;
    auto t = torch::from_blob(const_cast<char*>(blob.data()) + offset,
                              entry.at("shape").get<std::vector<std::int64_t>>(),
                              torch::TensorOptions().dtype(dtype))
                 .clone();
    if (std::size_t(t.nbytes()) != nbytes) throw std::runtime_error("size mismatch");
    return t;
  }
  torch::Tensor tensor(const std::string& name) const { return read(doc.at("tensors").at(name)); }
  std::unordered_map<std::string, torch::Tensor> stateDict() const {
    std::unordered_map<std::string, torch::Tensor> state;
    for (const auto& entry : doc.at("state_dict")) state[entry.at("key").get<std::string>()] = read(entry);
    return state;
  }
  ft::weights::StateDict orderedStateDict() const {
    ft::weights::StateDict state;
    for (const auto& entry : doc.at("state_dict"))
      state.emplace_back(entry.at("key").get<std::string>(), read(entry));
    return state;
  }
};

// The reference files of one version of zoo_reference.py, cached in the build tree: written once
// per architecture (under a lock, since ctest runs tests in parallel processes) and reused by
// every test and every later run until the script changes.
std::filesystem::path referenceDir() {
  const std::string script = slurp(ft::test::sourceDir() + "/tests/python/zoo_reference.py");
  return std::filesystem::path(FT_BINARY_DIR) / "test-references" /
         ("zoo-" + std::to_string(std::hash<std::string>{}(script)));
}

// Runs `arguments` unless `done` exists in dir, under the folder's lock. Returns the exit code.
int prepareReference(const std::filesystem::path& dir, const std::string& done,
                     const std::string& arguments) {
  std::filesystem::create_directories(dir);
  const int lock = ::open((dir / "lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  int code = 0;
  if (!std::filesystem::exists(dir / done)) {
    const auto start = std::chrono::steady_clock::now();
    code = ft::test::runReferencePython("zoo_reference.py", dir.string() + " " + arguments);
    std::printf("[ zoo      ] zoo_reference.py %s: exit %d in %.1f s\n", arguments.c_str(), code,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (lock >= 0) ::close(lock);
  return code;
}

class ZooReference : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string name = GetParam();
    m_dir = referenceDir();
    const int code = prepareReference(m_dir, name + ".json", "--models " + name);
    if (code == kSkipExitCode)
      FT_REFERENCE_MISSING("/usr/bin/python3 cannot import torch/torchvision: no reference data");
    ASSERT_EQ(code, 0) << "tests/python/zoo_reference.py failed for " << name;
    m_scratch = std::make_unique<ft::test::TempDir>("zoo-" + name);
    m_ref.doc = json::parse(slurp(m_dir / (name + ".json")));
    m_ref.blob = slurp(m_dir / m_ref.doc.at("blob").get<std::string>());
    torch::set_num_threads(m_ref.doc.at("num_threads").get<int>());
  }

  models::Classifier loaded() const {
    auto model = models::makeClassifier(GetParam(), m_ref.doc.at("num_classes").get<int>(),
                                        m_ref.doc.at("input_size").get<std::int64_t>());
    models::loadStateDict(*model, m_ref.stateDict());
    return model;
  }

  std::filesystem::path m_dir;                   // the cached reference files
  std::unique_ptr<ft::test::TempDir> m_scratch;  // this test's own files
  Reference m_ref;
};

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

TEST_P(ZooReference, StateDictKeysOrderShapesAndDtypesMatchTorchvision) {
  if (IsSkipped() || HasFatalFailure()) return;
  auto model = models::makeClassifier(GetParam(), m_ref.doc.at("num_classes").get<int>(),
                                      m_ref.doc.at("input_size").get<std::int64_t>());
  const auto ours = models::stateDict(*model);
  const auto& theirs = m_ref.doc.at("state_dict");
  ASSERT_EQ(ours.size(), theirs.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i].first, theirs[i].at("key").get<std::string>()) << "state dict entry " << i;
    EXPECT_EQ(ours[i].second.sizes().vec(), theirs[i].at("shape").get<std::vector<std::int64_t>>())
        << ours[i].first;
    EXPECT_EQ(ours[i].second.scalar_type() == torch::kInt64, theirs[i].at("dtype") == "int64")
        << ours[i].first;
  }
  const auto params = model->named_parameters();
  const auto& theirParams = m_ref.doc.at("parameters");
  ASSERT_EQ(params.size(), theirParams.size());
  for (std::size_t i = 0; i < params.size(); ++i)
    EXPECT_EQ(params[i].key(), theirParams[i].at("key").get<std::string>()) << "parameter " << i;
  EXPECT_EQ(model->info().headName, m_ref.doc.at("head").get<std::string>());
}

TEST_P(ZooReference, EvalLogitsMatchTorchvision) {
  if (IsSkipped() || HasFatalFailure()) return;
  auto model = loaded();
  model->eval();
  torch::NoGradGuard noGrad;
  const auto logits = model->forward(m_ref.tensor("input"));
  const auto expected = m_ref.tensor("eval_logits");
  const double diff = maxAbsDiff(logits, expected);
  std::printf("[ zoo      ] %s eval logits: max |diff| %.3g (scale %.3g)\n", GetParam().c_str(), diff,
              expected.abs().max().item<double>());
  EXPECT_LE(diff, 1e-4);
  // Channels-last inputs give the same answer.
  EXPECT_LE(maxAbsDiff(model->forward(m_ref.tensor("input").contiguous(torch::MemoryFormat::ChannelsLast)),
                       expected),
            1e-4 * std::max(1.0, expected.abs().max().item<double>()))
      << "channels-last input";
}

TEST_P(ZooReference, OneTrainingStepMatchesTorchvision) {
  if (IsSkipped() || HasFatalFailure()) return;
  auto model = loaded();
  model->train();
  for (auto& module : model->modules(/*include_self=*/false))
    if (module->as<torch::nn::Dropout>() || module->as<models::StochasticDepth>()) module->eval();
  const auto logits = model->forward(m_ref.tensor("input"));
  const auto loss = torch::nn::functional::cross_entropy(logits, m_ref.tensor("targets"));
  loss.backward();
  EXPECT_LE(maxAbsDiff(logits, m_ref.tensor("train_logits")), 1e-4);
  const double expectedLoss = m_ref.tensor("train_loss").item<double>();
  EXPECT_NEAR(loss.item<double>(), expectedLoss, 1e-5 * std::max(1.0, std::abs(expectedLoss)));

  const auto params = model->named_parameters();
  const auto& theirParams = m_ref.doc.at("parameters");
  ASSERT_EQ(params.size(), theirParams.size());
  int far = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const double expected = theirParams[i].at("grad_norm").get<double>();
    const double ours = params[i].value().grad().norm().item<double>();
    if (std::abs(ours - expected) > 1e-3 * expected + 1e-6 && far++ < 5)
      ADD_FAILURE() << params[i].key() << ": gradient norm " << ours << ", torchvision " << expected;
  }
  EXPECT_EQ(far, 0) << "parameters whose gradient differs from torchvision's";
  const auto first = params[0].value().grad();
  EXPECT_LE(maxAbsDiff(first, m_ref.tensor("grad_first")),
            1e-4 * std::max(1.0, first.abs().max().item<double>()));
  const auto head = model->named_parameters()[model->info().headName + ".weight"].grad();
  EXPECT_LE(maxAbsDiff(head, m_ref.tensor("grad_head")), 1e-5);

  std::vector<torch::Tensor> stats;
  for (auto& module : model->modules(/*include_self=*/false))
    if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      stats.push_back(bn->running_mean);
      stats.push_back(bn->running_var);
    }
  if (stats.empty()) stats.push_back(torch::zeros({0}));  // AlexNet, VGG-16: no BatchNorm
  ASSERT_EQ(torch::cat(stats).numel(), m_ref.tensor("running_stats").numel());
  if (torch::cat(stats).numel() > 0)
    EXPECT_LE(maxAbsDiff(torch::cat(stats), m_ref.tensor("running_stats")), 1e-4)
        << "BatchNorm running statistics after one train-mode pass (momentum?)";
}

TEST_P(ZooReference, TheFileSaysWhichArchitectureItIsFor) {
  if (IsSkipped() || HasFatalFailure()) return;
  const auto state = m_ref.orderedStateDict();
  const auto* identified = ft::weights::identifyArchitecture(state);
  ASSERT_NE(identified, nullptr);
  EXPECT_EQ(identified->name, GetParam());
  // Without the head too (a backbone-only file).
  ft::weights::StateDict backbone;
  const std::string head = m_ref.doc.at("head").get<std::string>() + ".";
  for (const auto& item : state)
    if (item.first.rfind(head, 0) != 0) backbone.push_back(item);
  identified = ft::weights::identifyArchitecture(backbone);
  ASSERT_NE(identified, nullptr);
  EXPECT_EQ(identified->name, GetParam());

  // Loaded through the weights loader into a 5-class model: the head is new, the rest copied.
  auto model = models::makeClassifier(GetParam(), 5, m_ref.doc.at("input_size").get<std::int64_t>());
  const auto report = ft::weights::loadClassifierWeights(*model, state, "zoo.pth");
  EXPECT_TRUE(report.headSkipped);
  EXPECT_EQ(report.fileClasses, 10);
  const auto reference = m_ref.stateDict();
  for (const auto& [key, tensor] : models::stateDict(*model))
    if (!model->isHeadKey(key)) EXPECT_TRUE(torch::equal(tensor, reference.at(key))) << key;
}

TEST_P(ZooReference, TorchvisionLoadsOurWeightsStrictlyAndGivesOurLogits) {
  if (IsSkipped() || HasFatalFailure()) return;
  auto model = loaded();
  {
    // Our own weights: move every floating tensor a little, so that nothing matches by chance.
    torch::NoGradGuard noGrad;
    torch::manual_seed(5);
    for (auto& [key, tensor] : models::stateDict(*model))
      if (tensor.is_floating_point() && key.find("running_var") == std::string::npos)
        tensor.add_(torch::randn_like(tensor) * 0.01);
  }
  model->eval();
  torch::Tensor logits;
  {
    torch::NoGradGuard noGrad;
    logits = model->forward(m_ref.tensor("input"));
  }
  ft::weights::StateDict state;
  for (const auto& [key, tensor] : models::stateDict(*model)) state.emplace_back(key, tensor);
  const auto weights = *m_scratch / (GetParam() + "_ours.pth");
  const auto io = *m_scratch / (GetParam() + "_io.pth");
  ft::weights::writeTorchFile(weights.string(), state);
  ft::weights::writeTorchFile(io.string(), {{"input", m_ref.tensor("input")}, {"logits", logits}});
  const int code =
      ft::test::runReferencePython("weights_reference.py",
                                   "check " + GetParam() + " 10 " + weights.string() + " " + io.string());
  EXPECT_EQ(code, 0) << "torchvision refused our " << GetParam() << " weights or gave other logits";
}

TEST_P(ZooReference, HeadReplacementKeepsTheRestAndFreezesAllButTheHead) {
  if (IsSkipped() || HasFatalFailure()) return;
  auto model = loaded();
  const auto before = models::stateDict(*model);
  model->replaceHead(3);
  EXPECT_EQ(model->numClasses(), 3);
  const auto after = models::stateDict(*model);
  ASSERT_EQ(after.size(), before.size());
  std::int64_t headCount = 0;
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].first, before[i].first) << "the state dict order changed at " << i;
    if (model->isHeadKey(after[i].first)) {
      EXPECT_EQ(after[i].second.size(0), 3) << after[i].first;
      headCount += after[i].second.numel();
    } else {
      EXPECT_TRUE(torch::equal(after[i].second, before[i].second)) << after[i].first << " changed";
    }
  }
  const auto counts = model->setBackboneFrozen(true);
  EXPECT_EQ(counts.total - counts.frozen, headCount);
  const auto side = model->builtInputSize() > 0 ? model->builtInputSize() : 64;
  EXPECT_EQ(model->forward(torch::randn({2, 3, side, side})).sizes(), (std::vector<std::int64_t>{2, 3}));
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooReference, ::testing::ValuesIn(kZoo),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Without Python: each architecture's own keys are recognised as its own and as no other's.
TEST(ZooSignatures, EveryArchitectureIsRecognisedFromItsOwnKeys) {
  for (const auto& info : models::architectures()) {
    auto model = models::makeClassifier(info.name, 7);
    ft::weights::StateDict state;
    for (const auto& [key, tensor] : models::stateDict(*model)) state.emplace_back(key, tensor);
    const auto* identified = ft::weights::identifyArchitecture(state);
    ASSERT_NE(identified, nullptr) << info.name;
    EXPECT_EQ(identified->name, info.name);
    int matches = 0;
    std::set<std::string> keys;
    for (const auto& item : state) keys.insert(item.first);
    for (const auto& other : models::architectures()) {
      bool all = !other.signature.empty();
      for (const auto& entry : other.signature) {
        const bool absent = entry[0] == '!';
        if (keys.count(absent ? entry.substr(1) : entry) == (absent ? 1u : 0u)) all = false;
      }
      matches += all;
    }
    EXPECT_EQ(matches, 1) << info.name << " matches the signature of " << matches << " architectures";
  }
}

// ViT's weights at another input size: the position embedding is resampled over the patch grid
// (bicubic, align_corners=True, as torchvision's interpolate_embeddings), the class token's row
// kept; the file then loads and the model runs at its own size.
TEST(ZooViT, WeightsOfAnotherSizeHaveTheirPositionEmbeddingResampled) {
  torch::manual_seed(8);
  auto small = models::makeClassifier("vit_b_16", 10, 32);  // 2 x 2 patches
  ft::weights::StateDict state;
  for (const auto& [key, tensor] : models::stateDict(*small))
    state.emplace_back(key, tensor.detach().clone());
  auto large = models::makeClassifier("vit_b_16", 10, 64);  // 4 x 4 patches
  EXPECT_EQ(large->builtInputSize(), 64);
  const auto report = ft::weights::loadClassifierWeights(*large, state, "small.pth");
  EXPECT_NE(report.summary.find("resampled from 2x2 to 4x4"), std::string::npos) << report.summary;
  const auto source = models::stateDict(*small);
  torch::Tensor from, to;
  for (const auto& [key, tensor] : source)
    if (key == "encoder.pos_embedding") from = tensor;
  for (const auto& [key, tensor] : models::stateDict(*large))
    if (key == "encoder.pos_embedding") to = tensor;
  ASSERT_EQ(to.sizes(), (std::vector<std::int64_t>{1, 17, 768}));
  EXPECT_TRUE(torch::equal(to[0][0], from[0][0])) << "the class token's row";
  // align_corners=True keeps the grid's corners: source (0,0), (0,1), (1,0), (1,1) at the target's
  // (0,0), (0,3), (3,0), (3,3); rows are 1 + y * side + x.
  const std::pair<int, int> corners[] = {{1, 1}, {2, 4}, {3, 13}, {4, 16}};
  for (const auto& [s, t] : corners) EXPECT_LE(maxAbsDiff(to[0][t], from[0][s]), 1e-6) << s << " -> " << t;
  // Everything else is copied as it is.
  for (const auto& [key, tensor] : models::stateDict(*large))
    if (key != "encoder.pos_embedding")
      for (const auto& [k, t] : source)
        if (k == key) EXPECT_TRUE(torch::equal(tensor, t)) << key;
  large->eval();
  torch::NoGradGuard noGrad;
  EXPECT_EQ(large->forward(torch::randn({1, 3, 64, 64})).sizes(), (std::vector<std::int64_t>{1, 10}));
  ft::test::expectUserError(
      [&] {
        large->forward(torch::randn({1, 3, 32, 32}));
      },
      {"built for 64x64 px", "32x32"});
}

TEST(ZooBlocks, MakeDivisibleRoundsAsTorchvision) {
  EXPECT_EQ(models::makeDivisible(32), 32);
  EXPECT_EQ(models::makeDivisible(72 / 4), 24);     // 18 -> 16 would lose > 10%: 24
  EXPECT_EQ(models::makeDivisible(240 / 4), 64);    // 60 -> 64
  EXPECT_EQ(models::makeDivisible(3), 8);           // never below the divisor
  EXPECT_EQ(models::makeDivisible(16 * 0.75), 16);  // 12 -> 16 (ties round up)
  EXPECT_EQ(models::makeDivisible(100), 104);
}

}  // namespace

// ------------------------------------------------------------------------------------------
// The facts of the model cards and the weights catalog against torchvision's own metadata.

namespace {

class ZooFacts : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dir = referenceDir();
    std::string names;
    for (const auto& name : models::architectureNames()) names += (names.empty() ? "" : ",") + name;
    const int code = prepareReference(dir, "facts.json", "--facts " + names);
    if (code == kSkipExitCode)
      FT_REFERENCE_MISSING("/usr/bin/python3 cannot import torch/torchvision: no reference data");
    ASSERT_EQ(code, 0) << "tests/python/zoo_reference.py --facts failed";
    m_facts = json::parse(slurp(dir / "facts.json"));
  }
  json m_facts;
};

TEST_F(ZooFacts, EveryCardMatchesTorchvision) {
  if (IsSkipped() || HasFatalFailure()) return;
  ASSERT_EQ(models::modelCards().size(), models::architectures().size());
  for (std::size_t i = 0; i < models::architectures().size(); ++i) {
    const auto& info = models::architectures()[i];
    const auto& card = models::modelCards()[i];
    SCOPED_TRACE(info.name);
    EXPECT_EQ(card.architecture, info.name) << "cards follow architectures() order";
    ASSERT_TRUE(m_facts.contains(info.name));
    const auto& facts = m_facts.at(info.name);
    EXPECT_EQ(card.parameters, facts.at("num_params").get<std::int64_t>());
    const double gmacs = facts.at("macs").get<double>() / 1e9;
    EXPECT_NEAR(card.gmacs, gmacs, 0.006 + 0.01 * gmacs) << "measured " << gmacs << " GMACs";
    EXPECT_GE(card.year, 2012);
    EXPECT_FALSE(card.paper.empty());
    EXPECT_FALSE(card.introduced.empty());
    // Our model with a 1000-class head has exactly torchvision's parameter count.
    if (card.parameters < 30'000'000) {
      auto model = models::makeClassifier(info.name, 1000);
      EXPECT_EQ(model->parameterCounts().total, card.parameters);
    }
  }
}

TEST_F(ZooFacts, EveryOfficialWeightsFileMatchesTorchvisionsEnum) {
  if (IsSkipped() || HasFatalFailure()) return;
  for (const auto& info : models::architectures()) {
    SCOPED_TRACE(info.name);
    int ours = 0;
    for (const auto& w : ft::weights::officialWeights())
      if (w.architecture == info.name) ++ours;
    int theirs = 0;
    for (const auto& t : m_facts.at(info.name).at("weights")) {
      const std::string variant = t.at("variant").get<std::string>();
      if (variant != "IMAGENET1K_V1" && variant != "IMAGENET1K_V2") continue;  // FEATURES, SWAG: not offered
      ++theirs;
      const auto& w = ft::weights::officialWeightsFor(info.name, variant);
      const std::string file = t.at("file").get<std::string>();
      // torchvision 0.14's name is ours, or (EfficientNet-B0) an alias of the file under its true hash.
      EXPECT_TRUE(w.file.fileName == file ||
                  std::find(w.file.aliases.begin(), w.file.aliases.end(), file) != w.file.aliases.end())
          << file << " vs " << w.file.fileName;
      EXPECT_NEAR(w.top1, t.at("acc1").get<double>(), 1e-6);
      EXPECT_NEAR(w.top5, t.at("acc5").get<double>(), 1e-6);
      EXPECT_EQ(w.preprocessing.resizeSize, t.at("resize").get<int>());
      EXPECT_EQ(w.preprocessing.cropSize, t.at("crop").get<int>());
      EXPECT_EQ(w.preprocessing.interpolation, t.at("interpolation").get<std::string>());
      for (int c = 0; c < 3; ++c) {
        EXPECT_NEAR(w.preprocessing.mean[c], t.at("mean")[c].get<double>(), 1e-6);
        EXPECT_NEAR(w.preprocessing.std[c], t.at("std")[c].get<double>(), 1e-6);
      }
      EXPECT_GT(w.fileSizeMB, 1.0);
    }
    EXPECT_EQ(ours, theirs) << "every ImageNet-1K file torchvision publishes, and no other";
    EXPECT_EQ(info.inputSize, ft::weights::officialWeightsFor(info.name).preprocessing.cropSize);
  }
}

}  // namespace
