// SPDX-License-Identifier: Apache-2.0
// A fuzzing domU: random hypercalls (guests/lib/fuzz.cpp) with seed=<n> until dom0
// destroys it; it reports its count now and then.
#include "../lib/fuzz.hpp"
#include "modes.hpp"

namespace testguest {
using namespace g;

int fuzz() {
    fuzz::context c(arg_u64("seed", domid()));
    c.scratch_pages = 6;
    c.scratch = static_cast<u8*>(alloc_pages(c.scratch_pages));
    if (c.scratch == nullptr) return 1;
    for (u64 i = 1;; ++i) {
        fuzz::step(c);
        if (i % 8192 == 0) {
            text t;
            t << "fuzz: " << c.calls << " calls, " << c.succeeded << " succeeded";
            println(t);
        }
    }
}

}  // namespace testguest
