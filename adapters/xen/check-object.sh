#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks the shype XSM module's C++ object (shype_monitor.o) for what Xen cannot provide:
#  - undefined symbols: only the C layer's functions (shype_xen_log, shype_xen_close_revoked_evtchn,
#    shype_xen_revoked_grant, shype_xen_revoked_resource: shype_xen.h), the string functions Xen's lib has
#    (memcpy, memset, memmove, memcmp) and Xen's retpoline/return thunks. Anything else (a
#    libstdc++ or libgcc routine, __cxa_*, _Unwind_*, __stack_chk_fail, __udivti3...) fails.
#  - no dynamic initialisation: no .init_array/.ctors/.preinit_array section (Xen runs none),
#    and the monitor is declared constinit in the source, so the compiler proved it constant-
#    initialised; its symbol must be in the object's data, not created at run time.
#   check-object.sh OBJECT SOURCE
set -euo pipefail
obj=${1:?usage: check-object.sh OBJECT SOURCE}
src=${2:?usage: check-object.sh OBJECT SOURCE}
fail=0
[[ -f $obj ]] || { echo "check-object: $obj: no such object" >&2; exit 1; }

allowed='^(shype_xen_(log|close_revoked_evtchn|revoked_grant|revoked_resource)|memcpy|memset|memmove|memcmp|__x86_return_thunk|__x86_indirect_thunk_r[a-z0-9]+)$'
undef=$(nm -u "$obj" | awk '{print $2}')
[[ -n $undef ]] || { echo "check-object: $obj: no undefined symbols at all (not the module's object?)" >&2; exit 1; }
while read -r s; do
  if [[ ! $s =~ $allowed ]]; then
    echo "check-object: $obj: undefined symbol '$s' is not provided by Xen (libstdc++/libgcc at run time?)" >&2
    fail=1
  fi
done <<<"$undef"

sections=$(objdump -h "$obj")
if grep -qE ' \.(init_array|preinit_array|ctors|fini_array|dtors)' <<<"$sections"; then
  echo "check-object: $obj: has a constructor/destructor section: something is initialised at run time" >&2
  fail=1
fi

if ! grep -qE '^constinit monitor_t g_monitor;' "$src"; then
  echo "check-object: $src: the monitor is not declared 'constinit monitor_t g_monitor;'" >&2
  fail=1
fi
# The monitor's storage is in the object's data (constant-initialised), defined here.
defined=$(nm "$obj")
if ! grep -qE ' [dDbB] _ZN12_GLOBAL__N_19g_monitorE$' <<<"$defined"; then
  echo "check-object: $obj: no data symbol for the monitor (g_monitor)" >&2
  fail=1
fi

[[ $fail -eq 0 ]] && echo "check-object: $obj: OK ($(wc -l <<<"$undef") undefined symbols, all provided by Xen; no constructors)"
exit $fail
