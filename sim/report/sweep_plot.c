/* sweep_plot.c - gnuplot scripts (data inline) for the compare charts, rendered to PNG (pngcairo) and SVG. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "out_file.h"
#include "sweep_plot.h"
#include "eng_storage.h"

#define IMIX_MEAN (4252.0 / 12) /* 7x64 + 4x576 + 1x1500 over 12 frames */

struct plotctx {
    const struct sweep_spec *s;
    const struct sweep_result *r;
    unsigned n;
    int best[SWEEP_MAX_VALUES][SWEEP_MAX_VALUES]; /* [ring][workload]: feature set with the fewest link bytes */
};

typedef double (*metric_fn)(const struct sweep_result *x);
static double m_mpps(const struct sweep_result *x) { return x->mpps; }
static double m_gbps(const struct sweep_result *x) { return x->gbps; }
static double m_req(const struct sweep_result *x) { return x->req; }

/* x coordinate of value i of axis a */
static double xval(const struct sweep_spec *s, unsigned a, unsigned i)
{
    if (a == SWEEP_AX_PKT && !strcmp(s->v[a][i], "imix")) return IMIX_MEAN;
    return atof(s->v[a][i]);
}

struct xy {
    double x, y;
};
static int by_x(const void *a, const void *b)
{
    double d = ((const struct xy *)a)->x - ((const struct xy *)b)->x;
    return (d > 0) - (d < 0);
}

/* one datablock per (ring, workload) series along axis a, every other axis at its base value and the
 * features at the series' best set; then the plot command naming them */
static void series(FILE *f, const struct plotctx *c, unsigned a, metric_fn y, const char *tag)
{
    const struct sweep_spec *s = c->s;
    bool first = true;
    for (unsigned g = 0; g < s->n[SWEEP_AX_RING]; g++)
        for (unsigned w = 0; w < s->n[SWEEP_AX_WORKLOAD]; w++) {
            struct xy pt[SWEEP_MAX_VALUES];
            unsigned np = 0;
            for (unsigned i = 0; i < s->n[a]; i++) {
                unsigned vi[SWEEP_MAX_AXES] = {0};
                vi[SWEEP_AX_RING] = g;
                vi[SWEEP_AX_WORKLOAD] = w;
                vi[SWEEP_AX_FEATURES] = c->best[g][w] < 0 ? 0 : (unsigned)c->best[g][w];
                vi[a] = i;
                const struct sweep_result *x = sweep_find(c->r, c->n, vi);
                if (x) pt[np++] = (struct xy){xval(s, a, i), y(x)};
            }
            qsort(pt, np, sizeof pt[0], by_x); /* lists name the base first, lines go left to right */
            fprintf(f, "$%s_%u_%u << EOD\n", tag, g, w);
            for (unsigned i = 0; i < np; i++) fprintf(f, "%g %g\n", pt[i].x, pt[i].y);
            fprintf(f, "EOD\n");
        }
    fprintf(f, "plot ");
    for (unsigned g = 0; g < s->n[SWEEP_AX_RING]; g++)
        for (unsigned w = 0; w < s->n[SWEEP_AX_WORKLOAD]; w++) {
            const char *feat = c->best[g][w] < 0 ? "-" : s->v[SWEEP_AX_FEATURES][c->best[g][w]];
            fprintf(f, "%s$%s_%u_%u using 1:2 with linespoints lw 2 pt %u dt %u title '%s %s (%s)'", first ? "" : ", ",
                    tag, g, w, 5 + 2 * w, g + 1, s->v[SWEEP_AX_RING][g], s->v[SWEEP_AX_WORKLOAD][w], feat);
            first = false;
        }
    fprintf(f, "\n");
}

static void xtics(FILE *f, const struct sweep_spec *s, unsigned a)
{
    fprintf(f, "set xtics (");
    for (unsigned i = 0; i < s->n[a]; i++) fprintf(f, "%s\"%s\" %g", i ? ", " : "", s->v[a][i], xval(s, a, i));
    fprintf(f, ")\n");
}

