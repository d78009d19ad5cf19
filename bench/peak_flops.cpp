// This machine's FP32 ceiling (issue 6): a large 3x3 convolution (oneDNN, the kernels ResNet's
// training uses) and a square GEMM through LibTorch, in GFLOP/s (best of several repetitions).
// Debian's libtorch links the generic reference BLAS (libblas3), so its GEMM runs at a few
// GFLOP/s: the convolution is the ceiling that matters for the engine.
//
//   build/bench/peak_flops [--threads 2] [--json]
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace {
using Clock = std::chrono::steady_clock;

template <typename F>
double bestSeconds(int reps, F&& f) {
  f();  // warm-up (allocations, kernel selection)
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto t = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t).count());
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  int threads = 0, reps = 5, n = 1024;  // Debian's LibTorch GEMM is the reference BLAS: slow
  bool json = false;
  CLI::App app{"Peak FP32 GFLOP/s of this machine through LibTorch (issue 6)"};
  app.add_option("--threads", threads, "LibTorch threads (0 = every core)")->capture_default_str();
  app.add_option("--reps", reps)->capture_default_str();
  app.add_option("--n", n, "GEMM size n x n x n")->capture_default_str();
  app.add_flag("--json", json);
  CLI11_PARSE(app, argc, argv);
  torch::set_num_threads(threads > 0 ? threads : int(std::thread::hardware_concurrency()));
  torch::NoGradGuard noGrad;
  torch::manual_seed(0);

  auto a = torch::randn({n, n}), b = torch::randn({n, n}), c = torch::empty({n, n});
  const double gemmSeconds = bestSeconds(reps, [&] { torch::mm_out(c, a, b); });
  const double gemm = 2.0 * double(n) * n * n / gemmSeconds / 1e9;

  // A ResNet-like 3x3 convolution big enough to keep the cores busy: 64 images of 256 channels
  // at 28 x 28 -> 256 channels.
  const std::int64_t batch = 64, channels = 256, side = 28;
  auto x = torch::randn({batch, channels, side, side});
  auto w = torch::randn({channels, channels, 3, 3});
  const double convSeconds = bestSeconds(reps, [&] { (void)torch::conv2d(x, w, {}, 1, 1); });
  const double convFlops = 2.0 * batch * channels * side * side * channels * 9;
  const double conv = convFlops / convSeconds / 1e9;

  const nlohmann::json out = {{"threads", torch::get_num_threads()},
                              {"gemm_n", n},
                              {"gemm_gflops", gemm},
                              {"conv_gflops", conv}};
  if (json)
    std::cout << out.dump() << "\n";
  else
    std::printf("threads %d | GEMM %dx%dx%d: %.1f GFLOP/s | conv 3x3 %lldx%lldx%lldx%lld: %.1f GFLOP/s\n",
                torch::get_num_threads(), n, n, n, gemm, (long long)batch, (long long)channels,
                (long long)side, (long long)side, conv);
  return 0;
}
