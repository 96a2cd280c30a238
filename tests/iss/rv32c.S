# rv32c.S - every RV32C instruction in its explicit c.* form, with immediate edge cases and link addresses of pc+2.
#include "iss_test.h"
    .option rvc
TEST_START
    # c.li / c.addi / c.nop
    c.li a0, -32
    CHECK(2, a0, 0xffffffe0)
    c.li a0, 31
    c.addi a0, -32
    CHECK(3, a0, 0xffffffff)
    c.addi a0, 1
    CHECK(4, a0, 0)
    c.nop
    # c.lui: 6-bit signed immediate in [17:12]
    c.lui a1, 0xfffe0
    CHECK(5, a1, 0xfffe0000)
    c.lui a1, 0x1f
    CHECK(6, a1, 0x0001f000)
    # c.mv / c.add
    li a2, 0x1234
    c.mv a3, a2
    CHECK(7, a3, 0x1234)
    c.add a3, a2
    CHECK(8, a3, 0x2468)
    # c.slli / c.srli / c.srai / c.andi
    li a4, 0x80000001
    c.slli a4, 31
    CHECK(9, a4, 0x80000000)
    c.srai a4, 4
    CHECK(10, a4, 0xf8000000)
    c.srli a4, 28
    CHECK(11, a4, 0xf)
    li a5, 0x12345678
    c.andi a5, -16
    CHECK(12, a5, 0x12345670)
    c.andi a5, 0x1f
    CHECK(13, a5, 0x10)
    # c.sub / c.xor / c.or / c.and on x8..x15
    li s0, 100
    li s1, 58
    c.sub s0, s1
    CHECK(14, s0, 42)
    li s0, 0xff00ff00
    li s1, 0x0ff00ff0
    mv a0, s0
    c.xor a0, s1
    CHECK(15, a0, 0xf0f0f0f0)
    mv a0, s0
    c.or a0, s1
    CHECK(16, a0, 0xfff0fff0)
    mv a0, s0
    c.and a0, s1
    CHECK(17, a0, 0x0f000f00)
    # stack-pointer forms: c.addi16sp, c.addi4spn, c.swsp, c.lwsp
    mv s1, sp
    c.addi16sp sp, -512
    sub a0, s1, sp
    CHECK(18, a0, 512)
    c.addi16sp sp, 496
    sub a0, s1, sp
    CHECK(19, a0, 16)
    c.addi4spn a0, sp, 1020
    sub a0, a0, sp
    CHECK(20, a0, 1020)
    c.addi4spn a1, sp, 4
    sub a1, a1, sp
    CHECK(21, a1, 4)
    li a2, 0xcafef00d
    c.swsp a2, 252(sp)
    c.lwsp a3, 252(sp)
    CHECK(22, a3, 0xcafef00d)
    c.swsp a2, 0(sp)
    lw a4, 0(sp)
    CHECK(23, a4, 0xcafef00d)
    mv sp, s1
    # c.sw / c.lw with the largest offset
    la s0, buf
    li a5, 0x600dd00d
    c.sw a5, 124(s0)
    c.lw a4, 124(s0)
    CHECK(24, a4, 0x600dd00d)
    lw a3, 124(s0)
    CHECK(25, a3, 0x600dd00d)
    c.sw a5, 0(s0)
    c.lw a2, 0(s0)
    CHECK(26, a2, 0x600dd00d)
    # c.j forward and backward
    li TESTNUM, 27
    c.j 1f
    j fail
2:  c.j 3f
1:  c.j 2b
    j fail
3:
    # c.beqz / c.bnez taken and not taken, backward
    li TESTNUM, 28
    li s0, 0
    c.beqz s0, 1f
    j fail
1:  c.bnez s0, fail
    li s0, 3
    c.beqz s0, fail
    li s1, 0
4:  addi s1, s1, 1
    addi s0, s0, -1
    c.bnez s0, 4b
    CHECK(29, s1, 3)
    # c.jal links pc + 2
    li TESTNUM, 30
    c.jal 1f
5:  j fail
1:  la a0, 5b
    bne ra, a0, fail
    # c.jr
    li TESTNUM, 31
    la a1, 1f
    c.jr a1
    j fail
1:  # c.jalr links pc + 2
    li TESTNUM, 32
    la a1, 1f
    c.jalr a1
6:  j fail
1:  la a0, 6b
    bne ra, a0, fail
    # c.ebreak traps (mcause 3, mepc at it), the handler resumes after its 2 bytes
    li TESTNUM, 33
7:  c.ebreak
    la t3, trap_info
    lw t4, TI_CAUSE(t3)
    li t2, 3
    bne t4, t2, fail
    lw t4, TI_EPC(t3)
    la t2, 7b
    bne t4, t2, fail
    lw t4, TI_COUNT(t3)
    li t2, 1
    bne t4, t2, fail
    # the all-zero parcel and reserved encodings are illegal, mtval = the 16 bits
    .option push
    .option norvc
    li TESTNUM, 34
    .option pop
    .hword 0x0000                             # c.addi4spn with zero immediate
    li t0, 0
    CHECK_TRAP(34, 2, t0, 2)
    .hword 0x6101                             # c.addi16sp sp, 0 (reserved)
    li t0, 0x6101
    CHECK_TRAP(35, 2, t0, 3)
    .hword 0x6081                             # c.lui ra, 0 (reserved)
    li t0, 0x6081
    CHECK_TRAP(36, 2, t0, 4)
    .hword 0x8082 & ~0x0080                   # c.jr x0 (reserved)
    li t0, 0x8002
    CHECK_TRAP(37, 2, t0, 5)
    .hword 0x9c21                             # c.subw (RV64 only)
    li t0, 0x9c21
    CHECK_TRAP(38, 2, t0, 6)
    .hword 0x4002                             # c.lwsp x0 (reserved)
    li t0, 0x4002
    CHECK_TRAP(39, 2, t0, 7)
    .hword 0x1006                             # c.slli ra, 33 (shamt[5] set: not RV32)
    li t0, 0x1006
    CHECK_TRAP(40, 2, t0, 8)
    .hword 0x2002                             # c.fldsp: no D extension
    li t0, 0x2002
    CHECK_TRAP(41, 2, t0, 9)
    j pass
TEST_END
    .bss
    .balign 4
buf: .space 128
