/* test_migrate.c - live migration of a running device to a fresh device of another engine (sim/host/mig.c
 * mig_migrate: the MIG region's stop, STATE_GET, a new device with freshly booted firmware, STATE_SET,
 * run; docs/migration.md): in the middle of TX, RX and loopback traffic on split and packed rings, with
 * MRG_RXBUF, IN_ORDER on and off, rings wrapping, and chains of migrations model -> rtl -> model and
 * through cosim; the driver never notices - every frame arrives exactly once and in order, no
 * interrupt is lost; the state read back on the destination equals what was restored; a state that is
 * corrupt, of another version or for another device is refused with nothing applied and the device
 * still usable. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "harness.h"
#include "pause_traffic.h"
#include "mig.h"
#include "netrand.h"
#include "rng.h"
#include "virtio_ctrl.h"
#include "virtio_net.h"
#include "virtio_suspend.h"
#include "virtio_net_ring.h"
#include "vdpu_state.h"

#define BIT(b) (1u << ((b) % 32))
#define MAX_MIG 4
#define VDPU "./build/vdpu"

struct migs {
    struct tctx *t;
    struct { uint64_t frames; enum vdpu_engine to; } at[MAX_MIG]; /* migrate once `frames` completed */
    unsigned n, done;
    struct mig_report r[MAX_MIG];
};

static void on_turn(virtio_net_t *n, void *ctx)
{
    struct migs *m = ctx;
    if (m->done >= m->n || virtio_net_packets(n) < m->at[m->done].frames) return;
    char err[256];
    struct mig_report *r = &m->r[m->done];
    int rc = mig_migrate(n->s, m->at[m->done].to, NULL, r, err, sizeof err);
    cr_assert_eq(rc, 0, "migration %u to %s: %s", m->done, vdpu_engine_name(m->at[m->done].to), err);
    cr_assert_eq(n->s->opts.engine, m->at[m->done].to);
    cr_assert_gt(r->state_bytes, sizeof(struct vdps_hdr));
    m->done++;
}

struct mopts {
    enum drv_ring ring;
    enum net_workload w;
    uint64_t packets;
    unsigned pkt_size, qsize;
    bool no_in_order;
    struct { uint64_t frames; enum vdpu_engine to; } at[MAX_MIG];
};

static void traffic_with_migrations(struct tctx *t, const struct mopts *mo)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    struct drv_params p;
    drv_params_default(&p);
    p.ring = mo->ring;
    if (mo->qsize) p.qsize = mo->qsize;
    if (mo->no_in_order) p.accept[VIRTIO_F_IN_ORDER / 32] &= ~BIT(VIRTIO_F_IN_ORDER);
    t_drv_up(t, d, &p);
    struct migs m;
    memset(&m, 0, sizeof m);
    m.t = t;
    for (unsigned i = 0; i < MAX_MIG && mo->at[i].frames; i++) {
        m.at[i].frames = mo->at[i].frames;
        m.at[i].to = mo->at[i].to;
        m.n++;
    }
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.on_turn = on_turn;
    o.on_turn_ctx = &m;
    struct net_params np = {mo->w, mo->packets, mo->pkt_size, 17, 4000000 + mo->packets * 30000};
    cr_assert_eq(virtio_net_open_opts(n, d, &np, &o), 0, "%s", n->error);
    int rc = virtio_net_run(n);
    cr_assert_eq(rc, 0, "traffic: %s %s", n->error, t->b->stopped ? t->b->stop_reason : "");
    cr_assert_eq(virtio_net_packets(n), mo->packets, "every frame exactly once, in order");
    cr_assert_eq(n->bad_frames, 0);
    cr_assert_eq(m.done, m.n, "every migration happened during the traffic (%u of %u)", m.done, m.n);
    cr_assert_eq(t->b->diag_count[VDPU_DIAG_HELD_TIMEOUT], 0, "firmware answered every held read in time");
    cr_assert(vdpu_session_finish(&t->s), "the last engine's checks: %s", t->b->stop_reason);
    for (unsigned i = 0; i < m.n; i++)
        cr_log_info("migration %u %s -> %s: %u-byte state, stop %llu cycles, stop to running %llu cycles", i,
                    vdpu_engine_name(m.r[i].from), vdpu_engine_name(m.r[i].to), m.r[i].state_bytes,
                    (unsigned long long)(m.r[i].stopped_at - m.r[i].stop_at),
                    (unsigned long long)(m.r[i].run_at - m.r[i].stop_at));
    virtio_net_close(n);
    free(n);
    free(d);
}

