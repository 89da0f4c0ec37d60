/*
 * keepalive_floor.c - the floor for the CPU cost of N idle camera sessions: the least a client
 * process can spend when each of N "cameras" sends a small keepalive datagram every interval
 * and the client answers each with one small datagram. The client uses the syscall pattern of
 * pppp's I/O driver: one edge-triggered epoll shared by all sockets, one recvmmsg (batch of 16,
 * stop when it returns fewer) per readable socket, one sendto per datagram received. It does
 * nothing else (no protocol, no timers of its own), so its CPU is what the kernel charges for
 * the wakeups, reads and replies alone: the figure to compare pppp's "N idle sessions" CPU with.
 * Not part of pppp.
 *
 *   keepalive_floor [--sessions N] [--seconds S] [--interval-ms MS] [--spread-ms MS] [--size B]
 *                   [--grain-ms MS] [--rest-us US] [--shared 0|1]
 *
 *   defaults: 1000 sessions, 30 s measured (after a 2 s warm-up), one keepalive per session
 *   every 1000 ms, the sessions' phases spread over 300 ms (as if they all connected within
 *   0.3 s), 4-byte datagrams both ways. --grain-ms G sends the keepalives due only at multiples
 *   of G ms, in bursts: then the client reads many sockets per wakeup. 0 (the default): each
 *   keepalive at its own time, as independent cameras (and pppp's emulator) send them.
 *   Two variants of the client: --rest-us U sleeps U µs after a wakeup that read fewer than
 *   4 sockets, before waiting again, so that keepalives arriving one by one are read together
 *   (client-side batching in time); --shared 1 gives the client one socket for all sessions
 *   (the cameras' sockets all talk to it), read with recvmmsg and answered with one sendmmsg
 *   per batch.
 *
 * The program forks: the child is the camera side (N UDP sockets on 127.0.0.1, socket i
 * connected to the client's socket i, one timerfd sending the keepalives that are due), the
 * parent is the client (N UDP sockets on 127.0.0.1, non-blocking, all in one epoll with
 * EPOLLIN|EPOLLET). Only loopback unicast is sent. The client's CPU is getrusage(RUSAGE_SELF),
 * user + sys, of the parent process over the measured period. Prints one JSON line:
 * datagrams received per second, epoll wakeups per second, CPU share of one core, CPU per
 * datagram (µs, the reply included), and the camera's keepalives sent and replies received over
 * its whole run (the difference is replies lost).
 *
 * Build: cc -O2 -std=c11 -Wall -Wextra -o target/bench/keepalive_floor benches/keepalive_floor.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH 16          /* datagrams per recvmmsg, as pppp */
#define MAX_EVENTS 256    /* epoll events per epoll_wait */
#define MAX_DATAGRAM 1472 /* largest --size */
#define WARMUP_S 2.0

/* Epoll user data that is not a socket index. */
#define TAG_TIMER UINT64_MAX
#define TAG_PIPE (UINT64_MAX - 1)

static void die(const char *what) {
    fprintf(stderr, "keepalive_floor: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void fail(const char *msg) {
    fprintf(stderr, "keepalive_floor: %s\n", msg);
    exit(1);
}

static int64_t mono_ns(void) {
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) < 0) {
        die("clock_gettime");
    }
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static double cpu_s(void) {
    struct rusage r;
    if (getrusage(RUSAGE_SELF, &r) < 0) {
        die("getrusage");
    }
    return (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec / 1e6 +
           (double)r.ru_stime.tv_sec + (double)r.ru_stime.tv_usec / 1e6;
}

/* Arms a timerfd at an absolute CLOCK_MONOTONIC time. */
static void arm_at(int tfd, int64_t at_ns) {
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = (time_t)(at_ns / 1000000000);
    its.it_value.tv_nsec = (long)(at_ns % 1000000000);
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) {
        its.it_value.tv_nsec = 1; /* zero would disarm */
    }
    if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
        die("timerfd_settime");
    }
}

