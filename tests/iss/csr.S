# csr.S - Zicsr read/modify/write forms and the machine CSRs: WARL masks, read-only ids, counters and aliases.
#include "iss_test.h"
    .option norvc
TEST_START
    # csrrw / csrrs / csrrc return the old value
    li a1, 0x12345678
    csrrw a0, mscratch, a1
    CHECK(2, a0, 0)
    li a1, 0x0000ff00
    csrrs a0, mscratch, a1
    CHECK(3, a0, 0x12345678)
    li a1, 0x00ff00ff
    csrrc a0, mscratch, a1
    CHECK(4, a0, 0x1234ff78)
    csrr a0, mscratch
    CHECK(5, a0, 0x1200ff00)
    csrrwi a0, mscratch, 31
    CHECK(6, a0, 0x1200ff00)
    csrrsi a0, mscratch, 0x10
    CHECK(7, a0, 31)
    csrrci a0, mscratch, 0x3
    CHECK(8, a0, 31)
    csrr a0, mscratch
    CHECK(9, a0, 28)
    csrw mscratch, zero                      # csrrw with rd = x0
    csrr a0, mscratch
    CHECK(10, a0, 0)
    li a0, 0xabcdef01
    csrrw a0, mscratch, a0                   # rd == rs1: old value out, new value in
    CHECK(11, a0, 0)
    csrr a0, mscratch
    CHECK(12, a0, 0xabcdef01)
    # misa: RV32 I M C, writes ignored
    csrr a0, misa
    CHECK(13, a0, 0x40001104)
    li a1, -1
    csrw misa, a1
    csrr a0, misa
    CHECK(14, a0, 0x40001104)
    # id registers read 0
    csrr a0, mhartid
    CHECK(15, a0, 0)
    csrr a0, mvendorid
    CHECK(16, a0, 0)
    csrr a0, marchid
    CHECK(17, a0, 0)
    csrr a0, mimpid
    CHECK(18, a0, 0)
    # mstatus keeps MIE and MPIE; MPP is M forever
    csrw mstatus, zero
    csrr a0, mstatus
    CHECK(19, a0, 0x1800)
    li a1, 0xffffff77                        # everything but MIE and MPIE
    csrw mstatus, a1
    csrr a0, mstatus
    CHECK(20, a0, 0x1800)
    csrsi mstatus, 8                         # MIE with mie = 0: nothing can fire
    csrr a0, mstatus
    CHECK(21, a0, 0x1808)
    csrw mstatus, zero
    csrr a0, mstatush
    CHECK(22, a0, 0)
    # mie: MSIE, MTIE, MEIE only
    li a1, -1
    csrw mie, a1
    csrr a0, mie
    CHECK(23, a0, 0x888)
    csrw mie, zero
    # mip is driven by hardware: software writes are ignored
    csrw mip, a1
    csrr a0, mip
    CHECK(24, a0, 0)
    # mtvec: mode 0/1, bit 1 reads 0
    csrr s0, mtvec
    li a1, 0x80000003
    csrw mtvec, a1
    csrr a0, mtvec
    CHECK(25, a0, 0x80000001)
    csrw mtvec, s0
    # mepc: bit 0 reads 0 (16-bit instructions)
    li a1, 0x80000003
    csrw mepc, a1
    csrr a0, mepc
    CHECK(26, a0, 0x80000002)
    # mcause, mtval: any value
    li a1, 0x8000000b
    csrw mcause, a1
    csrr a0, mcause
    CHECK(27, a0, 0x8000000b)
    li a1, 0xdeadbeef
    csrw mtval, a1
    csrr a0, mtval
    CHECK(28, a0, 0xdeadbeef)
    # counters: one instruction per cycle on the ISS
    csrr a0, mcycle
    csrr a1, mcycle
    sub a2, a1, a0
    CHECK(29, a2, 1)
    csrr a0, minstret
    csrr a1, minstret
    sub a2, a1, a0
    CHECK(30, a2, 1)
    csrr a0, mcycle
    csrr a1, cycle                           # unprivileged alias
    sub a2, a1, a0
    CHECK(31, a2, 1)
    csrr a0, minstret
    nop
    nop
    csrr a1, instret
    sub a2, a1, a0
    CHECK(32, a2, 3)
    csrr a0, mcycleh
    CHECK(33, a0, 0)
    csrr a0, cycleh
    CHECK(34, a0, 0)
    csrr a0, instreth
    CHECK(35, a0, 0)
    # minstret written: the writing instruction does not count itself
    li a1, 100
    csrw minstret, a1
    csrr a0, minstret
    CHECK(36, a0, 100)
    # carry into the high halves
    li a1, -1
    csrw minstret, a1
    nop
    csrr a0, minstreth
    CHECK(37, a0, 1)
    csrw minstreth, zero
    li a1, -2
    csrw mcycle, a1
    nop
    nop
    csrr a0, mcycleh
    CHECK(38, a0, 1)
    csrr a0, mcycle
    li a1, 8
    bgeu a0, a1, fail                        # wrapped to a small value
    li a1, 5
    csrw mcycleh, a1
    csrr a0, mcycleh
    CHECK(39, a0, 5)
    csrw mcycleh, zero
    # a 64-bit counter read with the usual hi/lo/hi loop
1:  csrr a1, mcycleh
    csrr a0, mcycle
    csrr a2, mcycleh
    bne a1, a2, 1b
    CHECK(40, a1, 0)
    j pass
TEST_END
