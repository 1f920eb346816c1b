#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# build.sh must fail, with a clear message, when Debian's Xen source cannot be obtained — never
# pass vacuously. apt is pointed (APT_CONFIG) at an empty source list and empty package lists,
# as on a machine without a deb-src entry or mirror; the cache is a fresh empty folder.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/shype-xen-nosrc.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sources.list.d" "$work/lists/partial" "$work/cache/archives/partial"
cat > "$work/apt.conf" <<CONF
Dir::Etc::SourceList "$work/sources.list";
Dir::Etc::SourceParts "$work/sources.list.d";
Dir::State::Lists "$work/lists";
Dir::Cache "$work/cache";
CONF
: > "$work/sources.list"
set +e
APT_CONFIG=$work/apt.conf SHYPE_XEN_CACHE=$work/xen "$here/../build.sh" --fetch-only >"$work/out" 2>&1
rc=$?
set -e
cat "$work/out"
if [[ $rc -eq 0 ]]; then echo "FAIL: build.sh succeeded without a source" >&2; exit 1; fi
if ! grep -q "^adapters/xen/build.sh: error: could not obtain Debian's Xen source (apt-get source xen=" "$work/out"; then
  echo "FAIL: build.sh failed (exit $rc) without the clear message" >&2; exit 1
fi
if [[ -e $work/xen/src/.complete ]]; then echo "FAIL: an incomplete source was marked complete" >&2; exit 1; fi
echo "ok: build.sh refuses with a clear message when the source cannot be obtained (exit $rc)"
