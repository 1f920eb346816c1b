// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::biba<MaxCategories> — integrity: information only flows down.
//
// The dual of Bell-LaPadula on the integrity level of the MLS section: information may flow from
// x to y only if x's integrity dominates y's (no read down, no write up), so a low-integrity VM
// can never feed a high-integrity one (the paper's Order coalition vs. casual browsing).
// detail/information_flow.hpp states both once.

#include "detail/information_flow.hpp"

namespace shype {

template <std::size_t MaxCategories>
using biba = detail::information_flow<detail::flow_order::integrity_falls, MaxCategories>;

}  // namespace shype
