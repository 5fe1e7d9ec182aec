/*
 * wait.h - turning chinwag's asynchronous calls into blocking ones, and collecting events,
 * for the examples and tests (plain pthreads; an app with an event loop would post the
 * callbacks to it instead).
 */
#ifndef CHINWAG_EXAMPLE_WAIT_H
#define CHINWAG_EXAMPLE_WAIT_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chinwag.h"

/* One call's outcome, copied out of the callback. A call may complete before the caller starts
 * waiting (even before the function that started it has returned), so the waiter is never
 * cleared between calls: each completion replaces the previous outcome and sets `done`, and
 * waiter_wait takes it (clears `done`). */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int done;        /* a completion arrived that waiter_wait has not taken yet */
    chinwag_status status;
    char *json;      /* malloc'd copy of result->json (or of result->error) */
    unsigned char *data;
    size_t data_len;
} waiter;

static inline void waiter_init(waiter *w) {
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->changed, NULL);
}

/* Frees the outcome's copies (not the lock). */
static inline void waiter_clear(waiter *w) {
    free(w->json);
    free(w->data);
    w->json = NULL;
    w->data = NULL;
    w->data_len = 0;
}

/* Forgets the last outcome, taken or not. */
static inline void waiter_reset(waiter *w) {
    waiter_clear(w);
    w->done = 0;
}

static inline void waiter_free(waiter *w) {
    waiter_reset(w);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->changed);
}

/* The completion callback: runs on the client's callback thread. */
static inline void on_done(void *user_data, const chinwag_result *result) {
    waiter *w = user_data;
    pthread_mutex_lock(&w->lock);
    waiter_clear(w);
    w->status = result->status;
    const char *text = result->status == CHINWAG_OK ? result->json : result->error;
    w->json = strdup(text ? text : "");
    if (result->data_len > 0) {
        w->data = malloc(result->data_len);
        memcpy(w->data, result->data, result->data_len);
        w->data_len = result->data_len;
    }
    w->done = 1;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
}

static inline struct timespec deadline_after(int seconds) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += seconds;
    return t;
}

/* Waits (at most `seconds`) for the call `started` (the status the call returned) to complete,
 * and takes the completion; returns its status. The result text stays in w->json until the next
 * completion or waiter_reset. */
static inline chinwag_status waiter_wait(waiter *w, chinwag_status started, int seconds) {
    if (started != CHINWAG_OK) {
        char *message = chinwag_last_error_message();
        waiter_clear(w);
        w->json = strdup(message ? message : "");
        chinwag_string_free(message);
        return started;
    }
    struct timespec deadline = deadline_after(seconds);
    pthread_mutex_lock(&w->lock);
    while (!w->done) {
        if (pthread_cond_timedwait(&w->changed, &w->lock, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&w->lock);
            fprintf(stderr, "timed out waiting for a completion\n");
            exit(2);
        }
    }
    chinwag_status status = w->status;
    w->done = 0;
    pthread_mutex_unlock(&w->lock);
    return status;
}

/* Events of one client, kept as JSON lines until taken. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    char **events;
    size_t len, cap;
    size_t seen; /* how many callbacks ran */
} inbox;

static inline void inbox_init(inbox *in) {
    memset(in, 0, sizeof *in);
    pthread_mutex_init(&in->lock, NULL);
    pthread_cond_init(&in->changed, NULL);
}

static inline void inbox_free(inbox *in) {
    for (size_t i = 0; i < in->len; i++) free(in->events[i]);
    free(in->events);
    pthread_mutex_destroy(&in->lock);
    pthread_cond_destroy(&in->changed);
}

/* The event callback: runs on the client's callback thread. */
static inline void on_event(void *user_data, const char *event_json) {
    inbox *in = user_data;
    pthread_mutex_lock(&in->lock);
    if (in->len == in->cap) {
        in->cap = in->cap ? 2 * in->cap : 16;
        in->events = realloc(in->events, in->cap * sizeof *in->events);
    }
    in->events[in->len++] = strdup(event_json);
    in->seen++;
    pthread_cond_broadcast(&in->changed);
    pthread_mutex_unlock(&in->lock);
}

/* Waits for an event containing every one of the NULL-terminated `needles`, removes it, and
 * returns it (free() it). Exits the program after `seconds`. */
static inline char *inbox_take(inbox *in, int seconds, const char *const *needles) {
    struct timespec deadline = deadline_after(seconds);
    pthread_mutex_lock(&in->lock);
    for (;;) {
        for (size_t i = 0; i < in->len; i++) {
            int all = 1;
            for (const char *const *n = needles; *n; n++) all = all && strstr(in->events[i], *n);
            if (all) {
                char *found = in->events[i];
                memmove(&in->events[i], &in->events[i + 1], (in->len - i - 1) * sizeof *in->events);
                in->len--;
                pthread_mutex_unlock(&in->lock);
                return found;
            }
        }
        if (pthread_cond_timedwait(&in->changed, &in->lock, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&in->lock);
            fprintf(stderr, "timed out waiting for an event with \"%s\"\n", needles[0]);
            exit(2);
        }
    }
}

/* The integer after `"key":` in a JSON text (enough for the flat objects the examples read). */
static inline long long json_int(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(json, pattern);
    if (!at) {
        fprintf(stderr, "no \"%s\" in %s\n", key, json);
        exit(2);
    }
    at += strlen(pattern);
    if (*at == '"') at++;
    return atoll(at);
}

#endif
