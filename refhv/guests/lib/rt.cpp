// SPDX-License-Identifier: Apache-2.0
#include "rt.hpp"

extern "C" {
extern const char guest_isr_stubs[];
extern const std::uint64_t __fixups_start[];
extern const std::uint64_t __fixups_end[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
}

namespace g {

namespace {
struct trap_frame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector, error;
    u64 rip, cs, rflags, rsp, ss;
};

struct [[gnu::packed]] table_ptr {
    u16 limit;
    u64 base;
};
struct idt_gate {
    u16 off_lo, sel;
    u8 ist, attr;
    u16 off_mid;
    u32 off_hi, reserved;
};

alignas(16) u64 g_gdt[3] = {0, 0x00AF9A000000FFFFull, 0x00CF92000000FFFFull};
alignas(16) idt_gate g_idt[256];
volatile u64 g_events = 0;  // ports seen by the upcall handler
volatile u64 g_virqs = 0;
u64 g_heap = 0;

void load_tables() {
    const table_ptr gd{sizeof g_gdt - 1, reinterpret_cast<u64>(g_gdt)};
    asm volatile("lgdt %0" : : "m"(gd));
    asm volatile(
        "pushq $0x08\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movw $0x10, %%ax\n\t"
        "movw %%ax, %%ds\n\t"
        "movw %%ax, %%es\n\t"
        "movw %%ax, %%ss\n\t"
        :
        :
        : "rax", "memory");
    for (unsigned v = 0; v < 256; ++v) {
        const u64 a = reinterpret_cast<u64>(guest_isr_stubs + 16 * v);
        g_idt[v] = idt_gate{static_cast<u16>(a), 0x08, 0, 0x8E, static_cast<u16>(a >> 16),
                            static_cast<u32>(a >> 32), 0};
    }
    const table_ptr id{sizeof g_idt - 1, reinterpret_cast<u64>(g_idt)};
    asm volatile("lidt %0" : : "m"(id));
}

inline void cli() { asm volatile("cli" ::: "memory"); }
/// STI's shadow covers one instruction: the NOP lets a pending interrupt in before a CLI.
inline void sti() { asm volatile("sti; nop" ::: "memory"); }

void upcall() {
    volatile refhv_shared_info& s = shared_info();
    s.upcall_pending = 0;
    const u64 p = s.evtchn_pending & ~s.evtchn_mask;
    s.evtchn_pending = s.evtchn_pending & ~p;
    g_events = g_events | p;
    if ((p & 1) != 0) {
        g_virqs = g_virqs | s.virq_pending;
        s.virq_pending = 0;
    }
}

bool fixup(trap_frame& f) {
    for (const u64* e = __fixups_start; e < __fixups_end; e += 2) {
        if (e[0] == f.rip) {
            f.rip = e[1];
            f.rax = static_cast<u64>(-static_cast<i64>(f.vector));
            return true;
        }
    }
    return false;
}

bool wait_for(volatile u64& set, u64 bits, u64 timeout_ms) {
    const u64 deadline = now_ms() + timeout_ms;
    for (;;) {
        cli();
        if ((set & bits) != 0) {
            set = set & ~bits;
            sti();
            return true;
        }
        const u64 now = now_ms();
        if (now >= deadline) {
            sti();
            return false;
        }
        // With IF = 0 the hypervisor returns at once if an upcall is pending, so an
        // event between the check and the block is not lost.
        hc(REFHV_HC_SCHED_BLOCK, deadline - now);
        sti();
    }
}
}  // namespace

const refhv_start_info& start_info() { return *ptr<const refhv_start_info>(REFHV_START_INFO_GPA); }
volatile refhv_shared_info& shared_info() { return *ptr<volatile refhv_shared_info>(REFHV_SHARED_INFO_GPA); }
u64 now_ms() { return shared_info().time_ms; }
domid_t domid() { return static_cast<domid_t>(start_info().domid); }

// ---- console ------------------------------------------------------------------------
text& text::operator<<(const char* s) {
    while (*s != '\0' && len_ + 1 < sizeof buf_) buf_[len_++] = *s++;
    buf_[len_] = '\0';
    return *this;
}
text& text::operator<<(char c) {
    if (len_ + 1 < sizeof buf_) buf_[len_++] = c;
    buf_[len_] = '\0';
    return *this;
}
text& text::operator<<(u64 v) {
    char tmp[21];
    int n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0) *this << tmp[--n];
    return *this;
}
text& text::operator<<(i64 v) {
    if (v < 0) {
        *this << '-';
        return *this << (u64{0} - static_cast<u64>(v));
    }
    return *this << static_cast<u64>(v);
}
text& text::operator<<(hex h) {
    *this << "0x";
    bool started = false;
    for (int s = 60; s >= 0; s -= 4) {
        const unsigned nib = static_cast<unsigned>(h.v >> s) & 0xF;
        if (nib != 0 || started || s == 0) {
            started = true;
            *this << "0123456789abcdef"[nib];
        }
    }
    return *this;
}

