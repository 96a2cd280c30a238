/* test_ctrl_plane.c - the vDPA control plane end to end: real firmware on the embedded CPU, host driver model. */
#include <string.h>

#include "harness.h"
#include "virtio_drv.h"

#define CC(f) VDPU_COMMON_##f
#define BIT(b) (1u << ((b) % 32))

static virtio_drv_t *drv_new(void)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    cr_assert_not_null(d);
    return d;
}

static enum drv_result init(struct tctx *t, virtio_drv_t *d, const struct drv_params *p)
{
    t_enumerate(t);
    cr_assert_eq(pci_msix_setup(t->b, &t->s.pci, NULL), 0);
    return virtio_drv_init(d, &t->s, p);
}

static uint64_t rd(virtio_drv_t *d, uint32_t off, unsigned size)
{
    uint64_t v = 0xdead;
    cr_assert_eq(drv_rd(d, off, size, &v), 0, "common cfg read 0x%x", off);
    return v;
}

static void wr(virtio_drv_t *d, uint32_t off, unsigned size, uint64_t v)
{
    cr_assert_eq(drv_wr(d, off, size, v), 0, "common cfg write 0x%x", off);
}

ENGINE_TEST_REALFW(ctrl, init_split_to_driver_ok, .timeout = 120)
{
    struct drv_params p;
    virtio_drv_t *d = drv_new();
    drv_params_default(&p);
    cr_assert_eq(init(T, d, &p), DRV_OK, "init refused: %s", d->refusal);
    cr_assert_eq(d->status, 0x0F);
    cr_assert_eq(d->negotiated[1] & BIT(VIRTIO_F_RING_PACKED), 0);
    cr_assert_eq(d->nq, VDPU_NUM_QUEUES, "2 pairs (MQ) + control queue");
    for (unsigned q = 0; q < d->nq; q++) {
        wr(d, CC(Q_SELECT), 2, q);
        cr_assert_eq(rd(d, CC(Q_ENABLE), 2), 1, "queue %u enabled", q);
    }
    cr_assert_eq(T->b->diag_count[VDPU_DIAG_HELD_TIMEOUT], 0, "firmware answered every held read in time");
    free(d);
}

ENGINE_TEST_REALFW(ctrl, init_packed_to_driver_ok, .timeout = 120)
{
    struct drv_params p;
    virtio_drv_t *d = drv_new();
    drv_params_default(&p);
    p.ring = DRV_RING_PACKED;
    p.qsize = 100; /* packed rings need not be a power of two */
    cr_assert_eq(init(T, d, &p), DRV_OK, "init refused: %s", d->refusal);
    cr_assert_neq(d->negotiated[1] & BIT(VIRTIO_F_RING_PACKED), 0);
    cr_assert_eq(d->q[0].size, 100);
    free(d);
}

ENGINE_TEST_REALFW(ctrl, split_ring_size_must_be_power_of_two, .timeout = 120)
{
    struct drv_params p;
    virtio_drv_t *d = drv_new();
    drv_params_default(&p);
    p.qsize = 100;
    cr_assert_eq(init(T, d, &p), DRV_REFUSED, "a split queue of 100 must be refused");
    cr_assert(strstr(d->refusal, "queue"), "%s", d->refusal);
    free(d);
}

ENGINE_TEST_REALFW(ctrl, feature_not_offered_is_refused, .timeout = 120)
{
    struct drv_params p;
    virtio_drv_t *d = drv_new();
    drv_params_default(&p);
    p.force[0] = BIT(VIRTIO_NET_F_GUEST_TSO4); /* never offered */
    cr_assert_eq(init(T, d, &p), DRV_REFUSED);
    cr_assert_eq(d->status & VIRTIO_CONFIG_S_FEATURES_OK, 0, "FEATURES_OK must not stick");
    free(d);
}

ENGINE_TEST_REALFW(ctrl, missing_version_1_is_refused, .timeout = 120)
{
    struct drv_params p;
    virtio_drv_t *d = drv_new();
    drv_params_default(&p);
    p.drop[1] = BIT(VIRTIO_F_VERSION_1);
    cr_assert_eq(init(T, d, &p), DRV_REFUSED);
    cr_assert(strstr(d->refusal, "FEATURES_OK"), "%s", d->refusal);
    cr_assert_eq(d->status & VIRTIO_CONFIG_S_FEATURES_OK, 0);
    free(d);
}

ENGINE_TEST_REALFW(ctrl, ctrl_rx_without_ctrl_vq_is_refused, .timeout = 120)
{
    struct drv_params p;
    virtio_drv_t *d = drv_new();
    drv_params_default(&p);
    p.drop[0] = BIT(VIRTIO_NET_F_CTRL_VQ) | BIT(VIRTIO_NET_F_MQ);
    cr_assert_eq(init(T, d, &p), DRV_REFUSED, "CTRL_RX depends on CTRL_VQ");
    cr_assert(strstr(d->refusal, "FEATURES_OK"), "%s", d->refusal);
    cr_assert_eq(d->status & VIRTIO_CONFIG_S_FEATURES_OK, 0);
    free(d);
}

