/*
 * api_events.c - what an event-driven host needs: a non-blocking start with connection
 * events (pull and callback), the camera's unsolicited messages, CGI reply text, the picture
 * size and AV header of every frame, vendor stream ids, the generic operation call, the
 * name/MAC/versions in the parameters, and a cancellable discovery.
 *
 *   api_events SHIX_UID CGI_UID CGI_HOST
 *
 * PPPP_LAN_TARGETS points at the SHIX camera (MJPEG 320x240, admin/6666); the CGI camera
 * (H.264 320x240) answers at CGI_HOST.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "pppp.h"

static pppp_session *start(const char *uid, const char *host) {
    pppp_config cfg;
    pppp_config_init(&cfg);
    cfg.uid = uid;
    cfg.host = host;
    pppp_session *s = NULL;
    CHECK_EQ(pppp_session_start(&cfg, &s), PPPP_RESULT_OK);
    return s;
}

/* Takes the next event (10 s at most) and returns its kind (0 when none came). */
static int next_kind(pppp_session *s, pppp_event **out) {
    pppp_event *e = NULL;
    pppp_result r = pppp_session_next_event(s, 10000, &e);
    if (r != PPPP_RESULT_OK) {
        fprintf(stderr, "next_event: %s\n", pppp_result_str(r));
        return 0;
    }
    int kind = (int)e->kind;
    if (out != NULL) {
        *out = e;
    } else {
        pppp_event_free(&e);
    }
    return kind;
}

static void test_start_and_event_pull(const char *uid) {
    pppp_session *s = start(uid, NULL);
    if (s == NULL) {
        return;
    }
    /* start returned before the session was up; the events tell the story. */
    CHECK_EQ(pppp_session_wait_connected(s, 10000), PPPP_RESULT_OK);
    CHECK_EQ(next_kind(s, NULL), PPPP_EVENT_KIND_CONNECTING);
    pppp_event *e = NULL;
    CHECK_EQ(next_kind(s, &e), PPPP_EVENT_KIND_CONNECTED);
    if (e != NULL) {
        CHECK(strncmp(e->peer, "127.0.0.1:", 10) == 0);
        CHECK(e->cipher[0] != '\0');
        CHECK(e->json == NULL && e->text == NULL);
        CHECK_EQ(e->reason, PPPP_CLOSE_REASON_NONE);
        pppp_event_free(&e);
        CHECK(e == NULL);
    }
    CHECK_EQ(pppp_session_login(s, NULL), PPPP_RESULT_OK);
    CHECK_EQ(next_kind(s, &e), PPPP_EVENT_KIND_LOGGED_IN);
    if (e != NULL) {
        CHECK(e->json != NULL && strstr(e->json, "\"cmd\":100") != NULL);
        CHECK(e->text == NULL); /* SHIX replies are JSON, not CGI text */
        pppp_event_free(&e);
    }
    /* No event pending: a timeout, not an error. */
    CHECK_EQ(pppp_session_next_event(s, 0, &e), PPPP_RESULT_TIMEOUT);
    CHECK(e == NULL);

    /* The name, MAC and versions the camera reports: SHIX gives firmware and MCU versions. */
    char *params = NULL;
    CHECK_EQ(pppp_session_call(s, "params", NULL, &params), PPPP_RESULT_OK);
    CHECK(params != NULL && strstr(params, "\"mcu_version\":\"1.1.1.1\"") != NULL);
    CHECK(params != NULL && strstr(params, "\"mac\":null") != NULL);
    pppp_string_free(&params);
    char *none = NULL;
    CHECK_EQ(pppp_session_call(s, "ptz", "{\"direction\":\"left\"}", &none), PPPP_RESULT_OK);
    CHECK(none != NULL && strcmp(none, "null") == 0);
    pppp_string_free(&none);
    CHECK_EQ(pppp_session_call(s, "fly", NULL, NULL), PPPP_RESULT_INVALID_ARGUMENT);
    CHECK_EQ(pppp_session_call(s, "ptz", "{\"direction\":", NULL), PPPP_RESULT_INVALID_ARGUMENT);
    CHECK_EQ(pppp_session_call(s, NULL, NULL, NULL), PPPP_RESULT_NULL_PARAMETER);

    /* Every MJPEG frame has its picture size and its AV header. */
    CHECK_EQ(pppp_session_start_video(s, 0), PPPP_RESULT_OK);
    for (int i = 0; i < 3; i++) {
        pppp_frame *f = NULL;
        CHECK_EQ(pppp_session_next_frame(s, 10000, &f), PPPP_RESULT_OK);
        if (f == NULL) {
            break;
        }
        CHECK_EQ(pppp_frame_width(f), 320);
        CHECK_EQ(pppp_frame_height(f), 240);
        int64_t age = pppp_frame_age_us(f);
        CHECK(age >= 0 && age < 10 * 1000 * 1000);
        CHECK(pppp_frame_age_us(f) >= age);
        pppp_frame_info info;
        pppp_av_header h;
        CHECK_EQ(pppp_frame_get_info(f, &info), PPPP_RESULT_OK);
        CHECK_EQ(pppp_frame_get_av_header(f, &h), PPPP_RESULT_OK);
        CHECK_EQ(h.index, info.index);
        CHECK_EQ(h.av_type, info.av_type);
        CHECK_EQ(h.len, info.size);
        CHECK_EQ((uint64_t)h.seconds * 1000 + h.millis, info.timestamp_ms);
        pppp_frame_free(&f);
    }

    /* Closing ends the event stream with CLOSED (LOCAL); then the close is the answer. */
    CHECK_EQ(pppp_session_close(s), PPPP_RESULT_OK);
    int last = 0;
    while ((e = NULL, pppp_session_next_event(s, 10000, &e)) == PPPP_RESULT_OK) {
        last = (int)e->kind;
        if (e->kind == PPPP_EVENT_KIND_CLOSED) {
            CHECK_EQ(e->reason, PPPP_CLOSE_REASON_LOCAL);
        }
        pppp_event_free(&e);
    }
    CHECK_EQ(last, PPPP_EVENT_KIND_CLOSED);
    CHECK_EQ(pppp_session_next_event(s, 0, &e), PPPP_RESULT_CLOSED_LOCAL);
    CHECK_EQ(pppp_session_free(&s), PPPP_RESULT_OK);
}

