# rv32i_alu.S - RV32I register-register and immediate arithmetic, shifts (incl. amounts >= 32), lui/auipc, x0.
#include "iss_test.h"
    .option norvc
TEST_START
    TEST_RR(2, add, 0x00000000, 0x7fffffff, 0x80000001)
    TEST_RR(3, add, 0x80000000, 0x7fffffff, 1)              # signed overflow wraps
    TEST_RR(4, add, 0xfffffffe, 0xffffffff, 0xffffffff)
    TEST_RR(5, sub, 0x7fffffff, 0x80000000, 1)
    TEST_RR(6, sub, 0xffffffff, 0, 1)
    TEST_RR(7, and, 0x0f000f00, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(8, or,  0xff0fff0f, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(9, xor, 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(10, slt, 1, 0x80000000, 0)                      # most negative < 0
    TEST_RR(11, slt, 0, 0x7fffffff, 0x80000000)
    TEST_RR(12, slt, 0, 5, 5)
    TEST_RR(13, sltu, 0, 0x80000000, 0)
    TEST_RR(14, sltu, 1, 0, 0xffffffff)
    TEST_RR(15, sltu, 0, 7, 7)
    # register shifts use rs2[4:0]: 32 shifts by 0, 33 by 1, -1 by 31
    TEST_RR(16, sll, 0x80000000, 1, 31)
    TEST_RR(17, sll, 0x12345678, 0x12345678, 32)
    TEST_RR(18, sll, 0x2468acf0, 0x12345678, 33)
    TEST_RR(19, sll, 0x80000000, 0x00000001, 0xffffffff)
    TEST_RR(20, srl, 0x00000001, 0x80000000, 31)
    TEST_RR(21, srl, 0x80000000, 0x80000000, 32)
    TEST_RR(22, srl, 0x40000000, 0x80000000, 0x21)
    TEST_RR(23, sra, 0xffffffff, 0x80000000, 31)
    TEST_RR(24, sra, 0xc0000000, 0x80000000, 0x41)
    TEST_RR(25, sra, 0x3fffffff, 0x7fffffff, 1)
    TEST_RR(26, sra, 0x80000000, 0x80000000, 0xffffffe0)
    # immediates: 12-bit sign-extended
    TEST_RI(30, addi, 0x800007fe, 0x7fffffff, 0x7ff)
    TEST_RI(31, addi, 0x7ffff800, 0x80000000, -0x800)       # wraps
    TEST_RI(32, addi, 0xffffffff, 0, -1)
    TEST_RI(33, slti, 1, 0xffffffff, 0)
    TEST_RI(34, slti, 0, 0, -1)
    TEST_RI(35, slti, 1, 0x80000000, -0x800)
    TEST_RI(36, sltiu, 1, 0, -1)                            # imm sign-extends to 0xffffffff, then unsigned
    TEST_RI(37, sltiu, 0, 0xffffffff, -1)
    TEST_RI(38, sltiu, 1, 0, 1)                             # seqz
    TEST_RI(39, xori, 0xedcba987, 0x12345678, -1)           # not
    TEST_RI(40, xori, 0x123456f8, 0x12345678, 0x080)
    TEST_RI(41, ori, 0xfffff87f, 0x0000007f, -0x800)
    TEST_RI(42, andi, 0x00000678, 0x12345678, 0x7ff)
    TEST_RI(43, andi, 0x12345000, 0x12345678, -0x800)
    TEST_RI(44, slli, 0x80000000, 1, 31)
    TEST_RI(45, slli, 0x12345678, 0x12345678, 0)
    TEST_RI(46, srli, 0x00000001, 0x80000000, 31)
    TEST_RI(47, srli, 0x0fffffff, 0xffffffff, 4)
    TEST_RI(48, srai, 0xffffffff, 0x80000000, 31)
    TEST_RI(49, srai, 0xf8000000, 0x80000000, 4)
    TEST_RI(50, srai, 0x07ffffff, 0x7fffffff, 4)
    # lui / auipc
    li TESTNUM, 60
    lui a0, 0xfffff
    CHECK(60, a0, 0xfffff000)
    lui a0, 0x80000
    srai a0, a0, 31
    CHECK(61, a0, 0xffffffff)
1:  auipc a0, 0
    la a1, 1b
    bne a0, a1, fail
2:  auipc a0, 0x1
    la a1, 2b
    sub a0, a0, a1
    CHECK(62, a0, 0x1000)
3:  auipc a0, 0xfffff                                       # pc - 4096
    la a1, 3b
    sub a0, a1, a0
    CHECK(63, a0, 0x1000)
    # x0 stays zero whatever is written to it
    li a1, 123
    add x0, a1, a1
    addi x0, x0, 5
    lui x0, 0x12345
    CHECK(64, x0, 0)
    mv a0, x0
    CHECK(65, a0, 0)
    # destination equal to a source
    li a0, 7
    add a0, a0, a0
    CHECK(66, a0, 14)
    li a0, 1
    sll a0, a0, a0
    CHECK(67, a0, 2)
    j pass
TEST_END
