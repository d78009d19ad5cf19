#!/usr/bin/env bash
# Checks that the tracked C++ files (*.cpp, *.h) are formatted as .clang-format says.
#   scripts/check_format.sh          list the files that are not formatted; exit 1 if any
#   scripts/check_format.sh --fix    format those files in place
# CLANG_FORMAT=/path/to/clang-format overrides the binary (the style is tuned for clang-format 14).
set -euo pipefail

usage() { sed -n '2,5s/^# \{0,1\}//p' "$0"; }

fix=0
case "${1:-}" in
  "") ;;
  --fix) fix=1 ;;
  -h | --help) usage; exit 0 ;;
  *) echo "check_format.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
esac

clang_format="${CLANG_FORMAT:-clang-format}"
if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "check_format.sh: '$clang_format' not found. Install it with:" >&2
  echo "  sudo apt-get install -y clang-format" >&2
  exit 2
fi
version="$("$clang_format" --version)"
if [[ "$version" != *"version 14."* ]]; then
  echo "check_format.sh: note: .clang-format is tuned for clang-format 14; this is: $version" >&2
fi

top="$(git rev-parse --show-toplevel)"
cd "$top"
if [[ ! -f .clang-format ]]; then
  echo "check_format.sh: no .clang-format in $top" >&2
  exit 2
fi

jobs="$(nproc 2>/dev/null || echo 2)"
export clang_format
# Tracked files that exist in the work tree (a file deleted or moved but not yet staged is skipped).
# Each file is checked on its own so the unformatted ones can be named; their names come back
# NUL-separated.
unformatted=()
# shellcheck disable=SC2016  # $1 and $clang_format expand in the inner sh, not here
while IFS= read -r -d '' file; do
  unformatted+=("$file")
done < <(git ls-files -z -- '*.cpp' '*.h' |
  xargs -0 -r -n 1 -P "$jobs" sh -c \
    '[ -f "$1" ] || exit 0
     "$clang_format" --style=file --dry-run --Werror "$1" >/dev/null 2>&1 || printf "%s\0" "$1"' sh |
  sort -z)

checked="$(git ls-files -- '*.cpp' '*.h' | wc -l)"
if [[ ${#unformatted[@]} -eq 0 ]]; then
  echo "check_format.sh: all $checked C++ files are formatted."
  exit 0
fi

if [[ $fix -eq 1 ]]; then
  printf '%s\0' "${unformatted[@]}" | xargs -0 -n 8 -P "$jobs" "$clang_format" --style=file -i
  echo "check_format.sh: formatted ${#unformatted[@]} of $checked C++ files:"
  printf '  %s\n' "${unformatted[@]}"
  exit 0
fi

echo "check_format.sh: ${#unformatted[@]} of $checked C++ files are not formatted:"
printf '  %s\n' "${unformatted[@]}"
echo
echo "Fix them all with:   scripts/check_format.sh --fix"
echo "or one at a time:    clang-format -i FILE   (see the changes: clang-format FILE | diff FILE -)"
exit 1
