/*
 * bare_receiver.c - the floor for CPU per received packet: the least a client can do to
 * receive a SHIX camera's video (LAN search, punch, login, start video, acknowledge every DRW
 * packet, answer keepalives), written for the benchmark in benches/stream_cpu.py. It does not
 * reassemble frames. Not part of pppp.
 *
 *   bare_receiver MODE HOST:PORT UID SECONDS [PSK]
 *
 *   MODE recvfrom: one blocking recvfrom per datagram, one DRW_ACK per 17 packets.
 *   MODE recvmmsg: wait for a datagram, pause 0.5 ms, read the burst with recvmmsg.
 *
 * Prints "packets N bytes B" when done.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* The cipher's substitution table (docs/protocol.md §5.1). */
static const uint8_t TABLE[256] = {
    0x7C, 0x9C, 0xE8, 0x4A, 0x13, 0xDE, 0xDC, 0xB2, 0x2F, 0x21, 0x23, 0xE4, 0x30, 0x7B, 0x3D,
    0x8C, 0xBC, 0x0B, 0x27, 0x0C, 0x3C, 0xF7, 0x9A, 0xE7, 0x08, 0x71, 0x96, 0x00, 0x97, 0x85,
    0xEF, 0xC1, 0x1F, 0xC4, 0xDB, 0xA1, 0xC2, 0xEB, 0xD9, 0x01, 0xFA, 0xBA, 0x3B, 0x05, 0xB8,
    0x15, 0x87, 0x83, 0x28, 0x72, 0xD1, 0x8B, 0x5A, 0xD6, 0xDA, 0x93, 0x58, 0xFE, 0xAA, 0xCC,
    0x6E, 0x1B, 0xF0, 0xA3, 0x88, 0xAB, 0x43, 0xC0, 0x0D, 0xB5, 0x45, 0x38, 0x4F, 0x50, 0x22,
    0x66, 0x20, 0x7F, 0x07, 0x5B, 0x14, 0x98, 0x1D, 0x9B, 0xA7, 0x2A, 0xB9, 0xA8, 0xCB, 0xF1,
    0xFC, 0x49, 0x47, 0x06, 0x3E, 0xB1, 0x0E, 0x04, 0x3A, 0x94, 0x5E, 0xEE, 0x54, 0x11, 0x34,
    0xDD, 0x4D, 0xF9, 0xEC, 0xC7, 0xC9, 0xE3, 0x78, 0x1A, 0x6F, 0x70, 0x6B, 0xA4, 0xBD, 0xA9,
    0x5D, 0xD5, 0xF8, 0xE5, 0xBB, 0x26, 0xAF, 0x42, 0x37, 0xD8, 0xE1, 0x02, 0x0A, 0xAE, 0x5F,
    0x1C, 0xC5, 0x73, 0x09, 0x4E, 0x69, 0x24, 0x90, 0x6D, 0x12, 0xB3, 0x19, 0xAD, 0x74, 0x8A,
    0x29, 0x40, 0xF5, 0x2D, 0xBE, 0xA5, 0x59, 0xE0, 0xF4, 0x79, 0xD2, 0x4B, 0xCE, 0x89, 0x82,
    0x48, 0x84, 0x25, 0xC6, 0x91, 0x2B, 0xA2, 0xFB, 0x8F, 0xE9, 0xA6, 0xB0, 0x9E, 0x3F, 0x65,
    0xF6, 0x03, 0x31, 0x2E, 0xAC, 0x0F, 0x95, 0x2C, 0x5C, 0xED, 0x39, 0xB7, 0x33, 0x6C, 0x56,
    0x7E, 0xB4, 0xA0, 0xFD, 0x7A, 0x81, 0x53, 0x51, 0x86, 0x8D, 0x9F, 0x77, 0xFF, 0x6A, 0x80,
    0xDF, 0xE2, 0xBF, 0x10, 0xD7, 0x75, 0x64, 0x57, 0x76, 0xF3, 0x55, 0xCD, 0xD0, 0xC8, 0x18,
    0xE6, 0x36, 0x41, 0x62, 0xCF, 0x99, 0xF2, 0x32, 0x4C, 0x67, 0x60, 0x61, 0x92, 0xCA, 0xD3,
    0xEA, 0x63, 0x7D, 0x16, 0xB6, 0x8E, 0xD4, 0x68, 0x35, 0xC3, 0x52, 0x9D, 0x46, 0x44, 0x1E,
    0x17,
};

