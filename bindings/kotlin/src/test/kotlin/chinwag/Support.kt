// Helpers shared by the JUnit tests: the server under test, fresh accounts, and an event inbox.
package chinwag

import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.fail

/** The server under test, from `-Dchinwag.server` (scripts/kotlin.sh starts one on loopback). */
val serverUrl: String = System.getProperty("chinwag.server")
    ?.takeIf { it.isNotBlank() } ?: error("set -Dchinwag.server=http://127.0.0.1:PORT")

/** The server's backend notification key, from `-Dchinwag.notifyKey`. */
val notifyKey: String = System.getProperty("chinwag.notifyKey") ?: ""

private val accounts = AtomicInteger()

/** A user name no other test or run has used. */
fun freshName(prefix: String) = "$prefix${ProcessHandle.current().pid()}x${accounts.incrementAndGet()}"

/** Collects listener events with the name of the thread each arrived on. */
class Inbox : EventListener {
    private val events = LinkedBlockingQueue<Pair<Event, String>>()

    override fun onEvent(event: Event) {
        events.put(event to Thread.currentThread().name)
    }

    /** The first event [pick] maps to non-null within 20 s, with its thread; others are skipped. */
    fun <T> await(what: String, pick: (Event) -> T?): Pair<T, String> {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20)
        while (true) {
            val left = deadline - System.nanoTime()
            val (event, thread) = events.poll(maxOf(left, 0), TimeUnit.NANOSECONDS)
                ?: fail("timed out waiting for $what")
            pick(event)?.let { return it to thread }
        }
    }
}

/** A client registered and logged in as a fresh user, with its inbox listening. */
class Account(prefix: String, options: ClientOptions? = null) : AutoCloseable {
    val name = freshName(prefix)
    val client = ChinwagClient(serverUrl, options)
    val inbox = Inbox().also { client.setListener(it) }
    var id = 0L
        private set

    /** Registers and logs in; returns this. */
    suspend fun start(): Account {
        id = client.auth().register(name, PASSWORD)
        client.auth().login(name, PASSWORD)
        return this
    }

    override fun close() = client.close()

    companion object {
        const val PASSWORD = "pw-123456"
    }
}

/** The text of a message event from [sender], or null. */
fun textFrom(event: Event, sender: Long): String? =
    (event as? Event.Message)?.v1?.takeIf { it.sender == sender }?.content?.let { (it as? Content.Text)?.v1 }

/**
 * A byte pipe on a loopback port to the server under test, which a test can cut (the listener
 * and every open connection close: the client behind it is offline) and restore on the same
 * port.
 */
class Relay : AutoCloseable {
    private val target = java.net.URI(serverUrl)
    private var listener = java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())
    private val port = listener.localPort
    private val open = java.util.concurrent.ConcurrentLinkedQueue<java.net.Socket>()

    /** The URL a client uses to reach the server through the relay. */
    val url = "http://127.0.0.1:$port"

    init {
        accept(listener)
    }

    private fun accept(server: java.net.ServerSocket) = thread {
        while (true) {
            val client = runCatching { server.accept() }.getOrNull() ?: break
            val upstream = java.net.Socket(target.host, target.port)
            open.add(client)
            open.add(upstream)
            pipe(client, upstream)
            pipe(upstream, client)
        }
    }

    private fun pipe(from: java.net.Socket, to: java.net.Socket) = thread {
        runCatching { from.getInputStream().transferTo(to.getOutputStream()) }
        runCatching { from.close() }
        runCatching { to.close() }
    }

    private fun thread(body: () -> Unit) = Thread(body).apply { isDaemon = true; start() }

    /** Closes the listener and every connection through it. */
    fun cut() {
        listener.close()
        while (true) runCatching { open.poll()?.close() ?: return }
    }

    /** Listens again on the same port. */
    fun restore() {
        val server = java.net.ServerSocket()
        server.reuseAddress = true
        server.bind(java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port))
        listener = server
        accept(server)
    }

    override fun close() = cut()
}
