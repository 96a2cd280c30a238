/* clint.c - CLINT-style timer (mtime/mtimecmp) and software interrupt (msip) registers. */
#include "clint.h"

void clint_init(clint_t *t)
{
    t->msip = 0;
    t->mtimecmp = ~0ull;
    t->mtime = 0;
}

void clint_tick(clint_t *t, rv_cpu_t *cpu)
{
    rv_set_irq(cpu, RV_IRQ_MSI, t->msip & 1);
    rv_set_irq(cpu, RV_IRQ_MTI, t->mtime >= t->mtimecmp);
    t->mtime++;
}

/* the 32-bit word at a word offset, or false if none is mapped there */
static bool word_ptr(clint_t *t, uint32_t woff, uint32_t **lo, uint64_t **wide)
{
    *lo = NULL;
    *wide = NULL;
    switch (woff) {
    case CLINT_MSIP: *lo = &t->msip; return true;
    case CLINT_MTIMECMP: case CLINT_MTIMECMP + 4: *wide = &t->mtimecmp; return true;
    case CLINT_MTIME: case CLINT_MTIME + 4: *wide = &t->mtime; return true;
    default: return false;
    }
}

enum rv_mem_result clint_load(const clint_t *t, uint32_t off, unsigned size, uint32_t *val)
{
    uint32_t woff = off & ~3u, *lo;
    uint64_t *wide;
    if (!word_ptr((clint_t *)t, woff, &lo, &wide)) return RV_MEM_FAULT;
    uint32_t w = lo ? *lo : (uint32_t)(*wide >> ((woff & 4) ? 32 : 0));
    w >>= 8 * (off & 3);
    *val = size == 4 ? w : w & ((1u << (8 * size)) - 1);
    return RV_MEM_OK;
}

enum rv_mem_result clint_store(clint_t *t, uint32_t off, unsigned size, uint32_t val)
{
    uint32_t woff = off & ~3u, *lo;
    uint64_t *wide;
    if (!word_ptr(t, woff, &lo, &wide)) return RV_MEM_FAULT;
    if (wide == &t->mtime) return RV_MEM_OK; /* read-only: mtime is the cycle count */
    unsigned sh = 8 * (off & 3);
    uint32_t mask = (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1) << sh;
    if (lo) {
        *lo = ((*lo & ~mask) | ((val << sh) & mask)) & 1; /* msip has one bit */
    } else {
        unsigned half = (woff & 4) ? 32 : 0;
        uint32_t w = (uint32_t)(*wide >> half);
        w = (w & ~mask) | ((val << sh) & mask);
        *wide = (*wide & ~(0xffffffffull << half)) | (uint64_t)w << half;
    }
    return RV_MEM_OK;
}