#define M VDPU_ENGINE_MODEL
#define R VDPU_ENGINE_RTL
#define C VDPU_ENGINE_COSIM

static void open_fw(struct tctx *t, enum vdpu_engine e) { t_open_fw(t, e, NULL); }

#define MIGRATE_TEST(name, src, ...)                                                                                   \
    Test(migrate, name, .timeout = 600)                                                                                \
    {                                                                                                                  \
        struct tctx t;                                                                                                 \
        open_fw(&t, src);                                                                                              \
        struct mopts mo = __VA_ARGS__;                                                                                 \
        traffic_with_migrations(&t, &mo);                                                                              \
        t_close(&t);                                                                                                   \
    }

MIGRATE_TEST(split_tx_model_rtl_model, M, {DRV_RING_SPLIT, NET_TX, 120, 64, 0, false, {{20, R}, {70, M}}})
MIGRATE_TEST(packed_tx_rtl_model_rtl, R, {DRV_RING_PACKED, NET_TX, 120, 64, 32, false, {{25, M}, {81, R}}})
MIGRATE_TEST(split_loopback_not_in_order_model_cosim, M,
             {DRV_RING_SPLIT, NET_LOOPBACK, 80, 200, 16, true, {{30, C}}})
MIGRATE_TEST(packed_loopback_wraps_cosim_model_rtl, C,
             {DRV_RING_PACKED, NET_LOOPBACK, 90, 100, 16, false, {{20, M}, {50, R}}})
MIGRATE_TEST(split_rx_mergeable_rtl_model, R, {DRV_RING_SPLIT, NET_RX, 100, 1500, 0, false, {{40, M}}})
MIGRATE_TEST(packed_rx_model_rtl_model_rtl, M,
             {DRV_RING_PACKED, NET_RX, 120, 300, 32, false, {{10, R}, {40, M}, {80, R}}})

/* ---- the state itself ---- */

static void up(struct tctx *t, virtio_drv_t *d)
{
    struct drv_params p;
    drv_params_default(&p);
    t_drv_up(t, d, &p);
}

static void stop(struct tctx *t)
{
    char err[256];
    cr_assert_eq(mig_stop(&t->s, err, sizeof err), 0, "%s", err);
}

/* What STATE_GET returns names the device as the driver set it up: features, status, queues. */
ENGINE_TEST_REALFW(migrate, state_names_the_device, .timeout = 300)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    cr_assert_not_null(d);
    up(T, d);
    static uint32_t st[VDPU_MIG_STATE_BYTES / 4];
    uint32_t len;
    char err[256];
    cr_assert_eq(mig_state_get(&T->s, st, sizeof st, &len, err, sizeof err), 0, "%s", err);
    uint64_t mode = 0;
    cr_assert_eq(mem_rd_st(T, T->s.pci.mig + VDPU_MIG_CTRL, 4, &mode), VDPU_CPL_SC);
    cr_assert_eq(mode, 1, "STATE_GET stops the device first");
    struct vdps_hdr h;
    memcpy(&h, st, sizeof h);
    cr_assert_eq(h.magic, VDPS_MAGIC);
    cr_assert_eq(h.major, 1);
    cr_assert_eq(h.len, len);
    uint32_t plen;
    const uint32_t *drv = mig_state_part(st, VDPS_DRV_FEATURES, 0, &plen);
    cr_assert_not_null(drv);
    cr_assert_eq(plen, 16);
    for (unsigned w = 0; w < 4; w++) cr_assert_eq(drv[w], d->negotiated[w], "driver features word %u", w);
    const uint8_t *status = mig_state_part(st, VDPS_DEVICE_STATUS, 0, &plen);
    cr_assert(status && plen == 1 && *status == 0x0F, "device_status 0x0F");
    for (unsigned q = 0; q < d->nq; q++) {
        const struct vdps_vq_cfg *c = mig_state_part(st, VDPS_VQ_CFG, q, &plen);
        cr_assert(c && plen == sizeof *c, "queue %u", q);
        cr_assert_eq(c->queue_size, d->q[q].size);
        cr_assert_eq(c->enabled, 1);
        cr_assert_eq((uint64_t)c->desc_hi << 32 | c->desc_lo, d->q[q].desc);
        cr_assert_eq((uint64_t)c->driver_hi << 32 | c->driver_lo, d->q[q].driver);
        cr_assert_eq((uint64_t)c->device_hi << 32 | c->device_lo, d->q[q].device);
        cr_assert_eq(c->vector, d->q[q].vector);
        const struct vdps_vq_runtime *rt = mig_state_part(st, VDPS_VQ_RUNTIME, q, &plen);
        cr_assert(rt && plen == sizeof *rt);
        cr_assert_eq(rt->avail_pos, 0x10000, "queue %u at its start, wrap 1", q);
    }
    cr_assert_not_null(mig_state_part(st, VDPS_DEV_FEATURES, 0, &plen), "DEV_FEATURES (optional) present");
    cr_assert_eq(plen, 16);
    free(d);
}

