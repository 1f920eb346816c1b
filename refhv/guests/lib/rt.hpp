// SPDX-License-Identifier: Apache-2.0
// The guest runtime: what every refhv test guest links. Start-up (GDT, IDT, vectors),
// console output, typed hypercall wrappers, event waiting, fault probes, and the
// REFHV-TEST v1 line protocol. Guests are identity mapped, so a pointer is a gpa.
#pragma once

#include <refhv/hypercall.h>
#include <refhv/ints.hpp>

#include <cstddef>

namespace g {

// u8 ... i64 and domid_t: the names the hypervisor uses too.
using namespace refhv::ints;

inline constexpr u8 upcall_vector = 0xF0;
inline constexpr u8 fault_vector = 0xF1;

inline u64 gpa(const volatile void* p) { return reinterpret_cast<u64>(p); }
template <class T>
T* ptr(u64 gpa) {
    return reinterpret_cast<T*>(gpa);
}

inline i64 hc(u64 op, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0, u64 a4 = 0, u64 a5 = 0) {
    return refhv_hypercall(op, a1, a2, a3, a4, a5);
}

const refhv_start_info& start_info();
volatile refhv_shared_info& shared_info();
u64 now_ms();
domid_t domid();

// ---- console -----------------------------------------------------------------
struct hex {
    u64 v;
};
/// A small line builder: text is appended and written with one CONSOLE_WRITE per line.
class text {
public:
    text& operator<<(const char* s);
    text& operator<<(char c);
    text& operator<<(i64 v);
    text& operator<<(u64 v);
    text& operator<<(int v) { return *this << static_cast<i64>(v); }
    text& operator<<(unsigned v) { return *this << static_cast<u64>(v); }
    text& operator<<(hex h);
    const char* c_str() const { return buf_; }
    std::size_t size() const { return len_; }
    void clear() {
        len_ = 0;
        buf_[0] = '\0';
    }

private:
    char buf_[192] = {};
    std::size_t len_ = 0;
};
void print(const char* s);
void println(const text& t);
void println(const char* s);

// ---- events --------------------------------------------------------------------
/// Wait for an event on `port` (consumed when seen). False on timeout.
bool wait_event(u16 port, u64 timeout_ms);
/// Wait for a hypervisor notification bit (REFHV_VIRQ_*), consumed when seen.
bool wait_virq(u64 virq, u64 timeout_ms);
/// Forget events seen so far on `port` (and VIRQ bits when port is 0).
void clear_events(u16 port);
/// Events seen on `port` since the last clear (not consumed).
bool event_seen(u16 port);

// ---- faults --------------------------------------------------------------------
/// Probes: 0, or -vector when the access/instruction faulted (caught through .fixups).
extern "C" i64 probe_read64(u64 addr, u64* out);
extern "C" i64 probe_write64(u64 addr, u64 value);
extern "C" i64 probe_vmrun();
extern "C" i64 probe_rdmsr(u32 msr);
extern "C" i64 probe_wrmsr(u32 msr, u64 value);
extern "C" i64 probe_read_dr0();
/// Grant-window faults reported by the hypervisor (shared_info.fault.count).
u64 fault_count();

// ---- helpers -------------------------------------------------------------------
bool streq(const char* a, const char* b);
/// The first n bytes of a and b are equal.
bool streq_n(const char* a, const char* b, std::size_t n);
std::size_t strlen(const char* s);
/// `key=value` in the start-info command line; empty string if absent.
const char* arg(const char* key, char* buf, std::size_t cap);
u64 arg_u64(const char* key, u64 fallback);
/// Page-aligned memory from the start-info free range (never freed).
void* alloc_pages(u64 n);
void sleep_ms(u64 ms);

// ---- test protocol -------------------------------------------------------------
/// REFHV-TEST v1: BEGIN <suite> / CASE <name> PASS|FAIL <detail> / END <suite> cases=N.
class suite {
public:
    explicit suite(const char* name);
    bool check(const char* name, bool ok, const text& detail);
    bool check(const char* name, bool ok, const char* detail = "");
    /// Prints END; returns the number of failed cases.
    int end();

private:
    const char* name_;
    int cases_ = 0;
    int failed_ = 0;
};

}  // namespace g

/// Each guest program provides this; its return value is the SCHED_SHUTDOWN code.
int guest_main(const refhv_start_info& si);
