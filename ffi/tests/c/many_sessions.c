/*
 * many_sessions.c - many sessions in one C process, each with a frame callback: every one
 * connects, logs in and gets frames; the process runs them on pppp's few threads (one I/O
 * thread, a small callback pool), and freeing every session returns it to the threads it
 * started with.
 *
 *   many_sessions UID@HOST:PORT ...     (one emulated camera per argument, admin/6666)
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "pppp.h"

#define MAX_SESSIONS 1024
#define FRAMES 3

struct stream {
    atomic_int frames;
    atomic_int bad;
};

static void on_frame(const pppp_frame *f, void *userdata) {
    struct stream *s = userdata;
    pppp_frame_info info;
    size_t len = 0;
    const uint8_t *data = pppp_frame_data(f, &len);
    if (pppp_frame_get_info(f, &info) != PPPP_RESULT_OK || data == NULL || len < 2 ||
        len != info.size || data[0] != 0xff || data[1] != 0xd8) {
        atomic_fetch_add(&s->bad, 1);
    }
    atomic_fetch_add(&s->frames, 1);
}

/* This process's thread count (Linux). */
static long threads(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long n = -1;
    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "Threads:", 8) == 0) {
            n = strtol(line + 8, NULL, 10);
        }
    }
    fclose(f);
    return n;
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

int main(int argc, char **argv) {
    static pppp_session *sessions[MAX_SESSIONS];
    static struct stream streams[MAX_SESSIONS];
    static char uids[MAX_SESSIONS][64];
    int n = argc - 1;
    if (n < 1 || n > MAX_SESSIONS) {
        fprintf(stderr, "usage: %s UID@HOST:PORT ...\n", argv[0]);
        return 2;
    }
    long before = threads();
    CHECK(before > 0);
    for (int i = 0; i < n; i++) {
        const char *at = strchr(argv[i + 1], '@');
        if (at == NULL || (size_t)(at - argv[i + 1]) >= sizeof uids[i]) {
            fprintf(stderr, "bad argument %s\n", argv[i + 1]);
            return 2;
        }
        memcpy(uids[i], argv[i + 1], (size_t)(at - argv[i + 1]));
        uids[i][at - argv[i + 1]] = '\0';
        pppp_config cfg;
        pppp_config_init(&cfg);
        cfg.uid = uids[i];
        cfg.host = at + 1;
        CHECK_EQ(pppp_session_connect(&cfg, &sessions[i]), PPPP_RESULT_OK);
        if (sessions[i] == NULL) {
            continue;
        }
        CHECK_EQ(pppp_session_login(sessions[i], NULL), PPPP_RESULT_OK);
        pppp_frame_closure cb = {&streams[i], on_frame, NULL};
        CHECK_EQ(pppp_session_set_frame_callback(sessions[i], cb), PPPP_RESULT_OK);
        CHECK_EQ(pppp_session_start_video(sessions[i], 0), PPPP_RESULT_OK);
    }
    /* Wait (with a generous bound) until every session had its frames. */
    for (int waited = 0; waited < 60000; waited += 10) {
        int done = 1;
        for (int i = 0; i < n; i++) {
            done &= atomic_load(&streams[i].frames) >= FRAMES;
        }
        if (done) {
            break;
        }
        sleep_ms(10);
    }
    for (int i = 0; i < n; i++) {
        CHECK(atomic_load(&streams[i].frames) >= FRAMES);
        CHECK_EQ(atomic_load(&streams[i].bad), 0);
    }
    /* One I/O thread and the callback pool (PPPP_CALLBACK_THREADS, 2 by default), however
       many sessions. */
    long during = threads();
    CHECK(during <= before + 3);
    for (int i = 0; i < n; i++) {
        CHECK_EQ(pppp_session_free(&sessions[i]), PPPP_RESULT_OK);
    }
    /* The I/O thread was joined when the last free returned; the kernel drops a joined thread
       from the count a moment later, so read it until it settles (bounded: a thread left
       behind fails). */
    for (int i = 0; i < 30000 && threads() != before; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    CHECK_EQ(threads(), before);
    CHECK_DONE("many_sessions");
}
