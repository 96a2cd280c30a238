/* test_iss.c - the RV32IMC core on hand-encoded instruction words in a flat memory: decode, traps, interrupts, stalls. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "rv_cpu.h"

/* ---- a flat 64 KiB memory at 0 with an optional "slow" address -------------------------- */

#define MEM_SIZE 0x10000u
#define CODE 0x100u
#define TVEC 0x800u

static struct {
    uint8_t b[MEM_SIZE];
    uint32_t slow_addr; /* loads/stores here answer RV_MEM_WAIT wait_left times first */
    unsigned wait_left;
} M;
static rv_cpu_t C;

static enum rv_mem_result f16(void *ctx, uint32_t a, uint16_t *p)
{
    (void)ctx;
    if (a >= MEM_SIZE - 1) return RV_MEM_FAULT;
    *p = (uint16_t)(M.b[a] | M.b[a + 1] << 8);
    return RV_MEM_OK;
}
static enum rv_mem_result ld(void *ctx, uint32_t a, unsigned size, uint32_t *v)
{
    (void)ctx;
    if (a == M.slow_addr && M.wait_left) {
        M.wait_left--;
        return RV_MEM_WAIT;
    }
    if (a >= MEM_SIZE || MEM_SIZE - a < size) return RV_MEM_FAULT;
    uint32_t x = 0;
    for (unsigned i = 0; i < size; i++) x |= (uint32_t)M.b[a + i] << (8 * i);
    *v = x;
    return RV_MEM_OK;
}
static enum rv_mem_result st(void *ctx, uint32_t a, unsigned size, uint32_t v)
{
    (void)ctx;
    if (a == M.slow_addr && M.wait_left) {
        M.wait_left--;
        return RV_MEM_WAIT;
    }
    if (a >= MEM_SIZE || MEM_SIZE - a < size) return RV_MEM_FAULT;
    for (unsigned i = 0; i < size; i++) M.b[a + i] = (uint8_t)(v >> (8 * i));
    return RV_MEM_OK;
}

static void put32(uint32_t a, uint32_t w) { for (int i = 0; i < 4; i++) M.b[a + i] = (uint8_t)(w >> (8 * i)); }
static void put16(uint32_t a, uint16_t h) { M.b[a] = (uint8_t)h; M.b[a + 1] = (uint8_t)(h >> 8); }
static uint32_t get32(uint32_t a) { return M.b[a] | M.b[a + 1] << 8 | M.b[a + 2] << 16 | (uint32_t)M.b[a + 3] << 24; }

/* load 32-bit words at CODE, reset the core there with a trap vector at TVEC */
static void load(const uint32_t *w, unsigned n)
{
    memset(&M, 0, sizeof M);
    M.slow_addr = ~0u;
    for (unsigned i = 0; i < n; i++) put32(CODE + 4 * i, w[i]);
    struct rv_mem_ops ops = {NULL, f16, ld, st};
    rv_init(&C, &ops, CODE);
    C.csr.mtvec = TVEC;
}

static void step_ok(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        cr_assert_eq(rv_step(&C), RV_RETIRED);
        cr_assert(!C.trap_taken, "unexpected trap mcause %u at pc 0x%x", C.csr.mcause, C.last_pc);
    }
}

static void expect_trap(uint32_t cause, uint32_t tval, uint32_t epc)
{
    cr_assert_eq(rv_step(&C), RV_RETIRED);
    cr_assert(C.trap_taken);
    cr_assert_eq(C.csr.mcause, cause, "mcause 0x%x, expected 0x%x", C.csr.mcause, cause);
    cr_assert_eq(C.csr.mtval, tval, "mtval 0x%x, expected 0x%x", C.csr.mtval, tval);
    cr_assert_eq(C.csr.mepc, epc, "mepc 0x%x, expected 0x%x", C.csr.mepc, epc);
}

/* instruction encoders */
static uint32_t R(unsigned f7, unsigned rs2, unsigned rs1, unsigned f3, unsigned rd)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | 0x33;
}
static uint32_t I(int32_t imm, unsigned rs1, unsigned f3, unsigned rd, unsigned op)
{
    return (uint32_t)imm << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
static uint32_t S(int32_t imm, unsigned rs2, unsigned rs1, unsigned f3)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | 0x23;
}
#define NOP 0x00000013u
#define WFI 0x10500073u
#define MRET 0x30200073u
#define EBREAK 0x00100073u

