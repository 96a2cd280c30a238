# rv32m.S - RV32M: mul/mulh/mulhsu/mulhu, div/divu/rem/remu incl. division by zero and INT_MIN / -1.
#include "iss_test.h"
    .option norvc
TEST_START
    TEST_RR(2, mul, 0x00000000, 0x80000000, 2)
    TEST_RR(3, mul, 0xfffffffe, 0xffffffff, 2)
    TEST_RR(4, mul, 0x00000001, 0xffffffff, 0xffffffff)
    TEST_RR(5, mul, 0x366176f8, 0x12345678, 0x9abcdef1)
    TEST_RR(6, mulh, 0xffffffff, 0xffffffff, 1)        # -1 * 1 = -1: high word all ones
    TEST_RR(7, mulh, 0x00000000, 0xffffffff, 0xffffffff)
    TEST_RR(8, mulh, 0x40000000, 0x80000000, 0x80000000)
    TEST_RR(9, mulh, 0xc0000000, 0x80000000, 0x7fffffff)
    TEST_RR(10, mulhu, 0xfffffffe, 0xffffffff, 0xffffffff)
    TEST_RR(11, mulhu, 0x40000000, 0x80000000, 0x80000000)
    TEST_RR(12, mulhu, 0x00000000, 0x12345678, 1)
    TEST_RR(13, mulhsu, 0xffffffff, 0xffffffff, 0xffffffff)   # -1 * (2^32-1)
    TEST_RR(14, mulhsu, 0xc0000000, 0x80000000, 0x80000000)
    TEST_RR(15, mulhsu, 0x7ffffffe, 0x7fffffff, 0xffffffff)
    TEST_RR(16, div, 3, 20, 6)
    TEST_RR(17, div, 0xfffffffd, -20, 6)                      # rounds toward zero
    TEST_RR(18, div, 0xfffffffd, 20, -6)
    TEST_RR(19, div, 3, -20, -6)
    TEST_RR(20, div, 0xffffffff, 20, 0)                       # by zero: -1
    TEST_RR(21, div, 0xffffffff, 0, 0)
    TEST_RR(22, div, 0x80000000, 0x80000000, -1)              # overflow: INT_MIN
    TEST_RR(23, divu, 0x7fffffff, 0xffffffff, 2)
    TEST_RR(24, divu, 0xffffffff, 20, 0)                      # by zero: all ones
    TEST_RR(25, divu, 0, 0x80000000, 0xffffffff)
    TEST_RR(26, rem, 2, 20, 6)
    TEST_RR(27, rem, 0xfffffffe, -20, 6)                      # sign of the dividend
    TEST_RR(28, rem, 2, 20, -6)
    TEST_RR(29, rem, 20, 20, 0)                               # by zero: dividend
    TEST_RR(30, rem, 0x80000000, 0x80000000, 0)
    TEST_RR(31, rem, 0, 0x80000000, -1)                       # overflow: 0
    TEST_RR(32, remu, 2, 20, 6)
    TEST_RR(33, remu, 0xffffffff, 0xffffffff, 0)              # by zero: dividend
    TEST_RR(34, remu, 1, 0xffffffff, 2)
    TEST_RR(35, remu, 0x7fffffff, 0x7fffffff, 0x80000000)
    # rd == rs1 == rs2
    li a0, 7
    mul a0, a0, a0
    CHECK(36, a0, 49)
    li a0, -7
    div a0, a0, a0
    CHECK(37, a0, 1)
    j pass
TEST_END