ENGINE_TEST_REALFW(ctrl, illegal_status_order_refused, .timeout = 120)
{
    virtio_drv_t *d = drv_new();
    t_enumerate(T);
    d->s = &T->s;
    d->cc = T->s.pci.vcap[1].addr;
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    drv_set_status(d, VIRTIO_CONFIG_S_DRIVER); /* DRIVER without ACKNOWLEDGE */
    cr_assert_eq(drv_status(d) & VIRTIO_CONFIG_S_DRIVER, 0);
    drv_set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    cr_assert_eq(drv_status(d), VIRTIO_CONFIG_S_ACKNOWLEDGE);
    drv_set_status(d, 0x07); /* DRIVER_OK before FEATURES_OK */
    cr_assert_eq(drv_status(d) & VIRTIO_CONFIG_S_DRIVER_OK, 0);
    drv_set_status(d, 0x03);
    cr_assert_eq(drv_status(d), 0x03);
    drv_set_status(d, 0x01); /* clearing a bit without a reset */
    cr_assert_eq(drv_status(d), 0x03);
    drv_set_status(d, 0x83); /* FAILED is always accepted */
    cr_assert_eq(drv_status(d) & 0x80, 0x80);
    free(d);
}

ENGINE_TEST_REALFW(ctrl, queue_validation, .timeout = 120)
{
    virtio_drv_t *d = drv_new();
    t_enumerate(T);
    d->s = &T->s;
    d->cc = T->s.pci.vcap[1].addr;
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    drv_set_status(d, 0x01);
    drv_set_status(d, 0x03);
    wr(d, CC(GFSELECT), 4, 1);
    wr(d, CC(GF), 4, 1); /* VERSION_1 only: split rings */
    drv_set_status(d, 0x0B);
    cr_assert_eq(drv_status(d), 0x0B);
    wr(d, CC(Q_SELECT), 2, 0);
    wr(d, CC(Q_SIZE), 2, 0);
    cr_assert_eq(rd(d, CC(Q_SIZE), 2), VDPU_QSIZE_MAX, "size 0 refused");
    wr(d, CC(Q_SIZE), 2, VDPU_QSIZE_MAX * 2);
    cr_assert_eq(rd(d, CC(Q_SIZE), 2), VDPU_QSIZE_MAX, "size above the maximum refused");
    wr(d, CC(Q_SIZE), 2, 64);
    cr_assert_eq(rd(d, CC(Q_SIZE), 2), 64);
    wr(d, CC(Q_MSIX), 2, VDPU_NUM_VECTORS);
    cr_assert_eq(rd(d, CC(Q_MSIX), 2), 0xFFFF, "invalid vector reads back NO_VECTOR");
    wr(d, CC(Q_MSIX), 2, 3);
    cr_assert_eq(rd(d, CC(Q_MSIX), 2), 3);
    wr(d, CC(MSIX), 2, 0x55);
    cr_assert_eq(rd(d, CC(MSIX), 2), 0xFFFF);
    /* misaligned descriptor table: enable refused */
    wr(d, CC(Q_DESCLO), 4, 0x100008);
    wr(d, CC(Q_AVAILLO), 4, 0x101000);
    wr(d, CC(Q_USEDLO), 4, 0x102000);
    wr(d, CC(Q_ENABLE), 2, 1);
    cr_assert_eq(rd(d, CC(Q_ENABLE), 2), 0, "desc must be 16-byte aligned");
    wr(d, CC(Q_DESCLO), 4, 0x100000);
    wr(d, CC(Q_USEDLO), 4, 0x102002);
    wr(d, CC(Q_ENABLE), 2, 1);
    cr_assert_eq(rd(d, CC(Q_ENABLE), 2), 0, "used ring must be 4-byte aligned");
    wr(d, CC(Q_USEDLO), 4, 0x102000);
    wr(d, CC(Q_ENABLE), 2, 1);
    cr_assert_eq(rd(d, CC(Q_ENABLE), 2), 1);
    free(d);
}

/* reset from every state of the init sequence */
ENGINE_TEST_REALFW(ctrl, reset_in_every_state, .timeout = 300)
{
    struct drv_params p;
    drv_params_default(&p);
    virtio_drv_t *d = drv_new();
    t_enumerate(T);
    cr_assert_eq(pci_msix_setup(T->b, &T->s.pci, NULL), 0);
    static const uint8_t states[] = {0x01, 0x03, 0x0B, 0x0F};
    for (unsigned i = 0; i < sizeof states; i++) {
        cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "init %u: %s", i, d->refusal);
        cr_assert_eq(virtio_drv_reset(d), DRV_OK);
        cr_assert_eq(drv_status(d), 0);
        /* walk up to the state under test, then reset from it */
        drv_set_status(d, 0x01);
        if (states[i] & 2) drv_set_status(d, 0x03);
        if (states[i] & 8) {
            wr(d, CC(GFSELECT), 4, 1);
            wr(d, CC(GF), 4, 1);
            drv_set_status(d, 0x0B);
            wr(d, CC(Q_SELECT), 2, 1);
            wr(d, CC(Q_SIZE), 2, 32);
        }
        if (states[i] & 4) drv_set_status(d, 0x0F);
        cr_assert_eq(drv_status(d), states[i], "state 0x%x reached", states[i]);
        cr_assert_eq(virtio_drv_reset(d), DRV_OK, "reset from 0x%x", states[i]);
        wr(d, CC(Q_SELECT), 2, 1);
        cr_assert_eq(rd(d, CC(Q_SIZE), 2), VDPU_QSIZE_MAX, "queue state cleared by reset");
        cr_assert_eq(rd(d, CC(Q_ENABLE), 2), 0);
        wr(d, CC(GFSELECT), 4, 1);
        cr_assert_eq(rd(d, CC(GF), 4), 0, "driver features cleared by reset");
    }
    free(d);
}

