// End-to-end tests of the Kotlin bindings on the JVM against a running chinwag-server.
package chinwag

import java.net.InetAddress
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull

class ChinwagTest {
    @Test
    fun `register and login return the user and session`(): Unit = runBlocking {
        ChinwagClient(serverUrl).use { client ->
            val name = freshName("kreg")
            val id = client.auth().register(name, Account.PASSWORD)
            assertTrue(id > 0)
            assertNull(client.session(), "no session before login")
            val session = client.auth().login(name, Account.PASSWORD)
            assertEquals(id, session.userId)
            assertEquals(id, client.userId())
            assertEquals(session, client.session())
            client.auth().logout()
            assertFailsWith<ChinwagException>("logout forgets the session") { client.userId() }
        }
    }

    @Test
    fun `a server error is a typed exception with the server's message`(): Unit = runBlocking {
        Account("kerr").start().use { account ->
            ChinwagClient(serverUrl).use { other ->
                val wrong = assertFailsWith<ChinwagException.Auth> { other.auth().login(account.name, "wrong-password") }
                assertFalse(wrong.message.isNullOrBlank(), "the exception carries the message")
                val taken = assertFailsWith<ChinwagException> { other.auth().register(account.name, Account.PASSWORD) }
                assertFalse(taken.message.isNullOrBlank())
            }
        }
    }

    @Test
    fun `a client on a store resumes the session with no login, and holds the store alone`(): Unit = runBlocking {
        val store = kotlin.io.path.createTempDirectory("chinwag-store").resolve("client.db").toString()
        val options = ClientOptions(storePath = store)
        val name = freshName("kstore")
        var id = 0L
        ChinwagClient(serverUrl, options).use { client ->
            id = client.auth().register(name, Account.PASSWORD)
            client.auth().login(name, Account.PASSWORD)
            client.shutdown()
        }
        ChinwagClient(serverUrl, options).use { again ->
            assertEquals(id, again.userId(), "the session comes back from the store")
            assertFailsWith<ChinwagException.Store> { ChinwagClient(serverUrl, options) }
            again.shutdown()
        }
    }

    @Test
    fun `a send made offline waits in the store across a restart, arrives once, and the chat shows offline`(): Unit =
        runBlocking {
            Relay().use { relay ->
                val store = kotlin.io.path.createTempDirectory("chinwag-store").resolve("app.db").toString()
                val options = ClientOptions(storePath = store, backoffBaseMs = 50uL, backoffCapMs = 400uL)
                Account("kpeer").start().use { peer ->
                    val name = freshName("kapp")
                    val chat = Target.User(peer.id)
                    var id = 0L
                    var gid = ""
                    ChinwagClient(relay.url, options).use { app ->
                        id = app.auth().register(name, Account.PASSWORD)
                        app.auth().login(name, Account.PASSWORD)
                        app.friends().ask(peer.id)
                        peer.client.friends().ask(id)
                        app.messages().sendText(chat, "while online")
                        relay.cut()
                        val waiting = async { runCatching { app.messages().sendText(chat, "while offline") } }
                        while (app.pendingSends().isEmpty()) delay(10)
                        gid = app.pendingSends().single()
                        app.shutdown()
                        assertTrue(waiting.await().exceptionOrNull() is ChinwagException.Closed)
                    }

                    // The app starts again, still offline: no login, the chat as it was, the send pending.
                    ChinwagClient(relay.url, options).use { again ->
                        assertEquals(id, again.userId())
                        val shown = again.messages().recent(chat)
                        assertEquals(listOf("while online", "while offline"), shown.map { (it.content as Content.Text).v1 })
                        assertEquals(listOf(Delivery.Sent, Delivery.Pending), shown.map { it.delivery })
                        assertEquals(listOf(gid), again.messages().unsent().map { it.gid })

                        relay.restore()
                        val (text, _) = peer.inbox.await("the offline send") { textFrom(it, id) }
                        assertEquals("while online", text)
                        val (late, _) = peer.inbox.await("the offline send") { textFrom(it, id) }
                        assertEquals("while offline", late)
                        while (again.pendingSends().isNotEmpty()) delay(10)
                        assertEquals(Delivery.Sent, again.messages().recent(chat).last().delivery)
                        val history = peer.client.chats().history(peer.client.chats().openDirect(id), 1u, 20u)
                        assertEquals(1, history.messages.count { it.gid == gid }, "stored once")
                        again.shutdown()
                    }
                }
            }
        }

