// ResNet-18/34/50 against torchvision 0.14 (tests/python/models_reference.py): state dict keys,
// order and shapes, parameter counts, and logits with the same weights; plus head replacement,
// freezing and the BatchNorm hold.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/error.h"
#include "models/resnet.h"
#include "test_support.h"

namespace {

using ft::models::Architecture;
using ft::models::ResNet;
using nlohmann::json;

constexpr int kSkipExitCode = 77;  // models_reference.py: torch/torchvision not importable
const char* const kAllTags[] = {"resnet18_10", "resnet34_10", "resnet50_10", "resnet101_10", "resnet18_1000"};

torch::Dtype dtypeOf(const std::string& name) {
  if (name == "float32") return torch::kFloat32;
  if (name == "int64") return torch::kInt64;
  throw std::runtime_error("unexpected dtype " + name);
}

std::vector<std::int64_t> shapeOf(const json& entry) {
  return entry.at("shape").get<std::vector<std::int64_t>>();
}

// One model's reference: the JSON index and, for parity tags, the raw tensor blob.
struct Reference {
  json doc;
  std::string blob;

  torch::Tensor read(const json& entry, const std::string& dtype) const {
    const auto offset = entry.at("offset").get<std::size_t>();
    const auto nbytes = entry.at("nbytes").get<std::size_t>();
    if (offset + nbytes > blob.size()) throw std::runtime_error("blob too short");
    auto t = torch::from_blob(const_cast<char*>(blob.data()) + offset, shapeOf(entry),
                              torch::TensorOptions().dtype(dtypeOf(dtype)))
                 .clone();
    if (static_cast<std::size_t>(t.nbytes()) != nbytes) throw std::runtime_error("size mismatch");
    return t;
  }
  torch::Tensor tensor(const std::string& name) const {
    const json& entry = doc.at("tensors").at(name);
    return read(entry, entry.at("dtype").get<std::string>());
  }
  std::unordered_map<std::string, torch::Tensor> stateDict() const {
    std::unordered_map<std::string, torch::Tensor> state;
    for (const auto& entry : doc.at("state_dict"))
      state[entry.at("key").get<std::string>()] = read(entry, entry.at("dtype").get<std::string>());
    return state;
  }
  Architecture arch() const { return ft::models::parseArchitecture(doc.at("arch").get<std::string>()); }
  int numClasses() const { return doc.at("num_classes").get<int>(); }
};

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Runs the Python reference on demand, once per set of models, and caches what it wrote.
// (ctest runs every test in its own process, so each test asks only for what it needs.)
class ReferenceData {
 public:
  static ReferenceData& instance() {
    static ReferenceData data;
    return data;
  }

  // Makes sure `tags` are available (with weights and logits when `parity`). Returns the
  // script's exit code: 0, kSkipExitCode, or a failure.
  int prepare(const std::vector<std::string>& tags, bool parity) {
    std::string missing;
    for (const auto& tag : tags) {
      const auto it = m_have.find(tag);
      if (it == m_have.end() || (parity && !it->second)) missing += (missing.empty() ? "" : ",") + tag;
    }
    if (missing.empty()) return 0;
    const auto start = std::chrono::steady_clock::now();
    const int code =
        ft::test::runReferencePython("models_reference.py", m_dir.path().string() + " --models " + missing +
                                                                " --parity " +
                                                                (parity ? missing : std::string("none")));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ models   ] models_reference.py %s%s: exit %d in %.1f s\n", missing.c_str(),
                parity ? " (with weights)" : "", code, seconds);
    if (code == 0) {
      for (const auto& tag : tags) {
        m_have[tag] = m_have[tag] || parity;
        m_cache.erase(tag);
      }
    }
    return code;
  }

  const Reference& get(const std::string& tag) {
    auto it = m_cache.find(tag);
    if (it != m_cache.end()) return it->second;
    Reference ref;
    ref.doc = json::parse(slurp(m_dir.path() / (tag + ".json")));
    if (ref.doc.contains("blob")) ref.blob = slurp(m_dir.path() / ref.doc.at("blob").get<std::string>());
    return m_cache.emplace(tag, std::move(ref)).first->second;
  }

 private:
  ReferenceData() : m_dir("models-ref") {}
  ft::test::TempDir m_dir;
  std::map<std::string, bool> m_have;  // tag -> written with weights
  std::map<std::string, Reference> m_cache;
};