static void body_dma(FILE *f, const struct plotctx *c)
{
    const struct sweep_spec *s = c->s;
    fprintf(f, "$dma << EOD\n");
    for (unsigned w = 0; w < s->n[SWEEP_AX_WORKLOAD]; w++)
        for (unsigned fs = 0; fs < s->n[SWEEP_AX_FEATURES]; fs++) {
            char ab[32];
            sweep_features_abbrev(s->v[SWEEP_AX_FEATURES][fs], ab, sizeof ab);
            fprintf(f, "\"%s %s\"", s->v[SWEEP_AX_WORKLOAD][w], ab);
            for (unsigned g = 0; g < s->n[SWEEP_AX_RING]; g++) {
                unsigned vi[SWEEP_MAX_AXES] = {0};
                vi[SWEEP_AX_WORKLOAD] = w;
                vi[SWEEP_AX_FEATURES] = fs;
                vi[SWEEP_AX_RING] = g;
                const struct sweep_result *x = sweep_find(c->r, c->n, vi);
                if (x) fprintf(f, " %g %g", x->req, x->min.requests);
                else fprintf(f, " NaN NaN");
            }
            fprintf(f, "\n");
        }
    fprintf(f, "EOD\n");
    fprintf(f, "set title 'DMA requests per packet, measured and spec minimum (%s B frames, rtt %s, P %s, B %s)'\n",
            s->v[SWEEP_AX_PKT][0], s->v[SWEEP_AX_RTT][0], s->v[SWEEP_AX_PREFETCH][0], s->v[SWEEP_AX_BATCH][0]);
    fprintf(f, "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\n"
               "set boxwidth 0.9\nset xtics rotate by -30 nomirror\nset ylabel 'DMA requests per packet'\n"
               "set yrange [0:*]\nset grid ytics\nset key top left\nplot ");
    for (unsigned g = 0; g < s->n[SWEEP_AX_RING]; g++)
        fprintf(f, "%s$dma using %u%s title '%s measured', '' using %u title '%s spec minimum'", g ? ", " : "",
                2 + 2 * g, g ? "" : ":xtic(1)", s->v[SWEEP_AX_RING][g], 3 + 2 * g, s->v[SWEEP_AX_RING][g]);
    fprintf(f, "\n");
}

static void body_xy2(FILE *f, const struct plotctx *c, unsigned a, const char *title, const char *xlabel, bool logx)
{
    fprintf(f, "set multiplot layout 1,2 title '%s'\nset grid\nset key below\nset xlabel '%s'\n", title, xlabel);
    if (logx) fprintf(f, "set logscale x 2\n");
    xtics(f, c->s, a);
    fprintf(f, "set ylabel 'Mpps'\nset yrange [0:*]\n");
    series(f, c, a, m_mpps, "mpps");
    fprintf(f, "set ylabel 'Gbit/s'\n");
    series(f, c, a, m_gbps, "gbps");
    fprintf(f, "unset multiplot\n");
}

static void body_pb(FILE *f, const struct plotctx *c)
{
    const struct sweep_spec *s = c->s;
    fprintf(f, "set multiplot layout 2,2 title 'Descriptor prefetch depth P and used batch B (%s B frames, rtt %s)'\n"
               "set grid\nset key below\nset yrange [0:*]\n",
            s->v[SWEEP_AX_PKT][0], s->v[SWEEP_AX_RTT][0]);
    static const unsigned axes[2] = {SWEEP_AX_PREFETCH, SWEEP_AX_BATCH};
    static const char *const names[2] = {"prefetch depth P", "used batch B"};
    for (unsigned k = 0; k < 2; k++) {
        fprintf(f, "set xlabel '%s'\n", names[k]);
        xtics(f, s, axes[k]);
        fprintf(f, "set ylabel 'DMA requests per packet'\n");
        char tag[16];
        snprintf(tag, sizeof tag, "req%u", k);
        series(f, c, axes[k], m_req, tag);
        fprintf(f, "set ylabel 'Mpps'\n");
        snprintf(tag, sizeof tag, "mpps%u", k);
        series(f, c, axes[k], m_mpps, tag);
    }
    fprintf(f, "unset multiplot\n");
}

