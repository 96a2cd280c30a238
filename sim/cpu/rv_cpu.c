/* rv_cpu.c - RV32IMC + Zicsr machine-mode core: fetch, decode, execute, traps and interrupts. */
#include <string.h>

#include "rv_cpu.h"

#define MSTATUS_MIE 0x8u
#define MSTATUS_MPIE 0x80u
#define MSTATUS_MPP 0x1800u /* M only: MPP reads 3 forever */
#define MIE_MASK ((1u << RV_IRQ_MSI) | (1u << RV_IRQ_MTI) | (1u << RV_IRQ_MEI))
#define MISA_RV32IMC 0x40001104u

enum {
    CAUSE_FETCH_FAULT = 1, CAUSE_ILLEGAL = 2, CAUSE_BREAKPOINT = 3, CAUSE_LOAD_MISALIGNED = 4,
    CAUSE_LOAD_FAULT = 5, CAUSE_STORE_MISALIGNED = 6, CAUSE_STORE_FAULT = 7, CAUSE_ECALL_M = 11,
};

void rv_init(rv_cpu_t *c, const struct rv_mem_ops *mem, uint32_t reset_pc)
{
    memset(c, 0, sizeof *c);
    c->mem = *mem;
    c->pc = reset_pc;
    c->csr.misa = MISA_RV32IMC;
    c->csr.mstatus = MSTATUS_MPP;
}

void rv_set_irq(rv_cpu_t *c, unsigned bit, bool level)
{
    if (bit != RV_IRQ_MSI && bit != RV_IRQ_MTI && bit != RV_IRQ_MEI) return;
    if (level) c->csr.mip |= 1u << bit;
    else c->csr.mip &= ~(1u << bit);
}