/* Misuse: a state refused by the destination leaves it as it was (status 0, stopped) and usable: a
 * good state is then accepted. Corrupt (CRC), another major version, another offer, a state while the
 * device is in use, and state commands without STOP. */
ENGINE_TEST_REALFW(migrate, bad_states_refused_nothing_applied, .timeout = 300)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    cr_assert_not_null(d);
    up(T, d);
    static uint32_t good[VDPU_MIG_STATE_BYTES / 4], bad[VDPU_MIG_STATE_BYTES / 4];
    uint32_t len;
    char err[256];
    cr_assert_eq(mig_state_get(&T->s, good, sizeof good, &len, err, sizeof err), 0, "%s", err);
    /* a device in use refuses a state */
    cr_assert_neq(mig_state_set(&T->s, good, len, err, sizeof err), 0);
    cr_assert(strstr(err, "EINVAL"), "%s", err);
    cr_assert_eq(drv_status(d), 0x0F, "the live device unchanged");
    /* a fresh device (the driver resets it) */
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    stop(T);
    memcpy(bad, good, len);
    ((uint8_t *)bad)[len - 3] ^= 0x40; /* a bit of the last part */
    cr_assert_neq(mig_state_check(bad, len, err, sizeof err), 0, "the host sees the corruption");
    cr_assert(strstr(err, "CRC"), "%s", err);
    cr_assert_neq(mig_state_set(&T->s, bad, len, err, sizeof err), 0, "so does the device");
    memcpy(bad, good, len);
    struct vdps_hdr h;
    memcpy(&h, bad, sizeof h);
    h.major = 2;
    memcpy(bad, &h, sizeof h);
    cr_assert_neq(mig_state_set(&T->s, bad, len, err, sizeof err), 0, "another major version");
    /* another device's offer: DEV_FEATURES differ (the CRC recomputed, so only the content is wrong) */
    memcpy(bad, good, len);
    uint32_t plen;
    uint32_t *df = (uint32_t *)mig_state_part(bad, VDPS_DEV_FEATURES, 0, &plen);
    cr_assert_not_null(df);
    df[0] ^= 1u << 5; /* VIRTIO_NET_F_MAC */
    memcpy(&h, bad, sizeof h);
    h.crc = (uint32_t)crc32(0, (const uint8_t *)bad + sizeof h, len - (uint32_t)sizeof h);
    memcpy(bad, &h, sizeof h);
    cr_assert_eq(mig_state_check(bad, len, err, sizeof err), 0, "well-formed");
    cr_assert_neq(mig_state_set(&T->s, bad, len, err, sizeof err), 0, "for another offer");
    /* state commands need STOP in the same write */
    uint32_t s;
    cr_assert_eq(mig_command(&T->s, VDPU_MIG_CTRL_SET, &s, err, sizeof err), 0, "%s", err);
    cr_assert_eq((s & VDPU_MIG_STATUS_CODE) >> VDPU_MIG_STATUS_CODE_LSB, MIG_ST_EINVAL);
    cr_assert_eq(mig_command(&T->s, VDPU_MIG_CTRL_STOP | VDPU_MIG_CTRL_GET | VDPU_MIG_CTRL_SET, &s, err, sizeof err), 0);
    cr_assert_eq((s & VDPU_MIG_STATUS_CODE) >> VDPU_MIG_STATUS_CODE_LSB, MIG_ST_EINVAL);
    /* nothing was applied: status 0; and the good state goes in */
    cr_assert_eq(drv_status(d), 0, "still reset");
    cr_assert_eq(mig_state_set(&T->s, good, len, err, sizeof err), 0, "%s", err);
    cr_assert_eq(drv_status(d), 0x0F, "restored: DRIVER_OK");
    static uint32_t again[VDPU_MIG_STATE_BYTES / 4];
    uint32_t len2;
    cr_assert_eq(mig_state_get(&T->s, again, sizeof again, &len2, err, sizeof err), 0, "%s", err);
    cr_assert_eq(len2, len);
    cr_assert_eq(memcmp(again, good, len), 0, "the state read back is the state restored");
    free(d);
}