/* Throughput against the payload reads in flight (read tags, T = --max-reads) at each round trip, split
 * and packed side by side, every other axis at its base value (a cross sweep of ring x rtt x max-reads).
 * The link bound of each ring is a dashed line; the x tics name the engine's on-chip storage at each T
 * (P and B at their base values). */
static void body_tags(FILE *f, const struct plotctx *c)
{
    const struct sweep_spec *s = c->s;
    fprintf(f, "set title 'Throughput vs payload reads in flight T at several round trips (%s %s, %s B frames, P %s, "
               "B %s, TX fetch K %s; dashed: link bound)'\nset grid\nset key outside right\nset yrange [0:*]\nset logscale x 2\nset xrange [0.8:*]\nset offsets graph 0, graph 0.05, 0, 0\n"
               "set bmargin 5\nset xlabel 'read tags T (on-chip storage of the queue engine)' offset 0,-1\n"
               "set ylabel 'Mpps'\n",
            s->v[SWEEP_AX_WORKLOAD][0], s->v[SWEEP_AX_FEATURES][0], s->v[SWEEP_AX_PKT][0], s->v[SWEEP_AX_PREFETCH][0],
            s->v[SWEEP_AX_BATCH][0], s->v[SWEEP_AX_TX_FETCH][0]);
    fprintf(f, "set xtics (");
    for (unsigned i = 0; i < s->n[SWEEP_AX_MAX_READS]; i++) {
        struct eng_storage es;
        unsigned t = (unsigned)atoi(s->v[SWEEP_AX_MAX_READS][i]);
        eng_storage_of((unsigned)atoi(s->v[SWEEP_AX_PREFETCH][0]), (unsigned)atoi(s->v[SWEEP_AX_BATCH][0]), t,
                       (unsigned)atoi(s->v[SWEEP_AX_TX_FETCH][0]), &es);
        fprintf(f, "%s\"%u\\n%u B\" %u", i ? ", " : "", t, es.total, t);
    }
    fprintf(f, ")\n");
    double bound[SWEEP_MAX_VALUES] = {0};
    for (unsigned g = 0; g < s->n[SWEEP_AX_RING]; g++)
        for (unsigned r = 0; r < s->n[SWEEP_AX_RTT]; r++) {
            fprintf(f, "$t_%u_%u << EOD\n", g, r);
            struct xy pt[SWEEP_MAX_VALUES];
            unsigned np = 0;
            for (unsigned i = 0; i < s->n[SWEEP_AX_MAX_READS]; i++) {
                unsigned vi[SWEEP_MAX_AXES] = {0};
                vi[SWEEP_AX_RING] = g;
                vi[SWEEP_AX_RTT] = r;
                vi[SWEEP_AX_MAX_READS] = i;
                const struct sweep_result *x = sweep_find(c->r, c->n, vi);
                if (!x) continue;
                pt[np++] = (struct xy){atof(s->v[SWEEP_AX_MAX_READS][i]), x->mpps};
                bound[g] = x->link_mpps;
            }
            qsort(pt, np, sizeof pt[0], by_x);
            for (unsigned i = 0; i < np; i++) fprintf(f, "%g %g\n", pt[i].x, pt[i].y);
            fprintf(f, "EOD\n");
        }
    fprintf(f, "plot ");
    for (unsigned g = 0; g < s->n[SWEEP_AX_RING]; g++) {
        for (unsigned r = 0; r < s->n[SWEEP_AX_RTT]; r++)
            fprintf(f, "%s$t_%u_%u using 1:2 with linespoints lw 2 pt %u dt %u title '%s, rtt %s'", g || r ? ", " : "",
                    g, r, 5 + 2 * r, g + 1, s->v[SWEEP_AX_RING][g], s->v[SWEEP_AX_RTT][r]);
        fprintf(f, ", %g with lines dt 2 lw 1 lc rgb '%s' title '%s link bound'", bound[g], g ? "black" : "gray50",
                s->v[SWEEP_AX_RING][g]);
    }
    fprintf(f, "\n");
}

