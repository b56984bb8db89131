// LD_PRELOAD malloc counter for bench profiling: SIGWINCH prints the counts so far to stderr.
// (Not SIGUSR1/SIGUSR2: meshproxy handles those itself, and its handler would replace this one.)
// Build: gcc -O2 -shared -fPIC -o /tmp/malloc_count.so bench/tools/malloc_count.c
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <unistd.h>
#include <string.h>
extern void *__libc_malloc(size_t); extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t); extern void *__libc_realloc(void *, size_t);
static atomic_ulong n_malloc, n_free, n_calloc, n_realloc;
void *malloc(size_t n) { atomic_fetch_add_explicit(&n_malloc, 1, memory_order_relaxed); return __libc_malloc(n); }
void free(void *p) { if (p) atomic_fetch_add_explicit(&n_free, 1, memory_order_relaxed); __libc_free(p); }
void *calloc(size_t a, size_t b) { atomic_fetch_add_explicit(&n_calloc, 1, memory_order_relaxed); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { atomic_fetch_add_explicit(&n_realloc, 1, memory_order_relaxed); return __libc_realloc(p, n); }
static void dump(int s) { char b[200]; int l = snprintf(b, sizeof b, "MALLOCS %lu %lu %lu %lu\n", n_malloc, n_free, n_calloc, n_realloc); write(2, b, l); }
__attribute__((constructor)) static void init(void) { signal(SIGWINCH, dump); }
