/* regmap_gen.c - generate the C header, SV package, port glue and docs table from regmap/vdpu_regmap.def. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_RW, K_RO, K_EV, K_WO };
static const char *kind_name[] = {"RW", "RO", "EV", "WO"};
#define RW K_RW
#define RO K_RO
#define EV K_EV
#define WO K_WO
#define IN 0
#define OUT 1

struct param { const char *name; uint64_t val; const char *doc; };
struct cfgf { const char *name; unsigned off, size; uint64_t reset, wmask; const char *doc; };
struct bar { const char *name; unsigned off, len; const char *doc; };
struct barreg { const char *region, *name; unsigned off, size; const char *doc; };
struct field { const char *name; unsigned off, size, kind; const char *doc; };
struct csr { const char *name; unsigned off, access; uint64_t reset; const char *doc; };
struct bitf { const char *csr, *name; unsigned lsb, width; const char *doc; };
struct en { const char *group, *name; unsigned val; const char *doc; };
struct portch { const char *name; int dir, has_ready; const char *doc; };
struct portf { const char *ch, *name; unsigned width; const char *doc; };
struct scalar { const char *name; int dir; unsigned width; const char *doc; };

#define PARAM(n, v, d)
#define CFG(n, o, s, r, w, d)
#define BAR(n, o, l, d)
#define BARREG(r, n, o, s, d)
#define COMMON(n, o, s, k, d)
#define NETCFG(n, o, s, d)
#define CSR(n, o, a, r, d)
#define FIELD(c, n, l, w, d)
#define ENUM(g, n, v, d)
#define PORTCH(c, dir, r, d)
#define PORTF(c, f, w, d)
#define SCALAR(n, dir, w, d)

#undef PARAM
#define PARAM(n, v, d) {#n, v, d},
static const struct param params[] = {
#include "vdpu_regmap.def"
};
#undef PARAM
#define PARAM(n, v, d)
#undef CFG
#define CFG(n, o, s, r, w, d) {#n, o, s, r, w, d},
static const struct cfgf cfgs[] = {
#include "vdpu_regmap.def"
};
#undef CFG
#define CFG(n, o, s, r, w, d)
#undef BAR
#define BAR(n, o, l, d) {#n, o, l, d},
static const struct bar bars[] = {
#include "vdpu_regmap.def"
};
#undef BAR
#define BAR(n, o, l, d)
#undef BARREG
#define BARREG(r, n, o, s, d) {#r, #n, o, s, d},
static const struct barreg barregs[] = {
#include "vdpu_regmap.def"
};
#undef BARREG
#define BARREG(r, n, o, s, d)
#undef COMMON
#define COMMON(n, o, s, k, d) {#n, o, s, k, d},
static const struct field commons[] = {
#include "vdpu_regmap.def"
};
#undef COMMON
#define COMMON(n, o, s, k, d)
#undef NETCFG
#define NETCFG(n, o, s, d) {#n, o, s, K_RO, d},
static const struct field netcfgs[] = {
#include "vdpu_regmap.def"
};
#undef NETCFG
#define NETCFG(n, o, s, d)
#undef CSR
#define CSR(n, o, a, r, d) {#n, o, a, r, d},
static const struct csr csrs[] = {
#include "vdpu_regmap.def"
};
#undef CSR
#define CSR(n, o, a, r, d)
#undef FIELD
#define FIELD(c, n, l, w, d) {#c, #n, l, w, d},
static const struct bitf bitfs[] = {
#include "vdpu_regmap.def"
};
#undef FIELD
#define FIELD(c, n, l, w, d)
#undef ENUM
#define ENUM(g, n, v, d) {#g, #n, v, d},
static const struct en enums[] = {
#include "vdpu_regmap.def"
};
#undef ENUM
#define ENUM(g, n, v, d)
#undef PORTCH
#define PORTCH(c, dir, r, d) {#c, dir, r, d},
static const struct portch chans[] = {
#include "vdpu_regmap.def"
};
#undef PORTCH
#define PORTCH(c, dir, r, d)
#undef PORTF
#define PORTF(c, f, w, d) {#c, #f, w, d},
static const struct portf pfields[] = {
#include "vdpu_regmap.def"
};
#undef PORTF
#define PORTF(c, f, w, d)
#undef SCALAR
#define SCALAR(n, dir, w, d) {#n, dir, w, d},
static const struct scalar scalars[] = {
#include "vdpu_regmap.def"
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* enum groups and their SV widths */
static const struct { const char *g; unsigned w; } groups[] = {
    {"HL", 2}, {"CPL", 2}, {"DMA", 1}, {"PURP", 4}, {"EV", 8}, {"DIAG", 8}, {"FWERR", 8}, {"QERR", 8}, {"ENGCTRL", 5}, {"FWDMA_ERR", 8},
};

