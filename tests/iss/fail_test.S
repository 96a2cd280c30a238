# fail_test.S - deliberately fails test 3 (tohost = (3 << 1) | 1): proves `vdpu iss` reports failures.
#include "iss_test.h"
TEST_START
    li a0, 1
    CHECK(2, a0, 1)
    CHECK(3, a0, 2)
    j pass
TEST_END
