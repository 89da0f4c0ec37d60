/*
 * api_basics.c - pppp.h: NULL parameters, double free, result codes and messages, bad input,
 * the emulated camera, login and commands.
 *
 *   api_basics UID        (the camera at PPPP_LAN_TARGETS answers as UID, admin/6666)
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>

#include "check.h"
#include "pppp.h"

static void test_null_and_free(void) {
    /* Every _free accepts NULL and a NULL handle. */
    pppp_session_free(NULL);
    pppp_session *s = NULL;
    CHECK_EQ(pppp_session_free(&s), PPPP_RESULT_OK);
    pppp_camera_free(NULL);
    pppp_camera *c = NULL;
    pppp_camera_free(&c);
    pppp_frame_free(NULL);
    pppp_frame *f = NULL;
    pppp_frame_free(&f);
    pppp_string_free(NULL);
    char *str = NULL;
    pppp_string_free(&str);
    pppp_devices_free(NULL, 0);
    pppp_config_init(NULL);
    pppp_discover_options_init(NULL);
    pppp_camera_config_init(NULL);

    /* NULL required pointers are refused with a code and a message. */
    CHECK_EQ(pppp_session_connect(NULL, &s), PPPP_RESULT_NULL_PARAMETER);
    char msg[128];
    CHECK(pppp_last_error_message(msg, sizeof msg) > 0);
    CHECK(strstr(msg, "config") != NULL);
    CHECK_EQ(pppp_last_error_code(), PPPP_RESULT_NULL_PARAMETER);
    pppp_config cfg;
    pppp_config_init(&cfg);
    CHECK_EQ(pppp_session_connect(&cfg, NULL), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_connect(&cfg, &s), PPPP_RESULT_NULL_PARAMETER); /* uid NULL */
    CHECK(s == NULL);
    CHECK_EQ(pppp_session_login(NULL, NULL), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_command(NULL, "{}", NULL), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_write(NULL, 0, NULL, 0), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_start_video(NULL, 0), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_stop_video(NULL), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_start_audio(NULL), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_stop_audio(NULL), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_talk(NULL, NULL, 0), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_next_frame(NULL, 0, &f), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_next_audio(NULL, 0, &f), PPPP_RESULT_NULL_PARAMETER);
    pppp_frame_closure none = {NULL, NULL, NULL};
    CHECK_EQ(pppp_session_set_frame_callback(NULL, none), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_set_audio_callback(NULL, none), PPPP_RESULT_NULL_PARAMETER);
    pppp_session_stats st;
    CHECK_EQ(pppp_session_get_stats(NULL, &st), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_session_peer(NULL, msg, sizeof msg), PPPP_RESULT_NULL_PARAMETER);
    CHECK(!pppp_session_is_open(NULL));
    CHECK_EQ(pppp_session_close(NULL), PPPP_RESULT_NULL_PARAMETER);
    pppp_frame_info info;
    CHECK_EQ(pppp_frame_get_info(NULL, &info), PPPP_RESULT_NULL_PARAMETER);
    CHECK(pppp_frame_data(NULL, NULL) == NULL);
    CHECK_EQ(pppp_frame_copy(NULL, &f), PPPP_RESULT_NULL_PARAMETER);
    size_t n = 0;
    pppp_device *devs = NULL;
    CHECK_EQ(pppp_discover(NULL, NULL, &n), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_discover(NULL, &devs, NULL), PPPP_RESULT_NULL_PARAMETER);
    pppp_discover_options o;
    pppp_discover_options_init(&o);
    o.targets_len = 1; /* with targets == NULL */
    CHECK_EQ(pppp_discover(&o, &devs, &n), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_camera_start(NULL, &c), PPPP_RESULT_NULL_PARAMETER);
    pppp_camera_stats cs;
    CHECK_EQ(pppp_camera_get_stats(NULL, &cs), PPPP_RESULT_NULL_PARAMETER);
    CHECK_EQ(pppp_camera_lan_addr(NULL, msg, sizeof msg), PPPP_RESULT_NULL_PARAMETER);
}

