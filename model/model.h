/* model.h - internal interfaces between the vdpu model's files: the edge context and each block's entry points. */
#ifndef VDPU_MODEL_H
#define VDPU_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "model_state.h"
#include "vdpu_dev.h"

/*
 * One rising edge. Every block reads only `pre` (the state before the edge)
 * and writes only `next` (a copy of it that becomes the state after the
 * edge). Blocks run in the order the contract fixes - host request, then
 * firmware request, then the MSI-X sender - so a later block's write to the
 * same storage wins, which is exactly "firmware wins a same-edge conflict".
 */
struct vdpu_edge {
    const struct vdpu_state *pre;
    struct vdpu_state *next;
    enum vdpu_model_fault fault;
    bool ev_req; /* the host access asked for an event push (whether or not the FIFO had room) */
    struct vdpu_eng_bufs *bufs; /* the live engine buffers (updated in place, see model_state.h) */
    bool dmareq_ready;  /* input of this edge: the DMA output register drains */
    uint32_t warp;      /* input of this edge: extra cycles it stands for (idle skipping; timers count 1 + warp) */
    bool dmareq_loaded; /* the engine loaded the DMA output register at this edge */
    bool dev_reset;     /* firmware's DEV_RESET acted at this edge */
    bool steer_clear;   /* firmware wrote MQ_PAIRS at this edge: the steering flow table empties */
    bool eng_irq;       /* the queue engine raises the interrupt of queue eng_irq_q at this edge */
    uint16_t eng_irq_q; /* ... (through the coalescer, model_irq_coal_edge) */
    bool eng_service;   /* the engine served a queue at this edge (a state other than IDLE, or a pick):
                         * only then may it write its service arrays (model_state.h) */
    bool eng_moved;     /* the engine's edge was evaluated (it was not at rest): its reads' states may change */
    bool eng_ahead;     /* the engine wrote its run-ahead buffers (pcx, pcy, pcz) at this edge: the only edges
                         * that may (a beat of a read ahead, the buffers moving up, one taken over) */
};

/* Bits of config-space registers the device acts on (PCI spec values; the regmap names only the fields). */
#define PCI_COMMAND_MEMORY        0x0002u /* memory space enable (MSE) */
#define PCI_COMMAND_MASTER        0x0004u /* bus master enable (BME) */
#define PCI_COMMAND_INTX_DISABLE  0x0400u
#define PCI_STATUS_INTERRUPT      0x0008u /* Status bit 3: INTx interrupt pending in the function */
#define PCI_MSIX_CTRL_ENABLE      0x8000u
#define PCI_MSIX_CTRL_FUNC_MASK   0x4000u
#define PCI_MSIX_ENTRY_CTRL_MASK  0x1u

/* virtio spec values */
#define VIRTIO_ISR_QUEUE          0x1u
#define VIRTIO_ISR_CONFIG         0x2u
#define VIRTIO_NO_VECTOR          0xFFFFu /* also HOST_IRQ's "config change" index */

/* The outcome of one host access to config space or BAR0. */
struct host_result {
    uint8_t status;   /* VDPU_CPL_* */
    uint64_t data;    /* read data, already zero-extended to the access size */
    bool held;        /* an exact legal read of a policy field: may have to wait for firmware */
    bool held_gen;    /* an exact legal read of config_generation: waits while firmware updates device cfg */
    uint64_t bar_off; /* BAR0 offset actually accessed (MEM or window), for HELD_TIMEOUT */
};

/* Little-endian helpers over byte arrays and access widths. */
static inline uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}
static inline uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint16_t le16_at(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* cfg_space.c */
void model_cfg_reset(struct vdpu_state *s);
void model_cfg_access(struct vdpu_edge *e, const vdpu_hreq_t *req, bool write, struct host_result *r);
bool model_cfg_mem_enabled(const struct vdpu_state *s);
bool model_cfg_bus_master(const struct vdpu_state *s);
bool model_cfg_intx_disabled(const struct vdpu_state *s);
bool model_cfg_msix_enabled(const struct vdpu_state *s);
bool model_cfg_msix_func_masked(const struct vdpu_state *s);
uint64_t model_cfg_bar0_base(const struct vdpu_state *s);

/* bar.c: MEM decode (MSE, range) and the BAR0 region decoder shared with the PCI cfg window */
void model_mem_access(struct vdpu_edge *e, const vdpu_hreq_t *req, bool write, struct host_result *r);
void model_bar_access(struct vdpu_edge *e, uint64_t off, unsigned size, bool write, uint64_t wdata,
                      struct host_result *r);

/* common_cfg.c: the virtio common cfg structure (off is relative to the region) */
void model_common_cfg_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, uint64_t wdata,
                             struct host_result *r);

/* dev_regions.c: notify, ISR and device cfg regions */
void model_notify_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, uint64_t wdata,
                         struct host_result *r);
void model_isr_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, struct host_result *r);
void model_devcfg_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, struct host_result *r);
void model_vqstate_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, struct host_result *r);
void model_mig_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, uint64_t wdata,
                      struct host_result *r);

