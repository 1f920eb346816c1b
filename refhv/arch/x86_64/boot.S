/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Multiboot (v1) entry. QEMU's -kernel loads the image and jumps to _start in 32-bit
 * protected mode with paging off, EAX = 0x2BADB002 and EBX = the multiboot info.
 * We zero .bss, check for long mode, switch to the static identity-mapped page tables
 * below (4 KiB pages for the first 2 MiB with page 0 left unmapped, 2 MiB pages up to
 * 4 GiB), enter 64-bit mode and call kmain(magic, mbi).
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-aligned modules, memory map */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .boot.text, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    mov %eax, %ebp              /* multiboot magic */
    mov %ebx, %esi              /* multiboot info */

    /* Zero .bss (QEMU loads file contents only). */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb

    mov $boot_stack_top, %esp

    /* Long mode available? */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz no_long_mode

    mov %cr4, %eax
    or $0x20, %eax              /* PAE */
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx       /* EFER */
    rdmsr
    or $0x100, %eax             /* LME */
    wrmsr
    mov %cr0, %eax
    or $0x80010001, %eax        /* PG | WP | PE */
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $long_entry

no_long_mode:
    mov $msg_no_lm, %ebx
1:  movb (%ebx), %al
    test %al, %al
    jz 2f
    mov $0x3F8, %dx
    outb %al, %dx
    inc %ebx
    jmp 1b
2:  mov $0xF4, %dx
    mov $0x13, %eax             /* REFHV_QEMU_EXIT_NO_SVM: this CPU cannot host us */
    outl %eax, %dx
3:  hlt
    jmp 3b

    .code64
long_entry:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    mov $boot_stack_top, %rsp
    mov %ebp, %edi              /* kmain(magic, mbi) */
    call kmain
4:  cli
    hlt
    jmp 4b

    .section .rodata
msg_no_lm:
    .asciz "refhv: fatal: CPU lacks long mode\r\n"

    .section .data
    .align 16
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF    /* 0x08: 64-bit code */
    .quad 0x00CF92000000FFFF    /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    /* Static page tables, so the 32-bit entry needs no loops. */
    .section .data.pagetables, "aw"
    .align 4096
    .globl boot_pml4
boot_pml4:
    .quad boot_pdpt + 0x3
    .fill 511, 8, 0
boot_pdpt:
    .quad boot_pd + 0x3
    .quad boot_pd + 0x1000 + 0x3
    .quad boot_pd + 0x2000 + 0x3
    .quad boot_pd + 0x3000 + 0x3
    .fill 508, 8, 0
boot_pd:                        /* 4 page directories back to back: 0..4 GiB */
    .quad boot_pt0 + 0x3        /* first 2 MiB through 4 KiB pages */
    .set i, 1
    .rept 2047
    .if i >= 1536
    .quad (i << 21) | 0x9B      /* 3..4 GiB: device space, uncached (PCD|PWT) */
    .else
    .quad (i << 21) | 0x83      /* P | RW | PS */
    .endif
    .set i, i + 1
    .endr
boot_pt0:
    .quad 0                     /* page 0 unmapped: NULL dereferences fault */
    .set i, 1
    .rept 511
    .quad (i << 12) | 0x3
    .set i, i + 1
    .endr

    .section .bss
    .align 16
boot_stack:
    .skip 32768
    .globl boot_stack_top
boot_stack_top:
