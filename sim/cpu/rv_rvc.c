/* rv_rvc.c - RV32C: expand each 16-bit compressed instruction to the 32-bit instruction it stands for. */
#include "rv_cpu.h"

/* Executing and disassembling the expansion keeps one semantic path for both encodings. */

static inline uint32_t bits(uint32_t v, unsigned hi, unsigned lo) { return (v >> lo) & ((1u << (hi - lo + 1)) - 1); }
static inline int32_t sext(uint32_t v, unsigned n) { return (int32_t)(v << (32 - n)) >> (32 - n); }

static uint32_t enc_i(int32_t imm, unsigned rs1, unsigned f3, unsigned rd, unsigned op)
{
    return (uint32_t)imm << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
static uint32_t enc_r(unsigned f7, unsigned rs2, unsigned rs1, unsigned f3, unsigned rd)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | 0x33;
}
static uint32_t enc_s(int32_t imm, unsigned rs2, unsigned rs1)
{
    uint32_t u = (uint32_t)imm;
    return bits(u, 11, 5) << 25 | rs2 << 20 | rs1 << 15 | 2u << 12 | bits(u, 4, 0) << 7 | 0x23;
}
static uint32_t enc_b(int32_t imm, unsigned rs1, unsigned f3) /* rs2 = x0 */
{
    uint32_t u = (uint32_t)imm;
    return bits(u, 12, 12) << 31 | bits(u, 10, 5) << 25 | rs1 << 15 | f3 << 12 | bits(u, 4, 1) << 8 |
           bits(u, 11, 11) << 7 | 0x63;
}
static uint32_t enc_j(int32_t imm, unsigned rd)
{
    uint32_t u = (uint32_t)imm;
    return bits(u, 20, 20) << 31 | bits(u, 10, 1) << 21 | bits(u, 11, 11) << 20 | bits(u, 19, 12) << 12 | rd << 7 |
           0x6f;
}

/* CJ-format jump offset, shared by C.J and C.JAL */
static int32_t cj_off(uint32_t c)
{
    return sext(bits(c, 12, 12) << 11 | bits(c, 11, 11) << 4 | bits(c, 10, 9) << 8 | bits(c, 8, 8) << 10 |
                    bits(c, 7, 7) << 6 | bits(c, 6, 6) << 7 | bits(c, 5, 3) << 1 | bits(c, 2, 2) << 5,
                12);
}

static uint32_t quadrant0(uint32_t c)
{
    unsigned rs1p = 8 + bits(c, 9, 7), rdp = 8 + bits(c, 4, 2);
    uint32_t lw_off = bits(c, 12, 10) << 3 | bits(c, 6, 6) << 2 | bits(c, 5, 5) << 6;
    switch (bits(c, 15, 13)) {
    case 0: { /* C.ADDI4SPN; nzuimm 0 (including the all-zero parcel) is illegal */
        uint32_t imm = bits(c, 12, 11) << 4 | bits(c, 10, 7) << 6 | bits(c, 6, 6) << 2 | bits(c, 5, 5) << 3;
        return imm ? enc_i((int32_t)imm, 2, 0, rdp, 0x13) : 0;
    }
    case 2: return enc_i((int32_t)lw_off, rs1p, 2, rdp, 0x03);     /* C.LW */
    case 6: return enc_s((int32_t)lw_off, rdp, rs1p);              /* C.SW */
    default: return 0; /* C.FLD/FLW/FSD/FSW (no F/D) and the reserved slot */
    }
}

