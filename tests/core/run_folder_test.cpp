// The run folder module (core/run): what counts as a run folder, the checkpoint a run has,
// metrics.csv written and read back by column name, the time left in a run, and the machine
// load meter the estimate uses.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/cpu_load.h"
#include "run/metrics_file.h"
#include "run/progress.h"
#include "run/run_folder.h"
#include "run/run_lock.h"
#include "test_support.h"
#include "user_error.h"

namespace fs = std::filesystem;
using ft::test::expectUserError;

namespace {

std::vector<ft::run::IterationEvent> someIterations() {
  std::vector<ft::run::IterationEvent> out;
  for (int epoch = 0; epoch < 2; ++epoch)
    for (int batch = 1; batch <= 3; ++batch) {
      ft::run::IterationEvent e;
      e.epoch = epoch;
      e.iteration = epoch * 3 + batch;
      e.batch = batch;
      e.batchesPerEpoch = 3;
      e.loss = 2.0 / double(e.iteration);
      e.learningRates = {1e-3, epoch == 0 ? 1e-3 : 1e-4};
      e.imagesPerSecond = 100.0 + double(e.iteration);
      out.push_back(e);
    }
  return out;
}

std::vector<ft::run::EpochEvent> someEpochs() {
  std::vector<ft::run::EpochEvent> out;
  for (int epoch = 0; epoch < 2; ++epoch) {
    ft::run::EpochEvent e;
    e.epoch = epoch;
    e.epochs = 2;
    e.phase = epoch == 0 ? ft::run::Phase::Frozen : ft::run::Phase::Unfrozen;
    e.trainLoss = 1.5 - epoch;
    e.trainAccuracy = 40.0 + 10 * epoch;
    e.validationLoss = 1.25 - epoch * 0.5;
    e.validationAccuracy = epoch == 0 ? 55.5 : 50.25;  // the first epoch stays the best
    e.learningRates = {1e-3, 1e-4};
    e.imagesPerSecond = 321.0;
    e.seconds = 12.5;
    out.push_back(e);
  }
  return out;
}

}  // namespace

TEST(RunFolder, OpenSaysWhatIsNotARunFolder) {
  ft::test::TempDir dir("run-open");
  expectUserError([&] { ft::run::openRunFolder((dir / "absent").string()); },
                  {(dir / "absent").string(), "not a run folder", "runs/"});
  expectUserError([&] { ft::run::openRunFolder(dir.path().string()); },
                  {dir.path().string(), "no config.json here, so this is not a run folder"});
  std::ofstream(dir / "config.json") << "{}\n";
  const auto paths = ft::run::openRunFolder(dir.path().string());
  EXPECT_EQ(paths.config, (dir / "config.json").string());
  EXPECT_EQ(paths.checkpoint("best"), (dir / "checkpoints" / "best.ckpt").string());
  expectUserError([&] { paths.checkpoint("middle"); }, {"\"middle\"", "best or last"});
}

TEST(RunFolder, MissingCheckpointSaysWhichOnesExist) {
  ft::test::TempDir dir("run-checkpoints");
  fs::create_directories(dir / "checkpoints");
  const ft::run::RunPaths paths(dir.path().string());
  expectUserError([&] { ft::run::existingCheckpoint(paths, "best"); },
                  {"best.ckpt: missing", "no checkpoint yet", "finetune-cli resume " + dir.path().string()});
  std::ofstream(dir / "checkpoints" / "last.ckpt") << "x";
  EXPECT_EQ(ft::run::existingCheckpoint(paths, "last"), paths.lastCheckpoint);
  expectUserError([&] { ft::run::existingCheckpoint(paths, "best"); },
                  {"This run has last; choose --checkpoint last"});
}

