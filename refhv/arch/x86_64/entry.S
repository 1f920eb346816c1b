/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Interrupt entry stubs and the SVM world switch.
 */
#include "asm_offsets.h"

/* ---- interrupt and exception stubs ------------------------------------- */
/* Each stub pushes a zero error code where the CPU does not, then the vector. */
    .section .text
    .align 16
isr_common:
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
    call refhv_trap
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
    .globl isr_stubs
isr_stubs:                      /* stub n is at isr_stubs + 16 * n (each is at most 12 bytes) */
    .set vec, 0
    .rept 256
    .align 16
    .if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    pushq $vec
    .else
    pushq $0
    pushq $vec
    .endif
    jmp isr_common
    .set vec, vec + 1
    .endr

/* ---- world switch ------------------------------------------------------ */
/*
 * void svm_world_switch(guest_gprs* g, u64 vmcb_pa, u64 host_vmcb_pa)
 * Loads the guest GPRs VMRUN does not (all but RAX/RSP), runs the guest until #VMEXIT,
 * stores them back. VMLOAD/VMSAVE swap FS/GS/TR/LDTR and the syscall MSRs. The host
 * keeps IF = 0 and GIF = 1 outside this function; inside, GIF = 0 while IF = 1, so a
 * physical interrupt during the guest becomes an INTR exit and is then taken on the
 * host IDT at the STGI below.
 */
    .globl svm_world_switch
svm_world_switch:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    push %rdx                   /* host save VMCB pa */
    push %rdi                   /* guest_gprs* */
    push %rsi                   /* guest VMCB pa */

    mov %rdi, %rax
    mov GPR_RBX(%rax), %rbx
    mov GPR_RCX(%rax), %rcx
    mov GPR_RDX(%rax), %rdx
    mov GPR_RSI(%rax), %rsi
    mov GPR_RBP(%rax), %rbp
    mov GPR_R8(%rax), %r8
    mov GPR_R9(%rax), %r9
    mov GPR_R10(%rax), %r10
    mov GPR_R11(%rax), %r11
    mov GPR_R12(%rax), %r12
    mov GPR_R13(%rax), %r13
    mov GPR_R14(%rax), %r14
    mov GPR_R15(%rax), %r15
    mov GPR_RDI(%rax), %rdi
    mov (%rsp), %rax

    clgi
    vmload %rax
    sti
    vmrun %rax
    /* #VMEXIT: host RAX (= guest VMCB pa), RSP, RIP and RFLAGS are back; GIF = 0. */
    vmsave %rax

    push %rdi                   /* guest RDI; the pointer is now at 16(%rsp) */
    mov 16(%rsp), %rdi
    mov %rbx, GPR_RBX(%rdi)
    mov %rcx, GPR_RCX(%rdi)
    mov %rdx, GPR_RDX(%rdi)
    mov %rsi, GPR_RSI(%rdi)
    mov %rbp, GPR_RBP(%rdi)
    mov %r8, GPR_R8(%rdi)
    mov %r9, GPR_R9(%rdi)
    mov %r10, GPR_R10(%rdi)
    mov %r11, GPR_R11(%rdi)
    mov %r12, GPR_R12(%rdi)
    mov %r13, GPR_R13(%rdi)
    mov %r14, GPR_R14(%rdi)
    mov %r15, GPR_R15(%rdi)
    popq GPR_RDI(%rdi)

    mov 16(%rsp), %rax          /* host save VMCB */
    vmload %rax
    add $24, %rsp
    stgi                        /* a pending interrupt is delivered here */
    cli

    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
