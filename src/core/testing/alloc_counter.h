#pragma once

// Counts every global operator new of a test binary, so a test can assert that a loop
// allocated nothing:
//
//   const uint64_t before = phoenix::testing::allocation_count();
//   ... the loop ...
//   EXPECT_EQ(phoenix::testing::allocation_count() - before, 0u);
//
// Include it in exactly ONE translation unit of a test binary: it defines the replacement
// operators. Every form of new and delete is replaced together, over malloc/free, so
// AddressSanitizer sees matching pairs. GCC 12 at -O3 inlines these into gtest's
// `new TestClass` and then flags free() on an operator-new pointer
// (-Wmismatched-new-delete), a false positive for replacement functions.

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace phoenix::testing {

inline std::atomic<uint64_t> g_allocation_count{0};

// Global operator new calls so far (any thread).
inline uint64_t allocation_count() { return g_allocation_count.load(std::memory_order_relaxed); }

namespace detail {
inline void* counted_alloc(std::size_t size) {
  g_allocation_count.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
}  // namespace detail

}  // namespace phoenix::testing

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  if (void* p = phoenix::testing::detail::counted_alloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = phoenix::testing::detail::counted_alloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return phoenix::testing::detail::counted_alloc(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return phoenix::testing::detail::counted_alloc(size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop
