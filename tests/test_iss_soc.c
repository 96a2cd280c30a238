/* test_iss_soc.c - the ELF loader on good and bad files, and the firmware SoC (TCMs, CSR window timing, console, IRQs). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_load.h"
#include "fw_soc.h"
#include "mini_elf.h"

#define NOP 0x00000013u

/* ---- ELF loader ---------------------------------------------------------------------------- */

static const uint32_t tiny[] = {0x00000013, 0x0000006f};

static void expect_bad(const void *data, size_t len, const char *fragment)
{
    char path[64], err[256];
    mini_elf_write(path, sizeof path, data, len);
    struct elf_image img;
    int rc = elf_load(path, &img, err, sizeof err);
    unlink(path);
    cr_assert_eq(rc, -1, "'%s' loaded", fragment);
    cr_assert(!strncmp(err, "bad ELF '", 9), "error: %s", err);
    cr_assert(!strchr(err, '\n'), "one line: %s", err);
    cr_assert(strstr(err, fragment), "error '%s' should mention '%s'", err, fragment);
    cr_assert_eq(img.nseg, 0u);
}

Test(iss_elf, good_minimal_elf_with_symbol)
{
    uint8_t buf[1024];
    size_t n = mini_elf(buf, 0x80000000u, tiny, 2, "tohost", 0x80000040u);
    char path[64], err[256] = "";
    mini_elf_write(path, sizeof path, buf, n);
    struct elf_image img;
    cr_assert_eq(elf_load(path, &img, err, sizeof err), 0, "%s", err);
    unlink(path);
    cr_assert_eq(img.entry, 0x80000000u);
    cr_assert_eq(img.nseg, 1u);
    cr_assert_eq(img.seg[0].memsz, 8u);
    cr_assert_eq(memcmp(img.seg[0].data, tiny, 8), 0);
    const struct elf_sym *s = elf_sym_find(&img, "tohost");
    cr_assert_not_null(s);
    cr_assert_eq(s->value, 0x80000040u);
    char sym[64];
    elf_symbolize(&img, 0x80000052u, sym, sizeof sym);
    cr_assert_str_eq(sym, "tohost+0x12");
    cr_assert_null(elf_sym_find(&img, "nope"));
    elf_free(&img);
}

Test(iss_elf, bad_files_give_one_clean_line)
{
    uint8_t good[1024], b[1024];
    size_t n = mini_elf(good, 0x80000000u, tiny, 2, NULL, 0);

    expect_bad("", 0, "bad magic");
    expect_bad("\x7f" "ELF", 4, "bad magic");
    expect_bad(good, 30, "truncated");
    expect_bad(good, 60, "truncated");                    /* program header cut */
    expect_bad(good, MINI_ELF_CODE_OFF + 4, "truncated"); /* segment data cut */
    memcpy(b, good, n);
    b[4] = 2; /* ELFCLASS64 */
    expect_bad(b, n, "32-bit");
    memcpy(b, good, n);
    b[5] = 2; /* big-endian */
    expect_bad(b, n, "little-endian");
    memcpy(b, good, n);
    b[18] = 62; /* e_machine EM_X86_64 */
    expect_bad(b, n, "not a RISC-V executable (e_machine 62");
    memcpy(b, good, n);
    b[16] = 3; /* ET_DYN */
    expect_bad(b, n, "not ET_EXEC");
    memcpy(b, good, n);
    b[52 + 16] = 0x10; /* p_filesz 16 > p_memsz 8 */
    expect_bad(b, n, "filesz > memsz");
    memcpy(b, good, n);
    b[52 + 4 + 2] = 0x10; /* p_offset far beyond the file */
    expect_bad(b, n, "outside the file");
    memcpy(b, good, n);
    b[24] = 0x40; /* entry outside the segment */
    expect_bad(b, n, "entry point");
    uint8_t junk[512];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 37 + 11);
    expect_bad(junk, sizeof junk, "bad magic");
    memcpy(junk, good, 16); /* valid ident, garbage after */
    expect_bad(junk, sizeof junk, "");
}

