// SPDX-License-Identifier: Apache-2.0
// The TPM's TIS interface (TCG PC Client Platform TPM Profile, FIFO interface) at its fixed
// address 0xFED40000, locality 0: one command at a time, polled. The TPM 2.0 commands
// themselves are encoded in arch/tpm2; this only moves their bytes.
#pragma once

#include "../../core/types.hpp"

namespace refhv::arch::tpm_tis {

/// Is a TPM there (DID_VID answers), and did it give us locality 0? False: run without a TPM.
bool init() noexcept;
/// tpm2::transport over the FIFO: send `cmd`, wait for the response, read it into `rsp`.
bool transmit(const u8* cmd, usize n, u8* rsp, usize cap, usize& got) noexcept;

}  // namespace refhv::arch::tpm_tis