// Tests that compare with torchvision: call need() first.
class ResNetReference : public ::testing::Test {
 protected:
  // Fatal failure or skip when the reference cannot be produced; check
  // IsSkipped()/HasFatalFailure().
  void need(const std::vector<std::string>& tags, bool parity) {
    const int code = ReferenceData::instance().prepare(tags, parity);
    if (code == kSkipExitCode)
      FT_REFERENCE_MISSING("/usr/bin/python3 cannot import torch/torchvision: no reference data");
    ASSERT_EQ(code, 0) << "tests/python/models_reference.py failed";
  }
  const Reference& ref(const std::string& tag) { return ReferenceData::instance().get(tag); }
};

#define FT_NEED_REFERENCE(tags, parity)           \
  do {                                            \
    need(tags, parity);                           \
    if (IsSkipped() || HasFatalFailure()) return; \
  } while (0)

const std::vector<std::string> kAllTagList(std::begin(kAllTags), std::end(kAllTags));

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

std::int64_t numelOf(const std::vector<torch::Tensor>& tensors) {
  std::int64_t n = 0;
  for (const auto& t : tensors) n += t.numel();
  return n;
}

std::map<std::string, torch::Tensor> snapshot(const ResNet& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [key, tensor] : ft::models::stateDict(model)) out[key] = tensor.detach().clone();
  return out;
}

std::vector<torch::nn::BatchNorm2dImpl*> batchNorms(ResNet& model) {
  std::vector<torch::nn::BatchNorm2dImpl*> out;
  for (auto& module : model->modules(/*include_self=*/false))
    if (auto* bn = module->as<torch::nn::BatchNorm2d>()) out.push_back(bn);
  return out;
}

// ------------------------------------------------------------------------------------------
// Names

TEST(ModelsResNetNames, ParseAndNames) {
  EXPECT_EQ(ft::models::parseArchitecture("resnet18"), Architecture::ResNet18);
  EXPECT_EQ(ft::models::parseArchitecture("ResNet34"), Architecture::ResNet34);
  EXPECT_EQ(ft::models::parseArchitecture("RESNET50"), Architecture::ResNet50);
  for (auto arch : {Architecture::ResNet18, Architecture::ResNet34, Architecture::ResNet50}) {
    EXPECT_EQ(ft::models::parseArchitecture(ft::models::architectureName(arch)), arch);
    EXPECT_EQ(ft::models::defaultInputSize(arch), 224);
  }
  EXPECT_EQ(ft::models::architectureName(Architecture::ResNet34), "resnet34");
  EXPECT_EQ(ft::models::architectureDisplayName(Architecture::ResNet18), "ResNet-18");
  EXPECT_EQ(ft::models::architectureDisplayName(Architecture::ResNet50), "ResNet-50");
  const auto names = ft::models::architectureNames();
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 4),
            (std::vector<std::string>{"resnet18", "resnet34", "resnet50", "resnet101"}));
  EXPECT_EQ(ft::models::architectureDisplayName(Architecture::ResNet101), "ResNet-101");
  EXPECT_EQ(ft::models::featureDimFor(Architecture::ResNet101), 2048);
  EXPECT_EQ(ft::models::featureDimFor(Architecture::ResNet34), 512);
  EXPECT_EQ(ft::models::featureDimFor(Architecture::ResNet50), 2048);
}

TEST(ModelsResNetNames, UnknownNameListsAllowedNames) {
  for (const std::string bad : {"resnet152", "", "resnet-18", " resnet18"}) {
    try {
      ft::models::parseArchitecture(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const ft::UserError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("\"" + bad + "\""), std::string::npos) << message;
      for (const char* name : {"resnet18", "resnet34", "resnet50"})
        EXPECT_NE(message.find(name), std::string::npos) << message;
    }
  }
}

