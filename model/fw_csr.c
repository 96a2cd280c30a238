/* fw_csr.c - the firmware port (fwreq -> fwrsp) and its CSR block: storage, status views and action registers. */
#include <stddef.h>
#include <string.h>

#include "model.h"

#define ENG_CTRL_BITS          ((1u << VDPU_ENGCTRL_COUNT) - 1) /* the defined ENGCTRL_* bits */

/* Host-visible virtio state back to its reset values: DEV_RESET bit0, and part of power-on reset. */
void model_virtio_reset(struct vdpu_state *n)
{
    n->device_status = VDPU_CSR_DEVICE_STATUS_RESET;
    n->msix_config = VDPU_CSR_MSIX_CONFIG_RESET;
    n->device_feature_select = 0;
    n->driver_feature_select = 0;
    for (unsigned i = 0; i < VDPU_FEAT_WORDS; i++) n->drv_feature[i] = 0;
    n->queue_select = 0;
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
        n->queue[q] = (struct vdpu_queue_ctx){
            .size = VDPU_CSR_Q_SIZE_RESET,
            .msix_vector = VDPU_CSR_Q_MSIX_RESET,
            .enable = VDPU_CSR_Q_ENABLE_RESET,
            .reset = VDPU_CSR_Q_RESET_RESET,
            .desc_lo = VDPU_CSR_Q_DESC_LO_RESET,
            .desc_hi = VDPU_CSR_Q_DESC_HI_RESET,
            .driver_lo = VDPU_CSR_Q_AVAIL_LO_RESET,
            .driver_hi = VDPU_CSR_Q_AVAIL_HI_RESET,
            .device_lo = VDPU_CSR_Q_USED_LO_RESET,
            .device_hi = VDPU_CSR_Q_USED_HI_RESET,
        };
        model_qeng_queue_clear(&n->queue[q]);
    }
    n->isr = VDPU_CSR_ISR_RESET;
    /* The function's interrupt state goes with the device: a message pending on a masked vector
     * before the reset is not delivered after it. The MSI-X table (address, data, mask) is PCI
     * config state the OS owns and stays. */
    n->msix_pending = 0;
    n->eng.qerr = VDPU_CSR_QERR_RESET; /* stopped queues restart with the device */
    n->steer.pairs = VDPU_CSR_MQ_PAIRS_RESET; /* the spec: after reset only receiveq1 (the table empties too) */
}