static uint8_t cfg_reset[256], cfg_wmask[256];

static void die(const char *m) { fprintf(stderr, "regmap_gen: %s\n", m); exit(1); }

static void build_cfg_image(void)
{
    unsigned used[256] = {0};
    for (size_t i = 0; i < N(cfgs); i++) {
        for (unsigned b = 0; b < cfgs[i].size; b++) {
            unsigned o = cfgs[i].off + b;
            if (o >= 256 || used[o]) {
                fprintf(stderr, "regmap_gen: config field %s overlaps at 0x%x\n", cfgs[i].name, o);
                exit(1);
            }
            used[o] = 1;
            cfg_reset[o] = (uint8_t)(cfgs[i].reset >> (8 * b));
            cfg_wmask[o] = (uint8_t)(cfgs[i].wmask >> (8 * b));
        }
    }
}

/* every field names a CSR, fits its 32 bits and overlaps no other field of that CSR */
static void check_fields(void)
{
    for (size_t i = 0; i < N(bitfs); i++) {
        const struct bitf *b = &bitfs[i];
        int found = 0;
        for (size_t c = 0; c < N(csrs); c++) found |= !strcmp(csrs[c].name, b->csr);
        if (!found || !b->width || b->lsb + b->width > 32) {
            fprintf(stderr, "regmap_gen: field %s_%s: %s\n", b->csr, b->name, found ? "outside 32 bits" : "no such CSR");
            exit(1);
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(bitfs[j].csr, b->csr) &&
                (!strcmp(bitfs[j].name, b->name) ||
                 (b->lsb < bitfs[j].lsb + bitfs[j].width && bitfs[j].lsb < b->lsb + b->width))) {
                fprintf(stderr, "regmap_gen: field %s_%s overlaps %s_%s\n", b->csr, b->name, b->csr, bitfs[j].name);
                exit(1);
            }
    }
}

static uint32_t field_mask(const struct bitf *b)
{
    return (uint32_t)(((1ull << b->width) - 1) << b->lsb);
}

static const char *ctype(unsigned w)
{
    if (w == 1) return "bool";
    if (w <= 8) return "uint8_t";
    if (w <= 16) return "uint16_t";
    if (w <= 32) return "uint32_t";
    if (w <= 64) return "uint64_t";
    return NULL; /* byte array */
}

static void upper(char *dst, const char *s)
{
    while (*s) { *dst++ = (char)((*s >= 'a' && *s <= 'z') ? *s - 32 : *s); s++; }
    *dst = 0;
}