Test(iss_elf, host_binaries_and_missing_files)
{
    char err[256];
    struct elf_image img;
    cr_assert_eq(elf_load("/bin/true", &img, err, sizeof err), -1);
    cr_assert(strstr(err, "bad ELF '/bin/true': ") && !strchr(err, '\n'), "%s", err);
    cr_assert_eq(elf_load("/nonexistent/x.elf", &img, err, sizeof err), -1);
    cr_assert(strstr(err, "cannot open"), "%s", err);
    cr_assert_eq(elf_load("/tmp", &img, err, sizeof err), -1);
    cr_assert(strstr(err, "not a regular file"), "%s", err);
}

/* ---- firmware SoC ---------------------------------------------------------------------------- */

Test(iss_soc, segment_outside_the_tcms_is_refused)
{
    uint8_t buf[1024];
    size_t n = mini_elf(buf, 0x80000000u, tiny, 2, NULL, 0);
    char path[64], err[256];
    mini_elf_write(path, sizeof path, buf, n);
    struct elf_image img;
    cr_assert_eq(elf_load(path, &img, err, sizeof err), 0, "%s", err);
    unlink(path);
    static fw_soc_t s;
    cr_assert_eq(fw_soc_init(&s, &img, err, sizeof err), -1);
    cr_assert(strstr(err, "outside ITCM") && !strchr(err, '\n'), "%s", err);
    /* straddling the end of the ITCM */
    img.seg[0].paddr = FW_ITCM_SIZE - 4;
    img.entry = img.seg[0].paddr;
    cr_assert_eq(fw_soc_init(&s, &img, err, sizeof err), -1);
    img.seg[0].paddr = FW_DTCM_BASE;
    img.entry = FW_DTCM_BASE;
    cr_assert_eq(fw_soc_init(&s, &img, err, sizeof err), 0, "%s", err);
    elf_free(&img);
}

/* firmware: read ID, a byte lane of it, print "hi", half-word write/read of SCRATCH, read msip */
static const uint32_t soc_prog[] = {
    0x40000537, /* lui a0, 0x40000 */  0x00052583, /* lw a1, 0(a0) */    0x00154603, /* lbu a2, 1(a0) */
    0x06800693, /* li a3, 'h' */       0x0ed50023, /* sb a3, 0xe0(a0) */ 0x06900693, /* li a3, 'i' */
    0x0ed50023, /* sb a3, 0xe0(a0) */  0x00a00693, /* li a3, '\n' */     0x0ed50023, /* sb a3, 0xe0(a0) */
    0x00001737, /* lui a4, 0x1 */      0x23470713, /* addi a4, a4, 0x234 */ 0x00e51523, /* sh a4, 10(a0) */
    0x00852783, /* lw a5, 8(a0) */     0x00a55403, /* lhu s0, 10(a0) */   0x020004b7, /* lui s1, 0x2000 */
    0x0004a483, /* lw s1, 0(s1) */     0x0000006f, /* j . */
};

static unsigned hook_calls;
static void count_hook(void *ctx, rv_cpu_t *cpu)
{
    (void)ctx;
    (void)cpu;
    hook_calls++;
}

