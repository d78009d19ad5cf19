#!/usr/bin/env bash
# FineTune Studio quick start. Run as root on Debian 12 (or with sudo rights):
#   ./quickstart.sh run    install what is missing, build, open the studio on Fashion-MNIST
#   ./quickstart.sh test   install what is missing, build, run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev libgloo-dev libopencv-dev libspdlog-dev nlohmann-json3-dev libcli11-dev zlib1g-dev
  libcurl4-openssl-dev libssl-dev
  libgtest-dev libbenchmark-dev libonnx-dev libprotobuf-dev
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
  fonts-wqy-microhei xvfb xauth clang-format clang-14 libclang-rt-14-dev
  lintian desktop-file-utils appstream qt6-qpa-plugins
  dataset-fashion-mnist python3-torchvision
)
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # ONNX Runtime parity test (onnxruntime-node from npm). Keep a node/npm already installed
  # (e.g. NodeSource's nodejs, which conflicts with Debian's npm package).
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    for p in nodejs npm; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}

build() {
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

# The reliability suite (docs/RELIABILITY.md): the engine's reader, run-folder, CLI and trainer
# tests built with clang's AddressSanitizer + UndefinedBehaviorSanitizer, and every libFuzzer
# harness run for FINETUNE_FUZZ_SECONDS on its corpus. SANITIZERS=0 leaves it out.
SANITIZED_TESTS="config_test;data_idx_test;data_cifar10_test;data_image_folder_test;data_loader_test"
SANITIZED_TESTS+=";data_split_test;data_transforms_test;run_folder_test;run_archive_test;weights_pth_test"
SANITIZED_TESTS+=";weights_download_test;weights_cli_test;cli_test;train_trainer_test"
SANITIZED_TESTS+=";train_evaluation_test;loss_scaler_test"
reliability() {
  local dir=${ASAN_BUILD_DIR:-build-asan}
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DFINETUNE_SANITIZE=address,undefined \
    -DFINETUNE_BUILD_FUZZERS=ON -DFINETUNE_BUILD_GUI=OFF "-DFINETUNE_CORE_TESTS=$SANITIZED_TESTS" \
    -DFINETUNE_FUZZ_SECONDS="${FINETUNE_FUZZ_SECONDS:-30}"
  cmake --build "$dir" -j "$JOBS"
  (cd "$dir" && ctest --output-on-failure -j 2 --timeout 1500)
}

case "${1:-}" in
  run)
    install_missing
    build
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      # The studio, with the built-in Fashion-MNIST preselected: click Next through to a run.
      exec "$BUILD_DIR/app/finetune-studio" --data /usr/share/datasets/fashion-mnist
    fi
    echo "No display found (DISPLAY/WAYLAND_DISPLAY unset): running a short headless fine-tuning instead."
    exec "$BUILD_DIR/app/finetune-cli" train --data /usr/share/datasets/fashion-mnist \
      --epochs 2 --freeze-epochs 1 --train-limit 10000 --validation-limit 2000 --name quickstart
    ;;
  test)
    install_missing
    build
    (cd "$BUILD_DIR" && ctest --output-on-failure -j 2 --timeout 1500)
    # The Debian package: built, checked (lintian, desktop-file-validate, appstreamcli),
    # installed, run and removed (scripts/package_test.sh). PACKAGE_TEST=0 leaves it out.
    if [ "${PACKAGE_TEST:-1}" != 0 ]; then
      if [ "$(id -u)" -eq 0 ]; then scripts/package_test.sh "$BUILD_DIR"; else sudo scripts/package_test.sh "$BUILD_DIR"; fi
    fi
    if [ "${SANITIZERS:-1}" != 0 ]; then reliability; fi
    ;;
  *)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac
