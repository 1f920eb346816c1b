// SPDX-License-Identifier: Apache-2.0
// errc and result<T>: how every fallible operation in the hypervisor reports failure.
// The numbers are the guest ABI's REFHV_E* values, so a result turns into a hypercall
// return value without a translation table. No exceptions, no panicking accessor.
#pragma once

#include <refhv/hypercall.h>

#include "types.hpp"

namespace refhv {

enum class errc : i32 {
    perm = REFHV_EPERM,
    noent = REFHV_ENOENT,
    srch = REFHV_ESRCH,
    too_big = REFHV_E2BIG,
    noexec = REFHV_ENOEXEC,
    again = REFHV_EAGAIN,
    nomem = REFHV_ENOMEM,
    access = REFHV_EACCES,   ///< denied by the MAC policy
    fault = REFHV_EFAULT,
    busy = REFHV_EBUSY,
    exist = REFHV_EEXIST,
    inval = REFHV_EINVAL,
    nospc = REFHV_ENOSPC,
    range = REFHV_ERANGE,
    nosys = REFHV_ENOSYS,
    notconn = REFHV_ENOTCONN,
};

struct error_tag {
    errc e;
};
constexpr error_tag fail(errc e) noexcept { return {e}; }

template <class T>
class [[nodiscard]] result {
public:
    constexpr result(T v) noexcept : value_(v), err_{}, ok_(true) {}
    constexpr result(error_tag t) noexcept : value_{}, err_(t.e), ok_(false) {}
    constexpr bool ok() const noexcept { return ok_; }
    constexpr explicit operator bool() const noexcept { return ok_; }
    /// The value; only meaningful when ok().
    constexpr const T& value() const noexcept { return value_; }
    constexpr errc error() const noexcept { return err_; }

private:
    T value_;
    errc err_;
    bool ok_;
};

template <>
class [[nodiscard]] result<void> {
public:
    constexpr result() noexcept : err_{}, ok_(true) {}
    constexpr result(error_tag t) noexcept : err_(t.e), ok_(false) {}
    constexpr bool ok() const noexcept { return ok_; }
    constexpr explicit operator bool() const noexcept { return ok_; }
    constexpr errc error() const noexcept { return err_; }

private:
    errc err_;
    bool ok_;
};

inline constexpr result<void> success{};

/// Hypercall return value (RAX) for an error.
constexpr u64 to_ret(errc e) noexcept { return static_cast<u64>(-static_cast<i64>(e)); }

}  // namespace refhv

// Propagate an error from an expression returning result<...>.
#define REFHV_TRY(expr)                                  \
    do {                                                 \
        if (auto refhv_try_r_ = (expr); !refhv_try_r_)   \
            return ::refhv::fail(refhv_try_r_.error());  \
    } while (false)