static void test_unknown_camera(void) {
    pppp_config cfg;
    pppp_config_init(&cfg);
    cfg.uid = "DGOA-999999-ZZZZZ";
    cfg.host = "127.0.0.1:9"; /* nothing answers there */
    cfg.connect_timeout_ms = 300;
    pppp_session *s = NULL;
    CHECK_EQ(pppp_session_start(&cfg, &s), PPPP_RESULT_OK);
    if (s == NULL) {
        return;
    }
    CHECK_EQ(pppp_session_wait_connected(s, 10000), PPPP_RESULT_OFFLINE);
    CHECK_EQ(next_kind(s, NULL), PPPP_EVENT_KIND_CONNECTING);
    pppp_event *e = NULL;
    CHECK_EQ(next_kind(s, &e), PPPP_EVENT_KIND_CLOSED);
    if (e != NULL) {
        CHECK_EQ(e->reason, PPPP_CLOSE_REASON_NOT_FOUND);
        pppp_event_free(&e);
    }
    CHECK_EQ(pppp_session_next_event(s, 10000, &e), PPPP_RESULT_OFFLINE);
    CHECK_EQ(pppp_session_free(&s), PPPP_RESULT_OK);
}

struct events {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int kinds[64];
    int count;
    int drops;
    int calls_after_drop;
    char message_text[128];
    int message_cmd_seen;
};

static void on_event(const pppp_event *e, void *userdata) {
    struct events *ev = userdata;
    pthread_mutex_lock(&ev->lock);
    if (ev->drops > 0) {
        ev->calls_after_drop++;
    }
    if (ev->count < 64) {
        ev->kinds[ev->count++] = (int)e->kind;
    }
    if (e->kind == PPPP_EVENT_KIND_MESSAGE && e->text != NULL) {
        snprintf(ev->message_text, sizeof ev->message_text, "%s", e->text);
        ev->message_cmd_seen = e->json != NULL && strstr(e->json, "\"cmd\":24832") != NULL;
    }
    pthread_cond_broadcast(&ev->cond);
    pthread_mutex_unlock(&ev->lock);
}

static void on_event_drop(void *userdata) {
    struct events *ev = userdata;
    pthread_mutex_lock(&ev->lock);
    ev->drops++;
    pthread_cond_broadcast(&ev->cond);
    pthread_mutex_unlock(&ev->lock);
}

