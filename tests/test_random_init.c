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
        if (st.first == DRV_REFUSED) {
            static const char *const known[] = {"FEATURES_OK", "queue_size", "queue_enable", "queue_msix_vector",
                                                "msix_config", "never read 0", "DRIVER_OK", "NEEDS_RESET",
                                                "max_virtqueue_pairs", "queue not available"};
            bool doc = false;
            for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) doc |= strstr(st.refusal, known[i]) != NULL;
            cr_assert(doc, "seed %llu: undocumented refusal '%s'", (unsigned long long)seed, st.refusal);
            refused++;
        } else {
            ok++;
        }
        t_close(&t);
    }
    cr_assert_gt(ok, 0, "some random inits must succeed");
    cr_assert_gt(refused, 0, "and some must be refused, or the randomization is too tame");
}

Test(random_init, seeds_1_to_50, .timeout = 600) { seeds(1, 51); }
Test(random_init, seeds_51_to_100, .timeout = 600) { seeds(51, 101); }
