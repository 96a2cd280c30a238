# interrupts.S - timer (CLINT mtimecmp) and software (msip) interrupts: entry, mepc, priority, vectored mtvec, WFI, mret.
#include "iss_test.h"
    .option norvc

#define CLINT 0x02000000
#define MSIP (CLINT + 0x0)
#define MTIMECMP (CLINT + 0x4000)
#define MTIME (CLINT + 0xbff8)

/* mtimecmp = mtime + delta (mtime stays below 2^32 in this program) */
#define TIMER_IN(delta)                                                                                               \
    li t0, MTIME;                                                                                                     \
    lw t1, 0(t0);                                                                                                     \
    addi t1, t1, delta;                                                                                               \
    li t0, MTIMECMP;                                                                                                  \
    sw zero, 4(t0);                                                                                                   \
    sw t1, 0(t0)

/* irq_count == n, else fail (spins up to a bound first) */
#define WAIT_IRQS(n)                                                                                                  \
    li t1, 10000;                                                                                                     \
    la t0, irq_count;                                                                                                 \
    88: lw t2, 0(t0);                                                                                                 \
    li t3, n;                                                                                                         \
    beq t2, t3, 89f;                                                                                                  \
    addi t1, t1, -1;                                                                                                  \
    bnez t1, 88b;                                                                                                     \
    j fail;                                                                                                           \
    89:

/* the k-th logged interrupt: cause, mepc, mstatus seen by the handler */
#define LOGGED(reg, k, field) la reg, irq_count; lw reg, (4 + 32 * field + 4 * k)(reg)
#define F_CAUSE 0
#define F_EPC 1
#define F_STATUS 2

TEST_START
    la t0, irq_vector
    csrw mtvec, t0
    li a0, 0x888
    csrw mie, zero

    # 1. timer interrupt in direct mode
    li TESTNUM, 2
    TIMER_IN(40)
    li t0, 0x80
    csrw mie, t0
    csrsi mstatus, 8
    WAIT_IRQS(1)
    LOGGED(a0, 0, F_CAUSE)
    CHECK(2, a0, 0x80000007)
    LOGGED(a0, 0, F_STATUS)
    li t0, 0x1888
    and a0, a0, t0
    CHECK(3, a0, 0x1880)                      # in the handler: MIE 0, MPIE 1, MPP M
    csrr a0, mstatus
    andi a0, a0, 8
    CHECK(4, a0, 8)                           # mret restored MIE

    # 2. mepc is the next instruction to execute: the interrupt is pending before MIE is set
    csrci mstatus, 8
    TIMER_IN(0)
    nop
    nop
    csrr a0, mip
    CHECK(5, a0, 0x80)                        # pending, not taken
1:  csrsi mstatus, 8
    WAIT_IRQS(2)
    LOGGED(a0, 1, F_EPC)
    la a1, 1b + 4
    li TESTNUM, 6
    bne a0, a1, fail
    csrr a0, mip
    CHECK(7, a0, 0)                           # the handler quiesced the timer

    # 3. software interrupt through msip
    li t0, 0x8
    csrw mie, t0
    li t0, MSIP
    li t1, 1
    sw t1, 0(t0)
    WAIT_IRQS(3)
    LOGGED(a0, 2, F_CAUSE)
    CHECK(8, a0, 0x80000003)
    li t0, MSIP
    lw a0, 0(t0)
    CHECK(9, a0, 0)

    # 4. priority: MSI before MTI when both are pending
    csrci mstatus, 8
    li t0, 0x88
    csrw mie, t0
    TIMER_IN(0)
    li t0, MSIP
    li t1, 1
    sw t1, 0(t0)
    nop
    csrr a0, mip
    CHECK(10, a0, 0x88)
    csrsi mstatus, 8
    WAIT_IRQS(5)
    LOGGED(a0, 3, F_CAUSE)
    CHECK(11, a0, 0x80000003)
    LOGGED(a0, 4, F_CAUSE)
    CHECK(12, a0, 0x80000007)

    # 5. a pending interrupt that mie does not enable is not taken
    li t0, 0x80
    csrw mie, t0
    li t0, MSIP
    li t1, 1
    sw t1, 0(t0)
    nop
    nop
    nop
    csrr a0, mip
    CHECK(13, a0, 0x8)
    la t0, irq_count
    lw a0, 0(t0)
    CHECK(14, a0, 5)
    li t0, MSIP
    sw zero, 0(t0)

    # 6. WFI with MIE clear wakes on the pending timer without trapping
    csrci mstatus, 8
    li t0, 0x80
    csrw mie, t0
    csrr s0, minstret
    csrr s1, mcycle
    TIMER_IN(200)
    wfi
    csrr a0, mcycle
    sub a0, a0, s1
    li t0, 150
    li TESTNUM, 15
    bltu a0, t0, fail                         # it slept
    csrr a0, minstret
    sub a0, a0, s0
    li t0, 20
    bgeu a0, t0, fail                         # ... without retiring instructions meanwhile
    csrr a0, mip
    CHECK(16, a0, 0x80)
    la t0, irq_count
    lw a0, 0(t0)
    CHECK(17, a0, 5)
    csrsi mstatus, 8                          # now it is taken
    WAIT_IRQS(6)

    # 7. WFI with MIE set: the interrupt returns to the instruction after the wfi
    TIMER_IN(50)
