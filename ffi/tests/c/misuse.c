/*
 * misuse.c - the C API's answers to misuse, each the documented status.
 *
 * Usage: misuse <server-url>   (a running chinwag-server, for the calls that need one)
 *
 * Covers: NULL pointers, invalid UTF-8, malformed JSON and options, a bad server URL and an
 * unreachable server, forged and destroyed handles, destroy from a client's own callback,
 * calls cut short by destroy, no callback after destroy, and calls from many threads at once.
 * Prints one line per check; exits 1 on the first failure.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chinwag.h"
#include "wait.h"

static int checks;

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "FAIL: %s\n", what);
        exit(1);
    }
    checks++;
    printf("ok %d - %s\n", checks, what);
}

/* `status` is `want`, and the thread's last error message contains `fragment`. */
static void check_error(chinwag_status status, chinwag_status want, const char *fragment, const char *what) {
    char *message = chinwag_last_error_message();
    int ok = status == want && message && strstr(message, fragment);
    if (!ok) {
        char *got = chinwag_status_name(status);
        fprintf(stderr, "  got %s: %s\n", got, message ? message : "(no message)");
        chinwag_string_free(got);
    }
    chinwag_string_free(message);
    check(ok, what);
}

static chinwag_client *new_client(const char *url) {
    chinwag_client *c = NULL;
    chinwag_status s = chinwag_client_new(url, NULL, NULL, NULL, &c);
    if (s != CHINWAG_OK) {
        fprintf(stderr, "chinwag_client_new(%s) failed\n", url);
        exit(1);
    }
    return c;
}

/* A completion counter that must never be bumped. */
static int stray_callbacks;
static void count_stray(void *user_data, const chinwag_result *result) {
    (void)user_data;
    (void)result;
    __atomic_add_fetch(&stray_callbacks, 1, __ATOMIC_SEQ_CST);
}

/* Destroy from inside the client's own callback: refused, and the client still works. */
typedef struct {
    waiter w;
    chinwag_client *client;
    chinwag_status destroy_status;
} self_destroy;

static void destroy_self(void *user_data, const chinwag_result *result) {
    self_destroy *sd = user_data;
    sd->destroy_status = chinwag_client_destroy(sd->client);
    on_done(&sd->w, result);
}

/* Many threads registering at once through one client. */
typedef struct {
    chinwag_client *client;
    int index;
    chinwag_status status;
} worker;

