// SPDX-License-Identifier: Apache-2.0
// Linked into every executable of an ASan/UBSan build (ShypeHelpers.cmake, shype_host_target):
// a sanitizer finding exits with 86, a code no program of this repository uses, so a test that
// expects a program to refuse (exit 1, 2, 3, ...) still fails when the refusal was a sanitizer
// report. ASAN_OPTIONS / UBSAN_OPTIONS in the environment override it (the fuzz smoke runs set
// abort_on_error=1 for AFL++).

extern "C" {
// NOLINTNEXTLINE(bugprone-reserved-identifier): the sanitizers' documented hooks
const char* __asan_default_options() { return "exitcode=86"; }
// NOLINTNEXTLINE(bugprone-reserved-identifier)
const char* __ubsan_default_options() { return "exitcode=86"; }
}
