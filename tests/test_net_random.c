/* test_net_random.c - seeded random virtio-net traffic in cosim (vdpu run --workload net-random --seed N):
 * ring layout, queue size, frame sizes, descriptor chains, buffer placement, poll/interrupts, rtt,
 * host backpressure, prefetch depth / used batch, TX / RX / loopback, device resets in the middle of
 * the traffic (a quarter of the seeds), two queue pairs with receive steering (a fifth), a PCIe fault on
 * a DMA read answered by DEVICE_NEEDS_RESET and a reset (a sixth); every frame checked, RTL and
 * model cycle-identical. */
#include <string.h>

#include "harness.h"
#include "netrand.h"

#define NR_GROUPS 8
#define NR_PER_GROUP 26 /* 208 seeds: 1..208 */

struct nr_cov {
    uint64_t runs, packets, dropped, wrap_chains, edge_bufs, ring_laps, chains, resets, cut_packets, mq_runs;
    uint64_t faults, fault_packets, indirect;
};

static void nr_one(uint64_t seed, struct nr_cov *cov)
{
    struct netrand_cfg c;
    struct netrand_result r;
    char desc[400], err[240], rerun[96];
    netrand_pick(seed, &c);
    netrand_describe(&c, desc, sizeof desc);
    snprintf(rerun, sizeof rerun, "vdpu run --workload net-random --seed %llu", (unsigned long long)seed);

    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.engine = VDPU_ENGINE_COSIM;
    o.seed = seed;
    o.fw_path = FW_ELF;
    o.fw_console = NULL;
    o.rerun = rerun;
    /* the seed's engine parameters as `vdpu run` sets them - TX fetch among them (these runs set P, B, M
     * and coalescing by hand until 2026-12-08 and left K at 1: no seed of the suite fetched) */
    netrand_session_opts(seed, &o);
    vdpu_session_t *s = calloc(1, sizeof *s);
    cr_assert(s);
    cr_assert_eq(vdpu_session_open(s, &o), 0, "cannot open a cosim session with %s", FW_ELF);
    cr_assert_eq(pci_enumerate(&s->bus, VDPU_MMIO_BASE, &s->pci, NULL), 0, "enumeration failed");
    cr_assert_eq(pci_msix_setup(&s->bus, &s->pci, NULL), 0);
    int rc = netrand_run(s, &c, &r, err, sizeof err);
    uint64_t ind_reads = s->bus.link.st.total[VDPU_PURP_INDIRECT].requests;
    bool clean = vdpu_session_finish(s);
    char why[200];
    snprintf(why, sizeof why, "%s", s->bus.stopped ? s->bus.stop_reason : "cosim end-of-run check failed");
    vdpu_session_close(s);
    free(s);
    cr_assert_eq(rc, 0, "net-random %s\n  failed: %s\n  reproduce: %s", desc, err, rerun);
    cr_assert(clean, "net-random %s\n  not clean: %s\n  reproduce: %s", desc, why, rerun);
    cov->runs++;
    cov->packets += r.packets;
    cov->dropped += r.dropped;
    cov->wrap_chains += r.wrap_chains;
    cov->edge_bufs += r.edge_bufs;
    cov->ring_laps += r.ring_laps;
    cov->chains += r.chains;
    cov->resets += r.resets;
    cov->cut_packets += r.cut_packets;
    cov->mq_runs += c.pairs > 1;
    cov->faults += r.faults;
    cov->fault_packets += r.fault_packets;
    cov->indirect += r.indirect;
    /* buffers posted through indirect tables: the device fetched tables (and never without them) */
    cr_assert(r.indirect ? ind_reads > 0 : c.no.indirect_pct || ind_reads == 0,
                 "seed %llu: %llu indirect buffers, %llu indirect table reads", (unsigned long long)seed,
                 (unsigned long long)r.indirect, (unsigned long long)ind_reads);
    cr_assert_eq(r.faults, c.faults.n, "seed %llu: %llu of %u PCIe faults hit", (unsigned long long)seed,
                 (unsigned long long)r.faults, c.faults.n);
}

