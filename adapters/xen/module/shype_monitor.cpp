// SPDX-License-Identifier: Apache-2.0
// The shype XSM module's C++ unit: the library's reference monitor, linked into Xen.
//
// Compiled freestanding with Xen's x86 code-generation flags (cxxflags, shared with the CMake
// check in adapters/xen/CMakeLists.txt). The monitor is constinit: no constructor runs (Xen has
// no .init_array), its tables are zero-initialised data. Nothing here calls libstdc++ or libgcc
// at run time; the xen_module_symbols test checks the object's undefined symbols.
//
// Decisions are the library's only (Chinese Wall + Type Enforcement, deny overrides); this file
// translates ids and results and prints the library's own audit lines and statistics.
#include <cstddef>
#include <cstdint>

#include <shype/audit_log.hpp>
#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

#include "shype_xen.h"

namespace {

using cw_policy = shype::chinese_wall<64>;
using te_policy = shype::type_enforcement<256>;
constexpr shype::monitor_limits limits{.max_domains = SHYPE_XEN_MAX_DOMAINS,
                                       .cache_sets = 256,
                                       .cache_ways = 4,
                                       .max_bindings = 16384,  // dom0's back-ends map many grants
                                       .audit_entries = 64,
                                       .revocation_memo = 4096};
// Hooks run on every CPU at once: the library's spin locks (they pause; Xen never preempts).
using monitor_t = shype::basic_monitor<limits, shype::smp_locking, cw_policy, te_policy>;

constinit monitor_t g_monitor;
// The policy in force and the one being loaded: the monitor keeps a view of the bytes in
// force, so a live change loads into the other buffer and they swap roles when it applies.
alignas(8) constinit std::uint8_t g_policy[2][SHYPE_XEN_MAX_POLICY_BYTES] = {};
constinit unsigned g_active = 0;
// One live change at a time (g_active, g_revoked).
constinit shype::detail::basic_spinlock<shype::detail::pause_relax> g_change_lock;
// The bindings a change revoked, handed to the C layer once the monitor's locks are released
// (closing an event channel calls back into the module).
struct revoked_binding {
  shype::binding_kind kind;
  unsigned subject, object;
  std::uint64_t cookie;
};
constinit revoked_binding g_revoked[limits.max_bindings] = {};
// Denials already printed (audit records up to this sequence number).
constinit std::uint64_t g_printed = 0;
constinit shype::detail::basic_spinlock<shype::detail::pause_relax> g_print_lock;

bool valid_dom(unsigned d) noexcept { return d < SHYPE_XEN_MAX_DOMAINS; }
shype::domid_t dom(unsigned d) noexcept { return static_cast<shype::domid_t>(d); }

int rc_of(const shype::result<shype::verdict>& r) noexcept {
  if (!r.has_value()) return SHYPE_XEN_ERROR;
  return r.value().permitted() ? SHYPE_XEN_PERMIT : SHYPE_XEN_DENY;
}

void log_error(const char* what, unsigned a, unsigned b, shype::errc e) noexcept {
  char buf[160];
  shype::detail::text_writer w(buf, sizeof buf);
  w.put("shype: ").put(what).put(" dom").put_uint(a);
  if (b != ~0u) w.put(" -> dom").put_uint(b);
  w.put(": refused, ").put(shype::to_string(e));
  shype_xen_log(buf, 1);
}

/// What a Chinese Wall refusal of one start conflicted with, appended to its AVC line.
struct cw_explanation {
  unsigned dom = ~0u;          // the domain refused
  shype::string_ref set{};     // the conflict set
  unsigned other = ~0u;        // a running domain holding another type of that set
  shype::string_ref other_label{};
};

/// Explains (does not decide) the library's Chinese Wall refusal of `d` starting with `label`:
/// the first conflict set holding a type b of the label and a type t != b of a running domain's
/// label (chinese_wall::recompute_blocked's rule), and that domain. Walks the domain table, so
/// it runs only after a refusal.
cw_explanation explain_cw(unsigned d, shype::label_id label) noexcept {
  cw_explanation e;
  e.dom = d;
  const shype::policy_view v = g_monitor.policy();
  if (label >= v.vm_label_count()) return e;
  const shype::type_set_view mine = v.vm_label(label).cw();
  for (unsigned o = 0; o < SHYPE_XEN_MAX_DOMAINS; ++o) {
    if (o == d) continue;
    const shype::domain_info i = g_monitor.domain(dom(o));
    if (i.state != shype::domain_state::running && i.state != shype::domain_state::starting) continue;
    if (i.label >= v.vm_label_count()) continue;
    const shype::type_set_view theirs = v.vm_label(i.label).cw();
    for (std::size_t k = 0; k < v.conflict_set_count(); ++k) {
      const shype::conflict_set_view s = v.conflict_set(k);
      // Our types in the set, and the running domain's; a conflict is a type of theirs other
      // than ours when we hold exactly one (holding two of a set conflicts with any other).
      std::size_t ours = 0;
      for (std::size_t w = 0; w < s.types().word_count(); ++w)
        for (std::uint64_t x = s.types().word(w) & mine.word(w); x != 0; x &= x - 1) ++ours;  // no libgcc popcount
      if (ours == 0) continue;
      bool conflict = false;
      for (std::size_t w = 0; w < s.types().word_count() && !conflict; ++w) {
        std::uint64_t t = s.types().word(w) & theirs.word(w);
        if (ours == 1) t &= ~mine.word(w);
        conflict = t != 0;
      }
      if (conflict) {
        e.set = s.name();
        e.other = o;
        e.other_label = v.vm_label(i.label).name();
        return e;
      }
    }
  }
  return e;
}

/// Prints the denials the library recorded since the last call (avc-style lines). Lines go to
/// Xen's guest log level, which Xen rate limits; the audit ring keeps the last 64 and counts
/// every one, so a missed line shows as a gap in seq=. A Chinese Wall refusal of a start gets
/// the conflict set and the running domain it conflicts with (`cw`) appended.
void flush_denials(const cw_explanation* cw = nullptr) noexcept {
  shype::unique_guard g(g_print_lock);
  g_monitor.audit().for_each([cw](const shype::denial_record& r) {
    if (r.seq < g_printed) return;
    char buf[384];
    const std::size_t n = shype::format_denial(r, buf, sizeof buf);
    if (cw != nullptr && r.op == shype::hook::domain_create && r.subject == cw->dom && r.policy_index == 0 &&
        cw->set.size() != 0) {
      shype::detail::text_writer w(buf + n, sizeof buf - n);
      w.put(" conflict_set=").put_quoted(cw->set).put(" with=dom").put_uint(cw->other).put(" wlabel=")
          .put_quoted(cw->other_label);
    }
    shype_xen_log(buf, 1);
    g_printed = r.seq + 1;
  });
}

int decided(const char* what, unsigned a, unsigned b, const shype::result<shype::verdict>& r) noexcept {
  const int rc = rc_of(r);
  if (rc == SHYPE_XEN_DENY) flush_denials();
  if (rc == SHYPE_XEN_ERROR) log_error(what, a, b, r.error());
  return rc;
}

void log_load_error(const char* prefix, const shype::load_error& e, const char* suffix = "") noexcept {
  char buf[192];
  shype::detail::text_writer w(buf, sizeof buf);
  w.put(prefix).put(shype::to_string(e.code)).put(" in ").put(shype::to_string(e.section));
  if (e.index != shype::load_error::none) w.put(" element ").put_uint(e.index);
  if (e.other != shype::load_error::none) w.put(" and ").put_uint(e.other);
  w.put(" at offset ").put_uint(e.offset).put(suffix);
  shype_xen_log(buf, 0);
}

void log_too_large(const char* prefix, unsigned long size, int guest) noexcept {
  char buf[128];
  shype::detail::text_writer w(buf, sizeof buf);
  w.put(prefix).put_uint(size).put(" bytes exceed the limit of ").put_uint(sizeof g_policy[0]);
  shype_xen_log(buf, guest);
}

void log_policy(const char* what) noexcept {
  const shype::policy_view v = g_monitor.policy();
  char buf[192];
  shype::detail::text_writer w(buf, sizeof buf);
  w.put("shype: policy \"").put(v.name()).put("\" ").put(what).put(": ").put_uint(v.vm_label_count()).put(" VM labels, ")
      .put_uint(v.resource_label_count()).put(" resource labels, bootstrap label ");
  if (v.bootstrap_label() == shype::no_label)
    w.put("(none)");
  else
    w.put("\"").put(v.vm_label(v.bootstrap_label()).name()).put("\"");
  shype_xen_log(buf, 0);
}

/// Why a live change was refused, one line per violation (the library's report).
void log_violation(const shype::violation& v) noexcept {
  char buf[192];
  shype::detail::text_writer w(buf, sizeof buf);
  w.put("shype: policy change refused: ");
  switch (v.kind) {
    case shype::violation_kind::label_missing:
      w.put("dom").put_uint(v.domain).put(" runs as ").put_quoted(v.label).put(", which the new policy lacks");
      break;
    case shype::violation_kind::conflict:
      w.put("dom").put_uint(v.domain).put(" (").put_quoted(v.new_label).put(") would conflict with dom").put_uint(v.other)
          .put(" (").put_quoted(v.other_label).put(") under ").put(monitor_t::policy_name(v.policy_index));
      break;
    case shype::violation_kind::rename_unknown:
      w.put("a rename names ").put_quoted(v.label).put(", no label of the policy in force");
      break;
  }
  shype_xen_log(buf, 1);
}

// ---- the resource map (shype_xen.h) ---------------------------------------------------------------
// Parsed here, not in the C layer, so that the host test covers every refusal. Loaded once at
// boot before any guest exists, then only read.
struct resource_entry {
  unsigned kind;
  std::uint64_t first, last;
  char label[SHYPE_XEN_MAX_RESLABEL];  // NUL-terminated
  std::size_t label_len;
  unsigned line;
};
constinit resource_entry g_resources[SHYPE_XEN_MAX_RESOURCES] = {};
constinit unsigned g_resource_count = 0;
constexpr unsigned resource_kinds = 4;
constexpr const char* resource_keyword[resource_kinds] = {"ioport", "iomem", "irq", "pci"};

bool is_hex_digit(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
unsigned digit_value(char c) noexcept {
  return c <= '9' ? static_cast<unsigned>(c - '0') : static_cast<unsigned>((c | 0x20) - 'a' + 10);
}

/// A number at p (< end), hexadecimal (an optional 0x) or decimal, at most `max`; advances p.
bool parse_number(const char*& p, const char* end, bool hex, std::uint64_t max, std::uint64_t& out) noexcept {
  const char* s = p;
  if (hex && end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  const std::uint64_t base = hex ? 16 : 10;
  std::uint64_t v = 0;
  int n = 0;
  for (; s < end && (hex ? is_hex_digit(*s) : (*s >= '0' && *s <= '9')); ++s, ++n) {
    const unsigned d = digit_value(*s);
    if (v > (max - d) / base) return false;  // over max; never overflows
    v = v * base + d;
  }
  if (n == 0) return false;
  p = s;
  out = v;
  return true;
}

/// FIRST[-LAST] of an ioport, iomem or irq line.
bool parse_range(const char*& p, const char* end, unsigned k, std::uint64_t& first, std::uint64_t& last) noexcept {
  const bool hex = k != SHYPE_XEN_RES_IRQ;
  const std::uint64_t max = k == SHYPE_XEN_RES_IOPORT ? 0xFFFFu : k == SHYPE_XEN_RES_IOMEM ? 0xFFFFFFFFFFull : 65535u;
  if (!parse_number(p, end, hex, max, first)) return false;
  last = first;
  if (p < end && *p == '-') {
    ++p;
    if (!parse_number(p, end, hex, max, last)) return false;
  }
  return first <= last;
}

/// [SEG:]BUS:DEV.FN (hexadecimal fields of up to 4 digits) as an sbdf.
bool parse_pci(const char*& p, const char* end, std::uint64_t& sbdf) noexcept {
  std::uint64_t f[3] = {};
  unsigned n = 0;
  const char* s = p;
  for (;;) {
    const char* t = s;
    std::uint64_t v = 0;
    while (t < end && is_hex_digit(*t) && t - s < 4) v = v * 16 + digit_value(*t++);
    if (t == s || (t < end && is_hex_digit(*t))) return false;  // empty, or over 4 digits
    f[n++] = v;
    s = t;
    if (n < 3 && s < end && *s == ':') {
      ++s;
      continue;
    }
    break;
  }
  if (n < 2 || s == end || *s++ != '.' || s == end || *s < '0' || *s > '7') return false;
  const std::uint64_t fn = static_cast<std::uint64_t>(*s++ - '0');
  const std::uint64_t seg = n == 3 ? f[0] : 0, bus = f[n - 2], dev = f[n - 1];
  if (bus > 0xFF || dev > 0x1F) return false;
  p = s;
  sbdf = seg << 16 | bus << 8 | dev << 3 | fn;
  return true;
}

/// Parses line [l, eol) (blank and comment lines already skipped) into e; the reason it is not
/// a resource line, or nullptr.
const char* parse_resource_line(const char* l, const char* eol, resource_entry& e) noexcept {
  unsigned k = 0;
  for (; k < resource_kinds; ++k) {
    const char* w = resource_keyword[k];
    std::size_t n = 0;
    while (w[n] != '\0') ++n;
    if (static_cast<std::size_t>(eol - l) > n && __builtin_memcmp(l, w, n) == 0 && (l[n] == ' ' || l[n] == '\t')) {
      l += n + 1;
      break;
    }
  }
  if (k == resource_kinds) return "expected \"ioport|iomem|irq FIRST[-LAST] LABEL\" or \"pci [SEG:]BUS:DEV.FN LABEL\"";
  while (l < eol && (*l == ' ' || *l == '\t')) ++l;
  e.kind = k;
  switch (k) {
    case SHYPE_XEN_RES_IOPORT:
      if (!parse_range(l, eol, k, e.first, e.last)) return "bad port range (hexadecimal FIRST[-LAST], FIRST <= LAST <= ffff)";
      break;
    case SHYPE_XEN_RES_IOMEM:
      if (!parse_range(l, eol, k, e.first, e.last))
        return "bad I/O memory range (hexadecimal machine frame numbers FIRST[-LAST], FIRST <= LAST <= ffffffffff)";
      break;
    case SHYPE_XEN_RES_IRQ:
      if (!parse_range(l, eol, k, e.first, e.last)) return "bad IRQ range (decimal FIRST[-LAST], FIRST <= LAST <= 65535)";
      break;
    default:
      if (!parse_pci(l, eol, e.first)) return "bad PCI device (hexadecimal [SEG:]BUS:DEV.FN, BUS <= ff, DEV <= 1f, FN <= 7)";
      e.last = e.first;
      break;
  }
  if (l == eol || (*l != ' ' && *l != '\t')) return "expected a space and a resource label after the range";
  while (l < eol && (*l == ' ' || *l == '\t')) ++l;
  const char* le = eol;
  while (le > l && (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r')) --le;
  const std::size_t len = static_cast<std::size_t>(le - l);
  if (len == 0 || len >= SHYPE_XEN_MAX_RESLABEL) return "resource label missing or longer than 63 bytes";
  for (std::size_t i = 0; i < len; ++i) {
    const auto c = static_cast<unsigned char>(l[i]);
    if (c <= ' ' || c >= 0x7F) return "one resource label (printable ASCII, no space) expected after the range";
  }
  __builtin_memcpy(e.label, l, len);
  e.label[len] = '\0';
  e.label_len = len;
  return nullptr;
}

/// What a resource range is called on the console: "I/O ports 0x2e8-0x2ef", "I/O memory
/// frames 0xc0000-0xc000f", "IRQ 5", "IRQs 5-7", "PCI device 0000:00:05.0".
void put_hex(shype::detail::text_writer& w, std::uint64_t v, int min_digits = 1) noexcept {
  char tmp[16];
  int n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[v & 0xF];
    v >>= 4;
  } while (v != 0 && n < 16);
  while (n < min_digits && n < 16) tmp[n++] = '0';
  while (n != 0) w.put(tmp[--n]);
}
void put_resource(shype::detail::text_writer& w, unsigned kind, std::uint64_t first, std::uint64_t last) noexcept {
  switch (kind) {
    case SHYPE_XEN_RES_IOPORT:
    case SHYPE_XEN_RES_IOMEM:
      w.put(kind == SHYPE_XEN_RES_IOPORT ? "I/O ports 0x" : "I/O memory frames 0x");
      put_hex(w, first);
      w.put("-0x");
      put_hex(w, last);
      break;
    case SHYPE_XEN_RES_IRQ:
      w.put(first == last ? "IRQ " : "IRQs ").put_uint(first);
      if (first != last) w.put('-').put_uint(last);
      break;
    default:
      w.put("PCI device ");
      put_hex(w, first >> 16, 4);
      w.put(':');
      put_hex(w, (first >> 8) & 0xFF, 2);
      w.put(':');
      put_hex(w, (first >> 3) & 0x1F, 2);
      w.put('.');
      put_hex(w, first & 7);
      break;
  }
}

/// The entry of kind k that holds all of [first, last], or nullptr.
const resource_entry* find_resource(unsigned k, std::uint64_t first, std::uint64_t last) noexcept {
  for (unsigned i = 0; i < g_resource_count; ++i)
    if (g_resources[i].kind == k && first >= g_resources[i].first && last <= g_resources[i].last) return &g_resources[i];
  return nullptr;
}

}  // namespace

extern "C" {

int shype_xen_load_resmap(const char* text, unsigned long size) {
  g_resource_count = 0;
  char buf[224];
  shype::detail::text_writer w(buf, sizeof buf);
  w.put("shype: resource map refused: ");
  static constexpr char magic[] = "SHYPERES\n";
  const char* why = nullptr;
  unsigned line = 1, n = 0;
  if (text == nullptr || size < sizeof magic - 1 || __builtin_memcmp(text, magic, sizeof magic - 1) != 0) {
    w.put("it does not begin with the line SHYPERES");
  } else if (size > SHYPE_XEN_MAX_RESMAP_BYTES) {
    w.put_uint(size).put(" bytes exceed the limit of ").put_uint(SHYPE_XEN_MAX_RESMAP_BYTES);
  } else {
    const char *p = text + sizeof magic - 1, *const end = text + size;
    while (p < end && why == nullptr) {
      const char* eol = p;
      while (eol < end && *eol != '\n') ++eol;
      ++line;
      const char* l = p;
      p = eol + 1;
      while (l < eol && (*l == ' ' || *l == '\t' || *l == '\r')) ++l;
      if (l == eol || *l == '#') continue;
      if (n == SHYPE_XEN_MAX_RESOURCES) {
        why = "more than 64 resources";
        break;
      }
      resource_entry& e = g_resources[n];
      why = parse_resource_line(l, eol, e);
      if (why != nullptr) break;
      e.line = line;
      for (unsigned i = 0; i < n && why == nullptr; ++i) {
        const resource_entry& o = g_resources[i];
        if (o.kind == e.kind && e.first <= o.last && o.first <= e.last) {
          w.put("line ").put_uint(line).put(": overlaps line ").put_uint(o.line);
          why = "";
        }
      }
      ++n;
    }
    if (why == nullptr) {
      unsigned count[resource_kinds] = {};
      for (unsigned i = 0; i < n; ++i) ++count[g_resources[i].kind];
      g_resource_count = n;
      w = shype::detail::text_writer(buf, sizeof buf);
      w.put("shype: resource map: ").put_uint(count[0]).put(" I/O port range(s), ").put_uint(count[1])
          .put(" I/O memory range(s), ").put_uint(count[2]).put(" IRQ range(s), ").put_uint(count[3]).put(" PCI device(s)");
      shype_xen_log(buf, 0);
      return 0;
    }
    if (why[0] != '\0') w.put("line ").put_uint(line).put(": ").put(why);
  }
  w.put("; no guest gets I/O resources");
  shype_xen_log(buf, 0);
  return -1;
}

unsigned int shype_xen_check_resmap(void) {
  unsigned missing = 0;
  for (unsigned i = 0; i < g_resource_count; ++i) {
    const resource_entry& e = g_resources[i];
    if (shype_xen_resource_by_name(e.label, e.label_len) != shype::no_label) continue;
    ++missing;
    char buf[224];
    shype::detail::text_writer w(buf, sizeof buf);
    w.put("shype: resource map line ").put_uint(e.line).put(": resource label ")
        .put_quoted(shype::string_ref(e.label, e.label_len)).put(" is not in the policy in force (");
    put_resource(w, e.kind, e.first, e.last);
    w.put(" refused to every guest)");
    shype_xen_log(buf, 0);
  }
  return missing;
}

int shype_xen_resource_request(unsigned int d, unsigned int kind, uint64_t first, uint64_t last, int attach) {
  char buf[256];
  shype::detail::text_writer w(buf, sizeof buf);
  w.put("shype: d").put_uint(d).put(" refused ");
  if (kind >= resource_kinds) {
    w.put("a resource of unknown kind ").put_uint(kind);
    shype_xen_log(buf, 1);
    return SHYPE_XEN_ERROR;
  }
  put_resource(w, kind, first, last);
  const resource_entry* e = find_resource(kind, first, last);
  if (e == nullptr) {
    w.put(kind == SHYPE_XEN_RES_IOPORT || kind == SHYPE_XEN_RES_IOMEM ? ": no range of the resource map holds them"
                                                                      : ": not in the resource map");
    shype_xen_log(buf, 1);
    return SHYPE_XEN_DENY;
  }
  const unsigned res = shype_xen_resource_by_name(e->label, e->label_len);
  if (res == shype::no_label) {
    w.put(": resource label ").put_quoted(shype::string_ref(e->label, e->label_len)).put(" is not in the policy in force");
    shype_xen_log(buf, 1);
    return SHYPE_XEN_DENY;
  }
  if (!valid_dom(d)) {
    log_error("resource_access", d, ~0u, shype::errc::unknown_domain);
    return SHYPE_XEN_ERROR;
  }
  const auto index = static_cast<std::uint64_t>(e - g_resources);
  const auto id = static_cast<shype::resource_id>(res);
  shype::result<shype::verdict> v = shype::failure(shype::errc::invalid_argument);
  shype::binding_handle mine{};
  if (attach) {
    auto r = g_monitor.resource_attach(dom(d), id, shype::access_mode::read_write, index);
    if (r) {
      v = r.value().v;
      mine = r.value().handle;
    } else {
      v = shype::failure(r.error());
    }
  } else {
    v = g_monitor.resource_access(dom(d), id, shype::access_mode::read_write);
  }
  const int rc = decided("resource_access", d, ~0u, v);
  if (rc == SHYPE_XEN_DENY) {
    w.put(" (resource ").put_quoted(shype::string_ref(e->label, e->label_len)).put(")");
    shype_xen_log(buf, 1);
  }
  if (rc == SHYPE_XEN_PERMIT && mine.valid()) {
    // One binding per (domain, entry): xl asks again for every range, and Xen again on a retry.
    bool other = false;
    g_monitor.for_each_binding([&](shype::binding_handle h, const shype::binding& b) {
      if (!(h == mine) && (b.kind == shype::binding_kind::resource_rw) && b.subject == d && b.cookie == index) other = true;
    });
    if (other) (void)g_monitor.resource_detach(mine);
  }
  return rc;
}


int shype_xen_load_initial(const void* bytes, unsigned long size) {
  if (bytes == nullptr || size == 0) {
    shype_xen_log("shype: no policy module (boot with the binary policy from `shype compile` as a module)", 0);
    return -1;
  }
  if (size > sizeof g_policy[0]) {
    log_too_large("shype: policy module of ", size, 0);
    return -1;
  }
  __builtin_memcpy(g_policy[g_active], bytes, size);
  auto r = g_monitor.load_initial(shype::byte_view(g_policy[g_active], static_cast<std::size_t>(size)));
  if (!r) {
    log_load_error("shype: policy refused: ", r.error());
    return -1;
  }
  log_policy("loaded");
  return 0;
}

int shype_xen_change_policy(unsigned int subject, const void* bytes, unsigned long size) {
  if (size > sizeof g_policy[0]) {
    log_too_large("shype: policy change refused: ", size, 1);
    return -3;
  }
  // One change at a time, held until its revoked bindings are handed over: closing a channel
  // re-enters the module (evtchn_close_post) but takes only the monitor's locks, released by
  // then.
  shype::unique_guard g(g_change_lock);
  std::uint8_t* const next = g_policy[g_active ^ 1u];
  __builtin_memcpy(next, bytes, size);
  std::size_t n_revoked = 0;
  // A subject id outside Xen's guest ids is no domain the policy knows (refused as such).
  auto r = g_monitor.change_policy(
      dom(valid_dom(subject) ? subject : SHYPE_XEN_MAX_DOMAINS - 1), shype::byte_view(next, static_cast<std::size_t>(size)),
      shype::change_mode::apply,
      [&](shype::binding_handle, const shype::binding& b) {  // at most max_bindings: the registry's own capacity
        if (n_revoked < limits.max_bindings) g_revoked[n_revoked++] = {b.kind, b.subject, b.object, b.cookie};
      },
      [](const shype::violation& v) { log_violation(v); });
  if (!r) {
    log_load_error("shype: policy change refused: ", r.error(), " (the policy in force stays)");
    return -2;
  }
  if (!r.value().authorized) {
    flush_denials();
    char buf[128];
    shype::detail::text_writer w(buf, sizeof buf);
    w.put("shype: d").put_uint(subject).put(" may not change the policy (not the management label)");
    shype_xen_log(buf, 1);
    return -1;
  }
  if (r.value().value != shype::decision::permit) {
    char buf[128];
    shype::detail::text_writer w(buf, sizeof buf);
    w.put("shype: policy change refused: ").put_uint(r.value().violations).put(" violation(s) (the policy in force stays)");
    shype_xen_log(buf, 1);
    return -2;
  }
  g_active ^= 1u;
  log_policy("now in force");
  (void)shype_xen_check_resmap();
  {
    char buf[96];
    shype::detail::text_writer w(buf, sizeof buf);
    w.put("shype: policy change: generation ").put_uint(r.value().generation).put(", ").put_uint(r.value().revoked)
        .put(" binding(s) revoked");
    shype_xen_log(buf, 0);
  }
  for (std::size_t i = 0; i < n_revoked; ++i) {
    const revoked_binding& b = g_revoked[i];
    if (b.kind == shype::binding_kind::evtchn)
      shype_xen_close_revoked_evtchn(b.subject, b.object, static_cast<unsigned long>(b.cookie));
    else if (b.kind == shype::binding_kind::grant_ro || b.kind == shype::binding_kind::grant_rw)
      shype_xen_revoked_grant(b.subject, b.object, b.kind == shype::binding_kind::grant_ro);
    else if (b.cookie < g_resource_count) {  // a resource: its cookie is the map entry's index
      const resource_entry& e = g_resources[b.cookie];
      shype_xen_revoked_resource(b.subject, e.kind, e.first, e.last, e.label);
    }
  }
  return 0;
}

void shype_xen_get_stats(struct shype_xen_stats* out) {
  __builtin_memset(out, 0, sizeof *out);
  const shype::stats_snapshot s = g_monitor.stats();
  for (std::uint8_t c = 0; c < shype::hook_class_count && c < SHYPE_XEN_STATS_CLASSES; ++c) {
    const shype::hook_counters& k = s.by_class[c];
    out->by_class[c] = {k.hits, k.misses, k.denials, k.errors, k.revocations};
  }
  out->bindings = g_monitor.binding_count();
  if (!g_monitor.loaded()) return;
  out->loaded = 1;
  out->generation = g_monitor.generation();
  const shype::policy_view v = g_monitor.policy();
  out->vm_labels = static_cast<std::uint32_t>(v.vm_label_count());
  const shype::string_ref n = v.name();
  std::size_t i = 0;
  for (; i < n.size() && i + 1 < sizeof out->policy; ++i) out->policy[i] = n[i];
  out->policy[i] = '\0';
}

int shype_xen_policy_loaded(void) { return g_monitor.loaded() ? 1 : 0; }

unsigned int shype_xen_bootstrap_label(void) {
  if (!g_monitor.loaded()) return shype::no_label;
  return g_monitor.policy().bootstrap_label();
}

unsigned int shype_xen_label_count(void) {
  if (!g_monitor.loaded()) return 0;
  return static_cast<unsigned>(g_monitor.policy().vm_label_count());
}

unsigned int shype_xen_label_by_name(const char* name, unsigned long len) {
  if (name == nullptr || !g_monitor.loaded()) return shype::no_label;
  return g_monitor.policy().find_vm_label(shype::string_ref(name, static_cast<std::size_t>(len)));
}

unsigned int shype_xen_domain_label(unsigned int d) {
  if (!valid_dom(d) || !g_monitor.loaded()) return shype::no_label;
  const shype::domain_info i = g_monitor.domain(dom(d));
  return i.state == shype::domain_state::free ? shype::no_label : i.label;
}

int shype_xen_label_name(unsigned int label, char* out, unsigned long size) {
  if (out == nullptr || !g_monitor.loaded()) return -1;
  const shype::policy_view v = g_monitor.policy();
  if (label >= v.vm_label_count()) return -1;
  const shype::string_ref n = v.vm_label(static_cast<shype::label_id>(label)).name();
  if (n.size() + 1 > size) return -2;
  for (std::size_t i = 0; i < n.size(); ++i) out[i] = n[i];
  out[n.size()] = '\0';
  return static_cast<int>(n.size());
}

int shype_xen_is_management(unsigned int d) {
  if (!valid_dom(d) || !g_monitor.loaded()) return 0;
  const shype::domain_info i = g_monitor.domain(dom(d));
  return i.state == shype::domain_state::running && i.label != shype::no_label &&
         i.label == g_monitor.policy().bootstrap_label();
}

unsigned long shype_xen_binding_count(void) { return g_monitor.binding_count(); }

int shype_xen_domain_create(unsigned int d, unsigned int label) {
  if (!valid_dom(d) || label >= shype::no_label) {
    log_error("domain_create", d, ~0u, !valid_dom(d) ? shype::errc::unknown_domain : shype::errc::unknown_label);
    return SHYPE_XEN_ERROR;
  }
  const auto r = g_monitor.domain_create(dom(d), static_cast<shype::label_id>(label));
  if (r && !r.value().permitted()) {
    const cw_explanation e = explain_cw(d, static_cast<shype::label_id>(label));
    flush_denials(&e);
    return SHYPE_XEN_DENY;
  }
  const int rc = decided("domain_create", d, ~0u, r);
  if (rc == SHYPE_XEN_PERMIT) {
    char buf[96];
    shype::detail::text_writer w(buf, sizeof buf);
    w.put("shype: dom").put_uint(d).put(" started as \"")        .put(g_monitor.policy().vm_label(static_cast<shype::label_id>(label)).name()).put("\"");
    shype_xen_log(buf, 1);
  }
  return rc;
}

void shype_xen_domain_destroy(unsigned int d) {
  if (!valid_dom(d)) return;
  if (g_monitor.domain(dom(d)).state == shype::domain_state::free) return;  // never started (refused)
  (void)g_monitor.domain_destroy(dom(d));
}

int shype_xen_evtchn_unbound(unsigned int d, unsigned int remote) {
  if (!valid_dom(d) || !valid_dom(remote)) return SHYPE_XEN_ERROR;
  return decided("evtchn_unbound", d, remote, g_monitor.evtchn_unbound(dom(d), dom(remote)));
}

int shype_xen_evtchn_bind(unsigned int d, unsigned int remote, unsigned long chn) {
  if (!valid_dom(d) || !valid_dom(remote)) return SHYPE_XEN_ERROR;
  auto r = g_monitor.evtchn_bind(dom(d), dom(remote), chn);
  if (!r) return decided("evtchn_interdomain", d, remote, shype::failure(r.error()));
  return decided("evtchn_interdomain", d, remote, r.value().v);
}

/// Releases the binding registered under a channel, if any (channels within one domain and
/// those to Xen's system domains have none; a binding revoked or closed with its domain is
/// gone already). A linear scan of the live bindings: see README, "costs".
void shype_xen_evtchn_close(unsigned long chn) {
  shype::binding_handle found{};
  g_monitor.for_each_binding([&](shype::binding_handle h, const shype::binding& b) {
    if (!found.valid() && b.kind == shype::binding_kind::evtchn && b.cookie == chn) found = h;
  });
  if (found.valid()) (void)g_monitor.evtchn_close(found);
}

/// Xen calls grant_mapref before it checks the grant entry, and nothing after a map that then
/// fails: a binding per permitted map would leak on every failed one (a guest mapping refs not
/// granted to it could fill the registry and make every grant map on the host fail). So the
/// monitor keeps at most one grant binding per (granter, mapper, mode): a later permitted map of
/// the pair is decided and audited like the first, and its binding dropped again. The unmap hook
/// releases the pair's binding (README: revocation of grant mappings is reported per pair).
int shype_xen_grant_map(unsigned int granter, unsigned int mapper, int readonly) {
  if (!valid_dom(granter) || !valid_dom(mapper)) return SHYPE_XEN_ERROR;
  const auto mode = readonly ? shype::access_mode::read : shype::access_mode::read_write;
  auto r = g_monitor.grant_map(dom(granter), dom(mapper), mode, 0);
  if (!r) return decided("grant_map", mapper, granter, shype::failure(r.error()));
  if (r.value().permitted()) {
    const shype::binding_kind kind = readonly ? shype::binding_kind::grant_ro : shype::binding_kind::grant_rw;
    const shype::binding_handle mine = r.value().handle;
    bool other = false;
    g_monitor.for_each_binding([&](shype::binding_handle h, const shype::binding& b) {
      if (!(h == mine) && b.kind == kind && b.subject == granter && b.object == mapper) other = true;
    });
    if (other) (void)g_monitor.grant_unmap(mine);
  }
  return decided("grant_map", mapper, granter, r.value().v);
}

void shype_xen_grant_unmap(unsigned int granter, unsigned int mapper) {
  // Xen's unmap hook names the two domains, not the mapping: release one registered mapping
  // of this pair (they are interchangeable for revocation). Another CPU may release the one
  // found first (unknown_binding): look again, a bounded number of times.
  for (int attempt = 0; attempt < 8; ++attempt) {
    shype::binding_handle found{};
    g_monitor.for_each_binding([&](shype::binding_handle h, const shype::binding& b) {
      if (found.valid()) return;
      if ((b.kind == shype::binding_kind::grant_ro || b.kind == shype::binding_kind::grant_rw) &&
          b.subject == granter && b.object == mapper)
        found = h;
    });
    if (!found.valid()) return;  // none: the map was outside the policy, or revoked
    if (auto r = g_monitor.grant_unmap(found); r || r.error() != shype::errc::unknown_binding) return;
  }
}

unsigned int shype_xen_resource_by_name(const char* name, unsigned long len) {
  if (name == nullptr || !g_monitor.loaded()) return shype::no_label;
  return g_monitor.policy().find_resource_label(shype::string_ref(name, static_cast<std::size_t>(len)));
}

int shype_xen_resource_access(unsigned int d, unsigned int r) {
  if (!valid_dom(d) || r >= shype::no_label) return SHYPE_XEN_ERROR;
  return decided("resource_access", d, ~0u,
                 g_monitor.resource_access(dom(d), static_cast<shype::resource_id>(r), shype::access_mode::read_write));
}

int shype_xen_grant_copy(unsigned int from, unsigned int to) {
  if (!valid_dom(from) || !valid_dom(to)) return SHYPE_XEN_ERROR;
  return decided("grant_copy", from, to, g_monitor.grant_copy(dom(from), dom(to)));
}

void shype_xen_print_stats(void) {
  flush_denials();
  const shype::stats_snapshot s = g_monitor.stats();
  for (std::uint8_t c = 0; c < shype::hook_class_count; ++c) {
    const shype::hook_counters& k = s.by_class[c];
    char buf[192];
    shype::detail::text_writer w(buf, sizeof buf);
    w.put("shype: stats ").put(shype::to_string(static_cast<shype::hook_class>(c))).put(": hits=").put_uint(k.hits)
        .put(" misses=").put_uint(k.misses).put(" denials=").put_uint(k.denials).put(" errors=").put_uint(k.errors)
        .put(" revocations=").put_uint(k.revocations);
    shype_xen_log(buf, 0);
  }
}

}  // extern "C"
