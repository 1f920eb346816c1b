/* SPDX-License-Identifier: Apache-2.0 */
/* Guest start-up: the image header, the entry point, interrupt stubs and the probe
 * helpers whose faults the trap handler turns into return values (via .fixups). */

    .section .header, "a"
    .long 0x47564852            /* REFHV_IMAGE_MAGIC */
    .long 0x00010001            /* REFHV_ABI_VERSION 1.1 */
    .quad _start
    .quad __image_start
    .quad __image_file_size
    .quad __image_mem_size

    .text
    .globl _start
_start:                         /* RDI = start info gpa, RSP = top of memory */
    and $-16, %rsp
    call guest_entry
1:  hlt
    jmp 1b

/* ---- interrupt stubs: stub n at guest_isr_stubs + 16 n ---------------------- */
    .align 16
guest_isr_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    cld
    call guest_trap
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    iretq

    .align 16
    .globl guest_isr_stubs
guest_isr_stubs:
    .set vec, 0
    .rept 256
    .align 16
    .if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    pushq $vec
    .else
    pushq $0
    pushq $vec
    .endif
    jmp guest_isr_common
    .set vec, vec + 1
    .endr

/* ---- probes: return 0, or -vector if the marked instruction faulted ---------- */
.macro fixup insn_label, landing
    .pushsection .fixups, "a"
    .quad \insn_label, \landing
    .popsection
.endm

    .globl probe_read64         /* long probe_read64(u64 addr, u64* out) */
probe_read64:
    xor %eax, %eax
10: mov (%rdi), %rdx
    mov %rdx, (%rsi)
11: ret
    fixup 10b, 11b

    .globl probe_write64        /* long probe_write64(u64 addr, u64 value) */
probe_write64:
    xor %eax, %eax
20: mov %rsi, (%rdi)
21: ret
    fixup 20b, 21b

    .globl probe_vmrun          /* long probe_vmrun(void): SVM instructions must #UD */
probe_vmrun:
    xor %eax, %eax
30: vmrun %rax
31: ret
    fixup 30b, 31b

    .globl probe_rdmsr          /* long probe_rdmsr(u32 msr) */
probe_rdmsr:
    mov %edi, %ecx
    xor %eax, %eax
40: rdmsr
    xor %eax, %eax
41: ret
    fixup 40b, 41b

    .globl probe_wrmsr          /* long probe_wrmsr(u32 msr, u64 value) */
probe_wrmsr:
    mov %edi, %ecx
    mov %rsi, %rax
    mov %rsi, %rdx
    shr $32, %rdx
50: wrmsr
    xor %eax, %eax
51: ret
    fixup 50b, 51b

    .globl probe_read_dr0       /* long probe_read_dr0(void) */
probe_read_dr0:
    xor %eax, %eax
60: mov %dr0, %rdx
61: ret
    fixup 60b, 61b
