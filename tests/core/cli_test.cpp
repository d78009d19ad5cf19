// finetune-cli as a user runs it: exit codes and messages for good and bad input.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace fs = std::filesystem;
using ft::test::runCommand;

namespace {

std::string cli() { return ft::test::cliPath(); }

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { ft::test::writeSyntheticIdx(m_dir / "data", 64, 32); }

  std::string tinyFlags() const {
    return " --data " + (m_dir / "data").string() + " --runs-dir " + (m_dir / "runs").string() +
           " --epochs 1 --freeze-epochs 1 --batch-size 32 --threads 2 --workers 1";
  }

  ft::test::TempDir m_dir{"cli"};
};

}  // namespace

TEST_F(CliTest, DevicesListsTheCpu) {
  const auto r = runCommand(cli() + " devices");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("cpu"), std::string::npos) << r.output;
}

TEST_F(CliTest, ModelsListsEveryArchitectureWithItsCard) {
  const auto table = runCommand(cli() + " models");
  ASSERT_EQ(table.exitCode, 0) << table.output;
  for (const char* name :
       {"resnet18", "resnet101", "alexnet", "vgg16_bn", "mobilenet_v3_small", "efficientnet_b0"})
    EXPECT_NE(table.output.find(name), std::string::npos) << name << "\n" << table.output;
  EXPECT_NE(table.output.find("Residual connections let very deep networks train."), std::string::npos);

  const auto json = runCommand(cli() + " --json models");
  ASSERT_EQ(json.exitCode, 0) << json.output;
  const auto cards = nlohmann::json::parse(json.output);
  ASSERT_TRUE(cards.is_array());
  EXPECT_GE(cards.size(), 11u);
  for (const auto& card : cards) {
    EXPECT_GT(card.at("parameters").get<std::int64_t>(), 1'000'000) << card.dump();
    EXPECT_GT(card.at("gmacs_224").get<double>(), 0.0) << card.dump();
    EXPECT_GE(card.at("year").get<int>(), 2012) << card.dump();
    EXPECT_GT(card.at("weights").at("top1").get<double>(), 50.0) << card.dump();
    EXPECT_EQ(card.at("weights").at("crop").get<int>(), 224) << card.dump();
  }
  EXPECT_EQ(cards[0].at("architecture"), "resnet18");
  EXPECT_EQ(cards[0].at("parameters"), 11689512);
}

TEST_F(CliTest, TrainPrintsJsonEventsAndExports) {
  const auto r = runCommand(cli() + " --json train" + tinyFlags() + " --name json --run-dir " +
                            (m_dir / "run1").string() + " 2>/dev/null");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  int iterations = 0, epochs = 0, finished = 0;
  while (std::getline(lines, line)) {
    const auto event = nlohmann::json::parse(line);  // every line is one JSON object
    const auto kind = event.at("event").get<std::string>();
    iterations += kind == "iteration";
    epochs += kind == "epoch";
    finished += kind == "finished";
  }
  EXPECT_EQ(iterations, 2);
  EXPECT_EQ(epochs, 1);
  EXPECT_EQ(finished, 1);

  const auto exported = runCommand(cli() + " export " + (m_dir / "run1").string() + " --checkpoint last");
  EXPECT_EQ(exported.exitCode, 0) << exported.output;
  EXPECT_TRUE(fs::exists(m_dir / "run1" / "exports" / "model-last.pt"));
  EXPECT_TRUE(fs::exists(m_dir / "run1" / "exports" / "model-last.json"));

  // The same folder again: refused, nothing overwritten.
  const auto before = fs::last_write_time(m_dir / "run1" / "metrics.csv");
  const auto again = runCommand(cli() + " train" + tinyFlags() + " --run-dir " + (m_dir / "run1").string());
  EXPECT_EQ(again.exitCode, 1);
  EXPECT_NE(again.output.find("already exists"), std::string::npos) << again.output;
  EXPECT_EQ(fs::last_write_time(m_dir / "run1" / "metrics.csv"), before);
}

