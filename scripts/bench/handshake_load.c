/*
 * Handshake load generator of the server benchmark (scenario `handshakes`), in C so that the
 * generator costs less than the server it measures: one thread, epoll, non-blocking sockets.
 * It does per handshake what scripts/bench/server_handshakes.ts does: each of `window` slots
 * connects to 127.0.0.1:port, sends the upgrade request for /echo with the fixed key, checks
 * that the answer starts with "HTTP/1.1 101 " and carries the expected Sec-WebSocket-Accept
 * value, sends one masked message, waits for its echo, sends a close frame, waits for the
 * server's close frame and its end of stream (the handshake counts there), closes, starts again.
 * A refusal, a wrong answer, an unexpected frame, a lost connection or a slot busier than its
 * timeout is a failure, never a completed handshake.
 *
 * Usage: handshake_load <Sec-WebSocket-Key> <expected Sec-WebSocket-Accept>
 * Commands on stdin, one JSON line each, answered with one JSON line (as server_load.ts):
 *   {"cmd":"open","id":"x","kind":"handshake","port":P,"window":W,"size":S,"binary":false}
 *     (optional "timeoutMs": a slot's limit per handshake, default 5000)
 *   {"cmd":"run","id":"x","ms":M,"maxOps":N} -> {"ops","bytes","elapsedMs","cpuMs","drained","failed"}
 *   {"cmd":"close","id":"x"}, "quit"; the program also exits when stdin closes.
 * Built by scripts/bench/handshake_c.ts (cc -O2); a benchmark tool, not part of the package.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEAD 8192
#define MAX_SESSIONS 16
#define MAX_WINDOW 4096

enum { IDLE, WAITING, CONNECTING, HEAD, ECHO, CLOSING, ENDING };

typedef struct {
  int fd, state;
  const uint8_t *out; /* bytes still to write, and how many */
  size_t out_len;
  double deadline, restart_at; /* ms, monotonic */
  uint8_t head[MAX_HEAD];
  size_t head_len;
  /* frame counter: header bytes so far, payload still to skip, the frame's opcode and length */
  uint8_t fh[10];
  int fh_len, opcode;
  uint64_t skip, length;
  int frames, closes;
} Slot;

typedef struct {
  char id[64];
  int port, window, size, binary, timeout_ms;
  uint8_t *request, *frame;
  size_t request_len, frame_len;
} Session;

static const char *accept_value;
static const char *request_key;
static uint8_t close_frame[8] = {0x88, 0x82, 0x5a, 0x1c, 0xe3, 0x07, 0x03 ^ 0x5a, 0xe8 ^ 0x1c};
static const uint8_t mask[4] = {0x5a, 0x1c, 0xe3, 0x07};
static Session sessions[MAX_SESSIONS];
static Slot *slots;
static int epfd;
static uint8_t read_buffer[65536];
/* The run of the moment. */
static Session *cur;
static int running, active;
static long ops, failed, max_ops;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double cpu_ms(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

/* The number after "key": in a JSON line (0 when absent). */
static double json_number(const char *line, const char *key) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *at = strstr(line, pattern);
  return at ? strtod(at + strlen(pattern), NULL) : 0;
}

/* The string after "key": (no escapes; ids are short labels), "" when absent. */
static void json_string(const char *line, const char *key, char *out, size_t cap) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  const char *at = strstr(line, pattern);
  size_t n = 0;
  if (at)
    for (at += strlen(pattern); *at && *at != '"' && n + 1 < cap; at++) out[n++] = *at;
  out[n] = 0;
}

/* The slot's connection ended: complete (`ok`: close frame and end of stream) or failed. */
static void end_slot(Slot *s, int ok) {
  if (s->fd >= 0) close(s->fd); /* also leaves the epoll set */
  s->fd = -1;
  if (running) ok ? ops++ : failed++;
  /* After a failure wait 1 ms: a refusing server answers fast, do not spin on it. */
  s->state = WAITING;
  s->restart_at = now_ms() + (ok ? 0 : 1);
}