ENGINE_TEST_REALFW(ctrl, queue_reset, .timeout = 120)
{
    struct drv_params p;
    virtio_drv_t *d = drv_new();
    drv_params_default(&p);
    cr_assert_eq(init(T, d, &p), DRV_OK, "%s", d->refusal);
    cr_assert_neq(d->negotiated[1] & BIT(VIRTIO_F_RING_RESET), 0);
    wr(d, CC(Q_SELECT), 2, 1);
    wr(d, CC(Q_RESET), 2, 1);
    /* the read is held until the reset is done: it then reads 0, with the queue disabled */
    cr_assert_eq(rd(d, CC(Q_RESET), 2), 0, "queue_reset reads 0 once the queue reset completed");
    cr_assert_eq(rd(d, CC(Q_ENABLE), 2), 0);
    cr_assert_eq(rd(d, CC(Q_SIZE), 2), VDPU_QSIZE_MAX, "queue back to its defaults");
    cr_assert_eq(rd(d, CC(Q_MSIX), 2), 0xFFFF);
    cr_assert_eq(rd(d, CC(Q_DESCLO), 4), 0);
    wr(d, CC(Q_ENABLE), 2, 1);
    cr_assert_eq(rd(d, CC(Q_ENABLE), 2), 0, "not re-enabled before it is programmed again");
    wr(d, CC(Q_SIZE), 2, 128);
    wr(d, CC(Q_DESCLO), 4, (uint32_t)d->q[1].desc);
    wr(d, CC(Q_AVAILLO), 4, (uint32_t)d->q[1].driver);
    wr(d, CC(Q_USEDLO), 4, (uint32_t)d->q[1].device);
    wr(d, CC(Q_ENABLE), 2, 1);
    cr_assert_eq(rd(d, CC(Q_ENABLE), 2), 1, "re-enabled after the reset");
    cr_assert_eq(rd(d, CC(Q_SIZE), 2), 128);
    /* other queues are untouched */
    wr(d, CC(Q_SELECT), 2, 0);
    cr_assert_eq(rd(d, CC(Q_ENABLE), 2), 1);
    free(d);
}

static void run_polling(struct tctx *t, virtio_drv_t *d, uint64_t n)
{
    for (uint64_t i = 0; i < n && !t->b->stopped; i++) {
        vdpu_bus_step(t->b);
        virtio_drv_poll(d);
    }
}

ENGINE_TEST_REALFW(ctrl, link_flap_raises_config_interrupt, .timeout = 120)
{
    struct drv_params p;
    virtio_drv_t *d = drv_new();
    drv_params_default(&p);
    cr_assert_eq(init(T, d, &p), DRV_OK, "%s", d->refusal);
    uint64_t gen0 = rd(d, CC(CFGGENERATION), 1);
    T->b->link_up = false;
    run_polling(T, d, 3000);
    cr_assert_eq(d->cfg_irqs_handled, 1, "one config interrupt for the link going down");
    cr_assert_eq(d->net_status & VIRTIO_NET_S_LINK_UP, 0);
    cr_assert_neq(rd(d, CC(CFGGENERATION), 1), gen0, "config_generation changed");
    T->b->link_up = true;
    run_polling(T, d, 3000);
    cr_assert_eq(d->cfg_irqs_handled, 2);
    cr_assert_eq(d->net_status & VIRTIO_NET_S_LINK_UP, VIRTIO_NET_S_LINK_UP);
    free(d);
}

ENGINE_TEST_REALFW(ctrl, internal_error_sets_needs_reset, .timeout = 120)
{
    struct drv_params p;
    virtio_drv_t *d = drv_new();
    drv_params_default(&p);
    cr_assert_eq(init(T, d, &p), DRV_OK, "%s", d->refusal);
    T->b->dp_err = true;
    vdpu_bus_step(T->b);
    T->b->dp_err = false;
    run_polling(T, d, 3000);
    cr_assert_eq(d->cfg_irqs_handled, 1, "config interrupt for DEVICE_NEEDS_RESET");
    cr_assert_neq(drv_status(d) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
    cr_assert_eq(virtio_drv_reset(d), DRV_OK, "a reset recovers the device");
    cr_assert_eq(drv_status(d), 0);
    free(d);
}
