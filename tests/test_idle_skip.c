/* test_idle_skip.c - idle skipping changes nothing: the same transaction log and digest as evaluating every cycle. */
#include <stdlib.h>

#include "harness.h"
#include "netrand.h"
#include "randacc.h"

struct skip_run {
    uint64_t digest, cycles, skipped, skipped_timed, txn;
    bool ok;
};

static void take(struct skip_run *out, vdpu_session_t *s)
{
    out->digest = s->bus.digest;
    out->cycles = s->bus.dev->cycle;
    out->skipped = s->bus.skipped;
    out->skipped_timed = s->bus.skipped_timed;
    out->txn = s->bus.ntxn;
}

/* coal_cycles != 0: this coalescing timer (no frame count) instead of the seed's; lost_read: a read
 * that never completes (timeout or a dropped last beat) instead of the seed's PCIe fault, so the
 * completion timeout runs out (1 ms) while everything else waits */
static struct skip_run net_random_with(enum vdpu_engine e, uint64_t seed, bool no_skip, unsigned coal_cycles,
                                       bool lost_read, uint32_t wire_mbps)
{
    struct netrand_cfg c;
    struct netrand_result r;
    char err[320];
    struct skip_run out = {0};
    netrand_pick(seed, &c);
    if (coal_cycles) {
        c.coal_cycles = coal_cycles;
        c.coal_frames = 0;
    }
    if (lost_read) {
        c.faults.n = 1;
        c.faults.f[0].kind = seed % 2 ? LINK_FAULT_TIMEOUT : LINK_FAULT_DROP;
        c.faults.f[0].nth = 1 + seed % (c.np.packets / 4 + 1);
        c.migrations = 0; /* as net-random draws them: never beside a fault */
    }
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.engine = e;
    o.seed = seed;
    o.fw_path = FW_ELF;
    o.fw_console = NULL;
    o.rerun = "(idle skip test)";
    netrand_session_opts(seed, &o); /* the seed's engine parameters, as vdpu run sets them */
    o.coal_frames = c.coal_frames;  /* ... with the timer above */
    o.coal_cycles = c.coal_cycles;
    o.no_skip = no_skip;
    o.wire_mbps = wire_mbps;
    vdpu_session_t *s = calloc(1, sizeof *s);
    cr_assert(s);
    cr_assert_eq(vdpu_session_open(s, &o), 0);
    cr_assert_eq(pci_enumerate(&s->bus, VDPU_MMIO_BASE, &s->pci, NULL), 0);
    cr_assert_eq(pci_msix_setup(&s->bus, &s->pci, NULL), 0);
    int rc = netrand_run(s, &c, &r, err, sizeof err);
    out.ok = rc == 0 && vdpu_session_finish(s);
    if (!out.ok) cr_log_error("seed %llu: %s", (unsigned long long)seed, err);
    if (lost_read) cr_assert_eq(r.faults, 1, "seed %llu: the lost read did not happen", (unsigned long long)seed);
    take(&out, s);
    vdpu_session_close(s);
    free(s);
    return out;
}

static struct skip_run net_random(enum vdpu_engine e, uint64_t seed, bool no_skip, unsigned coal_cycles)
{
    return net_random_with(e, seed, no_skip, coal_cycles, false, 0);
}

static struct skip_run net_random_lost_read(enum vdpu_engine e, uint64_t seed, bool no_skip, unsigned coal_cycles)
{
    return net_random_with(e, seed, no_skip, coal_cycles, true, 0);
}

/* a wire rate (--wire-gbps): frames from the wire wait for their delivery cycle, which bounds a skip;
 * 1 Gbit/s for even seeds, 2.5 for odd ones (a byte every 2 and every 0.8 cycles: remainders) */
static struct skip_run net_random_wire(enum vdpu_engine e, uint64_t seed, bool no_skip, unsigned coal_cycles)
{
    return net_random_with(e, seed, no_skip, coal_cycles, false, seed % 2 ? 2500 : 1000);
}

/* every random traffic seed the group names: same digest, cycle count and transaction count with and
 * without skipping; skipping must have happened overall (a contract that never says quiet passes
 * this trivially) */
/* the register workload (bench's): random config/BAR accesses with host backpressure, firmware CSR
 * operations, held reads that time out (the held-read timer), the pass-through firmware role */
static struct skip_run reg_random(enum vdpu_engine e, uint64_t seed, bool no_skip, unsigned coal_cycles)
{
    (void)coal_cycles;
    struct skip_run out = {0};
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.engine = e;
    o.seed = seed;
    o.rerun = "(idle skip test)";
    o.no_skip = no_skip;
    vdpu_session_t *s = calloc(1, sizeof *s);
    cr_assert(s);
    cr_assert_eq(vdpu_session_open(s, &o), 0);
    struct randacc_stats st;
    int rc = pci_enumerate(&s->bus, VDPU_MMIO_BASE, &s->pci, NULL);
    if (!rc) rc = pci_msix_setup(&s->bus, &s->pci, NULL);
    if (!rc) rc = randacc_run(s, seed, 4000, &st);
    out.ok = rc == 0 && vdpu_session_finish(s);
    take(&out, s);
    vdpu_session_close(s);
    free(s);
    return out;
}