void model_fw_csr_reset(struct vdpu_state *s)
{
    model_virtio_reset(s);
    s->config_gen = VDPU_CSR_CONFIG_GEN_RESET;
    s->cfg_update = VDPU_CSR_CONFIG_UPDATE_RESET & 1;
    s->num_queues = VDPU_CSR_NUMQ_RESET;
    s->dev_feature[0] = VDPU_CSR_DEV_FEATURE0_RESET;
    s->dev_feature[1] = VDPU_CSR_DEV_FEATURE1_RESET;
    s->dev_feature[2] = VDPU_CSR_DEV_FEATURE2_RESET;
    s->dev_feature[3] = VDPU_CSR_DEV_FEATURE3_RESET;
    s->net_mac_lo = VDPU_CSR_NET_MAC_LO_RESET;
    s->net_mac_hi = VDPU_CSR_NET_MAC_HI_RESET;
    s->net_status = VDPU_CSR_NET_STATUS_RESET;
    s->net_max_qp = VDPU_CSR_NET_MAX_QP_RESET;
    s->net_mtu = VDPU_CSR_NET_MTU_RESET;
    s->scratch = VDPU_CSR_SCRATCH_RESET;
    s->irq_enable = VDPU_CSR_IRQ_ENABLE_RESET;
    s->hold_timeout = VDPU_CSR_HOLD_TIMEOUT_RESET;
    s->cpl_timeout = VDPU_CSR_CPL_TIMEOUT_RESET;
    memset(&s->dlog, 0, sizeof s->dlog); /* the hypervisor's, not the driver's: DEV_RESET keeps it */
    s->dlog.ctrl = VDPU_CSR_LOG_CTRL_RESET;
    s->mig_status = VDPU_CSR_MIG_STATUS_RESET;
    s->mig_data = VDPU_CSR_MIG_DATA_RESET;
    s->mig_ram_idx = VDPU_CSR_MIG_RAM_IDX_RESET;
    memset(s->mig_ram, 0, sizeof s->mig_ram); /* power-on (a RAM: the RTL starts it at 0 in simulation) */
    s->mig_ram_gen++;
    s->hold_timeouts = 0;
    s->diag_count = VDPU_CSR_DIAG_COUNT_RESET;
    s->diag_last = VDPU_CSR_DIAG_LAST_RESET;
    s->notify_count = VDPU_CSR_NOTIFY_COUNT_RESET;
    s->fw_err = VDPU_CSR_FW_ERR_RESET;
    s->fw_qsel = VDPU_CSR_FW_QSEL_RESET;
    s->evq_head = 0;
    s->evq_count = 0;
    s->evq_overflow = false;
    s->quiesce = VDPU_CSR_DP_CTRL_RESET & 1;
    s->dp_err = (VDPU_CSR_DP_STATUS_RESET & VDPU_DP_STATUS_ERR) != 0;
    s->link = VDPU_CSR_LINK_STATE_RESET & 1;
    s->link_chg = (VDPU_CSR_LINK_STATE_RESET & VDPU_LINK_STATE_CHANGED) != 0;
    s->ctrlq = VDPU_CSR_CTRLQ_RESET;
    s->eng.ctrl = VDPU_CSR_ENG_CTRL_RESET & ENG_CTRL_BITS;
    s->eng.param = VDPU_CSR_ENG_PARAM_RESET;
    s->eng.coal = VDPU_CSR_ENG_COAL_RESET;
    s->eng.hm_base = (uint64_t)VDPU_CSR_HOSTMEM_BASE_HI_RESET << 32 | VDPU_CSR_HOSTMEM_BASE_LO_RESET;
    s->eng.hm_size = (uint64_t)VDPU_CSR_HOSTMEM_SIZE_HI_RESET << 32 | VDPU_CSR_HOSTMEM_SIZE_LO_RESET;
    s->eng.err_info = VDPU_CSR_ERR_INFO_RESET;
    s->rxf.ctrl = VDPU_CSR_RXF_CTRL_RESET & (VDPU_RXF_CTRL_ALL | VDPU_RXF_CTRL_ALLMULTI | VDPU_RXF_CTRL_ALLUNI);
}

/* FW_ERR = {count, code}: the last code, and a saturating count of all of them. */
void model_fw_err(struct vdpu_edge *e, uint8_t code)
{
    uint32_t count = e->next->fw_err >> VDPU_FW_ERR_COUNT_LSB;
    if (count < 0xFFFF) count++;
    e->next->fw_err = count << VDPU_FW_ERR_COUNT_LSB | code;
}

uint8_t model_fw_irq_status(const struct vdpu_state *s)
{
    return (uint8_t)((s->evq_count ? VDPU_IRQ_STATUS_EVENT : 0) | (s->completer == VDPU_COMPLETER_HOLD ? VDPU_IRQ_STATUS_HELD : 0) |
                     (s->link_chg ? VDPU_IRQ_STATUS_LINK : 0) | (s->dp_err ? VDPU_IRQ_STATUS_INT_ERR : 0));
}

/* The CSR at each word offset (table index + 1; 0: none), filled once before main: every firmware
 * access looks its register up. The table spans the whole 16-bit CSR address, so a register the map
 * places anywhere is found (a smaller one would silently miss registers placed past it) */
#define CSR_WORDS (1u << 14)
static uint8_t csr_at[CSR_WORDS];
_Static_assert(VDPU_N_CSRS < 256, "csr_at holds a table index");
_Static_assert(sizeof(((struct vdpu_csr_desc *)0)->off) == 2 && sizeof(((vdpu_fwreq_t *)0)->addr) == 2,
               "CSR offsets and firmware addresses are 16 bits: csr_at covers them all");

