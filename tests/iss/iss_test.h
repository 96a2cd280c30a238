/* iss_test.h - macros of the ISS self-checking programs: start-up, pass/fail via tohost, checks, a trap recorder.
 *
 * Conventions: gp holds the current test number; a failing check stores (gp << 1) | 1 to tohost,
 * the end stores 1. The default trap handler records mcause/mepc/mtval and a count in trap_info and
 * resumes after the trapping instruction (fetch faults resume at ra); it clobbers t5 and t6 only.
 * An unexpected interrupt in the default handler fails the current test.
 */
#ifndef ISS_TEST_H
#define ISS_TEST_H

#define TESTNUM gp

/* CSR mnemonics: adding _zicsr to -march would break the toolchain's multilib selection */
    .option arch, +zicsr

/* trap_info layout */
#define TI_CAUSE 0
#define TI_EPC 4
#define TI_TVAL 8
#define TI_COUNT 12

#define TEST_START                                                                                                    \
    .section .text.init;                                                                                              \
    .globl _start;                                                                                                    \
    _start:                                                                                                           \
    la t0, trap_vector;                                                                                               \
    csrw mtvec, t0;                                                                                                   \
    la sp, stack_top;                                                                                                 \
    li TESTNUM, 0;                                                                                                    \
    j tests_begin;                                                                                                    \
    TRAP_HANDLER;                                                                                                     \
    tests_begin:

/* End of the tests: pass, plus the fail path, tohost and the data the macros need. */
#define TEST_END                                                                                                      \
    pass:                                                                                                             \
    li t0, 1;                                                                                                         \
    la t1, tohost;                                                                                                    \
    sw t0, 0(t1);                                                                                                     \
    1: j 1b;                                                                                                          \
    fail:                                                                                                             \
    slli t0, TESTNUM, 1;                                                                                              \
    ori t0, t0, 1;                                                                                                    \
    la t1, tohost;                                                                                                    \
    sw t0, 0(t1);                                                                                                     \
    2: j 2b;                                                                                                          \
    .section .tohost, "aw", @progbits;                                                                                \
    .balign 8;                                                                                                        \
    .globl tohost;                                                                                                    \
    tohost: .word 0, 0;                                                                                               \
    .section .bss;                                                                                                    \
    .balign 16;                                                                                                       \
    trap_info: .space 16;                                                                                             \
    stack: .space 4096;                                                                                               \
    stack_top:

#define TRAP_HANDLER                                                                                                  \
    .balign 4;                                                                                                        \
    trap_vector:                                                                                                      \
    la t6, trap_info;                                                                                                 \
    csrr t5, mcause;                                                                                                  \
    sw t5, TI_CAUSE(t6);                                                                                              \
    bltz t5, fail;                                                                                                    \
    csrr t5, mepc;                                                                                                    \
    sw t5, TI_EPC(t6);                                                                                                \
    csrr t5, mtval;                                                                                                   \
    sw t5, TI_TVAL(t6);                                                                                               \
    lw t5, TI_COUNT(t6);                                                                                              \
    addi t5, t5, 1;                                                                                                   \
    sw t5, TI_COUNT(t6);                                                                                              \
    csrr t5, mcause;                                                                                                  \
    addi t5, t5, -1;                                                                                                  \
    bnez t5, 3f;                                                                                                      \
    csrw mepc, ra; /* fetch fault: return to the caller */                                                            \
    mret;                                                                                                             \
    3: csrr t5, mepc;                                                                                                 \
    lhu t6, 0(t5);                                                                                                    \
    andi t6, t6, 3;                                                                                                   \
    addi t6, t6, -3;                                                                                                  \
    addi t5, t5, 2;                                                                                                   \
    bnez t6, 4f;                                                                                                      \
    addi t5, t5, 2;                                                                                                   \
    4: csrw mepc, t5;                                                                                                 \
    mret

/* reg == value, else fail test n */
#define CHECK(n, reg, value)                                                                                          \
    li TESTNUM, n;                                                                                                    \
    li t4, value;                                                                                                     \
    bne reg, t4, fail

/* rd = inst(v1, v2) */
#define TEST_RR(n, inst, expect, v1, v2)                                                                              \
    li a1, v1;                                                                                                        \
    li a2, v2;                                                                                                        \
    inst a0, a1, a2;                                                                                                  \
    CHECK(n, a0, expect)

/* rd = inst(v1, imm) */
#define TEST_RI(n, inst, expect, v1, imm)                                                                             \
    li a1, v1;                                                                                                        \
    inst a0, a1, imm;                                                                                                 \
    CHECK(n, a0, expect)

/* the last trap recorded: cause, tval, and the total count */
#define CHECK_TRAP(n, cause, tval_reg, count)                                                                         \
    li TESTNUM, n;                                                                                                    \
    la t3, trap_info;                                                                                                 \
    lw t4, TI_CAUSE(t3);                                                                                              \
    li t2, cause;                                                                                                     \
    bne t4, t2, fail;                                                                                                 \
    lw t4, TI_TVAL(t3);                                                                                               \
    bne t4, tval_reg, fail;                                                                                           \
    lw t4, TI_COUNT(t3);                                                                                              \
    li t2, count;                                                                                                     \
    bne t4, t2, fail

#endif