    @Test
    fun `bad input is a typed exception, not a crash`(): Unit = runBlocking {
        assertFailsWith<ChinwagException.InvalidInput> { ChinwagClient("not a url") }
        ChinwagClient(serverUrl).use { client ->
            assertFailsWith<ChinwagException> { client.messages().sendText(Target.User(1), "before login") }
        }
    }

    @Test
    fun `friends and a direct message arrive through the listener on a background thread`(): Unit = runBlocking {
        Account("kalice").start().use { alice ->
            Account("kbob").start().use { bob ->
                assertFalse(alice.client.friends().ask(bob.id), "the first request waits")
                assertEquals(listOf(alice.id), bob.client.friends().requests())
                assertTrue(bob.client.friends().ask(alice.id), "the second makes friends")
                assertEquals(listOf(bob.id), alice.client.friends().list())

                val sent = alice.client.messages().sendText(Target.User(bob.id), "hello from kotlin ✓")
                assertNotNull(sent.id, "the server stored the message")
                val (text, thread) = bob.inbox.await("bob's message") { textFrom(it, alice.id) }
                assertEquals("hello from kotlin ✓", text)
                assertNotEquals(Thread.currentThread().name, thread, "the listener runs on another thread")
            }
        }
    }

    @Test
    fun `a group invitation is accepted and the group message arrives`(): Unit = runBlocking {
        Account("kowner").start().use { alice ->
            Account("kguest").start().use { bob ->
                val group = alice.client.groups().create("kotlin-team")
                alice.client.requests().invite(group, bob.id)
                val invitation = bob.client.requests().list().single { it.groupId == group }
                bob.client.requests().accept(invitation.id)
                assertContains(bob.client.groups().info(group).usersId, bob.id)

                bob.client.messages().send(Target.Group(group), Content.Json("{\"n\":1}"))
                val (json, _) = alice.inbox.await("the group message") {
                    ((it as? Event.Message)?.v1?.takeIf { m -> m.chat == Target.Group(group) }?.content as? Content.Json)?.v1
                }
                assertEquals("{\"n\":1}", json)
            }
        }
    }

    @Test
    fun `a group chat keeps history in order and shares files`(): Unit = runBlocking {
        Account("kcarol").start().use { carol ->
            Account("kdave").start().use { dave ->
                val chat = carol.client.chats().createGroup("kotlin-room", listOf(dave.id), false)
                for (n in 1..3) carol.client.messages().send(carol.client.targetOf(chat), Content.Text("line $n"))
                dave.inbox.await("the last line") { e -> textFrom(e, carol.id)?.takeIf { it == "line 3" } }
                val page = dave.client.chats().history(chat, 1u, 10u)
                val texts = page.messages.mapNotNull { (it.content as? Content.Text)?.v1 }
                assertEquals(listOf("line 1", "line 2", "line 3"), texts, "oldest first")

                val bytes = ByteArray(3000) { (it % 251).toByte() }
                val uploaded = carol.client.files().upload(chat.gid, "data.bin", bytes)
                assertContentEquals(bytes, dave.client.files().download(uploaded.id))
            }
        }
    }

    @Test
    fun `a backend notification reaches the listener`(): Unit = runBlocking {
        Account("knote").start().use { bob ->
            val request = HttpRequest.newBuilder(URI("$serverUrl/notification?type=unicast&to=${bob.id}"))
                .header("Content-Type", "application/json").header("X-Notify-Key", notifyKey)
                .POST(HttpRequest.BodyPublishers.ofString("{\"notificationType\":\"promo\",\"content\":{\"x\":1}}"))
                .build()
            val status = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).statusCode()
            assertTrue(status in 200..299, "the backend posted the notification ($status)")
            val (kind, _) = bob.inbox.await("the notification") { (it as? Event.Notification)?.v1?.kind }
            assertEquals("promo", kind)
        }
    }

    @Test
    fun `a cancelled coroutine leaves no Rust task running`(): Unit = runBlocking {
        ServerSocket(0, 4, InetAddress.getLoopbackAddress()).use { silent ->
            ChinwagClient("http://127.0.0.1:${silent.localPort}").use { stuck ->
                val result = withTimeoutOrNull(300) { stuck.auth().register("never", Account.PASSWORD) }
                assertNull(result, "the call to a silent server was cancelled by the timeout")
                var left = stuck.callsInFlight()
                repeat(100) { if (left != 0u) { Thread.sleep(20); left = stuck.callsInFlight() } }
                assertEquals(0u, left, "the cancelled call's Rust task is gone")
            }
        }
    }
}