__attribute__((constructor)) static void csr_at_fill(void)
{
    for (unsigned i = 0; i < VDPU_N_CSRS; i++)
        csr_at[vdpu_csr_table[i].off / 4] = (uint8_t)(i + 1);
}

static const struct vdpu_csr_desc *csr_lookup(uint16_t off)
{
    if (off % 4 || !csr_at[off / 4]) return NULL;
    return &vdpu_csr_table[csr_at[off / 4] - 1];
}

/* FWDMA_DATA0..15: the channel's buffer, four bytes per register (byte 0 in [7:0]). */
static bool is_fwdma_data(uint16_t off)
{
    return off >= VDPU_CSR_FWDMA_DATA0 && off <= VDPU_CSR_FWDMA_DATA15;
}

/* RXF_MAC_LO0/HI0 .. LO3/HI3, interleaved */
static bool is_rxf_mac(uint16_t off)
{
    return off >= VDPU_CSR_RXF_MAC_LO0 && off <= VDPU_CSR_RXF_MAC_HI3;
}

/* Q_* registers address the queue FW_QSEL names. */
static bool is_queue_csr(uint16_t off)
{
    return off >= VDPU_CSR_Q_SIZE && off <= VDPU_CSR_Q_KICK;
}

/* A ring position: {wrap, index} as Q_AVAIL_POS / Q_USED_POS and VQSTATE show it (one layout, checked). */
_Static_assert(VDPU_Q_AVAIL_POS_IDX == VDPU_Q_USED_POS_IDX && VDPU_Q_AVAIL_POS_WRAP == VDPU_Q_USED_POS_WRAP,
               "Q_AVAIL_POS and Q_USED_POS share ring_pos's layout");
static uint32_t ring_pos(uint16_t idx, bool wrap)
{
    return (uint32_t)idx << VDPU_Q_AVAIL_POS_IDX_LSB | (uint32_t)wrap << VDPU_Q_AVAIL_POS_WRAP_LSB;
}