TEST(MetricsFile, WrittenEventsReadBack) {
  ft::test::TempDir dir("metrics");
  const auto file = (dir / "metrics.csv").string();
  const auto iterations = someIterations();
  const auto epochs = someEpochs();
  ft::run::writeMetricsFile(file, iterations, epochs);

  // Each epoch's iterations, then its epoch row.
  std::ifstream in(file);
  std::string line;
  std::vector<std::string> kinds;
  std::getline(in, line);
  EXPECT_EQ(line, ft::run::MetricsWriter::header());
  while (std::getline(in, line)) kinds.push_back(line.substr(0, line.find(',')));
  const std::vector<std::string> expected = {"iteration", "iteration", "iteration", "epoch",
                                             "iteration", "iteration", "iteration", "epoch"};
  EXPECT_EQ(kinds, expected);

  const auto back = ft::run::readMetricsFile(file, 2);
  ASSERT_EQ(back.iterations.size(), iterations.size());
  ASSERT_EQ(back.epochs.size(), epochs.size());
  for (std::size_t i = 0; i < iterations.size(); ++i) {
    EXPECT_EQ(back.iterations[i].epoch, iterations[i].epoch);
    EXPECT_EQ(back.iterations[i].iteration, iterations[i].iteration);
    EXPECT_EQ(back.iterations[i].batch, iterations[i].batch);
    EXPECT_EQ(back.iterations[i].batchesPerEpoch, 3);
    EXPECT_NEAR(back.iterations[i].loss, iterations[i].loss, 1e-6);
    EXPECT_EQ(back.iterations[i].learningRates, iterations[i].learningRates);
  }
  EXPECT_EQ(back.epochs[0].phase, ft::run::Phase::Frozen);
  EXPECT_EQ(back.epochs[1].phase, ft::run::Phase::Unfrozen);
  EXPECT_DOUBLE_EQ(back.epochs[1].validationAccuracy, 50.25);
  EXPECT_DOUBLE_EQ(back.epochs[0].seconds, 12.5);
  EXPECT_TRUE(back.epochs[0].best);
  EXPECT_FALSE(back.epochs[1].best);
}

TEST(MetricsFile, ColumnsAreFoundByNameAndTornRowsSkipped) {
  ft::test::TempDir dir("metrics-columns");
  const auto file = (dir / "metrics.csv").string();
  // A file whose columns come in another order (a later version may add or move some), with a
  // row torn by a crash at the end.
  std::ofstream(file) << "epoch,kind,val_accuracy,phase,iteration,batch,loss,seconds\n"
                         "1,iteration,,,1,1,2.5,\n"
                         "1,epoch,61.5,frozen,,,,9\n"
                         "2,itera";
  const auto back = ft::run::readMetricsFile(file, 3);
  ASSERT_EQ(back.iterations.size(), 1u);
  EXPECT_DOUBLE_EQ(back.iterations[0].loss, 2.5);
  EXPECT_TRUE(back.iterations[0].learningRates.empty());
  ASSERT_EQ(back.epochs.size(), 1u);
  EXPECT_DOUBLE_EQ(back.epochs[0].validationAccuracy, 61.5);
  EXPECT_EQ(back.epochs[0].epochs, 3);
  EXPECT_DOUBLE_EQ(back.epochs[0].seconds, 9.0);

  std::ofstream(file) << "this is not,a metrics file\n";
  expectUserError([&] { ft::run::readMetricsFile(file, 1); }, {file, "not a metrics file"});
  EXPECT_TRUE(ft::run::readMetricsFile((dir / "absent.csv").string(), 1).iterations.empty());
}

TEST(MetricsFile, UnwritablePathNamesTheFile) {
  ft::test::TempDir dir("metrics-unwritable");
  const auto file = (dir / "no-such-folder" / "metrics.csv").string();
  expectUserError([&] { ft::run::writeMetricsFile(file, someIterations(), someEpochs()); }, {file});
}

TEST(TimeLeft, EpochAndRunAtTheEpochsPace) {
  ft::run::IterationEvent e;
  EXPECT_FALSE(ft::run::timeLeft(e, 3));  // no pace yet
  e.epoch = 0;
  e.batch = 10;
  e.batchesPerEpoch = 40;
  e.epochSeconds = 5.0;  // 0.5 s per batch
  const auto left = ft::run::timeLeft(e, 3);
  ASSERT_TRUE(left);
  EXPECT_DOUBLE_EQ(left->epochSeconds, 15.0);
  ASSERT_TRUE(left->runSeconds);
  EXPECT_DOUBLE_EQ(*left->runSeconds, 15.0 + 2 * 40 * 0.5);
  e.epoch = 2;  // the last epoch: nothing after it
  EXPECT_FALSE(ft::run::timeLeft(e, 3)->runSeconds);
  EXPECT_FALSE(ft::run::timeLeft(e, 0)->runSeconds);  // total unknown
}