static void start_slot(Slot *s) {
  if (!running || ops >= max_ops) {
    s->state = IDLE;
    active--;
    return;
  }
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(cur->port)};
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s->head_len = 0;
  s->fh_len = 0;
  s->skip = 0;
  s->frames = s->closes = 0;
  s->out = cur->request;
  s->out_len = cur->request_len;
  s->deadline = now_ms() + cur->timeout_ms;
  s->state = CONNECTING;
  s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd < 0) return end_slot(s, 0);
  if (connect(s->fd, (struct sockaddr *)&to, sizeof to) < 0 && errno != EINPROGRESS)
    return end_slot(s, 0);
  /* On loopback the TCP handshake is usually done when connect returns: send at once, and wait
   * for writability only when the socket is still connecting (EAGAIN). */
  ssize_t n = send(s->fd, s->out, s->out_len, MSG_NOSIGNAL);
  if (n < 0 && errno != EAGAIN) return end_slot(s, 0);
  if (n > 0) s->out += n, s->out_len -= n;
  if (s->out_len == 0) s->state = HEAD;
  uint32_t want = EPOLLIN | EPOLLRDHUP | (s->out_len > 0 ? EPOLLOUT : 0);
  struct epoll_event ev = {.events = want, .data.ptr = s};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0) end_slot(s, 0);
}

/* Writes what is pending; watches for writability only while something is. 0: failed. */
static int flush(Slot *s) {
  while (s->out_len > 0) {
    ssize_t n = send(s->fd, s->out, s->out_len, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN; /* still connecting, or a full buffer: wait */
    s->out += n;
    s->out_len -= n;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = s};
  if (epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0) return 0;
  if (s->state == CONNECTING) s->state = HEAD;
  return 1;
}

static int send_bytes(Slot *s, const uint8_t *bytes, size_t len) {
  s->out = bytes;
  s->out_len = len;
  ssize_t n = send(s->fd, bytes, len, MSG_NOSIGNAL);
  if (n < 0 && errno != EAGAIN) return 0;
  if (n > 0) s->out += n, s->out_len -= n;
  if (s->out_len == 0) return 1;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.ptr = s};
  return epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev) == 0;
}

/* A whole server frame: 1 = fine, 0 = unexpected (a close before the echo, a second message,
 * an echo of the wrong length, data after the close frame). */
static int frame_done(Slot *s) {
  if (s->opcode == 8) {
    if (s->frames != 1 || s->closes > 0) return 0;
    s->closes++;
    return 1;
  }
  if (s->opcode >= 8) return 1; /* ping, pong: ignored, as FrameCounter does */
  if (s->frames > 0 || s->closes > 0 || s->length != (uint64_t)cur->size) return 0;
  s->frames++;
  return 1;
}

/* Counts frames by their headers (unmasked server frames), across reads. 0: unexpected. */
static int count_frames(Slot *s, const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (s->skip > 0) {
      size_t k = s->skip < n - i ? s->skip : n - i;
      i += k;
      s->skip -= k;
      if (s->skip == 0 && !frame_done(s)) return 0;
      continue;
    }
    s->fh[s->fh_len++] = p[i++];
    if (s->fh_len < 2) continue;
    if (s->fh[1] & 0x80) return 0; /* a masked server frame */
    int len7 = s->fh[1] & 0x7f, need = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
    if (s->fh_len < need) continue;
    uint64_t length = len7;
    if (len7 >= 126) {
      length = 0;
      for (int k = 2; k < need; k++) length = length * 256 + s->fh[k];
    }
    s->opcode = s->fh[0] & 0x0f;
    s->length = s->skip = length;
    s->fh_len = 0;
    if (length == 0 && !frame_done(s)) return 0;
  }
  return 1;
}