/* Value of a readable CSR (mapped, not WO, FW_QSEL valid for Q_*). */
static uint32_t csr_value(const struct vdpu_state *s, uint16_t off)
{
    const struct vdpu_queue_ctx *q = &s->queue[s->fw_qsel < VDPU_NUM_QUEUES ? s->fw_qsel : 0];

    if (is_fwdma_data(off)) return le32_at(s->fwdma.buf + (off - VDPU_CSR_FWDMA_DATA0));
    if (is_rxf_mac(off)) {
        unsigned i = (off - VDPU_CSR_RXF_MAC_LO0) / 8;
        return (off - VDPU_CSR_RXF_MAC_LO0) % 8 ? s->rxf.mac_hi[i] : s->rxf.mac_lo[i];
    }
    switch (off) {
    case VDPU_CSR_ID: return VDPU_CSR_ID_RESET;
    case VDPU_CSR_VERSION: return VDPU_CSR_VERSION_RESET;
    case VDPU_CSR_SCRATCH: return s->scratch;
    case VDPU_CSR_PARAMS: return VDPU_CSR_PARAMS_RESET;
    case VDPU_CSR_IRQ_ENABLE: return s->irq_enable;
    case VDPU_CSR_IRQ_STATUS: return model_fw_irq_status(s);
    case VDPU_CSR_EV_COUNT: return s->evq_count | (s->evq_overflow ? VDPU_EV_COUNT_OVERFLOW : 0);
    case VDPU_CSR_EV_HEAD_INFO: return model_evq_head_info(s);
    case VDPU_CSR_EV_HEAD_DATA: return model_evq_head_data(s);
    case VDPU_CSR_HOLD_TIMEOUT: return s->hold_timeout;
    case VDPU_CSR_HOLD_STATUS:
        return (s->completer == VDPU_COMPLETER_HOLD ? VDPU_HOLD_STATUS_HELD : 0) |
               (uint32_t)s->hold_timeouts << VDPU_HOLD_STATUS_TIMEOUTS_LSB;
    case VDPU_CSR_DIAG_COUNT: return s->diag_count;
    case VDPU_CSR_DIAG_LAST: return s->diag_last;
    case VDPU_CSR_DEVICE_STATUS: return s->device_status;
    case VDPU_CSR_CONFIG_GEN: return s->config_gen;
    case VDPU_CSR_CONFIG_UPDATE: return s->cfg_update;
    case VDPU_CSR_NUMQ: return s->num_queues;
    case VDPU_CSR_MSIX_CONFIG: return s->msix_config;
    case VDPU_CSR_ISR: return s->isr;
    case VDPU_CSR_NOTIFY_COUNT: return s->notify_count;
    case VDPU_CSR_FW_ERR: return s->fw_err;
    case VDPU_CSR_DEV_FEATURE0:
    case VDPU_CSR_DEV_FEATURE1:
    case VDPU_CSR_DEV_FEATURE2:
    case VDPU_CSR_DEV_FEATURE3: return s->dev_feature[(off - VDPU_CSR_DEV_FEATURE0) / 4];
    case VDPU_CSR_DRV_FEATURE0:
    case VDPU_CSR_DRV_FEATURE1:
    case VDPU_CSR_DRV_FEATURE2:
    case VDPU_CSR_DRV_FEATURE3: return s->drv_feature[(off - VDPU_CSR_DRV_FEATURE0) / 4];
    case VDPU_CSR_FW_QSEL: return s->fw_qsel;
    case VDPU_CSR_Q_SIZE: return q->size;
    case VDPU_CSR_Q_MSIX: return q->msix_vector;
    case VDPU_CSR_Q_ENABLE: return q->enable;
    case VDPU_CSR_Q_RESET: return q->reset;
    case VDPU_CSR_Q_DESC_LO: return q->desc_lo;
    case VDPU_CSR_Q_DESC_HI: return q->desc_hi;
    case VDPU_CSR_Q_AVAIL_LO: return q->driver_lo;
    case VDPU_CSR_Q_AVAIL_HI: return q->driver_hi;
    case VDPU_CSR_Q_USED_LO: return q->device_lo;
    case VDPU_CSR_Q_USED_HI: return q->device_hi;
    case VDPU_CSR_Q_AVAIL_POS: return ring_pos(q->last_avail, q->avail_wrap);
    case VDPU_CSR_Q_USED_POS: return ring_pos(q->used_idx, q->used_wrap);
    case VDPU_CSR_Q_KICK: return q->kick;
    case VDPU_CSR_NET_MAC_LO: return s->net_mac_lo;
    case VDPU_CSR_NET_MAC_HI: return s->net_mac_hi;
    case VDPU_CSR_NET_STATUS: return s->net_status;
    case VDPU_CSR_NET_MAX_QP: return s->net_max_qp;
    case VDPU_CSR_NET_MTU: return s->net_mtu;
    case VDPU_CSR_DP_CTRL: return s->quiesce;
    /* quiesced once no DMA request is waiting in the output register */
    /* quiesced: no request waiting in the output register and the engine idle (no read outstanding,
     * no buffer half done) - the RTL's rule; the engine itself stops only in IDLE */
    case VDPU_CSR_DP_STATUS:
        return (uint32_t)(s->quiesce && !s->dmareq_valid && model_qeng_idle(s)) | (uint32_t)s->dp_err << VDPU_DP_STATUS_ERR_LSB;
    case VDPU_CSR_LINK_STATE: return (uint32_t)s->link << VDPU_LINK_STATE_UP_LSB | (uint32_t)s->link_chg << VDPU_LINK_STATE_CHANGED_LSB;
    case VDPU_CSR_CTRLQ: return s->ctrlq;
    case VDPU_CSR_ENG_CTRL: return s->eng.ctrl;
    case VDPU_CSR_ENG_PARAM: return s->eng.param;
    case VDPU_CSR_ENG_COAL: return s->eng.coal;
    case VDPU_CSR_CPL_TIMEOUT: return s->cpl_timeout;
    case VDPU_CSR_LOG_CTRL: return s->dlog.ctrl;
    case VDPU_CSR_LOG_BASE_LO: return (uint32_t)s->dlog.base;
    case VDPU_CSR_LOG_BASE_HI: return (uint32_t)(s->dlog.base >> 32);
    case VDPU_CSR_LOG_RANGE_LO: return (uint32_t)s->dlog.range;
    case VDPU_CSR_LOG_RANGE_HI: return (uint32_t)(s->dlog.range >> 32);
    case VDPU_CSR_LOG_PAGES: return s->dlog.pages;
    case VDPU_CSR_LOG_STATUS: return (uint32_t)s->dlog.oor << VDPU_LOG_STATUS_OOR_LSB;
    case VDPU_CSR_LOG_MARKS: return s->dlog.marks;
    case VDPU_CSR_MIG_STATUS: return s->mig_status;
    case VDPU_CSR_MIG_DATA: return s->mig_data;
    case VDPU_CSR_MIG_RAM_IDX: return s->mig_ram_idx;
    case VDPU_CSR_MIG_RAM_DATA: return s->mig_ram[s->mig_ram_idx];
    case VDPU_CSR_HOSTMEM_BASE_LO: return (uint32_t)s->eng.hm_base;
    case VDPU_CSR_HOSTMEM_BASE_HI: return (uint32_t)(s->eng.hm_base >> 32);
    case VDPU_CSR_HOSTMEM_SIZE_LO: return (uint32_t)s->eng.hm_size;
    case VDPU_CSR_HOSTMEM_SIZE_HI: return (uint32_t)(s->eng.hm_size >> 32);
    case VDPU_CSR_ENG_STATUS: return model_qeng_status(s);
    case VDPU_CSR_QERR: return s->eng.qerr;
    case VDPU_CSR_ERR_INFO: return s->eng.err_info;
    case VDPU_CSR_FWDMA_ADDR_LO: return (uint32_t)s->fwdma.addr;
    case VDPU_CSR_FWDMA_ADDR_HI: return (uint32_t)(s->fwdma.addr >> 32);
    case VDPU_CSR_FWDMA_LEN: return s->fwdma.len;
    case VDPU_CSR_FWDMA_STATUS: return model_fwdma_status(s);
    case VDPU_CSR_RXF_CTRL: return s->rxf.ctrl;
    case VDPU_CSR_RXF_DROPPED: return s->rxf.dropped;
    case VDPU_CSR_MQ_PAIRS: return s->steer.pairs;
    case VDPU_CSR_MQ_FLOWS: return model_steer_flows(s);
    case VDPU_CSR_STEER_IDX: return s->steer.fw_idx;
    case VDPU_CSR_STEER_ENT: return s->steer.tbl[s->steer.fw_idx];
    }
    return 0; /* WO registers read 0 */
}