/* ---- decode and execute -------------------------------------------------------------------- */

Test(iss, lui_addi_add_and_x0)
{
    const uint32_t p[] = {0x123452b7 /* lui t0,0x12345 */, I(0x678, 5, 0, 5, 0x13), I(-1, 0, 0, 6, 0x13),
                          R(0, 6, 5, 0, 0) /* add x0,t0,t1 */, R(0, 6, 5, 0, 7)};
    load(p, 5);
    step_ok(5);
    cr_assert_eq(C.x[5], 0x12345678u);
    cr_assert_eq(C.x[6], 0xffffffffu);
    cr_assert_eq(C.x[0], 0u);
    cr_assert_eq(C.x[7], 0x12345677u);
    cr_assert_eq(C.last_rd, 7u);
    cr_assert_eq(C.retired, 5u);
    cr_assert_eq(C.csr.minstret, 5u);
    cr_assert_eq(C.pc, CODE + 20);
}

Test(iss, shifts_use_low_five_bits)
{
    const uint32_t p[] = {R(0, 11, 10, 1, 12) /* sll a2,a0,a1 */, R(0, 11, 10, 5, 13) /* srl */,
                          R(0x20, 11, 10, 5, 14) /* sra */};
    load(p, 3);
    C.x[10] = 0x80000001u;
    C.x[11] = 33; /* shifts by 1 */
    step_ok(3);
    cr_assert_eq(C.x[12], 0x00000002u);
    cr_assert_eq(C.x[13], 0x40000000u);
    cr_assert_eq(C.x[14], 0xc0000000u);
}

Test(iss, mul_div_rem_edge_cases)
{
    static const struct { unsigned f3; uint32_t a, b, r; } v[] = {
        {0, 0xffffffff, 0xffffffff, 1},          {1, 0x80000000, 0x80000000, 0x40000000},
        {2, 0xffffffff, 0xffffffff, 0xffffffff}, {3, 0xffffffff, 0xffffffff, 0xfffffffe},
        {4, 7, 0, 0xffffffff},                   {4, 0x80000000, 0xffffffff, 0x80000000},
        {4, (uint32_t)-7, 2, (uint32_t)-3},      {5, 7, 0, 0xffffffff},
        {6, 7, 0, 7},                            {6, 0x80000000, 0xffffffff, 0},
        {6, (uint32_t)-7, 2, (uint32_t)-1},      {7, 7, 0, 7},
        {7, 0xffffffff, 10, 5},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        const uint32_t p[] = {R(1, 11, 10, v[i].f3, 12)};
        load(p, 1);
        C.x[10] = v[i].a;
        C.x[11] = v[i].b;
        step_ok(1);
        cr_assert_eq(C.x[12], v[i].r, "funct3 %u (0x%x, 0x%x) = 0x%x, expected 0x%x", v[i].f3, v[i].a, v[i].b,
                     C.x[12], v[i].r);
    }
}

Test(iss, loads_sign_and_zero_extend)
{
    const uint32_t p[] = {I(0, 10, 0, 11, 0x03) /* lb */, I(0, 10, 4, 12, 0x03) /* lbu */, I(0, 10, 1, 13, 0x03),
                          I(0, 10, 5, 14, 0x03), I(0, 10, 2, 15, 0x03)};
    load(p, 5);
    put32(0x1000, 0x12348281u);
    C.x[10] = 0x1000;
    step_ok(5);
    cr_assert_eq(C.x[11], 0xffffff81u);
    cr_assert_eq(C.x[12], 0x81u);
    cr_assert_eq(C.x[13], 0xffff8281u);
    cr_assert_eq(C.x[14], 0x8281u);
    cr_assert_eq(C.x[15], 0x12348281u);
}