static void drain_timer(int tfd) {
    uint64_t ticks;
    if (read(tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN) {
        die("read(timerfd)");
    }
}

static void epoll_add(int ep, int fd, uint32_t events, uint64_t tag) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = tag;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        die("epoll_ctl(ADD)");
    }
}

static void write_all(int fd, const void *buf, size_t len, const char *what) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            die(what);
        }
        p += n;
        len -= (size_t)n;
    }
}

/* Reads exactly len bytes; returns 0 on EOF before that. */
static int read_all(int fd, void *buf, size_t len, const char *what) {
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            die(what);
        }
        if (n == 0) {
            return 0;
        }
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

static int udp_socket_loopback(struct sockaddr_in *bound) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        die("socket");
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        die("bind(127.0.0.1:0)");
    }
    socklen_t len = sizeof *bound;
    if (getsockname(fd, (struct sockaddr *)bound, &len) < 0) {
        die("getsockname");
    }
    return fd;
}

/* What the camera reports to the client when stopped. */
struct camera_report {
    long long sent;
    long long replies;
    double cpu_share;
};

static struct mmsghdr msgs[BATCH];
static struct iovec iovs[BATCH];
static struct sockaddr_in names[BATCH];
static unsigned char bufs[BATCH][2048];

static void init_batch(void) {
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        iovs[i].iov_base = bufs[i];
        iovs[i].iov_len = sizeof bufs[i];
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &names[i];
        msgs[i].msg_hdr.msg_namelen = sizeof names[i];
    }
}

/* Answers the `got` datagrams of the last batch from `fd` with `reply`: one sendmmsg when
 * `batched`, else one sendto each. Returns the replies the kernel refused. */
static long long answer(int fd, int got, const unsigned char *reply, size_t size, int batched) {
    long long refused = 0;
    if (batched) {
        static struct mmsghdr out[BATCH];
        static struct iovec oiov[BATCH];
        memset(out, 0, sizeof out);
        for (int m = 0; m < got; m++) {
            oiov[m].iov_base = (void *)reply;
            oiov[m].iov_len = size;
            out[m].msg_hdr.msg_iov = &oiov[m];
            out[m].msg_hdr.msg_iovlen = 1;
            out[m].msg_hdr.msg_name = &names[m];
            out[m].msg_hdr.msg_namelen = msgs[m].msg_hdr.msg_namelen;
        }
        int done = 0;
        while (done < got) {
            int k = sendmmsg(fd, out + done, (unsigned)(got - done), 0);
            if (k < 0) {
                if (errno == EINTR) {
                    continue;
                }
                if (errno != EAGAIN && errno != ENOBUFS) {
                    die("sendmmsg");
                }
                refused++; /* the first of the rest: skip it */
                k = 1;
            }
            done += k;
        }
        return refused;
    }
    for (int m = 0; m < got; m++) {
        if (sendto(fd, reply, size, 0, (struct sockaddr *)&names[m],
                   msgs[m].msg_hdr.msg_namelen) < 0) {
            if (errno != EAGAIN && errno != ENOBUFS) {
                die("sendto");
            }
            refused++;
        }
    }
    return refused;
}

/* One recvmmsg on a non-blocking socket: the number of datagrams, 0 if none. */
static int recv_batch(int fd) {
    for (int i = 0; i < BATCH; i++) {
        msgs[i].msg_hdr.msg_namelen = sizeof names[i];
    }
    for (;;) {
        int got = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (got >= 0) {
            return got;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return 0;
        }
        if (errno != EINTR) {
            die("recvmmsg");
        }
    }
}

/* One epoll for either side: its n sockets (edge-triggered, tagged by index), a new timerfd
 * (stored in *tfd, tagged TAG_TIMER) and the pipe from the other side (TAG_PIPE). */
static int watch(int n, const int *fds, int pipe_fd, int *tfd) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        die("epoll_create1");
    }
    for (int i = 0; i < n; i++) {
        epoll_add(ep, fds[i], EPOLLIN | EPOLLET, (uint64_t)i);
    }
    *tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (*tfd < 0) {
        die("timerfd_create");
    }
    epoll_add(ep, *tfd, EPOLLIN, TAG_TIMER);
    epoll_add(ep, pipe_fd, EPOLLIN, TAG_PIPE);
    return ep;
}