/* Waits (10 s at most) until the callback saw an event of `kind`. */
static int wait_kind(struct events *ev, int kind) {
    int found = 0;
    pthread_mutex_lock(&ev->lock);
    for (;;) {
        for (int i = 0; i < ev->count; i++) {
            found |= ev->kinds[i] == kind;
        }
        if (found) {
            break;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        if (pthread_cond_timedwait(&ev->cond, &ev->lock, &until) == ETIMEDOUT) {
            break;
        }
    }
    pthread_mutex_unlock(&ev->lock);
    return found;
}

static int wait_drop(struct events *ev) {
    pthread_mutex_lock(&ev->lock);
    while (ev->drops == 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        if (pthread_cond_timedwait(&ev->cond, &ev->lock, &until) == ETIMEDOUT) {
            break;
        }
    }
    int d = ev->drops;
    pthread_mutex_unlock(&ev->lock);
    return d;
}

static void test_event_callback_and_cgi(const char *uid, const char *host) {
    struct events ev;
    memset(&ev, 0, sizeof ev);
    pthread_mutex_init(&ev.lock, NULL);
    pthread_cond_init(&ev.cond, NULL);
    pppp_session *s = start(uid, host);
    if (s == NULL) {
        return;
    }
    pppp_event_closure cb = {&ev, on_event, on_event_drop};
    CHECK_EQ(pppp_session_set_event_callback(s, cb), PPPP_RESULT_OK);
    pppp_event *e = NULL;
    CHECK_EQ(pppp_session_next_event(s, 0, &e), PPPP_RESULT_BUSY);
    CHECK(wait_kind(&ev, PPPP_EVENT_KIND_CONNECTED));
    CHECK_EQ(pppp_session_login(s, NULL), PPPP_RESULT_OK);
    CHECK(wait_kind(&ev, PPPP_EVENT_KIND_LOGGED_IN));

    /* The raw reply text of a CGI request. */
    char *reply = NULL;
    CHECK_EQ(pppp_session_cgi(s, "get_status.cgi", &reply), PPPP_RESULT_OK);
    CHECK(reply != NULL && strstr(reply, "\"text\":\"var alias=") != NULL);
    pppp_string_free(&reply);
    /* ... and the name, MAC and versions in the parameters. */
    char *params = NULL;
    CHECK_EQ(pppp_session_params(s, &params), PPPP_RESULT_OK);
    CHECK(params != NULL && strstr(params, "\"mac\":\"00:b9:c0:00:a9:b3\"") != NULL);
    CHECK(params != NULL && strstr(params, "\"app_version\":\"1.0.0.1 (pppp emulator)\"") != NULL);
    CHECK(params != NULL && strstr(params, "\"name\":\"pppp emulator\"") != NULL);
    pppp_string_free(&params);

    /* A message the camera sends on its own (the emulator's push hook) is a MESSAGE event. */
    CHECK_EQ(pppp_session_cgi(s, "pppp_push.cgi?message=motion", NULL), PPPP_RESULT_OK);
    CHECK(wait_kind(&ev, PPPP_EVENT_KIND_MESSAGE));
    pthread_mutex_lock(&ev.lock);
    CHECK(strcmp(ev.message_text, "var message=\"motion\";\r\n") == 0);
    CHECK(ev.message_cmd_seen);
    pthread_mutex_unlock(&ev.lock);

    /* Vendor stream ids; every H.264 frame, P frames too, has the picture size. */
    CHECK_EQ(pppp_session_start_video_stream(s, 0, 16, -1), PPPP_RESULT_INVALID_ARGUMENT);
    CHECK_EQ(pppp_session_start_video_stream(s, 0, -1, 2), PPPP_RESULT_INVALID_ARGUMENT);
    CHECK_EQ(pppp_session_start_video_stream(s, 0, 3, 1), PPPP_RESULT_OK);
    int p_frames = 0, keys = 0;
    for (int i = 0; i < 12; i++) {
        pppp_frame *f = NULL;
        CHECK_EQ(pppp_session_next_frame(s, 10000, &f), PPPP_RESULT_OK);
        if (f == NULL) {
            break;
        }
        pppp_frame_info info;
        CHECK_EQ(pppp_frame_get_info(f, &info), PPPP_RESULT_OK);
        CHECK_EQ(info.codec, PPPP_CODEC_H264);
        keys += info.keyframe;
        if (keys > 0) {
            p_frames += !info.keyframe;
            CHECK_EQ(pppp_frame_width(f), 320);
            CHECK_EQ(pppp_frame_height(f), 240);
        }
        pppp_frame_free(&f);
    }
    CHECK(p_frames > 0);

    /* The event callback ends after CLOSED: drop exactly once, nothing after it. */
    CHECK_EQ(pppp_session_close(s), PPPP_RESULT_OK);
    CHECK_EQ(wait_drop(&ev), 1);
    pthread_mutex_lock(&ev.lock);
    CHECK(ev.count > 0 && ev.kinds[ev.count - 1] == PPPP_EVENT_KIND_CLOSED);
    CHECK_EQ(ev.kinds[0], PPPP_EVENT_KIND_CONNECTING);
    pthread_mutex_unlock(&ev.lock);
    CHECK_EQ(pppp_session_free(&s), PPPP_RESULT_OK);
    pthread_mutex_lock(&ev.lock);
    CHECK_EQ(ev.drops, 1);
    CHECK_EQ(ev.calls_after_drop, 0);
    pthread_mutex_unlock(&ev.lock);
    pthread_mutex_destroy(&ev.lock);
    pthread_cond_destroy(&ev.cond);
}

static void test_free_drops_an_event_callback(const char *uid) {
    struct events ev;
    memset(&ev, 0, sizeof ev);
    pthread_mutex_init(&ev.lock, NULL);
    pthread_cond_init(&ev.cond, NULL);
    pppp_session *s = start(uid, NULL);
    if (s == NULL) {
        return;
    }
    pppp_event_closure cb = {&ev, on_event, on_event_drop};
    CHECK_EQ(pppp_session_set_event_callback(s, cb), PPPP_RESULT_OK);
    CHECK(wait_kind(&ev, PPPP_EVENT_KIND_CONNECTED));
    CHECK_EQ(pppp_session_free(&s), PPPP_RESULT_OK);
    pthread_mutex_lock(&ev.lock);
    CHECK_EQ(ev.drops, 1);
    int count = ev.count;
    pthread_mutex_unlock(&ev.lock);
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    pthread_mutex_lock(&ev.lock);
    CHECK_EQ(ev.count, count);
    pthread_mutex_unlock(&ev.lock);
    pthread_mutex_destroy(&ev.lock);
    pthread_cond_destroy(&ev.cond);
}

static void test_discovery(const char *uid) {
    pppp_discover_options o;
    pppp_discover_options_init(&o);
    o.broadcast = false; /* PPPP_LAN_TARGETS names the camera */
    o.timeout_ms = 60000;
    pppp_discovery *d = NULL;
    CHECK_EQ(pppp_discovery_start(&o, &d), PPPP_RESULT_OK);
    if (d == NULL) {
        return;
    }
    pppp_device dev;
    CHECK_EQ(pppp_discovery_next(d, 10000, &dev), PPPP_RESULT_OK);
    CHECK(strcmp(dev.uid, uid) == 0);
    CHECK(!pppp_discovery_is_finished(d));
    /* A minute-long search ends at once when cancelled. */
    CHECK_EQ(pppp_discovery_cancel(d), PPPP_RESULT_OK);
    CHECK(pppp_discovery_is_finished(d));
    CHECK_EQ(pppp_discovery_next(d, 10000, &dev), PPPP_RESULT_FINISHED);
    CHECK_EQ(pppp_discovery_cancel(d), PPPP_RESULT_OK);
    pppp_discovery_free(&d);
    CHECK(d == NULL);
    pppp_discovery_free(&d);
    pppp_discovery_free(NULL);
    CHECK_EQ(pppp_discovery_next(NULL, 0, &dev), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_discovery_cancel(NULL), PPPP_RESULT_NULL_PARAMETER);
    CHECK(pppp_discovery_is_finished(NULL));
    CHECK_EQ(pppp_discovery_start(&o, NULL), PPPP_RESULT_NULL_PARAMETER);
}

static void test_null_and_names(void) {
    pppp_event *e = NULL;
    CHECK_EQ(pppp_session_next_event(NULL, 0, &e), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_wait_connected(NULL, 0), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_start(NULL, NULL), PPPP_RESULT_NULL_PARAMETER);
    pppp_config cfg;
    pppp_config_init(&cfg);
    cfg.uid = "not a uid";
    pppp_session *s = NULL;
    CHECK_EQ(pppp_session_start(&cfg, &s), PPPP_RESULT_INVALID_UID);
    CHECK(s == NULL);
    pppp_event_free(NULL);
    pppp_event_free(&e);
    CHECK_EQ(pppp_frame_width(NULL), 0);
    CHECK_EQ(pppp_frame_height(NULL), 0);
    CHECK_EQ(pppp_frame_age_us(NULL), -1);
    pppp_av_header h;
    CHECK_EQ(pppp_frame_get_av_header(NULL, &h), PPPP_RESULT_NULL_PARAMETER);
    CHECK(strcmp(pppp_event_kind_name(PPPP_EVENT_KIND_MESSAGE), "message") == 0);
    CHECK(strcmp(pppp_event_kind_name(PPPP_EVENT_KIND_CLOSED), "closed") == 0);
    CHECK(strcmp(pppp_event_kind_name(99), "unknown") == 0);
    CHECK(strcmp(pppp_result_str(PPPP_RESULT_FINISHED), "finished: nothing more will come") == 0);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s SHIX_UID CGI_UID CGI_HOST\n", argv[0]);
        return 2;
    }
    test_null_and_names();
    test_start_and_event_pull(argv[1]);
    test_unknown_camera();
    test_event_callback_and_cgi(argv[2], argv[3]);
    test_free_drops_an_event_callback(argv[1]);
    test_discovery(argv[1]);
    CHECK_DONE("api_events");
}