/* A packed ring's positions are slots of the ring: a state whose VQ_RUNTIME puts last_avail or used_idx at
 * or past queue_size (the engine would read descriptors past the ring's end), or sets bits above the wrap
 * counter, is refused and nothing is applied; the state as read goes in afterwards. */
static void set_pos(uint32_t *st, uint32_t len, bool used, uint32_t pos)
{
    uint32_t plen;
    struct vdps_vq_runtime *rt = (struct vdps_vq_runtime *)mig_state_part(st, VDPS_VQ_RUNTIME, 0, &plen);
    cr_assert_not_null(rt);
    if (used)
        rt->used_pos = pos;
    else
        rt->avail_pos = pos;
    struct vdps_hdr h;
    memcpy(&h, st, sizeof h);
    h.crc = (uint32_t)crc32(0, (const uint8_t *)st + sizeof h, len - (uint32_t)sizeof h);
    memcpy(st, &h, sizeof h);
}

ENGINE_TEST_REALFW(migrate, packed_positions_past_the_ring_refused, .timeout = 300)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    cr_assert_not_null(d);
    struct drv_params p;
    drv_params_default(&p);
    p.ring = DRV_RING_PACKED;
    t_drv_up(T, d, &p);
    static uint32_t good[VDPU_MIG_STATE_BYTES / 4], bad[VDPU_MIG_STATE_BYTES / 4];
    uint32_t len, plen;
    char err[256];
    cr_assert_eq(mig_state_get(&T->s, good, sizeof good, &len, err, sizeof err), 0, "%s", err);
    const struct vdps_vq_cfg *c = mig_state_part(good, VDPS_VQ_CFG, 0, &plen);
    cr_assert(c && c->queue_size == 256, "queue 0 set up with 256 entries");
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    stop(T);
    const struct { bool used; uint32_t pos; } bads[] = {
        {false, VDPU_Q_AVAIL_POS_WRAP | 256}, /* last_avail = queue_size */
        {false, 0xFFFF},                      /* far past it */
        {true, VDPU_Q_USED_POS_WRAP | 256},   /* used_idx = queue_size */
        {false, 1u << 20},                    /* a bit above the wrap counter */
    };
    t_console_on(T);
    for (unsigned i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        memcpy(bad, good, len);
        set_pos(bad, len, bads[i].used, bads[i].pos);
        cr_assert_eq(mig_state_check(bad, len, err, sizeof err), 0, "well-formed: %s", err);
        cr_assert_neq(mig_state_set(&T->s, bad, len, err, sizeof err), 0, "position %#x refused", bads[i].pos);
        cr_assert(strstr(err, "EINVAL"), "%s", err);
        cr_assert_eq(drv_status(d), 0, "nothing applied");
    }
    /* the firmware names the reason on its console, once a refusal (the last line a little after its status) */
    t_run_polling(T, d, 5000);
    const char *con = t_console_text(T);
    unsigned named = 0;
    for (const char *l = con; (l = strstr(l, "VQ_RUNTIME ring position outside its queue")); l++) named++;
    cr_assert_eq(named, sizeof bads / sizeof bads[0], "%s", con);
    /* the last slot is a position like any other */
    memcpy(bad, good, len);
    set_pos(bad, len, false, VDPU_Q_AVAIL_POS_WRAP | 255);
    cr_assert_eq(mig_state_set(&T->s, bad, len, err, sizeof err), 0, "slot 255: %s", err);
    free(d);
}

/* ---- random traffic (vdpu run --workload net-random's configurations) with random migrations ---- */

struct rmig {
    uint64_t seed, next, n, precopies;
    rng_t rng;
    bool copying;           /* pre-copy rounds under way */
    struct mig_precopy pc;
};

/* Up to three times, 2,000-22,000 cycles into the traffic and then 40,000-200,000 cycles apart (the
 * traffic must get on between them): migrate to an engine drawn from the seed (model or rtl, one in
 * four cosim), half the time after 1-3 pre-copy rounds 3,000-15,000 cycles apart (the destination's
 * memory then compared with the source's). The configurations include poll mode, host backpressure,
 * reordered completions, prefetch, batches, several reads, coalescing, MRG_RXBUF, IN_ORDER or not,
 * EVENT_IDX or not, random chains, buffers at the top of RAM and device resets - also between
 * pre-copy rounds - and the two-queue-pair phase. */
