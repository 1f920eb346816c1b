// SPDX-License-Identifier: Apache-2.0
// The Xen module's C++ unit (module/shype_monitor.cpp) on the host, through its C boundary
// (module/shype_xen.h), with the customer-order policy: what the C layer relies on — results
// (permit / deny / error), labels, bindings released by channel and by grant pair, domains
// freed on destroy, the console lines (policy loaded, AVC denials, errors, statistics).
// Then a live policy change (shype_xen_change_policy): unauthorised, malformed and oversized
// changes refused with the policy in force kept; an applied one (customer-order v2: the device
// domain leaves the Order coalition) revokes the bindings it no longer permits and hands each to
// the C layer (closing the event channel; reporting the grant mapping; taking back the I/O
// resources); the statistics copied out (shype_xen_get_stats). The resource map
// (shype_xen_load_resmap): every malformed map refused naming its line, and I/O ports, memory,
// IRQs and PCI devices decided by Type Enforcement on the map's resource labels.
//   shype_xen_module_host_test CUSTOMER-ORDER.bin CUSTOMER-ORDER-V2.bin
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "shype_xen.h"

namespace {
std::vector<std::string> g_lines;
int g_failures = 0;

void check(bool ok, const char* what, int line) {
  if (!ok) {
    std::fprintf(stderr, "FAIL line %d: %s\n", line, what);
    ++g_failures;
  }
}
#define CHECK(e) check((e), #e, __LINE__)

bool logged(const std::string& needle) {
  for (const auto& l : g_lines)
    if (l.find(needle) != std::string::npos) return true;
  return false;
}
unsigned label(const char* n) { return shype_xen_label_by_name(n, std::strlen(n)); }
}  // namespace

extern "C" void shype_xen_log(const char* line, int /*guest*/) { g_lines.emplace_back(line); }
// The C layer's side of a revocation: recorded as lines the checks look for.
extern "C" void shype_xen_close_revoked_evtchn(unsigned int d, unsigned int remote, unsigned long chn) {
  g_lines.push_back("close evtchn dom" + std::to_string(d) + " -> dom" + std::to_string(remote) + " key " + std::to_string(chn));
}
extern "C" void shype_xen_revoked_grant(unsigned int granter, unsigned int mapper, int readonly) {
  g_lines.push_back("revoked grant dom" + std::to_string(granter) + " -> dom" + std::to_string(mapper) + (readonly ? " ro" : " rw"));
}
extern "C" void shype_xen_revoked_resource(unsigned int d, unsigned int kind, uint64_t first, uint64_t last, const char* label) {
  g_lines.push_back("revoked resource dom" + std::to_string(d) + " kind " + std::to_string(kind) + " " + std::to_string(first) + "-" +
                    std::to_string(last) + " " + label);
}

