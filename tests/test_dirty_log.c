/* test_dirty_log.c - the dirty page log (docs/migration.md "Dirty page log"): after each DMA write the device marks the bytemap byte of every page the write touched; the link checks each write's marks as they go (link_dlog_watch), the bytemap and LOG_* CSRs after the traffic, pre-copy rounds harvested while it runs, on model, rtl and cosim with the real firmware. */
#include <string.h>

#include "harness.h"
#include "link.h"
#include "virtio_net.h"

struct dl_cfg {
    enum drv_ring ring;
    enum net_workload w;
    unsigned shift;     /* page size 2^shift */
    unsigned rx_buf;    /* receive buffer bytes (0: default; small: MRG_RXBUF spans) */
    bool narrow;        /* the tracked range ends below the receive buffers: their writes are out of range */
};

static void dl_open(struct tctx *t, enum vdpu_engine e)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.prefetch = 4;
    o.used_batch = 4;
    t_open_fw(t, e, &o);
}

/* enumerate, MSI-X, initialize the driver on ring */
static void drv_up(struct tctx *t, virtio_drv_t *d, enum drv_ring ring)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    t_drv_up(t, d, &p);
}

/* The log on, as the hypervisor sets it (test-only CSR writes beside the firmware): a zeroed bytemap
 * of `pages` bytes after the driver's allocations, granted; the range from host RAM's base; the
 * link's oracle following it. Returns the bytemap's address. */
static uint64_t log_on(struct tctx *t, virtio_drv_t *d, unsigned shift, uint32_t pages)
{
    uint64_t map = (d->ram_next + 4095) & ~4095ull;
    d->ram_next = map + pages;
    cr_assert_leq(d->ram_next, VDPU_HOST_RAM_BASE + VDPU_HOST_RAM_SIZE);
    uint8_t *zero = calloc(1, pages);
    cr_assert(zero);
    host_mem_write(&t->s.mem, map, zero, pages);
    free(zero);
    cr_assert(link_grant(&t->b->link, map, pages));
    poke_csr(t, VDPU_CSR_LOG_BASE_LO, (uint32_t)map);
    poke_csr(t, VDPU_CSR_LOG_BASE_HI, (uint32_t)(map >> 32));
    poke_csr(t, VDPU_CSR_LOG_RANGE_LO, (uint32_t)VDPU_HOST_RAM_BASE);
    poke_csr(t, VDPU_CSR_LOG_RANGE_HI, (uint32_t)(VDPU_HOST_RAM_BASE >> 32));
    poke_csr(t, VDPU_CSR_LOG_PAGES, pages);
    poke_csr(t, VDPU_CSR_LOG_CTRL, VDPU_LOG_CTRL_EN | shift << VDPU_LOG_CTRL_SHIFT_LSB);
    link_dlog_watch(&t->b->link, map, VDPU_HOST_RAM_BASE, shift, pages);
    return map;
}

static void dl_body(struct tctx *t, const struct dl_cfg *c)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    drv_up(t, d, c->ring);
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.pkt_random = true;
    o.tx_chain = o.rx_chain = NET_CHAIN_RANDOM;
    o.rx_buf_size = c->rx_buf;
    struct net_params np = {c->w, 240, 0, 29, 60000000};
    cr_assert_eq(virtio_net_open_opts(n, d, &np, &o), 0, "%s", n->error);

    /* the range is host RAM (narrow: up to the receive buffers) */
    uint32_t pages = (uint32_t)((c->narrow ? n->rx.bufs - VDPU_HOST_RAM_BASE : VDPU_HOST_RAM_SIZE) >> c->shift);
    uint32_t marks0 = peek_csr(t, VDPU_CSR_LOG_MARKS);
    uint64_t map = log_on(t, d, c->shift, pages);

    cr_assert_eq(virtio_net_run(n), 0, "traffic: %s %s", n->error, t->b->stopped ? t->b->stop_reason : "");
    run_cycles(t, 20000);
    const struct link_dlog *l = &t->b->link.dlog;
    /* at least a used write per batch of 4 (TX), a payload write per frame (RX) */
    cr_assert_geq(l->writes, c->w == NET_TX ? 240u / 4 : 240u, "logged writes seen: %llu", (unsigned long long)l->writes);
    cr_assert_eq(l->nowed, 0, "every write's marks arrived");
    cr_assert_eq(peek_csr(t, VDPU_CSR_LOG_MARKS) - marks0, l->marks, "LOG_MARKS counts the marks");
    cr_assert_eq(t->b->link.st.total[VDPU_PURP_DIRTY_LOG].requests, l->marks);

    /* the bytemap: only 0 and 1; the used rings' pages marked */
    uint8_t *m = malloc(pages);
    cr_assert(m);
    host_mem_read(&t->s.mem, map, m, pages);
    uint32_t dirty = 0;
    for (uint32_t i = 0; i < pages; i++) {
        cr_assert_leq(m[i], 1, "byte %u", i);
        dirty += m[i];
    }
    cr_assert_gt(dirty, 0);
    const struct net_vq *qs[2] = {&n->rx, &n->tx};
    for (unsigned k = 0; k < 2; k++) {
        if (c->w == NET_TX && qs[k] == &n->rx) continue;
        if (c->w == NET_RX && qs[k] == &n->tx) continue;
        uint64_t used = qs[k]->packed ? qs[k]->desc : qs[k]->device + 2; /* the used idx / first descriptor */
        cr_assert_eq(m[(used - VDPU_HOST_RAM_BASE) >> c->shift], 1, "queue %u used ring page", qs[k]->idx);
    }
    bool rx = c->w != NET_TX;
    uint32_t st = peek_csr(t, VDPU_CSR_LOG_STATUS);
    cr_assert_eq(st & VDPU_LOG_STATUS_OOR, c->narrow && rx ? VDPU_LOG_STATUS_OOR : 0u,
                 "out-of-range writes flagged exactly when receive buffers lie outside the range");
    if (st & VDPU_LOG_STATUS_OOR) {
        poke_csr(t, VDPU_CSR_LOG_STATUS, VDPU_LOG_STATUS_OOR); /* write 1 to clear */
        cr_assert_eq(peek_csr(t, VDPU_CSR_LOG_STATUS), 0);
    }
    /* off: no more marks */
    poke_csr(t, VDPU_CSR_LOG_CTRL, 0);
    free(m);
    virtio_net_close(n);
    free(n);
    free(d);
}

