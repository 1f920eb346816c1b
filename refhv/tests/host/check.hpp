// SPDX-License-Identifier: Apache-2.0
#pragma once
// The host tests' assertion, said once: CHECK counts every check and every failure (each failure
// printed where it happened); the test's main reports the counts and fails if any failed.

#include <cstdio>

inline int g_checks = 0, g_failures = 0;

#define CHECK(c)                                                                  \
    do {                                                                          \
        ++g_checks;                                                               \
        if (!(c)) {                                                               \
            ++g_failures;                                                         \
            std::printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c);  \
        }                                                                         \
    } while (false)
