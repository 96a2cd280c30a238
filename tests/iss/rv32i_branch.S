# rv32i_branch.S - RV32I branches (taken/not taken, signed vs unsigned edges, backward), jal, jalr (bit 0 cleared, rd == rs1).
#include "iss_test.h"
    .option norvc

/* branch taken: must skip the fail jump */
#define TAKEN(n, inst, v1, v2)                                                                                        \
    li TESTNUM, n;                                                                                                    \
    li a1, v1;                                                                                                        \
    li a2, v2;                                                                                                        \
    inst a1, a2, 1f;                                                                                                  \
    j fail;                                                                                                           \
    1:

#define NOT_TAKEN(n, inst, v1, v2)                                                                                    \
    li TESTNUM, n;                                                                                                    \
    li a1, v1;                                                                                                        \
    li a2, v2;                                                                                                        \
    inst a1, a2, fail

TEST_START
    TAKEN(2, beq, 0, 0)
    TAKEN(3, beq, 0x80000000, 0x80000000)
    NOT_TAKEN(4, beq, 1, 0)
    NOT_TAKEN(5, beq, 0xffffffff, 0x7fffffff)
    TAKEN(6, bne, 1, 0)
    NOT_TAKEN(7, bne, 0xffffffff, 0xffffffff)
    TAKEN(8, blt, 0xffffffff, 0)              # -1 < 0
    TAKEN(9, blt, 0x80000000, 0x7fffffff)
    NOT_TAKEN(10, blt, 0, 0xffffffff)
    NOT_TAKEN(11, blt, 5, 5)
    TAKEN(12, bge, 5, 5)
    TAKEN(13, bge, 0, 0x80000000)
    NOT_TAKEN(14, bge, 0x80000000, 0)
    TAKEN(15, bltu, 0, 0xffffffff)
    TAKEN(16, bltu, 0x7fffffff, 0x80000000)
    NOT_TAKEN(17, bltu, 0xffffffff, 0)
    NOT_TAKEN(18, bltu, 3, 3)
    TAKEN(19, bgeu, 0xffffffff, 0)
    TAKEN(20, bgeu, 3, 3)
    NOT_TAKEN(21, bgeu, 0, 1)

    # backward branch: a loop of 10
    li TESTNUM, 22
    li a0, 0
    li a1, 10
1:  addi a0, a0, 1
    blt a0, a1, 1b
    CHECK(22, a0, 10)

    # jal links pc+4
    li TESTNUM, 23
    jal ra, 1f
2:  j fail
1:  la a0, 2b
    bne ra, a0, fail

    # jal with rd = x0 (j) does not link
    li ra, 0
    j 1f
    j fail
1:  CHECK(24, ra, 0)

    # jalr: target (rs1 + imm) with bit 0 cleared
    li TESTNUM, 25
    la a1, 1f
    addi a1, a1, 1                            # odd address
    jalr t0, 0(a1)
3:  j fail
1:  la a0, 3b
    bne t0, a0, fail

    # jalr with a negative offset
    li TESTNUM, 26
    la a1, 1f
    addi a1, a1, 16
    jalr x0, -16(a1)
    j fail
1:
    # jalr with rd == rs1: the target uses the old value
    li TESTNUM, 27
    la a1, 1f
    jalr a1, 0(a1)
4:  j fail
1:  la a0, 4b
    bne a1, a0, fail

    # a call and return
    li TESTNUM, 28
    li a0, 5
    call twice
    CHECK(28, a0, 10)
    j pass

twice:
    add a0, a0, a0
    ret
TEST_END