// Another process spinning one core for a second shows up. The bound is loose on purpose: on a
// loaded 2-core CI machine the spinner may get only part of a core, but well over 0.3 of one.
TEST(OtherCpuLoad, SeesAnotherProcess) {
  ft::OtherCpuLoad idleish;
  EXPECT_GE(idleish.busyCores(), 0.0);

  ft::OtherCpuLoad load;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
    volatile unsigned long spin = 0;
    while (std::chrono::steady_clock::now() < end) spin = spin + 1;
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_GE(load.busyCores(), 0.3);
}

// Issue 14, item 8: resuming drops damaged rows of metrics.csv, but says so and keeps the
// original; the torn last line a crash leaves goes without a word.
TEST(MetricsFile, ResumeNamesDamagedLinesAndKeepsTheOriginal) {
  ft::test::TempDir dir("metrics-damaged");
  const auto file = (dir / "metrics.csv").string();
  ft::run::writeMetricsFile(file, someIterations(), someEpochs());
  std::string original;
  {
    std::ifstream in(file);
    original.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // A garbage line after the header (line 2) and a torn last line.
  const auto firstNewline = original.find('\n');
  const std::string damaged = original.substr(0, firstNewline + 1) + "\x01\x02garbage\n" +
                              original.substr(firstNewline + 1) + "iteration,2";
  std::ofstream(file, std::ios::binary) << damaged;
  {
    ft::run::MetricsWriter writer(file, 1000, 1000);
    ASSERT_EQ(writer.warnings().size(), 1u);
    const auto& warning = writer.warnings().front();
    EXPECT_NE(warning.find("metrics.csv: 1 damaged line(s) dropped (line 2)"), std::string::npos) << warning;
    EXPECT_NE(warning.find("metrics.csv.damaged"), std::string::npos) << warning;
  }
  std::ifstream copy(file + ".damaged", std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(copy), std::istreambuf_iterator<char>()), damaged);
  const auto back = ft::run::readMetricsFile(file, 2);
  EXPECT_EQ(back.iterations.size(), someIterations().size());
  EXPECT_EQ(back.epochs.size(), someEpochs().size());

  // A clean file (or one with only a torn last line) gives no warning and no copy.
  ft::run::writeMetricsFile(file, someIterations(), someEpochs());
  std::ofstream(file, std::ios::app) << "epoch,2,,";
  fs::remove(file + ".damaged");
  ft::run::MetricsWriter clean(file, 1000, 1000);
  EXPECT_TRUE(clean.warnings().empty());
  EXPECT_FALSE(fs::exists(file + ".damaged"));
}

// Issue 14, item 6: one writer per run folder.
TEST(RunLock, SecondHolderIsRefusedNamingTheFirst) {
  ft::test::TempDir dir("run-lock");
  const std::string run = dir.path().string();
  EXPECT_FALSE(ft::run::runLockHolder(run).has_value());
  {
    ft::run::RunLock first(run);
    const auto holder = ft::run::runLockHolder(run);
    ASSERT_TRUE(holder.has_value());
    EXPECT_NE(holder->find("pid " + std::to_string(::getpid())), std::string::npos) << *holder;
    // flock is per open file: a second lock in the same process conflicts like another process.
    ft::test::expectUserError([&] { ft::run::RunLock second(run); },
                              {run, "being trained by pid " + std::to_string(::getpid()), "wait for it",
                               "then resume"});
  }
  EXPECT_FALSE(ft::run::runLockHolder(run).has_value());
  EXPECT_NO_THROW(ft::run::RunLock again(run));
}

TEST(RunLock, IsReleasedWhenItsProcessDies) {
  ft::test::TempDir dir("run-lock-kill");
  const std::string run = dir.path().string();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ft::run::RunLock lock(run);
    const char byte = 1;
    [[maybe_unused]] auto written = ::write(ready[1], &byte, 1);
    ::pause();  // until SIGKILL: no destructor runs
    ::_exit(0);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  EXPECT_TRUE(ft::run::runLockHolder(run).has_value());
  EXPECT_THROW(ft::run::RunLock{run}, ft::UserError);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_FALSE(ft::run::runLockHolder(run).has_value());
  EXPECT_NO_THROW(ft::run::RunLock after(run));
}
