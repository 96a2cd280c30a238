/* test_max_reads.c - several TX payload reads outstanding per descriptor (ENG_PARAM[14:8], vdpu run
 * --tags; docs/queue-engine.md "Several reads outstanding"): the same DMA requests, fewer cycles; chains
 * and tables with up to 8 reads in flight (jumbo frames with up to 18: qeng_spec's largest-mtu tests); every
 * read tag in use (M 127); model, rtl and cosim, real firmware. */
#include <string.h>

#include "harness.h"
#include "link.h"
#include "virtio_net.h"

static struct traffic_result run_with_link(enum vdpu_engine e, unsigned max_reads, enum drv_ring ring, unsigned size,
                                           const struct net_opts *no, bool reorder)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.max_reads = max_reads;
    return t_tx_run(e, &o, ring, size, 20, no, reorder, true);
}

static struct traffic_result run_with(enum vdpu_engine e, unsigned max_reads, enum drv_ring ring, unsigned size,
                                      const struct net_opts *no)
{
    return run_with_link(e, max_reads, ring, size, no, false);
}

/* 20 frames of 1500 bytes (12 + 1500 in one descriptor: 3 payload reads each), max-reads 1 vs 4:
 * every DMA purpose has the same requests and bytes (MSI-X aside: messages merge by timing), the
 * 60 payload reads are the same, and the traffic takes fewer cycles. */
static void same_requests_fewer_cycles(enum vdpu_engine e, enum drv_ring ring)
{
    struct traffic_result a = run_with(e, 1, ring, 1500, NULL), b = run_with(e, 4, ring, 1500, NULL);
    cr_assert_eq(a.packets, 20);
    cr_assert_eq(b.packets, 20);
    cr_assert_eq(REQ(a, PAYLOAD_RD), 60);
    for (unsigned k = 0; k < VDPU_PURP_COUNT; k++) {
        if (k == VDPU_PURP_MSIX) continue;
        cr_assert_eq(a.c[k].requests, b.c[k].requests, "purpose %u: %llu requests with 1 read, %llu with 4", k,
                     (unsigned long long)a.c[k].requests, (unsigned long long)b.c[k].requests);
        cr_assert_eq(a.c[k].bytes, b.c[k].bytes, "purpose %u bytes", k);
    }
    /* two of the three round trips of every frame overlap: at rtt 200 well over 100 cycles a frame */
    cr_assert_lt(b.cycles + 20 * 100, a.cycles, "%llu cycles with 4 reads, %llu with 1", (unsigned long long)b.cycles,
                 (unsigned long long)a.cycles);
}