static void random_turn(virtio_net_t *n, void *ctx)
{
    struct rmig *c = ctx;
    vdpu_session_t *s = n->s;
    uint64_t now = s->bus.dev->cycle;
    char err[320];
    if (c->copying) {
        int rc = mig_precopy_round(s, &c->pc, err, sizeof err);
        cr_assert_geq(rc, 0, "seed %llu pre-copy: %s", (unsigned long long)c->seed, err);
        if (!rc) return;
        c->copying = false;
        c->precopies++;
    } else {
        if (!c->next) c->next = now + 2000 + rng_below(&c->rng, 20000);
        if (now < c->next || c->n == 3) return;
        if (rng_below(&c->rng, 2)) {
            memset(&c->pc, 0, sizeof c->pc);
            c->pc.rounds = 1 + rng_below(&c->rng, 3);
            c->pc.interval = 3000 + rng_below(&c->rng, 12000);
            cr_assert_eq(mig_precopy_begin(s, &c->pc, err, sizeof err), 0, "seed %llu: %s", (unsigned long long)c->seed,
                         err);
            c->copying = true;
            return;
        }
    }
    c->next = now + 40000 + rng_below(&c->rng, 160000); /* a migration takes ~35,000 cycles */
    unsigned k = rng_below(&c->rng, 4);
    enum vdpu_engine to = k == 3 ? VDPU_ENGINE_COSIM : k & 1 ? VDPU_ENGINE_RTL : VDPU_ENGINE_MODEL;
    struct mig_report r;
    bool pre = c->pc.image != NULL;
    cr_assert_eq(mig_migrate(s, to, pre ? &c->pc : NULL, &r, err, sizeof err), 0, "seed %llu migration %llu: %s",
                 (unsigned long long)c->seed, (unsigned long long)c->n, err);
    c->n++;
}

static void random_seeds(uint64_t from, unsigned count)
{
    uint64_t total = 0, pre = 0;
    for (uint64_t seed = from; seed < from + count; seed++) {
        struct rmig rm;
        memset(&rm, 0, sizeof rm);
        rm.seed = seed;
        rm.rng.s = seed * 0x9E3779B97F4A7C15ull + 14; /* a generator of its own: the seed's draws stay as they are */
        /* every migration takes ~35,000 cycles (more with pre-copy), and waits for the next */
        t_netrand_with_hook(seed % 2 ? M : R, seed, false, random_turn, &rm, 1, 3 * 400000);
        if (rm.copying) mig_precopy_free(NULL, &rm.pc); /* the traffic ended during the rounds */
        total += rm.n;
        pre += rm.precopies;
        cr_log_info("seed %llu: %llu migrations, %llu after pre-copy", (unsigned long long)seed,
                    (unsigned long long)rm.n, (unsigned long long)rm.precopies);
    }
    cr_assert_geq(total, count, "migrations happened (%llu)", (unsigned long long)total);
    cr_assert_gt(pre, 0, "some after pre-copy");
}

Test(migrate, random_traffic_1, .timeout = 600) { random_seeds(201, 10); }
Test(migrate, random_traffic_2, .timeout = 600) { random_seeds(211, 10); }

/* ---- pre-copy: the destination's memory image filled while the traffic runs, checked after the stop ---- */

struct pcm {
    struct tctx *t;
    uint64_t at_frames;
    enum vdpu_engine to;
    bool no_cpu_log; /* leave the driver's writes out: the final comparison must catch it */
    int phase;       /* 0 waiting, 1 rounds, 2 migrated, 3 refused */
    struct mig_precopy pc;
    struct mig_report r;
    char err[320];
};

static void precopy_turn(virtio_net_t *n, void *ctx)
{
    struct pcm *m = ctx;
    vdpu_session_t *s = n->s;
    if (m->phase == 0 && virtio_net_packets(n) >= m->at_frames) {
        m->pc.no_cpu_log = m->no_cpu_log;
        cr_assert_eq(mig_precopy_begin(s, &m->pc, m->err, sizeof m->err), 0, "%s", m->err);
        m->phase = 1;
        return;
    }
    if (m->phase != 1) return;
    int rc = mig_precopy_round(s, &m->pc, m->err, sizeof m->err);
    cr_assert_geq(rc, 0, "%s", m->err);
    if (!rc) return;
    rc = mig_migrate(s, m->to, &m->pc, &m->r, m->err, sizeof m->err);
    if (m->no_cpu_log) {
        cr_assert_neq(rc, 0, "without the CPU's pages the copy must differ");
        cr_assert(strstr(m->err, "pre-copy missed page"), "%s", m->err);
        m->phase = 3;
        return;
    }
    cr_assert_eq(rc, 0, "%s", m->err);
    m->phase = 2;
}