TEST(ModelsResNetNames, BadClassCountIsUserError) {
  EXPECT_THROW(ResNet(Architecture::ResNet18, 0), ft::UserError);
  ResNet model(Architecture::ResNet18, 10);
  EXPECT_THROW(model->replaceHead(-1), ft::UserError);
  EXPECT_EQ(model->numClasses(), 10);
}

// ------------------------------------------------------------------------------------------
// Structure against torchvision

TEST_F(ResNetReference, KeysOrderAndShapesMatchTorchvision) {
  FT_NEED_REFERENCE(kAllTagList, false);
  for (const std::string tag : kAllTags) {
    SCOPED_TRACE(tag);
    const Reference& r = ref(tag);
    ResNet model(r.arch(), r.numClasses());

    const auto params = model->named_parameters();
    const json& pyParams = r.doc.at("parameters");
    ASSERT_EQ(params.size(), pyParams.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      EXPECT_EQ(params[i].key(), pyParams[i].at("key").get<std::string>()) << "parameter " << i;
      EXPECT_EQ(params[i].value().sizes().vec(), shapeOf(pyParams[i])) << params[i].key();
      EXPECT_EQ(params[i].value().scalar_type(), torch::kFloat32);
    }

    const auto buffers = model->named_buffers();
    const json& pyBuffers = r.doc.at("buffers");
    ASSERT_EQ(buffers.size(), pyBuffers.size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      EXPECT_EQ(buffers[i].key(), pyBuffers[i].at("key").get<std::string>()) << "buffer " << i;
      EXPECT_EQ(buffers[i].value().sizes().vec(), shapeOf(pyBuffers[i])) << buffers[i].key();
      EXPECT_EQ(buffers[i].value().scalar_type(), dtypeOf(pyBuffers[i].at("dtype"))) << buffers[i].key();
    }

    const auto state = ft::models::stateDictShapes(model);
    const json& pyState = r.doc.at("state_dict");
    ASSERT_EQ(state.size(), pyState.size());
    for (std::size_t i = 0; i < state.size(); ++i) {
      EXPECT_EQ(state[i].first, pyState[i].at("key").get<std::string>()) << "state entry " << i;
      EXPECT_EQ(state[i].second, shapeOf(pyState[i])) << state[i].first;
    }
  }
}

TEST_F(ResNetReference, ParameterCountsMatchTorchvision) {
  FT_NEED_REFERENCE(kAllTagList, false);
  for (const std::string tag : kAllTags) {
    SCOPED_TRACE(tag);
    const Reference& r = ref(tag);
    const json& counts = r.doc.at("counts");
    ResNet model(r.arch(), r.numClasses());
    auto c = model->parameterCounts();
    EXPECT_EQ(c.total, counts.at("total").get<std::int64_t>());
    EXPECT_EQ(c.frozen, 0);
    c = model->setBackboneFrozen(true);
    EXPECT_EQ(c.total, counts.at("total").get<std::int64_t>());
    EXPECT_EQ(c.frozen, counts.at("backbone").get<std::int64_t>());
    EXPECT_EQ(numelOf(model->headParameters()), counts.at("head").get<std::int64_t>());
    c = model->setBackboneFrozen(false);
    EXPECT_EQ(c.frozen, 0);
  }
}

