/* test_idle_skip.c - idle skipping changes nothing: the same transaction log and digest as evaluating every cycle. */
#include <stdlib.h>

#include "harness.h"
#include "netrand.h"

struct skip_run {
    uint64_t digest, cycles, skipped, txn;
    bool ok;
};

static struct skip_run net_random(enum vdpu_engine e, uint64_t seed, bool no_skip)
{
    struct netrand_cfg c;
    struct netrand_result r;
    char err[240];
    struct skip_run out = {0};
    netrand_pick(seed, &c);
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.engine = e;
    o.seed = seed;
    o.fw_path = FW_ELF;
    o.fw_console = NULL;
    o.rerun = "(idle skip test)";
    o.prefetch = c.prefetch;
    o.used_batch = c.used_batch;
    o.coal_frames = c.coal_frames;
    o.coal_cycles = c.coal_cycles;
    o.max_reads = c.max_reads;
    o.no_skip = no_skip;
    vdpu_session_t *s = calloc(1, sizeof *s);
    cr_assert(s);
    cr_assert_eq(vdpu_session_open(s, &o), 0);
    cr_assert_eq(pci_enumerate(&s->bus, VDPU_MMIO_BASE, &s->pci, NULL), 0);
    cr_assert_eq(pci_msix_setup(&s->bus, &s->pci, NULL), 0);
    int rc = netrand_run(s, &c, &r, err, sizeof err);
    out.ok = rc == 0 && vdpu_session_finish(s);
    out.digest = s->bus.digest;
    out.cycles = s->bus.dev->cycle;
    out.skipped = s->bus.skipped;
    out.txn = s->bus.ntxn;
    vdpu_session_close(s);
    free(s);
    return out;
}

/* every random traffic seed the group names: same digest, cycle count and transaction count with and
 * without skipping; skipping must have happened overall (a contract that never says quiet passes
 * this trivially) */
static void compare(enum vdpu_engine e, uint64_t from, uint64_t to)
{
    uint64_t skipped = 0, cycles = 0;
    for (uint64_t seed = from; seed <= to; seed++) {
        struct skip_run a = net_random(e, seed, false), b = net_random(e, seed, true);
        cr_assert(a.ok && b.ok, "seed %llu failed", (unsigned long long)seed);
        cr_assert_eq(b.skipped, 0);
        cr_assert_eq(a.digest, b.digest, "seed %llu: digest %016llx skipping, %016llx without",
                     (unsigned long long)seed, (unsigned long long)a.digest, (unsigned long long)b.digest);
        cr_assert_eq(a.cycles, b.cycles, "seed %llu: %llu cycles skipping, %llu without", (unsigned long long)seed,
                     (unsigned long long)a.cycles, (unsigned long long)b.cycles);
        cr_assert_eq(a.txn, b.txn);
        skipped += a.skipped;
        cycles += a.cycles;
    }
    cr_log_info("seeds %llu..%llu: %llu of %llu cycles skipped", (unsigned long long)from, (unsigned long long)to,
                (unsigned long long)skipped, (unsigned long long)cycles);
    cr_assert_gt(skipped, cycles / 10, "only %llu of %llu cycles skipped", (unsigned long long)skipped,
                 (unsigned long long)cycles);
}

Test(idle_skip, net_random_model_seeds_1_to_60, .timeout = 600) { compare(VDPU_ENGINE_MODEL, 1, 60); }
Test(idle_skip, net_random_rtl_seeds_1_to_12, .timeout = 600) { compare(VDPU_ENGINE_RTL, 1, 12); }
/* in cosim the RTL's quiet output is also checked against the model's at every cycle */
Test(idle_skip, net_random_cosim_seeds_13_to_24, .timeout = 600) { compare(VDPU_ENGINE_COSIM, 13, 24); }