static void precopy_traffic(struct tctx *t, enum drv_ring ring, enum net_workload w, uint64_t packets, unsigned size,
                            struct pcm *m)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    t_drv_up(t, d, &p);
    m->t = t;
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.on_turn = precopy_turn;
    o.on_turn_ctx = m;
    struct net_params np = {w, packets, size, 23, 4000000 + packets * 30000};
    cr_assert_eq(virtio_net_open_opts(n, d, &np, &o), 0, "%s", n->error);
    cr_assert_eq(virtio_net_run(n), 0, "traffic: %s %s", n->error, t->b->stopped ? t->b->stop_reason : "");
    cr_assert_eq(virtio_net_packets(n), packets, "every frame exactly once, in order");
    cr_assert(vdpu_session_finish(&t->s), "%s", t->b->stop_reason);
    virtio_net_close(n);
    free(n);
    free(d);
}

static void precopy_check(const struct pcm *m)
{
    cr_assert_eq(m->phase, 2, "the migration happened during the traffic");
    cr_assert_eq(m->pc.all_pages, 4096, "round 0: all 16 MiB of RAM");
    uint32_t dev = 0, cpu = 0;
    for (unsigned k = 0; k <= m->pc.rounds; k++) {
        dev += m->pc.dev_pages[k];
        cpu += m->pc.cpu_pages[k];
        cr_log_info("round %u: %u pages the device marked, %u more the CPU wrote", k + 1, m->pc.dev_pages[k],
                    m->pc.cpu_pages[k]);
    }
    cr_assert_gt(dev, 0, "the device dirtied pages while the traffic ran");
    cr_assert_gt(cpu, 0, "and so did the driver");
}

Test(migrate, precopy_split_loopback_model_rtl, .timeout = 300)
{
    struct tctx t;
    open_fw(&t, M);
    static struct pcm m = {.at_frames = 10, .to = R, .pc = {.rounds = 3, .interval = 10000}};
    precopy_traffic(&t, DRV_RING_SPLIT, NET_LOOPBACK, 120, 300, &m);
    precopy_check(&m);
    t_close(&t);
}

Test(migrate, precopy_packed_rx_rtl_cosim, .timeout = 600)
{
    struct tctx t;
    open_fw(&t, R);
    static struct pcm m = {.at_frames = 20, .to = C, .pc = {.rounds = 2, .interval = 15000}};
    precopy_traffic(&t, DRV_RING_PACKED, NET_RX, 100, 1000, &m);
    precopy_check(&m);
    t_close(&t);
}

/* The comparison after the stop bites: without the driver's own writes the image misses pages, the
 * migration is refused, and the source runs on (the traffic still completes on it). */
Test(migrate, precopy_missing_the_cpu_writes_is_caught, .timeout = 300)
{
    struct tctx t;
    open_fw(&t, M);
    /* more frames than the ring holds: the driver writes new frames into its transmit buffers meanwhile,
     * pages the device only reads */
    static struct pcm m = {.at_frames = 300, .to = R, .no_cpu_log = true, .pc = {.rounds = 2, .interval = 10000}};
    precopy_traffic(&t, DRV_RING_SPLIT, NET_TX, 700, 200, &m);
    cr_assert_eq(m.phase, 3);
    cr_assert_eq(t.s.opts.engine, M, "still the source");
    t_close(&t);
}

/* The net-random workload draws live migrations itself (a fifth of the seeds without a PCIe fault: one
 * or two, model <-> rtl, cosim to cosim): seed 27 draws two, run here from cosim (the lockstep check
 * goes on across both) and from rtl (rtl -> model -> rtl); seed 16 draws one that falls in its
 * two-queue-pair phase (UDP flows, the steering of every received frame checked: the flow table moves
 * in the state's STEER part). */