static void test_results_and_version(void) {
    CHECK(strcmp(pppp_version(), PPPP_VERSION) == 0);
    CHECK(strcmp(pppp_result_str(PPPP_RESULT_OK), "success") == 0);
    CHECK(strcmp(pppp_result_str(PPPP_RESULT_OFFLINE), pppp_result_str(PPPP_RESULT_TIMEOUT)) != 0);
    CHECK(strcmp(pppp_result_str(12345), "unknown result code") == 0);
    CHECK(strcmp(pppp_codec_name(PPPP_CODEC_MJPEG), "mjpeg") == 0);
    CHECK(strcmp(pppp_codec_name(-1), "unknown") == 0);
    /* snprintf-like message copy: truncation and length. */
    pppp_config cfg;
    pppp_config_init(&cfg);
    cfg.uid = "not-a-uid";
    pppp_session *s = NULL;
    CHECK_EQ(pppp_session_connect(&cfg, &s), PPPP_RESULT_INVALID_UID);
    char tiny[4];
    size_t full = pppp_last_error_message(tiny, sizeof tiny);
    CHECK(full > 3);
    CHECK_EQ(strlen(tiny), 3);
    CHECK_EQ(pppp_last_error_message(NULL, 0), full);
}

static void test_bad_input(const char *uid) {
    pppp_config cfg;
    pppp_config_init(&cfg);
    pppp_session *s = NULL;
    cfg.uid = uid;
    cfg.psk = "no-such-psk";
    CHECK_EQ(pppp_session_connect(&cfg, &s), PPPP_RESULT_UNKNOWN_PSK);
    cfg.psk = NULL;
    cfg.host = "127.0.0.1:notaport";
    CHECK_EQ(pppp_session_connect(&cfg, &s), PPPP_RESULT_INVALID_ADDRESS);
    cfg.host = NULL;
    cfg.bind = "nonsense";
    CHECK_EQ(pppp_session_connect(&cfg, &s), PPPP_RESULT_INVALID_ADDRESS);
    cfg.bind = NULL;
    /* Nobody answers as this UID at the camera's address. */
    cfg.uid = "ZZZZ-000001-ABCDE";
    cfg.connect_timeout_ms = 600;
    CHECK_EQ(pppp_session_connect(&cfg, &s), PPPP_RESULT_OFFLINE);
    CHECK(s == NULL);
    /* Wrong password. */
    cfg.uid = uid;
    cfg.connect_timeout_ms = 5000;
    cfg.password = "wrong";
    CHECK_EQ(pppp_session_connect(&cfg, &s), PPPP_RESULT_OK);
    char *reply = NULL;
    CHECK_EQ(pppp_session_login(s, &reply), PPPP_RESULT_WRONG_PASSWORD);
    CHECK(reply == NULL); /* outputs are written only on success */
    CHECK_EQ(pppp_session_free(&s), PPPP_RESULT_OK);
    CHECK(s == NULL);
}

