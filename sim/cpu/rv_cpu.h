/* rv_cpu.h - RV32IMC + Zicsr machine-mode instruction-set simulator of the embedded control-plane CPU. */
#ifndef VDPU_RV_CPU_H
#define VDPU_RV_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Result of a memory access through struct rv_mem_ops. */
enum rv_mem_result {
    RV_MEM_OK = 0,    /* done (load value written) */
    RV_MEM_WAIT = 1,  /* not yet: the CPU stalls this cycle and retries the same access next cycle */
    RV_MEM_FAULT = 2, /* access fault: the CPU takes a load/store/fetch access-fault trap */
};

/* The CPU's view of memory. size is 1, 2 or 4; addresses are already checked for alignment
 * (misaligned data accesses trap before reaching here). Fetches are 16-bit parcels. */
struct rv_mem_ops {
    void *ctx;
    enum rv_mem_result (*fetch16)(void *ctx, uint32_t addr, uint16_t *parcel);
    enum rv_mem_result (*load)(void *ctx, uint32_t addr, unsigned size, uint32_t *val);
    enum rv_mem_result (*store)(void *ctx, uint32_t addr, unsigned size, uint32_t val);
};

/* What rv_step did. */
enum rv_step_result {
    RV_RETIRED,  /* one instruction retired (possibly by trapping: then trap_taken is set) */
    RV_STALLED,  /* waiting on memory (RV_MEM_WAIT); nothing changed, retry next cycle */
    RV_WFI,      /* in WFI, no interrupt pending: nothing changed */
    RV_EBREAK,   /* EBREAK executed while debug_ebreak is set (GDB software breakpoint): pc unchanged */
};

/* machine-mode CSRs the core implements */
struct rv_csrs {
    uint32_t mstatus, misa, mie, mip, mtvec, mscratch, mepc, mcause, mtval;
    uint64_t mcycle, minstret;
};

#define RV_IRQ_MSI 3   /* mip/mie bit: machine software interrupt */
#define RV_IRQ_MTI 7   /* machine timer interrupt */
#define RV_IRQ_MEI 11  /* machine external interrupt (device firmware IRQ lines) */

typedef struct rv_cpu {
    uint32_t x[32];
    uint32_t pc;
    struct rv_csrs csr;
    struct rv_mem_ops mem;
    bool wfi;            /* sleeping in WFI */
    bool debug_ebreak;   /* EBREAK halts to the debugger (RV_EBREAK) instead of trapping */
    bool trap_taken;     /* last rv_step took a trap or interrupt */
    uint64_t retired;    /* instructions retired (a trapping instruction does not retire) */
    /* last retired instruction, for traces: pc, raw bits, length, destination register and value */
    uint32_t last_pc, last_insn;
    unsigned last_len, last_rd;
    uint32_t last_rd_val;
    /* internal: the last step stalled mid-instruction; the retry may not be preempted by an
     * interrupt, so a device access is issued exactly once */
    bool stalled;
    bool instret_written; /* internal: this instruction wrote minstret, so it does not count itself */
} rv_cpu_t;

void rv_init(rv_cpu_t *c, const struct rv_mem_ops *mem, uint32_t reset_pc);
/* External interrupt lines: set or clear mip bits RV_IRQ_MEI / RV_IRQ_MTI / RV_IRQ_MSI (levels). */
void rv_set_irq(rv_cpu_t *c, unsigned bit, bool level);
/* Execute at most one instruction (or take one pending interrupt). Counts mcycle. */
enum rv_step_result rv_step(rv_cpu_t *c);
/* Disassemble one instruction (32-bit or compressed, given by its low bits) into buf. */
int rv_disasm(uint32_t insn, uint32_t pc, char *buf, size_t len);
/* Expand a 16-bit compressed instruction to its 32-bit equivalent; 0 if it is illegal/reserved. */
uint32_t rv_expand_c(uint16_t c);
/* ABI name of register r (0..31). */
const char *rv_reg_name(unsigned r);
/* Name of a CSR number, or NULL if the core does not implement it. */
const char *rv_csr_name(unsigned csr);

#endif