/* The 101 answer: the bytes after it (offset into head), -1 while incomplete, -2 if wrong. */
static long check_head(Slot *s, const uint8_t *p, size_t n) {
  if (s->head_len + n > MAX_HEAD) return -2;
  memcpy(s->head + s->head_len, p, n);
  s->head_len += n;
  uint8_t *end = memmem(s->head, s->head_len, "\r\n\r\n", 4);
  if (end == NULL) return -1;
  if (s->head_len < 13 || memcmp(s->head, "HTTP/1.1 101 ", 13) != 0) return -2;
  char want[128];
  int len = snprintf(want, sizeof want, ": %s\r\n", accept_value);
  if (memmem(s->head, end + 2 - s->head, want, len) == NULL) return -2;
  return end + 4 - s->head;
}

static void on_event(Slot *s, uint32_t events) {
  if (s->fd < 0) return;
  if (s->state == CONNECTING || s->out_len > 0) {
    if ((events & EPOLLERR) || !flush(s)) return end_slot(s, 0);
  }
  if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
  ssize_t n = read(s->fd, read_buffer, sizeof read_buffer);
  if (n < 0 && errno == EAGAIN) return;
  /* End of stream (or a reset): complete after the server's close frame, else failed. */
  if (n <= 0) return end_slot(s, s->state == ENDING);
  const uint8_t *p = read_buffer;
  if (s->state == HEAD) {
    long rest = check_head(s, p, n);
    if (rest == -1) return;
    if (rest == -2) return end_slot(s, 0);
    s->state = ECHO;
    if (!send_bytes(s, cur->frame, cur->frame_len)) return end_slot(s, 0);
    p = s->head + rest;
    n = s->head_len - rest;
  }
  if (s->state == ENDING) return; /* bytes after the close frame: wait for the end */
  if (!count_frames(s, p, n)) return end_slot(s, 0);
  if (s->state == ECHO && s->frames > 0) {
    s->state = CLOSING;
    if (!send_bytes(s, close_frame, sizeof close_frame)) return end_slot(s, 0);
  }
  if (s->state == CLOSING && s->closes > 0) {
    /* The server ends the TCP connection next; closing after it, as a browser does. */
    s->state = ENDING;
    if (events & (EPOLLRDHUP | EPOLLHUP)) end_slot(s, 1);
  }
}

static Session *find_session(const char *line, int create) {
  char id[64];
  json_string(line, "id", id, sizeof id);
  Session *free_one = NULL;
  for (int i = 0; i < MAX_SESSIONS; i++) {
    if (sessions[i].request && strcmp(sessions[i].id, id) == 0) return &sessions[i];
    if (!sessions[i].request && !free_one) free_one = &sessions[i];
  }
  if (create && free_one) snprintf(free_one->id, sizeof free_one->id, "%s", id);
  return create ? free_one : NULL;
}

static const char *open_session(const char *line) {
  char kind[32];
  json_string(line, "kind", kind, sizeof kind);
  if (strcmp(kind, "handshake") != 0) return "this generator only runs handshakes";
  double port = json_number(line, "port"), window = json_number(line, "window");
  double size = json_number(line, "size"), timeout = json_number(line, "timeoutMs");
  if (port < 1 || port > 65535 || window < 1 || window > MAX_WINDOW || size < 0 ||
      size > 1 << 24 || timeout < 0 || timeout > 600000)
    return "bad port, window, size or timeoutMs";
  Session *s = find_session(line, 1);
  if (!s) return "too many sessions";
  s->port = (int)port;
  s->window = (int)window;
  s->size = (int)size;
  s->binary = strstr(line, "\"binary\":true") != NULL;
  s->timeout_ms = timeout > 0 ? (int)timeout : 5000;
  free(s->request);
  free(s->frame);
  s->request = malloc(512);
  s->request_len = snprintf((char *)s->request, 512,
                            "GET /echo HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                            "Sec-WebSocket-Version: 13\r\n\r\n",
                            s->port, request_key);
  size_t head = s->size < 126 ? 2 : s->size < 65536 ? 4 : 10;
  s->frame = malloc(head + 4 + s->size);
  s->frame[0] = 0x80 | (s->binary ? 2 : 1);
  s->frame[1] = 0x80 | (s->size < 126 ? s->size : s->size < 65536 ? 126 : 127);
  for (size_t k = 2; k < head; k++) s->frame[k] = (uint64_t)s->size >> (8 * (head - 1 - k));
  memcpy(s->frame + head, mask, 4);
  for (int i = 0; i < s->size; i++) {
    uint8_t byte = s->binary ? (i * 31) & 0xff : 97 + i % 26;
    s->frame[head + 4 + i] = byte ^ mask[i % 4];
  }
  s->frame_len = head + 4 + s->size;
  return NULL;
}