static uint8_t key[4];
static int encrypted;

static void derive(const char *psk) {
    uint8_t sum = 0, thirds = 0, xr = 0;
    size_t n = strnlen(psk, 20);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (uint8_t)psk[i];
        sum = (uint8_t)(sum + b);
        thirds = (uint8_t)(thirds + b / 3);
        xr ^= b;
    }
    key[0] = sum;
    key[1] = (uint8_t)-sum;
    key[2] = thirds;
    key[3] = xr;
    encrypted = n > 0;
}

static void seal(uint8_t *d, size_t n) {
    uint8_t prev = 0;
    for (size_t i = 0; encrypted && i < n; i++) {
        d[i] ^= TABLE[(uint8_t)(key[prev & 3] + prev)];
        prev = d[i];
    }
}

static void open_(uint8_t *d, size_t n) {
    uint8_t prev = 0;
    for (size_t i = 0; encrypted && i < n; i++) {
        uint8_t c = d[i];
        d[i] = c ^ TABLE[(uint8_t)(key[prev & 3] + prev)];
        prev = c;
    }
}

static int sock;
static struct sockaddr_in peer;

static void send_msg(uint8_t type, const uint8_t *payload, size_t len) {
    uint8_t d[1500];
    d[0] = 0xF1;
    d[1] = type;
    d[2] = (uint8_t)(len >> 8);
    d[3] = (uint8_t)len;
    memcpy(d + 4, payload, len);
    seal(d, len + 4);
    sendto(sock, d, len + 4, 0, (struct sockaddr *)&peer, sizeof peer);
}

static uint16_t next_index;

/* A SHIX JSON request on channel 0. */
static void send_shix(const char *json) {
    uint8_t p[1400];
    size_t n = strlen(json);
    p[0] = 0xD1;
    p[1] = 0;
    p[2] = (uint8_t)(next_index >> 8);
    p[3] = (uint8_t)next_index;
    next_index++;
    p[4] = 0x06;
    p[5] = 0x0a;
    p[6] = 0xa0; /* 0x80a0, little-endian */
    p[7] = 0x80;
    p[8] = (uint8_t)n;
    p[9] = (uint8_t)(n >> 8);
    p[10] = 0;
    p[11] = 0;
    memcpy(p + 12, json, n);
    send_msg(0xD0, p, 12 + n);
}

/* Pending acknowledgements, per channel. */
static uint16_t acks[8][17];
static int nacks[8];

static void flush_acks(int ch) {
    uint8_t p[4 + 2 * 17];
    if (nacks[ch] == 0) {
        return;
    }
    p[0] = 0xD1;
    p[1] = (uint8_t)ch;
    p[2] = 0;
    p[3] = (uint8_t)nacks[ch];
    for (int i = 0; i < nacks[ch]; i++) {
        p[4 + 2 * i] = (uint8_t)(acks[ch][i] >> 8);
        p[5 + 2 * i] = (uint8_t)acks[ch][i];
    }
    send_msg(0xD1, p, 4 + 2 * (size_t)nacks[ch]);
    nacks[ch] = 0;
}

static long packets, bytes;

