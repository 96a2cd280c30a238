# loop_bench.S - a long mixed loop (ALU, M, loads/stores, compressed, branches) for ISS speed; checks its trip count.
#include "iss_test.h"
TEST_START
    la s0, buf
    li s1, 200000                             # iterations, 25 instructions each
    li a0, 0
    li a1, 1
1:  add a0, a0, a1
    mul a2, a1, a1
    xor a0, a0, a2
    sw a0, 0(s0)
    lw a3, 0(s0)
    c.addi a1, 1
    srli a4, a3, 3
    add a0, a0, a4
    andi a5, a0, 0xff
    sb a5, 4(s0)
    lbu a5, 4(s0)
    sub a0, a0, a5
    divu a4, a0, a1
    remu a5, a0, a1
    slli a2, a2, 1
    or a0, a0, a4
    c.mv a3, a0
    c.srli a3, 1
    c.add a0, a3
    sltu a4, a0, a3
    add a0, a0, a4
    bgeu a1, zero, 2f
    j fail
2:  addi s1, s1, -1
    bnez s1, 1b
    CHECK(2, a1, 200001)
    j pass
TEST_END
    .bss
    .balign 4
buf: .space 8