namespace {
std::vector<char> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s CUSTOMER-ORDER.bin CUSTOMER-ORDER-V2.bin\n", argv[0]);
    return 2;
  }
  const std::vector<char> policy = read_file(argv[1]), policy_v2 = read_file(argv[2]);
  if (policy.size() < 64 || policy_v2.size() < 64) {
    std::fprintf(stderr, "%s, %s: not compiled policies\n", argv[1], argv[2]);
    return 2;
  }

  // --- no policy: everything is refused (errors), nothing crashes -----------------------------
  CHECK(shype_xen_policy_loaded() == 0);
  CHECK(shype_xen_load_initial(nullptr, 0) == -1);
  CHECK(logged("shype: no policy module"));
  CHECK(shype_xen_domain_create(1, 0) == SHYPE_XEN_ERROR);
  CHECK(logged("shype: domain_create dom1: refused, no_policy"));
  CHECK(shype_xen_evtchn_unbound(1, 2) == SHYPE_XEN_ERROR);
  CHECK(shype_xen_bootstrap_label() == 0xFFFF);
  CHECK(shype_xen_label_count() == 0);
  CHECK(label("dom_Order") == 0xFFFF);
  char name[64];
  CHECK(shype_xen_label_name(0, name, sizeof name) == -1);
  CHECK(shype_xen_domain_label(0) == 0xFFFF);

  // --- malformed and oversized policies are refused with the reason; the next load works -------
  std::vector<char> big(SHYPE_XEN_MAX_POLICY_BYTES + 1, 0);
  CHECK(shype_xen_load_initial(big.data(), big.size()) == -1);
  CHECK(logged("shype: policy module of 65537 bytes exceed the limit of 65536"));
  CHECK(shype_xen_load_initial(policy.data(), policy.size() / 2) == -1);
  CHECK(logged("shype: policy refused: truncated in header"));
  CHECK(shype_xen_policy_loaded() == 0);
  CHECK(shype_xen_load_initial(policy.data(), policy.size()) == 0);
  CHECK(shype_xen_policy_loaded() == 1);
  CHECK(logged("shype: policy \"example.customer-order\" loaded: 6 VM labels, 3 resource labels, bootstrap label \"dom_Management\""));
  CHECK(shype_xen_label_count() == 6);
  CHECK(shype_xen_bootstrap_label() == label("dom_Management"));
  CHECK(label("dom_Nonexistent") == 0xFFFF);

  const unsigned mgmt = label("dom_Management"), order = label("dom_Order"), alpha = label("dom_Ads_Alpha"),
                 beta = label("dom_Ads_Beta"), computing = label("dom_Computing");

  // --- Chinese Wall: a competitor is refused while the other runs, admitted after its destroy ----
  CHECK(shype_xen_domain_create(0, mgmt) == SHYPE_XEN_PERMIT);
  CHECK(logged("shype: dom0 started as \"dom_Management\""));
  CHECK(shype_xen_domain_create(1, alpha) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_domain_create(2, beta) == SHYPE_XEN_DENY);
  CHECK(logged("avc: denied { create } for source=dom2"));
  // The line names the conflict set and the running domain it conflicts with.
  CHECK(logged("avc: denied { create } for source=dom2 slabel=\"dom_Ads_Beta\" target=host policy=chinese_wall"));
  CHECK(logged("conflict_set=\"CompetingOEMs\" with=dom1 wlabel=\"dom_Ads_Alpha\""));
  shype_xen_domain_destroy(2);  // Xen frees a refused domain too: no effect on the monitor
  shype_xen_domain_destroy(1);
  CHECK(shype_xen_domain_create(2, beta) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_domain_create(1, alpha) == SHYPE_XEN_DENY);
  CHECK(shype_xen_domain_create(3, order) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_domain_create(4, computing) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_domain_create(3, order) == SHYPE_XEN_ERROR);  // id in use

  // --- a domain's label and a label's name (security_domaininfo, FLASK_SID_TO_CONTEXT: xl list -Z) --
  CHECK(shype_xen_domain_label(0) == mgmt && shype_xen_domain_label(3) == order && shype_xen_domain_label(2) == beta);
  CHECK(shype_xen_domain_label(1) == 0xFFFF);  // destroyed, then refused: no label
  CHECK(shype_xen_domain_label(SHYPE_XEN_MAX_DOMAINS) == 0xFFFF);
  CHECK(shype_xen_label_name(order, name, sizeof name) == 9 && std::strcmp(name, "dom_Order") == 0);
  CHECK(shype_xen_label_name(order, name, 10) == 9);
  CHECK(shype_xen_label_name(order, name, 9) == -2);  // no room for the NUL
  CHECK(shype_xen_label_name(6, name, sizeof name) == -1);
  CHECK(shype_xen_label_name(mgmt, nullptr, 64) == -1);

  // --- bad ids are errors (refused), with a line naming them --------------------------------------
  CHECK(shype_xen_domain_create(SHYPE_XEN_MAX_DOMAINS, order) == SHYPE_XEN_ERROR);
  CHECK(logged("shype: domain_create dom" + std::to_string(SHYPE_XEN_MAX_DOMAINS) + ": refused, unknown_domain"));
  // Xen hands out guest ids round-robin up to DOMID_FIRST_RESERVED - 1 (0x7FEF): all are tracked.
  CHECK(shype_xen_domain_create(0x7FEF, computing) == SHYPE_XEN_PERMIT);
  shype_xen_domain_destroy(0x7FEF);
  CHECK(shype_xen_domain_create(7, 6) == SHYPE_XEN_ERROR);
  CHECK(shype_xen_domain_create(7, 0xFFFF) == SHYPE_XEN_ERROR);
  CHECK(shype_xen_evtchn_unbound(5000, 0) == SHYPE_XEN_ERROR);
  CHECK(shype_xen_evtchn_unbound(3, 9) == SHYPE_XEN_ERROR);  // dom9 not running
  CHECK(shype_xen_grant_map(0, SHYPE_XEN_MAX_DOMAINS, 1) == SHYPE_XEN_ERROR);

  // --- Type Enforcement: event channels ------------------------------------------------------------
  CHECK(shype_xen_evtchn_unbound(3, 0) == SHYPE_XEN_PERMIT);     // Order <-> Management share Order
  CHECK(shype_xen_evtchn_unbound(3, 2) == SHYPE_XEN_DENY);       // Order <-> Ads_Beta share nothing
  CHECK(shype_xen_evtchn_bind(3, 2, 0xA000) == SHYPE_XEN_DENY);
  CHECK(shype_xen_binding_count() == 0);
  CHECK(shype_xen_evtchn_bind(3, 0, 0xA000) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_evtchn_bind(0, 3, 0xB000) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_binding_count() == 2);
  shype_xen_evtchn_close(0xC000);  // a channel without a binding (intra-domain, system domain)
  CHECK(shype_xen_binding_count() == 2);
  shype_xen_evtchn_close(0xA000);
  CHECK(shype_xen_binding_count() == 1);
  shype_xen_evtchn_close(0xA000);  // closed twice: nothing left to release
  CHECK(shype_xen_binding_count() == 1);
  shype_xen_evtchn_close(0xB000);
  CHECK(shype_xen_binding_count() == 0);

  // --- Type Enforcement: grants --------------------------------------------------------------------
  CHECK(shype_xen_grant_map(2, 3, 1) == SHYPE_XEN_DENY);  // Ads_Beta's page into Order
  CHECK(shype_xen_grant_map(0, 3, 1) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_grant_map(0, 3, 0) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_binding_count() == 2);
  shype_xen_grant_unmap(3, 0);  // the other direction: no such mapping
  CHECK(shype_xen_binding_count() == 2);
  // Xen asks before it checks the grant entry and says nothing when the map then fails: maps
  // of one pair and mode keep one binding, however many are asked (no leak, no exhaustion).
  for (int i = 0; i < 20000; ++i) CHECK(shype_xen_grant_map(0, 3, 1) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_binding_count() == 2);
  shype_xen_grant_unmap(0, 3);
  shype_xen_grant_unmap(0, 3);
  CHECK(shype_xen_binding_count() == 0);
  shype_xen_grant_unmap(0, 3);  // an unmap without a registered map (mapped outside the policy)
  CHECK(shype_xen_binding_count() == 0);
  CHECK(shype_xen_grant_copy(3, 4) == SHYPE_XEN_DENY);  // Order -> Computing
  CHECK(shype_xen_grant_copy(0, 4) == SHYPE_XEN_PERMIT);

  // --- resources (the I/O port hook): TE on resource labels ------------------------------------------
  const unsigned vdisk_order = shype_xen_resource_by_name("vdisk_Order", 11);
  CHECK(vdisk_order != 0xFFFF);
  CHECK(shype_xen_resource_by_name("no_such_resource", 16) == 0xFFFF);
  CHECK(shype_xen_resource_access(3, vdisk_order) == SHYPE_XEN_PERMIT);  // dom_Order, type Order
  g_lines.clear();
  CHECK(shype_xen_resource_access(4, vdisk_order) == SHYPE_XEN_DENY);  // dom_Computing
  CHECK(logged("avc: denied { access } for source=dom4 slabel=\"dom_Computing\" target=resource tlabel=\"vdisk_Order\" policy=type_enforcement"));
  CHECK(shype_xen_resource_access(3, 0xFFFF) == SHYPE_XEN_ERROR);
  CHECK(shype_xen_resource_access(9, vdisk_order) == SHYPE_XEN_ERROR);  // not running

  // --- the resource map: every refusal names the line and why, and leaves no entry -----------------
  const auto resmap = [](const std::string& body) {
    const std::string t = "SHYPERES\n" + body;
    return shype_xen_load_resmap(t.data(), t.size());
  };
  // A request no entry holds is refused naming the range (the map is empty after a refusal).
  const auto unmapped = [] {
    g_lines.clear();
    return shype_xen_resource_request(3, SHYPE_XEN_RES_IOPORT, 0x2e8, 0x2ef, 1) == SHYPE_XEN_DENY &&
           logged("shype: d3 refused I/O ports 0x2e8-0x2ef: no range of the resource map holds them");
  };
  CHECK(resmap("ioport 2e8-2ef vdisk_Order\n") == 0);
  CHECK(shype_xen_resource_request(3, SHYPE_XEN_RES_IOPORT, 0x2e8, 0x2ef, 0) == SHYPE_XEN_PERMIT);
  g_lines.clear();
  CHECK(shype_xen_load_resmap("SHYPERE\nioport 1-2 x\n", 20) == -1);
  CHECK(logged("shype: resource map refused: it does not begin with the line SHYPERES; no guest gets I/O resources"));
  CHECK(unmapped());
  CHECK(shype_xen_load_resmap(nullptr, 0) == -1);
  CHECK(resmap("# pad\n" + std::string(SHYPE_XEN_MAX_RESMAP_BYTES, '#')) == -1);
  CHECK(logged("shype: resource map refused: 4111 bytes exceed the limit of 4096; no guest gets I/O resources"));
  const std::string label63(63, 'L'), label64(64, 'L');
  const struct {
    std::string body, why;
  } bad[] = {
      {"ioport 2e8 vdisk_Order\nport 1 x\n", "line 3: expected \"ioport|iomem|irq FIRST[-LAST] LABEL\" or \"pci [SEG:]BUS:DEV.FN LABEL\""},
      {"ioport2e8 x\n", "line 2: expected \"ioport|iomem"},
      {"ioport 2e8-2e0 x\n", "line 2: bad port range (hexadecimal FIRST[-LAST], FIRST <= LAST <= ffff)"},
      {"ioport 10000 x\n", "line 2: bad port range"},
      {"ioport 0x-1 x\n", "line 2: bad port range"},
      {"ioport -1 x\n", "line 2: bad port range"},
      {"iomem 10000000000 x\n", "line 2: bad I/O memory range (hexadecimal machine frame numbers FIRST[-LAST], FIRST <= LAST <= ffffffffff)"},
      {"iomem 1-fffffffffffffffffffff x\n", "line 2: bad I/O memory range"},
      {"irq 0x5 x\n", "line 2: expected a space and a resource label after the range"},
      {"irq a x\n", "line 2: bad IRQ range (decimal FIRST[-LAST], FIRST <= LAST <= 65535)"},
      {"irq 65536 x\n", "line 2: bad IRQ range"},
      {"irq 99999999999999999999999 x\n", "line 2: bad IRQ range"},
      {"pci 00:20.0 x\n", "line 2: bad PCI device (hexadecimal [SEG:]BUS:DEV.FN, BUS <= ff, DEV <= 1f, FN <= 7)"},
      {"pci 0000:100:00.0 x\n", "line 2: bad PCI device"},
      {"pci 00:03.8 x\n", "line 2: bad PCI device"},
      {"pci 00000:00:03.0 x\n", "line 2: bad PCI device"},
      {"pci 00:03 x\n", "line 2: bad PCI device"},
      {"pci 0:0:0:03.0 x\n", "line 2: bad PCI device"},
      {"pci 00:03.* x\n", "line 2: bad PCI device"},
      {"ioport 2e8-2ef\n", "line 2: expected a space and a resource label after the range"},
      {"ioport 2e8-2efx lab\n", "line 2: expected a space and a resource label after the range"},
      {"ioport 2e8-2ef   \n", "line 2: resource label missing or longer than 63 bytes"},
      {"ioport 2e8 " + label64 + "\n", "line 2: resource label missing or longer than 63 bytes"},
      {"ioport 2e8 two words\n", "line 2: one resource label (printable ASCII, no space) expected after the range"},
      {"ioport 2e8 ctl\x01x\n", "line 2: one resource label"},
      {std::string("ioport 2e8 nul\0x\n", 17), "line 2: one resource label"},
      {"ioport 2e8-2ef a\n\n# c\nioport 2ef-2f0 b\n", "line 5: overlaps line 2"},
      {"pci 00:05.0 a\npci 0000:00:05.0 b\n", "line 3: overlaps line 2"},
  };
  for (const auto& b : bad) {
    g_lines.clear();
    const bool refused = resmap(b.body) == -1;
    CHECK(refused);
    const bool named = logged("shype: resource map refused: " + b.why);
    if (!refused || !named) std::fprintf(stderr, "  resource map case: %s\n", b.body.c_str());
    CHECK(named);
    CHECK(logged("; no guest gets I/O resources"));
    CHECK(unmapped());
  }
  {  // 64 resources are fine, 65 are not
    std::string many;
    for (int i = 0; i < 64; ++i) many += "irq " + std::to_string(i) + " vdisk_Order\n";
    g_lines.clear();
    CHECK(resmap(many) == 0);
    CHECK(logged("shype: resource map: 0 I/O port range(s), 0 I/O memory range(s), 64 IRQ range(s), 0 PCI device(s)"));
    CHECK(resmap(many + "irq 64 vdisk_Order\n") == -1);
    CHECK(logged("shype: resource map refused: line 66: more than 64 resources; no guest gets I/O resources"));
  }
  g_lines.clear();
  CHECK(resmap("# the boot tests' kinds\r\n"
               "ioport 0x2e8-0x2ef vdisk_Order\n"
               "  iomem c0000-c000f\tvdisk_Order\r\n"
               "irq 5 vdisk_Order\n"
               "irq 7-9 vdisk_Ads\n"
               "ioport 5-5 " + label63 + "\n"
               "pci 0000:00:05.0 vdisk_Order\n"
               "pci 01:1f.7 vdisk_Ads\n"
               "ioport 300-307 no_such_label") == 0);
  CHECK(logged("shype: resource map: 3 I/O port range(s), 1 I/O memory range(s), 2 IRQ range(s), 2 PCI device(s)"));
  // Entries whose label the policy lacks are named (a typo in the map shows at boot).
  g_lines.clear();
  CHECK(shype_xen_check_resmap() == 2);
  CHECK(logged("shype: resource map line 7: resource label \"" + label63 + "\" is not in the policy in force (I/O ports 0x5-0x5 refused to every guest)"));
  CHECK(logged("shype: resource map line 10: resource label \"no_such_label\" is not in the policy in force (I/O ports 0x300-0x307 refused to every guest)"));
  CHECK(g_lines.size() == 2);

  // --- I/O resources decided by Type Enforcement on the map's resource labels -------------------------
  // dom3 dom_Order (type Order), dom4 dom_Computing, dom2 dom_Ads_Beta (Advertising).
  const unsigned long b0 = shype_xen_binding_count();
  g_lines.clear();
  CHECK(shype_xen_resource_request(3, SHYPE_XEN_RES_IOPORT, 0x2e8, 0x2ef, 1) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_resource_request(3, SHYPE_XEN_RES_IOPORT, 0x2ea, 0x2eb, 1) == SHYPE_XEN_PERMIT);  // one binding per entry
  CHECK(shype_xen_binding_count() == b0 + 1);
  CHECK(shype_xen_resource_request(3, SHYPE_XEN_RES_IOMEM, 0xc0004, 0xc0004, 1) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_resource_request(3, SHYPE_XEN_RES_IRQ, 5, 5, 1) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_resource_request(3, SHYPE_XEN_RES_PCI, 5u << 3, 5u << 3, 1) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_binding_count() == b0 + 4);
  CHECK(shype_xen_resource_request(2, SHYPE_XEN_RES_IRQ, 8, 8, 0) == SHYPE_XEN_PERMIT);  // Ads: vdisk_Ads
  CHECK(shype_xen_resource_request(2, SHYPE_XEN_RES_PCI, 0x1ff, 0x1ff, 0) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_binding_count() == b0 + 4);  // without attach nothing is registered
  CHECK(g_lines.empty());  // permits print nothing
  const struct {
    unsigned d, kind;
    std::uint64_t first, last;
    int rc;
    std::string line;
  } refused[] = {
      {4, SHYPE_XEN_RES_IOPORT, 0x2e8, 0x2ef, SHYPE_XEN_DENY, "shype: d4 refused I/O ports 0x2e8-0x2ef (resource \"vdisk_Order\")"},
      {3, SHYPE_XEN_RES_IOPORT, 0x2e8, 0x2f0, SHYPE_XEN_DENY, "shype: d3 refused I/O ports 0x2e8-0x2f0: no range of the resource map holds them"},
      {4, SHYPE_XEN_RES_IOMEM, 0xc0000, 0xc000f, SHYPE_XEN_DENY, "shype: d4 refused I/O memory frames 0xc0000-0xc000f (resource \"vdisk_Order\")"},
      {3, SHYPE_XEN_RES_IOMEM, 0xc000f, 0xc0010, SHYPE_XEN_DENY, "shype: d3 refused I/O memory frames 0xc000f-0xc0010: no range of the resource map holds them"},
      {4, SHYPE_XEN_RES_IRQ, 5, 5, SHYPE_XEN_DENY, "shype: d4 refused IRQ 5 (resource \"vdisk_Order\")"},
      {3, SHYPE_XEN_RES_IRQ, 8, 8, SHYPE_XEN_DENY, "shype: d3 refused IRQ 8 (resource \"vdisk_Ads\")"},
      {3, SHYPE_XEN_RES_IRQ, 6, 6, SHYPE_XEN_DENY, "shype: d3 refused IRQ 6: not in the resource map"},
      {3, SHYPE_XEN_RES_IRQ, 8, 10, SHYPE_XEN_DENY, "shype: d3 refused IRQs 8-10: not in the resource map"},
      {4, SHYPE_XEN_RES_PCI, 5u << 3, 5u << 3, SHYPE_XEN_DENY, "shype: d4 refused PCI device 0000:00:05.0 (resource \"vdisk_Order\")"},
      {3, SHYPE_XEN_RES_PCI, 0x1ff, 0x1ff, SHYPE_XEN_DENY, "shype: d3 refused PCI device 0000:01:1f.7 (resource \"vdisk_Ads\")"},
      {3, SHYPE_XEN_RES_PCI, 0x10028, 0x10028, SHYPE_XEN_DENY, "shype: d3 refused PCI device 0001:00:05.0: not in the resource map"},
      {3, SHYPE_XEN_RES_IOPORT, 0x300, 0x307, SHYPE_XEN_DENY, "shype: d3 refused I/O ports 0x300-0x307: resource label \"no_such_label\" is not in the policy in force"},
      {3, SHYPE_XEN_RES_IOPORT, 5, 5, SHYPE_XEN_DENY, "resource label \"" + label63 + "\" is not in the policy in force"},
      {3, 9, 1, 1, SHYPE_XEN_ERROR, "shype: d3 refused a resource of unknown kind 9"},
      {9, SHYPE_XEN_RES_IRQ, 5, 5, SHYPE_XEN_ERROR, "shype: resource_access dom9: refused, unknown_domain"},
      {SHYPE_XEN_MAX_DOMAINS, SHYPE_XEN_RES_IRQ, 5, 5, SHYPE_XEN_ERROR, "shype: resource_access dom" + std::to_string(SHYPE_XEN_MAX_DOMAINS) + ": refused, unknown_domain"},
  };
  for (const auto& r : refused) {
    g_lines.clear();
    const bool rc = shype_xen_resource_request(r.d, r.kind, r.first, r.last, 1) == r.rc;
    const bool named = logged(r.line);
    if (!rc || !named) std::fprintf(stderr, "  resource request case: %s\n", r.line.c_str());
    CHECK(rc);
    CHECK(named);
  }
  g_lines.clear();
  CHECK(shype_xen_resource_request(4, SHYPE_XEN_RES_IRQ, 5, 5, 0) == SHYPE_XEN_DENY);
  CHECK(logged("avc: denied { access } for source=dom4 slabel=\"dom_Computing\" target=resource tlabel=\"vdisk_Order\" policy=type_enforcement"));
  CHECK(shype_xen_binding_count() == b0 + 4);  // refusals register nothing
  // A destroyed domain's resource bindings are closed; dom3 starts again for what follows.
  shype_xen_domain_destroy(3);
  CHECK(shype_xen_binding_count() == b0);
  CHECK(shype_xen_domain_create(3, order) == SHYPE_XEN_PERMIT);

  // --- a destroyed domain's bindings are closed ----------------------------------------------------
  CHECK(shype_xen_evtchn_bind(3, 0, 0xD000) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_grant_map(3, 0, 0) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_binding_count() == 2);
  shype_xen_domain_destroy(3);
  CHECK(shype_xen_binding_count() == 0);
  shype_xen_evtchn_close(0xD000);  // Xen closes the channel after the monitor did: harmless
  CHECK(shype_xen_evtchn_unbound(3, 0) == SHYPE_XEN_ERROR);

  // --- statistics on the console --------------------------------------------------------------------
  g_lines.clear();
  shype_xen_print_stats();
  CHECK(logged("shype: stats domain: "));
  CHECK(logged("shype: stats evtchn: "));
  CHECK(logged("shype: stats grant: "));
  CHECK(!logged("shype: stats grant: hits=0 misses=0"));

  // --- live policy change ----------------------------------------------------------------------------
  const unsigned vdisk = label("dom_VirtualDisk");
  CHECK(shype_xen_domain_create(5, vdisk) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_domain_create(6, order) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_evtchn_bind(6, 5, 0xE000) == SHYPE_XEN_PERMIT);  // Order <-> VirtualDisk share Order
  CHECK(shype_xen_grant_map(5, 6, 1) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_evtchn_bind(6, 0, 0xF000) == SHYPE_XEN_PERMIT);  // Order <-> Management: stays
  CHECK(shype_xen_binding_count() == 3);
  // I/O resources labelled vdisk_Order (type Order): the device domain's go with v2, the Order
  // domain's stay.
  CHECK(shype_xen_resource_request(5, SHYPE_XEN_RES_IOPORT, 0x2e8, 0x2ef, 1) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_resource_request(5, SHYPE_XEN_RES_PCI, 5u << 3, 5u << 3, 1) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_resource_request(6, SHYPE_XEN_RES_IRQ, 5, 5, 1) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_binding_count() == 6);
  shype_xen_stats st{};
  shype_xen_get_stats(&st);
  CHECK(st.loaded == 1 && st.generation == 1 && st.bindings == 6 && st.vm_labels == 6);
  CHECK(std::strcmp(st.policy, "example.customer-order") == 0);
  CHECK(st.by_class[0].denials >= 2);  // the Chinese Wall refusals above
  // A domain without the management label may not change it (the library's authorisation).
  g_lines.clear();
  CHECK(shype_xen_change_policy(6, policy_v2.data(), policy_v2.size()) == -1);
  CHECK(logged("shype: d6 may not change the policy (not the management label)"));
  CHECK(logged("avc: denied { load_policy } for source=dom6 slabel=\"dom_Order\" target=policy policy=management"));
  // Malformed, oversized: refused with the reason.
  CHECK(shype_xen_change_policy(0, policy_v2.data(), policy_v2.size() / 2) == -2);
  CHECK(logged("shype: policy change refused: truncated in header"));
  CHECK(shype_xen_change_policy(0, big.data(), big.size()) == -3);
  CHECK(logged("shype: policy change refused: 65537 bytes exceed the limit of 65536"));
  // ... and the policy in force stays, bindings untouched.
  shype_xen_get_stats(&st);
  CHECK(st.generation == 1 && st.bindings == 6);
  CHECK(shype_xen_evtchn_unbound(6, 5) == SHYPE_XEN_PERMIT);
  // A change the running domains cannot follow (a label dropped) is refused too, naming it.
  {
    std::vector<char> renamed = policy;
    const std::string from = "dom_Ads_Beta", to = "dom_Ads_Gama";
    auto it = std::search(renamed.begin(), renamed.end(), from.begin(), from.end());
    CHECK(it != renamed.end());
    if (it != renamed.end()) std::copy(to.begin(), to.end(), it);
    const int rc = shype_xen_change_policy(0, renamed.data(), renamed.size());
    CHECK(rc == -2);  // refused: either its checksum or the missing label
    shype_xen_get_stats(&st);
    CHECK(st.generation == 1);
  }
  // Applied: v2 takes Order away from the device domain; what it no longer permits is revoked.
  g_lines.clear();
  CHECK(shype_xen_change_policy(0, policy_v2.data(), policy_v2.size()) == 0);
  CHECK(logged("shype: policy \"example.customer-order\" now in force: 7 VM labels"));
  CHECK(logged("shype: policy change: generation 2, 4 binding(s) revoked"));
  CHECK(logged("shype: resource map line 10: resource label \"no_such_label\" is not in the policy in force"));  // checked again
  CHECK(logged("close evtchn dom6 -> dom5 key " + std::to_string(0xE000)));
  CHECK(logged("revoked grant dom5 -> dom6 ro"));
  CHECK(!logged("key " + std::to_string(0xF000)));
  CHECK(logged("revoked resource dom5 kind 0 " + std::to_string(0x2e8) + "-" + std::to_string(0x2ef) + " vdisk_Order"));
  CHECK(logged("revoked resource dom5 kind 3 40-40 vdisk_Order"));
  CHECK(!logged("revoked resource dom6"));
  shype_xen_get_stats(&st);
  CHECK(st.generation == 2 && st.bindings == 2 && st.vm_labels == 7);
  CHECK(st.by_class[1].revocations == 1 && st.by_class[2].revocations == 1 && st.by_class[3].revocations == 2);
  CHECK(shype_xen_resource_request(5, SHYPE_XEN_RES_IOPORT, 0x2e8, 0x2ef, 1) == SHYPE_XEN_DENY);  // the new policy
  CHECK(shype_xen_resource_request(6, SHYPE_XEN_RES_IOPORT, 0x2e8, 0x2ef, 1) == SHYPE_XEN_PERMIT);
  CHECK(shype_xen_evtchn_unbound(6, 5) == SHYPE_XEN_DENY);   // decided by the new policy
  CHECK(shype_xen_evtchn_unbound(6, 0) == SHYPE_XEN_PERMIT);
  CHECK(label("dom_OrderStorage") != 0xFFFF);  // labels are the new policy's
  // The old buffer is free for the next change: back to v1 (nothing to revoke).
  CHECK(shype_xen_change_policy(0, policy.data(), policy.size()) == 0);
  shype_xen_get_stats(&st);
  CHECK(st.generation == 3 && st.vm_labels == 6);
  CHECK(shype_xen_evtchn_unbound(6, 5) == SHYPE_XEN_PERMIT);

  if (g_failures == 0) std::printf("module_host_test: all checks passed\n");
  return g_failures == 0 ? 0 : 1;
}
