// SPDX-License-Identifier: Apache-2.0
// Must not compile: `int` is not a policy.
#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>

shype::monitor<shype::chinese_wall<8>, int> m;
