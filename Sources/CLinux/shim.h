#ifndef CEPOLL_SHIM_H
#define CEPOLL_SHIM_H
/* Linux calls Swift's Glibc module does not export. epoll and eventfd for the event loops
   (struct epoll_event is packed on x86-64, so these wrappers take plain values instead), and
   renameat2(RENAME_EXCHANGE) for the media agent's atomic swap of a tenant's tree. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdint.h>
#include <errno.h>

enum {
    CEPOLL_IN = EPOLLIN,
    CEPOLL_OUT = EPOLLOUT,
    CEPOLL_RDHUP = EPOLLRDHUP,
    CEPOLL_HUP = EPOLLHUP,
    CEPOLL_ERR = EPOLLERR,
};

/* Atomically exchanges two paths (both must exist). */
static inline int clinux_exchange(const char *a, const char *b) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */);
}

/* Names the calling thread (at most 15 bytes show; top, gdb and /proc/self/task/N/comm see it). */
static inline void clinux_name_thread(const char *name) { prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0); }

/* A non-blocking eventfd, for waking an event loop's thread. */
static inline int clinux_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

static inline int cepoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

/* op: 1 add, 2 delete, 3 modify (EPOLL_CTL_*). */
static inline int cepoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event event;
    event.events = events;
    event.data.u64 = token;
    return epoll_ctl(epfd, op, fd, &event);
}

/* Fills tokens[i] and events[i] for up to max ready descriptors; returns the count or -1. */
static inline int cepoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max, int timeout) {
    struct epoll_event ready[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, ready, max, timeout);
    for (int i = 0; i < n; i++) {
        tokens[i] = ready[i].data.u64;
        events[i] = ready[i].events;
    }
    return n;
}
#endif
