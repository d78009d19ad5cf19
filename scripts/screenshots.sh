#!/bin/sh
# Regenerates the studio's screenshots, every page in English and Chinese, driven through a run
# on the built-in Fashion-MNIST with small limits (the dashboard captured mid-training):
#   docs/screenshots/<page>-{en,zh_CN}.png            a 1280x800 window on a 1400x900 screen
#   docs/screenshots/1366x768/<page>-{en,zh_CN}.png   the window filling a 1366x768 screen
# under xvfb. Takes a few minutes per set on two cores.
#   scripts/screenshots.sh [build dir] [finetune-screenshots options, e.g. --train-limit 1000]
# SETS="small" (or "large") regenerates one set only.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
[ $# -gt 0 ] && shift
command -v xvfb-run >/dev/null || { echo "xvfb-run is missing: apt-get install xvfb" >&2; exit 1; }
fc-list :lang=zh | grep -q . || echo "warning: no Chinese font (apt-get install fonts-wqy-microhei)" >&2
cmake --build "$build" --target finetune-screenshots
for set in ${SETS:-large small}; do
  case $set in
    large) screen=1400x900 size=1280x800 out=$root/docs/screenshots ;;
    small) screen=1366x768 size=1366x768 out=$root/docs/screenshots/1366x768 ;;
    *) echo "unknown set $set (large, small)" >&2; exit 2 ;;
  esac
  mkdir -p "$out"
  xvfb-run -a -s "-screen 0 ${screen}x24" \
    "$build/app/finetune-screenshots" --out "$out" --size "$size" "$@"
done