2:  wfi
    WAIT_IRQS(7)
    LOGGED(a0, 6, F_EPC)
    la a1, 2b + 4
    li TESTNUM, 18
    bne a0, a1, fail

    # 8. vectored mtvec: interrupts go to base + 4 * cause, exceptions to base
    csrci mstatus, 8
    la t0, vec_table
    ori t0, t0, 1
    csrw mtvec, t0
    TIMER_IN(30)
    csrsi mstatus, 8
    WAIT_IRQS(8)
    la t0, vec_mark_mti
    lw a0, 0(t0)
    li TESTNUM, 19
    beqz a0, fail
    LOGGED(a0, 7, F_CAUSE)
    CHECK(20, a0, 0x80000007)
    li t0, 0x8
    csrw mie, t0
    li t0, MSIP
    li t1, 1
    sw t1, 0(t0)
    WAIT_IRQS(9)
    la t0, vec_mark_msi
    lw a0, 0(t0)
    li TESTNUM, 21
    beqz a0, fail
    ecall
    CHECK_TRAP(22, 11, zero, 1)
    la t0, vec_mark_sync
    lw a0, 0(t0)
    li TESTNUM, 23
    beqz a0, fail
    csrci mstatus, 8
    csrw mie, zero
    j pass

/* Logs mcause/mepc/mstatus, quiesces the source, returns. Saves what it uses; an exception here fails. */
    .balign 4
irq_vector:
    csrw mscratch, t0
    la t0, irq_save
    sw t1, 0(t0)
    sw t2, 4(t0)
    sw t3, 8(t0)
    csrr t1, mcause
    bgez t1, fail
    la t2, irq_count
    lw t3, 0(t2)
    slli t3, t3, 2
    add t3, t3, t2
    sw t1, 4(t3)
    csrr t1, mepc
    sw t1, 36(t3)
    csrr t1, mstatus
    sw t1, 68(t3)
    lw t3, 0(t2)
    addi t3, t3, 1
    sw t3, 0(t2)
    csrr t1, mcause
    andi t1, t1, 0xff
    li t2, 3
    bne t1, t2, 1f
    li t2, MSIP
    sw zero, 0(t2)
    j 2f
1:  li t2, 7
    bne t1, t2, fail
    li t2, MTIMECMP
    li t1, -1
    sw t1, 4(t2)
    sw t1, 0(t2)
2:  la t0, irq_save
    lw t1, 0(t0)
    lw t2, 4(t0)
    lw t3, 8(t0)
    csrr t0, mscratch
    mret

    .balign 64
vec_table:
    j vec_sync          # 0: exceptions
    j fail              # 1
    j fail              # 2
    j vec_msi           # 3: machine software
    j fail              # 4
    j fail              # 5
    j fail              # 6
    j vec_mti           # 7: machine timer
    j fail              # 8
    j fail              # 9
    j fail              # 10
    j fail              # 11: machine external
vec_sync:
    csrw mscratch, t0
    la t0, vec_mark_sync
    sw t0, 0(t0)
    csrr t0, mscratch
    j trap_vector
vec_msi:
    csrw mscratch, t0
    la t0, vec_mark_msi
    sw t0, 0(t0)
    csrr t0, mscratch
    j irq_vector
vec_mti:
    csrw mscratch, t0
    la t0, vec_mark_mti
    sw t0, 0(t0)
    csrr t0, mscratch
    j irq_vector
TEST_END
    .bss
    .balign 4
irq_count: .space 4 + 3 * 32        # count, then causes[8], epcs[8], statuses[8]
irq_save: .space 16
vec_mark_sync: .space 4
vec_mark_msi: .space 4
vec_mark_mti: .space 4