static void gen_c(FILE *f)
{
    fprintf(f, "/* vdpu_regmap.h - GENERATED by tools/regmap_gen.c from regmap/vdpu_regmap.def; do not edit. */\n");
    fprintf(f, "#ifndef VDPU_REGMAP_H\n#define VDPU_REGMAP_H\n#include <stdbool.h>\n#include <stdint.h>\n\n");
    fprintf(f, "/* parameters */\n");
    for (size_t i = 0; i < N(params); i++)
        fprintf(f, "#define VDPU_%-20s 0x%llxu /* %s */\n", params[i].name, (unsigned long long)params[i].val, params[i].doc);
    fprintf(f, "\n/* PCI config space fields: offset, size, reset, writable mask */\n");
    for (size_t i = 0; i < N(cfgs); i++) {
        fprintf(f, "#define VDPU_CFG_%s 0x%02xu /* %s */\n", cfgs[i].name, cfgs[i].off, cfgs[i].doc);
        fprintf(f, "#define VDPU_CFG_%s_SIZE %u\n", cfgs[i].name, cfgs[i].size);
        fprintf(f, "#define VDPU_CFG_%s_RESET 0x%llxu\n", cfgs[i].name, (unsigned long long)cfgs[i].reset);
        fprintf(f, "#define VDPU_CFG_%s_WMASK 0x%llxu\n", cfgs[i].name, (unsigned long long)cfgs[i].wmask);
    }
    fprintf(f, "\n/* BAR0 regions */\n");
    for (size_t i = 0; i < N(bars); i++) {
        fprintf(f, "#define VDPU_BAR_%s_OFF 0x%04xu /* %s */\n", bars[i].name, bars[i].off, bars[i].doc);
        fprintf(f, "#define VDPU_BAR_%s_LEN 0x%xu\n", bars[i].name, bars[i].len);
    }
    fprintf(f, "\n/* registers of the small BAR0 regions (offset from the region) */\n");
    for (size_t i = 0; i < N(barregs); i++) {
        fprintf(f, "#define VDPU_%s_%s 0x%02xu /* %s */\n", barregs[i].region, barregs[i].name, barregs[i].off,
                barregs[i].doc);
        fprintf(f, "#define VDPU_%s_%s_SIZE %u\n", barregs[i].region, barregs[i].name, barregs[i].size);
    }
    fprintf(f, "\nenum vdpu_field_kind { VDPU_KIND_RW, VDPU_KIND_RO, VDPU_KIND_EV, VDPU_KIND_WO };\n");
    fprintf(f, "struct vdpu_field_desc { const char *name; uint16_t off; uint8_t size; uint8_t kind; };\n");
    fprintf(f, "\n/* virtio common cfg fields (offset from the COMMON region) */\n");
    for (size_t i = 0; i < N(commons); i++) {
        fprintf(f, "#define VDPU_COMMON_%s 0x%02xu /* %s %s */\n", commons[i].name, commons[i].off,
                kind_name[commons[i].kind], commons[i].doc);
        fprintf(f, "#define VDPU_COMMON_%s_SIZE %u\n", commons[i].name, commons[i].size);
    }
    fprintf(f, "static const struct vdpu_field_desc vdpu_common_fields[] = {\n");
    for (size_t i = 0; i < N(commons); i++)
        fprintf(f, "    {\"%s\", 0x%02x, %u, VDPU_KIND_%s},\n", commons[i].doc, commons[i].off, commons[i].size,
                kind_name[commons[i].kind]);
    fprintf(f, "};\n#define VDPU_N_COMMON_FIELDS %zu\n", N(commons));
    fprintf(f, "\n/* virtio-net device cfg fields (offset from the DEVCFG region), read-only */\n");
    for (size_t i = 0; i < N(netcfgs); i++) {
        fprintf(f, "#define VDPU_NETCFG_%s 0x%02xu /* %s */\n", netcfgs[i].name, netcfgs[i].off, netcfgs[i].doc);
        fprintf(f, "#define VDPU_NETCFG_%s_SIZE %u\n", netcfgs[i].name, netcfgs[i].size);
    }
    fprintf(f, "static const struct vdpu_field_desc vdpu_netcfg_fields[] = {\n");
    for (size_t i = 0; i < N(netcfgs); i++)
        fprintf(f, "    {\"%s\", 0x%02x, %u, VDPU_KIND_RO},\n", netcfgs[i].doc, netcfgs[i].off, netcfgs[i].size);
    fprintf(f, "};\n#define VDPU_N_NETCFG_FIELDS %zu\n", N(netcfgs));
    fprintf(f, "\n/* firmware CSR block */\n");
    for (size_t i = 0; i < N(csrs); i++) {
        fprintf(f, "#define VDPU_CSR_%s 0x%03xu /* %s %s */\n", csrs[i].name, csrs[i].off, kind_name[csrs[i].access],
                csrs[i].doc);
        fprintf(f, "#define VDPU_CSR_%s_RESET 0x%llxu\n", csrs[i].name, (unsigned long long)csrs[i].reset);
    }
    fprintf(f, "struct vdpu_csr_desc { const char *name; uint16_t off; uint8_t access; uint32_t reset; };\n");
    fprintf(f, "static const struct vdpu_csr_desc vdpu_csr_table[] = {\n");
    for (size_t i = 0; i < N(csrs); i++)
        fprintf(f, "    {\"%s\", 0x%03x, VDPU_KIND_%s, 0x%llxu},\n", csrs[i].name, csrs[i].off, kind_name[csrs[i].access],
                (unsigned long long)csrs[i].reset);
    fprintf(f, "};\n#define VDPU_N_CSRS %zu\n", N(csrs));
    fprintf(f, "\n/* firmware CSR bit fields: VDPU_<CSR>_<FIELD> is the field's mask in place, _LSB and _WIDTH its bits */\n");
    for (size_t i = 0; i < N(bitfs); i++) {
        fprintf(f, "#define VDPU_%s_%s 0x%xu /* [%u:%u] %s */\n", bitfs[i].csr, bitfs[i].name, field_mask(&bitfs[i]),
                bitfs[i].lsb + bitfs[i].width - 1, bitfs[i].lsb, bitfs[i].doc);
        fprintf(f, "#define VDPU_%s_%s_LSB %u\n#define VDPU_%s_%s_WIDTH %u\n", bitfs[i].csr, bitfs[i].name, bitfs[i].lsb,
                bitfs[i].csr, bitfs[i].name, bitfs[i].width);
    }
    fprintf(f, "\n/* enumerations (name tables use C99 designated initializers: C only) */\n");
    for (size_t g = 0; g < N(groups); g++) {
        unsigned max = 0;
        fprintf(f, "enum {\n");
        for (size_t i = 0; i < N(enums); i++)
            if (!strcmp(enums[i].group, groups[g].g)) {
                fprintf(f, "    VDPU_%s_%s = %u, /* %s */\n", enums[i].group, enums[i].name, enums[i].val, enums[i].doc);
                if (enums[i].val > max) max = enums[i].val;
            }
        fprintf(f, "};\n");
        char lg[16];
        snprintf(lg, sizeof lg, "%s", groups[g].g);
        for (char *p = lg; *p; p++) /* lower-case the group name; digits and _ stay */
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
        fprintf(f, "#ifndef __cplusplus\nstatic const char *const vdpu_%s_names[%u] = {", lg, max + 1);
        for (size_t i = 0; i < N(enums); i++)
            if (!strcmp(enums[i].group, groups[g].g)) {
                char lo[64];
                snprintf(lo, sizeof lo, "%s", enums[i].name);
                fprintf(f, "[%u] = \"%s\", ", enums[i].val, lo);
            }
        fprintf(f, "};\n#endif\n#define VDPU_%s_COUNT %u\n", groups[g].g, max + 1);
    }
    fprintf(f, "\n/* PCI config space reset image and writable-bit mask */\n");
    fprintf(f, "static const uint8_t vdpu_cfg_reset_image[256] = {");
    for (int i = 0; i < 256; i++) fprintf(f, "%s0x%02x,", i % 16 ? " " : "\n    ", cfg_reset[i]);
    fprintf(f, "\n};\nstatic const uint8_t vdpu_cfg_wmask_image[256] = {");
    for (int i = 0; i < 256; i++) fprintf(f, "%s0x%02x,", i % 16 ? " " : "\n    ", cfg_wmask[i]);
    fprintf(f, "\n};\n");

    fprintf(f, "\n/* port channels (mirrored by the SV package and the top-level ports) */\n");
    for (size_t c = 0; c < N(chans); c++) {
        fprintf(f, "/* %s */\ntypedef struct vdpu_%s {\n", chans[c].doc, chans[c].name);
        for (size_t i = 0; i < N(pfields); i++) {
            if (strcmp(pfields[i].ch, chans[c].name)) continue;
            const char *t = ctype(pfields[i].width);
            if (t)
                fprintf(f, "    %-8s %s; /* %u bits: %s */\n", t, pfields[i].name, pfields[i].width, pfields[i].doc);
            else
                fprintf(f, "    uint8_t  %s[%u]; /* %s */\n", pfields[i].name, pfields[i].width / 8, pfields[i].doc);
        }
        fprintf(f, "} vdpu_%s_t;\n", chans[c].name);
    }
    fprintf(f, "\n/* one clock cycle of device inputs */\ntypedef struct vdpu_in {\n");
    for (size_t c = 0; c < N(chans); c++) {
        if (chans[c].dir == IN)
            fprintf(f, "    bool %s_valid;\n    vdpu_%s_t %s;\n", chans[c].name, chans[c].name, chans[c].name);
        else if (chans[c].has_ready)
            fprintf(f, "    bool %s_ready;\n", chans[c].name);
    }
    for (size_t i = 0; i < N(scalars); i++)
        if (scalars[i].dir == IN) fprintf(f, "    %s %s; /* %s */\n", ctype(scalars[i].width), scalars[i].name, scalars[i].doc);
    fprintf(f, "} vdpu_in_t;\n\n/* device outputs, a function of state only (no input->output paths) */\ntypedef struct vdpu_out {\n");
    for (size_t c = 0; c < N(chans); c++) {
        if (chans[c].dir == OUT)
            fprintf(f, "    bool %s_valid;\n    vdpu_%s_t %s;\n", chans[c].name, chans[c].name, chans[c].name);
        else if (chans[c].has_ready)
            fprintf(f, "    bool %s_ready;\n", chans[c].name);
    }
    for (size_t i = 0; i < N(scalars); i++)
        if (scalars[i].dir == OUT) fprintf(f, "    %s %s; /* %s */\n", ctype(scalars[i].width), scalars[i].name, scalars[i].doc);
    fprintf(f, "} vdpu_out_t;\n\n#endif\n");
}