static void nr_group(unsigned g)
{
    struct nr_cov cov;
    memset(&cov, 0, sizeof cov);
    for (unsigned i = 0; i < NR_PER_GROUP; i++) nr_one(1 + (uint64_t)g * NR_PER_GROUP + i, &cov);
    cr_log_info("net-random seeds %u..%u: %llu frames checked, %llu dropped (no buffer), %llu chains, %llu across "
                "the packed ring end, %llu buffers ending at the end of RAM, %llu used ring laps, %llu device resets "
                "during traffic (%llu frames checked before them), %llu runs over 2 queue pairs, %llu PCIe faults "
                "answered by DEVICE_NEEDS_RESET (%llu frames checked before them)",
                1 + g * NR_PER_GROUP, (g + 1) * NR_PER_GROUP, (unsigned long long)cov.packets,
                (unsigned long long)cov.dropped, (unsigned long long)cov.chains, (unsigned long long)cov.wrap_chains,
                (unsigned long long)cov.edge_bufs, (unsigned long long)cov.ring_laps, (unsigned long long)cov.resets,
                (unsigned long long)cov.cut_packets, (unsigned long long)cov.mq_runs, (unsigned long long)cov.faults,
                (unsigned long long)cov.fault_packets);
    /* every group reaches the interesting corners (deterministic: the seeds are fixed) */
    cr_assert_gt(cov.chains, 0);
    cr_assert_gt(cov.ring_laps, 0);
    cr_assert_gt(cov.resets, 0);
    cr_assert_gt(cov.mq_runs, 0);
    cr_assert_gt(cov.faults, 0);
    cr_assert_gt(cov.indirect, 0);
}

/* one Test per group of seeds, so they run in parallel */
#define NR_TEST(g) Test(net_random, seeds_##g, .timeout = 300) { nr_group(g); }
NR_TEST(0)
NR_TEST(1)
NR_TEST(2)
NR_TEST(3)
NR_TEST(4)
NR_TEST(5)
NR_TEST(6)
NR_TEST(7)

/* Pinned soak failures. 7262, 7374: receive with few buffers posted and the wire overrunning them,
 * interrupt coalescing with a frame count above the buffers and a timer (17,280 / 18,252 cycles)
 * longer than the driver's "the rest were dropped" quiet spell: the run ended before the held
 * interrupt of the frames that did arrive fired ("0 of N frames completed"). The spell now outlasts
 * the coalescing timer. */
Test(net_random, soak_pinned_coalesce_timer_outlasts_traffic, .timeout = 300)
{
    struct nr_cov cov = {0};
    static const uint64_t seeds[] = {7262, 7374};
    for (unsigned i = 0; i < sizeof seeds / sizeof seeds[0]; i++) nr_one(seeds[i], &cov);
    cr_assert_gt(cov.packets, 0, "frames completed");
}

/* Pinned soak failure. 94460 (split, loopback, polled, 121 transmit buffers offered at once): the
 * transmit service kept the engine for the whole burst while the first looped-back frame waited in the
 * RX buffer; the migration's drain (200,000 cycles) gave up. A transmit service now yields to a waiting
 * frame or another ready transmitq once its cache is empty (docs/queue-engine.md, "Fairness"). */
Test(net_random, soak_pinned_rx_frame_waits_behind_a_long_tx_service, .timeout = 300)
{
    struct nr_cov cov = {0};
    nr_one(94460, &cov);
    cr_assert_eq(cov.packets, 162, "every frame completed");
}

/* Pinned soak failure. 880322 (packed, receive, a duplicated completion of the interrupt decision's event
 * read, the RX run-ahead read in flight): the duplicate beat arrived while the engine was between reads,
 * and since a read beside the engine was pending the beat counted as expected though no read took its
 * tag - swallowed, no DEVICE_NEEDS_RESET. A beat is now expected only by RD_WAIT, PAY, or the beside read
 * with its tag (model_qeng_cpl_expected, RTL cpl_expected_o); the duplicate is FW_ERR's unexpected
 * completion and the device asks for a reset. */
Test(net_random, soak_pinned_duplicate_of_a_beside_read_is_unexpected, .timeout = 300)
{
    struct nr_cov cov = {0};
    nr_one(880322, &cov);
}

/* Pinned soak failures of the two pending interrupt decisions (packed, receive, EVENT_IDX). 412044,
 * 412172, 412199: a decision's completion came at the very edge a new event read went out; the new read
 * moved the pending one aside as it stood before the edge - still in flight - so it held its tag for
 * good, the engine waited for that tag, and the completion timeout stopped the queue (DEVICE_NEEDS_RESET).
 * The decision moves aside as the completion tap leaves it at that edge (model state_rd_req, RTL evst_d). */
