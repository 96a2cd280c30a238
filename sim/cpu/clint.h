/* clint.h - CLINT-style machine timer and software-interrupt block of the firmware CPU. */
#ifndef VDPU_CLINT_H
#define VDPU_CLINT_H

#include <stdint.h>

#include "rv_cpu.h"

/* Register offsets (SiFive CLINT layout, one hart). All are 32-bit words; the 64-bit ones are
 * two words, low word first. Byte and halfword reads extract from the word. */
#define CLINT_BASE 0x02000000u
#define CLINT_SIZE 0x10000u
#define CLINT_MSIP 0x0000u     /* [0] machine software interrupt pending (RW) */
#define CLINT_MTIMECMP 0x4000u /* 64-bit RW; MTI pending while mtime >= mtimecmp */
#define CLINT_MTIME 0xBFF8u    /* 64-bit, counts cycles; read-only (writes are ignored) */

typedef struct clint {
    uint32_t msip;
    uint64_t mtimecmp; /* all ones after reset: no timer interrupt until software sets one */
    uint64_t mtime;
} clint_t;

void clint_init(clint_t *t);
/* Once per cycle, before the CPU steps: drive MSI and MTI levels, then advance mtime. */
void clint_tick(clint_t *t, rv_cpu_t *cpu);
/* off is relative to CLINT_BASE and aligned to size; unknown offsets fault. */
enum rv_mem_result clint_load(const clint_t *t, uint32_t off, unsigned size, uint32_t *val);
enum rv_mem_result clint_store(clint_t *t, uint32_t off, unsigned size, uint32_t val);

#endif