static void run(Session *session, double ms, long max) {
  cur = session;
  running = 1;
  ops = failed = 0;
  max_ops = max;
  int drained = 1;
  double t0 = now_ms(), cpu0 = cpu_ms(), elapsed = 0, cpu = 0;
  active = session->window;
  for (int i = 0; i < session->window; i++) start_slot(&slots[i]);
  struct epoll_event events[64];
  while (active > 0) {
    double now = now_ms(), wake = running ? t0 + ms : now + 1000;
    for (int i = 0; i < session->window; i++) {
      Slot *s = &slots[i];
      if (s->state == IDLE) continue;
      double at = s->state == WAITING ? s->restart_at : s->deadline;
      if (at < wake) wake = at;
    }
    int timeout = wake <= now ? 0 : (int)(wake - now) + 1;
    int n = epoll_wait(epfd, events, 64, timeout);
    for (int i = 0; i < n; i++) on_event(events[i].data.ptr, events[i].events);
    now = now_ms();
    if (running && (now - t0 >= ms || ops >= max_ops)) {
      running = 0;
      elapsed = now - t0;
      cpu = cpu_ms() - cpu0;
    }
    for (int i = 0; i < session->window; i++) {
      Slot *s = &slots[i];
      if (s->state == WAITING && s->restart_at <= now) start_slot(s);
      else if (s->state != IDLE && s->state != WAITING && s->deadline <= now) {
        if (!running) drained = 0;
        end_slot(s, 0); /* hung: failed, recycled */
      }
    }
  }
  printf("{\"ops\":%ld,\"bytes\":%ld,\"elapsedMs\":%.3f,\"cpuMs\":%.3f,\"drained\":%s,"
         "\"failed\":%ld}\n",
         ops, ops * (long)session->size, elapsed, cpu, drained ? "true" : "false", failed);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s <Sec-WebSocket-Key> <expected Sec-WebSocket-Accept>\n", argv[0]);
    return 2;
  }
  request_key = argv[1];
  accept_value = argv[2];
  epfd = epoll_create1(EPOLL_CLOEXEC);
  slots = calloc(MAX_WINDOW, sizeof(Slot));
  if (epfd < 0 || !slots) return 1;
  for (int i = 0; i < MAX_WINDOW; i++) slots[i].fd = -1;
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGPIPE, SIG_IGN);
  char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    Session *s;
    const char *error = NULL;
    if (strstr(line, "\"cmd\":\"open\"")) {
      if (!(error = open_session(line))) printf("{\"ok\":true,\"openMs\":0}\n");
    } else if (strstr(line, "\"cmd\":\"run\"")) {
      if (!(s = find_session(line, 0))) error = "no such session";
      else run(s, json_number(line, "ms"), (long)json_number(line, "maxOps"));
    } else if (strstr(line, "\"cmd\":\"close\"")) {
      if ((s = find_session(line, 0))) {
        free(s->request);
        free(s->frame);
        s->request = s->frame = NULL;
      }
      printf("{\"ok\":true}\n");
    } else if (strncmp(line, "quit", 4) == 0 || strstr(line, "\"cmd\":\"quit\"")) {
      printf("{\"ok\":true}\n");
      return 0;
    } else error = "unknown command";
    if (error) printf("{\"error\":\"%s\"}\n", error);
  }
  return 0;
}
