/* test_random_init.c - random legal and illegal driver init sequences against the real firmware, in cosim. */
#include <string.h>

#include "harness.h"
#include "randinit.h"

/* Every seed: no mismatch, every init ends in DRIVER_OK or a documented refusal, and a clean
 * init afterwards reaches DRIVER_OK (the firmware never wedges). */
static void seeds(uint64_t from, uint64_t to)
{
    unsigned ok = 0, refused = 0;
    for (uint64_t seed = from; seed < to; seed++) {
        struct tctx t;
        t_open_fw(&t, VDPU_ENGINE_COSIM, NULL);
        t_enumerate(&t);
        cr_assert_eq(pci_msix_setup(t.b, &t.s.pci, NULL), 0);
        struct randinit_stats st;
        int rc = randinit_run(&t.s, seed, &st);
        cr_assert_eq(rc, 0, "seed %llu: firmware misbehaved (first %d, recovery %d, %s); rerun: vdpu run --workload "
                     "random-init --seed %llu", (unsigned long long)seed, st.first, st.recovery, st.refusal,
                     (unsigned long long)seed);
        cr_assert(st.first == DRV_OK || st.first == DRV_REFUSED);
        /* the outcome must be the one the spec rules predict, for the documented reason */
        switch (st.expect) {
        case EXPECT_OK:
            cr_assert_eq(st.first, DRV_OK, "seed %llu: a legal init was refused: %s", (unsigned long long)seed,
                         st.refusal);
            ok++;
            break;
        case EXPECT_FEATURES_REFUSED:
            cr_assert_eq(st.first, DRV_REFUSED, "seed %llu: illegal features accepted", (unsigned long long)seed);
            cr_assert(strstr(st.refusal, "FEATURES_OK"), "seed %llu: refused for '%s'", (unsigned long long)seed,
                      st.refusal);
            refused++;
            break;
        case EXPECT_QSIZE_REFUSED:
            cr_assert_eq(st.first, DRV_REFUSED, "seed %llu: bad split queue size accepted", (unsigned long long)seed);
            cr_assert(strstr(st.refusal, "queue_size"), "seed %llu: refused for '%s'", (unsigned long long)seed,
                      st.refusal);
            refused++;
            break;
        }
        t_close(&t);
    }
    cr_assert_gt(ok, 0, "some random inits must succeed");
    cr_assert_gt(refused, 0, "and some must be refused, or the randomization is too tame");
}

Test(random_init, seeds_1_to_50, .timeout = 600) { seeds(1, 51); }
Test(random_init, seeds_51_to_100, .timeout = 600) { seeds(51, 101); }