/* Store into an RW CSR; the field types truncate to the documented widths (8/16/32). */
static void csr_store(struct vdpu_state *n, uint16_t qsel, uint16_t off, uint32_t v)
{
    struct vdpu_queue_ctx *q = &n->queue[qsel < VDPU_NUM_QUEUES ? qsel : 0];

    if (is_fwdma_data(off)) {
        uint8_t *b = n->fwdma.buf + (off - VDPU_CSR_FWDMA_DATA0);
        for (unsigned i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i));
        return;
    }
    if (is_rxf_mac(off)) {
        unsigned i = (off - VDPU_CSR_RXF_MAC_LO0) / 8;
        if ((off - VDPU_CSR_RXF_MAC_LO0) % 8) n->rxf.mac_hi[i] = v & (VDPU_RXF_MAC_HI0_MAC | VDPU_RXF_MAC_HI0_VALID);
        else n->rxf.mac_lo[i] = v;
        return;
    }
    switch (off) {
    case VDPU_CSR_SCRATCH: n->scratch = v; break;
    case VDPU_CSR_IRQ_ENABLE: n->irq_enable = v; break;
    case VDPU_CSR_HOLD_TIMEOUT: n->hold_timeout = v; break;
    case VDPU_CSR_DEVICE_STATUS: n->device_status = (uint8_t)v; break;
    case VDPU_CSR_CONFIG_GEN: n->config_gen = (uint8_t)v; break;
    case VDPU_CSR_CONFIG_UPDATE: n->cfg_update = v & 1; break;
    case VDPU_CSR_NUMQ: /* never more queues than the hardware has */
        n->num_queues = (uint16_t)v < VDPU_NUM_QUEUES ? (uint16_t)v : VDPU_NUM_QUEUES;
        break;
    case VDPU_CSR_MSIX_CONFIG: n->msix_config = (uint16_t)v; break;
    case VDPU_CSR_DEV_FEATURE0:
    case VDPU_CSR_DEV_FEATURE1:
    case VDPU_CSR_DEV_FEATURE2:
    case VDPU_CSR_DEV_FEATURE3: n->dev_feature[(off - VDPU_CSR_DEV_FEATURE0) / 4] = v; break;
    case VDPU_CSR_FW_QSEL: n->fw_qsel = (uint16_t)v; break;
    case VDPU_CSR_Q_SIZE: q->size = (uint16_t)v; break;
    case VDPU_CSR_Q_MSIX: q->msix_vector = (uint16_t)v; break;
    case VDPU_CSR_Q_ENABLE:
        q->enable = (uint16_t)v;
        if (!q->enable) model_qeng_queue_clear(q); /* a disabled queue restarts from slot 0 */
        break;
    case VDPU_CSR_Q_RESET: q->reset = (uint16_t)v; break;
    case VDPU_CSR_Q_DESC_LO: q->desc_lo = v; break;
    case VDPU_CSR_Q_DESC_HI: q->desc_hi = v; break;
    case VDPU_CSR_Q_AVAIL_LO: q->driver_lo = v; break;
    case VDPU_CSR_Q_AVAIL_HI: q->driver_hi = v; break;
    case VDPU_CSR_Q_USED_LO: q->device_lo = v; break;
    case VDPU_CSR_Q_USED_HI: q->device_hi = v; break;
    case VDPU_CSR_Q_AVAIL_POS: /* a restored ring position (csr_check refused it for an enabled queue) */
        q->last_avail = (uint16_t)((v & VDPU_Q_AVAIL_POS_IDX) >> VDPU_Q_AVAIL_POS_IDX_LSB);
        q->avail_wrap = (v & VDPU_Q_AVAIL_POS_WRAP) != 0;
        break;
    case VDPU_CSR_Q_USED_POS:
        q->used_idx = (uint16_t)((v & VDPU_Q_USED_POS_IDX) >> VDPU_Q_USED_POS_IDX_LSB);
        q->used_wrap = (v & VDPU_Q_USED_POS_WRAP) != 0;
        break;
    case VDPU_CSR_NET_MAC_LO: n->net_mac_lo = v; break;
    case VDPU_CSR_NET_MAC_HI: n->net_mac_hi = (uint16_t)v; break;
    case VDPU_CSR_NET_STATUS: n->net_status = (uint16_t)v; break;
    case VDPU_CSR_NET_MAX_QP: n->net_max_qp = (uint16_t)v; break;
    case VDPU_CSR_NET_MTU: n->net_mtu = (uint16_t)v; break;
    case VDPU_CSR_DP_CTRL: n->quiesce = v & 1; break;
    case VDPU_CSR_CTRLQ: n->ctrlq = (uint16_t)v; break;
    case VDPU_CSR_ENG_CTRL: n->eng.ctrl = (uint8_t)(v & ENG_CTRL_BITS); break;
    case VDPU_CSR_ENG_PARAM: n->eng.param = v; break;
    case VDPU_CSR_ENG_COAL: n->eng.coal = v; break;
    case VDPU_CSR_CPL_TIMEOUT: n->cpl_timeout = v; break;
    case VDPU_CSR_LOG_CTRL: n->dlog.ctrl = v & (VDPU_LOG_CTRL_EN | VDPU_LOG_CTRL_SHIFT); break;
    case VDPU_CSR_LOG_BASE_LO: n->dlog.base = (n->dlog.base & ~0xFFFFFFFFull) | v; break;
    case VDPU_CSR_LOG_BASE_HI: n->dlog.base = (n->dlog.base & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    case VDPU_CSR_LOG_RANGE_LO: n->dlog.range = (n->dlog.range & ~0xFFFFFFFFull) | v; break;
    case VDPU_CSR_LOG_RANGE_HI: n->dlog.range = (n->dlog.range & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    case VDPU_CSR_LOG_PAGES: n->dlog.pages = v; break;
    case VDPU_CSR_LOG_STATUS: if (v & VDPU_LOG_STATUS_OOR) n->dlog.oor = false; break; /* write 1 to clear */
    case VDPU_CSR_MIG_STATUS: n->mig_status = v; break;
    case VDPU_CSR_MIG_DATA: n->mig_data = v; break;
    case VDPU_CSR_MIG_RAM_IDX: n->mig_ram_idx = (uint16_t)(v % (VDPU_MIG_STATE_BYTES / 4)); break;
    case VDPU_CSR_MIG_RAM_DATA: /* store, then the next dword (a host write at this edge came first) */
        n->mig_ram[n->mig_ram_idx] = v; /* n's index is pre's: nothing else writes it */
        n->mig_ram_idx = (uint16_t)((n->mig_ram_idx + 1) % (VDPU_MIG_STATE_BYTES / 4));
        n->mig_ram_gen++;
        break;
    case VDPU_CSR_HOSTMEM_BASE_LO: n->eng.hm_base = (n->eng.hm_base & ~0xFFFFFFFFull) | v; break;
    case VDPU_CSR_HOSTMEM_BASE_HI: n->eng.hm_base = (n->eng.hm_base & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    case VDPU_CSR_HOSTMEM_SIZE_LO: n->eng.hm_size = (n->eng.hm_size & ~0xFFFFFFFFull) | v; break;
    case VDPU_CSR_HOSTMEM_SIZE_HI: n->eng.hm_size = (n->eng.hm_size & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    case VDPU_CSR_FWDMA_ADDR_LO: n->fwdma.addr = (n->fwdma.addr & ~0xFFFFFFFFull) | v; break;
    case VDPU_CSR_FWDMA_ADDR_HI: n->fwdma.addr = (n->fwdma.addr & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    case VDPU_CSR_FWDMA_LEN: n->fwdma.len = (uint16_t)v; break;
    case VDPU_CSR_RXF_CTRL: n->rxf.ctrl = (uint8_t)(v & (VDPU_RXF_CTRL_ALL | VDPU_RXF_CTRL_ALLMULTI | VDPU_RXF_CTRL_ALLUNI)); break;
    case VDPU_CSR_MQ_PAIRS: n->steer.pairs = (uint16_t)v; break;
    case VDPU_CSR_STEER_IDX: n->steer.fw_idx = (uint8_t)(v % VDPU_STEER_ENTRIES); break;
    /* a clear or a transmitted frame's entry at this edge wins: model_steer_edge runs after */
    case VDPU_CSR_STEER_ENT: n->steer.tbl[n->steer.fw_idx] = (uint8_t)v; break;
    }
}

/* Action registers act on the strobed bits of wdata. */
static void csr_action(struct vdpu_edge *e, uint16_t off, uint32_t v)
{
    switch (off) {
    case VDPU_CSR_EV_CTRL:
        if (v & VDPU_EV_CTRL_POP) model_evq_pop(e);
        if (v & VDPU_EV_CTRL_CLR_OVF) e->next->evq_overflow = false;
        break;
    case VDPU_CSR_HOST_IRQ: model_irq_raise(e, (uint16_t)v); break;
    case VDPU_CSR_DEV_RESET:
        if (v & VDPU_DEV_RESET_VIRTIO) {
            /* the reset the host asked for has acted - unless the host asked again at this very edge
             * (none was pending before it, so that request is still to come) */
            bool asked_now = e->next->reset_pend && !e->pre->reset_pend;
            model_virtio_reset(e->next);
            e->next->reset_pend = asked_now;
            e->dev_reset = true; /* the RX frame buffer's contents become stale (netio.c) */
        }
        break;
    case VDPU_CSR_INT_ACK:
        if (v & VDPU_INT_ACK_LINK) e->next->link_chg = false;
        if (v & VDPU_INT_ACK_ERR) e->next->dp_err = false;
        break;
    case VDPU_CSR_CONSOLE: /* the harness prints it; the device keeps nothing */
        break;
    case VDPU_CSR_FW_ERR_SET: model_fw_err(e, (uint8_t)v); break;
    case VDPU_CSR_FWDMA_CTRL:
        if (!(v & VDPU_FWDMA_CTRL_START)) break;
        if (e->pre->fwdma.fsm != VDPU_FWDMA_IDLE) model_fw_err(e, VDPU_FWERR_FWDMA_BUSY);
        else model_fwdma_start(e, v);
        break;
    }
}

static uint32_t strobe_mask(uint8_t wstrb)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < 4; i++)
        if (wstrb >> i & 1) m |= 0xFFu << (8 * i);
    return m;
}

/* An enabled queue's geometry (size, ring addresses) and position are the engine's: the engine sizes
 * and addresses a read when it issues it, so a change in service would split a decided access. */
static bool is_live_fixed_csr(uint32_t a)
{
    return a == VDPU_CSR_Q_SIZE || (a >= VDPU_CSR_Q_DESC_LO && a <= VDPU_CSR_Q_USED_HI) ||
           a == VDPU_CSR_Q_AVAIL_POS || a == VDPU_CSR_Q_USED_POS;
}

/* The error a request earns before it touches anything, or 0. */
static uint8_t csr_check(const struct vdpu_state *s, const vdpu_fwreq_t *req, const struct vdpu_csr_desc **desc)
{
    *desc = req->addr % 4 == 0 ? csr_lookup(req->addr) : NULL;
    if (!*desc) return VDPU_FWERR_BAD_CSR;
    if (req->we && (*desc)->access == VDPU_KIND_RO) return VDPU_FWERR_BAD_CSR;
    if (is_queue_csr(req->addr) && s->fw_qsel >= VDPU_NUM_QUEUES) return VDPU_FWERR_BAD_QSEL;
    if (req->we && is_live_fixed_csr(req->addr) && s->queue[s->fw_qsel].enable) return VDPU_FWERR_Q_LIVE;
    return 0;
}

/* One firmware request: the response (read data from pre-edge state) is registered for the next cycle. */
void model_fw_csr_edge(struct vdpu_edge *e, const vdpu_fwreq_t *req)
{
    const struct vdpu_state *s = e->pre;
    const struct vdpu_csr_desc *desc;
    uint8_t err = csr_check(s, req, &desc);

    e->next->fwrsp_valid = true;
    e->next->fwrsp_rdata = 0;
    if (err) {
        model_fw_err(e, err);
        return;
    }
    if (!req->we) {
        e->next->fwrsp_rdata = desc->access == VDPU_KIND_WO ? 0 : csr_value(s, req->addr);
        return;
    }
    uint32_t m = strobe_mask(req->wstrb);
    if (desc->access == VDPU_KIND_WO) {
        if (m) csr_action(e, req->addr, req->wdata & m);
        return;
    }
    uint32_t old = csr_value(s, req->addr);
    csr_store(e->next, s->fw_qsel, req->addr, (old & ~m) | (req->wdata & m));
    if (req->addr == VDPU_CSR_MQ_PAIRS) e->steer_clear = true; /* any write: a new pair count, new flows */
}