/* msix.c: table, PBA, pending bits, the message sender and the legacy interrupt */
void model_msix_reset(struct vdpu_state *s);
void model_msix_table_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, uint64_t wdata,
                             struct host_result *r);
void model_msix_pba_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, struct host_result *r);
void model_irq_raise(struct vdpu_edge *e, uint16_t queue_or_config);
void model_queue_irq(struct vdpu_edge *e, uint16_t queue);
/* The quiet output (idle contract) of a state. */
bool model_quiet(const struct vdpu_state *s);
/* The wake output: edges before a running timer acts (UINT32_MAX: none runs). */
uint32_t model_wake(const struct vdpu_state *s);
void model_msix_sender_edge(struct vdpu_edge *e);
bool model_msix_sendable(const struct vdpu_state *s);
bool model_intx_pending(const struct vdpu_state *s);
bool model_intx_level(const struct vdpu_state *s);

/* irq_coal.c: queue interrupt coalescing (ENG_COAL) after the engine at every edge, and its part of
 * the idle contract (every deferred interrupt's timer only counts; the edges before the first fires) */
void model_irq_coal_edge(struct vdpu_edge *e);
bool model_irq_coal_waits(const struct vdpu_state *s);
uint32_t model_irq_coal_wake(const struct vdpu_state *s);

/* evq.c: host policy writes -> firmware event FIFO */
void model_evq_push(struct vdpu_edge *e, uint8_t kind, uint16_t queue, uint32_t data, uint64_t bar_off);
void model_evq_pop(struct vdpu_edge *e);
uint32_t model_evq_head_info(const struct vdpu_state *s);
uint32_t model_evq_head_data(const struct vdpu_state *s);

/* fw_csr.c: firmware port and CSR block */
void model_fw_csr_reset(struct vdpu_state *s);
void model_fw_csr_edge(struct vdpu_edge *e, const vdpu_fwreq_t *req);
void model_fw_err(struct vdpu_edge *e, uint8_t code);
void model_virtio_reset(struct vdpu_state *n);
uint8_t model_fw_irq_status(const struct vdpu_state *s);

/* completer.c: hreq -> hcpl FSM, completion register */
void model_completer_reset(struct vdpu_state *s);
void model_completer_edge(struct vdpu_edge *e, const vdpu_in_t *in);
bool model_hold_waits(const struct vdpu_state *s);

/* diag.c: the diag register, raised by the completer and every region decoder (which therefore
 * never call back into the completer) */
void model_diag(struct vdpu_edge *e, uint8_t code, uint64_t addr);
/* A BAR/cfg access that reads 0 / ignores the write and raises `code`. */
void model_access_fault(struct vdpu_edge *e, uint8_t code, uint64_t addr, struct host_result *r);

/* dma_out.c: the DMA request output register, shared by the engine (first) and the MSI-X sender */
void model_dma_out_edge(struct vdpu_edge *e);
bool model_dma_out_free(const struct vdpu_edge *e);
void model_dma_out_load(struct vdpu_edge *e, const vdpu_dmareq_t *r);
/* dirty page log: marks after each logged DMA write, first loader of the output register */
void model_dirty_log_edge(struct vdpu_edge *e);

/* netio.c: network port registers (nrx into the RX frame buffers, the ntx output register) */
void model_netio_edge(struct vdpu_edge *e, const vdpu_in_t *in);
void model_rx_free(struct vdpu_edge *e);
/* The ports' beats (their data fields, from the register map's port definitions): a DMA request's or
 * completion's, and the network port's, whose keep marks contiguous low bytes */
#define DMA_BEAT_BYTES ((unsigned)sizeof(((vdpu_dmacpl_t *)0)->data))
#define NET_BEAT_BYTES ((unsigned)sizeof(((vdpu_nrx_t *)0)->data))
_Static_assert(sizeof(((vdpu_dmareq_t *)0)->data) == DMA_BEAT_BYTES, "DMA write and read beats are alike");
_Static_assert(NET_BEAT_BYTES == 32 && sizeof(((vdpu_ntx_t *)0)->data) == NET_BEAT_BYTES &&
                   sizeof(((vdpu_nrx_t *)0)->keep) * 8 == NET_BEAT_BYTES,
               "a network beat's keep is one bit per byte, in a 32-bit mask");