Test(net_random, soak_pinned_decision_done_as_the_next_is_issued, .timeout = 300)
{
    struct nr_cov cov = {0};
    static const uint64_t seeds[] = {412044, 412172, 412199};
    for (unsigned i = 0; i < sizeof seeds / sizeof seeds[0]; i++) nr_one(seeds[i], &cov);
    cr_assert_gt(cov.packets, 0, "frames completed");
}

/* Pinned soak failure. 83376 (packed, 73 slots, receive, P = 7, B = 3, four run-ahead reads): the PCIe
 * fault poisoned the fourth run-ahead read; at frame 3 a stale cached descriptor sent the service to read
 * afresh and dropped every run-ahead read, the poisoned completion went with its read, the traffic
 * completed and no DEVICE_NEEDS_RESET came. A read beside the engine that fails and is never taken now
 * owes its report (fail_owed): QERR_DMA on its queue once the service ends (docs/queue-engine.md "PCIe
 * faults"). */
Test(net_random, soak_pinned_failed_read_dropped_by_the_service_is_reported, .timeout = 300)
{
    struct nr_cov cov = {0};
    nr_one(83376, &cov);
    cr_assert_eq(cov.faults, 1, "the fault answered by DEVICE_NEEDS_RESET");
}

/* Pinned soak failure. 61925 (packed, 143 slots, receive, P = 11, B = 13): the PCIe fault was drawn on read
 * 37 of the first packets/4 + 1, as if every frame cost a read; a receive phase reads a descriptor block per
 * P buffers and made 34 reads, so the fault never hit and the run failed ("no scheduled fault hit a read").
 * A receiving seed's fault is now drawn among the first packets/(4P) + 1 reads (sim/host/netrand.c). */
Test(net_random, soak_pinned_receive_fault_within_the_phase_reads, .timeout = 300)
{
    struct nr_cov cov = {0};
    nr_one(61925, &cov);
    cr_assert_eq(cov.faults, 1, "the fault answered by DEVICE_NEEDS_RESET");
}

/* The seeds cover the parameter space: both layouts, the queue size extremes, every workload, size
 * mode and chain shape, placement at the top of RAM, polling, overruns, backpressure. */
