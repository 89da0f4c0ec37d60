/*
 * c_sessions.c - benchmark client: N sessions through pppp.h in one C process, against the
 * cameras of `pppp camera --count N --frame-size ...` (its JSON lines in TARGETS). Frames
 * arrive by callback on pppp's callback pool. Prints one JSON object: connect time, frames,
 * frames lost, packets, CPU, CPU per packet, frame latency p50/p99 (the frame's last datagram
 * in to the callback, pppp_frame_age_us; and from the emulator's stamp, camera_latency_*),
 * RSS, threads.
 *
 *   c_sessions TARGETS SECONDS [--idle] [--fps N]
 *
 * Build: cc -O2 -o c_sessions c_sessions.c $(pkg-config --cflags --libs pppp) -lpthread
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include "pppp.h"

#define MAX_SESSIONS 4096
#define MAX_LATENCIES (1 << 22)

struct stream {
    long frames;
    long gaps;
    long long last_index;
};

static struct stream streams[MAX_SESSIONS];
static pppp_session *sessions[MAX_SESSIONS];
static char uids[MAX_SESSIONS][32];
static char hosts[MAX_SESSIONS][64];
static atomic_int measuring;
static pthread_mutex_t lat_lock = PTHREAD_MUTEX_INITIALIZER;
static double *latencies;     /* last datagram in -> callback, ms */
static double *cam_latencies; /* emulator stamp -> callback, ms */
static long nlat;
static long ncam;

static double wall_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static double mono_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec / 1e6 +
           (double)r.ru_stime.tv_sec + (double)r.ru_stime.tv_usec / 1e6;
}

static long status(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = 0;
    size_t n = strlen(field);
    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, n) == 0) {
            v = strtol(line + n, NULL, 10);
        }
    }
    fclose(f);
    return v;
}

/* The emulator's stamp ("pppp-fake-camera frame=<20 digits> t=<20 digits>") in microseconds. */
static double stamp_of(const uint8_t *d, size_t len) {
    static const char tag[] = "pppp-fake-camera frame=";
    size_t tl = sizeof tag - 1;
    for (size_t i = 0; i + tl + 44 <= len && i < 64; i++) {
        if (memcmp(d + i, tag, tl) == 0) {
            const char *t = (const char *)d + i + tl + 20;
            if (memcmp(t, " t=", 3) != 0) {
                return 0;
            }
            double v = 0;
            for (int k = 0; k < 20; k++) {
                v = v * 10 + (t[3 + k] - '0');
            }
            return v;
        }
    }
    return 0;
}

static void on_frame(const pppp_frame *f, void *userdata) {
    struct stream *s = userdata;
    if (!atomic_load(&measuring)) {
        return;
    }
    int64_t age = pppp_frame_age_us(f);
    double handed = wall_us();
    pppp_frame_info info;
    size_t len = 0;
    const uint8_t *data = pppp_frame_data(f, &len);
    if (pppp_frame_get_info(f, &info) != PPPP_RESULT_OK) {
        return;
    }
    s->frames++;
    if (s->last_index >= 0 && info.index > (uint32_t)s->last_index) {
        s->gaps += (long)info.index - s->last_index - 1;
    }
    s->last_index = info.index;
    double stamp = stamp_of(data, len);
    pthread_mutex_lock(&lat_lock);
    if (age >= 0 && nlat < MAX_LATENCIES) {
        latencies[nlat++] = (double)age / 1000.0;
    }
    if (stamp > 0 && ncam < MAX_LATENCIES) {
        cam_latencies[ncam++] = (handed - stamp) / 1000.0;
    }
    pthread_mutex_unlock(&lat_lock);
}

static const char *last_error(void) {
    static _Thread_local char buf[256];
    pppp_last_error_message(buf, sizeof buf);
    return buf;
}

#define LOGIN_THREADS 8

struct login_range {
    int from, to, failed;
};

static void *log_in(void *arg) {
    struct login_range *r = arg;
    for (int i = r->from; i < r->to; i++) {
        if (pppp_session_wait_connected(sessions[i], 30000) != PPPP_RESULT_OK ||
            pppp_session_login(sessions[i], NULL) != PPPP_RESULT_OK) {
            fprintf(stderr, "%s: %s\n", uids[i], last_error());
            r->failed = 1;
        }
    }
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *v, long count, double p) {
    if (count == 0) {
        return 0;
    }
    long i = (long)((double)(count - 1) * p + 0.5);
    return v[i];
}

static void sleep_s(double s) {
    struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&t, NULL);
}

