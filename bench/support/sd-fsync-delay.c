/*
 * LD_PRELOAD shim for the benchmarks' "Pi profile": every fsync/fdatasync of the process is
 * delayed as on a Raspberry Pi's microSD card, then done for real. Built by the benchmark with
 * cc (bench/support/pi-profile.ts), which also documents the distribution and its sources.
 *
 * LOCKERD_SD_FSYNC = "median_ms,p99_ms,stall_per_million,stall_min_ms,stall_max_ms": a
 * log-normal delay with that median and 99th percentile, plus rare garbage-collection stalls
 * drawn uniformly between stall_min_ms and stall_max_ms.
 *
 * LOCKERD_SD_FSYNC_LOG = a file: every call is appended to it as a line, for taking a slow
 * sample apart: "asked started ended delay_ms stall tid thread call path" (CLOCK_MONOTONIC ms,
 * the clock of the daemon's trace; asked to started is the wait for the card).
 *
 * One card, one queue: flushes from several threads (the deferred flush on libuv's pool, the
 * checkpoint thread, the sync worker) take turns, as a card serves one command at a time; a
 * flush that comes during another's stall waits for it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static double median_ms = 3, p99_ms = 30, stall_min_ms = 100, stall_max_ms = 250;
static long stall_ppm = 1000;
static int configured;
static pthread_mutex_t card = PTHREAD_MUTEX_INITIALIZER;
static __thread uint64_t rng;
static FILE *call_log;
static int last_stall;

static double mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double uniform(void) {
  if (!rng) rng = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&rng ^ 0x9e3779b97f4a7c15ull;
  rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
  return ((rng >> 11) + 0.5) / 9007199254740992.0;
}

static void sd_delay(void) {
  if (!configured) {
    const char *s = getenv("LOCKERD_SD_FSYNC");
    if (s) sscanf(s, "%lf,%lf,%ld,%lf,%lf", &median_ms, &p99_ms, &stall_ppm, &stall_min_ms, &stall_max_ms);
    const char *l = getenv("LOCKERD_SD_FSYNC_LOG");
    if (l && *l) call_log = fopen(l, "a");
    configured = 1;
  }
  double ms;
  last_stall = uniform() * 1e6 < (double)stall_ppm;
  if (last_stall) {
    ms = stall_min_ms + uniform() * (stall_max_ms - stall_min_ms);
  } else {
    double sigma = log(p99_ms / median_ms) / 2.326; /* z of the 99th percentile */
    double z = sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
    ms = median_ms * exp(sigma * z);
  }
  struct timespec t = { (time_t)(ms / 1000), (long)(fmod(ms, 1000) * 1e6) };
  while (nanosleep(&t, &t) != 0) {}
}

/* One line per call (under the card's lock), when LOCKERD_SD_FSYNC_LOG is set. */
static void log_call(const char *call, int fd, double asked, double started, double delay) {
  if (!call_log) return;
  char link[64], path[256] = "?", name[17] = "?";
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  path[n > 0 ? n : 1] = 0;
  prctl(PR_GET_NAME, name, 0, 0, 0);
  fprintf(call_log, "%.3f %.3f %.3f %.2f %d %ld %s %s %s\n", asked, started, mono_ms(), delay, last_stall, (long)syscall(SYS_gettid), name, call, path);
  fflush(call_log);
}

int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  double asked = mono_ms();
  pthread_mutex_lock(&card);
  double started = mono_ms();
  sd_delay();
  int r = real(fd);
  log_call("fsync", fd, asked, started, mono_ms() - started);
  pthread_mutex_unlock(&card);
  return r;
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  double asked = mono_ms();
  pthread_mutex_lock(&card);
  double started = mono_ms();
  sd_delay();
  int r = real(fd);
  log_call("fdatasync", fd, asked, started, mono_ms() - started);
  pthread_mutex_unlock(&card);
  return r;
}
