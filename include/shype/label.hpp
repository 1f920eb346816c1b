// SPDX-License-Identifier: Apache-2.0
#pragma once
// Labels as values: the access class of a VM or a resource.
//
// sHype's access class of a VM is exactly a set of TE types plus a set of Chinese Wall types; a
// resource's is a set of TE types (paper, section 4.2). Bell-LaPadula and Biba add a level and
// a category set (secrecy, integrity). These value types are what policies are written and
// tested against; labels of a loaded policy are read in place through label_view.hpp, which
// offers the same accessors, so every decision function takes either.

#include <cstddef>
#include <cstdint>

#include "type_set.hpp"

namespace shype {

/// An MLS level: a hierarchical level plus a set of categories.
template <std::size_t Categories>
struct mls_level {
  std::uint16_t level = 0;
  type_set<Categories> categories{};
};

/// a dominates b: a's level is at least b's and a's categories include b's.
template <class A, class B>
[[nodiscard]] constexpr bool dominates(const A& a, const B& b) noexcept {
  return a.level >= b.level && is_subset_of(b.categories, a.categories);
}

/// A VM's Type Enforcement and Chinese Wall types.
template <std::size_t TeTypes, std::size_t CwTypes>
class vm_label {
 public:
  constexpr vm_label() noexcept = default;
  constexpr vm_label(type_set<TeTypes> te, type_set<CwTypes> cw) noexcept : te_(te), cw_(cw) {}
  [[nodiscard]] constexpr const type_set<TeTypes>& te() const noexcept { return te_; }
  [[nodiscard]] constexpr const type_set<CwTypes>& cw() const noexcept { return cw_; }

 private:
  type_set<TeTypes> te_{};
  type_set<CwTypes> cw_{};
};

/// A resource's (virtual disk, vLAN) Type Enforcement types.
template <std::size_t TeTypes>
class resource_label {
 public:
  constexpr resource_label() noexcept = default;
  constexpr explicit resource_label(type_set<TeTypes> te) noexcept : te_(te) {}
  [[nodiscard]] constexpr const type_set<TeTypes>& te() const noexcept { return te_; }

 private:
  type_set<TeTypes> te_{};
};

/// Secrecy (Bell-LaPadula) and integrity (Biba) levels of a subject or object.
template <std::size_t Categories>
class mls_label {
 public:
  constexpr mls_label() noexcept = default;
  constexpr mls_label(mls_level<Categories> s, mls_level<Categories> i) noexcept : s_(s), i_(i) {}
  [[nodiscard]] constexpr const mls_level<Categories>& secrecy() const noexcept { return s_; }
  [[nodiscard]] constexpr const mls_level<Categories>& integrity() const noexcept { return i_; }

 private:
  mls_level<Categories> s_{};
  mls_level<Categories> i_{};
};

}  // namespace shype
