# traps.S - synchronous traps: misaligned and faulting loads/stores, fetch fault, illegal instructions, ecall, ebreak.
#include "iss_test.h"
    .option norvc

/* the 32-bit instruction word at label lbl into reg */
#define INSN_AT(reg, lbl) la reg, lbl; lw reg, 0(reg)

TEST_START
    la s0, buf
    li a0, 0x11223344
    sw a0, 0(s0)
    sw a0, 4(s0)
    # misaligned loads trap with mcause 4, mtval = address; the destination is untouched
    li a0, 0x55
    lh a0, 1(s0)
    addi t0, s0, 1
    CHECK_TRAP(2, 4, t0, 1)
    CHECK(3, a0, 0x55)
    lw a0, 2(s0)
    addi t0, s0, 2
    CHECK_TRAP(4, 4, t0, 2)
    lw a0, 3(s0)
    addi t0, s0, 3
    CHECK_TRAP(5, 4, t0, 3)
    lhu a0, 3(s0)
    addi t0, s0, 3
    CHECK_TRAP(6, 4, t0, 4)
    CHECK(7, a0, 0x55)
    # bytes are never misaligned, halfwords at even addresses are fine
    lb a0, 3(s0)
    CHECK(8, a0, 0x11)
    lh a0, 2(s0)
    CHECK(9, a0, 0x1122)
    # misaligned stores trap with mcause 6 and write nothing
    li a1, -1
    sh a1, 1(s0)
    addi t0, s0, 1
    CHECK_TRAP(10, 6, t0, 5)
    sw a1, 6(s0)
    addi t0, s0, 6
    CHECK_TRAP(11, 6, t0, 6)
    lw a0, 0(s0)
    CHECK(12, a0, 0x11223344)
    lw a0, 4(s0)
    CHECK(13, a0, 0x11223344)
    # access faults: nothing is mapped at 0x1000
    li s1, 0x1000
    li a0, 0x66
    lw a0, 0(s1)
    CHECK_TRAP(14, 5, s1, 7)
    CHECK(15, a0, 0x66)
    lb a0, 3(s1)
    addi t0, s1, 3
    CHECK_TRAP(16, 5, t0, 8)
    sw a0, 8(s1)
    addi t0, s1, 8
    CHECK_TRAP(17, 7, t0, 9)
    # misalignment is checked before the access: misaligned and unmapped -> misaligned
    lw a0, 2(s1)
    addi t0, s1, 2
    CHECK_TRAP(18, 4, t0, 10)
    # fetch fault: mcause 1, mtval = mepc = the target; the handler returns to ra
    li TESTNUM, 19
    li s2, 0x00100000
    jalr ra, 0(s2)
    CHECK_TRAP(19, 1, s2, 11)
    la t3, trap_info
    lw t4, TI_EPC(t3)
    bne t4, s2, fail
    # ecall: mcause 11, mepc = the ecall, mtval 0
1:  ecall
    CHECK_TRAP(20, 11, zero, 12)
    la t3, trap_info
    lw t4, TI_EPC(t3)
    la t2, 1b
    bne t4, t2, fail
    # ebreak: mcause 3, mepc = the ebreak
2:  ebreak
    la t0, 2b
    CHECK_TRAP(21, 3, t0, 13)
    lw t4, TI_EPC(t3)
    bne t4, t0, fail
    # illegal instructions: mcause 2, mtval = the instruction bits
3:  .word 0x0000000b                          # custom-0 opcode
    INSN_AT(t0, 3b)
    CHECK_TRAP(22, 2, t0, 14)
4:  .word 0x40001013 | (10 << 7)              # slli with funct7 0x20: not RV32I
    INSN_AT(t0, 4b)
    CHECK_TRAP(23, 2, t0, 15)
5:  .word 0x00002063                          # branch funct3 2: reserved
    INSN_AT(t0, 5b)
    CHECK_TRAP(24, 2, t0, 16)
6:  .word 0x02000533 | (0x20 << 25)           # OP with funct7 0x21: nothing
    INSN_AT(t0, 6b)
    CHECK_TRAP(25, 2, t0, 17)
7:  .word 0x00003003 | (10 << 7)              # ld: RV64 only
    INSN_AT(t0, 7b)
    CHECK_TRAP(26, 2, t0, 18)
8:  .word 0x00001067                          # jalr funct3 1
    INSN_AT(t0, 8b)
    CHECK_TRAP(27, 2, t0, 19)
9:  .word 0xffffffff                          # a >32-bit encoding
    li t0, 0xffffffff
    CHECK_TRAP(28, 2, t0, 20)
    # CSRs: unknown number, write to a read-only one; reading is fine
10: csrr a0, 0x7c0
    INSN_AT(t0, 10b)
    CHECK_TRAP(29, 2, t0, 21)
11: csrw mhartid, a0
    INSN_AT(t0, 11b)
    CHECK_TRAP(30, 2, t0, 22)
12: csrrwi a0, cycle, 0                       # csrrw always writes
    INSN_AT(t0, 12b)
    CHECK_TRAP(31, 2, t0, 23)
    li a0, 5
    csrrs a0, mhartid, zero                   # no write: legal
    CHECK(32, a0, 0)
    csrrci a0, mvendorid, 0
    CHECK(33, a0, 0)
13: csrrs a0, mimpid, a0                     # a0 holds 0, but rs1 != x0: a write is attempted -> illegal
    INSN_AT(t0, 13b)
    CHECK_TRAP(34, 2, t0, 24)
    li a0, 1
14: csrrc a0, marchid, a0
    INSN_AT(t0, 14b)
    CHECK_TRAP(35, 2, t0, 25)
15: .word 0x00004073                          # SYSTEM funct3 4
    INSN_AT(t0, 15b)
    CHECK_TRAP(36, 2, t0, 26)
16: .word 0x10600073                          # SYSTEM funct3 0, unknown funct12
    INSN_AT(t0, 16b)
    CHECK_TRAP(37, 2, t0, 27)
    # trap entry saves MIE in MPIE and clears MIE; MPP reads as M
    csrsi mstatus, 8
    ecall
    csrr a0, mstatus
    li t0, 0x1888
    and a0, a0, t0
    CHECK(38, a0, 0x1888)                     # after mret: MIE = MPIE = 1, MPP = 3
    csrci mstatus, 8
    ecall
    csrr a0, mstatus
    li t0, 0x1888
    and a0, a0, t0
    CHECK(39, a0, 0x1880)                     # MIE was 0: stays 0, MPIE = 1
    j pass
TEST_END
    .bss
    .balign 4
buf: .space 16
