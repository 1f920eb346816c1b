// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::bell_lapadula<MaxCategories> — confidentiality: information only flows up.
//
// Each label carries a secrecy level and categories (the policy's MLS section). Information may
// flow from x to y only if y's secrecy dominates x's (no read up, no write down). A read-only
// grant flows from the granter to the mapper; an event channel or a read-write grant flows both
// ways, so it needs the two levels to dominate each other, i.e. to be equal. Biba is the dual:
// detail/information_flow.hpp states both once.

#include "detail/information_flow.hpp"

namespace shype {

template <std::size_t MaxCategories>
using bell_lapadula = detail::information_flow<detail::flow_order::secrecy_rises, MaxCategories>;

}  // namespace shype