static void handle(uint8_t *d, ssize_t n) {
    open_(d, (size_t)n);
    if (n < 4 || d[0] != 0xF1) {
        return;
    }
    packets++;
    bytes += n;
    if (d[1] == 0xD0 && n >= 8) {
        int ch = d[5] & 7;
        acks[ch][nacks[ch]++] = (uint16_t)(d[6] << 8 | d[7]);
        if (nacks[ch] == 17) {
            flush_acks(ch);
        }
    } else if (d[1] == 0xE0) {
        send_msg(0xE1, NULL, 0);
    }
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s recvfrom|recvmmsg HOST:PORT UID SECONDS [PSK]\n", argv[0]);
        return 2;
    }
    int mmsg = strcmp(argv[1], "recvmmsg") == 0;
    char host[64];
    snprintf(host, sizeof host, "%s", argv[2]);
    char *colon = strrchr(host, ':');
    if (colon == NULL) {
        return 2;
    }
    *colon = '\0';
    double seconds = atof(argv[4]);
    derive(argc > 5 ? argv[5] : "");
    uint8_t did[20] = {0};
    char prefix[8] = {0}, check[8] = {0};
    unsigned serial = 0;
    if (sscanf(argv[3], "%7[A-Z]-%u-%7[A-Z]", prefix, &serial, check) != 3) {
        fprintf(stderr, "bad UID\n");
        return 2;
    }
    memcpy(did, prefix, strlen(prefix));
    did[8] = (uint8_t)(serial >> 24);
    did[9] = (uint8_t)(serial >> 16);
    did[10] = (uint8_t)(serial >> 8);
    did[11] = (uint8_t)serial;
    memcpy(did + 12, check, strlen(check));

    sock = socket(AF_INET, SOCK_DGRAM, 0);
    int rcvbuf = 4 << 20;
    setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct timeval tv = {0, 10000};
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    memset(&peer, 0, sizeof peer);
    peer.sin_family = AF_INET;
    peer.sin_port = htons((uint16_t)atoi(colon + 1));
    inet_pton(AF_INET, host, &peer.sin_addr);

    /* LAN search, then punch the session address until P2P_RDY. */
    uint8_t d[2048];
    struct sockaddr_in from;
    socklen_t fl;
    int connected = 0;
    for (int tries = 0; tries < 500 && !connected; tries++) {
        if (tries % 25 == 0) {
            send_msg(0x30, NULL, 0);
        }
        fl = sizeof from;
        ssize_t n = recvfrom(sock, d, sizeof d, 0, (struct sockaddr *)&from, &fl);
        if (n < 4) {
            continue;
        }
        open_(d, (size_t)n);
        if (d[1] == 0x41) { /* PUNCH_PKT: follow the session port, echo it */
            peer = from;
            send_msg(0x41, did, 20);
        } else if (d[1] == 0x42) { /* P2P_RDY */
            connected = 1;
        }
    }
    if (!connected) {
        fprintf(stderr, "no session\n");
        return 1;
    }
    send_shix("{\"pro\":\"check_user\",\"cmd\":100,\"user\":\"admin\",\"pwd\":\"6666\",\"devmac\":\"0000\"}");
    send_shix("{\"pro\":\"stream\",\"cmd\":111,\"video\":1,\"user\":\"admin\",\"pwd\":\"6666\",\"devmac\":\"0000\"}");

    double end = now_s() + seconds;
    static uint8_t bufs[64][2048];
    struct mmsghdr msgs[64];
    struct iovec iov[64];
    while (now_s() < end) {
        ssize_t n = recv(sock, d, sizeof d, 0);
        if (n < 0) {
            for (int ch = 0; ch < 8; ch++) {
                flush_acks(ch); /* quiet: acknowledge what is pending */
            }
            continue;
        }
        handle(d, n);
        if (!mmsg) {
            continue;
        }
        struct timespec pause = {0, 500000};
        nanosleep(&pause, NULL);
        for (;;) {
            for (int i = 0; i < 64; i++) {
                iov[i].iov_base = bufs[i];
                iov[i].iov_len = sizeof bufs[i];
                memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
                msgs[i].msg_hdr.msg_iov = &iov[i];
                msgs[i].msg_hdr.msg_iovlen = 1;
            }
            int got = recvmmsg(sock, msgs, 64, MSG_DONTWAIT, NULL);
            if (got <= 0) {
                break;
            }
            for (int i = 0; i < got; i++) {
                handle(bufs[i], (ssize_t)msgs[i].msg_len);
            }
        }
        for (int ch = 0; ch < 8; ch++) {
            flush_acks(ch);
        }
    }
    send_msg(0xF0, NULL, 0);
    printf("packets %ld bytes %ld\n", packets, bytes);
    return 0;
}
