// SPDX-License-Identifier: Apache-2.0
// Domain management hypercalls: create from an image in dom0's memory, destroy, save to a
// dom0 buffer, restore from one, query. The hypercall layer lets only a management caller
// in (dom0 holding the policy's management label; INFO on oneself is anyone's); each call
// is then mediated by the MAC layer's domain hooks.
#pragma once

#include "domain.hpp"

namespace refhv::domctl {

result<u64> create(domain& caller, u64 req_gpa) noexcept;
result<u64> destroy(domain& caller, u64 domid) noexcept;
result<u64> save(domain& caller, u64 domid, u64 buf_gpa, u64 buf_size) noexcept;
result<u64> restore(domain& caller, u64 buf_gpa, u64 size) noexcept;
result<u64> info(domain& caller, u64 domid, u64 out_gpa) noexcept;

/// Validate a guest image header against the memory it will get (ENOEXEC if not a
/// refhv image, EINVAL if it does not fit).
result<void> check_image(const refhv_image_header& h, u64 image_size, u64 mem_bytes) noexcept;
/// A label name: non-empty, NUL-terminated within the field, printable, no spaces.
bool valid_label(const char* s, usize cap) noexcept;

}  // namespace refhv::domctl
