// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace testguest {

struct mode {
    const char* name;
    int (*run)();
};

int hello();

inline constexpr mode modes[] = {
    {"hello", hello},
};

}  // namespace testguest
