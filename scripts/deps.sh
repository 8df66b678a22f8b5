#!/usr/bin/env bash
# Installs what vmemu needs on Debian 12 (run as root), without touching the
# system's apt sources: Debian packages, and Unicorn >= 2.1 into .deps/unicorn
# when the system's Unicorn is older (Debian 12 ships 2.0.1, which cannot host
# a custom MMU; see DESIGN.md).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
need_pkgs=(build-essential cmake pkg-config libcapstone-dev check musl-tools busybox-static bash-static qemu-user dpkg-dev
           clang libclang-rt-14-dev linux-source-6.1
           zlib1g-dev libzstd-dev libedit-dev gdb jq zstd libcap-dev)
missing=()
for p in "${need_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "deps: need root to install: ${missing[*]}" >&2; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if pkg-config --atleast-version=2.1.1 unicorn 2>/dev/null; then
  exit 0
fi
prefix="$top/.deps/unicorn"
if [ -f "$prefix/usr/lib/x86_64-linux-gnu/pkgconfig/unicorn.pc" ]; then
  exit 0
fi
work="$top/.deps/apt"
rm -rf "$work" && mkdir -p "$work/lists/partial" "$work/debs" "$prefix"
# Debian testing carries Unicorn 2.1.4; its packages depend only on libc6 >= 2.34.
echo "deb http://deb.debian.org/debian forky main" > "$work/sources.list"
apt_opts=(-o Dir::Etc::sourcelist="$work/sources.list" -o Dir::Etc::sourceparts=-
          -o Dir::State::Lists="$work/lists" -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update -qq
(cd "$work/debs" && apt-get "${apt_opts[@]}" download libunicorn2t64 libunicorn-dev >/dev/null)
for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$prefix"; done
# The .pc file names /usr; point it at the project-local prefix.
sed -i "s|^libdir=.*|libdir=$prefix/usr/lib/x86_64-linux-gnu|; s|^includedir=.*|includedir=$prefix/usr/include|" \
  "$prefix/usr/lib/x86_64-linux-gnu/pkgconfig/unicorn.pc"
rm -rf "$work"
echo "deps: Unicorn $(PKG_CONFIG_PATH=$prefix/usr/lib/x86_64-linux-gnu/pkgconfig pkg-config --modversion unicorn) in $prefix"