static int render(const char *dir, const char *name, const char *body, unsigned w, unsigned h, char *err,
                  size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/gnuplot/%s.gp", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    fprintf(f, "# %s.gp - generated by vdpu compare; run from the plot directory: gnuplot gnuplot/%s.gp\n", name, name);
    fprintf(f, "set terminal pngcairo size %u,%u font 'sans,10'\nset output '%s.png'\n%s", w, h, name, body);
    fprintf(f, "reset\nset terminal svg size %u,%u font 'sans,10' background '#ffffff'\nset output '%s.svg'\n%s"
               "set output\n", w, h, name, body);
    if (out_close(f, path, "gnuplot script", err, errlen)) return -1;
    snprintf(path, sizeof path, "%s/gnuplot/gnuplot.log", dir);
    int log = open(path, O_WRONLY | O_CREAT | O_APPEND, 0666);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (log >= 0) {
            dup2(log, 1);
            dup2(log, 2);
        }
        if (chdir(dir)) _exit(126);
        char script[512];
        snprintf(script, sizeof script, "gnuplot/%s.gp", name);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    if (log >= 0) close(log);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0) {
        snprintf(err, errlen, "cannot run gnuplot: %s", strerror(errno));
        return -1;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
        snprintf(err, errlen, "gnuplot not found: install gnuplot-nox (make deps)");
        return -1;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        snprintf(err, errlen, "gnuplot failed on %s/gnuplot/%s.gp (see %s)", dir, name, path);
        return -1;
    }
    return 0;
}

int sweep_plot(const char *dir, const struct sweep_spec *s, const struct sweep_result *r, unsigned n, char *skipped,
               size_t skippedlen, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/gnuplot", dir);
    if (mkdir(dir, 0777) && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    if (mkdir(path, 0777) && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/gnuplot/gnuplot.log", dir);
    unlink(path);
    struct plotctx c = {s, r, n, {{0}}};
    for (unsigned g = 0; g < s->n[SWEEP_AX_RING]; g++)
        for (unsigned w = 0; w < s->n[SWEEP_AX_WORKLOAD]; w++) {
            unsigned vi[SWEEP_MAX_AXES] = {0};
            vi[SWEEP_AX_RING] = g;
            vi[SWEEP_AX_WORKLOAD] = w;
            c.best[g][w] = sweep_best_features(s, r, n, vi);
        }
    size_t sk = 0;
    skipped[0] = 0;
    for (unsigned chart = 0; chart < 5; chart++) {
        static const char *const names[] = {"dma_per_packet", "throughput_vs_pkt_size", "throughput_vs_rtt",
                                            "prefetch_batch", "throughput_vs_tags"};
        char *body = NULL;
        size_t blen = 0;
        FILE *f = open_memstream(&body, &blen);
        if (!f) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        bool ok = true;
        unsigned w = 1200, h = 600;
        switch (chart) {
        case 0: body_dma(f, &c); break;
        case 1:
            ok = s->n[SWEEP_AX_PKT] > 1;
            if (ok) body_xy2(f, &c, SWEEP_AX_PKT, "Throughput vs frame size (base point, best feature set per line)",
                             "frame bytes (imix at its mean)", false);
            break;
        case 2:
            ok = s->n[SWEEP_AX_RTT] > 1;
            if (ok) body_xy2(f, &c, SWEEP_AX_RTT, "Throughput vs DMA read round trip (base point, best feature set "
                             "per line)", "read round trip (device cycles at 250 MHz)", true);
            break;
        case 3:
            ok = s->n[SWEEP_AX_PREFETCH] > 1 && s->n[SWEEP_AX_BATCH] > 1;
            if (ok) body_pb(f, &c);
            h = 900;
            break;
        case 4: /* needs every (ring, rtt, T) point: a cross sweep */
            ok = s->cross && s->n[SWEEP_AX_MAX_READS] > 1 && s->n[SWEEP_AX_RTT] > 1;
            if (ok) body_tags(f, &c);
            break;
        }
        fclose(f);
        if (!ok) {
            sk += (size_t)snprintf(skipped + sk, sk < skippedlen ? skippedlen - sk : 0, "%s%s", sk ? ", " : "",
                                   names[chart]);
            free(body);
            continue;
        }
        int rc = render(dir, names[chart], body, w, h, err, errlen);
        free(body);
        if (rc) return -1;
    }
    return 0;
}
