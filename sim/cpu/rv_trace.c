/* rv_trace.c - Spike-style per-instruction trace line of the RISC-V core. */
#include "rv_trace.h"

void rv_trace_retired(FILE *f, const char *prefix, unsigned long long cyc, const rv_cpu_t *c,
                      const struct elf_image *img)
{
    char sym[96], dis[96];
    elf_symbolize(img, c->last_pc, sym, sizeof sym);
    if (c->last_len == 0) { /* interrupt entry, or a fetch that faulted: no instruction */
        fprintf(f, "%s cyc=%llu pc=0x%08x %s %s mcause=0x%x mtval=0x%x -> 0x%08x\n", prefix, cyc, c->last_pc, sym,
                (c->csr.mcause >> 31) ? "interrupt" : "trap", c->csr.mcause, c->csr.mtval, c->pc);
        return;
    }
    rv_disasm(c->last_insn, c->last_pc, dis, sizeof dis);
    if (c->trap_taken)
        fprintf(f, "%s cyc=%llu pc=0x%08x %s %s trap mcause=0x%x mtval=0x%x -> 0x%08x\n", prefix, cyc, c->last_pc, sym,
                dis, c->csr.mcause, c->csr.mtval, c->pc);
    else if (c->last_rd)
        fprintf(f, "%s cyc=%llu pc=0x%08x %s %s rd=%s <- 0x%08x\n", prefix, cyc, c->last_pc, sym, dis,
                rv_reg_name(c->last_rd), c->last_rd_val);
    else
        fprintf(f, "%s cyc=%llu pc=0x%08x %s %s\n", prefix, cyc, c->last_pc, sym, dis);
}