void print(const char* s) { hc(REFHV_HC_CONSOLE_WRITE, gpa(s), strlen(s)); }
void println(const text& t) {
    // A full line still ends: a protocol line must never run into the next one.
    hc(REFHV_HC_CONSOLE_WRITE, gpa(t.c_str()), t.size());
    hc(REFHV_HC_CONSOLE_WRITE, gpa("\n"), 1);
}
void println(const char* s) {
    text t;
    t << s;
    println(t);
}

// ---- events -------------------------------------------------------------------------
bool wait_event(u16 port, u64 timeout_ms) { return wait_for(g_events, 1ull << port, timeout_ms); }
bool wait_virq(u64 virq, u64 timeout_ms) { return wait_for(g_virqs, virq, timeout_ms); }
void clear_events(u16 port) {
    cli();
    g_events = g_events & ~(1ull << port);
    if (port == 0) g_virqs = 0;
    sti();
}
bool event_seen(u16 port) { return (g_events & (1ull << port)) != 0; }
u64 fault_count() { return shared_info().fault.count; }

// ---- helpers ------------------------------------------------------------------------
std::size_t strlen(const char* s) {
    std::size_t n = 0;
    while (s[n] != '\0') ++n;
    return n;
}
bool streq(const char* a, const char* b) {
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}
bool streq_n(const char* a, const char* b, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
}
const char* arg(const char* key, char* buf, std::size_t cap) {
    const char* p = start_info().cmdline;
    const std::size_t klen = strlen(key);
    buf[0] = '\0';
    while (*p != '\0') {
        while (*p == ' ') ++p;
        const char* w = p;
        while (*p != '\0' && *p != ' ') ++p;
        bool match = static_cast<std::size_t>(p - w) > klen && w[klen] == '=';
        for (std::size_t i = 0; match && i < klen; ++i) match = w[i] == key[i];
        if (match) {
            std::size_t n = 0;
            for (const char* v = w + klen + 1; v < p && n + 1 < cap; ++v) buf[n++] = *v;
            buf[n] = '\0';
            break;
        }
    }
    return buf;
}
u64 arg_u64(const char* key, u64 fallback) {
    char b[24];
    const char* s = arg(key, b, sizeof b);
    if (*s == '\0') return fallback;
    u64 v = 0;
    for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + static_cast<u64>(*s - '0');
    return v;
}
void* alloc_pages(u64 n) {
    if (g_heap == 0) g_heap = start_info().free_gpa_start;
    const u64 p = g_heap;
    if (p + n * REFHV_PAGE_SIZE > start_info().free_gpa_end) return nullptr;
    g_heap += n * REFHV_PAGE_SIZE;
    return ptr<void>(p);
}
void sleep_ms(u64 ms) {
    const u64 until = now_ms() + ms;
    while (now_ms() < until) hc(REFHV_HC_SCHED_BLOCK, until - now_ms());
}

// ---- test protocol --------------------------------------------------------------------
suite::suite(const char* name) : name_(name) {
    text t;
    t << "REFHV-TEST v1 BEGIN " << name_;
    println(t);
}
bool suite::check(const char* name, bool ok, const text& detail) {
    text t;
    t << "REFHV-TEST v1 CASE " << name << (ok ? " PASS " : " FAIL ") << detail.c_str();
    println(t);
    ++cases_;
    if (!ok) ++failed_;
    return ok;
}
bool suite::check(const char* name, bool ok, const char* detail) {
    text t;
    t << detail;
    return check(name, ok, t);
}
int suite::end() {
    text t;
    t << "REFHV-TEST v1 END " << name_ << " cases=" << cases_;
    println(t);
    return failed_;
}

}  // namespace g

extern "C" void guest_trap(g::trap_frame* f) {
    using namespace g;
    if (f->vector == upcall_vector) {
        upcall();
        return;
    }
    if ((f->vector < 32 || f->vector == fault_vector) && fixup(*f)) return;
    text t;
    t << "guest: unhandled trap " << f->vector << " error " << hex{f->error} << " rip " << hex{f->rip};
    if (f->vector == 14) {
        u64 cr2;
        asm volatile("mov %%cr2, %0" : "=r"(cr2));
        t << " cr2 " << hex{cr2};
    }
    if (f->vector == fault_vector) t << " gpa " << hex{shared_info().fault.gpa};
    println(t);
    hc(REFHV_HC_SCHED_SHUTDOWN, 0xDEAD);
    for (;;) asm volatile("hlt");
}

extern "C" [[noreturn]] void guest_entry(const refhv_start_info* si) {
    for (auto* f = __init_array_start; f != __init_array_end; ++f) (*f)();
    g::load_tables();
    g::hc(REFHV_HC_SET_VECTORS, g::upcall_vector, g::fault_vector);
    asm volatile("sti" ::: "memory");
    const int rc = guest_main(*si);
    g::hc(REFHV_HC_SCHED_SHUTDOWN, static_cast<g::u32>(rc));
    for (;;) asm volatile("hlt");
}
