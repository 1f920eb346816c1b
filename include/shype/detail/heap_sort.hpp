// SPDX-License-Identifier: Apache-2.0
#pragma once
// In-place heap sort: O(n log n), no allocation, constexpr. <algorithm> is not freestanding,
// and the policy builder sorts tens of thousands of names in the shype tool as well.

#include <cstddef>

namespace shype::detail {

template <class T, class Less>
constexpr void sift_down(T* a, std::size_t root, std::size_t n, Less& less) noexcept {
  for (;;) {
    std::size_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && less(a[child], a[child + 1])) ++child;
    if (!less(a[root], a[child])) return;
    T t = a[root];
    a[root] = a[child];
    a[child] = t;
    root = child;
  }
}

template <class T, class Less>
constexpr void heap_sort(T* a, std::size_t n, Less less) noexcept {
  if (n < 2) return;
  for (std::size_t i = n / 2; i-- > 0;) sift_down(a, i, n, less);
  for (std::size_t end = n - 1; end > 0; --end) {
    T t = a[0];
    a[0] = a[end];
    a[end] = t;
    sift_down(a, 0, end, less);
  }
}

}  // namespace shype::detail
