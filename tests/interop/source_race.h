/* Shared by the interop suites (test_interop.c, hydra/test_hydra.c): a token source's on_change
 * recorder and a thread body that asks a source for a token, for the "many threads, one refresh"
 * checks against real servers. Include after <pthread.h>, <stdint.h>, <stdio.h> and tokenkit.h. */
#ifndef TOKENKIT_INTEROP_SOURCE_RACE_H
#define TOKENKIT_INTEROP_SOURCE_RACE_H

/* What on_change saw: how many calls, and the last refresh token it was given. */
struct changes { pthread_mutex_t lock; int calls; char rt[512]; };

static void on_change(void *user_data, const tokenkit_token *token) {
    struct changes *ch = user_data;
    const char *rt = tokenkit_token_refresh_token(token);
    pthread_mutex_lock(&ch->lock);
    ch->calls++;
    snprintf(ch->rt, sizeof ch->rt, "%s", rt ? rt : "");
    pthread_mutex_unlock(&ch->lock);
}

/* A thread's body: one tokenkit_source_token() call on the source `arg`; returns its status. */
static void *race(void *arg) {
    tokenkit_token *token = NULL;
    tokenkit_status s = tokenkit_source_token((tokenkit_source *)arg, &token, NULL);
    tokenkit_token_free(token);
    return (void *)(intptr_t)s;
}

#endif
