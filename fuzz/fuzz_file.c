/* fuzz_file.c - the fuzz targets on vdpu's file inputs: the firmware ELF (`vdpu iss`, `--fw`), the
 * pcap capture (`--pcap-in`) and the sweep files `vdpu compare --merge-only` reads (sweep.json, each
 * point's JSON and log). The input becomes the file; the reader must answer with its data or a
 * one-line error - no crash, no sanitizer report, no hang (libFuzzer's -timeout), no leak. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_load.h"
#include "fuzz.h"
#include "fw_soc.h"
#include "pcap_io.h"
#include "session.h"
#include "sweep.h"
#include "sweep_merge.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_file: FINDING: %s\n", what);
    abort();
}

/* The input as a file with a path (a memfd, read through /proc/self/fd): no disk traffic. */
static const char *as_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-input", 0);
        if (fd < 0) fail("harness: memfd_create");
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) fail("harness: cannot write the input file");
    return path;
}

/* a one-line error, as the command line prints it */
static void one_line(const char *err)
{
    if (!err[0] || strchr(err, '\n')) fail("the reader's error is not one line");
}

int fuzz_elf_one(const uint8_t *data, size_t size)
{
    const char *path = as_file(data, size);
    struct elf_image img;
    char err[300] = "";
    if (elf_load(path, &img, err, sizeof err)) {
        one_line(err);
        return 0;
    }
    char buf[128];
    elf_symbolize(&img, img.entry, buf, sizeof buf);
    for (unsigned i = 0; i < img.nseg; i++) {
        uint32_t off;
        elf_sym_at(&img, img.seg[i].paddr, &off);
        elf_symbolize(&img, img.seg[i].paddr + img.seg[i].memsz, buf, sizeof buf);
    }
    for (unsigned i = 0; i < img.nsym; i++)
        if (elf_sym_find(&img, img.sym[i].name) == NULL) fail("a symbol of the table is not found by its name");
    static fw_soc_t soc;
    if (fw_soc_init(&soc, &img, err, sizeof err)) one_line(err);
    elf_free(&img);
    /* everything `--fw` checks before a run */
    if (vdpu_fw_probe(path, err, sizeof err)) one_line(err);
    return 0;
}

int fuzz_pcap_one(const uint8_t *data, size_t size)
{
    const char *path = as_file(data, size);
    struct pcap_frames fr;
    char err[300] = "";
    if (pcap_frames_load(path, 1514, &fr, err, sizeof err)) {
        one_line(err);
        return 0;
    }
    if (!fr.n) fail("a capture loaded with no frames");
    for (size_t i = 0; i < fr.n; i++)
        if (fr.len[i] < 14 || fr.len[i] > 1514) fail("a frame outside 14..1514 bytes was accepted");
    pcap_frames_free(&fr);
    return 0;
}

static const char *sweep_dir(void)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/vdpu-fuzz-sweep-XXXXXX");
        if (!mkdtemp(dir)) fail("harness: mkdtemp");
        char p[128];
        snprintf(p, sizeof p, "%s/points", dir);
        if (mkdir(p, 0700)) fail("harness: mkdir");
    }
    return dir;
}

static void put(const char *dir, const char *name, const void *data, size_t size)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f)) fail("harness: cannot write a sweep file");
}

/* byte 0 even: the rest is a sweep.json manifest, read and then merged (points without files);
 * odd: byte 1 picks a point of the default sweep, the rest is its JSON, its log says PASS */
int fuzz_sweep_one(const uint8_t *data, size_t size)
{
    const char *dir = sweep_dir();
    char err[512] = "", path[256];
    struct sweep_spec spec;
    struct sweep_point *pts = NULL;
    unsigned n = 0;
    if (size < 2) return 0;
    if (!(data[0] & 1)) {
        put(dir, "sweep.json", data + 1, size - 1);
        snprintf(path, sizeof path, "%s/sweep.json", dir);
        if (sweep_manifest_read(path, &spec, &pts, &n, err, sizeof err)) {
            one_line(err);
            return 0;
        }
    } else {
        sweep_spec_default(&spec);
        n = sweep_points(&spec, &pts, err, sizeof err);
        if (!n) fail("the default sweep has no points");
        unsigned k = data[1] % n;
        static const char pass[] = "vdpu run: ...\nresult: PASS\n";
        char name[64];
        snprintf(name, sizeof name, "points/p%u.log", pts[k].id);
        put(dir, name, pass, sizeof pass - 1);
        snprintf(name, sizeof name, "points/p%u.json", pts[k].id);
        put(dir, name, data + 2, size - 2);
    }
    struct sweep_result *res = NULL;
    int failed = sweep_merge(dir, &spec, pts, n, &res, err, sizeof err);
    if (failed < 0) one_line(err);
    for (unsigned k = 0; failed >= 0 && k < n; k++)
        if (!res[k].ok && (!res[k].why[0] || strchr(res[k].why, '\n'))) fail("a failed point without a one-line reason");
    free(res);
    free(pts);
    /* the next input starts from an empty points/ */
    for (unsigned k = 0; k < n && (data[0] & 1); k++) {
        snprintf(path, sizeof path, "%s/points/p%u.json", dir, k + 1);
        unlink(path);
        snprintf(path, sizeof path, "%s/points/p%u.log", dir, k + 1);
        unlink(path);
    }
    return 0;
}

#ifdef LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#if defined(FUZZ_ELF)
    return fuzz_elf_one(data, size);
#elif defined(FUZZ_PCAP)
    return fuzz_pcap_one(data, size);
#else
    return fuzz_sweep_one(data, size);
#endif
}
#endif
