#!/bin/sh
# Regenerates docs/screenshots/<page>-{en,zh_CN}.png: the studio on a virtual 1400x900 screen
# (xvfb), driven through every page on the built-in Fashion-MNIST with small limits, the
# dashboard captured mid-training. Takes a few minutes on two cores.
#   scripts/screenshots.sh [build dir] [finetune-screenshots options, e.g. --train-limit 1000]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
[ $# -gt 0 ] && shift
command -v xvfb-run >/dev/null || { echo "xvfb-run is missing: apt-get install xvfb" >&2; exit 1; }
fc-list :lang=zh | grep -q . || echo "warning: no Chinese font (apt-get install fonts-wqy-microhei)" >&2
cmake --build "$build" --target finetune-screenshots
mkdir -p "$root/docs/screenshots"
xvfb-run -a -s "-screen 0 1400x900x24" \
  "$build/app/finetune-screenshots" --out "$root/docs/screenshots" "$@"
