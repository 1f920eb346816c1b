#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages a job needs (as root). Does nothing when they are present, so
# a second run is instant and a machine without network access still works once provisioned.
#   install-deps.sh main   the reference hypervisor's boot of the paper's example
#   install-deps.sh test   everything the full test suite builds and runs
#   install-deps.sh bench  the benchmark suite (scripts/bench.sh): Google Benchmark, the FLASK peers, plots
set -euo pipefail

common=(ca-certificates g++-12 clang-14 lld-14 llvm-14 libclang-rt-14-dev cmake ninja-build
        libboost-dev libxml2-dev libxml2-utils)
# Attestation: swtpm gives QEMU a TPM 2.0; `shype attest verify` needs libtss2-mu and OpenSSL.
attest=(swtpm libtss2-dev libssl-dev)
main=(qemu-system-x86 "${attest[@]}")
test=(libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev graphviz afl++ qemu-system-x86
      libvirt-daemon-system libvirt-daemon-system-sysv libvirt-clients libvirt-daemon-driver-qemu
      iproute2 procps libsepol-dev checkpolicy zip unzip "${attest[@]}"
      etcd-server etcd-client libcurl4-openssl-dev libsodium-dev openssl curl pkg-config)
bench=(libbenchmark-dev libsepol-dev checkpolicy libxml2-dev valgrind gnuplot-nox python3 procps)

case "${1:-test}" in
  main) pkgs=("${common[@]}" "${main[@]}") ;;
  test) pkgs=("${common[@]}" "${test[@]}") ;;
  bench) pkgs=("${common[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 main|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (it uses apt-get), or install them yourself" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y --no-install-recommends -o DPkg::Lock::Timeout=600)
# libvirt's maintainer scripts try to start daemons; there is no init system in CI containers.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null
apt-get install "${apt_opts[@]}" "${missing[@]}"
