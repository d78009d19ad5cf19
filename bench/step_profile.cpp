// Where the time of a training step goes (issue 6): runs the engine's own pieces (data loader,
// ResNet, Adam) for a number of batches of the frozen and the unfrozen phase and times data
// wait, forward (with the loss), backward and the optimiser step separately, then times an
// evaluation pass. Candidate settings (threads, batch sizes, channels-last, bfloat16 autocast,
// no-grad vs inference mode) are flags, so each is measured on the same code path.
//
//   build/bench/step_profile --batches 120 --threads 2 [--channels-last] [--bf16] [--json]
//
// The split needs synchronous timing: on the CPU every op has finished when it returns.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include <ATen/autocast_mode.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "config/run_config.h"
#include "data/data_source.h"
#include "data/loader.h"
#include "models/classifier.h"
#include "train/fused_adam.h"

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Options {
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string architecture = "resnet18";
  int inputSize = 32;
  int batchSize = 64;
  int evalBatchSize = 256;
  int threads = 2;
  int workers = 2;
  int batches = 120;  // timed batches per phase
  int warmup = 5;     // untimed batches first
  int evalImages = 5000;
  bool channelsLast = false;
  bool inputChannelsLast = false;  // only the input batch in NHWC; weights stay NCHW
  bool bf16 = false;
  bool engineLayout = false;   // channels-last where the architecture's card says (the engine)
  bool inferenceMode = false;  // evaluation under InferenceMode instead of NoGradGuard
  bool fusedAdam = false;      // train::FusedAdam instead of torch::optim::Adam
  bool json = false;
};

struct Split {
  double data = 0, forward = 0, backward = 0, optimizer = 0;
  std::int64_t images = 0;
  double total() const { return data + forward + backward + optimizer; }
  nlohmann::json toJson() const {
    return {{"data_s", data},
            {"forward_s", forward},
            {"backward_s", backward},
            {"optimizer_s", optimizer},
            {"total_s", total()},
            {"images", images},
            {"images_per_second", total() > 0 ? double(images) / total() : 0.0}};
  }
};

torch::Tensor prepare(torch::Tensor images, const Options& o) {
  return o.channelsLast || o.inputChannelsLast ? images.contiguous(torch::MemoryFormat::ChannelsLast)
                                               : images;
}

Split runPhase(ft::models::Classifier& model, torch::optim::Optimizer& optimizer,
               ft::data::BatchLoader& loader, int epoch, const Options& o) {
  Split split;
  loader.startEpoch(epoch);
  for (int b = 0; b < o.warmup + o.batches; ++b) {
    const bool timed = b >= o.warmup;
    auto t = Clock::now();
    auto batch = loader.next();
    if (!batch) {
      loader.startEpoch(++epoch);
      batch = loader.next();
    }
    auto images = prepare(batch->images, o);
    const double data = since(t);
    t = Clock::now();
    optimizer.zero_grad();  // dropping the gradients instead was measured slower: fresh 45 MB each step
    torch::Tensor loss;
    {
      at::autocast::set_cpu_enabled(o.bf16);
      loss = torch::nn::functional::cross_entropy(model->forward(images).to(torch::kFloat32), batch->labels);
      at::autocast::set_cpu_enabled(false);
      at::autocast::clear_cache();
    }
    const double forward = since(t);
    t = Clock::now();
    loss.backward();
    const double backward = since(t);
    t = Clock::now();
    optimizer.step();
    const double step = since(t);
    (void)loss.item<float>();
    if (!timed) continue;
    split.data += data;
    split.forward += forward;
    split.backward += backward;
    split.optimizer += step;
    split.images += batch->labels.size(0);
  }
  return split;
}

