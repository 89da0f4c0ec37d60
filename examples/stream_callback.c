/*
 * stream_callback.c - receive video frames through a callback on pppp's callback threads.
 *
 *   stream_callback UID [HOST[:PORT] | -] [FRAMES]
 *
 * The callback runs on one of pppp's callback threads (one call at a time, in order); it keeps a copy of the first
 * frame (pppp_frame_copy) and signals the main thread, which waits on a condition variable
 * until FRAMES frames (default 10) arrived, then frees the session. After pppp_session_free
 * returns, no callback runs any more and the closure's drop has run exactly once.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pppp.h"

struct state {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    long frames;
    long drops;
    pppp_frame *first; /* a copy kept beyond the callback */
};

static void on_frame(const pppp_frame *f, void *userdata) {
    struct state *st = userdata;
    pppp_frame_info info;
    if (pppp_frame_get_info(f, &info) != PPPP_RESULT_OK) {
        return;
    }
    pthread_mutex_lock(&st->lock);
    if (st->first == NULL) {
        pppp_frame_copy(f, &st->first);
    }
    st->frames++;
    pthread_cond_signal(&st->cond);
    pthread_mutex_unlock(&st->lock);
    printf("frame #%u %s %zu bytes\n", (unsigned)info.index, pppp_codec_name(info.codec),
           info.size);
}

static void on_drop(void *userdata) {
    struct state *st = userdata;
    pthread_mutex_lock(&st->lock);
    st->drops++;
    pthread_cond_signal(&st->cond);
    pthread_mutex_unlock(&st->lock);
}

static int fail(const char *what, pppp_result r) {
    char detail[256];
    pppp_last_error_message(detail, sizeof detail);
    fprintf(stderr, "%s failed: %s (%s)\n", what, pppp_result_str(r), detail);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s UID [HOST[:PORT] | -] [FRAMES]\n", argv[0]);
        return 2;
    }
    pppp_config cfg;
    pppp_config_init(&cfg);
    cfg.uid = argv[1];
    cfg.host = (argc > 2 && strcmp(argv[2], "-") != 0) ? argv[2] : NULL;
    long want = argc > 3 ? strtol(argv[3], NULL, 10) : 10;

    struct state st = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, NULL};
    pppp_session *s = NULL;
    pppp_result r = pppp_session_connect(&cfg, &s);
    if (r != PPPP_RESULT_OK) {
        return fail("connect", r);
    }
    int code = 0;
    pppp_frame_closure cb = {&st, on_frame, on_drop};
    if ((r = pppp_session_set_frame_callback(s, cb)) != PPPP_RESULT_OK ||
        (r = pppp_session_login(s, NULL)) != PPPP_RESULT_OK ||
        (r = pppp_session_start_video(s, 0)) != PPPP_RESULT_OK) {
        code = fail("callback/login/start video", r);
    }
    /* With the callback set, the pull form is refused. */
    pppp_frame *none = NULL;
    if (code == 0 && pppp_session_next_frame(s, 0, &none) != PPPP_RESULT_BUSY) {
        fprintf(stderr, "next_frame should be refused while a callback is set\n");
        code = 1;
    }
    pthread_mutex_lock(&st.lock);
    while (code == 0 && st.frames < want) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        if (pthread_cond_timedwait(&st.cond, &st.lock, &until) == ETIMEDOUT) {
            fprintf(stderr, "only %ld frames in 10 s\n", st.frames);
            code = 1;
        }
    }
    pthread_mutex_unlock(&st.lock);

    r = pppp_session_free(&s);
    if (r != PPPP_RESULT_OK || s != NULL) {
        code = fail("free", r);
    }
    /* No lock needed any more: the callback's last call has returned. */
    if (st.drops != 1) {
        fprintf(stderr, "drop ran %ld times, expected once\n", st.drops);
        code = 1;
    }
    if (st.first != NULL) {
        size_t len = 0;
        pppp_frame_data(st.first, &len);
        printf("kept the first frame: %zu bytes\n", len);
        pppp_frame_free(&st.first);
    }
    printf("%ld frames through the callback\n", st.frames);
    return code;
}
