#!/bin/sh
# Fetch the command-line tools the test suite compares Assay against, from Debian's
# packages, into a folder of the project (nothing is installed system-wide, no root needed):
#   promtool  (package prometheus)  checks Prometheus rule files
#   wrk       (package wrk, with the LuaJIT library it links)  produces real load-test output
# Usage: scripts/debian-tools.sh DEST. Prints what it could not fetch and exits 0 anyway:
# the tests that need a missing tool skip and say why.
set -u
dest=${1:?usage: scripts/debian-tools.sh DEST}
mkdir -p "$dest/bin" "$dest/lib"
dest=$(cd "$dest" && pwd)
if ! command -v apt-get >/dev/null 2>&1; then
    echo "debian-tools: apt-get is not available; promtool and wrk tests will be skipped"
    exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/apt.sh"
# A fresh machine may have no package lists yet: refresh them once (root only).
if [ "$(id -u)" = 0 ]; then apt_update_once || true; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 0
if ! apt-get download prometheus wrk libluajit-5.1-2 >/dev/null 2>&1 &&
    ! { [ "$(id -u)" = 0 ] && apt_update_once --force &&
        apt-get download prometheus wrk libluajit-5.1-2 >/dev/null 2>&1; }; then
    echo "debian-tools: apt-get download failed (run apt-get update?); some tests will be skipped"
    exit 0
fi
for deb in *.deb; do dpkg-deb -x "$deb" tree; done
cp tree/usr/bin/promtool tree/usr/bin/wrk "$dest/bin/" 2>/dev/null
find tree -name 'libluajit-5.1.so*' -exec cp -P {} "$dest/lib/" \;
# wrk finds LuaJIT through a wrapper, so nothing outside DEST changes.
if [ -f "$dest/bin/wrk" ]; then
    mv "$dest/bin/wrk" "$dest/lib/wrk"
    printf '#!/bin/sh\nhere=$(dirname "$0")/../lib\nLD_LIBRARY_PATH="$here${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$here/wrk" "$@"\n' > "$dest/bin/wrk"
    chmod +x "$dest/bin/wrk"
fi
"$dest/bin/promtool" --version 2>&1 | head -1
"$dest/bin/wrk" --version 2>&1 | head -1
exit 0