/* Pre-copy rounds while the traffic runs: every ROUND cycles the test harvests as a hypervisor would
 * (link_dlog_harvest: every page written since the last harvest must be marked; the marked bytes are
 * counted and cleared); a round after the traffic has wound down finds nothing. */
#define ROUND 20000u
struct rounds {
    struct tctx *t;
    uint64_t next;
    unsigned n;
    uint32_t dirty[64];
};

static void harvest_turn(virtio_net_t *n, void *ctx)
{
    (void)n;
    struct rounds *r = ctx;
    if (r->t->b->dev->cycle < r->next || r->n == 64) return;
    r->dirty[r->n++] = link_dlog_harvest(&r->t->b->link);
    r->next = r->t->b->dev->cycle + ROUND;
}

static void precopy(struct tctx *t, enum drv_ring ring)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    drv_up(t, d, ring);
    struct rounds r = {t, 0, 0, {0}};
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.pkt_random = true;
    o.on_turn = harvest_turn;
    o.on_turn_ctx = &r;
    struct net_params np = {NET_LOOPBACK, 400, 0, 31, 60000000};
    cr_assert_eq(virtio_net_open_opts(n, d, &np, &o), 0, "%s", n->error);
    uint32_t pages = (uint32_t)(VDPU_HOST_RAM_SIZE >> 12);
    (void)log_on(t, d, 12, pages);
    r.next = t->b->dev->cycle + ROUND;
    cr_assert_eq(virtio_net_run(n), 0, "traffic: %s %s", n->error, t->b->stopped ? t->b->stop_reason : "");
    run_cycles(t, 20000);
    uint32_t last = link_dlog_harvest(&t->b->link), idle = link_dlog_harvest(&t->b->link);
    cr_assert(!t->b->link.error[0], "%s", t->b->link.error);
    cr_assert_geq(r.n, 3, "pre-copy rounds during the traffic: %u", r.n);
    uint64_t sum = 0;
    for (unsigned i = 0; i < r.n; i++) {
        cr_assert_gt(r.dirty[i], 0, "round %u: the traffic wrote pages", i);
        sum += r.dirty[i];
        cr_log_info("dirty_log %s round %u: %u dirty pages of %u", ring == DRV_RING_SPLIT ? "split" : "packed", i,
                    r.dirty[i], pages);
    }
    cr_log_info("dirty_log: %u rounds of %u cycles, %.1f dirty pages per round, %u after the traffic", r.n, ROUND,
                (double)sum / r.n, last);
    cr_assert_eq(idle, 0, "an idle device writes nothing");
    virtio_net_close(n);
    free(n);
    free(d);
}

ENGINE_TEST_PARAMS(dirty_log, split_precopy_rounds, 4, 4, .timeout = 600) { precopy(T, DRV_RING_SPLIT); }
ENGINE_TEST_PARAMS(dirty_log, packed_precopy_rounds, 4, 4, .timeout = 600) { precopy(T, DRV_RING_PACKED); }

#define DL_TEST(name, ...)                                                                                           \
    static const struct dl_cfg name##_cfg = __VA_ARGS__;                                                             \
    Test(dirty_log, name##_model, .timeout = 600) { struct tctx t; dl_open(&t, VDPU_ENGINE_MODEL); dl_body(&t, &name##_cfg); t_close(&t); } \
    Test(dirty_log, name##_rtl, .timeout = 600) { struct tctx t; dl_open(&t, VDPU_ENGINE_RTL); dl_body(&t, &name##_cfg); t_close(&t); }     \
    Test(dirty_log, name##_cosim, .timeout = 600) { struct tctx t; dl_open(&t, VDPU_ENGINE_COSIM); dl_body(&t, &name##_cfg); t_close(&t); }

DL_TEST(split_loopback_4k, {DRV_RING_SPLIT, NET_LOOPBACK, 12, 0, false})
DL_TEST(packed_loopback_mrg_4k, {DRV_RING_PACKED, NET_LOOPBACK, 12, 256, false})
DL_TEST(split_rx_narrow_8k, {DRV_RING_SPLIT, NET_RX, 13, 0, true})
DL_TEST(packed_tx_2m, {DRV_RING_PACKED, NET_TX, 21, 0, false})
