/* hand_ring.c - hand-built rings for tests that play the firmware (see hand_ring.h). */
#include <string.h>

#include "hand_ring.h"

void desc_w(struct tctx *t, uint16_t slot, uint64_t addr, uint32_t len, uint16_t a, uint16_t b)
{
    desc_w_at(t, RING_DESC, slot, addr, len, a, b);
}

void desc_w_at(struct tctx *t, uint64_t ring, uint16_t slot, uint64_t addr, uint32_t len, uint16_t a, uint16_t b)
{
    uint8_t d[16];
    for (unsigned i = 0; i < 8; i++) d[i] = (uint8_t)(addr >> (8 * i));
    for (unsigned i = 0; i < 4; i++) d[8 + i] = (uint8_t)(len >> (8 * i));
    d[12] = (uint8_t)a;
    d[13] = (uint8_t)(a >> 8);
    d[14] = (uint8_t)b;
    d[15] = (uint8_t)(b >> 8);
    hm_w(t, ring + 16u * slot, d, 16);
}

void engine_up(struct tctx *t, bool packed, uint32_t param, uint32_t eng_ctrl_extra)
{
    static const uint8_t zero[0x3000];
    t_enumerate(t);
    hm_w(t, RING_DESC, zero, sizeof zero);
    csr_wr(t, VDPU_CSR_HOSTMEM_BASE_LO, 0);
    csr_wr(t, VDPU_CSR_HOSTMEM_BASE_HI, 0);
    csr_wr(t, VDPU_CSR_HOSTMEM_SIZE_LO, 16u << 20);
    csr_wr(t, VDPU_CSR_HOSTMEM_SIZE_HI, 0);
    queue_at(t, packed, Q_TX, RING_DESC, RING_DRV, RING_DEV);
    csr_wr(t, VDPU_CSR_ENG_PARAM, param);
    csr_wr(t, VDPU_CSR_ENG_CTRL,
           1u << VDPU_ENGCTRL_ENABLE | (packed ? 1u << VDPU_ENGCTRL_PACKED : 0u) | eng_ctrl_extra);
}

void queue_at(struct tctx *t, bool packed, unsigned q, uint64_t desc, uint64_t drv, uint64_t dev)
{
    csr_wr(t, VDPU_CSR_FW_QSEL, q);
    csr_wr(t, VDPU_CSR_Q_SIZE, QN);
    csr_wr(t, VDPU_CSR_Q_DESC_LO, (uint32_t)desc);
    csr_wr(t, VDPU_CSR_Q_AVAIL_LO, (uint32_t)drv);
    csr_wr(t, VDPU_CSR_Q_USED_LO, (uint32_t)dev);
    csr_wr(t, VDPU_CSR_Q_ENABLE, 1);
    /* the device may write the used ring / descriptor ring only */
    cr_assert(link_grant(&t->b->link, packed ? desc : dev, packed ? 16 * QN : 6 + 8 * QN));
}

void kick(struct tctx *t)
{
    bar_wr(t, VDPU_BAR_NOTIFY_OFF + Q_TX * VDPU_NOTIFY_MULT, 2, Q_TX);
    run_cycles(t, 8000);
}

struct pay_watch {
    struct t_tap tap;
    unsigned n;
};

static void on_pay(void *ctx, const vdpu_txn_t *x)
{
    struct pay_watch *w = ctx;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.purpose == VDPU_PURP_PAYLOAD_RD) w->n++;
}

unsigned kick_to_payload_read(struct tctx *t, unsigned n)
{
    struct pay_watch w = {0};
    t_tap_on(&w.tap, t, on_pay, &w);
    bar_wr(t, VDPU_BAR_NOTIFY_OFF + Q_TX * VDPU_NOTIFY_MULT, 2, Q_TX);
    for (unsigned i = 0; i < 4000 && w.n < n; i++) run_cycles(t, 1);
    t_tap_off(&w.tap);
    return w.n;
}

uint64_t reqs(struct tctx *t, unsigned purp)
{
    return t->b->link.st.total[purp].requests;
}

void hand_post(struct tctx *t, bool packed, unsigned n, uint32_t len, unsigned bad)
{
    uint8_t buf[0x100];
    cr_assert(len <= sizeof buf);
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = BUFS + 0x100ull * i;
        memset(buf, 0x40 + (int)i, sizeof buf);
        hm_w(t, a, buf, len);
        if (packed) {
            desc_w(t, (uint16_t)i, i == bad ? OUTSIDE : a, len, (uint16_t)i, P_AVAIL);
        } else {
            desc_w(t, (uint16_t)i, i == bad ? OUTSIDE : a, len, 0, 0);
            hm_w16(t, RING_DRV + 4 + 2u * i, (uint16_t)i);
        }
    }
    if (!packed) hm_w16(t, RING_DRV + 2, (uint16_t)n);
}

uint32_t hand_err_code(struct tctx *t)
{
    return (csr_rd(t, VDPU_CSR_ERR_INFO) & VDPU_ERR_INFO_CODE) >> VDPU_ERR_INFO_CODE_LSB;
}
