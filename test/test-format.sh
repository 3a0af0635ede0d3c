#!/bin/bash
# Every C file of the tree is as its .clang-format says (clang-format --dry-run): the
# style is checked like ShellCheck's, not left to the reader.
. "$(dirname "$0")/lib.sh"
command -v clang-format >/dev/null || skip "clang-format not installed"
cd "$KJ_SRC"
if [ -d .git ] && command -v git >/dev/null; then
	files=$(git ls-files '*.c' '*.h')
else
	files=$(find . -name '*.[ch]' -not -path './build*' -not -path './.git/*' | sed 's|^\./||')
fi
[ -n "$files" ] || fail "no C files found under $KJ_SRC"
for f in $files; do
	if clang-format --dry-run --Werror "$f" >"$WORK/cf.log" 2>&1; then pass "$f"; else
		fail "$f: $(grep -c 'warning:' "$WORK/cf.log") lines differ (clang-format -i $f)"
		head -20 "$WORK/cf.log" >&2
	fi
done
finish
