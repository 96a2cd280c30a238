/* csr.h - MMIO accessors for the device's firmware CSR block (offsets from the generated register map). */
#ifndef VDPU_FW_CSR_H
#define VDPU_FW_CSR_H

#include <stdint.h>

#include "vdpu_regmap.h"

/* The SoC maps the CSR block at this base; offsets are VDPU_CSR_* (32-bit accesses only). */
#define FW_CSR_BASE 0x40000000u

static inline uint32_t dev_rd(uint32_t off) { return *(volatile uint32_t *)(FW_CSR_BASE + off); }
static inline void dev_wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(FW_CSR_BASE + off) = v; }

/* CSR bit fields are VDPU_<CSR>_<FIELD> in the generated register map (masks in place, _LSB, _WIDTH). */
/* HOST_IRQ's queue value that raises the config-change interrupt: the field's all-ones value */
#define HOST_IRQ_CONFIG VDPU_HOST_IRQ_QUEUE

/* Select queue q for the Q_* registers. */
static inline void dev_qsel(unsigned q) { dev_wr(VDPU_CSR_FW_QSEL, q); }

#endif
