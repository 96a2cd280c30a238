/* elf_load.c - validate and load a RISC-V ELF32 executable with libelf; any bad input is a one-line error. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_load.h"

#ifndef EM_RISCV
#define EM_RISCV 243
#endif
#define ELF_MAX_FILE (64u << 20) /* firmware images are KiBs; refuse to slurp anything absurd */

static int fail(struct elf_image *img, char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(struct elf_image *img, char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    char why[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (err && errlen) snprintf(err, errlen, "bad ELF '%s': %s", path, why);
    elf_free(img);
    return -1;
}

/* Whole file in memory, so every offset can be bounds-checked against its real size. */
static uint8_t *slurp(const char *path, size_t *size, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "not a regular file");
    } else if ((uint64_t)st.st_size > ELF_MAX_FILE) {
        snprintf(why, whylen, "file too large (%lld bytes)", (long long)st.st_size);
    } else if ((buf = malloc(st.st_size ? (size_t)st.st_size : 1))) {
        size_t got = 0;
        while (got < (size_t)st.st_size) {
            ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
            if (n <= 0) break;
            got += (size_t)n;
        }
        if (got != (size_t)st.st_size) {
            snprintf(why, whylen, "read error");
            free(buf);
            buf = NULL;
        }
        *size = got;
    } else {
        snprintf(why, whylen, "out of memory");
    }
    close(fd);
    return buf;
}

static int sym_rank(const struct elf_sym *s) { return s->type == STT_FUNC ? 0 : s->type == STT_OBJECT ? 1 : 2; }

static int sym_cmp(const void *a, const void *b)
{
    const struct elf_sym *x = a, *y = b;
    if (x->value != y->value) return x->value < y->value ? -1 : 1;
    if (sym_rank(x) != sym_rank(y)) return sym_rank(x) - sym_rank(y);
    return strcmp(x->name, y->name);
}

/* Symbols are for traces only: a missing or odd table is not an error, a lying one is. */
static const char *load_symbols(Elf *e, size_t fsize, struct elf_image *img)
{
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(e, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh)) return "corrupt section header";
        if (sh.sh_type != SHT_SYMTAB) continue;
        if (sh.sh_offset > fsize || sh.sh_size > fsize - sh.sh_offset) return "symbol table outside the file";
        if (sh.sh_entsize == 0) return "symbol table with zero entry size";
        Elf_Data *d = elf_getdata(scn, NULL);
        if (!d) return "unreadable symbol table";
        size_t n = sh.sh_size / sh.sh_entsize;
        img->sym = calloc(n ? n : 1, sizeof *img->sym);
        if (!img->sym) return "out of memory";
        for (size_t i = 0; i < n; i++) {
            GElf_Sym s;
            if (!gelf_getsym(d, (int)i, &s)) return "corrupt symbol table";
            unsigned type = GELF_ST_TYPE(s.st_info);
            if (s.st_shndx == SHN_UNDEF || type == STT_SECTION || type == STT_FILE) continue;
            const char *name = elf_strptr(e, sh.sh_link, s.st_name);
            if (!name || !*name || name[0] == '$') continue; /* '$x'/'$d': mapping symbols */
            struct elf_sym *o = &img->sym[img->nsym];
            if (!(o->name = strdup(name))) return "out of memory";
            o->value = (uint32_t)s.st_value;
            o->size = (uint32_t)s.st_size;
            o->type = (unsigned char)type;
            img->nsym++;
        }
        qsort(img->sym, img->nsym, sizeof *img->sym, sym_cmp);
        return NULL; /* executables have one symbol table */
    }
    return NULL;
}

static const char *machine_name(unsigned m)
{
    switch (m) {
    case 3: return ", x86";
    case 62: return ", x86-64";
    case 40: return ", ARM";
    case 183: return ", AArch64";
    default: return "";
    }
}

