/* randinit.c - random driver behavior during initialization: wrong orders, bad values, resets. */
#include <stdlib.h>
#include <string.h>

#include "randinit.h"
#include "rng.h"
#include "virtio_spec.h"

static uint64_t pick_status(rng_t *r)
{
    static const uint8_t v[] = {0, 1, 3, 0x0b, 0x0f, 0x07, 0x02, 0x08, 0x83, 0x01, 0x03, 0x0b};
    return rng_pct(r, 90) ? v[rng_below(r, sizeof v)] : (rng_next(r) & 0xff);
}

static uint64_t pick_qsize(rng_t *r)
{
    static const uint16_t v[] = {0, 1, 2, 3, 16, 100, 128, 255, 256, 257, 512, 0xffff};
    return v[rng_below(r, sizeof v / sizeof v[0])];
}

/* One random common-cfg access of the kinds a buggy or hostile driver makes during init. */
static void random_action(virtio_drv_t *d, rng_t *r)
{
    uint64_t v;
    switch (rng_below(r, 12)) {
    case 0: drv_set_status(d, (uint8_t)pick_status(r)); break;
    case 1: (void)drv_status(d); break;
    case 2:
        drv_wr(d, VDPU_COMMON_GFSELECT, 4, rng_below(r, 5));
        drv_wr(d, VDPU_COMMON_GF, 4, rng_pct(r, 70) ? (d->offered[0] | d->offered[1]) & (uint32_t)rng_next(r)
                                                    : (uint32_t)rng_next(r));
        break;
    case 3: drv_wr(d, VDPU_COMMON_Q_SELECT, 2, rng_below(r, VDPU_NUM_QUEUES + 2)); break;
    case 4: drv_wr(d, VDPU_COMMON_Q_SIZE, 2, pick_qsize(r)); break;
    case 5: drv_wr(d, VDPU_COMMON_Q_MSIX, 2, rng_pct(r, 70) ? rng_below(r, VDPU_NUM_VECTORS + 2) : 0xffff); break;
    case 6: {
        static const uint32_t offs[] = {VDPU_COMMON_Q_DESCLO, VDPU_COMMON_Q_AVAILLO, VDPU_COMMON_Q_USEDLO,
                                        VDPU_COMMON_Q_DESCHI};
        uint32_t a = 0x100000 + 0x1000 * rng_below(r, 64) + (rng_pct(r, 30) ? rng_below(r, 16) : 0);
        drv_wr(d, offs[rng_below(r, 4)], 4, rng_pct(r, 10) ? 0 : a);
        break;
    }
    case 7: drv_wr(d, VDPU_COMMON_Q_ENABLE, 2, rng_pct(r, 85) ? 1 : rng_below(r, 4)); break;
    case 8: drv_wr(d, VDPU_COMMON_Q_RESET, 2, rng_below(r, 3)); break;
    case 9: drv_wr(d, VDPU_COMMON_MSIX, 2, rng_pct(r, 70) ? rng_below(r, VDPU_NUM_VECTORS + 2) : 0xffff); break;
    case 10: {
        static const uint32_t held[] = {VDPU_COMMON_Q_SIZE, VDPU_COMMON_Q_MSIX, VDPU_COMMON_Q_ENABLE,
                                        VDPU_COMMON_Q_RESET};
        drv_rd(d, held[rng_below(r, 4)], 2, &v);
        break;
    }
    default: /* a full reset at a random point */
        virtio_drv_reset(d);
        break;
    }
}

int randinit_run(vdpu_session_t *s, uint64_t seed, struct randinit_stats *st)
{
    rng_t r = {seed ^ 0x1217ull};
    virtio_drv_t *d = calloc(1, sizeof *d);
    if (!d) return -1;
    memset(st, 0, sizeof *st);

    /* a first, random walk through the init registers */
    d->s = s;
    d->cc = s->pci.vcap[VIRTIO_PCI_CAP_COMMON_CFG].addr;
    d->dc = s->pci.vcap[VIRTIO_PCI_CAP_DEVICE_CFG].addr;
    d->offered[0] = VDPU_CSR_DEV_FEATURE0_RESET;
    d->offered[1] = VDPU_CSR_DEV_FEATURE1_RESET;
    unsigned n = 5 + rng_below(&r, 40);
    for (unsigned i = 0; i < n && !s->bus.stopped; i++, st->actions++) random_action(d, &r);

    /* a randomized init: ring layout, queue size, features forced or dropped */
    struct drv_params p;
    drv_params_default(&p);
    p.ring = rng_pct(&r, 50) ? DRV_RING_PACKED : DRV_RING_SPLIT;
    p.qsize = (unsigned)(rng_pct(&r, 70) ? 1u << rng_below(&r, 9) : pick_qsize(&r));
    if (p.qsize == 0 || p.qsize > 0xffff) p.qsize = 256;
    if (rng_pct(&r, 15)) p.force[rng_below(&r, 2)] |= 1u << rng_below(&r, 32);
    if (rng_pct(&r, 10)) p.drop[1] |= 1u << (VIRTIO_F_VERSION_1 - 32);
    if (rng_pct(&r, 10)) p.drop[0] |= 1u << VIRTIO_NET_F_CTRL_VQ;
    if (rng_pct(&r, 20)) p.queues = 1 + rng_below(&r, VDPU_NUM_QUEUES);

    /* the oracle: a feature the device does not offer, no VERSION_1, or CTRL_RX (accepted by
     * default) without CTRL_VQ must fail FEATURES_OK; otherwise a split queue whose size is
     * not a power of two must be refused; otherwise the init must succeed */
    const uint32_t offer[2] = {VDPU_CSR_DEV_FEATURE0_RESET, VDPU_CSR_DEV_FEATURE1_RESET};
    bool bad_features = (p.force[0] & ~offer[0]) || (p.force[1] & ~offer[1]) || p.drop[1] ||
                        (p.drop[0] & (1u << VIRTIO_NET_F_CTRL_VQ));
    unsigned qs = p.qsize < VDPU_QSIZE_MAX ? p.qsize : VDPU_QSIZE_MAX;
    bool split = p.ring == DRV_RING_SPLIT || (p.drop[1] & (1u << (VIRTIO_F_RING_PACKED - 32)));
    st->expect = bad_features ? EXPECT_FEATURES_REFUSED : (split && (qs & (qs - 1))) ? EXPECT_QSIZE_REFUSED : EXPECT_OK;
    st->first = virtio_drv_init(d, s, &p);
    if (st->first == DRV_REFUSED) snprintf(st->refusal, sizeof st->refusal, "%s", d->refusal);

    /* whatever happened, a reset and a clean init must bring the device up */
    struct drv_params clean;
    drv_params_default(&clean);
    st->recovery = virtio_drv_init(d, s, &clean);
    int rc = (st->first != DRV_ERROR && st->recovery == DRV_OK && !s->bus.stopped &&
              s->bus.diag_count[VDPU_DIAG_HELD_TIMEOUT] == 0) ? 0 : -1;
    free(d);
    return rc;
}