/* ---- camera (child) ---- */

static void camera(int n, const int *fds, int64_t interval_ns, int64_t spread_ns,
                   int64_t grain_ns, size_t size, int ctl_fd, int report_fd) {
    int64_t start = mono_ns();
    double cpu0 = cpu_s();
    int tfd;
    int ep = watch(n, fds, ctl_fd, &tfd);

    unsigned char payload[MAX_DATAGRAM];
    memset(payload, 0xE0, sizeof payload);
    init_batch();
    long long sent = 0, replies = 0;

    /* Keepalive j goes to session j % n at t0 + (j / n) * interval + phase(j % n). */
    int64_t t0 = start + 10000000;
    long long j = 0;
#define DUE(j) (t0 + ((j) / n) * interval_ns + (int64_t)((j) % n) * spread_ns / n)
    /* The timer: the next keepalive's time, or the grid point at or after it. */
#define WAKE(j) (grain_ns > 0 ? (DUE(j) + grain_ns - 1) / grain_ns * grain_ns : DUE(j))
    arm_at(tfd, WAKE(j));

    struct epoll_event evs[MAX_EVENTS];
    int stopping = 0;
    int64_t stop_at = 0;
    double cpu_share = 0;
    for (;;) {
        int timeout = -1;
        if (stopping) {
            int64_t left = stop_at - mono_ns();
            if (left <= 0) {
                break;
            }
            timeout = (int)(left / 1000000) + 1;
        }
        int k = epoll_wait(ep, evs, MAX_EVENTS, timeout);
        if (k < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("epoll_wait (camera)");
        }
        for (int e = 0; e < k; e++) {
            uint64_t tag = evs[e].data.u64;
            if (tag == TAG_TIMER) {
                drain_timer(tfd);
                if (stopping) {
                    continue;
                }
                int64_t now = mono_ns();
                while (DUE(j) <= now) {
                    int i = (int)(j % n);
                    if (send(fds[i], payload, size, 0) < 0) {
                        if (errno != EAGAIN && errno != ENOBUFS) {
                            die("send (camera)");
                        }
                    } else {
                        sent++;
                    }
                    j++;
                }
                arm_at(tfd, WAKE(j));
            } else if (tag == TAG_PIPE) {
                /* The client closed the pipe: stop sending, collect late replies for 100 ms. */
                if (epoll_ctl(ep, EPOLL_CTL_DEL, ctl_fd, NULL) < 0) {
                    die("epoll_ctl(DEL)");
                }
                stopping = 1;
                stop_at = mono_ns() + 100000000;
                cpu_share = (cpu_s() - cpu0) / ((double)(mono_ns() - start) / 1e9);
            } else {
                int fd = fds[tag];
                int got;
                do {
                    got = recv_batch(fd);
                    replies += got;
                } while (got == BATCH);
            }
        }
    }
#undef DUE
    struct camera_report r = {sent, replies, cpu_share};
    write_all(report_fd, &r, sizeof r, "write(report pipe)");
    exit(0);
}

/* ---- client (parent) ---- */

static void usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s [--sessions N] [--seconds S] [--interval-ms MS] [--spread-ms MS] "
            "[--size BYTES] [--grain-ms MS] [--rest-us US] [--shared 0|1]\n",
            argv0);
    exit(2);
}

static double parse_num(const char *s, const char *argv0) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0') {
        usage(argv0);
    }
    return v;
}