static void trap(rv_cpu_t *c, uint32_t cause, uint32_t tval)
{
    uint32_t ms = c->csr.mstatus;
    c->csr.mepc = c->pc;
    c->csr.mcause = cause;
    c->csr.mtval = tval;
    ms = (ms & ~MSTATUS_MPIE) | ((ms & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
    c->csr.mstatus = (ms & ~MSTATUS_MIE) | MSTATUS_MPP;
    uint32_t base = c->csr.mtvec & ~3u;
    bool vectored = (c->csr.mtvec & 1) && (cause >> 31);
    c->pc = vectored ? base + 4 * (cause & 0x7fffffffu) : base;
    c->trap_taken = true;
    c->last_rd = 0;
}

/* ---- CSRs -------------------------------------------------------------------------------- */

/* false: the core does not implement this CSR (illegal instruction) */
static bool csr_read(const rv_cpu_t *c, unsigned a, uint32_t *v)
{
    const struct rv_csrs *r = &c->csr;
    switch (a) {
    case 0x300: *v = (r->mstatus & (MSTATUS_MIE | MSTATUS_MPIE)) | MSTATUS_MPP; return true;
    case 0x301: *v = MISA_RV32IMC; return true;
    case 0x304: *v = r->mie; return true;
    case 0x305: *v = r->mtvec; return true;
    case 0x310: *v = 0; return true; /* mstatush: little-endian, no fields */
    case 0x340: *v = r->mscratch; return true;
    case 0x341: *v = r->mepc; return true;
    case 0x342: *v = r->mcause; return true;
    case 0x343: *v = r->mtval; return true;
    case 0x344: *v = r->mip; return true;
    case 0xB00: case 0xC00: *v = (uint32_t)r->mcycle; return true;
    case 0xB80: case 0xC80: *v = (uint32_t)(r->mcycle >> 32); return true;
    case 0xB02: case 0xC02: *v = (uint32_t)r->minstret; return true;
    case 0xB82: case 0xC82: *v = (uint32_t)(r->minstret >> 32); return true;
    case 0xF11: case 0xF12: case 0xF13: case 0xF14: *v = 0; return true; /* vendor, arch, impl, hart */
    default: return false;
    }
}

/* Only called for implemented, writable CSRs. WARL fields keep their legal values. */
static void csr_write(rv_cpu_t *c, unsigned a, uint32_t v)
{
    struct rv_csrs *r = &c->csr;
    switch (a) {
    case 0x300: r->mstatus = (v & (MSTATUS_MIE | MSTATUS_MPIE)) | MSTATUS_MPP; break;
    case 0x304: r->mie = v & MIE_MASK; break;
    case 0x305: r->mtvec = v & ~2u; break; /* modes 0 (direct) and 1 (vectored) only */
    case 0x340: r->mscratch = v; break;
    case 0x341: r->mepc = v & ~1u; break; /* IALIGN 16 */
    case 0x342: r->mcause = v; break;
    case 0x343: r->mtval = v; break;
    case 0xB00: r->mcycle = (r->mcycle & ~0xffffffffull) | v; break;
    case 0xB80: r->mcycle = (r->mcycle & 0xffffffffull) | (uint64_t)v << 32; break;
    case 0xB02: r->minstret = (r->minstret & ~0xffffffffull) | v; c->instret_written = true; break;
    case 0xB82: r->minstret = (r->minstret & 0xffffffffull) | (uint64_t)v << 32; c->instret_written = true; break;
    default: break; /* misa, mstatush, mip: writes ignored (mip bits are driven by hardware) */
    }
}

/* ---- execute ------------------------------------------------------------------------------ */

static inline int32_t sext(uint32_t v, unsigned bits) { return (int32_t)(v << (32 - bits)) >> (32 - bits); }
static inline int32_t imm_i(uint32_t i) { return (int32_t)i >> 20; }
static inline int32_t imm_s(uint32_t i) { return sext(((i >> 20) & 0xfe0) | ((i >> 7) & 0x1f), 12); }
static inline int32_t imm_b(uint32_t i)
{
    return sext(((i >> 19) & 0x1000) | ((i << 4) & 0x800) | ((i >> 20) & 0x7e0) | ((i >> 7) & 0x1e), 13);
}
static inline int32_t imm_j(uint32_t i)
{
    return sext(((i >> 11) & 0x100000) | (i & 0xff000) | ((i >> 9) & 0x800) | ((i >> 20) & 0x7fe), 21);
}

static uint32_t alu(unsigned f3, bool alt, uint32_t a, uint32_t b)
{
    switch (f3) {
    case 0: return alt ? a - b : a + b;
    case 1: return a << (b & 31);
    case 2: return (int32_t)a < (int32_t)b;
    case 3: return a < b;
    case 4: return a ^ b;
    case 5: return alt ? (uint32_t)((int32_t)a >> (b & 31)) : a >> (b & 31);
    case 6: return a | b;
    default: return a & b;
    }
}

static uint32_t muldiv(unsigned f3, uint32_t a, uint32_t b)
{
    int32_t sa = (int32_t)a, sb = (int32_t)b;
    switch (f3) {
    case 0: return a * b;
    case 1: return (uint32_t)((uint64_t)((int64_t)sa * sb) >> 32);
    case 2: return (uint32_t)((uint64_t)((int64_t)sa * (int64_t)(uint64_t)b) >> 32);
    case 3: return (uint32_t)(((uint64_t)a * b) >> 32);
    case 4: /* DIV: by zero -> -1, INT_MIN / -1 -> INT_MIN (no trap in RISC-V) */
        if (b == 0) return 0xffffffffu;
        if (a == 0x80000000u && sb == -1) return a;
        return (uint32_t)(sa / sb);
    case 5: return b ? a / b : 0xffffffffu;
    case 6: /* REM: by zero -> dividend, INT_MIN % -1 -> 0 */
        if (b == 0) return a;
        if (a == 0x80000000u && sb == -1) return 0;
        return (uint32_t)(sa % sb);
    default: return b ? a % b : a;
    }
}

static bool branch_taken(unsigned f3, uint32_t a, uint32_t b)
{
    switch (f3) {
    case 0: return a == b;
    case 1: return a != b;
    case 4: return (int32_t)a < (int32_t)b;
    case 5: return (int32_t)a >= (int32_t)b;
    case 6: return a < b;
    default: return a >= b; /* 7; 2 and 3 are rejected by the caller */
    }
}

/* Outcome of one instruction body. */
enum ex { EX_OK, EX_TRAP, EX_STALL, EX_ILLEGAL, EX_EBREAK_DBG };

static enum ex ex_load(rv_cpu_t *c, uint32_t in, uint32_t *rdv)
{
    unsigned f3 = (in >> 12) & 7, size = 1u << (f3 & 3);
    if (f3 == 3 || f3 > 5) return EX_ILLEGAL;
    uint32_t addr = c->x[(in >> 15) & 31] + (uint32_t)imm_i(in), v = 0;
    if (addr & (size - 1)) { trap(c, CAUSE_LOAD_MISALIGNED, addr); return EX_TRAP; }
    enum rv_mem_result r = c->mem.load(c->mem.ctx, addr, size, &v);
    if (r == RV_MEM_WAIT) return EX_STALL;
    if (r != RV_MEM_OK) { trap(c, CAUSE_LOAD_FAULT, addr); return EX_TRAP; }
    switch (f3) {
    case 0: v = (uint32_t)(int32_t)(int8_t)v; break;
    case 1: v = (uint32_t)(int32_t)(int16_t)v; break;
    case 4: v &= 0xff; break;
    case 5: v &= 0xffff; break;
    default: break;
    }
    *rdv = v;
    return EX_OK;
}

static enum ex ex_store(rv_cpu_t *c, uint32_t in)
{
    unsigned f3 = (in >> 12) & 7, size = 1u << f3;
    if (f3 > 2) return EX_ILLEGAL;
    uint32_t addr = c->x[(in >> 15) & 31] + (uint32_t)imm_s(in), v = c->x[(in >> 20) & 31];
    if (size < 4) v &= (1u << (8 * size)) - 1;
    if (addr & (size - 1)) { trap(c, CAUSE_STORE_MISALIGNED, addr); return EX_TRAP; }
    enum rv_mem_result r = c->mem.store(c->mem.ctx, addr, size, v);
    if (r == RV_MEM_WAIT) return EX_STALL;
    if (r != RV_MEM_OK) { trap(c, CAUSE_STORE_FAULT, addr); return EX_TRAP; }
    return EX_OK;
}

static enum ex ex_system(rv_cpu_t *c, uint32_t in, uint32_t *rdv, uint32_t *next)
{
    unsigned f3 = (in >> 12) & 7, src = (in >> 15) & 31, a = in >> 20;
    if (f3 == 0) {
        if ((in >> 7) & 0x1fff) return EX_ILLEGAL; /* rd, rs1 and funct3 must be zero */
        switch (a) {
        case 0x000: trap(c, CAUSE_ECALL_M, 0); return EX_TRAP;
        case 0x001:
            if (c->debug_ebreak) return EX_EBREAK_DBG;
            trap(c, CAUSE_BREAKPOINT, c->pc);
            return EX_TRAP;
        case 0x302: { /* MRET: MIE <- MPIE, MPIE <- 1, MPP stays M */
            uint32_t ms = c->csr.mstatus;
            ms = (ms & ~MSTATUS_MIE) | ((ms & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
            c->csr.mstatus = ms | MSTATUS_MPIE | MSTATUS_MPP;
            *next = c->csr.mepc;
            return EX_OK;
        }
        case 0x105: /* WFI: sleep only if nothing is pending-and-enabled (MIE does not matter) */
            if (!(c->csr.mip & c->csr.mie)) c->wfi = true;
            return EX_OK;
        default: return EX_ILLEGAL;
        }
    }
    if (f3 == 4) return EX_ILLEGAL;
    uint32_t old, operand = (f3 & 4) ? src : c->x[src], nv;
    if (!csr_read(c, a, &old)) return EX_ILLEGAL;
    unsigned op = f3 & 3;
    bool writes = op == 1 || src != 0; /* CSRRS/CSRRC with x0 / zero immediate only read */
    if (writes && (a >> 10) == 3) return EX_ILLEGAL; /* read-only CSR */
    nv = op == 1 ? operand : op == 2 ? old | operand : old & ~operand;
    if (writes) csr_write(c, a, nv);
    *rdv = old;
    return EX_OK;
}

/* Execute one 32-bit instruction (compressed ones arrive expanded). */
static enum ex execute(rv_cpu_t *c, uint32_t in, unsigned len)
{
    unsigned rd = (in >> 7) & 31, f3 = (in >> 12) & 7;
    uint32_t a = c->x[(in >> 15) & 31], b = c->x[(in >> 20) & 31], next = c->pc + len, rdv = 0;
    bool wr = true;
    enum ex e = EX_OK;
    switch (in & 0x7f) {
    case 0x37: rdv = in & 0xfffff000u; break;
    case 0x17: rdv = c->pc + (in & 0xfffff000u); break;
    case 0x6f: rdv = next; next = c->pc + (uint32_t)imm_j(in); break;
    case 0x67:
        if (f3) return EX_ILLEGAL;
        rdv = next;
        next = (a + (uint32_t)imm_i(in)) & ~1u;
        break;
    case 0x63:
        if (f3 == 2 || f3 == 3) return EX_ILLEGAL;
        wr = false;
        if (branch_taken(f3, a, b)) next = c->pc + (uint32_t)imm_b(in);
        break;
    case 0x03: e = ex_load(c, in, &rdv); break;
    case 0x23: wr = false; e = ex_store(c, in); break;
    case 0x13: {
        uint32_t f7 = in >> 25;
        if (f3 == 1 && f7 != 0) return EX_ILLEGAL;
        if (f3 == 5 && f7 != 0 && f7 != 0x20) return EX_ILLEGAL;
        uint32_t imm = (uint32_t)imm_i(in);
        rdv = alu(f3, f3 == 5 && f7 == 0x20, a, (f3 == 1 || f3 == 5) ? imm & 31 : imm);
        break;
    }
    case 0x33: {
        uint32_t f7 = in >> 25;
        if (f7 == 1) rdv = muldiv(f3, a, b);
        else if (f7 == 0 || (f7 == 0x20 && (f3 == 0 || f3 == 5))) rdv = alu(f3, f7 == 0x20, a, b);
        else return EX_ILLEGAL;
        break;
    }
    case 0x0f: /* FENCE, FENCE.I: one hart, no caches - nothing to order */
        if (f3 > 1) return EX_ILLEGAL;
        wr = false;
        break;
    case 0x73: e = ex_system(c, in, &rdv, &next); break;
    default: return EX_ILLEGAL;
    }
    if (e != EX_OK) return e;
    c->last_rd = (wr && rd) ? rd : 0;
    if (c->last_rd) {
        c->x[rd] = rdv;
        c->last_rd_val = rdv;
    }
    c->pc = next;
    return EX_OK;
}

enum rv_step_result rv_step(rv_cpu_t *c)
{
    c->csr.mcycle++;
    c->trap_taken = false;
    uint32_t pend = c->csr.mip & c->csr.mie;
    if (c->wfi) {
        if (!pend) return RV_WFI;
        c->wfi = false;
    }
    if (pend && (c->csr.mstatus & MSTATUS_MIE) && !c->stalled) {
        unsigned bit = (pend & (1u << RV_IRQ_MEI)) ? RV_IRQ_MEI : (pend & (1u << RV_IRQ_MSI)) ? RV_IRQ_MSI : RV_IRQ_MTI;
        c->last_pc = c->pc;
        c->last_insn = 0;
        c->last_len = 0; /* no instruction: the trace shows an interrupt entry */
        trap(c, 0x80000000u | bit, 0);
        return RV_RETIRED;
    }

    uint16_t lo = 0, hi = 0;
    uint32_t raw, in, fault_at = c->pc;
    unsigned len;
    enum rv_mem_result r = c->mem.fetch16(c->mem.ctx, c->pc, &lo);
    if (r == RV_MEM_OK && (lo & 3) == 3) {
        fault_at = c->pc + 2; /* mtval names the parcel that faulted */
        r = c->mem.fetch16(c->mem.ctx, c->pc + 2, &hi);
    }
    if (r == RV_MEM_WAIT) {
        c->stalled = true;
        return RV_STALLED;
    }
    c->stalled = false;
    c->last_pc = c->pc;
    c->instret_written = false;
    if (r != RV_MEM_OK) {
        c->last_insn = 0;
        c->last_len = 0;
        trap(c, CAUSE_FETCH_FAULT, fault_at);
        return RV_RETIRED;
    }
    if ((lo & 3) == 3) {
        raw = in = (uint32_t)lo | (uint32_t)hi << 16;
        len = 4;
        if ((lo & 0x1c) == 0x1c) in = 0; /* 48-bit and longer encodings: none implemented */
    } else {
        raw = lo;
        len = 2;
        in = rv_expand_c(lo);
    }
    c->last_insn = raw;
    c->last_len = len;

    enum ex e = in ? execute(c, in, len) : EX_ILLEGAL;
    switch (e) {
    case EX_OK:
        c->retired++;
        if (!c->instret_written) c->csr.minstret++;
        return RV_RETIRED;
    case EX_STALL:
        c->stalled = true;
        return RV_STALLED;
    case EX_EBREAK_DBG: return RV_EBREAK;
    case EX_ILLEGAL: trap(c, CAUSE_ILLEGAL, raw); return RV_RETIRED;
    default: return RV_RETIRED; /* EX_TRAP: already taken */
    }
}
