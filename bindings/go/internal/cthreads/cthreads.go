//go:build linux

// Package cthreads calls tokenkit from threads the Go runtime did not create, so that the tests
// see callbacks arrive on such threads, as they do in a program that shares a source with C code.
package cthreads

/*
#cgo CFLAGS: -I${SRCDIR}/../../../../include
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tokenkit.h"

struct racer { const tokenkit_source *source; int refreshes; pthread_barrier_t *start; long tid; int ok; };

static void *race(void *arg) {
    struct racer *r = arg;
    r->tid = (long)syscall(SYS_gettid);
    pthread_barrier_wait(r->start);
    if (r->refreshes == 0) {
        char *at = NULL;
        r->ok = tokenkit_source_access_token(r->source, &at, NULL) == TOKENKIT_STATUS_OK && at != NULL;
        tokenkit_string_free(at);
        return NULL;
    }
    r->ok = 1;
    for (int i = 0; i < r->refreshes; i++)
        r->ok &= tokenkit_source_refresh(r->source, NULL, NULL) == TOKENKIT_STATUS_OK;
    return NULL;
}

// On n new threads at once, runs tokenkit_source_access_token once, or with refreshes > 0
// tokenkit_source_refresh that many times. Stores the threads' ids in tids and returns how many
// threads succeeded.
static int run_on_threads(const tokenkit_source *source, int n, int refreshes, long *tids) {
    pthread_t *threads = calloc(n, sizeof *threads);
    struct racer *racers = calloc(n, sizeof *racers);
    pthread_barrier_t start;
    int ok = -1, made = 0;
    if (!threads || !racers || pthread_barrier_init(&start, NULL, n)) goto out;
    for (; made < n; made++) {
        racers[made] = (struct racer){source, refreshes, &start, 0, 0};
        if (pthread_create(&threads[made], NULL, race, &racers[made])) break;
    }
    if (made < n) abort(); // the others would wait at the barrier forever
    ok = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(threads[i], NULL);
        tids[i] = racers[i].tid;
        ok += racers[i].ok;
    }
    pthread_barrier_destroy(&start);
out:
    free(threads);
    free(racers);
    return ok;
}
*/
import "C"

import "unsafe"

// AccessTokenOnThreads calls tokenkit_source_access_token on source (a *tokenkit_source) from n
// new POSIX threads at once. It returns their thread ids and how many of them got a token.
func AccessTokenOnThreads(source unsafe.Pointer, n int) (tids []int, ok int) {
	return run(source, n, 0)
}

// RefreshOnThreads calls tokenkit_source_refresh refreshes times on each of n new POSIX threads,
// started at once. It returns their thread ids and how many of them saw every refresh succeed.
func RefreshOnThreads(source unsafe.Pointer, n, refreshes int) (tids []int, ok int) {
	return run(source, n, refreshes)
}

func run(source unsafe.Pointer, n, refreshes int) (tids []int, ok int) {
	ctids := (*C.long)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(C.long(0)))))
	defer C.free(unsafe.Pointer(ctids))
	ok = int(C.run_on_threads((*C.tokenkit_source)(source), C.int(n), C.int(refreshes), ctids))
	for _, tid := range unsafe.Slice(ctids, n) {
		tids = append(tids, int(tid))
	}
	return tids, ok
}