nlohmann::json evaluate(ft::models::Classifier& model, ft::data::BatchLoader& loader, const Options& o) {
  model->eval();
  std::int64_t seen = 0, correct = 0;
  double data = 0, compute = 0;
  auto body = [&] {
    loader.startEpoch(0);
    while (true) {
      auto t = Clock::now();
      auto batch = loader.next();
      if (!batch) break;
      auto images = prepare(batch->images, o);
      data += since(t);
      t = Clock::now();
      at::autocast::set_cpu_enabled(o.bf16);
      auto output = model->forward(images).to(torch::kFloat32);
      at::autocast::set_cpu_enabled(false);
      at::autocast::clear_cache();
      correct += output.argmax(1).eq(batch->labels).sum().item<std::int64_t>();
      compute += since(t);
      seen += batch->labels.size(0);
    }
  };
  if (o.inferenceMode) {
    c10::InferenceMode guard;
    body();
  } else {
    torch::NoGradGuard guard;
    body();
  }
  model->train();
  return {{"images", seen},
          {"data_s", data},
          {"compute_s", compute},
          {"images_per_second", (data + compute) > 0 ? double(seen) / (data + compute) : 0.0}};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Time split of the engine's training step (issue 6)"};
  app.add_option("--data", o.data, "Fashion-MNIST folder")->capture_default_str();
  app.add_option("--arch", o.architecture, "resnet18 | resnet34 | resnet50")->capture_default_str();
  app.add_option("--input-size", o.inputSize)->capture_default_str();
  app.add_option("--batch-size", o.batchSize)->capture_default_str();
  app.add_option("--eval-batch-size", o.evalBatchSize)->capture_default_str();
  app.add_option("--threads", o.threads, "LibTorch threads (0 = every core)")->capture_default_str();
  app.add_option("--workers", o.workers, "loader threads")->capture_default_str();
  app.add_option("--batches", o.batches, "timed batches per phase")->capture_default_str();
  app.add_option("--eval-images", o.evalImages)->capture_default_str();
  app.add_flag("--channels-last", o.channelsLast, "model and inputs in channels-last format");
  app.add_flag("--input-channels-last", o.inputChannelsLast,
               "inputs in channels-last format, weights left NCHW (what the engine does)");
  app.add_flag("--bf16", o.bf16, "bfloat16 autocast for forward (CPU autocast)");
  app.add_flag("--engine-layout", o.engineLayout,
               "with --bf16: channels-last only for architectures measured faster in it, as the engine");
  app.add_flag("--inference-mode", o.inferenceMode, "evaluate under InferenceMode, not NoGradGuard");
  app.add_flag("--fused-adam", o.fusedAdam, "one-pass Adam step (train::FusedAdam)");
  app.add_flag("--json", o.json, "print one JSON object");
  CLI11_PARSE(app, argc, argv);
  if (o.engineLayout) o.channelsLast = o.bf16 && ft::models::architectureInfo(o.architecture).cpuChannelsLast;

  torch::set_num_threads(o.threads > 0 ? o.threads : int(std::thread::hardware_concurrency()));
  ft::config::RunConfig config;
  config.data.path = o.data;
  config.data.validationLimit = o.evalImages;
  const auto data = ft::data::openData(config.data, 42);

  ft::data::LoaderOptions train;
  train.batchSize = o.batchSize;
  train.workers = o.workers;
  train.transform.inputSize = o.inputSize;
  ft::data::LoaderOptions eval = train;
  eval.batchSize = o.evalBatchSize;
  eval.shuffle = false;
  eval.transform.augment = false;
  ft::data::BatchLoader trainLoader(data.train, train), evalLoader(data.validation, eval);

  torch::manual_seed(42);
  auto model = ft::models::makeClassifier(o.architecture, int(data.classNames.size()), o.inputSize);
  if (o.channelsLast)  // convolution weights in NHWC too, as PyTorch's model.to(channels_last)
    for (auto& p : model->parameters())
      if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(model->headParameters());
  groups.emplace_back(model->backboneParameters());
  std::unique_ptr<torch::optim::Optimizer> optimizerOwner;
  if (o.fusedAdam)
    optimizerOwner =
        std::make_unique<ft::train::FusedAdam>(std::move(groups),
                                               torch::optim::AdamOptions(1e-3).weight_decay(1e-4));
  else
    optimizerOwner = std::make_unique<torch::optim::Adam>(std::move(groups),
                                                          torch::optim::AdamOptions(1e-3).weight_decay(1e-4));
  auto& optimizer = *optimizerOwner;
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);

  model->train();
  model->setBackboneFrozen(true);
  const Split frozen = runPhase(model, optimizer, trainLoader, 0, o);
  const auto evaluation = evaluate(model, evalLoader, o);
  model->setBackboneFrozen(false);
  for (auto& group : optimizer.param_groups()) group.options().set_lr(1e-4);
  const Split unfrozen = runPhase(model, optimizer, trainLoader, 1, o);

  nlohmann::json out = {{"settings",
                         {{"arch", o.architecture},
                          {"input_size", o.inputSize},
                          {"batch_size", o.batchSize},
                          {"eval_batch_size", o.evalBatchSize},
                          {"threads", torch::get_num_threads()},
                          {"workers", o.workers},
                          {"batches", o.batches},
                          {"channels_last", o.channelsLast},
                          {"input_channels_last", o.inputChannelsLast},
                          {"bf16", o.bf16},
                          {"inference_mode", o.inferenceMode},
                          {"fused_adam", o.fusedAdam}}},
                        {"frozen", frozen.toJson()},
                        {"unfrozen", unfrozen.toJson()},
                        {"evaluation", evaluation}};
  if (o.json) {
    std::cout << out.dump() << "\n";
    return 0;
  }
  auto row = [](const char* name, const Split& s) {
    const double t = s.total();
    std::printf(
        "%-9s %7.0f img/s | data %5.1f%% | forward %5.1f%% | backward %5.1f%% | optimiser %5.1f%% | %.2f s\n",
        name, s.images / t, 100 * s.data / t, 100 * s.forward / t, 100 * s.backward / t,
        100 * s.optimizer / t, t);
  };
  row("frozen", frozen);
  row("unfrozen", unfrozen);
  std::printf("eval      %7.0f img/s (data %.2f s, compute %.2f s)\n",
              evaluation["images_per_second"].get<double>(), evaluation["data_s"].get<double>(),
              evaluation["compute_s"].get<double>());
  return 0;
}
