#!/bin/bash
# Build the Debian package (CPack): scripts/build-deb.sh [BUILD_DIR] prints the .deb's path.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$src/build-deb}
cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$dir" -j"$(nproc)" --target kjump-save kjump-resume kjump-image kjump-memhotplug kjump-setup >/dev/null
(cd "$dir" && cpack -G DEB >cpack.log 2>&1) || { cat "$dir/cpack.log" >&2; exit 1; }
ls "$dir"/kjump_*.deb
