/* fw_soc.c - firmware SoC: TCMs, CLINT, device CSR window with wait states, console capture; one CPU step per cycle. */
#include <string.h>

#include "fw_soc.h"
#include "rv_trace.h"

#ifndef VDPU_CSR_CONSOLE
#define VDPU_CSR_CONSOLE 0x0E0u
#endif

/* host pointer to [addr, addr+len) if it lies entirely inside one TCM */
static uint8_t *tcm(fw_soc_t *s, uint32_t addr, size_t len)
{
    if (addr - FW_ITCM_BASE < FW_ITCM_SIZE && len <= FW_ITCM_SIZE - (addr - FW_ITCM_BASE))
        return s->itcm + (addr - FW_ITCM_BASE);
    if (addr - FW_DTCM_BASE < FW_DTCM_SIZE && len <= FW_DTCM_SIZE - (addr - FW_DTCM_BASE))
        return s->dtcm + (addr - FW_DTCM_BASE);
    return NULL;
}

static inline uint32_t rd_le(const uint8_t *p, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static inline void wr_le(uint8_t *p, unsigned size, uint32_t v)
{
    for (unsigned i = 0; i < size; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void console_byte(fw_soc_t *s, uint8_t ch)
{
    if (ch == '\r') return;
    if (ch != '\n') s->line[s->line_n++] = (char)ch;
    if (ch == '\n' || s->line_n == FW_SOC_LINE_MAX) {
        /* the console is the firmware's bytes, not the terminal's: control and non-ASCII bytes are
         * shown as \xNN, never sent raw (an escape sequence would drive the terminal) */
        if (s->console) {
            char esc[4 * FW_SOC_LINE_MAX + 1];
            size_t n = 0;
            for (unsigned i = 0; i < s->line_n; i++) {
                uint8_t b = (uint8_t)s->line[i];
                if ((b >= 0x20 && b < 0x7f) || b == '\t') esc[n++] = (char)b;
                else n += (size_t)snprintf(esc + n, sizeof esc - n, "\\x%02x", b);
            }
            esc[n] = 0;
            fprintf(s->console, "[fw] %s\n", esc);
        }
        s->line_n = 0;
    }
}

void fw_soc_flush_console(fw_soc_t *s)
{
    if (s->line_n) console_byte(s, '\n');
    if (s->console) fflush(s->console);
}

/* One access to the device CSR window. The first attempt issues the request and stalls; the
 * retry after the response completes. The CPU never lets an interrupt in between (it retries
 * a stalled instruction first), so the retry is the same access. */
static enum rv_mem_result csr_window(fw_soc_t *s, bool we, uint32_t addr, unsigned size, uint32_t wval, uint32_t *rval)
{
    uint32_t off = addr - FW_CSR_BASE, lane = off & 3;
    if (s->acc.busy && s->acc.answered && s->acc.we == we && s->acc.addr == addr && s->acc.size == size) {
        s->acc.busy = s->acc.answered = false;
        if (we) {
            if ((off & ~3u) == VDPU_CSR_CONSOLE && lane == 0) console_byte(s, (uint8_t)wval);
        } else {
            uint32_t w = s->acc.rdata >> (8 * lane);
            *rval = size == 4 ? w : w & ((1u << (8 * size)) - 1);
        }
        return RV_MEM_OK;
    }
    if (s->acc.busy && !s->acc.answered) return RV_MEM_WAIT; /* the response is still on its way */
    s->acc.busy = true;
    s->acc.answered = false;
    s->acc.we = we;
    s->acc.addr = addr;
    s->acc.size = size;
    s->acc.wdata = wval;
    s->issue = true;
    s->req.we = we;
    s->req.addr = (uint16_t)(off & ~3u);
    s->req.wdata = we ? wval << (8 * lane) : 0;
    s->req.wstrb = we ? (uint8_t)(((1u << size) - 1) << lane) : 0;
    if (we) s->csr_writes++;
    else s->csr_reads++;
    return RV_MEM_WAIT;
}

static enum rv_mem_result soc_fetch16(void *ctx, uint32_t addr, uint16_t *parcel)
{
    const uint8_t *p = tcm(ctx, addr, 2);
    if (!p) return RV_MEM_FAULT;
    *parcel = (uint16_t)(p[0] | p[1] << 8);
    return RV_MEM_OK;
}

static enum rv_mem_result soc_load(void *ctx, uint32_t addr, unsigned size, uint32_t *val)
{
    fw_soc_t *s = ctx;
    const uint8_t *p = tcm(s, addr, size);
    if (p) {
        *val = rd_le(p, size);
        return RV_MEM_OK;
    }
    if (addr - FW_CSR_BASE < FW_CSR_SIZE) return csr_window(s, false, addr, size, 0, val);
    if (addr - CLINT_BASE < CLINT_SIZE) return clint_load(&s->clint, addr - CLINT_BASE, size, val);
    return RV_MEM_FAULT;
}

static enum rv_mem_result soc_store(void *ctx, uint32_t addr, unsigned size, uint32_t val)
{
    fw_soc_t *s = ctx;
    uint8_t *p = tcm(s, addr, size);
    if (p) {
        wr_le(p, size, val);
        return RV_MEM_OK;
    }
    if (addr - FW_CSR_BASE < FW_CSR_SIZE) return csr_window(s, true, addr, size, val, NULL);
    if (addr - CLINT_BASE < CLINT_SIZE) return clint_store(&s->clint, addr - CLINT_BASE, size, val);
    return RV_MEM_FAULT;
}

int fw_soc_init(fw_soc_t *s, const struct elf_image *img, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->console = stdout;
    s->img = img;
    clint_init(&s->clint);
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct elf_seg *g = &img->seg[i];
        uint8_t *p = tcm(s, g->paddr, g->memsz);
        if (!p) {
            snprintf(err, errlen,
                     "bad firmware '%s': segment %u at 0x%08x..0x%08x is outside ITCM (0x%08x, %u KiB) and DTCM "
                     "(0x%08x, %u KiB)",
                     img->path, i, g->paddr, g->paddr + g->memsz - 1, FW_ITCM_BASE, FW_ITCM_SIZE >> 10, FW_DTCM_BASE,
                     FW_DTCM_SIZE >> 10);
            return -1;
        }
        memcpy(p, g->data, g->filesz);
        memset(p + g->filesz, 0, g->memsz - g->filesz);
    }
    struct rv_mem_ops ops = {s, soc_fetch16, soc_load, soc_store};
    rv_init(&s->cpu, &ops, img->entry);
    s->last = RV_RETIRED;
    return 0;
}

static bool soc_step(void *ctx, const vdpu_out_t *out, vdpu_fwreq_t *req)
{
    fw_soc_t *s = ctx;
    rv_set_irq(&s->cpu, RV_IRQ_MEI, out->fw_irq != 0);
    clint_tick(&s->clint, &s->cpu);
    if (s->acc.busy && !s->acc.answered && out->fwrsp_valid) {
        s->acc.answered = true;
        s->acc.rdata = out->fwrsp.rdata;
    }
    s->issue = false;
    /* a retry of a stalled access is not an instruction boundary: the debugger may not stop there */
    if (s->before_step && !s->cpu.stalled) s->before_step(s->before_step_ctx, &s->cpu);
    s->last = rv_step(&s->cpu);
    s->cycle++;
    if (s->trace && s->last == RV_RETIRED) rv_trace_retired(s->trace, "[fw-cpu]", s->cycle - 1, &s->cpu, s->img);
    if (!s->issue) return false;
    *req = s->req;
    return true;
}

/* Idle skipping: the CPU sleeps in WFI with nothing pending-and-enabled (the device's IRQ lines as
 * these outputs drive them), no CSR access in flight, no debugger or trace watching; only the
 * CLINT counts, until its timer compare would raise MTI. */
static bool soc_idle(void *ctx, const vdpu_out_t *out, uint64_t now, uint64_t *until)
{
    fw_soc_t *s = ctx;
    if (!s->cpu.wfi || s->acc.busy || s->before_step || s->trace || out->fw_irq) return false;
    uint32_t mip = s->cpu.csr.mip & ~(1u << RV_IRQ_MEI);
    if (mip & s->cpu.csr.mie) return false;
    const clint_t *t = &s->clint;
    *until = t->mtimecmp > t->mtime && t->mtimecmp - t->mtime < UINT64_MAX - now ? now + (t->mtimecmp - t->mtime)
                                                                                   : UINT64_MAX;
    return true;
}

/* n sleeping cycles: what soc_step would have counted */
static void soc_skip(void *ctx, uint64_t n)
{
    fw_soc_t *s = ctx;
    s->clint.mtime += n;
    s->cpu.csr.mcycle += n;
    s->cycle += n;
}

void fw_soc_attach(fw_soc_t *s, vdpu_bus_t *b)
{
    b->fw.ctx = s;
    b->fw.step = soc_step;
    b->fw.idle = soc_idle;
    b->fw.skip = soc_skip;
}

bool fw_soc_debug_read(fw_soc_t *s, uint32_t addr, void *buf, size_t len)
{
    const uint8_t *p = tcm(s, addr, len);
    if (!p) return false;
    memcpy(buf, p, len);
    return true;
}

bool fw_soc_debug_write(fw_soc_t *s, uint32_t addr, const void *buf, size_t len)
{
    uint8_t *p = tcm(s, addr, len);
    if (!p) return false;
    memcpy(p, buf, len);
    return true;
}