TEST_F(CliTest, BadInputNamesTheProblem) {
  struct Case {
    std::string args;
    std::string expected;
  };
  std::ofstream(m_dir / "unknown.json") << R"({"train": {"epoch": 3}})";
  const std::vector<Case> cases = {
      {" train --data " + (m_dir / "absent").string(), "absent"},
      {" train --epochs 2 --freeze-epochs 5", "train.freeze_epochs"},
      {" train --head-lr 0", "optim.head_lr"},
      {" train --batch-size 0", "train.batch_size"},
      {" train --config " + (m_dir / "unknown.json").string(), "unknown key train.epoch"},
      {" train --device cuda:0" + tinyFlags(), "cannot be used"},
      {" resume " + (m_dir / "no-run").string(), "not a run folder"},
      {" export " + (m_dir / "no-run").string(), "not a run folder"},
  };
  for (const auto& c : cases) {
    const auto r = runCommand(cli() + c.args);
    EXPECT_EQ(r.exitCode, 1) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << c.args << "\n" << r.output;
  }
}

TEST_F(CliTest, CorruptIdxFileIsNamedAndNothingIsCreated) {
  const auto data = m_dir / "data";
  fs::resize_file(data / "train-images-idx3-ubyte", 1000);  // truncated
  const auto r = runCommand(cli() + " train" + tinyFlags() + " --run-dir " + (m_dir / "run2").string());
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("train-images-idx3-ubyte"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(m_dir / "run2")) << "bad input must not leave a run folder behind";
}

TEST_F(CliTest, EstimateTimesBatchesAndWritesNothing) {
  std::string flags = tinyFlags();  // 3 epochs, 1 frozen: the run total sums both phases
  flags.replace(flags.find(" --epochs 1 "), 12, " --epochs 3 ");
  const auto r = runCommand(cli() + " train" + flags + " --input-size 32 --estimate 2>&1");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("Per epoch (median of 5 real batches per phase): frozen "), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("the whole run (3 epochs, 1 frozen) about "), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(m_dir / "runs")) << "an estimate must not create a run folder";

  const auto j =
      runCommand(cli() + " --json train" + tinyFlags() + " --input-size 32 --estimate 2>/dev/null");
  ASSERT_EQ(j.exitCode, 0) << j.output;
  const auto event = nlohmann::json::parse(j.output);
  EXPECT_EQ(event.at("event"), "estimate");
  EXPECT_GT(event.at("frozen_seconds_per_epoch").get<double>(), 0.0);
  EXPECT_GE(event.at("busy_cores").get<double>(), 0.0);
  EXPECT_EQ(event.at("batches_measured"), 5);
}

TEST_F(CliTest, EstimateOfBadDataNamesTheFolder) {
  const auto r = runCommand(cli() + " train --data " + (m_dir / "nowhere").string() + " --estimate 2>&1");
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find((m_dir / "nowhere").string()), std::string::npos) << r.output;
}