static void gen_sv(FILE *f)
{
    fprintf(f, "// vdpu_regmap_pkg.sv - GENERATED by tools/regmap_gen.c from regmap/vdpu_regmap.def; do not edit.\n");
    fprintf(f, "package vdpu_regmap_pkg;\n\n  // parameters\n");
    for (size_t i = 0; i < N(params); i++)
        fprintf(f, "  localparam int unsigned %s = 32'h%llx;  // %s\n", params[i].name, (unsigned long long)params[i].val,
                params[i].doc);
    fprintf(f, "\n  // PCI config space field offsets\n");
    for (size_t i = 0; i < N(cfgs); i++)
        fprintf(f, "  localparam logic [11:0] CFG_%s = 12'h%03x;\n", cfgs[i].name, cfgs[i].off);
    fprintf(f, "\n  // config space reset image and writable mask, byte i at [8*i +: 8]\n");
    fprintf(f, "  localparam logic [2047:0] CFG_RESET_IMAGE = 2048'h");
    for (int i = 255; i >= 0; i--) fprintf(f, "%02x", cfg_reset[i]);
    fprintf(f, ";\n  localparam logic [2047:0] CFG_WMASK_IMAGE = 2048'h");
    for (int i = 255; i >= 0; i--) fprintf(f, "%02x", cfg_wmask[i]);
    fprintf(f, ";\n\n  // BAR0 regions\n");
    for (size_t i = 0; i < N(bars); i++) {
        fprintf(f, "  localparam logic [14:0] BAR_%s_OFF = 15'h%04x;  // %s\n", bars[i].name, bars[i].off, bars[i].doc);
        fprintf(f, "  localparam int unsigned BAR_%s_LEN = %u;\n", bars[i].name, bars[i].len);
    }
    fprintf(f, "\n  // registers of the small BAR0 regions (offset from the region)\n");
    for (size_t i = 0; i < N(barregs); i++)
        fprintf(f, "  localparam logic [11:0] %s_%s = 12'h%03x;  // %u bytes\n", barregs[i].region, barregs[i].name,
                barregs[i].off, barregs[i].size);
    fprintf(f, "\n  // virtio common cfg field offsets\n");
    for (size_t i = 0; i < N(commons); i++)
        fprintf(f, "  localparam logic [5:0] COMMON_%s = 6'h%02x;  // %u bytes %s\n", commons[i].name, commons[i].off,
                commons[i].size, kind_name[commons[i].kind]);
    fprintf(f, "\n  // virtio-net device cfg field offsets\n");
    for (size_t i = 0; i < N(netcfgs); i++)
        fprintf(f, "  localparam logic [3:0] NETCFG_%s = 4'h%x;\n", netcfgs[i].name, netcfgs[i].off);
    fprintf(f, "\n  // firmware CSR offsets and reset values\n");
    for (size_t i = 0; i < N(csrs); i++) {
        fprintf(f, "  localparam logic [11:0] CSR_%s = 12'h%03x;  // %s\n", csrs[i].name, csrs[i].off, kind_name[csrs[i].access]);
        fprintf(f, "  localparam logic [31:0] CSR_%s_RST = 32'h%08llx;\n", csrs[i].name, (unsigned long long)csrs[i].reset);
    }
    fprintf(f, "\n  // firmware CSR bit fields: <CSR>_<FIELD>_LSB and _W\n");
    for (size_t i = 0; i < N(bitfs); i++)
        fprintf(f, "  localparam int unsigned %s_%s_LSB = %u;  localparam int unsigned %s_%s_W = %u;  // %s\n", bitfs[i].csr,
                bitfs[i].name, bitfs[i].lsb, bitfs[i].csr, bitfs[i].name, bitfs[i].width, bitfs[i].doc);
    fprintf(f, "\n  // enumerations\n");
    for (size_t g = 0; g < N(groups); g++)
        for (size_t i = 0; i < N(enums); i++)
            if (!strcmp(enums[i].group, groups[g].g))
                fprintf(f, "  localparam logic [%u:0] %s_%s = %u'd%u;  // %s\n", groups[g].w - 1, enums[i].group,
                        enums[i].name, groups[g].w, enums[i].val, enums[i].doc);
    fprintf(f, "\n  // port channel payloads (mirror of the C vdpu_*_t structs)\n");
    for (size_t c = 0; c < N(chans); c++) {
        fprintf(f, "  typedef struct packed {\n");
        for (size_t i = 0; i < N(pfields); i++)
            if (!strcmp(pfields[i].ch, chans[c].name))
                /* "type" is a SystemVerilog keyword: the SV member is "kind" (flat ports keep _type_) */
                fprintf(f, "    logic [%u:0] %s;  // %s\n", pfields[i].width - 1,
                        strcmp(pfields[i].name, "type") ? pfields[i].name : "kind", pfields[i].doc);
        fprintf(f, "  } %s_t;  // %s\n", chans[c].name, chans[c].doc);
    }
    fprintf(f, "\nendpackage\n");
}

