// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::domain_info — what a monitor knows of one domain id: where it is in its life cycle
// (free, starting between prepare and commit, running, saved with its label for a restore), its
// label and its incarnation (a reused id or a relabel is a new incarnation, so nothing cached
// for the old one can match).

#include <cstdint>

#include "ids.hpp"

namespace shype {

enum class domain_state : std::uint8_t { free, starting, running, saved };

struct domain_info {
  domain_state state = domain_state::free;
  label_id label = no_label;
  std::uint16_t incarnation = 0;  ///< bumped on every start and relabel of this id
};

}  // namespace shype
