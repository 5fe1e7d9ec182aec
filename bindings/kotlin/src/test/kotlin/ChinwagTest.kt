// End-to-end test of the Kotlin bindings on the JVM against a running chinwag-server.
//
// Usage: java … ChinwagTestKt <server-url> <notify-key>
// Prints one line per check; exits 1 on the first failure.

import chinwag.*
import chinwag.Target // not kotlin.annotation.Target
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull

var checks = 0

fun check(ok: Boolean, what: String) {
    if (!ok) {
        System.err.println("FAIL: $what")
        exitProcess(1)
    }
    checks++
    println("ok $checks - $what")
}

/** Collects events from the listener, with the thread each arrived on. */
class Inbox : EventListener {
    val events = LinkedBlockingQueue<Pair<Event, String>>()
    override fun onEvent(event: Event) {
        events.put(event to Thread.currentThread().name)
    }

    /** The first event matching [pick] within 20 s (others are skipped). */
    fun <T> await(what: String, pick: (Event) -> T?): Pair<T, String> {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20)
        while (true) {
            val left = deadline - System.nanoTime()
            val (event, thread) = events.poll(maxOf(left, 0), TimeUnit.NANOSECONDS)
                ?: run { check(false, "timed out waiting for $what"); error("unreachable") }
            pick(event)?.let { return it to thread }
        }
    }
}

fun textFrom(event: Event, sender: Long): String? =
    (event as? Event.Message)?.v1?.takeIf { it.sender == sender }?.content?.let { (it as? Content.Text)?.v1 }

fun main(args: Array<String>) = runBlocking {
    val (url, notifyKey) = args
    val suffix = ProcessHandle.current().pid()
    val alice = ChinwagClient(url, ClientOptions(heartbeatIntervalMs = 5000u))
    val bob = ChinwagClient(url)
    val aliceIn = Inbox().also { alice.setListener(it) }
    val bobIn = Inbox().also { bob.setListener(it) }

    val aliceId = alice.register("kalice$suffix", "pw-123456")
    val bobId = bob.register("kbob$suffix", "pw-123456")
    check(aliceId > 0 && bobId > aliceId, "register returns increasing ids")
    val session = alice.login("kalice$suffix", "pw-123456")
    bob.login("kbob$suffix", "pw-123456")
    check(session.userId == aliceId && alice.userId() == aliceId, "login returns the session")

    // A server error is a typed exception with the server's message.
    val wrong = try { ChinwagClient(url).login("kalice$suffix", "nope"); null } catch (e: ChinwagException.Auth) { e }
    check(wrong != null && !wrong.message.isNullOrBlank(), "a wrong password throws ChinwagException.Auth with a message")

    check(!alice.askFriend(bobId), "the first friend request waits")
    check(bob.askFriend(aliceId), "the second makes friends")
    check(alice.friends() == listOf(bobId), "friends lists bob")

    // Direct message; the event comes from a background thread.
    val sent = alice.sendText(Target.User(bobId), "hello from kotlin")
    check(sent.id != null, "the direct message is stored")
    val (text, thread) = bobIn.await("bob's message") { textFrom(it, aliceId) }
    check(text == "hello from kotlin", "bob receives it through the listener")
    check(thread != Thread.currentThread().name, "the listener runs on a background thread ($thread)")

    // A 003 group, an invitation, acceptance, a group message.
    val group = alice.createGroup("kotlin-team")
    alice.invite(group, bobId)
    val invitation = bob.invitations().single { it.groupId == group }
    bob.acceptInvitation(invitation.id)
    check(bob.group(group).usersId.contains(bobId), "bob joined the group by invitation")
    bob.send(Target.Group(group), Content.Json("{\"n\":1}"))
    val (json, _) = aliceIn.await("the group message") {
        ((it as? Event.Message)?.v1?.takeIf { m -> m.chat == Target.Group(group) }?.content as? Content.Json)?.v1
    }
    check(json == "{\"n\":1}", "alice receives bob's JSON group message")

    // A backend notification.
    val http = HttpClient.newHttpClient()
    val request = HttpRequest.newBuilder(URI("$url/notification?type=unicast&to=$bobId"))
        .header("Content-Type", "application/json").header("X-Notify-Key", notifyKey)
        .POST(HttpRequest.BodyPublishers.ofString("{\"notificationType\":\"promo\",\"content\":{\"x\":1}}"))
        .build()
    val status = http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()
    check(status in 200..299, "the backend posts a notification ($status)")
    val (kind, _) = bobIn.await("the notification") { (it as? Event.Notification)?.v1?.kind }
    check(kind == "promo", "bob receives the notification")

    // A cancelled call leaves nothing running in Rust.
    val silent = java.net.ServerSocket(0, 4, java.net.InetAddress.getLoopbackAddress())
    val stuck = ChinwagClient("http://127.0.0.1:${silent.localPort}")
    val result = withTimeoutOrNull(300) { stuck.register("never", "pw-123456") }
    check(result == null, "a call to a silent server is cancelled by the coroutine timeout")
    var left = stuck.callsInFlight()
    repeat(50) { if (left != 0u) { Thread.sleep(20); left = stuck.callsInFlight() } }
    check(left == 0u, "the cancelled call's Rust task is gone")
    stuck.close()
    silent.close()

    alice.logout()
    bob.shutdown()
    alice.close()
    bob.close()
    println("all $checks checks passed")
}