static void stats_of(int n, long *packets, long *lost) {
    *packets = 0;
    *lost = 0;
    for (int i = 0; i < n; i++) {
        pppp_session_stats st;
        if (pppp_session_get_stats(sessions[i], &st) == PPPP_RESULT_OK) {
            *packets += (long)st.datagrams_received;
            *lost += (long)st.video_dropped;
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s TARGETS SECONDS [--idle] [--fps N]\n", argv[0]);
        return 2;
    }
    double seconds = atof(argv[2]);
    int idle = 0, fps = 5;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--idle") == 0) {
            idle = 1;
        } else if (strcmp(argv[i], "--fps") == 0 && i + 1 < argc) {
            fps = atoi(argv[++i]);
        }
    }
    latencies = malloc(sizeof(double) * MAX_LATENCIES);
    cam_latencies = malloc(sizeof(double) * MAX_LATENCIES);
    FILE *f = fopen(argv[1], "r");
    if (f == NULL || latencies == NULL || cam_latencies == NULL) {
        return 2;
    }
    int n = 0;
    char line[512];
    while (n < MAX_SESSIONS && fgets(line, sizeof line, f) != NULL) {
        char *u = strstr(line, "\"uid\":\"");
        char *h = strstr(line, "\"lan_addr\":\"");
        if (u == NULL || h == NULL) {
            continue;
        }
        sscanf(u + 7, "%31[^\"]", uids[n]);
        sscanf(h + 12, "%63[^\"]", hosts[n]);
        streams[n].last_index = -1;
        n++;
    }
    fclose(f);
    long threads_before = status("Threads:");
    double t0 = mono_s();
    for (int i = 0; i < n; i++) {
        pppp_config cfg;
        pppp_config_init(&cfg);
        cfg.uid = uids[i];
        cfg.host = hosts[i];
        cfg.psk = "camera";
        if (pppp_session_start(&cfg, &sessions[i]) != PPPP_RESULT_OK) {
            fprintf(stderr, "start %s failed: %s\n", uids[i], last_error());
            return 1;
        }
    }
    /* Log in from a few threads (pppp_session_login blocks for the camera's answer); they
       end before the measurement. */
    pthread_t loggers[LOGIN_THREADS];
    struct login_range ranges[LOGIN_THREADS];
    for (int t = 0; t < LOGIN_THREADS; t++) {
        ranges[t].from = n * t / LOGIN_THREADS;
        ranges[t].to = n * (t + 1) / LOGIN_THREADS;
        ranges[t].failed = 0;
        pthread_create(&loggers[t], NULL, log_in, &ranges[t]);
    }
    int failed = 0;
    for (int t = 0; t < LOGIN_THREADS; t++) {
        pthread_join(loggers[t], NULL);
        failed |= ranges[t].failed;
    }
    if (failed) {
        return 1;
    }
    double connect_s = mono_s() - t0;
    if (!idle) {
        for (int i = 0; i < n; i++) {
            pppp_frame_closure cb = {&streams[i], on_frame, NULL};
            pppp_session_set_frame_callback(sessions[i], cb);
            pppp_session_start_video(sessions[i], 0);
            /* Independent cameras: streams spread over one frame interval. */
            sleep_s(1.0 / fps / n);
        }
    }
    /* Warm-up: every stream running; idle sessions refresh their counters every 5 s. */
    sleep_s(idle ? 6.0 : 2.0);
    long p0, l0, p1, l1;
    stats_of(n, &p0, &l0);
    double c0 = cpu_s(), start = mono_s();
    atomic_store(&measuring, 1);
    sleep_s(seconds);
    atomic_store(&measuring, 0);
    double elapsed = mono_s() - start, c1 = cpu_s();
    stats_of(n, &p1, &l1);
    long threads_open = status("Threads:"), rss = status("VmRSS:"), hwm = status("VmHWM:");
    long frames = 0, gaps = 0;
    for (int i = 0; i < n; i++) {
        frames += streams[i].frames;
        gaps += streams[i].gaps;
    }
    for (int i = 0; i < n; i++) {
        pppp_session_free(&sessions[i]);
    }
    pthread_mutex_lock(&lat_lock);
    qsort(latencies, (size_t)nlat, sizeof(double), cmp);
    qsort(cam_latencies, (size_t)ncam, sizeof(double), cmp);
    long lost = (l1 - l0) > gaps ? (l1 - l0) : gaps;
    long pk = p1 - p0;
    double used = c1 - c0;
    printf("{\"client\": \"C pppp.h\", \"sessions\": %d, \"idle\": %s, \"connect_s\": %.3f, "
           "\"seconds\": %.3f, \"frames\": %ld, \"frames_lost\": %ld, \"packets\": %ld, "
           "\"cpu_s\": %.3f, \"cpu_share_of_core\": %.4f, \"us_per_packet\": %.3f, "
           "\"latency_p50_ms\": %.3f, \"latency_p99_ms\": %.3f, "
           "\"camera_latency_p50_ms\": %.3f, \"camera_latency_p99_ms\": %.3f, \"rss_mib\": %.1f, "
           "\"peak_rss_mib\": %.1f, \"threads\": %ld, \"threads_before\": %ld, "
           "\"threads_after_close\": %ld}\n",
           n, idle ? "true" : "false", connect_s, elapsed, frames, lost, pk, used,
           used / elapsed, pk ? used * 1e6 / (double)pk : 0.0, pct(latencies, nlat, 0.5),
           pct(latencies, nlat, 0.99), pct(cam_latencies, ncam, 0.5), pct(cam_latencies, ncam, 0.99),
           (double)rss / 1024, (double)hwm / 1024, threads_open, threads_before,
           status("Threads:"));
    pthread_mutex_unlock(&lat_lock);
    free(latencies);
    free(cam_latencies);
    return 0;
}
