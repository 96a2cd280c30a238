/* cmd_iss.c - `vdpu iss`: run a riscv-tests-style ELF on the RISC-V core alone (flat RAM + CLINT), judge by tohost. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clint.h"
#include "cli.h"
#include "elf_load.h"
#include "rv_cpu.h"
#include "rv_trace.h"

#define ISS_RAM_MAX (256u << 20)

static void iss_usage(FILE *f)
{
    fprintf(f,
            "usage: vdpu iss FILE.elf [options]\n"
            "\n"
            "Run a bare-metal RV32IMC program on the instruction-set simulator of the firmware CPU\n"
            "(machine mode, one instruction per cycle), outside the device. Memory is flat RAM spanning\n"
            "the ELF's loadable segments plus a CLINT at 0x%08x (msip +0x0, mtimecmp +0x4000,\n"
            "mtime +0xBFF8 counting cycles), so timer and software interrupts can be tested.\n"
            "riscv-tests convention: the program ends by storing to the 'tohost' symbol; 1 is a pass,\n"
            "(N << 1) | 1 is a failure of test N.\n"
            "\n"
            "options:\n"
            "      --trace          print one line per retired instruction:\n"
            "                       [iss] cyc=N pc=0x... sym+off disasm [rd=reg <- 0x...]\n"
            "      --max-cycles N   give up after N cycles (default 10000000)\n"
            "  -h, --help           this text\n"
            "\n"
            "exit status: 0 pass, 1 test failure or timeout, 2 bad arguments or unusable ELF\n",
            CLINT_BASE);
}

struct iss_sys {
    uint8_t *ram;
    uint32_t base, size;
    clint_t clint;
    uint32_t tohost;
    bool tohost_written;
};

static enum rv_mem_result iss_fetch16(void *ctx, uint32_t addr, uint16_t *parcel)
{
    struct iss_sys *m = ctx;
    uint32_t o = addr - m->base;
    if (o >= m->size || m->size - o < 2) return RV_MEM_FAULT;
    *parcel = (uint16_t)(m->ram[o] | m->ram[o + 1] << 8);
    return RV_MEM_OK;
}

static enum rv_mem_result iss_load(void *ctx, uint32_t addr, unsigned size, uint32_t *val)
{
    struct iss_sys *m = ctx;
    uint32_t o = addr - m->base;
    if (o < m->size && m->size - o >= size) {
        uint32_t v = 0;
        for (unsigned i = 0; i < size; i++) v |= (uint32_t)m->ram[o + i] << (8 * i);
        *val = v;
        return RV_MEM_OK;
    }
    if (addr - CLINT_BASE < CLINT_SIZE) return clint_load(&m->clint, addr - CLINT_BASE, size, val);
    return RV_MEM_FAULT;
}

static enum rv_mem_result iss_store(void *ctx, uint32_t addr, unsigned size, uint32_t val)
{
    struct iss_sys *m = ctx;
    uint32_t o = addr - m->base;
    if (o < m->size && m->size - o >= size) {
        for (unsigned i = 0; i < size; i++) m->ram[o + i] = (uint8_t)(val >> (8 * i));
        if (addr - m->tohost < 4) m->tohost_written = true;
        return RV_MEM_OK;
    }
    if (addr - CLINT_BASE < CLINT_SIZE) return clint_store(&m->clint, addr - CLINT_BASE, size, val);
    return RV_MEM_FAULT;
}

/* One RAM block from the lowest to the highest loaded byte (page-rounded), segments copied in. */
static int iss_map(struct iss_sys *m, const struct elf_image *img, char *err, size_t errlen)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < img->nseg; i++) {
        if (img->seg[i].paddr < lo) lo = img->seg[i].paddr;
        if ((uint64_t)img->seg[i].paddr + img->seg[i].memsz > hi) hi = (uint64_t)img->seg[i].paddr + img->seg[i].memsz;
    }
    lo &= ~0xfffull;
    hi = (hi + 0xfff) & ~0xfffull;
    if (hi > 0x100000000ull) hi = 0x100000000ull;
    if (hi - lo > ISS_RAM_MAX) {
        snprintf(err, errlen, "bad ELF '%s': segments span %llu MiB (0x%08llx..0x%08llx), more than %u MiB", img->path,
                 (unsigned long long)((hi - lo) >> 20), (unsigned long long)lo,
                 (unsigned long long)(hi - 1), ISS_RAM_MAX >> 20);
        return -1;
    }
    m->base = (uint32_t)lo;
    m->size = (uint32_t)(hi - lo);
    if (!(m->ram = calloc(m->size, 1))) {
        snprintf(err, errlen, "out of memory for %u bytes of RAM", m->size);
        return -1;
    }
    for (unsigned i = 0; i < img->nseg; i++)
        memcpy(m->ram + (img->seg[i].paddr - m->base), img->seg[i].data, img->seg[i].filesz);
    return 0;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int cmd_iss(int argc, char **argv)
{
    static const struct option opts[] = {
        {"trace", no_argument, 0, 't'},
        {"max-cycles", required_argument, 0, 'm'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    bool trace = false;
    uint64_t max_cycles = 10000000;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 't': trace = true; break;
        case 'm':
            if (!cli_u64("iss", "--max-cycles", optarg, &max_cycles)) return VDPU_EXIT_USAGE;
            break;
        case 'h': iss_usage(stdout); return VDPU_EXIT_OK;
        case ':': return cli_usage_error("iss", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("iss", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) return cli_usage_error("iss", "missing the ELF file to run");
    if (optind + 1 < argc) return cli_usage_error("iss", "unexpected argument '%s'", argv[optind + 1]);
    const char *path = argv[optind];

    char err[512];
    struct elf_image img;
    if (elf_load(path, &img, err, sizeof err)) {
        fprintf(stderr, "vdpu iss: %s\n", err);
        return VDPU_EXIT_USAGE;
    }
    const struct elf_sym *th = elf_sym_find(&img, "tohost");
    if (!th) {
        fprintf(stderr, "vdpu iss: '%s' has no 'tohost' symbol: nothing tells when the program ends\n", path);
        elf_free(&img);
        return VDPU_EXIT_USAGE;
    }
    static struct iss_sys m; /* static: the tests run one program per process */
    memset(&m, 0, sizeof m);
    if (iss_map(&m, &img, err, sizeof err)) {
        fprintf(stderr, "vdpu iss: %s\n", err);
        elf_free(&img);
        return VDPU_EXIT_USAGE;
    }
    m.tohost = th->value;
    clint_init(&m.clint);
    static rv_cpu_t cpu;
    struct rv_mem_ops ops = {&m, iss_fetch16, iss_load, iss_store};
    rv_init(&cpu, &ops, img.entry);

    int rc = VDPU_EXIT_FAIL;
    uint64_t steps = 0; /* cycles: rv_step calls (mcycle is writable, so not that) */
    uint32_t result = 0;
    const char *why = NULL;
    double t0 = now_s();
    while (steps < max_cycles) {
        clint_tick(&m.clint, &cpu);
        enum rv_step_result r = rv_step(&cpu);
        if (trace && r == RV_RETIRED) rv_trace_retired(stdout, "[iss]", (unsigned long long)steps, &cpu, &img);
        steps++;
        if (m.tohost_written) {
            m.tohost_written = false;
            iss_load(&m, m.tohost, 4, &result);
            if (result) break;
        }
        if (r == RV_WFI && cpu.csr.mie == 0) {
            why = "stuck in WFI with every interrupt disabled (mie = 0)";
            break;
        }
    }
    double dt = now_s() - t0;
    if (result == 1) {
        printf("PASS\n");
        rc = VDPU_EXIT_OK;
    } else if (result) {
        printf("FAIL: test %u (tohost 0x%08x, pc 0x%08x)\n", result >> 1, result, cpu.last_pc);
    } else if (why) {
        printf("FAIL: %s, pc 0x%08x\n", why, cpu.pc);
    } else {
        printf("timeout: no tohost write in %llu cycles, pc 0x%08x\n", (unsigned long long)max_cycles, cpu.pc);
    }
    printf("iss: %llu instructions retired in %llu cycles, %.1f M instructions/s\n",
           (unsigned long long)cpu.retired, (unsigned long long)steps,
           dt > 0 ? (double)cpu.retired / dt / 1e6 : 0.0);
    free(m.ram);
    elf_free(&img);
    return rc;
}
