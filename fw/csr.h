/* csr.h - MMIO accessors for the device's firmware CSR block (offsets from the generated register map). */
#ifndef VDPU_FW_CSR_H
#define VDPU_FW_CSR_H

#include <stdint.h>

#include "vdpu_regmap.h"

/* The SoC maps the CSR block at this base; offsets are VDPU_CSR_* (32-bit accesses only). */
#define FW_CSR_BASE 0x40000000u

static inline uint32_t dev_rd(uint32_t off) { return *(volatile uint32_t *)(FW_CSR_BASE + off); }
static inline void dev_wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(FW_CSR_BASE + off) = v; }

/* IRQ_STATUS / IRQ_ENABLE bits */
#define IRQ_EVENT 0x1u     /* event FIFO not empty */
#define IRQ_HELD 0x2u      /* a host read is held */
#define IRQ_LINK 0x4u      /* link changed */
#define IRQ_INT_ERR 0x8u   /* internal data-path error latched */

/* EV_COUNT / EV_CTRL / DP_* / LINK_STATE / INT_ACK fields */
#define EV_COUNT_MASK 0xFFu
#define EV_OVERFLOW 0x100u
#define EV_CTRL_POP 0x1u
#define EV_CTRL_CLR_OVF 0x2u
#define DP_QUIESCE 0x1u
#define DP_QUIESCED 0x1u
#define DP_ERR_LATCHED 0x2u
#define LINK_UP_LEVEL 0x1u
#define INT_ACK_LINK 0x1u
#define INT_ACK_ERR 0x2u
#define HOST_IRQ_CONFIG 0xFFFFu
#define CONFIG_UPDATE_BUSY 0x1u

/* Select queue q for the Q_* registers. */
static inline void dev_qsel(unsigned q) { dev_wr(VDPU_CSR_FW_QSEL, q); }

#endif