/* flat top-level port list for vdpu_top (Verilator maps each to a C member) */
static void gen_svh(FILE *f)
{
    fprintf(f, "// vdpu_top_ports.svh - GENERATED by tools/regmap_gen.c; flat port list of vdpu_top.\n");
    for (size_t c = 0; c < N(chans); c++) {
        int in = chans[c].dir == IN;
        fprintf(f, "  // %s\n", chans[c].doc);
        fprintf(f, "  %-6s logic %-8s %s_valid_%s,\n", in ? "input" : "output", "", chans[c].name, in ? "i" : "o");
        if (chans[c].has_ready)
            fprintf(f, "  %-6s logic %-8s %s_ready_%s,\n", in ? "output" : "input", "", chans[c].name, in ? "o" : "i");
        for (size_t i = 0; i < N(pfields); i++)
            if (!strcmp(pfields[i].ch, chans[c].name)) {
                char w[16] = "";
                if (pfields[i].width > 1) snprintf(w, sizeof w, "[%u:0]", pfields[i].width - 1);
                fprintf(f, "  %-6s logic %-8s %s_%s_%s,\n", in ? "input" : "output", w, chans[c].name, pfields[i].name,
                        in ? "i" : "o");
            }
    }
    for (size_t i = 0; i < N(scalars); i++) {
        char w[16] = "";
        if (scalars[i].width > 1) snprintf(w, sizeof w, "[%u:0]", scalars[i].width - 1);
        fprintf(f, "  // %s\n  %-6s logic %-8s %s_%s%s\n", scalars[i].doc, scalars[i].dir == IN ? "input" : "output", w,
                scalars[i].name, scalars[i].dir == IN ? "i" : "o", i + 1 < N(scalars) ? "," : "");
    }
}