// Issue 14, items 6 and 7: while a run trains, a second process cannot resume it (it used to
// be accepted, both writing the same checkpoints); closing the terminal (SIGHUP) stops training
// like SIGTERM: a checkpoint is saved and the exit code is 130 (it used to die with 129).
TEST_F(CliTest, RunningRunRefusesASecondWriterAndHangupStopsIt) {
  const auto runDir = m_dir / "runs" / "hangup";
  const std::string train = cli() + " train --data " + (m_dir / "data").string() + " --run-dir " +
                            runDir.string() +
                            " --epochs 100000 --freeze-epochs 1 --batch-size 32 --threads 2 --workers 1";
  const auto checkpoint = (runDir / "checkpoints" / "last.ckpt").string();
  // Wait for the first epoch's checkpoint (at most 120 s), try a second writer, then hang up.
  const auto r = runCommand("sh -c '" + train + " & p=$!; i=0; while [ ! -s " + checkpoint +
                            " ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; " + cli() + " resume " +
                            runDir.string() +
                            "; echo \"second=$?\"; kill -HUP $p; wait $p; echo \"exit=$?\"'");
  EXPECT_NE(r.output.find("second=1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("this run is being trained by pid"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("exit=130"), std::string::npos) << r.output;
  std::ifstream log(runDir / "log.txt");
  const std::string logText((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_EQ(logText.find("Resuming run"), std::string::npos) << "the second process wrote to log.txt";
  EXPECT_NE(r.output.find("checkpoint saved"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(checkpoint));
}

namespace {

// Temporaries (<name>.tmp-<pid>) anywhere in a run folder.
std::vector<std::string> temporariesIn(const fs::path& dir) {
  std::vector<std::string> found;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end; it.increment(error))
    if (it->path().filename().string().find(".tmp-") != std::string::npos)
      found.push_back(it->path().string());
  return found;
}

}  // namespace

// Issue 14, item 1: a full disk (here a file-size limit, which fails writes the same way
// without root) is a clear error naming the file; it used to abort (SIGABRT from LibTorch's
// archive writer) and leave a 120 MB temporary behind. Saved work stays loadable.
TEST_F(CliTest, FullDiskIsAnErrorNamingTheFileAndLeavesNoTemporary) {
  const auto good = m_dir / "runs" / "good";
  ASSERT_EQ(runCommand(cli() + " train" + tinyFlags() + " --run-dir " + good.string()).exitCode, 0);
  const auto full = m_dir / "runs" / "full";
  // ~10-20 MB: the config, log and metrics fit, a ResNet-18 checkpoint (~130 MB) does not.
  const auto r = runCommand("sh -c 'ulimit -f 20000; exec " + cli() + " train" + tinyFlags() + " --run-dir " +
                            full.string() + "'");
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("last.ckpt: writing failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the disk may be full"), std::string::npos) << r.output;
  EXPECT_TRUE(temporariesIn(full).empty()) << temporariesIn(full).front();

  const auto exportFile = m_dir / "model.pt";
  const auto exported = runCommand("sh -c 'ulimit -f 2000; exec " + cli() + " export " + good.string() +
                                   " --checkpoint last -o " + exportFile.string() + "'");
  EXPECT_EQ(exported.exitCode, 1) << exported.output;
  EXPECT_NE(exported.output.find("model.pt: writing failed"), std::string::npos) << exported.output;
  EXPECT_FALSE(fs::exists(exportFile));
  EXPECT_TRUE(temporariesIn(m_dir.path()).empty());
  // Every other writer (torchvision .pth and safetensors through stdio, ONNX through protobuf)
  // says the same and leaves nothing behind.
  for (const char* name : {"model.pth", "model.safetensors", "model.onnx"}) {
    const auto file = m_dir / name;
    const auto r2 = runCommand("sh -c 'ulimit -f 2000; exec " + cli() + " export " + good.string() +
                               " --checkpoint last -o " + file.string() + "'");
    EXPECT_EQ(r2.exitCode, 1) << name << ": " << r2.output;
    EXPECT_NE(r2.output.find(std::string(name) + ": writing failed"), std::string::npos) << r2.output;
    EXPECT_FALSE(fs::exists(file)) << name;
    EXPECT_TRUE(temporariesIn(m_dir.path()).empty()) << name;
  }
  // The run written before is intact.
  EXPECT_EQ(runCommand(cli() + " export " + good.string() + " --checkpoint last -o " + exportFile.string())
                .exitCode,
            0);
}

// A temporary left by a kill during a checkpoint write is removed when the run is resumed.
TEST_F(CliTest, ResumeRemovesStaleTemporaries) {
  const auto run = m_dir / "runs" / "stale";
  ASSERT_EQ(runCommand(cli() + " train" + tinyFlags() + " --run-dir " + run.string()).exitCode, 0);
  const auto stale = run / "checkpoints" / "last.ckpt.tmp-99999";
  std::ofstream(stale) << std::string(1000, 'x');
  std::ofstream(run / "checkpoints" / "notes.tmp-draft") << "not ours";  // no pid: left alone
  const auto r = runCommand(cli() + " resume " + run.string());
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(run / "checkpoints" / "notes.tmp-draft"));
  std::ifstream log(run / "log.txt");
  const std::string logText((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(logText.find("last.ckpt.tmp-99999 (1000 bytes), left by an interrupted write"), std::string::npos)
      << logText;

  // Issue 14, item 5: without last.ckpt the message points at best.ckpt instead of claiming
  // that the run never saved one.
  fs::remove(run / "checkpoints" / "last.ckpt");
  const auto noLast = runCommand(cli() + " resume " + run.string());
  EXPECT_EQ(noLast.exitCode, 1) << noLast.output;
  EXPECT_NE(noLast.output.find("best.ckpt is there"), std::string::npos) << noLast.output;
  EXPECT_EQ(noLast.output.find("before its first checkpoint"), std::string::npos) << noLast.output;
}

// kill -9 at moments spread over a run, checkpoint writes included, again and again: whatever
// was saved before a kill always loads, and resume carries on to the end.
TEST_F(CliTest, KillNineAtAnyMomentLeavesALoadableCheckpoint) {
  const auto run = m_dir / "runs" / "killed";
  const auto last = run / "checkpoints" / "last.ckpt";
  const std::string flags = " --data " + (m_dir / "data").string() +
                            " --epochs 6 --freeze-epochs 1 --batch-size 32 --threads 2 --workers 1";
  // The first start: wait for the first checkpoint, then kill at once (mid-epoch or mid-write).
  auto r = runCommand(
      "sh -c '" + cli() + " train" + flags + " --run-dir " + run.string() +
      " >/dev/null 2>&1 & p=$!; i=0; while [ ! -e " + last.string() +
      " ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; kill -9 $p; wait $p; echo exit=$?'");
  ASSERT_NE(r.output.find("exit=137"), std::string::npos) << r.output;
  int finished = 0;
  for (int attempt = 0; attempt < 8 && !finished; ++attempt) {
    // Every checkpoint present loads: an export reads it, checks its CRCs and runs the model.
    for (const char* name : {"last", "best"}) {
      if (!fs::exists(run / "checkpoints" / (std::string(name) + ".ckpt"))) continue;
      const auto e = runCommand(cli() + " export " + run.string() + " --checkpoint " + name + " -o " +
                                (m_dir / "probe.safetensors").string());
      EXPECT_EQ(e.exitCode, 0) << "after kill " << attempt << ", " << name << ".ckpt: " << e.output;
    }
    EXPECT_TRUE(temporariesIn(run).size() <= 1) << "more than one temporary after kill " << attempt;
    // Resume, and kill again after a delay that moves through the epoch (and its write).
    const double delay = 0.3 + 0.45 * attempt;
    r = runCommand("sh -c '" + cli() + " resume " + run.string() + " >/dev/null 2>&1 & p=$!; sleep " +
                   std::to_string(delay) + "; kill -9 $p 2>/dev/null; wait $p; echo exit=$?'");
    finished = r.output.find("exit=0") != std::string::npos;
  }
  // Resume to the end: the run completes with every epoch in its metrics.
  if (!finished) {
    r = runCommand(cli() + " resume " + run.string());
    ASSERT_EQ(r.exitCode, 0) << r.output;
  }
  EXPECT_TRUE(temporariesIn(run).empty());
  const auto e = runCommand(cli() + " export " + run.string() + " --checkpoint last -o " +
                            (m_dir / "final.safetensors").string());
  EXPECT_EQ(e.exitCode, 0) << e.output;
  std::ifstream metrics(run / "metrics.csv");
  const std::string text((std::istreambuf_iterator<char>(metrics)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\nepoch,6,"), std::string::npos) << text;
}