static void test_session(const char *uid) {
    pppp_config cfg;
    pppp_config_init(&cfg);
    cfg.uid = uid;
    pppp_session *s = NULL;
    CHECK_EQ(pppp_session_connect(&cfg, &s), PPPP_RESULT_OK);
    if (s == NULL) {
        return;
    }
    char *reply = NULL;
    CHECK_EQ(pppp_session_login(s, &reply), PPPP_RESULT_OK);
    CHECK(reply != NULL && strstr(reply, "\"result\":0") != NULL);
    pppp_string_free(&reply);
    CHECK(reply == NULL);
    pppp_string_free(&reply); /* double free of a string: a no-op */
    CHECK_EQ(pppp_session_command(s, "{\"pro\":\"get_parms\",\"cmd\":101}", &reply), PPPP_RESULT_OK);
    CHECK(reply != NULL && strstr(reply, "\"cmd\":101") != NULL);
    pppp_string_free(&reply);
    CHECK_EQ(pppp_session_command(s, "{not json", &reply), PPPP_RESULT_INVALID_COMMAND);
    CHECK_EQ(pppp_session_command(s, "{\"pro\":\"get_parms\",\"cmd\":101}", NULL), PPPP_RESULT_OK);
    char peer[8];
    CHECK_EQ(pppp_session_peer(s, peer, sizeof peer), PPPP_RESULT_BUFFER_TOO_SMALL);
    char peer_ok[64];
    CHECK_EQ(pppp_session_peer(s, peer_ok, sizeof peer_ok), PPPP_RESULT_OK);
    CHECK(strncmp(peer_ok, "127.", 4) == 0);
    /* Talk-back. */
    int16_t pcm[800];
    for (size_t i = 0; i < 800; i++) {
        pcm[i] = (int16_t)((i % 40) * 500 - 10000);
    }
    CHECK_EQ(pppp_session_talk(s, pcm, 800), PPPP_RESULT_OK);
    /* Audio by pull. */
    CHECK_EQ(pppp_session_start_audio(s), PPPP_RESULT_OK);
    pppp_frame *f = NULL;
    CHECK_EQ(pppp_session_next_audio(s, 5000, &f), PPPP_RESULT_OK);
    pppp_frame_info info;
    CHECK_EQ(pppp_frame_get_info(f, &info), PPPP_RESULT_OK);
    CHECK_EQ(info.channel, 2);
    pppp_frame_free(&f);
    CHECK_EQ(pppp_session_stop_audio(s), PPPP_RESULT_OK);
    /* Video by pull; no frame yet is a timeout, not an error. */
    CHECK_EQ(pppp_session_next_frame(s, 0, &f), PPPP_RESULT_TIMEOUT);
    CHECK(f == NULL);
    CHECK_EQ(pppp_session_start_video(s, 0), PPPP_RESULT_OK);
    CHECK_EQ(pppp_session_next_frame(s, 5000, &f), PPPP_RESULT_OK);
    CHECK_EQ(pppp_frame_get_info(f, &info), PPPP_RESULT_OK);
    CHECK_EQ(info.codec, PPPP_CODEC_MJPEG);
    size_t len = 0;
    const uint8_t *data = pppp_frame_data(f, &len);
    CHECK(data != NULL && len == info.size && len > 2 && data[0] == 0xFF && data[1] == 0xD8);
    pppp_frame *copy = NULL;
    CHECK_EQ(pppp_frame_copy(f, &copy), PPPP_RESULT_OK);
    pppp_frame_free(&f);
    CHECK(f == NULL);
    pppp_frame_free(&f); /* double free: a no-op */
    size_t clen = 0;
    CHECK(pppp_frame_data(copy, &clen) != NULL && clen == len);
    pppp_frame_free(&copy);
    pppp_session_stats st;
    CHECK_EQ(pppp_session_get_stats(s, &st), PPPP_RESULT_OK);
    CHECK(st.datagrams_received > 0);
    /* Typed operations in the camera's dialect. */
    char dialect[16];
    CHECK_EQ(pppp_session_dialect(s, dialect, sizeof dialect), PPPP_RESULT_OK);
    CHECK(strcmp(dialect, "shix") == 0);
    CHECK_EQ(pppp_session_ptz(s, "left"), PPPP_RESULT_OK);
    CHECK_EQ(pppp_session_ptz_stop(s), PPPP_RESULT_OK);
    CHECK_EQ(pppp_session_ptz(s, "sideways"), PPPP_RESULT_INVALID_ARGUMENT);
    CHECK_EQ(pppp_session_set_flip_mirror(s, 7), PPPP_RESULT_INVALID_ARGUMENT);
    CHECK_EQ(pppp_session_set_ir(s, true), PPPP_RESULT_OK);
    CHECK_EQ(pppp_session_set_lamp(s, true), PPPP_RESULT_OK);
    CHECK_EQ(pppp_session_ptz_preset(s, 99), PPPP_RESULT_INVALID_ARGUMENT);
    char *params = NULL;
    CHECK_EQ(pppp_session_params(s, &params), PPPP_RESULT_OK);
    CHECK(params != NULL && strstr(params, "PPPP_FAKE_1.0") != NULL);
    pppp_string_free(&params);
    char *nets = NULL;
    CHECK_EQ(pppp_session_wifi_scan(s, &nets), PPPP_RESULT_OK);
    CHECK(nets != NULL && strstr(nets, "pppp-lab") != NULL);
    pppp_string_free(&nets);
    CHECK_EQ(pppp_session_set_params(s, "[1,2]"), PPPP_RESULT_INVALID_ARGUMENT);
    CHECK_EQ(pppp_session_params(s, NULL), PPPP_RESULT_NULL_PARAMETER);
    /* A raw write on channel 0 in a dialect the camera speaks: a SHIX block. Its reply is not
     * matched to a request (it would be taken for the next command's), so it comes last. */
    static const char json[] = "{\"pro\":\"get_parms\",\"cmd\":101,\"user\":\"admin\",\"pwd\":\"6666\"}";
    uint8_t block[8 + sizeof json - 1] = {0x06, 0x0a, 0xa0, 0x80, (uint8_t)(sizeof json - 1), 0, 0, 0};
    memcpy(block + 8, json, sizeof json - 1);
    CHECK_EQ(pppp_session_write(s, 0, block, sizeof block), PPPP_RESULT_OK);
    CHECK_EQ(pppp_session_write(s, 9, block, sizeof block), PPPP_RESULT_INVALID_ARGUMENT);
    /* Close, then every call reports it; close is idempotent; free is still needed. */
    CHECK(pppp_session_is_open(s));
    CHECK_EQ(pppp_session_close(s), PPPP_RESULT_OK);
    CHECK_EQ(pppp_session_close(s), PPPP_RESULT_OK);
    CHECK(!pppp_session_is_open(s));
    CHECK_EQ(pppp_session_command(s, "{\"pro\":\"get_parms\",\"cmd\":101}", NULL), PPPP_RESULT_CLOSED_LOCAL);
    CHECK_EQ(pppp_session_free(&s), PPPP_RESULT_OK);
    CHECK(s == NULL);
    CHECK_EQ(pppp_session_free(&s), PPPP_RESULT_OK); /* double free: a no-op */
}