/* C++ glue for the Verilator shim: drive inputs, sample outputs */
static void gen_shim(FILE *f)
{
    fprintf(f, "// vdpu_shim_ports.inc - GENERATED by tools/regmap_gen.c; included by sim/harness/rtl_shim.cpp.\n");
    fprintf(f, "// VTOP: the Verilated top class (the includer defines it: traced and untraced builds differ).\n");
    fprintf(f, "static void shim_drive(VTOP *t, const vdpu_in_t *in) {\n");
    for (size_t c = 0; c < N(chans); c++) {
        const char *n = chans[c].name;
        if (chans[c].dir == IN) {
            fprintf(f, "    t->%s_valid_i = in->%s_valid;\n", n, n);
            for (size_t i = 0; i < N(pfields); i++) {
                if (strcmp(pfields[i].ch, n)) continue;
                if (pfields[i].width <= 64)
                    fprintf(f, "    t->%s_%s_i = in->%s.%s;\n", n, pfields[i].name, n, pfields[i].name);
                else
                    fprintf(f, "    memcpy(t->%s_%s_i.data(), in->%s.%s, %u);\n", n, pfields[i].name, n, pfields[i].name,
                            pfields[i].width / 8);
            }
        } else if (chans[c].has_ready) {
            fprintf(f, "    t->%s_ready_i = in->%s_ready;\n", n, n);
        }
    }
    for (size_t i = 0; i < N(scalars); i++)
        if (scalars[i].dir == IN) fprintf(f, "    t->%s_i = in->%s;\n", scalars[i].name, scalars[i].name);
    fprintf(f, "}\nstatic void shim_sample(VTOP *t, vdpu_out_t *o) {\n");
    for (size_t c = 0; c < N(chans); c++) {
        const char *n = chans[c].name;
        if (chans[c].dir == OUT) {
            fprintf(f, "    o->%s_valid = t->%s_valid_o;\n", n, n);
            for (size_t i = 0; i < N(pfields); i++) {
                if (strcmp(pfields[i].ch, n)) continue;
                const char *ty = ctype(pfields[i].width);
                if (pfields[i].width <= 64)
                    fprintf(f, "    o->%s.%s = (%s)t->%s_%s_o;\n", n, pfields[i].name, ty, n, pfields[i].name);
                else
                    fprintf(f, "    memcpy(o->%s.%s, t->%s_%s_o.data(), %u);\n", n, pfields[i].name, n, pfields[i].name,
                            pfields[i].width / 8);
            }
        } else if (chans[c].has_ready) {
            fprintf(f, "    o->%s_ready = t->%s_ready_o;\n", n, n);
        }
    }
    for (size_t i = 0; i < N(scalars); i++)
        if (scalars[i].dir == OUT)
            fprintf(f, "    o->%s = (%s)t->%s_o;\n", scalars[i].name, ctype(scalars[i].width), scalars[i].name);
    fprintf(f, "}\n");
}