int elf_load(const char *path, struct elf_image *img, char *err, size_t errlen)
{
    memset(img, 0, sizeof *img);
    snprintf(img->path, sizeof img->path, "%s", path);
    char why[160];
    size_t fsize = 0;
    uint8_t *buf = slurp(path, &fsize, why, sizeof why);
    if (!buf) return fail(img, err, errlen, path, "%s", why);
    GElf_Ehdr eh;
    Elf *e = NULL;
    bool magic = fsize >= EI_NIDENT && !memcmp(buf, ELFMAG, SELFMAG);
    /* e_machine sits at offset 18 in both classes: name it even for a 64-bit file */
    unsigned machine = fsize >= 20 ? (unsigned)(buf[18] | buf[19] << 8) : 0;
    char mach[48];
    snprintf(mach, sizeof mach, "e_machine %u%s", machine, machine_name(machine));
    why[0] = 0;
    if (!magic) snprintf(why, sizeof why, "not an ELF file (bad magic)");
    else if (buf[EI_CLASS] != ELFCLASS32)
        snprintf(why, sizeof why, "not a 32-bit ELF (%s, %s)", buf[EI_CLASS] == ELFCLASS64 ? "ELFCLASS64" : "bad class", mach);
    else if (buf[EI_DATA] != ELFDATA2LSB) snprintf(why, sizeof why, "not little-endian (%s)", mach);
    else if (elf_version(EV_CURRENT) == EV_NONE) snprintf(why, sizeof why, "libelf initialisation failed");
    else if (!(e = elf_memory((char *)buf, fsize)) || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
        snprintf(why, sizeof why, "truncated or corrupt ELF header");
    else if (eh.e_machine != EM_RISCV) snprintf(why, sizeof why, "not a RISC-V executable (%s)", mach);
    else if (eh.e_type != ET_EXEC) snprintf(why, sizeof why, "not an executable (e_type %u, not ET_EXEC)", eh.e_type);
    if (why[0]) {
        if (e) elf_end(e);
        free(buf);
        return fail(img, err, errlen, path, "%s", why);
    }

    /* the header's own count: libelf reports 0 program headers when they do not fit the file */
    size_t phnum = eh.e_phnum, libelf_phnum = 0;
    if (phnum == 0) snprintf(why, sizeof why, "no program headers");
    else if (eh.e_phentsize != sizeof(Elf32_Phdr)) snprintf(why, sizeof why, "bad program header size");
    else if (elf_getphdrnum(e, &libelf_phnum) || libelf_phnum != phnum || eh.e_phoff > fsize ||
             (uint64_t)phnum * eh.e_phentsize > fsize - eh.e_phoff)
        snprintf(why, sizeof why, "program headers outside the file (truncated?)");
    else if (!(img->seg = calloc(phnum, sizeof *img->seg))) snprintf(why, sizeof why, "out of memory");
    for (size_t i = 0; !why[0] && i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph)) {
            snprintf(why, sizeof why, "corrupt program header %zu", i);
            break;
        }
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
        if (ph.p_filesz > ph.p_memsz) snprintf(why, sizeof why, "segment %zu: filesz > memsz", i);
        else if (ph.p_offset > fsize || ph.p_filesz > fsize - ph.p_offset)
            snprintf(why, sizeof why, "segment %zu: data outside the file (truncated?)", i);
        else if (ph.p_paddr + ph.p_memsz > 0x100000000ull)
            snprintf(why, sizeof why, "segment %zu: wraps the 32-bit address space", i);
        if (why[0]) break;
        struct elf_seg *s = &img->seg[img->nseg];
        s->paddr = (uint32_t)ph.p_paddr;
        s->memsz = (uint32_t)ph.p_memsz;
        s->filesz = (uint32_t)ph.p_filesz;
        s->flags = ph.p_flags;
        if (!(s->data = malloc(s->filesz ? s->filesz : 1))) {
            snprintf(why, sizeof why, "out of memory");
            break;
        }
        memcpy(s->data, buf + ph.p_offset, s->filesz);
        img->nseg++;
    }
    if (!why[0] && img->nseg == 0) snprintf(why, sizeof why, "no loadable segments");
    if (!why[0]) {
        img->entry = (uint32_t)eh.e_entry;
        bool in_seg = false;
        for (unsigned i = 0; i < img->nseg; i++)
            if (img->entry - img->seg[i].paddr < img->seg[i].memsz) in_seg = true;
        if (!in_seg) snprintf(why, sizeof why, "entry point 0x%08x outside every loadable segment", img->entry);
    }
    const char *symerr = why[0] ? NULL : load_symbols(e, fsize, img);
    if (symerr) snprintf(why, sizeof why, "%s", symerr);
    elf_end(e);
    free(buf);
    if (why[0]) return fail(img, err, errlen, path, "%s", why);
    return 0;
}

void elf_free(struct elf_image *img)
{
    if (!img) return;
    for (unsigned i = 0; i < img->nseg; i++) free(img->seg[i].data);
    for (unsigned i = 0; i < img->nsym; i++) free(img->sym[i].name);
    free(img->seg);
    free(img->sym);
    img->seg = NULL;
    img->sym = NULL;
    img->nseg = img->nsym = 0;
}

const struct elf_sym *elf_sym_find(const struct elf_image *img, const char *name)
{
    for (unsigned i = 0; i < img->nsym; i++)
        if (!strcmp(img->sym[i].name, name)) return &img->sym[i];
    return NULL;
}

const struct elf_sym *elf_sym_at(const struct elf_image *img, uint32_t addr, uint32_t *off)
{
    unsigned lo = 0, hi = img->nsym; /* first symbol with value > addr */
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (img->sym[mid].value <= addr) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0) return NULL;
    unsigned i = lo - 1;
    while (i > 0 && img->sym[i - 1].value == img->sym[i].value) i--; /* best-ranked of equals */
    if (off) *off = addr - img->sym[i].value;
    return &img->sym[i];
}

void elf_symbolize(const struct elf_image *img, uint32_t addr, char *buf, size_t len)
{
    uint32_t off = 0;
    const struct elf_sym *s = img ? elf_sym_at(img, addr, &off) : NULL;
    if (!s || off >= 0x100000) snprintf(buf, len, "?");
    else if (off) snprintf(buf, len, "%s+0x%x", s->name, off);
    else snprintf(buf, len, "%s", s->name);
}
