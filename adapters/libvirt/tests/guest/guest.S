/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The integration test's guest: a multiboot kernel that QEMU boots directly (libvirt's
 * <os><kernel>), says it is up on COM1 and halts with interrupts off, so a TCG guest costs no
 * CPU while the test starts, stops and migrates it. No disk image, nothing downloaded.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-aligned modules, memory map: what every loader accepts */

        .section .multiboot, "a"
        .balign 4
        .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

        .text
        .code32
        .globl _start
_start:
        cli
        mov $banner, %esi
        mov $0x3f8, %dx
1:      lodsb
        test %al, %al
        jz 2f
        out %al, %dx
        jmp 1b
2:      hlt
        jmp 2b

        .section .rodata
banner: .asciz "shype-guest: up\n"

        .section .note.GNU-stack, "", @progbits