static void gen_md(FILE *f)
{
    char u[64];
    fprintf(f, "# vdpu register map\n\nGenerated by `make docs` from `regmap/vdpu_regmap.def` (tools/regmap_gen.c); "
               "do not edit by hand. `make test` fails if this file is stale.\n\n");
    fprintf(f, "## Parameters\n\n| name | value | meaning |\n|---|---|---|\n");
    for (size_t i = 0; i < N(params); i++)
        fprintf(f, "| %s | 0x%llx | %s |\n", params[i].name, (unsigned long long)params[i].val, params[i].doc);
    fprintf(f, "\n## PCI config space\n\n| offset | size | field | reset | writable bits | meaning |\n|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < N(cfgs); i++)
        fprintf(f, "| 0x%02x | %u | %s | 0x%llx | 0x%llx | %s |\n", cfgs[i].off, cfgs[i].size, cfgs[i].name,
                (unsigned long long)cfgs[i].reset, (unsigned long long)cfgs[i].wmask, cfgs[i].doc);
    fprintf(f, "\n## BAR0 layout\n\n| offset | length | region | contents |\n|---|---|---|---|\n");
    for (size_t i = 0; i < N(bars); i++)
        fprintf(f, "| 0x%04x | 0x%x | %s | %s |\n", bars[i].off, bars[i].len, bars[i].name, bars[i].doc);
    fprintf(f, "\n## Registers of the small BAR0 regions\n\nOffsets from the region's start; read-only (a write of a "
               "legal size: diag BAR_RO_WRITE; any other size: BAR_BAD_SIZE).\n\n"
               "| region | offset | size | register | meaning |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < N(barregs); i++)
        fprintf(f, "| %s | 0x%02x | %u | %s | %s |\n", barregs[i].region, barregs[i].off, barregs[i].size,
                barregs[i].name, barregs[i].doc);
    fprintf(f, "\n## Common cfg (BAR0 + 0x0000)\n\nKinds: RW storage, RO read-only (write ignored, diag BAR_RO_WRITE), "
               "EV policy field (write pushes a firmware event; read held while events are pending).\n\n"
               "| offset | size | kind | field |\n|---|---|---|---|\n");
    for (size_t i = 0; i < N(commons); i++)
        fprintf(f, "| 0x%02x | %u | %s | %s |\n", commons[i].off, commons[i].size, kind_name[commons[i].kind], commons[i].doc);
    fprintf(f, "\n## virtio-net device cfg (BAR0 + 0x3000), read-only\n\n| offset | size | field |\n|---|---|---|\n");
    for (size_t i = 0; i < N(netcfgs); i++)
        fprintf(f, "| 0x%02x | %u | %s |\n", netcfgs[i].off, netcfgs[i].size, netcfgs[i].doc);
    fprintf(f, "\n## Firmware CSR block (firmware port)\n\n| offset | name | access | reset | meaning |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < N(csrs); i++)
        fprintf(f, "| 0x%03x | %s | %s | 0x%llx | %s |\n", csrs[i].off, csrs[i].name, kind_name[csrs[i].access],
                (unsigned long long)csrs[i].reset, csrs[i].doc);
    fprintf(f, "\n## Firmware CSR fields\n\nBits not listed read 0 and ignore writes, unless the register's "
               "meaning above says otherwise.\n\n| register | bits | field | meaning |\n|---|---|---|---|\n");
    for (size_t i = 0; i < N(bitfs); i++) {
        char bits[16];
        if (bitfs[i].width == 1) snprintf(bits, sizeof bits, "[%u]", bitfs[i].lsb);
        else snprintf(bits, sizeof bits, "[%u:%u]", bitfs[i].lsb + bitfs[i].width - 1, bitfs[i].lsb);
        fprintf(f, "| %s | %s | %s | %s |\n", bitfs[i].csr, bits, bitfs[i].name, bitfs[i].doc);
    }
    for (size_t g = 0; g < N(groups); g++) {
        fprintf(f, "\n## Encodings: %s\n\n| value | name | meaning |\n|---|---|---|\n", groups[g].g);
        for (size_t i = 0; i < N(enums); i++)
            if (!strcmp(enums[i].group, groups[g].g))
                fprintf(f, "| %u | %s_%s | %s |\n", enums[i].val, enums[i].group, enums[i].name, enums[i].doc);
    }
    fprintf(f, "\n## Port channels\n\nEach channel is a valid (and, where listed, ready) handshake plus these fields; "
               "the SV top-level port is `<channel>_<field>_i/_o`.\n");
    for (size_t c = 0; c < N(chans); c++) {
        upper(u, chans[c].name);
        fprintf(f, "\n### %s (%s%s) - %s\n\n| field | bits | meaning |\n|---|---|---|\n", chans[c].name,
                chans[c].dir == IN ? "device input" : "device output", chans[c].has_ready ? ", valid/ready" : ", valid only",
                chans[c].doc);
        for (size_t i = 0; i < N(pfields); i++)
            if (!strcmp(pfields[i].ch, chans[c].name))
                fprintf(f, "| %s | %u | %s |\n", pfields[i].name, pfields[i].width, pfields[i].doc);
    }
    fprintf(f, "\n### Scalar signals\n\n| signal | direction | bits | meaning |\n|---|---|---|---|\n");
    for (size_t i = 0; i < N(scalars); i++)
        fprintf(f, "| %s | %s | %u | %s |\n", scalars[i].name, scalars[i].dir == IN ? "device input" : "device output",
                scalars[i].width, scalars[i].doc);
}

int main(int argc, char **argv)
{
    if (argc != 3) die("usage: regmap_gen {c|sv|svh|shim|md} OUTFILE");
    build_cfg_image();
    check_fields();
    FILE *f = fopen(argv[2], "w");
    if (!f) die("cannot open output");
    if (!strcmp(argv[1], "c")) gen_c(f);
    else if (!strcmp(argv[1], "sv")) gen_sv(f);
    else if (!strcmp(argv[1], "svh")) gen_svh(f);
    else if (!strcmp(argv[1], "shim")) gen_shim(f);
    else if (!strcmp(argv[1], "md")) gen_md(f);
    else die("unknown output kind");
    if (fclose(f)) die("write failed");
    return 0;
}