#define BOTH_ENGINES(name, body)                                                                                     \
    Test(max_reads, name##_model, .timeout = 300) { body(VDPU_ENGINE_MODEL); }                                       \
    Test(max_reads, name##_rtl, .timeout = 300) { body(VDPU_ENGINE_RTL); }                                           \
    Test(max_reads, name##_cosim, .timeout = 300) { body(VDPU_ENGINE_COSIM); }

static void split_1500(enum vdpu_engine e) { same_requests_fewer_cycles(e, DRV_RING_SPLIT); }
static void packed_1500(enum vdpu_engine e) { same_requests_fewer_cycles(e, DRV_RING_PACKED); }
BOTH_ENGINES(split_1500_same_requests_fewer_cycles, split_1500)
BOTH_ENGINES(packed_1500_same_requests_fewer_cycles, packed_1500)

/* random chains and gaps with 8 reads allowed: every frame on the wire intact (the check), payload
 * requests as with one read */
static void random_chains(enum vdpu_engine e)
{
    struct net_opts no;
    memset(&no, 0, sizeof no);
    no.tx_chain = NET_CHAIN_RANDOM;
    no.gaps = true;
    no.pkt_random = true;
    struct traffic_result a = run_with(e, 1, DRV_RING_SPLIT, 0, &no), b = run_with(e, 8, DRV_RING_SPLIT, 0, &no);
    cr_assert_eq(b.packets, 20);
    cr_assert_eq(REQ(a, PAYLOAD_RD), REQ(b, PAYLOAD_RD));
    cr_assert_eq(a.c[VDPU_PURP_PAYLOAD_RD].bytes, b.c[VDPU_PURP_PAYLOAD_RD].bytes);
    cr_assert_leq(b.cycles, a.cycles);
}
BOTH_ENGINES(random_chains_8, random_chains)

/* The link returns the completions of a descriptor's reads newest first (PCIe allows it between
 * tags): each beat is stored by its tag's read, so every frame arrives intact (the driver checks
 * every byte on the wire), with the same requests; with one read at a time the order cannot change. */
static void reordered(enum vdpu_engine e)
{
    struct traffic_result a = run_with_link(e, 4, DRV_RING_PACKED, 1500, NULL, false),
                          b = run_with_link(e, 4, DRV_RING_PACKED, 1500, NULL, true);
    cr_assert_eq(b.packets, 20);
    cr_assert_eq(REQ(b, PAYLOAD_RD), 60);
    for (unsigned k = 0; k < VDPU_PURP_COUNT; k++)
        if (k != VDPU_PURP_MSIX) cr_assert_eq(a.c[k].requests, b.c[k].requests, "purpose %u", k);
}
BOTH_ENGINES(completions_out_of_order, reordered)

/* 60 frames of 1500 bytes at a round trip of 1,000 cycles with P = B = K = 15, M reads outstanding (the
 * driver checks every byte of every frame) */
static struct traffic_result far_run(enum vdpu_engine e, enum drv_ring ring, unsigned max_reads, unsigned *peak)
{
    static struct t_reads_in_flight f;
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.prefetch = o.used_batch = o.tx_fetch = VDPU_ENG_PARAM_MAX;
    o.max_reads = max_reads;
    struct tctx t;
    t_open_fw(&t, e, &o);
    t.b->link.p.rtt = 1000;
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    p.drop[VIRTIO_RING_F_EVENT_IDX / 32] |= 1u << (VIRTIO_RING_F_EVENT_IDX % 32);
    struct net_params np = {NET_TX, 60, 1500, 3, 100000ull * 60};
    t_reads_in_flight_on(&f, &t, VDPU_PURP_PAYLOAD_RD);
    struct traffic_result r = t_traffic_opts(&t, &p, &np, NULL);
    t_tap_off(&f.tap);
    *peak = f.max;
    t_close(&t);
    return r;
}

/* Every read tag M may take (ENG_MAX_READS, 127; QENG_TAGS 128 since 2026-12-07, 64 and 32 before): at a
 * round trip of 1,000 cycles the fetch of fifteen frames (45 reads) and the next fetches read early behind
 * it (45 each) go out before the first completion comes back, so more than 64 reads are in flight at once
 * (tags 64..127 in use). Every frame arrives intact, the same requests as with M = 32, and fewer cycles. */
static void all_tags(enum vdpu_engine e, enum drv_ring ring)
{
    unsigned pa, pb;
    struct traffic_result a = far_run(e, ring, 32, &pa);
    struct traffic_result b = far_run(e, ring, VDPU_ENG_MAX_READS, &pb);
    cr_assert_eq(b.packets, 60);
    cr_assert_eq(REQ(b, PAYLOAD_RD), 180);
    cr_assert_eq(pa, 32, "M 32: %u payload reads in flight at most", pa);
    cr_assert_gt(pb, 64, "M %u: %u payload reads in flight at most", VDPU_ENG_MAX_READS, pb);
    cr_assert_gt(b.rd_peak, 64, "the link saw %u reads in flight at most", b.rd_peak);
    for (unsigned k = 0; k < VDPU_PURP_COUNT; k++)
        if (k != VDPU_PURP_MSIX) cr_assert_eq(a.c[k].requests, b.c[k].requests, "purpose %u", k);
    cr_assert_lt(b.cycles, a.cycles, "%llu cycles with M %u, %llu with 32", (unsigned long long)b.cycles,
                 VDPU_ENG_MAX_READS, (unsigned long long)a.cycles);
}
static void packed_all_tags(enum vdpu_engine e) { all_tags(e, DRV_RING_PACKED); }
static void split_all_tags(enum vdpu_engine e) { all_tags(e, DRV_RING_SPLIT); }
BOTH_ENGINES(packed_every_tag_in_flight, packed_all_tags)
BOTH_ENGINES(split_in_order_every_tag_in_flight, split_all_tags)

/* ENG_PARAM[14:8] reaches the device from the firmware's configuration: 6, and 32 (0x20 there: beyond the
 * 4 bits the field had when M stopped at 8) */
static void programmed(unsigned max_reads, uint32_t eng_param)
{
    struct tctx t;
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.max_reads = max_reads;
    t_open_fw(&t, VDPU_ENGINE_COSIM, &o);
    run_cycles(&t, 20000);
    cr_assert_eq(peek_csr(&t, VDPU_CSR_ENG_PARAM), eng_param);
    t_close(&t);
}
Test(max_reads, programmed_by_firmware, .timeout = 60) { programmed(6, 0x611u); }
Test(max_reads, tags_32_programmed_by_firmware, .timeout = 60) { programmed(32, 0x2011u); }
Test(max_reads, tags_127_programmed_by_firmware, .timeout = 60) { programmed(VDPU_ENG_MAX_READS, 0x7f11u); }

/*
 * A read's tag is held while it is in flight, however late it comes (CPL_TIMEOUT allows 1 ms; PCIe lets a
 * completer answer reads of different tags in any order), also across a wrap of the tag counter: 600
 * frames of 1500 bytes with P = B = K = 15, M 127; the link answers read 14 - the last read beyond the next
 * fetch of the first PAY phase (xb[11], twelve fetches ahead) - LINK_FAULT_LATE_CYCLES late, the reads after
 * it passing it. The fetches before it go on: exactly QENG_TAGS - 1 reads go out meanwhile, and the next
 * one, whose tag is the late read's, waits until the late read is in (vdpu_qeng_tx_ahead's tag_held_o; the
 * link stops a run whose read reuses a tag still outstanding). Every frame arrives intact.
 */
struct late_watch {
    struct t_tap tap;
    uint64_t late_at, late_done; /* the late read's request and its last beat */
    uint8_t late_tag;
    unsigned passed;             /* reads that went out while it was in flight */
    int next_tag;                /* the tag of the first read after its last beat (-1: none yet) */
};
static void on_late(void *ctx, const vdpu_txn_t *x)
{
    struct late_watch *w = ctx;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.type == VDPU_DMA_RD) {
        if (!w->late_at && x->u.dmareq.purpose == VDPU_PURP_DESC && x->u.dmareq.tag == 13) { /* read 14's */
            w->late_at = x->cycle;
            w->late_tag = x->u.dmareq.tag;
        } else if (w->late_at && !w->late_done) {
            w->passed++;
        } else if (w->late_done && w->next_tag < 0) {
            w->next_tag = x->u.dmareq.tag;
        }
    }
    if (x->chan == VDPU_CH_DMACPL && w->late_at && !w->late_done && x->u.dmacpl.tag == w->late_tag && x->u.dmacpl.last)
        w->late_done = x->cycle;
}
static void late_read_beyond(enum vdpu_engine e, enum drv_ring ring)
{
    struct vdpu_opts o;
    char err[160];
    vdpu_opts_default(&o);
    o.prefetch = o.used_batch = o.tx_fetch = VDPU_ENG_PARAM_MAX;
    o.max_reads = VDPU_ENG_MAX_READS;
    cr_assert_eq(link_faults_parse("late@14", &o.pcie_faults, err, sizeof err), 0, "%s", err);
    struct tctx t;
    t_open_fw(&t, e, &o);
    struct late_watch *w = calloc(1, sizeof *w);
    cr_assert(w);
    w->next_tag = -1;
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    p.qsize = 256;
    p.drop[VIRTIO_RING_F_EVENT_IDX / 32] |= 1u << (VIRTIO_RING_F_EVENT_IDX % 32);
    struct net_params np = {NET_TX, 600, 1500, 3, 100000ull * 600};
    t_tap_on(&w->tap, &t, on_late, w);
    struct traffic_result r = t_traffic_opts(&t, &p, &np, NULL);
    t_tap_off(&w->tap);
    cr_assert_eq(r.packets, 600);
    cr_assert_eq(t.b->link.nlate, 1, "the late read went out");
    const struct link_fault_event *late = &t.b->link.late[0];
    cr_assert_eq(late->purpose, VDPU_PURP_DESC, "read 14 is a descriptor read");
    cr_assert_eq(late->cycle, w->late_at, "... the one the watch took for it (tag %u)", late->tag);
    cr_assert(w->late_done > late->cycle + LINK_FAULT_LATE_CYCLES, "its completion came late");
    cr_assert_eq(w->passed, VDPU_QENG_TAGS - 1, "every other tag went out while it waited: %u reads", w->passed);
    cr_assert_eq(w->next_tag, late->tag, "the next read took its tag only after it was in (%d)", w->next_tag);
    cr_assert_eq(peek_csr(&t, VDPU_CSR_QERR), 0);
    free(w);
    t_close(&t);
}
static void packed_late_beyond(enum vdpu_engine e) { late_read_beyond(e, DRV_RING_PACKED); }
BOTH_ENGINES(packed_a_late_read_beyond_holds_its_tag_across_a_tag_wrap, packed_late_beyond)
