/*
 * stream_pull.c - receive video frames by pulling them (no callback, no threads).
 *
 *   stream_pull UID [HOST[:PORT] | -] [FRAMES]
 *
 * Connects (HOST, else PPPP_LAN_TARGETS, else broadcast), logs in with admin/6666, starts
 * video and takes FRAMES frames (default 10) with pppp_session_next_frame. MJPEG frames are
 * checked to be JPEG images.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pppp.h"

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

    pppp_session *s = NULL;
    pppp_result r = pppp_session_connect(&cfg, &s);
    if (r != PPPP_RESULT_OK) {
        return fail("connect", r);
    }
    int code = 0;
    if ((r = pppp_session_login(s, NULL)) != PPPP_RESULT_OK ||
        (r = pppp_session_start_video(s, 0)) != PPPP_RESULT_OK) {
        code = fail("login/start video", r);
        goto out;
    }
    long got = 0;
    while (got < want) {
        pppp_frame *f = NULL;
        r = pppp_session_next_frame(s, 5000, &f);
        if (r == PPPP_RESULT_TIMEOUT) {
            fprintf(stderr, "no frame for 5 s\n");
            code = 1;
            break;
        }
        if (r != PPPP_RESULT_OK) {
            code = fail("next frame", r);
            break;
        }
        pppp_frame_info info;
        size_t len = 0;
        const uint8_t *data = pppp_frame_data(f, &len);
        if (pppp_frame_get_info(f, &info) != PPPP_RESULT_OK || data == NULL || len != info.size) {
            fprintf(stderr, "inconsistent frame\n");
            code = 1;
        } else if (info.codec == PPPP_CODEC_MJPEG && (len < 4 || data[0] != 0xFF || data[1] != 0xD8)) {
            fprintf(stderr, "frame %u is not a JPEG image\n", (unsigned)info.index);
            code = 1;
        } else {
            printf("frame #%u %s %zu bytes t=%llu ms%s\n", (unsigned)info.index,
                   pppp_codec_name(info.codec), len, (unsigned long long)info.timestamp_ms,
                   info.keyframe ? " key" : "");
        }
        pppp_frame_free(&f);
        got++;
    }
    if (code == 0) {
        pppp_session_stats st;
        if (pppp_session_get_stats(s, &st) == PPPP_RESULT_OK) {
            printf("%ld frames; session: %llu video frames, %llu dropped, %llu retransmits\n", got,
                   (unsigned long long)st.video_frames, (unsigned long long)st.video_dropped,
                   (unsigned long long)st.retransmits);
        }
        pppp_session_stop_video(s);
    }
out:
    pppp_session_free(&s);
    return code;
}