static void test_camera(void) {
    pppp_camera_config cc;
    pppp_camera_config_init(&cc);
    pppp_camera *cam = NULL;
    CHECK_EQ(pppp_camera_start(&cc, &cam), PPPP_RESULT_NULL_PARAMETER); /* no uid */
    cc.uid = "BATE-000042-WXYZA";
    cc.bind_ip = "not an ip";
    CHECK_EQ(pppp_camera_start(&cc, &cam), PPPP_RESULT_INVALID_ADDRESS);
    cc.bind_ip = NULL;
    cc.password = "secret";
    CHECK_EQ(pppp_camera_start(&cc, &cam), PPPP_RESULT_OK);
    char lan[64];
    CHECK_EQ(pppp_camera_lan_addr(cam, lan, sizeof lan), PPPP_RESULT_OK);
    char sess[64];
    CHECK_EQ(pppp_camera_session_addr(cam, sess, sizeof sess), PPPP_RESULT_OK);
    CHECK(strncmp(lan, "127.0.0.1:", 10) == 0 && strcmp(lan, sess) != 0);
    /* Discover it by unicast (both forms) and log in with its password. */
    const char *targets[1] = {lan};
    pppp_discover_options o;
    pppp_discover_options_init(&o);
    o.targets = targets;
    o.targets_len = 1;
    o.broadcast = false;
    o.timeout_ms = 600;
    pppp_device *devs = NULL;
    size_t n = 0;
    CHECK_EQ(pppp_discover(&o, &devs, &n), PPPP_RESULT_OK);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        seen |= strcmp(devs[i].uid, "BATE-000042-WXYZA") == 0 && strcmp(devs[i].addr, sess) == 0;
    }
    CHECK(seen);
    pppp_devices_free(&devs, n);
    CHECK(devs == NULL);
    pppp_devices_free(&devs, n); /* double free: a no-op */

    pppp_config cfg;
    pppp_config_init(&cfg);
    cfg.uid = "BATE-000042-WXYZA";
    cfg.host = lan;
    cfg.password = "secret";
    pppp_session *s = NULL;
    CHECK_EQ(pppp_session_connect(&cfg, &s), PPPP_RESULT_OK);
    CHECK_EQ(pppp_session_login(s, NULL), PPPP_RESULT_OK);
    pppp_session_free(&s);
    /* The counters are a snapshot refreshed every 100 ms: poll (5 s at most). */
    pppp_camera_stats st;
    memset(&st, 0, sizeof st);
    for (int i = 0; i < 100 && (st.logins_ok < 1 || st.searches < 1); i++) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        CHECK_EQ(pppp_camera_get_stats(cam, &st), PPPP_RESULT_OK);
        nanosleep(&pause, NULL);
    }
    CHECK(st.searches >= 1 && st.sessions >= 1 && st.logins_ok >= 1);
    pppp_camera_free(&cam);
    CHECK(cam == NULL);
    pppp_camera_free(&cam); /* double free: a no-op */
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s UID\n", argv[0]);
        return 2;
    }
    test_null_and_free();
    test_results_and_version();
    test_bad_input(argv[1]);
    test_session(argv[1]);
    test_camera();
    CHECK_DONE("api_basics");
}