// Loads torchvision's weights (BatchNorm statistics perturbed) and compares logits.
// The Python side ran with num_threads intra-op threads and so do we: with one thread PyTorch
// 1.13 runs small-batch 1x1 convolutions outside oneDNN, and ResNet-50 logits move by ~1e-4
// even within PyTorch.
void checkParity(const Reference& r) {
  const int threadsBefore = torch::get_num_threads();
  torch::set_num_threads(r.doc.at("num_threads").get<int>());
  struct RestoreThreads {
    int n;
    ~RestoreThreads() { torch::set_num_threads(n); }
  } restore{threadsBefore};

  ResNet model(r.arch(), r.numClasses());
  const auto state = r.stateDict();
  EXPECT_EQ(ft::models::loadStateDict(model, state), state.size());
  for (const auto& [key, tensor] : ft::models::stateDict(model))
    ASSERT_TRUE(torch::equal(tensor, state.at(key))) << key;

  const torch::Tensor input = r.tensor("input");
  torch::NoGradGuard noGrad;
  model->eval();
  const torch::Tensor logits = model->forward(input);
  const double evalDiff = maxAbsDiff(logits, r.tensor("eval_logits"));
  EXPECT_LE(evalDiff, 1e-4) << "eval logits";

  // Same weights, channels-last input.
  const torch::Tensor logitsCl = model->forward(input.contiguous(torch::MemoryFormat::ChannelsLast));
  const double clDiff = maxAbsDiff(logitsCl, r.tensor("eval_logits"));
  // A channels-last input takes other kernels: PyTorch itself moves ResNet-50 logits by ~7e-5.
  EXPECT_LE(clDiff, 5e-4) << "eval logits, channels-last input";

  // Train mode: batch statistics and the running-statistics update.
  model->train();
  const torch::Tensor trainLogits = model->forward(input);
  const double trainDiff = maxAbsDiff(trainLogits, r.tensor("train_logits"));
  EXPECT_LE(trainDiff, 1e-4) << "train logits";
  const auto after = ft::models::stateDict(model);
  std::map<std::string, torch::Tensor> byKey(after.begin(), after.end());
  EXPECT_LE(maxAbsDiff(byKey.at("bn1.running_mean"), r.tensor("train_bn1_running_mean")), 1e-5);
  EXPECT_LE(maxAbsDiff(byKey.at("bn1.running_var"), r.tensor("train_bn1_running_var")), 1e-5);
  EXPECT_EQ(byKey.at("bn1.num_batches_tracked").item<std::int64_t>(),
            r.tensor("train_bn1_num_batches_tracked").item<std::int64_t>());
  std::printf("[ models   ] %s max |logit| %.2f, max diff eval %.3g, channels-last %.3g, train %.3g\n",
              r.doc.at("arch").get<std::string>().c_str(), r.tensor("eval_logits").abs().max().item<double>(),
              evalDiff, clDiff, trainDiff);
}

TEST_F(ResNetReference, ResNet18LogitsMatchTorchvision) {
  FT_NEED_REFERENCE({"resnet18_10"}, true);
  checkParity(ref("resnet18_10"));
}

TEST_F(ResNetReference, ResNet50LogitsMatchTorchvision) {
  FT_NEED_REFERENCE({"resnet50_10"}, true);
  checkParity(ref("resnet50_10"));
}

// ------------------------------------------------------------------------------------------
// Behaviour (no Python needed)

