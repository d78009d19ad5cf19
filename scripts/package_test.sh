#!/usr/bin/env bash
# The install test (issue 15): builds the Debian package from BUILD_DIR, checks it with Debian's
# tools, installs it with apt (which resolves its dependencies), runs the installed programs,
# then removes it and checks that nothing it installed is left behind. Needs root.
#   scripts/package_test.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
package=finetune-studio
fail() { echo "package test: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "run as root (it installs and removes the package)"
if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
  fail "$package is already installed; remove it first (apt-get purge $package)"
fi

echo "== cpack"
rm -f "$build"/${package}_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/${package}_*.deb)
dpkg-deb --field "$deb"

echo "== lintian (errors fail; warnings are listed)"
lintian --fail-on error --display-info --tag-display-limit 0 "$deb" || fail "lintian found errors in $deb"

echo "== desktop-file-validate, appstreamcli"
desktop-file-validate packaging/finetune-studio.desktop
out=$(desktop-file-validate packaging/finetune-studio.desktop 2>&1) || true
[ -z "$out" ] || fail "desktop-file-validate: $out"
appstreamcli validate --no-net packaging/org.finetunestudio.FineTuneStudio.metainfo.xml ||
  fail "appstreamcli found problems in the metainfo file"

echo "== apt-get install"
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "./$deb"
mapfile -t files < <(dpkg -L "$package" | while read -r f; do [ -d "$f" ] || echo "$f"; done)
echo "${#files[@]} files installed"
for f in /usr/bin/finetune-cli /usr/bin/finetune-studio /usr/share/applications/finetune-studio.desktop \
         /usr/share/icons/hicolor/48x48/apps/finetune-studio.png /usr/share/icons/hicolor/scalable/apps/finetune-studio.svg \
         /usr/share/metainfo/org.finetunestudio.FineTuneStudio.metainfo.xml /usr/share/man/man1/finetune-cli.1.gz \
         /usr/share/bash-completion/completions/finetune-cli /usr/share/doc/finetune-studio/copyright; do
  [ -e "$f" ] || fail "$f is not installed"
done
desktop-file-validate /usr/share/applications/finetune-studio.desktop

echo "== the installed programs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_RUNTIME_DIR=$work/runtime
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
cd "$work"
/usr/bin/finetune-cli --version | tee version.txt
grep -q "^FineTune Studio $(sed -n 's/^project(FineTuneStudio VERSION \([0-9.]*\).*/\1/p' "$OLDPWD/CMakeLists.txt")" version.txt ||
  fail "finetune-cli --version does not give the project's version"
/usr/bin/finetune-studio --version | grep -q "FineTune Studio" || fail "finetune-studio --version"
/usr/bin/finetune-cli devices
# One batch of training on the built-in data set, then an export that verifies itself.
/usr/bin/finetune-cli train --data /usr/share/datasets/fashion-mnist --train-limit 64 --validation-limit 64 \
  --batch-size 64 --epochs 1 --freeze-epochs 1 --run-dir "$work/run"
[ -f "$work/run/checkpoints/last.ckpt" ] || fail "the installed finetune-cli trained no checkpoint"
/usr/bin/finetune-cli export "$work/run" --format onnx --output "$work/model.onnx"
# The studio, offscreen, in Chinese: its translations come from the installed binary.
LANG=zh_CN.UTF-8 QT_QPA_PLATFORM=offscreen /usr/bin/finetune-studio --help | tee help.txt
grep -q "微调预训练的图像分类器" help.txt || fail "the installed studio shows no Chinese text with LANG=zh_CN.UTF-8"
rc=0
LANG=zh_CN.UTF-8 QT_QPA_PLATFORM=offscreen timeout 5 /usr/bin/finetune-studio \
  --data /usr/share/datasets/fashion-mnist > studio.log 2>&1 || rc=$?
cat studio.log
[ "$rc" -eq 124 ] || fail "the installed studio ended with status $rc within 5 s instead of running"
cd "$OLDPWD"

echo "== apt-get purge"
DEBIAN_FRONTEND=noninteractive apt-get purge -y "$package"
left=()
for f in "${files[@]}"; do [ ! -e "$f" ] || left+=("$f"); done
[ -e /usr/share/doc/$package ] && left+=("/usr/share/doc/$package")
[ ${#left[@]} -eq 0 ] || fail "left behind after removal: ${left[*]}"
echo "package test passed: $deb"