Test(migrate, net_random_draws_migrations, .timeout = 300)
{
    static char out[65536];
    cr_assert_eq(sh(VDPU " run -q --engine cosim -w net-random --seed 27", out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "live migration at "), "%s", out);
    cr_assert(strstr(out, "net-random: 2 of 2 live migrations done"), "%s", out);
    cr_assert(strstr(out, "now on the cosim engine"), "%s", out);
    cr_assert(strstr(out, "result: PASS"), "%s", out);
    cr_assert_eq(sh(VDPU " run -q --engine rtl -w net-random --seed 27", out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "2 of 2 live migrations done (stop, state, a fresh device of the other engine, restore, "
                          "run), now on the rtl engine"),
              "%s", out);
    cr_assert_eq(sh(VDPU " run -q --engine model -w net-random --seed 16", out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "2 queue pairs (UDP flows, steering checked), live migration at"), "%s", out);
    cr_assert(strstr(out, "1 of 1 live migrations done (stop, state, a fresh device of the other engine, restore, "
                          "run), now on the rtl engine"),
              "%s", out);
    cr_assert(strstr(out, "result: PASS"), "%s", out);
}

/* ---- control-plane state across a migration ---- */

static void migrate_now(struct tctx *t, enum vdpu_engine to)
{
    struct mig_report r;
    char err[320];
    cr_assert_eq(mig_migrate(&t->s, to, NULL, &r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(t->s.opts.engine, to);
}

static uint8_t mac_byte(struct tctx *t, unsigned i)
{
    uint64_t v = 0;
    cr_assert_eq(mem_rd_st(t, t->s.pci.vcap[VIRTIO_PCI_CAP_DEVICE_CFG].addr + VDPU_NETCFG_MAC0 + i, 1, &v), VDPU_CPL_SC);
    return (uint8_t)v;
}

/* a device on the model engine with the real firmware, the driver at DRIVER_OK, its control queue open */
static void up_with_ctrl(struct tctx *t, virtio_drv_t **d, virtio_ctrl_t **c)
{
    open_fw(t, M);
    *d = calloc(1, sizeof **d);
    *c = calloc(1, sizeof **c);
    cr_assert(*d && *c);
    up(t, *d);
    cr_assert_eq(virtio_ctrl_open(*c, *d), 0, "%s", (*c)->error);
}

/* What the control queue set - the MAC (MAC_ADDR_SET), promiscuous mode - and the control queue's own
 * ring position move with the device: the destination shows the MAC, filters promiscuously, and the
 * next command on the same ring is served and acked. model -> rtl -> model. */
Test(migrate, control_queue_state_moves, .timeout = 300)
{
    struct tctx t;
    virtio_drv_t *d;
    virtio_ctrl_t *c;
    up_with_ctrl(&t, &d, &c);
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
    uint8_t ack = 0xEE, on = 1;
    cr_assert_eq(virtio_ctrl_cmd(c, VNET_CTRL_MAC, VNET_CTRL_MAC_ADDR_SET, mac, 6, &ack, 200000), 0, "%s", c->error);
    cr_assert_eq(ack, VNET_OK);
    cr_assert_eq(virtio_ctrl_cmd(c, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, &on, 1, &ack, 200000), 0, "%s", c->error);
    cr_assert_eq(ack, VNET_OK);
    migrate_now(&t, R);
    for (unsigned i = 0; i < 6; i++) cr_assert_eq(mac_byte(&t, i), mac[i], "mac[%u] on the destination", i);
    cr_assert(peek_csr(&t, VDPU_CSR_RXF_CTRL) & VDPU_RXF_CTRL_ALL, "promiscuous on the destination");
    /* the control ring goes on where it was: a third command is served and acked */
    uint8_t off = 0;
    cr_assert_eq(virtio_ctrl_cmd(c, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, &off, 1, &ack, 200000), 0, "%s", c->error);
    cr_assert_eq(ack, VNET_OK);
    cr_assert_not(peek_csr(&t, VDPU_CSR_RXF_CTRL) & VDPU_RXF_CTRL_ALL, "promiscuous off again");
    migrate_now(&t, M);
    for (unsigned i = 0; i < 6; i++) cr_assert_eq(mac_byte(&t, i), mac[i], "mac[%u] after the second move", i);
    cr_assert_eq(virtio_ctrl_cmd(c, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, &on, 1, &ack, 200000), 0, "%s", c->error);
    cr_assert_eq(ack, VNET_OK, "a fourth command on the ring");
    free(c);
    free(d);
    t_close(&t);
}

/* A device the driver suspended (VIRTIO_F_SUSPEND) moves suspended: the destination shows SUSPEND, moves
 * nothing until the driver resumes it, then the traffic works. rtl -> model. */
Test(migrate, a_suspended_device_moves_suspended, .timeout = 300)
{
    struct tctx t;
    open_fw(&t, R);
    virtio_drv_t *d = calloc(1, sizeof *d);
    cr_assert_not_null(d);
    struct drv_params p;
    drv_params_default(&p);
    p.accept[VIRTIO_F_SUSPEND / 32] |= BIT(VIRTIO_F_SUSPEND);
    t_drv_up(&t, d, &p);
    cr_assert_eq(virtio_drv_suspend(d), DRV_OK, "%s", d->refusal);
    migrate_now(&t, M);
    cr_assert_eq(drv_status(d), 0x1B, "SUSPEND, without DRIVER_OK, on the destination");
    uint64_t dma0 = t_dma_requests(&t);
    cr_assert(host_mem_wr(t.b, t.s.pci.vcap[VIRTIO_PCI_CAP_NOTIFY_CFG].addr + 4, 2, 1), "a doorbell");
    run_cycles(&t, 5000);
    cr_assert_eq(t_dma_requests(&t), dma0, "still suspended: no DMA");
    cr_assert_eq(virtio_drv_resume(d), DRV_OK, "%s", d->refusal);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert_not_null(n);
    struct net_params np = {NET_LOOPBACK, 30, 200, 3, 2000000};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    cr_assert_eq(virtio_net_run(n), 0, "traffic after the resume: %s", n->error);
    virtio_net_close(n);
    free(n);
    free(d);
    t_close(&t);
}

/* ---- MSI-X pending bits across a migration ---- */

static uint32_t pba_word(struct tctx *t)
{
    uint64_t v = 0;
    cr_assert_eq(mem_rd_st(t, t->s.pci.msix_pba, 4, &v), VDPU_CPL_SC);
    return (uint32_t)v;
}

static void vector_mask(struct tctx *t, unsigned v, bool masked)
{
    cr_assert(host_mem_wr(t->b, t->s.pci.msix_table + 16ull * v + 12, 4, masked ? 1 : 0));
}

/* A masked vector's pending message (the PBA bit the driver has not seen yet) moves with the device: the
 * host reads the PBA into the state's MSIX_PENDING part, the destination's firmware raises the message
 * again under the restored mask; at the unmask exactly one message goes out. model -> rtl, then rtl ->
 * model with nothing pending (no part, no message). */
Test(migrate, a_pending_msix_message_moves, .timeout = 300)
{
    struct tctx t;
    virtio_drv_t *d;
    virtio_ctrl_t *c;
    up_with_ctrl(&t, &d, &c);
    unsigned v = c->vector;
    cr_assert_lt(v, VDPU_NUM_VECTORS, "the control queue has a vector");
    const uint64_t *msi = &t.s.mem.msi_count[PCI_MSI_DATA_BASE + v];
    vector_mask(&t, v, true);
    uint8_t ack = 0xEE, on = 1;
    uint64_t before = *msi;
    cr_assert_eq(virtio_ctrl_cmd(c, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, &on, 1, &ack, 200000), 0, "%s", c->error);
    cr_assert_eq(ack, VNET_OK);
    run_cycles(&t, 2000);
    cr_assert_eq(*msi, before, "masked: no message");
    cr_assert_eq(pba_word(&t), 1u << v, "the control queue's vector is pending");
    struct mig_report r;
    char err[320];
    cr_assert_eq(mig_migrate(&t.s, R, NULL, &r, err, sizeof err), 0, "%s", err);
    uint32_t plen = 0;
    const struct vdps_msix_pending *pp = mig_state_part(r.state, VDPS_MSIX_PENDING, 0, &plen);
    cr_assert(pp && plen == sizeof *pp && pp->pending == 1u << v, "the state carries the pending bit");
    run_cycles(&t, 2000);
    cr_assert_eq(*msi, before, "still masked on the destination: no message");
    cr_assert_eq(pba_word(&t), 1u << v, "pending on the destination");
    vector_mask(&t, v, false);
    run_cycles(&t, 2000);
    cr_assert_eq(*msi, before + 1, "the unmask sends the message owed, once");
    cr_assert_eq(pba_word(&t), 0);
    cr_assert_eq(mig_migrate(&t.s, M, NULL, &r, err, sizeof err), 0, "%s", err);
    cr_assert_null(mig_state_part(r.state, VDPS_MSIX_PENDING, 0, NULL), "nothing pending: no part");
    run_cycles(&t, 2000);
    cr_assert_eq(*msi, before + 1, "nothing more");
    cr_assert_eq(virtio_ctrl_cmd(c, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, &on, 1, &ack, 200000), 0, "%s", c->error);
    free(c);
    free(d);
    t_close(&t);
}
