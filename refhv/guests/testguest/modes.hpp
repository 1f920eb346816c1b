// SPDX-License-Identifier: Apache-2.0
// The behaviours of the domain U test guest, one per "mode=" value.
#pragma once

namespace testguest {

struct mode {
    const char* name;
    int (*run)();
};

int hello();           // print, exit with code=<n>
int touch();           // access addr=<gpa> (write=1 to write): must be killed
int jump();            // execute at addr=<gpa>: must be killed
int probe();           // what=<vmrun|rdmsr|wrmsr|dr0|debugexit|inport>: exit code reports the outcome
int triple();          // triple fault: must be killed
int halt();            // HLT a few times with interrupts off, then exit 0
int sleep();           // block forever (until destroyed)
int spin();            // grant a counter page to dom0 and increment it without ever exiting
int counter();         // yield n=<count> times; exit code says whether memory survived save/restore
int evtchn_peer();     // rounds=<n> revoke=<0|1>: the other end of dom0's event-channel tests
int granter();         // grants pages to dom0 and follows its pings
int granter_simple();  // grants one page to dom0, then sleeps
int window_touch();    // reads an unmapped grant-window page (nofv=1: without a fault vector)
int hostile();         // unprivileged hostile hypercalls; exit code = number of wrong answers
int vdisk_server();    // a MAC domain serving two labelled virtual disks
int vdisk_client();    // name=<resource> expect=<ok|noent|eacces>
int fuzz();            // seed=<n>: random hypercalls until destroyed (guests/lib/fuzz.cpp)
int agent();           // role=<name> [serve=1]: carries out dom0's commands (guests/scenario.hpp)
int attest_quote();    // asks for a quote (ATTEST_QUOTE); exit code = the error number, 0 if it got one

inline constexpr mode modes[] = {
    {"hello", hello},       {"touch", touch},         {"jump", jump},
    {"probe", probe},       {"triple", triple},       {"halt", halt},
    {"sleep", sleep},       {"spin", spin},           {"counter", counter},
    {"evtchn-peer", evtchn_peer}, {"granter", granter}, {"granter-simple", granter_simple},
    {"window-touch", window_touch}, {"hostile", hostile}, {"vdisk-server", vdisk_server},
    {"vdisk-client", vdisk_client}, {"fuzz", fuzz}, {"agent", agent},
    {"attest-quote", attest_quote},
};

/// Disk contents both sides of the vdisk test agree on: word i of sector s of resource r.
constexpr unsigned long long vdisk_word(unsigned resource, unsigned long long sector, unsigned i) {
    return (0xD15C000000000000ull | (static_cast<unsigned long long>(resource) << 40) | (sector << 16) | i);
}

/// The request page a vdisk client grants to the server (grant ref 0).
struct vdisk_request {
    unsigned long long magic;   // 0x5644534B ("VDSK")
    unsigned long long sector;
    unsigned long long status;  // 0 pending, 1 done, 2 refused
    unsigned long long resource;
    unsigned long long data[64];
};

}  // namespace testguest