int main(int argc, char **argv) {
    long sessions = 1000;
    double seconds = 30, interval_ms = 1000, spread_ms = 300, grain_ms = 0, rest_us = 0;
    long size = 4;
    int shared = 0;
    for (int a = 1; a < argc; a++) {
        if (a + 1 >= argc) {
            usage(argv[0]);
        }
        double v = parse_num(argv[a + 1], argv[0]);
        if (strcmp(argv[a], "--sessions") == 0) {
            sessions = (long)v;
        } else if (strcmp(argv[a], "--seconds") == 0) {
            seconds = v;
        } else if (strcmp(argv[a], "--interval-ms") == 0) {
            interval_ms = v;
        } else if (strcmp(argv[a], "--spread-ms") == 0) {
            spread_ms = v;
        } else if (strcmp(argv[a], "--grain-ms") == 0) {
            grain_ms = v;
        } else if (strcmp(argv[a], "--size") == 0) {
            size = (long)v;
        } else if (strcmp(argv[a], "--rest-us") == 0) {
            rest_us = v;
        } else if (strcmp(argv[a], "--shared") == 0) {
            shared = v != 0;
        } else {
            usage(argv[0]);
        }
        a++;
    }
    if (sessions < 1 || sessions > 1000000 || seconds <= 0 || interval_ms <= 0 ||
        spread_ms < 0 || spread_ms > interval_ms || grain_ms < 0 || grain_ms > interval_ms ||
        size < 1 || size > MAX_DATAGRAM || rest_us < 0 || rest_us > 1e6) {
        fail("bad arguments: need sessions >= 1, seconds > 0, interval-ms > 0, "
             "0 <= spread-ms <= interval-ms, 0 <= grain-ms <= interval-ms, 1 <= size <= 1472, "
             "0 <= rest-us <= 1000000");
    }
    int n = (int)sessions;

    /* Both sides' sockets exist before the fork (each side closes the other's): 2N + a few. */
    rlim_t need = 2 * (rlim_t)n + 64;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
        die("getrlimit(RLIMIT_NOFILE)");
    }
    if (rl.rlim_cur < need) {
        struct rlimit want = rl;
        want.rlim_cur = need;
        if (want.rlim_max != RLIM_INFINITY && want.rlim_max < need) {
            want.rlim_max = need; /* only possible with CAP_SYS_RESOURCE */
        }
        if (setrlimit(RLIMIT_NOFILE, &want) < 0) {
            fprintf(stderr,
                    "keepalive_floor: %ld sessions need %llu file descriptors, the limit is "
                    "%llu (hard %llu) and cannot be raised: %s\n",
                    sessions, (unsigned long long)need, (unsigned long long)rl.rlim_cur,
                    (unsigned long long)rl.rlim_max, strerror(errno));
            return 1;
        }
    }

    /* The client's sockets: one per session, or one for all (--shared). */
    int nc = shared ? 1 : n;
    int *client_fds = malloc(sizeof(int) * (size_t)n);
    int *camera_fds = malloc(sizeof(int) * (size_t)n);
    if (client_fds == NULL || camera_fds == NULL) {
        fail("out of memory");
    }
    struct sockaddr_in client_addr, camera_addr;
    for (int i = 0; i < n; i++) {
        if (i < nc) {
            client_fds[i] = udp_socket_loopback(&client_addr);
        }
        camera_fds[i] = udp_socket_loopback(&camera_addr);
        if (connect(camera_fds[i], (struct sockaddr *)&client_addr, sizeof client_addr) < 0) {
            die("connect (camera socket to 127.0.0.1)");
        }
    }

    int ctl[2], report[2]; /* client -> camera: stop (EOF); camera -> client: its counts */
    if (pipe2(ctl, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0) {
        die("pipe2");
    }
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        die("signal(SIGPIPE)");
    }
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        die("fork");
    }
    if (child == 0) {
        for (int i = 0; i < nc; i++) {
            if (close(client_fds[i]) < 0) {
                die("close (camera)");
            }
        }
        if (close(ctl[1]) < 0 || close(report[0]) < 0) {
            die("close pipe (camera)");
        }
        camera(n, camera_fds, (int64_t)(interval_ms * 1e6), (int64_t)(spread_ms * 1e6),
               (int64_t)(grain_ms * 1e6),
               (size_t)size, ctl[0], report[1]);
    }
    for (int i = 0; i < n; i++) {
        if (close(camera_fds[i]) < 0) {
            die("close (client)");
        }
    }
    if (close(ctl[0]) < 0 || close(report[1]) < 0) {
        die("close pipe (client)");
    }

    /* The timer marks the end of the warm-up and of the measurement; the report pipe only
     * becomes readable if the camera dies early. */
    int tfd;
    int ep = watch(nc, client_fds, report[0], &tfd);
    if (shared) {
        /* One socket holds the keepalives of every session between two reads. */
        int rcvbuf = 4 << 20;
        if (setsockopt(client_fds[0], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) {
            die("setsockopt(SO_RCVBUF)");
        }
    }
    int64_t begin = mono_ns();
    arm_at(tfd, begin + (int64_t)(WARMUP_S * 1e9));

    unsigned char reply[MAX_DATAGRAM];
    memset(reply, 0xE1, sizeof reply);
    init_batch();
    long long datagrams = 0, wakeups = 0, send_drops = 0;
    long long datagrams0 = 0, wakeups0 = 0;
    double cpu0 = 0;
    int64_t t0 = 0, t1 = 0;
    int measuring = 0, done = 0;
    struct epoll_event evs[MAX_EVENTS];
    double cpu1 = 0;
    int sockets_read = 0; /* sockets with datagrams at the last wakeup */
    long long rest_ns = (long long)(rest_us * 1000);
    struct timespec rest = {(time_t)(rest_ns / 1000000000), (long)(rest_ns % 1000000000)};
    while (!done) {
        if (rest_ns > 0 && sockets_read > 0 && sockets_read < 4) {
            nanosleep(&rest, NULL);
        }
        sockets_read = 0;
        int k = epoll_wait(ep, evs, MAX_EVENTS, -1);
        if (k < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("epoll_wait");
        }
        wakeups++;
        for (int e = 0; e < k; e++) {
            uint64_t tag = evs[e].data.u64;
            if (tag == TAG_TIMER) {
                drain_timer(tfd);
                if (!measuring) {
                    measuring = 1;
                    t0 = mono_ns();
                    cpu0 = cpu_s();
                    datagrams0 = datagrams;
                    wakeups0 = wakeups;
                    arm_at(tfd, t0 + (int64_t)(seconds * 1e9));
                } else {
                    cpu1 = cpu_s();
                    t1 = mono_ns();
                    done = 1;
                }
                continue;
            }
            if (tag == TAG_PIPE) {
                fail("the camera process ended early");
            }
            int fd = client_fds[tag];
            int got;
            sockets_read++;
            do {
                got = recv_batch(fd);
                send_drops += answer(fd, got, reply, (size_t)size, shared);
                datagrams += got;
            } while (got == BATCH);
        }
    }
    long long measured = datagrams - datagrams0;
    long long measured_wakeups = wakeups - wakeups0 - 1; /* the final timer wakeup */

    /* Stop the camera: EOF on its control pipe, then its report, then its exit status. */
    if (close(ctl[1]) < 0) {
        die("close(control pipe)");
    }
    struct camera_report r;
    if (!read_all(report[0], &r, sizeof r, "read(report pipe)")) {
        fail("the camera process ended without a report");
    }
    int status;
    if (waitpid(child, &status, 0) < 0) {
        die("waitpid");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail("the camera process failed");
    }

    double wall = (double)(t1 - t0) / 1e9;
    double cpu = cpu1 - cpu0;
    printf("{\"bench\":\"keepalive_floor\",\"sessions\":%d,\"seconds\":%.1f,"
           "\"interval_ms\":%g,\"spread_ms\":%g,\"grain_ms\":%g,\"size\":%ld,"
           "\"rest_us\":%g,\"shared\":%s,"
           "\"datagrams_in_per_s\":%.1f,\"wakeups_per_s\":%.1f,\"cpu_share_of_core\":%.5f,"
           "\"us_per_datagram\":%.2f,\"send_drops\":%lld,\"camera_sent\":%lld,"
           "\"camera_replies\":%lld,\"camera_cpu_share_of_core\":%.4f}\n",
           n, wall, interval_ms, spread_ms, grain_ms, size, rest_us, shared ? "true" : "false",
           (double)measured / wall,
           (double)measured_wakeups / wall, cpu / wall,
           measured > 0 ? cpu * 1e6 / (double)measured : 0.0, send_drops, r.sent, r.replies,
           r.cpu_share);
    return 0;
}
