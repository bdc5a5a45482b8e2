#!/bin/sh
# Installs the Debian packages unityqc needs to build, run and test; quiet when all are there.
set -eu
PKGS="gcc g++ make libncurses-dev libdcmtk-dev dcmtk libsqlite3-dev sqlite3 libcaca-dev
libhpdf-dev zlib1g-dev fonts-dejavu-core gettext poppler-utils tmux valgrind python3-pil"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "unityqc: installing missing packages:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "unityqc: need root or sudo to install:$missing" >&2; exit 1; }
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
