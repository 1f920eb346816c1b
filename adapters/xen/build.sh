#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build Debian 12's Xen 4.17 hypervisor with the shype XSM module, in one command.
#
#   adapters/xen/build.sh [--deps-only|--fetch-only]
#
# Environment:
#   SHYPE_XEN_CACHE  cache folder kept between runs (default ~/.cache/shype/xen): the unpacked
#                    Debian source (pristine, never modified) and the build tree (a copy with our
#                    patch and links to our module files). A repeat run only recompiles our module
#                    and relinks xen.
#   SHYPE_XEN_JOBS   make -j (default 2: the machine is shared).
#   CXX              the C++ compiler for the module's C++ unit (default g++-12).
#
# The Xen source version is PINNED: plain `apt-get source xen` picks the bookworm-security version
# 4.17.7, whose source files the mirror does not serve (404). Bump XEN_DEB_VERSION deliberately.
# Needs root for apt-get (the deb-src entry, dpkg-dev, flex, bison, cpio); skipped when all present.
# Prints the path of the built hypervisor (xen/xen, a multiboot ELF) as its last line.
set -euo pipefail

readonly XEN_DEB_VERSION=4.17.5+72-g01140da4e8-1
readonly XEN_UPSTREAM_DIR=xen-4.17.5+72-g01140da4e8
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${SHYPE_XEN_CACHE:-$HOME/.cache/shype/xen}
jobs=${SHYPE_XEN_JOBS:-2}
mode=${1:-all}

die() { echo "adapters/xen/build.sh: error: $*" >&2; exit 1; }
step() { echo "== $* ($(date -u +%H:%M:%S))"; }

# --- 1. dependencies --------------------------------------------------------------------------
deps() {
  local missing=()
  command -v dpkg-source >/dev/null || missing+=(dpkg-dev)
  command -v flex >/dev/null || missing+=(flex)
  command -v bison >/dev/null || missing+=(bison)
  command -v cpio >/dev/null || missing+=(cpio)
  local srcfile=/etc/apt/sources.list.d/shype-debian-src.sources
  local need_src=0
  if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    need_src=1
  fi
  if [[ ${#missing[@]} -eq 0 && $need_src -eq 0 ]]; then return; fi
  [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]:-}${need_src:+ (and a deb-src entry)}; run as root or install them"
  if [[ $need_src -eq 1 ]]; then
    step "adding deb-src entry $srcfile"
    # Same mirrors and suites as Debian 12's default deb entries.
    cat > "$srcfile" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  step "apt-get update / install ${missing[*]:-}"
  # The machine is shared: wait for another apt/dpkg run instead of failing.
  apt-get -o DPkg::Lock::Timeout=600 update -qq || die "apt-get update failed"
  if [[ ${#missing[@]} -gt 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" \
      || die "apt-get install ${missing[*]} failed"
  fi
}

# --- 2. source (pristine, cached) -------------------------------------------------------------
fetch() {
  local src=$cache/src
  if [[ -f $src/.complete ]]; then return; fi
  step "fetching Debian source xen=$XEN_DEB_VERSION into $src"
  rm -rf "$src.tmp" && mkdir -p "$src.tmp"
  (cd "$src.tmp" && apt-get source -qq "xen=$XEN_DEB_VERSION") \
    || die "could not obtain Debian's Xen source (apt-get source xen=$XEN_DEB_VERSION): is a deb-src entry for bookworm configured and the mirror reachable?"
  [[ -f $src.tmp/$XEN_UPSTREAM_DIR/xen/xsm/xsm_core.c ]] \
    || die "unpacked source lacks $XEN_UPSTREAM_DIR/xen/xsm/xsm_core.c"
  touch "$src.tmp/.complete"
  rm -rf "$src" && mv "$src.tmp" "$src"
}

# --- 3. build tree: a patched copy, reused between runs -------------------------------------
prepare_tree() {
  local patch=$here/xen-4.17-shype.patch
  local stamp
  stamp=$(sha256sum "$patch" | cut -c1-16)
  tree=$cache/tree/$XEN_UPSTREAM_DIR
  if [[ ! -f $cache/tree/.patched-$stamp ]]; then
    step "preparing build tree $cache/tree (patch $stamp): the next build is a full one"
    rm -rf "$cache/tree" && mkdir -p "$cache/tree"
    cp -a "$cache/src/$XEN_UPSTREAM_DIR" "$cache/tree/"
    (cd "$tree" && patch -p1 --no-backup-if-mismatch -s < "$patch") || die "$patch does not apply to $XEN_UPSTREAM_DIR"
    touch "$cache/tree/.patched-$stamp"
  fi
  # Our module's files: copied only when they changed, so that make sees unchanged ones as such.
  mkdir -p "$tree/xen/xsm/shype"
  local f
  for f in "$here"/module/*; do
    cmp -s "$f" "$tree/xen/xsm/shype/${f##*/}" || cp "$f" "$tree/xen/xsm/shype/"
  done
}

configure() {
  [[ -f $tree/xen/.config ]] && grep -q '^CONFIG_XSM_SHYPE=y' "$tree/xen/.config" && return
  step "configuring (defconfig + CONFIG_XSM=y)"
  make -s -C "$tree/xen" defconfig >/dev/null || die "make defconfig failed"
  echo 'CONFIG_XSM=y' >> "$tree/xen/.config"
  make -s -C "$tree/xen" olddefconfig >/dev/null || die "make olddefconfig failed"
  grep -q '^CONFIG_XSM_SHYPE=y' "$tree/xen/.config" || die "CONFIG_XSM_SHYPE is not set after olddefconfig"
}

build() {
  step "building xen (make -j$jobs)"
  local t0=$SECONDS
  make -C "$tree/xen" -j"$jobs" SHYPE_INCLUDE="$repo/include" SHYPE_CXX="${CXX:-g++-12}" \
    || die "xen build failed (tree: $tree)"
  [[ -f $tree/xen/xen ]] || die "no $tree/xen/xen after the build"
  local syms
  syms=$(nm "$tree/xen/xen-syms")
  grep -q ' shype_init$' <<<"$syms" || die "xen-syms lacks shype_init: the module was not linked"
  "$here/check-object.sh" "$tree/xen/xsm/shype/shype_monitor.o" "$here/module/shype_monitor.cpp" \
    || die "the module object Xen linked fails the symbol check"
  step "built in $((SECONDS - t0)) s"
}

deps
[[ $mode == --deps-only ]] && exit 0
fetch
[[ $mode == --fetch-only ]] && exit 0
prepare_tree
configure
build
echo "$tree/xen/xen"
