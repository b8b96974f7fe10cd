#!/usr/bin/env bash
# Unpacks Debian 13's libdnnl-dev (oneDNN 3.x) into DIR without installing it, so the onednn
# addon's sources can be compiled against the 3.x API beside the system's 2.x
# (src-main/ml/backend/onednn-build.test.ts reads TMU_DNNL3_INCLUDE=DIR/usr/include).
# Uses a private apt state under DIR: the machine's own sources and packages are untouched.
set -euo pipefail
dir=${1:?usage: fetch-onednn3-headers.sh DIR}
state="$dir/apt"
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/sources.list.d"
echo 'deb http://deb.debian.org/debian trixie main' > "$state/sources.list"
apt_options=(
  -o "Dir::Etc::SourceList=$state/sources.list"
  -o "Dir::Etc::SourceParts=$state/sources.list.d"
  -o "Dir::State::Lists=$state/lists"
  -o "Dir::Cache=$state/cache"
)
apt-get "${apt_options[@]}" update -qq
(cd "$state" && apt-get "${apt_options[@]}" download libdnnl-dev 2>/dev/null)
dpkg-deb -x "$state"/libdnnl-dev_*.deb "$dir"
grep -h 'define DNNL_VERSION_M' "$dir/usr/include/oneapi/dnnl/dnnl_version.h"
