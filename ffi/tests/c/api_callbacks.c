/*
 * api_callbacks.c - frame callbacks: delivery thread, free from inside a callback (refused),
 * no call after free, drop exactly once, replacing and removing callbacks, pull form busy.
 *
 *   api_callbacks UID     (the camera at PPPP_LAN_TARGETS answers as UID, admin/6666)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "pppp.h"

struct counter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    long calls;
    long drops;
    long calls_after_drop;
    int wrong_thread;
    pthread_t main_thread;
    /* For the free-from-inside test. */
    pppp_session **session;
    int try_free_inside;
    pppp_result inside_free_result;
    pppp_result inside_set_result;
    int inside_tried;
};

static void counter_init(struct counter *c) {
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->main_thread = pthread_self();
}

static void on_frame(const pppp_frame *f, void *userdata) {
    struct counter *c = userdata;
    pppp_frame_info info;
    int ok = pppp_frame_get_info(f, &info) == PPPP_RESULT_OK;
    if (c->try_free_inside && !c->inside_tried) {
        /* Both are refused from the session's own delivery thread. */
        pppp_session **sp = c->session;
        c->inside_free_result = pppp_session_free(sp);
        pppp_frame_closure none = {NULL, NULL, NULL};
        c->inside_set_result = pppp_session_set_frame_callback(*sp, none);
        c->inside_tried = 1;
    }
    pthread_mutex_lock(&c->lock);
    if (!ok) {
        c->wrong_thread = 1;
    }
    if (pthread_equal(pthread_self(), c->main_thread)) {
        c->wrong_thread = 1;
    }
    if (c->drops > 0) {
        c->calls_after_drop++;
    }
    c->calls++;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

static void on_drop(void *userdata) {
    struct counter *c = userdata;
    pthread_mutex_lock(&c->lock);
    c->drops++;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

/* Waits until the counter saw `n` calls (10 s at most). */
static int wait_calls(struct counter *c, long n) {
    int ok = 1;
    pthread_mutex_lock(&c->lock);
    while (c->calls < n) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        if (pthread_cond_timedwait(&c->cond, &c->lock, &until) == ETIMEDOUT) {
            ok = 0;
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return ok;
}

static pppp_session *connect_and_stream(const char *uid) {
    pppp_config cfg;
    pppp_config_init(&cfg);
    cfg.uid = uid;
    pppp_session *s = NULL;
    CHECK_EQ(pppp_session_connect(&cfg, &s), PPPP_RESULT_OK);
    if (s != NULL) {
        CHECK_EQ(pppp_session_login(s, NULL), PPPP_RESULT_OK);
        CHECK_EQ(pppp_session_start_video(s, 0), PPPP_RESULT_OK);
    }
    return s;
}

static void test_free_inside_callback_and_no_call_after_free(const char *uid) {
    struct counter c;
    counter_init(&c);
    pppp_session *s = connect_and_stream(uid);
    if (s == NULL) {
        return;
    }
    c.session = &s;
    c.try_free_inside = 1;
    pppp_frame_closure cb = {&c, on_frame, on_drop};
    CHECK_EQ(pppp_session_set_frame_callback(s, cb), PPPP_RESULT_OK);
    pppp_frame *f = NULL;
    CHECK_EQ(pppp_session_next_frame(s, 0, &f), PPPP_RESULT_BUSY);
    CHECK(wait_calls(&c, 3));
    CHECK_EQ(c.inside_free_result, PPPP_RESULT_IN_CALLBACK);
    CHECK_EQ(c.inside_set_result, PPPP_RESULT_IN_CALLBACK);
    CHECK(s != NULL); /* the refused free left the handle alone */
    CHECK_EQ(pppp_session_free(&s), PPPP_RESULT_OK);
    CHECK(s == NULL);
    pthread_mutex_lock(&c.lock);
    long calls = c.calls;
    CHECK_EQ(c.drops, 1);
    pthread_mutex_unlock(&c.lock);
    /* The camera keeps streaming to nobody: give a broken library the chance to call. */
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    pthread_mutex_lock(&c.lock);
    CHECK_EQ(c.calls, calls);
    CHECK_EQ(c.drops, 1);
    CHECK_EQ(c.calls_after_drop, 0);
    CHECK(!c.wrong_thread);
    pthread_mutex_unlock(&c.lock);
}

static void test_replace_and_remove(const char *uid) {
    struct counter a, b, d;
    counter_init(&a);
    counter_init(&b);
    counter_init(&d);
    pppp_session *s = connect_and_stream(uid);
    if (s == NULL) {
        return;
    }
    pppp_frame_closure ca = {&a, on_frame, on_drop};
    CHECK_EQ(pppp_session_set_frame_callback(s, ca), PPPP_RESULT_OK);
    CHECK(wait_calls(&a, 2));
    /* Replacing: a's last call returned and its drop ran before this returns. */
    pppp_frame_closure cb = {&b, on_frame, on_drop};
    CHECK_EQ(pppp_session_set_frame_callback(s, cb), PPPP_RESULT_OK);
    pthread_mutex_lock(&a.lock);
    long a_calls = a.calls;
    CHECK_EQ(a.drops, 1);
    pthread_mutex_unlock(&a.lock);
    CHECK(wait_calls(&b, 2));
    pthread_mutex_lock(&a.lock);
    CHECK_EQ(a.calls, a_calls);
    pthread_mutex_unlock(&a.lock);
    /* Removing (call == NULL): b's drop ran; the closure's own drop runs at once. */
    pppp_frame_closure rm = {&d, NULL, on_drop};
    CHECK_EQ(pppp_session_set_frame_callback(s, rm), PPPP_RESULT_OK);
    CHECK_EQ(b.drops, 1);
    CHECK_EQ(d.drops, 1);
    /* The pull form works again. */
    pppp_frame *f = NULL;
    CHECK_EQ(pppp_session_next_frame(s, 5000, &f), PPPP_RESULT_OK);
    pppp_frame_free(&f);
    /* An audio callback has its own delivery thread. */
    struct counter au;
    counter_init(&au);
    pppp_frame_closure cau = {&au, on_frame, on_drop};
    CHECK_EQ(pppp_session_set_audio_callback(s, cau), PPPP_RESULT_OK);
    CHECK_EQ(pppp_session_start_audio(s), PPPP_RESULT_OK);
    CHECK(wait_calls(&au, 2));
    /* A callback on a session closed by the camera's side ends with its drop. */
    CHECK_EQ(pppp_session_free(&s), PPPP_RESULT_OK);
    CHECK_EQ(au.drops, 1);
    CHECK(!a.wrong_thread && !b.wrong_thread && !au.wrong_thread);
}

static void test_drop_after_close(const char *uid) {
    struct counter c;
    counter_init(&c);
    pppp_session *s = connect_and_stream(uid);
    if (s == NULL) {
        return;
    }
    pppp_frame_closure cb = {&c, on_frame, on_drop};
    CHECK_EQ(pppp_session_set_frame_callback(s, cb), PPPP_RESULT_OK);
    CHECK(wait_calls(&c, 1));
    /* Closing ends the stream: the delivery thread finishes and runs drop by itself. */
    CHECK_EQ(pppp_session_close(s), PPPP_RESULT_OK);
    pthread_mutex_lock(&c.lock);
    while (c.drops == 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        if (pthread_cond_timedwait(&c.cond, &c.lock, &until) == ETIMEDOUT) {
            break;
        }
    }
    CHECK_EQ(c.drops, 1);
    pthread_mutex_unlock(&c.lock);
    CHECK_EQ(pppp_session_free(&s), PPPP_RESULT_OK);
    CHECK_EQ(c.drops, 1);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s UID\n", argv[0]);
        return 2;
    }
    test_free_inside_callback_and_no_call_after_free(argv[1]);
    test_replace_and_remove(argv[1]);
    test_drop_after_close(argv[1]);
    CHECK_DONE("api_callbacks");
}