/* a network beat's byte count: its keep counted up to the first clear bit */
static inline unsigned model_keep_bytes(uint32_t keep)
{
    return ~keep ? (unsigned)__builtin_ctz(~keep) : NET_BEAT_BYTES;
}
/* the oldest frame's buffer: the one the engine serves */
static inline const struct vdpu_rx_slot *model_rx_head(const struct vdpu_state *s)
{
    return &s->eng.rxs[s->eng.rx_head];
}
/* a complete frame that predates no device reset waits for the engine */
static inline bool model_rx_waiting(const struct vdpu_state *s)
{
    return model_rx_head(s)->full && !model_rx_head(s)->stale;
}
/* the buffer an arriving frame fills: the head's while it holds no complete frame, else the other */
static inline unsigned model_rx_fill_slot(const struct vdpu_state *s)
{
    return model_rx_head(s)->full ? s->eng.rx_head ^ 1u : s->eng.rx_head;
}
/* nrx_frames: the buffers holding a frame, waiting or arriving */
static inline uint8_t model_rx_frames(const struct vdpu_state *s)
{
    uint8_t k = 0;
    for (unsigned i = 0; i < VDPU_RX_FRAME_BUFS; i++) k += s->eng.rxs[i].full || s->eng.rxs[i].len;
    return k;
}
/* nrx_ready: the arriving frame has a free buffer */
static inline bool model_nrx_ready(const struct vdpu_state *s)
{
    return !s->eng.rxs[model_rx_fill_slot(s)].full;
}
bool model_ntx_free(const struct vdpu_edge *e, const vdpu_in_t *in);
void model_ntx_load(struct vdpu_edge *e, const vdpu_ntx_t *beat);

/* fw_dma.c: the firmware DMA channel (after the engine, before the MSI-X sender on the DMA output) */
void model_fwdma_reset(struct vdpu_state *s);
bool model_fwdma_cpl_mine(const struct vdpu_state *s, const vdpu_in_t *in);
void model_fwdma_start(struct vdpu_edge *e, uint32_t ctrl);
void model_fwdma_edge(struct vdpu_edge *e, const vdpu_in_t *in);
uint32_t model_fwdma_status(const struct vdpu_state *s);
/* idle contract: the channel is idle or only waits for a read completion (its timeout not due); the
 * edges before that timeout fires (UINT32_MAX: none runs) */
bool model_fwdma_quiet(const struct vdpu_state *s);
uint32_t model_fwdma_wake(const struct vdpu_state *s);

/* rx_filter.c: the RX filter's verdict on a complete frame */
bool model_rxf_accept(const struct vdpu_state *s, const uint8_t dst[6], uint32_t len);

/* rx_steer.c: multiqueue RX steering (flow table written by TX, read by the scheduler) */
void model_steer_edge(struct vdpu_edge *e, const vdpu_in_t *in);
uint16_t model_steer_rx_queue(const struct vdpu_state *s);
uint32_t model_steer_flows(const struct vdpu_state *s); /* MQ_FLOWS: valid entries, bit i = entry i */

/*
 * [addr, addr+len) inside the host memory window [base, base+size), in exact (65-bit) arithmetic: the
 * one rule of the queue engine's descriptor checks and the firmware DMA channel (RTL vdpu_pkg's
 * in_window). Both check len > 0 first; a zero length at the window's end would count as inside.
 */
static inline bool model_in_window(uint64_t base, uint64_t size, uint64_t addr, uint32_t len)
{
    return addr >= base && len <= size && addr - base <= size - len;
}

/*
 * Completion timeout (CPL_TIMEOUT; docs/queue-engine.md "PCIe faults"), the same rule for the engine
 * and the firmware DMA channel: while a read is outstanding, a counter of edges without a completion
 * beat for it (1 + warp per edge, like the held-read timer); a beat or the end of the wait starts it
 * again, timeout 0 keeps it at 0. The edge after `timeout` such edges fails the read.
 */
static inline uint32_t model_cto_next(bool waiting, bool beat, uint32_t cnt, uint32_t timeout, uint32_t warp)
{
    return (!waiting || beat || !timeout) ? 0 : cnt + 1 + warp;
}
static inline bool model_cto_expired(uint32_t cnt, uint32_t timeout) { return timeout && cnt >= timeout; }
/* edges the running timer only counts before it fires (UINT32_MAX: no timeout) */
static inline uint32_t model_cto_wake(uint32_t cnt, uint32_t timeout)
{
    return !timeout ? UINT32_MAX : cnt < timeout ? timeout - cnt : 0;
}

/* qeng.c: the queue engine FSM */
void model_qeng_reset(struct vdpu_state *s);
/* the engine's derived summary (vdpu_eng ev_sts, ra_sts) from its reads: at the end of every edge */
void model_qeng_summarize(struct vdpu_state *s);
#ifdef VDPU_MODEL_CHECK
bool model_qeng_summary_current(const struct vdpu_state *s);
#endif
void model_qeng_edge(struct vdpu_edge *e, const vdpu_in_t *in);
/* After the engine's edge: notification data the engine moved past is retired (every queue). */
void model_qeng_nd_retire(struct vdpu_edge *e);
bool model_qeng_cpl_expected(const struct vdpu_state *s, uint8_t tag);
/* idle contract: the engine only waits for a read completion at the next edge (RD_WAIT, its completion
 * timeout not due); the edges before that timeout fires (UINT32_MAX: no read outstanding or no timeout) */
bool model_qeng_waits(const struct vdpu_state *s);
uint32_t model_qeng_wake(const struct vdpu_state *s);
void model_qeng_queue_clear(struct vdpu_queue_ctx *q);
uint32_t model_qeng_status(const struct vdpu_state *s);
/* the engine idle: IDLE, no interrupt decision pending */
bool model_qeng_idle(const struct vdpu_state *s);
bool model_qeng_rx_held(const struct vdpu_state *s);

#endif