Test(iss, compressed_expansion_matches_the_assembler)
{
    /* pairs produced by riscv64-unknown-elf-as: the c.* form and its 32-bit equivalent */
    static const struct { uint16_t c; uint32_t w; } v[] = {
        {0x1fe8, 0x3fc10513}, /* c.addi4spn a0, sp, 1020 */ {0x0044, 0x00410493}, /* c.addi4spn s1, sp, 4 */
        {0x5c7c, 0x07c42783}, /* c.lw a5, 124(s0) */        {0x4380, 0x0007a403}, /* c.lw s0, 0(a5) */
        {0xc1a8, 0x04a5a023}, /* c.sw a0, 64(a1) */         {0x0001, 0x00000013}, /* c.nop */
        {0x1281, 0xfe028293}, /* c.addi t0, -32 */          {0x017d, 0x01f10113}, /* c.addi sp, 31 */
        {0x2ffd, 0x7fe000ef}, /* c.jal .+0x7fe */           {0x3001, 0x801ff0ef}, /* c.jal .-0x800 */
        {0x557d, 0xfff00513}, /* c.li a0, -1 */             {0x40fd, 0x01f00093}, /* c.li ra, 31 */
        {0x7101, 0xe0010113}, /* c.addi16sp sp, -512 */     {0x617d, 0x1f010113}, /* c.addi16sp sp, 496 */
        {0x7581, 0xfffe05b7}, /* c.lui a1, 0xfffe0 */       {0x6f85, 0x00001fb7}, /* c.lui t6, 1 */
        {0x817d, 0x01f55513}, /* c.srli a0, 31 */           {0x8485, 0x4014d493}, /* c.srai s1, 1 */
        {0x9a01, 0xfe067613}, /* c.andi a2, -32 */          {0x8abd, 0x00f6f693}, /* c.andi a3, 15 */
        {0x8c1d, 0x40f40433}, /* c.sub s0, a5 */            {0x8d2d, 0x00b54533}, /* c.xor a0, a1 */
        {0x8e55, 0x00d66633}, /* c.or a2, a3 */             {0x8f7d, 0x00f77733}, /* c.and a4, a5 */
        {0xa009, 0x0020006f}, /* c.j .+2 */                 {0xb001, 0x801ff06f}, /* c.j .-2048 */
        {0xcc7d, 0x0e040f63}, /* c.beqz s0, .+254 */        {0xd381, 0xf00780e3}, /* c.beqz a5, .-256 */
        {0xe109, 0x00051163}, /* c.bnez a0, .+2 */          {0x0286, 0x00129293}, /* c.slli t0, 1 */
        {0x057e, 0x01f51513}, /* c.slli a0, 31 */           {0x50fe, 0x0fc12083}, /* c.lwsp ra, 252(sp) */
        {0x4f82, 0x00012f83}, /* c.lwsp t6, 0(sp) */        {0xdf86, 0x0e112e23}, /* c.swsp ra, 252(sp) */
        {0xc222, 0x00812223}, /* c.swsp s0, 4(sp) */        {0x8082, 0x00008067}, /* c.jr ra */
        {0x9282, 0x000280e7}, /* c.jalr t0 */               {0x852e, 0x00b00533}, /* c.mv a0, a1 */
        {0x917e, 0x01f10133}, /* c.add sp, t6 */            {0x9002, 0x00100073}, /* c.ebreak */
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        cr_assert_eq(rv_expand_c(v[i].c), v[i].w, "0x%04x expands to 0x%08x, expected 0x%08x", v[i].c,
                     rv_expand_c(v[i].c), v[i].w);
}

Test(iss, reserved_compressed_encodings_are_illegal)
{
    static const uint16_t bad[] = {
        0x0000, /* all zero (c.addi4spn 0) */ 0x2000, /* c.fld */ 0x6000, /* c.flw */ 0x8000, /* reserved */
        0xa000, /* c.fsd */ 0xe000, /* c.fsw */ 0x6101, /* c.addi16sp 0 */ 0x6081, /* c.lui ra, 0 */
        0x8002, /* c.jr x0 */ 0x9c21, /* c.subw */ 0x9c41, /* c.addw */ 0x4002, /* c.lwsp x0 */
        0x1006, /* c.slli shamt[5] */ 0x9101, /* c.srli shamt[5] */ 0x9501, /* c.srai shamt[5] */
        0x2002, /* c.fldsp */ 0x6002, /* c.flwsp */ 0xa002, /* c.fsdsp */ 0xe002, /* c.fswsp */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(rv_expand_c(bad[i]), 0u, "0x%04x must be illegal", bad[i]);
        load(NULL, 0);
        put16(CODE, bad[i]);
        expect_trap(2, bad[i], CODE);
        cr_assert_eq(C.pc, TVEC);
        cr_assert_eq(C.csr.minstret, 0u, "a trapping instruction does not retire");
    }
}

Test(iss, illegal_32bit_instructions_trap_with_their_bits)
{
    static const uint32_t bad[] = {
        0xffffffff, 0x0000000b /* custom-0 */, 0x40001013 /* slli funct7 0x20 */, 0x00002063 /* branch f3 2 */,
        0x00003003 /* ld */,  0x00001067 /* jalr f3 1 */, 0x02000033 | 0x40000000 /* funct7 0x21 */,
        0x00004073 /* system f3 4 */, 0x7c002573 /* csrr a0, 0x7c0 */, 0xf1451073 /* csrw mhartid */,
        0x00000027 /* fsw-ish: no F */, 0x00200073 /* uret-ish */, 0x30200573 /* mret with rd */,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        load(&bad[i], 1);
        expect_trap(2, bad[i], CODE);
        cr_assert_eq(C.pc, TVEC);
    }
}

Test(iss, misaligned_accesses_trap_and_change_nothing)
{
    const uint32_t p[] = {I(1, 10, 2, 11, 0x03) /* lw a1,1(a0) */, I(3, 10, 1, 11, 0x03) /* lh a1,3(a0) */,
                          S(2, 12, 10, 2) /* sw a2,2(a0) */, S(1, 12, 10, 1) /* sh a2,1(a0) */};
    load(p, 4);
    C.x[10] = 0x1000;
    C.x[11] = 0x55;
    C.x[12] = 0xffffffff;
    expect_trap(4, 0x1001, CODE);
    C.pc = CODE + 4;
    expect_trap(4, 0x1003, CODE + 4);
    C.pc = CODE + 8;
    expect_trap(6, 0x1002, CODE + 8);
    C.pc = CODE + 12;
    expect_trap(6, 0x1001, CODE + 12);
    cr_assert_eq(C.x[11], 0x55u);
    cr_assert_eq(get32(0x1000), 0u);
    cr_assert_eq(get32(0x1004), 0u);
}

Test(iss, access_faults)
{
    const uint32_t p[] = {I(0, 10, 2, 11, 0x03), S(8, 11, 10, 0), I(0, 10, 0, 1, 0x67) /* jalr ra,0(a0) */};
    load(p, 3);
    C.x[10] = 0x20000;
    expect_trap(5, 0x20000, CODE);
    C.pc = CODE + 4;
    expect_trap(7, 0x20008, CODE + 4);
    C.pc = CODE + 8;
    step_ok(1); /* the jump itself is fine */
    expect_trap(1, 0x20000, 0x20000);
    cr_assert_eq(C.x[1], CODE + 12);
}

Test(iss, ecall_ebreak_and_debug_ebreak)
{
    const uint32_t p[] = {0x00000073, EBREAK};
    load(p, 2);
    expect_trap(11, 0, CODE);
    C.pc = CODE + 4;
    expect_trap(3, CODE + 4, CODE + 4);
    C.pc = CODE + 4;
    C.debug_ebreak = true;
    uint64_t cyc = C.csr.mcycle;
    cr_assert_eq(rv_step(&C), RV_EBREAK);
    cr_assert_eq(C.pc, CODE + 4);
    cr_assert_eq(C.csr.mcycle, cyc + 1);
    put16(CODE + 4, 0x9002); /* c.ebreak */
    cr_assert_eq(rv_step(&C), RV_EBREAK);
    cr_assert_eq(C.pc, CODE + 4);
}

Test(iss, memory_wait_leaves_state_unchanged_and_blocks_interrupts)
{
    const uint32_t p[] = {I(0, 10, 2, 11, 0x03) /* lw a1,0(a0) */, S(0, 11, 10, 2) /* sw a1,0(a0) */, NOP};
    load(p, 3);
    put32(0x2000, 0xcafef00d);
    C.x[10] = 0x2000;
    M.slow_addr = 0x2000;
    M.wait_left = 3;
    C.csr.mie = 1u << RV_IRQ_MTI;
    C.csr.mstatus |= 0x8;
    cr_assert_eq(rv_step(&C), RV_STALLED);
    rv_set_irq(&C, RV_IRQ_MTI, true); /* arrives mid-access: must wait for the retire */
    cr_assert_eq(rv_step(&C), RV_STALLED);
    cr_assert_eq(C.pc, CODE);
    cr_assert_eq(C.x[11], 0u);
    cr_assert_eq(C.csr.minstret, 0u);
    cr_assert_eq(C.csr.mcycle, 2u);
    cr_assert_eq(rv_step(&C), RV_STALLED);
    step_ok(1);
    cr_assert_eq(C.x[11], 0xcafef00du);
    cr_assert_eq(C.csr.mcycle, 4u);
    cr_assert_eq(C.csr.minstret, 1u);
    /* now the interrupt goes in, with mepc = the next instruction */
    cr_assert_eq(rv_step(&C), RV_RETIRED);
    cr_assert(C.trap_taken);
    cr_assert_eq(C.csr.mcause, 0x80000007u);
    cr_assert_eq(C.csr.mepc, CODE + 4);
    /* a stalled store */
    rv_set_irq(&C, RV_IRQ_MTI, false);
    C.pc = CODE + 4;
    M.wait_left = 1;
    put32(0x2000, 0);
    cr_assert_eq(rv_step(&C), RV_STALLED);
    cr_assert_eq(get32(0x2000), 0u);
    step_ok(1);
    cr_assert_eq(get32(0x2000), 0xcafef00du);
}

Test(iss, interrupt_priority_mei_msi_mti)
{
    const uint32_t p[] = {NOP, NOP, NOP, NOP};
    load(p, 4);
    C.csr.mie = 0x888;
    rv_set_irq(&C, RV_IRQ_MTI, true);
    rv_set_irq(&C, RV_IRQ_MSI, true);
    rv_set_irq(&C, RV_IRQ_MEI, true);
    step_ok(1); /* MIE clear: nothing taken */
    static const uint32_t order[] = {0x8000000b, 0x80000003, 0x80000007};
    static const unsigned bit[] = {RV_IRQ_MEI, RV_IRQ_MSI, RV_IRQ_MTI};
    for (int i = 0; i < 3; i++) {
        C.csr.mstatus |= 0x8;
        C.pc = CODE + 4;
        cr_assert_eq(rv_step(&C), RV_RETIRED);
        cr_assert(C.trap_taken);
        cr_assert_eq(C.csr.mcause, order[i]);
        cr_assert_eq(C.csr.mepc, CODE + 4);
        cr_assert_eq(C.pc, TVEC);
        cr_assert_eq(C.csr.mstatus & 0x88, 0x80u, "MIE cleared, MPIE set");
        rv_set_irq(&C, bit[i], false);
    }
}

Test(iss, vectored_mtvec)
{
    const uint32_t p[] = {NOP, 0x00000073};
    load(p, 2);
    C.csr.mtvec = TVEC | 1;
    C.csr.mie = 0x888;
    C.csr.mstatus |= 0x8;
    rv_set_irq(&C, RV_IRQ_MEI, true);
    cr_assert_eq(rv_step(&C), RV_RETIRED);
    cr_assert_eq(C.pc, TVEC + 4 * 11, "interrupts go to base + 4 * cause");
    rv_set_irq(&C, RV_IRQ_MEI, false);
    C.pc = CODE + 4;
    expect_trap(11, 0, CODE + 4);
    cr_assert_eq(C.pc, TVEC, "exceptions go to base");
}

Test(iss, wfi_sleeps_until_pending_regardless_of_mie)
{
    const uint32_t p[] = {WFI, NOP, WFI, NOP};
    load(p, 4);
    C.csr.mie = 1u << RV_IRQ_MTI;
    step_ok(1);
    cr_assert(C.wfi);
    cr_assert_eq(rv_step(&C), RV_WFI);
    cr_assert_eq(rv_step(&C), RV_WFI);
    cr_assert_eq(C.pc, CODE + 4);
    cr_assert_eq(C.csr.mcycle, 3u);
    cr_assert_eq(C.csr.minstret, 1u);
    rv_set_irq(&C, RV_IRQ_MEI, true); /* pending but not enabled in mie: keeps sleeping */
    cr_assert_eq(rv_step(&C), RV_WFI);
    rv_set_irq(&C, RV_IRQ_MTI, true); /* MIE = 0: wake up and go on, no trap */
    step_ok(1);
    cr_assert(!C.wfi);
    cr_assert_eq(C.pc, CODE + 8);
    /* WFI with something already pending does not sleep */
    step_ok(1);
    cr_assert(!C.wfi);
    /* with MIE set the wake-up is the interrupt, returning after the wfi */
    rv_set_irq(&C, RV_IRQ_MTI, false);
    C.pc = CODE + 8;
    step_ok(1);
    cr_assert(C.wfi);
    C.csr.mstatus |= 0x8;
    rv_set_irq(&C, RV_IRQ_MTI, true);
    cr_assert_eq(rv_step(&C), RV_RETIRED);
    cr_assert(C.trap_taken);
    cr_assert_eq(C.csr.mepc, CODE + 12);
}

Test(iss, mret_restores_mie_from_mpie)
{
    const uint32_t p[] = {MRET};
    load(p, 1);
    C.csr.mepc = 0x200;
    C.csr.mstatus = 0x1880; /* MPIE 1, MIE 0 */
    step_ok(1);
    cr_assert_eq(C.pc, 0x200u);
    cr_assert_eq(C.csr.mstatus, 0x1888u);
    C.pc = CODE;
    C.csr.mstatus = 0x1808; /* MPIE 0, MIE 1 */
    step_ok(1);
    cr_assert_eq(C.csr.mstatus, 0x1880u, "MIE <- MPIE (0), MPIE <- 1, MPP stays M");
}

Test(iss, csr_read_modify_write)
{
    const uint32_t p[] = {
        0x34059573, /* csrrw a0, mscratch, a1 */ 0x3405a673, /* csrrs a2, mscratch, a1 */
        0x340fb6f3, /* csrrc a3, mscratch, t6 */ 0x340fd773, /* csrrwi a4, mscratch, 31 */
        0x301027f3, /* csrr a5, misa */           0xb0002873, /* csrr a6, mcycle */
        0x30405073 | (0xf << 15), /* csrwi mie, 15 */ 0x304028f3, /* csrr a7, mie */
    };
    load(p, 8);
    C.x[11] = 0x0f0f0000;
    C.x[31] = 0x0f000000;
    step_ok(8);
    cr_assert_eq(C.x[10], 0u);
    cr_assert_eq(C.x[12], 0x0f0f0000u);
    cr_assert_eq(C.x[13], 0x0f0f0000u);
    cr_assert_eq(C.x[14], 0x000f0000u);
    cr_assert_eq(C.csr.mscratch, 31u);
    cr_assert_eq(C.x[15], 0x40001104u);
    cr_assert_eq(C.x[16], 6u, "mcycle counts this step too");
    cr_assert_eq(C.x[17], 0x8u, "mie keeps only MSIE/MTIE/MEIE");
}

Test(iss, disassembly)
{
    static const struct { uint32_t w; uint32_t pc; const char *s; } v[] = {
        {0x00a58533, 0, "add a0, a1, a0"},
        {0xfff00513, 0, "li a0, -1"},
        {0x00008067, 0, "ret"},
        {0x40f40433, 0, "sub s0, s0, a5"},
        {0x02b50533, 0, "mul a0, a0, a1"},
        {0x00452583, 0, "lw a1, 4(a0)"},
        {0xfeb52e23, 0, "sw a1, -4(a0)"},
        {0xfe0508e3, 0x100, "beq a0, zero, 0xf0"},
        {0x008000ef, 0x100, "jal ra, 0x108"},
        {0x34051573, 0, "csrrw a0, mscratch, a0"},
        {0x30200073, 0, "mret"},
        {0x10500073, 0, "wfi"},
        {0x4581, 0, "c.li a1, 0"},
        {0x8082, 0, "c.ret"},
        {0x9002, 0, "c.ebreak"},
        {0x0000, 0, "unknown 0x0000"},
    };
    char buf[80];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        rv_disasm(v[i].w, v[i].pc, buf, sizeof buf);
        cr_assert_str_eq(buf, v[i].s, "0x%08x: '%s', expected '%s'", v[i].w, buf, v[i].s);
    }
}
