/*
 * chat.c - two Chinwag users chat through the C API.
 *
 * Usage: chat <server-url>      e.g. chat http://127.0.0.1:8080
 *
 * Alice and Bob register and log in, become friends, exchange direct messages, make a group
 * chat and talk in it, share a file, and receive everything as events. Exits 0 when every
 * step did what it should; prints what went wrong and exits non-zero otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chinwag.h"
#include "wait.h"

static waiter w; /* one call at a time: the example is sequential on purpose */

/* Runs the asynchronous call `started` to completion; on failure prints `what` and exits. */
static const char *must(const char *what, chinwag_status started) {
    chinwag_status status = waiter_wait(&w, started, 30);
    if (status != CHINWAG_OK) {
        char *name = chinwag_status_name(status);
        fprintf(stderr, "%s failed: %s: %s\n", what, name, w.json);
        chinwag_string_free(name);
        exit(1);
    }
    return w.json;
}

static void expect(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "unexpected: %s\n", what);
        exit(1);
    }
}

typedef struct {
    const char *name;
    chinwag_client *client;
    inbox events;
    long long id;
} user;

static void start(user *u, const char *server, const char *suffix) {
    inbox_init(&u->events);
    char account[64];
    snprintf(account, sizeof account, "%s%s", u->name, suffix);
    chinwag_status s = chinwag_client_new(server, "{\"heartbeat_interval_ms\": 5000}", on_event,
                                          &u->events, &u->client);
    if (s != CHINWAG_OK) {
        char *message = chinwag_last_error_message();
        fprintf(stderr, "chinwag_client_new: %s\n", message);
        chinwag_string_free(message);
        exit(1);
    }
    u->id = atoll(must("register", chinwag_auth_register(u->client, account, "s3cret-pw", on_done, &w)));
    must("login", chinwag_auth_login(u->client, account, "s3cret-pw", on_done, &w));
    int64_t id = 0;
    expect(chinwag_client_user_id(u->client, &id) == CHINWAG_OK && id == u->id, "user id after login");
    printf("%s registered as user %lld and logged in\n", account, u->id);
}

