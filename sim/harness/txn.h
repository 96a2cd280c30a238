/* txn.h - port transactions: what crossed a device port in one cycle, formatted, compared and hashed. */
#ifndef VDPU_TXN_H
#define VDPU_TXN_H

#include <stddef.h>
#include <stdint.h>

#include "vdpu_regmap.h"

enum vdpu_chan {
    VDPU_CH_HREQ,   /* host request accepted by the device */
    VDPU_CH_HCPL,   /* completion taken by the host */
    VDPU_CH_DMAREQ, /* DMA request (incl. MSI-X) taken by the link */
    VDPU_CH_DMACPL, /* DMA completion taken by the device */
    VDPU_CH_FWREQ,  /* firmware CSR request */
    VDPU_CH_FWRSP,  /* firmware CSR response */
    VDPU_CH_DIAG,   /* host-access diagnostic */
    VDPU_CH_IRQ,    /* a change of the fw_irq / intx levels */
    VDPU_CH_NTX,    /* network port beat from the device */
    VDPU_CH_NRX,    /* network port beat into the device */
    VDPU_CH_COUNT
};
extern const char *const vdpu_chan_names[VDPU_CH_COUNT];

typedef struct vdpu_txn {
    uint64_t cycle;
    uint8_t chan;
    union {
        vdpu_hreq_t hreq;
        vdpu_hcpl_t hcpl;
        vdpu_dmareq_t dmareq;
        vdpu_dmacpl_t dmacpl;
        vdpu_fwreq_t fwreq;
        vdpu_fwrsp_t fwrsp;
        vdpu_diag_t diag;
        struct { uint8_t fw_irq; bool intx; } irq;
        vdpu_ntx_t ntx;
        vdpu_nrx_t nrx;
    } u;
} vdpu_txn_t;

/* Fields of a transaction as "name=value" pairs (no cycle); returns the length. */
int vdpu_txn_format(const vdpu_txn_t *t, char *buf, size_t len);

/* Same channel and same fields (the cycle is not compared). */
bool vdpu_txn_equal(const vdpu_txn_t *a, const vdpu_txn_t *b);

/* Every handshake of one cycle, given the inputs driven and the outputs seen;
 * irq_prev holds the last irq levels (updated). Returns the count written to
 * txns (at most VDPU_CH_COUNT). */
/* The interrupt levels the monitor logs a transaction for when they change (fw_irq, intx in bit 8). */
static inline uint16_t vdpu_irq_level(const vdpu_out_t *out) { return (uint16_t)(out->fw_irq | (out->intx ? 0x100 : 0)); }
int vdpu_txn_collect(const vdpu_in_t *in, const vdpu_out_t *out, uint64_t cycle, uint16_t *irq_prev,
                     vdpu_txn_t *txns);

/* Running 64-bit digest of the transactions: FNV-1a's multiply on 64-bit words (txn.c). */
#define VDPU_DIGEST_INIT 0xcbf29ce484222325ull
uint64_t vdpu_digest_txn(uint64_t h, const vdpu_txn_t *t);

#endif
