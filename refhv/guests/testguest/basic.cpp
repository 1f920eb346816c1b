// SPDX-License-Identifier: Apache-2.0
#include "../lib/rt.hpp"
#include "modes.hpp"

namespace testguest {
using namespace g;

int hello() {
    text t;
    t << "hello from d" << domid() << " label " << start_info().label;
    println(t);
    return static_cast<int>(arg_u64("code", 0));
}

}  // namespace testguest
