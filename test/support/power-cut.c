/*
 * LD_PRELOAD shim: a model of a power cut in which every write not made durable by a completed
 * fsync/fdatasync is lost. Built by the test with cc (test/support/power-cut.ts, which also
 * builds the database directory as the cut leaves it).
 *
 * POWERCUT_DIR = the watched directory (its direct children only; an absolute, resolved path).
 * POWERCUT_SYNC_MS = optional: each watched sync takes that much longer (a slow card), which
 *   widens the window in which an effect let out before its flush would be caught.
 * POWERCUT_IMAGES = a side directory where the shim keeps what the disk is known to hold:
 *   <name>.data  a file's content as of its last completed fsync/fdatasync;
 *   .names       the watched directory's regular files as of its last completed fsync.
 *
 * A sync makes durable what was written before it started, so the snapshot is taken before the
 * real call (after it, later writes by other threads could slip in) and promoted, by an atomic
 * rename, only once the call succeeded. One sync at a time (a mutex over snapshot, sync and
 * promotion), so an older snapshot never replaces a newer one.
 *
 * SQLite (bundled in better-sqlite3) calls fsync on its files and on the directory after it
 * creates a journal or WAL file; Node (libuv) calls fdatasync for FileHandle.datasync and fsync
 * for FileHandle.sync. Both reach libc's symbols, which this replaces (io_uring is kept off by
 * the test: UV_USE_IO_URING=0). Files are tracked by name, not by inode.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t one_at_a_time = PTHREAD_MUTEX_INITIALIZER;

/* The descriptor's path if it is the watched directory (1) or a file directly in it (2); 0 otherwise. */
static int watched(int fd, char *path, size_t size, const char **name) {
  const char *dir = getenv("POWERCUT_DIR");
  if (!dir || !getenv("POWERCUT_IMAGES")) return 0;
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, size - 1);
  if (n <= 0) return 0;
  path[n] = 0;
  size_t d = strlen(dir);
  if (strcmp(path, dir) == 0) return 1;
  if (strncmp(path, dir, d) != 0 || path[d] != '/' || strchr(path + d + 1, '/')) return 0;
  *name = path + d + 1;
  return 2;
}

/* Write the snapshot beside its final name (`final`.tmp); 0 on success. */
static int copy_file(int fd, const char *tmp) {
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
  int in = open(self, O_RDONLY | O_CLOEXEC); /* the same file, readable even if fd is write-only */
  if (in < 0) return -1;
  int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) { close(in); return -1; }
  char buf[65536];
  ssize_t r;
  int bad = 0;
  while ((r = read(in, buf, sizeof buf)) > 0)
    if (write(out, buf, (size_t)r) != r) { bad = 1; break; }
  close(in);
  close(out);
  return bad || r < 0 ? -1 : 0;
}

/* The watched directory's regular files, one name a line. */
static int list_dir(const char *dir, const char *tmp) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  FILE *out = fopen(tmp, "w");
  if (!out) { closedir(d); return -1; }
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_type == DT_REG) fprintf(out, "%s\n", e->d_name);
  closedir(d);
  return fclose(out) == 0 ? 0 : -1;
}

static int sync_and_keep(const char *call, int fd) {
  int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, call);
  char path[4096], final[4200], tmp[4210];
  const char *name = NULL;
  int kind = watched(fd, path, sizeof path, &name);
  if (!kind) return real(fd);
  const char *images = getenv("POWERCUT_IMAGES");
  if (kind == 1) snprintf(final, sizeof final, "%s/.names", images);
  else snprintf(final, sizeof final, "%s/%s.data", images, name);
  snprintf(tmp, sizeof tmp, "%s.tmp", final);
  pthread_mutex_lock(&one_at_a_time);
  int snap = kind == 1 ? list_dir(path, tmp) : copy_file(fd, tmp);
  const char *ms = getenv("POWERCUT_SYNC_MS");
  if (ms) usleep((useconds_t)atoi(ms) * 1000);
  int r = real(fd);
  int err = errno;
  if (r == 0 && snap == 0) rename(tmp, final);
  else unlink(tmp);
  pthread_mutex_unlock(&one_at_a_time);
  if (r == 0 && snap != 0) {
    /* The model lost track of what is durable: say so loudly rather than report a wrong image. */
    fprintf(stderr, "power-cut shim: could not snapshot %s\n", path);
    abort();
  }
  errno = err;
  return r;
}

int fsync(int fd) { return sync_and_keep("fsync", fd); }
int fdatasync(int fd) { return sync_and_keep("fdatasync", fd); }