Test(iss_soc, csr_window_wait_states_console_and_lanes_on_the_model)
{
    struct elf_seg seg = {FW_ITCM_BASE, sizeof soc_prog, sizeof soc_prog, 5, (uint8_t *)soc_prog};
    struct elf_image img = {.path = "soc_prog", .entry = FW_ITCM_BASE, .seg = &seg, .nseg = 1};
    static fw_soc_t s;
    char err[256];
    cr_assert_eq(fw_soc_init(&s, &img, err, sizeof err), 0, "%s", err);
    char *out = NULL;
    size_t outlen = 0;
    FILE *con = open_memstream(&out, &outlen);
    s.console = con;
    s.before_step = count_hook;

    vdpu_dev_t *dev = vdpu_model_create();
    host_mem_t mem;
    host_mem_init(&mem);
    static vdpu_bus_t b;
    vdpu_bus_init(&b, dev, &mem);
    fw_soc_attach(&s, &b);

    /* lui (1 cycle), then lw from the window: issued in cycle 1, retired in cycle 2 */
    vdpu_bus_step(&b);
    cr_assert_eq(s.cpu.retired, 1u);
    vdpu_bus_step(&b);
    cr_assert_eq(s.cpu.retired, 1u, "the CSR read is waiting for its response");
    cr_assert(s.acc.busy);
    vdpu_bus_step(&b);
    cr_assert_eq(s.cpu.retired, 2u);
    cr_assert_eq(s.cpu.x[11], VDPU_CSR_ID_VALUE);
    cr_assert_eq(hook_calls, 2u, "no hook call while the access is stalled");
    vdpu_bus_run_cycles(&b, 60);
    cr_assert_eq(s.cpu.pc, sizeof soc_prog - 4, "pc 0x%x", s.cpu.pc);
    cr_assert_eq(s.cpu.x[12], (VDPU_CSR_ID_VALUE >> 8) & 0xff);
    cr_assert_eq(s.cpu.x[15], 0x12340000u, "sh to SCRATCH+2 writes the upper lanes only");
    cr_assert_eq(s.cpu.x[8], 0x1234u);
    cr_assert_eq(s.cpu.x[9], 0u);
    cr_assert_eq(s.csr_reads, 4u);
    cr_assert_eq(s.csr_writes, 4u);
    /* 17 instructions; 8 of them touch the window and take one extra cycle each */
    fclose(con);
    cr_assert_str_eq(out, "[fw] hi\n");
    free(out);
    cr_assert_eq(s.clint.mtime, s.cycle);

    /* debugger access: TCMs only */
    uint32_t w = 0;
    cr_assert(fw_soc_debug_read(&s, 4, &w, 4));
    cr_assert_eq(w, soc_prog[1]);
    w = 0x12345678;
    cr_assert(fw_soc_debug_write(&s, FW_DTCM_BASE + FW_DTCM_SIZE - 4, &w, 4));
    cr_assert(!fw_soc_debug_write(&s, FW_DTCM_BASE + FW_DTCM_SIZE - 2, &w, 4));
    cr_assert(!fw_soc_debug_read(&s, FW_CSR_BASE, &w, 4));
    vdpu_dev_destroy(dev);
    host_mem_fini(&mem);
}

Test(iss_soc, fw_irq_drives_mei)
{
    const uint32_t prog[] = {NOP, NOP, NOP, NOP};
    struct elf_seg seg = {FW_ITCM_BASE, sizeof prog, sizeof prog, 5, (uint8_t *)prog};
    struct elf_image img = {.path = "irq", .entry = 0, .seg = &seg, .nseg = 1};
    static fw_soc_t s;
    char err[256];
    cr_assert_eq(fw_soc_init(&s, &img, err, sizeof err), 0, "%s", err);
    vdpu_bus_t b;
    memset(&b, 0, sizeof b);
    fw_soc_attach(&s, &b);
    vdpu_out_t out;
    vdpu_fwreq_t req;
    memset(&out, 0, sizeof out);
    s.cpu.csr.mie = 1u << RV_IRQ_MEI;
    s.cpu.csr.mtvec = 0x8;
    cr_assert(!b.fw.step(b.fw.ctx, &out, &req));
    cr_assert_eq(s.cpu.csr.mip, 0u);
    out.fw_irq = 1;
    b.fw.step(b.fw.ctx, &out, &req);
    cr_assert_eq(s.cpu.csr.mip, 1u << RV_IRQ_MEI);
    cr_assert(!s.cpu.trap_taken, "MIE clear");
    s.cpu.csr.mstatus |= 0x8;
    b.fw.step(b.fw.ctx, &out, &req);
    cr_assert(s.cpu.trap_taken);
    cr_assert_eq(s.cpu.csr.mcause, 0x8000000bu);
    cr_assert_eq(s.cpu.pc, 0x8u);
}