Test(net_random, parameter_coverage)
{
    unsigned ring[2] = {0}, work[3] = {0}, size[3] = {0}, txc[3] = {0}, rxc[3] = {0}, top = 0, poll = 0, overrun = 0,
             stall = 0, q8 = 0, q256 = 0, qbig = 0, qmax = 0, odd_packed = 0, rtt_lo = 0, rtt_hi = 0, batching = 0, p8 = 0, b8 = 0, rxbuf = 0,
             rxbuf_tiny = 0, no_evidx = 0, no_nd = 0, coal = 0, coal_timer_only = 0, mr = 0, mr8 = 0, reord = 0,
             mwide = 0, in_order_batched = 0, no_io = 0, fault[LINK_FAULT_KINDS] = {0}, fault_pay = 0, ind[101] = {0},
             wide = 0, pmax = 0, kwide = 0;
    for (uint64_t seed = 1; seed <= NR_GROUPS * NR_PER_GROUP; seed++) {
        struct netrand_cfg c;
        netrand_pick(seed, &c);
        ring[c.ring]++;
        work[c.np.workload]++;
        size[c.size]++;
        txc[c.no.tx_chain]++;
        rxc[c.no.rx_chain]++;
        top += c.no.place == NET_PLACE_TOP;
        poll += c.no.poll != 0;
        overrun += c.no.rx_overrun;
        stall += c.stall_pct != 0;
        q8 += c.qsize == 8;
        q256 += c.qsize == 256;
        qbig += c.qsize > 256;
        qmax += c.qsize == VDPU_QSIZE_MAX;
        odd_packed += c.ring == DRV_RING_PACKED && (c.qsize & (c.qsize - 1));
        rtt_lo += c.rtt < 60;
        rtt_hi += c.rtt > 350;
        batching += c.prefetch > 1 || c.used_batch > 1;
        p8 += c.prefetch == 8;
        b8 += c.used_batch == 8;
        wide += c.prefetch > 8 && c.used_batch > 8; /* the widest settings, drawn together */
        pmax += c.prefetch == VDPU_ENG_PARAM_MAX;
        kwide += c.tx_fetch > 8;
        rxbuf += c.no.rx_buf_size != 0;
        rxbuf_tiny += c.no.rx_buf_size != 0 && c.no.rx_buf_size < 200; /* frames in 8+ buffers */
        no_evidx += c.no_event_idx;
        no_nd += c.no_notif_data;
        coal += c.coal_cycles != 0;
        coal_timer_only += c.coal_cycles != 0 && c.coal_frames == 0;
        mr += c.max_reads > 1;
        mr8 += c.max_reads == 8;
        mwide += c.max_reads > 32; /* tags beyond the first 32 in flight at once */
        reord += c.link_reorder;
        no_io += c.no_in_order;
        cr_assert(c.no.indirect_pct <= 100);
        ind[c.no.indirect_pct]++;
        /* IN_ORDER on with batches that actually group TX completions */
        in_order_batched += !c.no_in_order && c.used_batch > 1 && c.np.workload != NET_RX;
        /* PCIe faults: at most one, on a read the fault phase surely reaches */
        cr_assert(c.faults.n <= 1 && !c.faults.random);
        if (c.faults.n) {
            fault[c.faults.f[0].kind]++;
            fault_pay += c.max_reads > 1;
            cr_assert(c.faults.f[0].nth >= 1 && c.faults.f[0].nth <= c.np.packets / 4 + 1);
        }
        cr_assert(c.max_reads >= 1 && c.max_reads <= VDPU_ENG_MAX_READS);
        cr_assert(!c.no.rx_buf_size || c.np.workload != NET_TX);
        cr_assert(!c.no.rx_buf_size || (c.no.rx_buf_size >= 96 && c.no.rx_buf_size < 1526));
        cr_assert(c.prefetch >= 1 && c.prefetch <= VDPU_ENG_PARAM_MAX && c.used_batch >= 1 &&
                  c.used_batch <= VDPU_ENG_PARAM_MAX && c.tx_fetch >= 1 && c.tx_fetch <= VDPU_ENG_PARAM_MAX);
        cr_assert(c.qsize >= 8 && c.qsize <= VDPU_QSIZE_MAX);
        cr_assert(c.ring == DRV_RING_PACKED || !(c.qsize & (c.qsize - 1)), "split queue sizes are powers of two");
        cr_assert(c.np.packets >= 20 && c.np.packets <= 200);
        cr_assert(c.rtt >= 20 && c.rtt <= 400);
    }
    for (int i = 0; i < 2; i++) cr_assert_geq(ring[i], 50);
    for (int i = 0; i < 3; i++) {
        cr_assert_geq(work[i], 30);
        cr_assert_geq(size[i], 30);
        cr_assert_geq(txc[i], 30);
        cr_assert_geq(rxc[i], 30);
    }
    cr_assert_geq(top, 20);
    cr_assert_geq(poll, 20);
    cr_assert_geq(overrun, 5);
    cr_assert_geq(stall, 50);
    cr_assert_geq(q8, 5);
    cr_assert_geq(q256, 5);
    cr_assert_geq(qbig, 10, "rings beyond 256 entries: %u seeds", qbig);
    cr_assert_geq(qmax, 2, "rings of QSIZE_MAX entries: %u seeds", qmax);
    cr_assert_geq(odd_packed, 50);
    cr_assert_geq(rtt_lo, 5);
    cr_assert_geq(rtt_hi, 5);
    cr_assert_geq(batching, 70);
    cr_assert_geq(p8, 5);
    cr_assert_geq(b8, 5);
    cr_assert_geq(wide, 8, "P and B above 8");
    cr_assert_geq(pmax, 1, "P = ENG_PARAM_MAX");
    cr_assert_geq(kwide, 3, "K above 8");
    cr_assert_geq(rxbuf, 30);
    cr_assert_geq(rxbuf_tiny, 5);
    cr_assert_geq(no_evidx, 50);
    cr_assert_geq(no_nd, 50);
    cr_assert_geq(coal, 30);
    cr_assert_geq(coal_timer_only, 1);
    cr_assert_geq(mr, 70);
    cr_assert_geq(mr8, 5);
    cr_assert_geq(mwide, 3, "M above 32");
    cr_assert_geq(reord, 30);
    cr_assert_geq(no_io, 50);
    /* indirect tables in about two seeds of five, each share drawn */
    cr_assert_geq(ind[25] + ind[50] + ind[100], 60);
    cr_assert(ind[25] && ind[50] && ind[100]);
    cr_assert_geq(in_order_batched, 40);
    for (unsigned k = 1; k < LINK_FAULT_DRAWN; k++) cr_assert_geq(fault[k], 2, "fault %s", link_fault_name(k));
    cr_assert_geq(fault_pay, 5, "faults with several reads outstanding");
}
