// SPDX-License-Identifier: Apache-2.0
// The dom0 suites, one per QEMU boot (suite_<name>.cpp); each returns its number of failed cases.
#pragma once

#include "dom0.hpp"

namespace dom0 {

int suite_boot();
int suite_isolation();
int suite_evtchn();
int suite_grant();
int suite_hostile();
int suite_vdisk();
int suite_saverestore();
int suite_sched();
int suite_policy();
int suite_fuzz();
int suite_management();
int suite_customer_order();
int suite_bench();
int suite_mediation();
int suite_attest();

}  // namespace dom0
