#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds (once; cached) the dom0 initramfs of the Xen boot tests from Debian 12 packages: Xen's
# own unmodified toolstack (xl, xenstored, xenconsoled, xen-init-dom0 from xen-utils-4.17 and
# its libraries), busybox-static, the host's shared libraries they need (glibc, liblzma, libz,
# libzstd, libuuid, libgcc_s: without libgcc_s pthread_cancel aborts), the kernel modules of
# Linux's Xen devices (xen-evtchn, xen-gntdev, xen-gntalloc, xen-privcmd, xenfs), Debian's kernel
# for the guests and a guest initramfs (busybox-static and the same Xen device modules). No /init: a test adds its own
# (and its scenario) as a second cpio archive, which Linux unpacks over this one.
#
#   adapters/xen/dom0-initramfs.sh        prints the path of the cached dom0 base (.cpio.gz)
#
# Also prints nothing else on stdout. Environment: SHYPE_XEN_CACHE (as build.sh).
# Versions are pinned with the kernel (KERNEL_PKG) and Debian 12's current xen-utils-4.17: the
# toolstack of the 4.17.7 packages runs against the 4.17.5 hypervisor (docs: shared xen.md).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SHYPE_XEN_CACHE:-$HOME/.cache/shype/xen}
# Debian 12's kernel (a pinned ABI: bump deliberately, as the Xen version in build.sh).
readonly KERNEL_PKG=linux-image-6.1.0-57-amd64
readonly PACKAGES=(busybox-static xen-utils-4.17 xen-utils-common xenstore-utils libxenstore4 libxencall1
  libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenmisc4.17 libxentoollog1 libxenhypfs1
  libxendevicemodel1 libxentoolcore1 libyajl2)
readonly MODULES=(xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs)
die() { echo "adapters/xen/dom0-initramfs.sh: error: $*" >&2; exit 1; }
log() { echo "== $* ($(date -u +%H:%M:%S))" >&2; }

for t in cpio gzip dpkg-deb apt-get; do command -v $t >/dev/null || die "$t not found (adapters/xen/build.sh --deps-only)"; done

# The kernel: Debian's package, downloaded once (shared with test/boot.sh).
kdir=$cache/dom0
kdeb=$(ls "$kdir"/"$KERNEL_PKG"_*.deb 2>/dev/null | head -1 || true)
if [[ -z $kdeb ]]; then
  mkdir -p "$kdir"
  (cd "$kdir" && apt-get download -q "$KERNEL_PKG" >&2) || die "could not download $KERNEL_PKG"
  kdeb=$(ls "$kdir"/"$KERNEL_PKG"_*.deb | head -1)
fi

stamp=$( (cat "${BASH_SOURCE[0]}"; echo "${PACKAGES[*]} ${MODULES[*]} ${kdeb##*/}") | sha256sum | cut -c1-16)
out=$cache/initramfs/dom0-$stamp.cpio.gz
if [[ -f $out ]]; then echo "$out"; exit 0; fi

log "building the dom0 initramfs $out from Debian packages"
work=$cache/initramfs/work
rm -rf "$work" && mkdir -p "$work/debs" "$work/root" "$work/guest" "$work/kernel"
(cd "$work/debs" && apt-get download -q "${PACKAGES[@]}" >&2) \
  || die "could not download ${PACKAGES[*]} (apt-get download): is the Debian mirror reachable?"
root=$work/root
for p in "${PACKAGES[@]}"; do
  deb=$(ls "$work/debs/${p}"_*.deb 2>/dev/null | head -1)
  [[ -n $deb ]] || die "apt-get download gave no .deb for $p"
  dpkg-deb -x "$deb" "$root" || die "could not unpack $deb"
done
# Documentation, manuals, python (pygrub etc.): not needed in the tests.
rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale" "$root/usr/lib/xen-4.17/lib/python"

# Kernel, modules.
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$work/kernel" --wildcards './boot/vmlinuz-*' './lib/modules/*/kernel/drivers/xen/*' \
  || die "could not unpack the kernel and its Xen modules from $kdeb"
mkdir -p "$root/lib/modules/shype" "$root/guest"
for m in "${MODULES[@]}"; do
  ko=$(find "$work/kernel/lib/modules" -name "$m.ko" | head -1)
  [[ -n $ko ]] || die "$m.ko is not in $kdeb"
  cp "$ko" "$root/lib/modules/shype/"
done
cp "$work/kernel"/boot/vmlinuz-* "$root/guest/vmlinuz"

# Shared libraries: what the toolstack's programs and libraries need, resolved with the
# unpacked libraries first, the rest from the host (same Debian release), plus libgcc_s.
lib_path=$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu
mapfile -t elves < <(find "$root/usr/lib/xen-4.17/bin" "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib/x86_64-linux-gnu" \
  -type f \( -perm -u+x -o -name '*.so*' \) -exec sh -c 'head -c4 "$1" | grep -q ELF' _ {} \; -print)
needed=$(LD_LIBRARY_PATH=$lib_path ldd "${elves[@]}" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/lib64/ {print $1}' | sort -u)
for lib in $needed /lib/x86_64-linux-gnu/libgcc_s.so.1; do
  [[ $lib == "$root"/* ]] && continue
  [[ -f $lib ]] || die "host library $lib not found"
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
if LD_LIBRARY_PATH=$lib_path ldd "${elves[@]}" 2>/dev/null | grep -q 'not found'; then
  LD_LIBRARY_PATH=$lib_path ldd "${elves[@]}" 2>&1 | grep 'not found' | sort -u >&2
  die "a library the toolstack needs is missing"
fi
# /lib64/ld-linux-x86-64.so.2 -> the copied loader.
[[ -f $root/lib64/ld-linux-x86-64.so.2 ]] || die "no dynamic loader copied"

# busybox applets, as links made at build time (the test's /init runs /bin/sh).
for a in $("$root/bin/busybox" --list); do
  [[ -e $root/bin/$a ]] || ln -s busybox "$root/bin/$a"
done
mkdir -p "$root"/{dev,proc,sys,run,tmp,var/lib/xen,var/lib/xenstored,var/log/xen,etc}
rm -rf "$root/var/run" && ln -s /run "$root/var/run"  # libxl's locks: /var/run/xen
echo 'root:x:0:0:root:/:/bin/sh' > "$root/etc/passwd"

# The guests' initramfs: busybox and Linux's Xen device modules; a test adds its /init (and
# programs) as a second archive.
g=$work/guest
mkdir -p "$g"/{bin,dev,proc,sys,tmp,lib/modules/shype}
cp "$root/bin/busybox" "$g/bin/"
cp "$root"/lib/modules/shype/{xen-privcmd,xen-evtchn,xen-gntdev,xen-gntalloc}.ko "$g/lib/modules/shype/"
for a in $("$g/bin/busybox" --list); do [[ -e $g/bin/$a ]] || ln -s busybox "$g/bin/$a"; done
# Uncompressed: a test appends its /init archive and compresses the whole once (libxc's gunzip
# of a guest ramdisk stops at the first gzip member and prints "inflate failed").
(cd "$g" && find . | LC_ALL=C sort | cpio -o -H newc --quiet > "$root/guest/base.cpio") || die "guest cpio failed"

log "packing"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -n -1 > "$out.tmp") || die "cpio failed"
mv "$out.tmp" "$out"
rm -rf "$work"
for old in "$cache"/initramfs/dom0-*.cpio.gz; do [[ $old == "$out" ]] || rm -f "$old"; done  # earlier versions
log "dom0 initramfs: $(du -h "$out" | cut -f1)"
echo "$out"
