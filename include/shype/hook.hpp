// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::hook — every mediation point of the reference monitor, and the requests policies see.
//
// The hypervisor calls the monitor at these points (paper, section 4.3.2: domain operations,
// event channels, shared memory; section 4.4: labelled resources and the MAC-domain query;
// section 4.3.3: policy management). Hooks fall into classes for statistics. Policies see only
// three kinds of question (hook_kind): where may a domain run (placement), may two domains share
// (sharing), may a domain use a resource (access) — each policy answers the ones it cares about.

#include <cstdint>

namespace shype {

enum class hook : std::uint8_t {
  domain_create, domain_destroy, domain_save, domain_restore, migrate_out, migrate_in, relabel,
  evtchn_unbound, evtchn_bind,
  grant_map_ro, grant_map_rw, grant_copy,
  resource_access,
  coalition_query,
  policy_change,
};
inline constexpr std::uint8_t hook_count = 15;

enum class hook_class : std::uint8_t { domain, evtchn, grant, resource, query, management };
inline constexpr std::uint8_t hook_class_count = 6;

[[nodiscard]] constexpr hook_class class_of(hook h) noexcept {
  switch (h) {
    case hook::evtchn_unbound:
    case hook::evtchn_bind: return hook_class::evtchn;
    case hook::grant_map_ro:
    case hook::grant_map_rw:
    case hook::grant_copy: return hook_class::grant;
    case hook::resource_access: return hook_class::resource;
    case hook::coalition_query: return hook_class::query;
    case hook::policy_change:
    case hook::relabel: return hook_class::management;
    default: return hook_class::domain;
  }
}

/// The permission name printed in audit lines (`avc: denied { bind } ...`).
[[nodiscard]] constexpr const char* to_string(hook h) noexcept {
  switch (h) {
    case hook::domain_create: return "create";
    case hook::domain_destroy: return "destroy";
    case hook::domain_save: return "save";
    case hook::domain_restore: return "restore";
    case hook::migrate_out: return "migrate_out";
    case hook::migrate_in: return "migrate_in";
    case hook::relabel: return "relabel";
    case hook::evtchn_unbound: return "evtchn_unbound";
    case hook::evtchn_bind: return "bind";
    case hook::grant_map_ro: return "map_read";
    case hook::grant_map_rw: return "map_write";
    case hook::grant_copy: return "copy";
    case hook::resource_access: return "access";
    case hook::coalition_query: return "query";
    case hook::policy_change: return "load_policy";
  }
  return "unknown";
}

[[nodiscard]] constexpr const char* to_string(hook_class c) noexcept {
  switch (c) {
    case hook_class::domain: return "domain";
    case hook_class::evtchn: return "evtchn";
    case hook_class::grant: return "grant";
    case hook_class::resource: return "resource";
    case hook_class::query: return "query";
    case hook_class::management: return "management";
  }
  return "unknown";
}

/// Which questions a policy answers; a policy declares them in `static constexpr hook_kind hooks`.
enum class hook_kind : std::uint8_t {
  none = 0,
  placement = 1,  ///< prepare/commit/abort/release of a domain running on this host (Chinese Wall)
  sharing = 2,    ///< two domains share an event channel or memory (Type Enforcement, BLP, Biba)
  access = 4,     ///< a domain uses a labelled resource
};
[[nodiscard]] constexpr hook_kind operator|(hook_kind a, hook_kind b) noexcept {
  return static_cast<hook_kind>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
[[nodiscard]] constexpr bool has(hook_kind set, hook_kind k) noexcept {
  return (static_cast<std::uint8_t>(set) & static_cast<std::uint8_t>(k)) != 0;
}

/// Direction of information flow in a sharing request, for the directional policies.
enum class flow : std::uint8_t {
  both,     ///< event channels, read-write grants: information flows either way
  forward,  ///< from subject to object only (a read-only grant: granter to mapper)
};

/// Access to a resource: read (the resource flows to the domain) or read-write (both ways).
enum class access_mode : std::uint8_t { read, read_write };

/// "May subject and object share?" — the subject initiates (binds, grants, copies from).
template <class Label>
struct share_request {
  hook op;
  flow direction;
  const Label& subject;
  const Label& object;
};

/// "May this domain use this resource?"
template <class Label, class Resource>
struct access_request {
  access_mode mode;
  const Label& subject;
  const Resource& resource;
};

/// The flow a sharing hook implies (paper: a read-only grant flows from granter to mapper).
[[nodiscard]] constexpr flow flow_of(hook h) noexcept {
  return (h == hook::grant_map_ro || h == hook::grant_copy) ? flow::forward : flow::both;
}

}  // namespace shype