static uint32_t quadrant1(uint32_t c)
{
    unsigned rd = bits(c, 11, 7), rdp = 8 + bits(c, 9, 7), rs2p = 8 + bits(c, 4, 2);
    int32_t imm6 = sext(bits(c, 12, 12) << 5 | bits(c, 6, 2), 6);
    switch (bits(c, 15, 13)) {
    case 0: return enc_i(imm6, rd, 0, rd, 0x13);     /* C.ADDI / C.NOP (HINTs execute as written) */
    case 1: return enc_j(cj_off(c), 1);              /* C.JAL (RV32 only) */
    case 2: return enc_i(imm6, 0, 0, rd, 0x13);      /* C.LI */
    case 3:
        if (rd == 2) { /* C.ADDI16SP */
            int32_t imm = sext(bits(c, 12, 12) << 9 | bits(c, 6, 6) << 4 | bits(c, 5, 5) << 6 | bits(c, 4, 3) << 7 |
                                   bits(c, 2, 2) << 5,
                               10);
            return imm ? enc_i(imm, 2, 0, 2, 0x13) : 0;
        }
        /* C.LUI: nzimm 0 is reserved */
        return imm6 ? ((uint32_t)imm6 << 12) | rd << 7 | 0x37 : 0;
    case 4:
        switch (bits(c, 11, 10)) {
        case 0: /* C.SRLI; shamt[5] = 1 is reserved on RV32 */
            return bits(c, 12, 12) ? 0 : enc_i((int32_t)bits(c, 6, 2), rdp, 5, rdp, 0x13);
        case 1: return bits(c, 12, 12) ? 0 : enc_i((int32_t)(0x400 | bits(c, 6, 2)), rdp, 5, rdp, 0x13); /* C.SRAI */
        case 2: return enc_i(imm6, rdp, 7, rdp, 0x13); /* C.ANDI */
        default:
            if (bits(c, 12, 12)) return 0; /* C.SUBW/C.ADDW: RV64 only */
            switch (bits(c, 6, 5)) {
            case 0: return enc_r(0x20, rs2p, rdp, 0, rdp); /* C.SUB */
            case 1: return enc_r(0, rs2p, rdp, 4, rdp);    /* C.XOR */
            case 2: return enc_r(0, rs2p, rdp, 6, rdp);    /* C.OR */
            default: return enc_r(0, rs2p, rdp, 7, rdp);   /* C.AND */
            }
        }
    case 5: return enc_j(cj_off(c), 0); /* C.J */
    default: {                           /* C.BEQZ / C.BNEZ */
        int32_t off = sext(bits(c, 12, 12) << 8 | bits(c, 11, 10) << 3 | bits(c, 6, 5) << 6 | bits(c, 4, 3) << 1 |
                               bits(c, 2, 2) << 5,
                           9);
        return enc_b(off, rdp, bits(c, 15, 13) == 6 ? 0 : 1);
    }
    }
}

static uint32_t quadrant2(uint32_t c)
{
    unsigned rd = bits(c, 11, 7), rs2 = bits(c, 6, 2);
    switch (bits(c, 15, 13)) {
    case 0: return bits(c, 12, 12) ? 0 : enc_i((int32_t)rs2, rd, 1, rd, 0x13); /* C.SLLI (shamt[5] reserved) */
    case 2: { /* C.LWSP; rd = x0 is reserved */
        uint32_t off = bits(c, 12, 12) << 5 | bits(c, 6, 4) << 2 | bits(c, 3, 2) << 6;
        return rd ? enc_i((int32_t)off, 2, 2, rd, 0x03) : 0;
    }
    case 4:
        if (!bits(c, 12, 12)) {
            if (rs2) return enc_r(0, rs2, 0, 0, rd);        /* C.MV */
            return rd ? enc_i(0, rd, 0, 0, 0x67) : 0;        /* C.JR; rs1 = x0 reserved */
        }
        if (rs2) return enc_r(0, rs2, rd, 0, rd);           /* C.ADD */
        return rd ? enc_i(0, rd, 0, 1, 0x67) : 0x00100073u; /* C.JALR / C.EBREAK */
    case 6: { /* C.SWSP */
        uint32_t off = bits(c, 12, 9) << 2 | bits(c, 8, 7) << 6;
        return enc_s((int32_t)off, rs2, 2);
    }
    default: return 0; /* C.FLDSP/FLWSP/FSDSP/FSWSP: no F/D */
    }
}

uint32_t rv_expand_c(uint16_t c)
{
    switch (c & 3) {
    case 0: return quadrant0(c);
    case 1: return quadrant1(c);
    case 2: return quadrant2(c);
    default: return 0; /* not a compressed instruction */
    }
}
