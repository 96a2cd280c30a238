/* rv_disasm.c - RV32IMC + Zicsr disassembler for traces: ABI register names, "c." + expansion for RVC. */
#include <stdio.h>

#include "rv_cpu.h"

static const char *const reg_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6",   "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

const char *rv_reg_name(unsigned r) { return reg_names[r & 31]; }

const char *rv_csr_name(unsigned a)
{
    switch (a) {
    case 0x300: return "mstatus";
    case 0x301: return "misa";
    case 0x304: return "mie";
    case 0x305: return "mtvec";
    case 0x310: return "mstatush";
    case 0x340: return "mscratch";
    case 0x341: return "mepc";
    case 0x342: return "mcause";
    case 0x343: return "mtval";
    case 0x344: return "mip";
    case 0xB00: return "mcycle";
    case 0xB02: return "minstret";
    case 0xB80: return "mcycleh";
    case 0xB82: return "minstreth";
    case 0xC00: return "cycle";
    case 0xC02: return "instret";
    case 0xC80: return "cycleh";
    case 0xC82: return "instreth";
    case 0xF11: return "mvendorid";
    case 0xF12: return "marchid";
    case 0xF13: return "mimpid";
    case 0xF14: return "mhartid";
    default: return NULL;
    }
}

#define R(n) reg_names[(n) & 31]

static inline int32_t sext(uint32_t v, unsigned bits) { return (int32_t)(v << (32 - bits)) >> (32 - bits); }

static int dis32(uint32_t in, uint32_t pc, char *b, size_t n)
{
    unsigned rd = (in >> 7) & 31, rs1 = (in >> 15) & 31, rs2 = (in >> 20) & 31, f3 = (in >> 12) & 7, f7 = in >> 25;
    int32_t ii = (int32_t)in >> 20;
    int32_t is = sext(((in >> 20) & 0xfe0) | ((in >> 7) & 0x1f), 12);
    int32_t ib = sext(((in >> 19) & 0x1000) | ((in << 4) & 0x800) | ((in >> 20) & 0x7e0) | ((in >> 7) & 0x1e), 13);
    int32_t ij = sext(((in >> 11) & 0x100000) | (in & 0xff000) | ((in >> 9) & 0x800) | ((in >> 20) & 0x7fe), 21);
    static const char *const alu[8] = {"add", "sll", "slt", "sltu", "xor", "srl", "or", "and"};
    static const char *const md[8] = {"mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"};
    static const char *const br[8] = {"beq", "bne", NULL, NULL, "blt", "bge", "bltu", "bgeu"};
    static const char *const ld[8] = {"lb", "lh", "lw", NULL, "lbu", "lhu", NULL, NULL};
    static const char *const st[8] = {"sb", "sh", "sw", NULL, NULL, NULL, NULL, NULL};
    static const char *const cs[8] = {NULL, "csrrw", "csrrs", "csrrc", NULL, "csrrwi", "csrrsi", "csrrci"};

    switch (in & 0x7f) {
    case 0x37: return snprintf(b, n, "lui %s, 0x%x", R(rd), in >> 12);
    case 0x17: return snprintf(b, n, "auipc %s, 0x%x", R(rd), in >> 12);
    case 0x6f:
        if (rd == 0) return snprintf(b, n, "j 0x%x", pc + (uint32_t)ij);
        return snprintf(b, n, "jal %s, 0x%x", R(rd), pc + (uint32_t)ij);
    case 0x67:
        if (f3) break;
        if (in == 0x00008067u) return snprintf(b, n, "ret");
        return snprintf(b, n, "jalr %s, %d(%s)", R(rd), ii, R(rs1));
    case 0x63:
        if (!br[f3]) break;
        return snprintf(b, n, "%s %s, %s, 0x%x", br[f3], R(rs1), R(rs2), pc + (uint32_t)ib);
    case 0x03:
        if (!ld[f3]) break;
        return snprintf(b, n, "%s %s, %d(%s)", ld[f3], R(rd), ii, R(rs1));
    case 0x23:
        if (!st[f3]) break;
        return snprintf(b, n, "%s %s, %d(%s)", st[f3], R(rs2), is, R(rs1));
    case 0x13:
        if (in == 0x00000013u) return snprintf(b, n, "nop");
        if (f3 == 0 && rs1 == 0) return snprintf(b, n, "li %s, %d", R(rd), ii);
        if (f3 == 1 && f7 == 0) return snprintf(b, n, "slli %s, %s, %u", R(rd), R(rs1), rs2);
        if (f3 == 5 && (f7 == 0 || f7 == 0x20))
            return snprintf(b, n, "%s %s, %s, %u", f7 ? "srai" : "srli", R(rd), R(rs1), rs2);
        if (f3 == 1 || f3 == 5) break;
        return snprintf(b, n, "%si %s, %s, %d", alu[f3], R(rd), R(rs1), ii);
    case 0x33:
        if (f7 == 1) return snprintf(b, n, "%s %s, %s, %s", md[f3], R(rd), R(rs1), R(rs2));
        if (f7 == 0x20 && f3 == 0) return snprintf(b, n, "sub %s, %s, %s", R(rd), R(rs1), R(rs2));
        if (f7 == 0x20 && f3 == 5) return snprintf(b, n, "sra %s, %s, %s", R(rd), R(rs1), R(rs2));
        if (f7) break;
        if (f3 == 0 && rs1 == 0) return snprintf(b, n, "mv %s, %s", R(rd), R(rs2));
        return snprintf(b, n, "%s %s, %s, %s", alu[f3], R(rd), R(rs1), R(rs2));
    case 0x0f:
        if (f3 == 0) return snprintf(b, n, "fence");
        if (f3 == 1) return snprintf(b, n, "fence.i");
        break;
    case 0x73: {
        if (f3 == 0) {
            switch (in) {
            case 0x00000073u: return snprintf(b, n, "ecall");
            case 0x00100073u: return snprintf(b, n, "ebreak");
            case 0x30200073u: return snprintf(b, n, "mret");
            case 0x10500073u: return snprintf(b, n, "wfi");
            default: break;
            }
            break;
        }
        if (!cs[f3]) break;
        const char *name = rv_csr_name(in >> 20);
        char csr[16];
        if (name) snprintf(csr, sizeof csr, "%s", name);
        else snprintf(csr, sizeof csr, "0x%03x", in >> 20);
        if (f3 & 4) return snprintf(b, n, "%s %s, %s, %u", cs[f3], R(rd), csr, rs1);
        return snprintf(b, n, "%s %s, %s, %s", cs[f3], R(rd), csr, R(rs1));
    }
    default: break;
    }
    return snprintf(b, n, "unknown 0x%08x", in);
}

int rv_disasm(uint32_t insn, uint32_t pc, char *buf, size_t len)
{
    if ((insn & 3) == 3) return dis32(insn, pc, buf, len);
    uint32_t e = rv_expand_c((uint16_t)insn);
    if (!e) return snprintf(buf, len, "unknown 0x%04x", insn & 0xffff);
    int k = snprintf(buf, len, "c.");
    if (k < 0 || (size_t)k >= len) return k;
    return k + dis32(e, pc, buf + k, len - (size_t)k);
}