TEST(ModelsResNet, ResNet18FrozenCounts) {
  ResNet model(Architecture::ResNet18, 10);
  auto c = model->parameterCounts();
  EXPECT_EQ(c.frozen, 0);
  EXPECT_EQ(c.total, 11181642);
  c = model->setBackboneFrozen(true);
  EXPECT_EQ(c.frozen, 11176512);
  EXPECT_EQ(c.total, 11181642);
  for (const auto& p : model->backboneParameters()) EXPECT_FALSE(p.requires_grad());
  for (const auto& p : model->headParameters()) EXPECT_TRUE(p.requires_grad());
  EXPECT_EQ(model->parameterCounts().frozen, 11176512);
  c = model->setBackboneFrozen(false);
  EXPECT_EQ(c.frozen, 0);
  for (const auto& p : model->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(ModelsResNet, HeadAndBackbonePartitionParameters) {
  for (auto arch : {Architecture::ResNet18, Architecture::ResNet50}) {
    ResNet model(arch, 7);
    const auto head = model->headParameters();
    const auto backbone = model->backboneParameters();
    ASSERT_EQ(head.size(), 2u);
    std::map<const void*, int> seen;
    for (const auto& t : head) ++seen[t.unsafeGetTensorImpl()];
    for (const auto& t : backbone) ++seen[t.unsafeGetTensorImpl()];
    const auto all = model->parameters();
    EXPECT_EQ(head.size() + backbone.size(), all.size());
    EXPECT_EQ(seen.size(), all.size());
    for (const auto& t : all) EXPECT_EQ(seen[t.unsafeGetTensorImpl()], 1);
    EXPECT_TRUE(head[0].is_same(model->named_parameters()["fc.weight"]));
    EXPECT_TRUE(head[1].is_same(model->named_parameters()["fc.bias"]));
  }
}

TEST(ModelsResNet, InitialisationFollowsTorchvision) {
  torch::manual_seed(3);
  ResNet model(Architecture::ResNet18, 10);
  const auto params = model->named_parameters();
  // kaiming_normal_(fan_out, relu): std = sqrt(2 / (out_channels * kh * kw)).
  const torch::Tensor w = params["conv1.weight"];
  const double expectedStd = std::sqrt(2.0 / (64 * 7 * 7));
  EXPECT_NEAR(w.std().item<double>(), expectedStd, 0.05 * expectedStd);
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 0.05 * expectedStd);
  const torch::Tensor w2 = params["layer4.1.conv2.weight"];
  const double expectedStd2 = std::sqrt(2.0 / (512 * 3 * 3));
  EXPECT_NEAR(w2.std().item<double>(), expectedStd2, 0.02 * expectedStd2);
  for (const auto& item : params) {
    if (item.key().find("bn") != std::string::npos || item.key().find("downsample.1") != std::string::npos) {
      if (item.key().size() > 7 && item.key().substr(item.key().size() - 7) == ".weight")
        EXPECT_TRUE(torch::equal(item.value(), torch::ones_like(item.value()))) << item.key();
      else
        EXPECT_TRUE(torch::equal(item.value(), torch::zeros_like(item.value()))) << item.key();
    }
  }
  // Linear: kaiming_uniform_(a = sqrt(5)) and bias U(+-1/sqrt(fan_in)), both bounded by
  // 1/sqrt(512).
  const double bound = 1.0 / std::sqrt(512.0);
  EXPECT_LE(params["fc.weight"].abs().max().item<double>(), bound);
  EXPECT_GT(params["fc.weight"].abs().max().item<double>(), 0.95 * bound);
  EXPECT_LE(params["fc.bias"].abs().max().item<double>(), bound);
}

TEST(ModelsResNet, ForwardShapes) {
  torch::NoGradGuard noGrad;
  for (auto arch : {Architecture::ResNet18, Architecture::ResNet34, Architecture::ResNet50}) {
    ResNet model(arch, 5);
    model->eval();
    const auto x = torch::randn({3, 3, 32, 32});
    EXPECT_EQ(model->features(x).sizes().vec(), (std::vector<std::int64_t>{3, model->featureDim()}));
    EXPECT_EQ(model->forward(x).sizes().vec(), (std::vector<std::int64_t>{3, 5}));
    // Channels-last input gives the same result.
    const auto cl = model->forward(x.contiguous(torch::MemoryFormat::ChannelsLast));
    EXPECT_LE(maxAbsDiff(cl, model->forward(x)), 1e-4);
  }
}

TEST(ModelsResNet, ReplaceHeadKeepsBackbone) {
  ResNet model(Architecture::ResNet18, 10);
  const auto before = snapshot(model);
  const auto keysBefore = ft::models::stateDictShapes(model);
  model->setBackboneFrozen(true);
  model->eval();
  model->replaceHead(3);

  EXPECT_EQ(model->numClasses(), 3);
  const auto params = model->named_parameters();
  EXPECT_EQ(params["fc.weight"].sizes().vec(), (std::vector<std::int64_t>{3, 512}));
  EXPECT_EQ(params["fc.bias"].sizes().vec(), (std::vector<std::int64_t>{3}));
  for (const auto& p : model->headParameters()) EXPECT_TRUE(p.requires_grad());
  EXPECT_EQ(model->parameterCounts().frozen, 11176512);
  EXPECT_EQ(model->parameterCounts().total, 11176512 + 512 * 3 + 3);

  // Same keys in the same order; fc shapes changed, everything else identical.
  const auto keysAfter = ft::models::stateDictShapes(model);
  ASSERT_EQ(keysAfter.size(), keysBefore.size());
  for (std::size_t i = 0; i < keysAfter.size(); ++i) EXPECT_EQ(keysAfter[i].first, keysBefore[i].first);
  for (const auto& [key, tensor] : ft::models::stateDict(model)) {
    if (key.rfind("fc.", 0) == 0) continue;
    EXPECT_TRUE(torch::equal(tensor, before.at(key))) << key;
  }
  // The new head follows the model's mode and is the registered child.
  EXPECT_FALSE(model->named_children()["fc"]->is_training());
  torch::NoGradGuard noGrad;
  EXPECT_EQ(model->forward(torch::randn({2, 3, 32, 32})).sizes().vec(), (std::vector<std::int64_t>{2, 3}));
}

TEST(ModelsResNet, FrozenBackboneGetsNoGradient) {
  ResNet model(Architecture::ResNet18, 4);
  model->setBackboneFrozen(true);
  model->train();
  const auto x = torch::randn({4, 3, 32, 32});
  const auto y = torch::tensor({0, 1, 2, 3}, torch::kLong);
  torch::nn::functional::cross_entropy(model->forward(x), y).backward();
  for (const auto& p : model->backboneParameters()) EXPECT_FALSE(p.grad().defined());
  for (const auto& p : model->headParameters()) {
    ASSERT_TRUE(p.grad().defined());
    EXPECT_GT(p.grad().abs().sum().item<double>(), 0.0);
  }
}

TEST(ModelsResNet, BatchNormHoldKeepsRunningStats) {
  torch::manual_seed(5);
  ResNet model(Architecture::ResNet18, 10);
  const auto x = torch::randn({4, 3, 32, 32}) * 2 + 0.5;
  model->train();
  model->setBackboneBatchNormEval(true);
  EXPECT_TRUE(model->backboneBatchNormEval());
  EXPECT_TRUE(model->is_training());
  for (auto* bn : batchNorms(model)) EXPECT_FALSE(bn->is_training());

  const auto before = snapshot(model);
  torch::Tensor heldOut;
  {
    torch::NoGradGuard noGrad;
    heldOut = model->forward(x);
  }
  for (const auto& [key, tensor] : ft::models::stateDict(model))
    EXPECT_TRUE(torch::equal(tensor, before.at(key))) << key << " changed while held";

  // With every BatchNorm held, a train-mode forward equals an eval-mode forward.
  model->eval();
  {
    torch::NoGradGuard noGrad;
    EXPECT_LE(maxAbsDiff(model->forward(x), heldOut), 1e-6);
  }

  // train() on the whole model keeps the hold while it is on.
  model->train();
  for (auto* bn : batchNorms(model)) EXPECT_FALSE(bn->is_training());

  // Release: BatchNorm follows the model's mode again and statistics move.
  model->setBackboneBatchNormEval(false);
  EXPECT_FALSE(model->backboneBatchNormEval());
  for (auto* bn : batchNorms(model)) EXPECT_TRUE(bn->is_training());
  {
    torch::NoGradGuard noGrad;
    model->forward(x);
  }
  const auto params = snapshot(model);
  EXPECT_FALSE(torch::equal(params.at("bn1.running_mean"), before.at("bn1.running_mean")));
  EXPECT_EQ(params.at("bn1.num_batches_tracked").item<std::int64_t>(), 1);

  // Releasing while the model is in eval mode leaves BatchNorm in eval mode.
  model->eval();
  model->setBackboneBatchNormEval(true);
  model->setBackboneBatchNormEval(false);
  for (auto* bn : batchNorms(model)) EXPECT_FALSE(bn->is_training());
}

TEST(ModelsResNet, LoadStateDictChecksKeysAndShapes) {
  torch::manual_seed(11);
  ResNet source(Architecture::ResNet18, 1000);
  std::unordered_map<std::string, torch::Tensor> state;
  for (const auto& [key, tensor] : ft::models::stateDict(source)) state[key] = tensor;

  ResNet target(Architecture::ResNet18, 10);
  const auto before = snapshot(target);
  try {
    ft::models::loadStateDict(target, state);
    ADD_FAILURE() << "loaded a 1000-class head into a 10-class model";
  } catch (const ft::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("fc.weight"), std::string::npos) << e.what();
  }
  for (const auto& [key, tensor] : ft::models::stateDict(target))
    EXPECT_TRUE(torch::equal(tensor, before.at(key))) << key << " changed by a failed load";

  ft::models::LoadStateOptions skipHead;
  skipHead.skipHead = true;
  EXPECT_EQ(ft::models::loadStateDict(target, state, skipHead), state.size() - 2);
  for (const auto& [key, tensor] : ft::models::stateDict(target)) {
    const auto& expected = key.rfind("fc.", 0) == 0 ? before.at(key) : state.at(key);
    EXPECT_TRUE(torch::equal(tensor, expected)) << key;
  }

  auto partial = state;
  partial.erase("layer1.0.bn1.running_var");
  partial["layer9.weight"] = torch::zeros({1});
  try {
    ft::models::loadStateDict(target, partial, skipHead);
    ADD_FAILURE() << "loaded an incomplete state";
  } catch (const ft::UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("layer1.0.bn1.running_var"), std::string::npos) << message;
    EXPECT_NE(message.find("layer9.weight"), std::string::npos) << message;
  }
  ft::models::LoadStateOptions lenient = skipHead;
  lenient.strict = false;
  EXPECT_EQ(ft::models::loadStateDict(target, partial, lenient), state.size() - 3);
}

