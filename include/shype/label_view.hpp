// SPDX-License-Identifier: Apache-2.0
#pragma once
// Labels of a loaded policy, read in place from the validated binary (see policy_view.hpp).
//
// They offer the accessors of the value types in label.hpp (te(), cw(), secrecy(),
// integrity()), so a policy's decision function is written once and takes either.

#include <cstddef>
#include <cstdint>

#include "detail/le.hpp"
#include "ids.hpp"
#include "string_ref.hpp"
#include "type_set.hpp"

namespace shype {

/// An MLS level inside a binary policy.
struct mls_level_view {
  std::uint16_t level = 0;
  type_set_view categories{};
};

/// The secrecy and integrity levels of a label; empty when the policy has no MLS section.
class mls_view {
 public:
  constexpr mls_view() noexcept = default;
  constexpr mls_view(const std::uint8_t* rec, std::size_t cat_words) noexcept : rec_(rec), cat_words_(cat_words) {}
  [[nodiscard]] constexpr bool present() const noexcept { return rec_ != nullptr; }
  [[nodiscard]] constexpr mls_level_view secrecy() const noexcept {
    if (rec_ == nullptr) return {};
    return {detail::load_u16(rec_), type_set_view(rec_ + 8, cat_words_)};
  }
  [[nodiscard]] constexpr mls_level_view integrity() const noexcept {
    if (rec_ == nullptr) return {};
    return {detail::load_u16(rec_ + 2), type_set_view(rec_ + 8 + 8 * cat_words_, cat_words_)};
  }

 private:
  const std::uint8_t* rec_ = nullptr;
  std::size_t cat_words_ = 0;
};

/// A VirtualMachineLabel: name, TE types, CW types (and MLS levels if the policy has them),
/// and its id in the policy (what a per-policy table, such as te_table, is indexed by).
class vm_label_view {
 public:
  constexpr vm_label_view() noexcept = default;
  constexpr vm_label_view(string_ref name, type_set_view te, type_set_view cw, mls_view mls, label_id id = no_label) noexcept
      : name_(name), te_(te), cw_(cw), mls_(mls), id_(id) {}
  [[nodiscard]] constexpr string_ref name() const noexcept { return name_; }
  [[nodiscard]] constexpr label_id id() const noexcept { return id_; }
  [[nodiscard]] constexpr const type_set_view& te() const noexcept { return te_; }
  [[nodiscard]] constexpr const type_set_view& cw() const noexcept { return cw_; }
  [[nodiscard]] constexpr mls_level_view secrecy() const noexcept { return mls_.secrecy(); }
  [[nodiscard]] constexpr mls_level_view integrity() const noexcept { return mls_.integrity(); }

 private:
  string_ref name_{};
  type_set_view te_{}, cw_{};
  mls_view mls_{};
  label_id id_ = no_label;
};

/// A ResourceLabel: name and TE types (and MLS levels if the policy has them).
class resource_label_view {
 public:
  constexpr resource_label_view() noexcept = default;
  constexpr resource_label_view(string_ref name, type_set_view te, mls_view mls) noexcept
      : name_(name), te_(te), mls_(mls) {}
  [[nodiscard]] constexpr string_ref name() const noexcept { return name_; }
  [[nodiscard]] constexpr const type_set_view& te() const noexcept { return te_; }
  [[nodiscard]] constexpr mls_level_view secrecy() const noexcept { return mls_.secrecy(); }
  [[nodiscard]] constexpr mls_level_view integrity() const noexcept { return mls_.integrity(); }

 private:
  string_ref name_{};
  type_set_view te_{};
  mls_view mls_{};
};

/// A conflict set: a name and the CW types no two running domains may split between them.
class conflict_set_view {
 public:
  constexpr conflict_set_view() noexcept = default;
  constexpr conflict_set_view(string_ref name, type_set_view types) noexcept : name_(name), types_(types) {}
  [[nodiscard]] constexpr string_ref name() const noexcept { return name_; }
  [[nodiscard]] constexpr const type_set_view& types() const noexcept { return types_; }

 private:
  string_ref name_{};
  type_set_view types_{};
};

}  // namespace shype