static void *register_from_thread(void *arg) {
    worker *job = arg;
    waiter w;
    waiter_init(&w);
    char name[64];
    snprintf(name, sizeof name, "thread%d_%ld", job->index, (long)getpid());
    job->status = waiter_wait(&w, chinwag_auth_register(job->client, name, "pw-123456", on_done, &w), 30);
    waiter_free(&w);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <server-url>\n", argv[0]);
        return 64;
    }
    const char *server = argv[1];
    chinwag_client *c = NULL;

    /* Creating a client. */
    char *none = chinwag_last_error_message();
    check(none == NULL, "no last error before any failure");
    check_error(chinwag_client_new(NULL, NULL, NULL, NULL, &c), CHINWAG_ERR_NULL_POINTER, "server_url",
                "client_new with a NULL url: NULL_POINTER");
    check_error(chinwag_client_new(server, NULL, NULL, NULL, NULL), CHINWAG_ERR_NULL_POINTER, "out_client",
                "client_new with a NULL out-parameter: NULL_POINTER");
    check_error(chinwag_client_new("http://127.0.0.1:1\xff", NULL, NULL, NULL, &c), CHINWAG_ERR_INVALID_UTF8,
                "server_url", "client_new with an invalid UTF-8 url: INVALID_UTF8");
    check_error(chinwag_client_new("ftp://127.0.0.1", NULL, NULL, NULL, &c), CHINWAG_ERR_INVALID_INPUT, "http",
                "client_new with a non-http url: INVALID_INPUT");
    check_error(chinwag_client_new(server, "{not json", NULL, NULL, &c), CHINWAG_ERR_INVALID_INPUT, "options_json",
                "client_new with malformed options: INVALID_INPUT");
    check_error(chinwag_client_new(server, "{\"hartbeat_ms\": 5}", NULL, NULL, &c), CHINWAG_ERR_INVALID_INPUT,
                "hartbeat_ms", "client_new with an unknown option: INVALID_INPUT");
    check_error(chinwag_client_new(server, "{\"backoff_base_ms\": 5}", NULL, NULL, &c), CHINWAG_ERR_INVALID_INPUT,
                "together", "client_new with half a backoff: INVALID_INPUT");
    /* A store file that is not a store: a clear error, the file left as it was. */
    char store[] = "/tmp/chinwag-misuse-store-XXXXXX";
    int fd = mkstemp(store);
    check(fd >= 0, "a temporary file for the store");
    char junk[4096];
    memset(junk, 'Z', sizeof junk);
    check(write(fd, junk, sizeof junk) == (ssize_t)sizeof junk, "junk written to the store file");
    close(fd);
    char store_options[128];
    snprintf(store_options, sizeof store_options, "{\"store_path\": \"%s\"}", store);
    check_error(chinwag_client_new(server, store_options, NULL, NULL, &c), CHINWAG_ERR_STORE, "damaged",
                "client_new on a damaged store file: STORE");
    unlink(store);
    check(c == NULL, "failed client_new leaves the out-parameter alone");

    /* Handles. */
    waiter w;
    waiter_init(&w);
    check_error(chinwag_users_list(NULL, on_done, &w), CHINWAG_ERR_NULL_POINTER, "client",
                "a call with a NULL client: NULL_POINTER");
    check_error(chinwag_users_list((chinwag_client *)(uintptr_t)0xdead, on_done, &w), CHINWAG_ERR_INVALID_HANDLE,
                "not a live client", "a call with a forged handle: INVALID_HANDLE");
    check_error(chinwag_client_destroy(NULL), CHINWAG_ERR_NULL_POINTER, "client", "destroy NULL: NULL_POINTER");

    /* Arguments. */
    c = new_client(server);
    check_error(chinwag_auth_register(c, "bad\xc3\x28name", "pw-123456", count_stray, NULL), CHINWAG_ERR_INVALID_UTF8,
                "name", "register with an invalid UTF-8 name: INVALID_UTF8");
    check_error(chinwag_auth_login(c, "someone", NULL, count_stray, NULL), CHINWAG_ERR_NULL_POINTER, "password",
                "login with a NULL password: NULL_POINTER");
    check_error(chinwag_auth_restore(c, "{\"token\": 5}", count_stray, NULL), CHINWAG_ERR_INVALID_INPUT,
                "session_json", "restore with a malformed session: INVALID_INPUT");
    check_error(chinwag_chats_create_group(c, "g", NULL, 2, false, count_stray, NULL), CHINWAG_ERR_NULL_POINTER,
                "members", "create_group with NULL members and a length: NULL_POINTER");
    check_error(chinwag_messages_send(c, "{\"user\": 2}", "text", "hi", NULL, count_stray, NULL), CHINWAG_ERR_AUTH,
                "not logged in", "send before login: AUTH");
    check_error(chinwag_messages_send_text(c, "[]", "hi", NULL, count_stray, NULL),
                CHINWAG_ERR_INVALID_INPUT, "target_json", "send to a malformed target: INVALID_INPUT");
    check_error(chinwag_messages_discard(c, NULL, &(bool){false}), CHINWAG_ERR_NULL_POINTER, "gid",
                "discard with a NULL gid: NULL_POINTER");
    bool discarded = true;
    check(chinwag_messages_discard(c, "no-such-gid", &discarded) == CHINWAG_OK && !discarded,
          "discard of a gid that waits nowhere: OK, false");
    char *gids = NULL;
    check(chinwag_client_pending_sends(c, &gids) == CHINWAG_OK && gids && strcmp(gids, "[]") == 0,
          "pending_sends with nothing waiting: []");
    chinwag_string_free(gids);
    char *cached = NULL;
    check(chinwag_chats_cached(c, &cached) == CHINWAG_OK && cached && strcmp(cached, "[]") == 0,
          "chats_cached before any list: []");
    chinwag_string_free(cached);
    char *recent = NULL;
    check(chinwag_messages_recent(c, "{\"user\": 2}", &recent) == CHINWAG_OK && recent && strcmp(recent, "[]") == 0,
          "messages_recent of a chat never seen: []");
    chinwag_string_free(recent);
    check_error(chinwag_messages_recent(c, "{\"room\": 2}", &recent), CHINWAG_ERR_INVALID_INPUT, "target_json",
                "messages_recent with a malformed target: INVALID_INPUT");
    uint32_t unread = 7;
    check(chinwag_messages_unread(c, "{\"group\": 5}", &unread) == CHINWAG_OK && unread == 0,
          "messages_unread of a chat never seen: 0");
    check_error(chinwag_messages_unread(c, "{\"group\": 5}", NULL), CHINWAG_ERR_NULL_POINTER, "out_count",
                "messages_unread with a NULL out-parameter: NULL_POINTER");
    check(chinwag_messages_mark_read(c, "{\"group\": 5}") == CHINWAG_OK, "mark_read of a chat never seen: OK");
    check_error(chinwag_messages_retry(c, "no-such-gid", count_stray, NULL), CHINWAG_ERR_NOT_FOUND, "no-such-gid",
                "retry of a gid that failed nowhere: NOT_FOUND");
    char *unsent = NULL;
    check(chinwag_messages_unsent(c, &unsent) == CHINWAG_OK && unsent && strcmp(unsent, "[]") == 0,
          "messages_unsent with nothing unsent: []");
    chinwag_string_free(unsent);
    char *users = NULL;
    check(chinwag_users_cached(c, &users) == CHINWAG_OK && users && strcmp(users, "[]") == 0,
          "users_cached before any list: []");
    chinwag_string_free(users);
    int64_t id = 0;
    check_error(chinwag_client_user_id(c, &id), CHINWAG_ERR_AUTH, "not logged in", "user_id when logged out: AUTH");
    check_error(chinwag_client_session(c, NULL), CHINWAG_ERR_NULL_POINTER, "out_json",
                "session with a NULL out-parameter: NULL_POINTER");
    char *session = NULL;
    check(chinwag_client_session(c, &session) == CHINWAG_OK && strcmp(session, "null") == 0,
          "session when logged out is null");
    chinwag_string_free(session);
    chinwag_string_free(NULL);
    check(1, "string_free(NULL) is harmless");
    char *name = chinwag_status_name(12345);
    check(strcmp(name, "unknown status") == 0, "status_name of an unknown code");
    chinwag_string_free(name);

    /* Completions: a server error arrives in the result, never as a crash. */
    check(waiter_wait(&w, chinwag_auth_login(c, "nobody-here", "wrong-password", on_done, &w), 30) ==
              CHINWAG_ERR_AUTH && w.json[0] != '\0',
          "login with a wrong password completes with AUTH and a message");
    waiter_reset(&w);

    /* Destroy from the client's own callback is refused; the client keeps working. */
    self_destroy sd = {.client = c, .destroy_status = CHINWAG_OK};
    waiter_init(&sd.w);
    waiter_wait(&sd.w, chinwag_users_list(c, destroy_self, &sd), 30);
    check(sd.destroy_status == CHINWAG_ERR_WRONG_THREAD, "destroy inside the client's own callback: WRONG_THREAD");
    waiter_free(&sd.w);

    /* Destroy, then use. */
    check(chinwag_client_destroy(c) == CHINWAG_OK, "destroy a live client");
    check_error(chinwag_users_list(c, count_stray, NULL), CHINWAG_ERR_INVALID_HANDLE, "not a live client",
                "a call after destroy: INVALID_HANDLE");
    char *after = NULL;
    check_error(chinwag_client_pending_sends(c, &after), CHINWAG_ERR_INVALID_HANDLE, "not a live client",
                "a synchronous call after destroy: INVALID_HANDLE");
    check_error(chinwag_client_destroy(c), CHINWAG_ERR_INVALID_HANDLE, "not a live client",
                "destroy twice: INVALID_HANDLE");

    /* A bad server address: nothing listens on port 1. */
    c = new_client("http://127.0.0.1:1");
    check(waiter_wait(&w, chinwag_auth_register(c, "x", "pw-123456", on_done, &w), 30) == CHINWAG_ERR_NETWORK,
          "register against an unreachable server completes with NETWORK");
    waiter_reset(&w);
    chinwag_client_destroy(c);

    /* A server that accepts but never answers: destroy completes the pending call with CLOSED
     * before it returns, and no callback runs after. */
    int silent = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    check(bind(silent, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(silent, 4) == 0 &&
              getsockname(silent, (struct sockaddr *)&addr, &len) == 0,
          "a silent loopback listener");
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(addr.sin_port));
    c = new_client(url);
    chinwag_status started = chinwag_auth_register(c, "y", "pw-123456", on_done, &w);
    check(started == CHINWAG_OK, "a call to the silent server starts");
    usleep(100 * 1000);
    check(chinwag_client_destroy(c) == CHINWAG_OK, "destroy with a call in flight");
    check(w.done && w.status == CHINWAG_ERR_CLOSED, "the call in flight completed with CLOSED before destroy returned");
    waiter_reset(&w);
    close(silent);

    /* Many threads, one client. */
    c = new_client(server);
    enum { THREADS = 8 };
    pthread_t threads[THREADS];
    worker jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (worker){.client = c, .index = i, .status = CHINWAG_ERR_INTERNAL};
        pthread_create(&threads[i], NULL, register_from_thread, &jobs[i]);
    }
    int all_ok = 1;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        all_ok = all_ok && jobs[i].status == CHINWAG_OK;
    }
    check(all_ok, "8 threads call through one client at once");
    chinwag_client_destroy(c);

    usleep(200 * 1000);
    check(__atomic_load_n(&stray_callbacks, __ATOMIC_SEQ_CST) == 0,
          "no callback ran for a call that returned an error");
    waiter_free(&w);
    printf("all %d checks passed\n", checks);
    return 0;
}