// Timing figures only (no assertions): run with --gtest_also_run_disabled_tests;
// FT_BENCH_THREADS sets the intra-op thread count (default 2).
TEST(ModelsResNetBenchmark, DISABLED_ForwardBackwardResNet18Batch64At32) {
  const char* threads = std::getenv("FT_BENCH_THREADS");
  torch::set_num_threads(threads ? std::atoi(threads) : 2);
  torch::manual_seed(0);
  ResNet model(Architecture::ResNet18, 10);
  model->train();
  const auto x = torch::randn({64, 3, 32, 32});
  const auto y = torch::randint(0, 10, {64}, torch::kLong);
  auto timeSteps = [&](const torch::Tensor& input, int steps) {
    for (int i = 0; i < 2; ++i) {  // warm-up
      model->zero_grad();
      torch::nn::functional::cross_entropy(model->forward(input), y).backward();
    }
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) {
      model->zero_grad();
      torch::nn::functional::cross_entropy(model->forward(input), y).backward();
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / steps * 1000.0;
  };
  auto timeForward = [&](const torch::Tensor& input, int steps) {
    torch::NoGradGuard noGrad;
    model->eval();
    model->forward(input);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) model->forward(input);
    model->train();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / steps * 1000.0;
  };
  const int steps = 10;
  const auto xcl = x.contiguous(torch::MemoryFormat::ChannelsLast);
  std::printf("ResNet-18, batch 64, 32x32, %d threads:\n", torch::get_num_threads());
  std::printf("  eval forward (no grad)      %.1f ms\n", timeForward(x, steps));
  std::printf("  fwd+bwd unfrozen            %.1f ms\n", timeSteps(x, steps));
  std::printf("  fwd+bwd unfrozen, ch-last   %.1f ms\n", timeSteps(xcl, steps));
  model->setBackboneFrozen(true);
  std::printf("  fwd+bwd frozen backbone     %.1f ms\n", timeSteps(x, steps));
  model->setBackboneBatchNormEval(true);
  std::printf("  fwd+bwd frozen + BN held    %.1f ms\n", timeSteps(x, steps));
}

}  // namespace
