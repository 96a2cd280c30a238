# rv32i_mem.S - RV32I loads and stores: widths, sign/zero extension, offsets (negative, max), byte order, fence.
#include "iss_test.h"
    .option norvc
    .option arch, +zifencei
TEST_START
    la s0, data
    lb a0, 0(s0)
    CHECK(2, a0, 0xffffff80)
    lbu a0, 0(s0)
    CHECK(3, a0, 0x80)
    lb a0, 1(s0)
    CHECK(4, a0, 0x7f)
    lh a0, 2(s0)
    CHECK(5, a0, 0xffff8001)
    lhu a0, 2(s0)
    CHECK(6, a0, 0x8001)
    lh a0, 4(s0)
    CHECK(7, a0, 0x7ffe)
    lw a0, 0(s0)
    CHECK(8, a0, 0x80017f80)                  # little-endian
    lw a0, 4(s0)
    CHECK(9, a0, 0xdead7ffe)
    addi s1, s0, 8
    lw a0, -8(s1)                             # negative offset
    CHECK(10, a0, 0x80017f80)
    lbu a0, -1(s1)
    CHECK(11, a0, 0xde)

    # stores of each width, read back
    la s1, buf
    li a1, 0x11223344
    sw a1, 0(s1)
    li a1, 0xaabbccdd
    sb a1, 1(s1)                              # only the low byte
    lw a0, 0(s1)
    CHECK(12, a0, 0x1122dd44)
    sh a1, 2(s1)
    lw a0, 0(s1)
    CHECK(13, a0, 0xccdddd44)
    sw zero, 4(s1)
    li a1, -1
    sb a1, 7(s1)
    lw a0, 4(s1)
    CHECK(14, a0, 0xff000000)
    lb a0, 7(s1)
    CHECK(15, a0, 0xffffffff)
    # largest positive and negative offsets
    la s2, buf + 0x800
    li a1, 0x5a5a5a5a
    sw a1, -0x800(s2)
    lw a0, 0(s1)
    CHECK(16, a0, 0x5a5a5a5a)
    la s2, buf
    addi s2, s2, -0x7f0
    lw a0, 0x7f0(s2)
    CHECK(17, a0, 0x5a5a5a5a)
    # a load into x0 is discarded, a store from x0 writes zero
    lw x0, 0(s1)
    CHECK(18, x0, 0)
    sw x0, 0(s1)
    lw a0, 0(s1)
    CHECK(19, a0, 0)
    # load-use and store-load of the same register
    la a0, data
    lw a0, 0(a0)
    CHECK(20, a0, 0x80017f80)
    fence
    fence.i
    j pass
TEST_END
    .data
    .balign 4
data: .byte 0x80, 0x7f, 0x01, 0x80, 0xfe, 0x7f, 0xad, 0xde
    .bss
    .balign 4
buf: .space 0x1000
