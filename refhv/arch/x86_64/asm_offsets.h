/* SPDX-License-Identifier: Apache-2.0 */
/* Offsets into arch::guest_gprs shared by entry.S and the C++ side (static_asserted there). */
#ifndef REFHV_ASM_OFFSETS_H
#define REFHV_ASM_OFFSETS_H
#define GPR_RBX 0x00
#define GPR_RCX 0x08
#define GPR_RDX 0x10
#define GPR_RSI 0x18
#define GPR_RDI 0x20
#define GPR_RBP 0x28
#define GPR_R8  0x30
#define GPR_R9  0x38
#define GPR_R10 0x40
#define GPR_R11 0x48
#define GPR_R12 0x50
#define GPR_R13 0x58
#define GPR_R14 0x60
#define GPR_R15 0x68
#define GPR_SIZE 0x70
#endif
