// finetune-cli with the weights layer: --weights PATH for .pth and .safetensors starting
// weights (another class count: new head), export --format pth|safetensors read by torchvision
// with strict=True, and clear refusals.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <string>

#include "models/resnet.h"
#include "test_support.h"
#include "weights/torch_file.h"

namespace fs = std::filesystem;
using ft::test::runCommand;

namespace {

constexpr int kSkipExitCode = 77;

class WeightsCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ft::test::writeSyntheticIdx(m_dir / "data", 64, 32); }

  std::string train(const std::string& weights, const std::string& runName) const {
    return ft::test::cliPath() + " train --data " + (m_dir / "data").string() + " --runs-dir " +
           (m_dir / "runs").string() + " --run-dir " + (m_dir / runName).string() + " --weights " + weights +
           " --epochs 1 --freeze-epochs 1 --batch-size 32 --threads 2 --workers 1 2>&1";
  }

  ft::test::TempDir m_dir{"weights-cli"};
};

}  // namespace

TEST_F(WeightsCliTest, PthStartsARunAndExportsLoadInTorchvision) {
  // An ImageNet-shaped ResNet-18 state dict (1000 classes) in torch.save's format.
  torch::manual_seed(11);
  ft::models::ResNet imagenetShaped(ft::models::Architecture::ResNet18, 1000);
  const auto start = (m_dir / "start.pth").string();
  ft::weights::writeTorchFile(start, ft::models::stateDict(imagenetShaped));

  const auto first = runCommand(train(start, "run1"));
  ASSERT_EQ(first.exitCode, 0) << first.output;
  EXPECT_NE(first.output.find("Starting weights: " + start), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("fc is new for 10"), std::string::npos) << first.output;

  const std::string run = (m_dir / "run1").string();
  const auto pth =
      runCommand(ft::test::cliPath() + " export " + run + " --checkpoint last --format pth 2>&1");
  ASSERT_EQ(pth.exitCode, 0) << pth.output;
  EXPECT_TRUE(fs::exists(m_dir / "run1" / "exports" / "model-last.pth"));
  EXPECT_TRUE(fs::exists(m_dir / "run1" / "exports" / "model-last.json"));
  const auto safetensors = (m_dir / "model.safetensors").string();
  const auto st =
      runCommand(ft::test::cliPath() + " export " + run + " --checkpoint last -o " + safetensors + " 2>&1");
  ASSERT_EQ(st.exitCode, 0) << st.output;
  EXPECT_TRUE(fs::exists(safetensors));

  for (const auto& path : {(m_dir / "run1" / "exports" / "model-last.pth").string(), safetensors}) {
    const int rc = ft::test::runReferencePython("weights_reference.py", "strict resnet18 10 " + path);
    if (rc == kSkipExitCode) FT_REFERENCE_MISSING("/usr/bin/python3 cannot import torch/torchvision");
    EXPECT_EQ(rc, 0) << path;
  }

  // The export starts the next run (same class count: the head is kept).
  const auto second = runCommand(train(safetensors, "run2"));
  ASSERT_EQ(second.exitCode, 0) << second.output;
  EXPECT_NE(second.output.find("Starting weights: " + safetensors + " (safetensors)"), std::string::npos)
      << second.output;
  EXPECT_EQ(second.output.find("fc is new"), std::string::npos) << second.output;
}

TEST_F(WeightsCliTest, BadWeightsAndFormatsAreRefused) {
  const auto missing = runCommand(train((m_dir / "absent.pth").string(), "missing"));
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_NE(missing.output.find("absent.pth: weights file not found"), std::string::npos) << missing.output;
  EXPECT_FALSE(fs::exists(m_dir / "missing"));

  ft::models::ResNet r34(ft::models::Architecture::ResNet34, 10);
  const auto wrong = (m_dir / "r34.pth").string();
  ft::weights::writeTorchFile(wrong, ft::models::stateDict(r34));
  const auto mismatch = runCommand(train(wrong, "mismatch"));
  EXPECT_EQ(mismatch.exitCode, 1);
  EXPECT_NE(mismatch.output.find("these are ResNet-34 weights; the model is ResNet-18"), std::string::npos)
      << mismatch.output;

  const auto contradiction = runCommand(ft::test::cliPath() + " export " + (m_dir / "nowhere").string() +
                                        " -o model.pth --format safetensors 2>&1");
  EXPECT_EQ(contradiction.exitCode, 1);
  EXPECT_NE(contradiction.output.find("ends in .pth"), std::string::npos) << contradiction.output;
}