typedef struct skip_run (*workload_fn)(enum vdpu_engine e, uint64_t seed, bool no_skip, unsigned coal_cycles);

/* every seed the group names: same digest, cycle count and transaction count with and without
 * skipping; skipping must have happened overall, and with `timed` while a timer ran (a contract
 * that never says quiet passes the equality trivially) */
static void compare_with(workload_fn run, enum vdpu_engine e, uint64_t from, uint64_t to, unsigned coal_cycles,
                         bool timed)
{
    uint64_t skipped = 0, skipped_timed = 0, cycles = 0;
    for (uint64_t seed = from; seed <= to; seed++) {
        struct skip_run a = run(e, seed, false, coal_cycles), b = run(e, seed, true, coal_cycles);
        cr_assert(a.ok && b.ok, "seed %llu failed", (unsigned long long)seed);
        cr_assert_eq(b.skipped, 0);
        cr_assert_eq(a.digest, b.digest, "seed %llu: digest %016llx skipping, %016llx without",
                     (unsigned long long)seed, (unsigned long long)a.digest, (unsigned long long)b.digest);
        cr_assert_eq(a.cycles, b.cycles, "seed %llu: %llu cycles skipping, %llu without", (unsigned long long)seed,
                     (unsigned long long)a.cycles, (unsigned long long)b.cycles);
        cr_assert_eq(a.txn, b.txn);
        skipped += a.skipped;
        skipped_timed += a.skipped_timed;
        cycles += a.cycles;
    }
    cr_log_info("seeds %llu..%llu: %llu of %llu cycles skipped, %llu while a timer ran", (unsigned long long)from,
                (unsigned long long)to, (unsigned long long)skipped, (unsigned long long)cycles,
                (unsigned long long)skipped_timed);
    cr_assert_gt(skipped, cycles / 10, "only %llu of %llu cycles skipped", (unsigned long long)skipped,
                 (unsigned long long)cycles);
    if (timed) cr_assert_gt(skipped_timed, 0, "no cycle skipped while a timer ran");
}

static void compare(enum vdpu_engine e, uint64_t from, uint64_t to) { compare_with(net_random, e, from, to, 0, false); }

Test(idle_skip, net_random_model_seeds_1_to_60, .timeout = 600) { compare(VDPU_ENGINE_MODEL, 1, 60); }
Test(idle_skip, net_random_rtl_seeds_1_to_12, .timeout = 600) { compare(VDPU_ENGINE_RTL, 1, 12); }
/* in cosim the RTL's quiet output is also checked against the model's at every cycle */
Test(idle_skip, net_random_cosim_seeds_13_to_24, .timeout = 600) { compare(VDPU_ENGINE_COSIM, 13, 24); }

/* timers: a held read's timeout (the register workload) and a coalescing timer that outlasts the
 * traffic are skipped by warp edges, with the same log as evaluating every cycle */
Test(idle_skip, held_read_timeouts_model, .timeout = 600) { compare_with(reg_random, VDPU_ENGINE_MODEL, 1, 8, 0, true); }
Test(idle_skip, held_read_timeouts_rtl, .timeout = 600) { compare_with(reg_random, VDPU_ENGINE_RTL, 1, 3, 0, true); }
Test(idle_skip, held_read_timeouts_cosim, .timeout = 600) { compare_with(reg_random, VDPU_ENGINE_COSIM, 4, 6, 0, true); }
Test(idle_skip, coalescing_timer_model, .timeout = 600) { compare_with(net_random, VDPU_ENGINE_MODEL, 1, 10, 30000, true); }
Test(idle_skip, coalescing_timer_rtl, .timeout = 600) { compare_with(net_random, VDPU_ENGINE_RTL, 1, 3, 30000, true); }
Test(idle_skip, coalescing_timer_cosim, .timeout = 600) { compare_with(net_random, VDPU_ENGINE_COSIM, 4, 6, 30000, true); }
/* a read that never completes: the completion timeout (CPL_TIMEOUT, 250,000 edges) is skipped by warp
 * edges up to the edge it fires, with the same log as evaluating every cycle */
Test(idle_skip, completion_timeout_model, .timeout = 600) { compare_with(net_random_lost_read, VDPU_ENGINE_MODEL, 1, 8, 0, true); }
Test(idle_skip, completion_timeout_rtl, .timeout = 600) { compare_with(net_random_lost_read, VDPU_ENGINE_RTL, 1, 2, 0, true); }
Test(idle_skip, completion_timeout_cosim, .timeout = 600) { compare_with(net_random_lost_read, VDPU_ENGINE_COSIM, 3, 4, 0, true); }
/* a wire rate: RX frames offered at their delivery cycle, TX taken as the wire sends them; skips end at
 * the next delivery, with the same log as evaluating every cycle */
Test(idle_skip, wire_rate_model, .timeout = 600) { compare_with(net_random_wire, VDPU_ENGINE_MODEL, 1, 12, 0, false); }
Test(idle_skip, wire_rate_rtl, .timeout = 600) { compare_with(net_random_wire, VDPU_ENGINE_RTL, 1, 3, 0, false); }
Test(idle_skip, wire_rate_cosim, .timeout = 600) { compare_with(net_random_wire, VDPU_ENGINE_COSIM, 4, 6, 0, false); }