/* Waits for a message event from `from` with this body; checks the sender and returns nothing. */
static void receive(user *to, const user *from, const char *body) {
    char want_body[256], want_sender[64];
    snprintf(want_body, sizeof want_body, "\"body\":\"%s\"", body);
    snprintf(want_sender, sizeof want_sender, "\"sender\":%lld", from->id);
    const char *needles[] = {"\"type\":\"message\"", want_body, want_sender, NULL};
    char *event = inbox_take(&to->events, 30, needles);
    printf("%s got from %s: %s\n", to->name, from->name, body);
    free(event);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <server-url>\n", argv[0]);
        return 64;
    }
    waiter_init(&w);
    char *version = chinwag_version();
    printf("chinwag %s, server %s\n", version, argv[1]);
    chinwag_string_free(version);

    char suffix[32];
    snprintf(suffix, sizeof suffix, "_%ld", (long)getpid());
    user alice = {.name = "alice"}, bob = {.name = "bob"};
    start(&alice, argv[1], suffix);
    start(&bob, argv[1], suffix);

    /* Friends: a direct message needs both to have asked. */
    expect(strcmp(must("alice asks bob", chinwag_friends_ask(alice.client, bob.id, on_done, &w)), "false") == 0,
           "first ask is pending");
    expect(strcmp(must("bob asks alice", chinwag_friends_ask(bob.client, alice.id, on_done, &w)), "true") == 0,
           "second ask makes friends");
    printf("alice and bob are friends\n");

    /* Direct messages, both ways. The gid is known before the server answers. */
    char *gid = NULL;
    char to_bob[64], to_alice[64];
    snprintf(to_bob, sizeof to_bob, "{\"user\": %lld}", (long long)bob.id);
    snprintf(to_alice, sizeof to_alice, "{\"user\": %lld}", (long long)alice.id);
    const char *sent = must("alice -> bob", chinwag_messages_send_text(alice.client, to_bob, "hello bob", &gid,
                                                                      on_done, &w));
    expect(gid != NULL && strstr(sent, gid) != NULL, "the receipt carries the gid given at once");
    expect(json_int(sent, "id") > 0, "the server stored the message");
    chinwag_string_free(gid);
    receive(&bob, &alice, "hello bob");
    must("bob -> alice", chinwag_messages_send(bob.client, to_alice, "text", "hi alice, \xe4\xbd\xa0\xe5\xa5\xbd",
                                               NULL, on_done, &w));
    receive(&alice, &bob, "hi alice, \xe4\xbd\xa0\xe5\xa5\xbd");

    /* A group chat with both; messages to it by chat object and by group id. */
    int64_t members[] = {bob.id};
    char *chat = strdup(must("create group", chinwag_chats_create_group(alice.client, "c-team", members, 1,
                                                                      false, on_done, &w)));
    long long group = json_int(chat, "id");
    printf("alice made group chat %lld\n", group);
    char *to_chat = NULL;
    expect(chinwag_client_target_of(alice.client, chat, &to_chat) == CHINWAG_OK && strstr(to_chat, "group"),
           "a group chat's target is the group");
    must("alice -> group", chinwag_messages_send_text(alice.client, to_chat, "hello group", NULL, on_done, &w));
    chinwag_string_free(to_chat);
    receive(&bob, &alice, "hello group");
    char to_group[64];
    snprintf(to_group, sizeof to_group, "{\"group\": %lld}", group);
    must("bob -> group", chinwag_messages_send(bob.client, to_group, "json", "{\"emoji\":\"wave\"}", NULL,
                                               on_done, &w));
    /* JSON content arrives as JSON text inside the body string (so its quotes are escaped). */
    receive(&alice, &bob, "{\\\"emoji\\\":\\\"wave\\\"}");

    /* History: both group messages, oldest first. */
    const char *history = must("history", chinwag_chats_history(alice.client, chat, 1, 20, on_done, &w));
    const char *first = strstr(history, "hello group"), *second = strstr(history, "emoji");
    expect(first && second && first < second, "history has both group messages in order");

    /* A file shared in the group: upload by alice, download by bob, same bytes. */
    char gid_of_chat[128];
    const char *g = strstr(chat, "\"gid\":\"");
    expect(g != NULL, "chat has a gid");
    g += 7;
    size_t n = strcspn(g, "\"");
    snprintf(gid_of_chat, sizeof gid_of_chat, "%.*s", (int)n, g);
    const unsigned char file[] = {0x00, 0x01, 0xfe, 0xff, 'c', 'h', 'i', 'n'};
    long long file_id = json_int(must("upload", chinwag_files_upload(alice.client, gid_of_chat, "bytes.bin",
                                                                      file, sizeof file, on_done, &w)),
                                 "id");
    must("download", chinwag_files_download(bob.client, file_id, on_done, &w));
    expect(w.data_len == sizeof file && memcmp(w.data, file, sizeof file) == 0, "downloaded bytes match");
    printf("bob downloaded alice's file %lld (%zu bytes)\n", file_id, w.data_len);
    free(chat);

    /* Logging out and destroying: after destroy returns, no callback runs. */
    must("alice logs out", chinwag_auth_logout(alice.client, on_done, &w));
    expect(chinwag_client_destroy(alice.client) == CHINWAG_OK, "destroy alice");
    expect(chinwag_client_destroy(bob.client) == CHINWAG_OK, "destroy bob");
    size_t seen = alice.events.seen + bob.events.seen;
    usleep(200 * 1000);
    expect(alice.events.seen + bob.events.seen == seen, "no event callback after destroy");
    expect(chinwag_client_destroy(bob.client) == CHINWAG_ERR_INVALID_HANDLE, "a destroyed handle is refused");

    inbox_free(&alice.events);
    inbox_free(&bob.events);
    waiter_free(&w);
    printf("done\n");
    return 0;
}
