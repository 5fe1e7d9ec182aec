// A console chat on the JVM over the Chinwag Kotlin bindings.
//
//   java … chinwag.example.ChatKt <server-url> <name> <password>
//
// Logs in as <name> (registering the account first if it does not exist yet), prints what
// arrives, and reads commands from stdin:
//
//   /to <name>        talk to <name> from now on (a direct chat)
//   /friend <name>    send a friend request (two requests make friends)
//   /friends          list your friends
//   /quit             log out and leave (so does the end of input)
//   anything else     is sent to the person you talk to
package chinwag.example

import chinwag.ChinwagClient
import chinwag.ChinwagException
import chinwag.ConnectionState
import chinwag.Content
import chinwag.Event
import chinwag.EventListener
import chinwag.Target
import java.util.concurrent.ConcurrentHashMap
import kotlin.system.exitProcess
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext

fun main(args: Array<String>) {
    if (args.size != 3) {
        System.err.println("usage: chat <server-url> <name> <password>")
        exitProcess(64)
    }
    val (url, name, password) = args
    try {
        runBlocking { ConsoleChat(ChinwagClient(url), name).run(password) }
    } catch (e: ChinwagException) {
        System.err.println("error: ${e.message}")
        exitProcess(1)
    }
}

/** One logged-in user at the console: events printed as they come, commands read from stdin. */
class ConsoleChat(private val client: ChinwagClient, private val name: String) {
    /** Events from the listener's background thread, handed to a coroutine that prints them. */
    private val events = Channel<Event>(Channel.UNLIMITED)
    private val names = ConcurrentHashMap<Long, String>()
    private var peer: Pair<String, Long>? = null

    suspend fun run(password: String) = client.use {
        client.setListener(object : EventListener {
            override fun onEvent(event: Event) {
                events.trySend(event)
            }
        })
        val session = try {
            client.auth().login(name, password)
        } catch (e: ChinwagException.Auth) {
            client.auth().register(name, password) // a new name: create the account, then log in
            client.auth().login(name, password)
        }
        println("logged in as $name (user ${session.userId})")
        val printer = CoroutineScope(Dispatchers.Default).launch { for (event in events) show(event) }
        while (true) {
            val line = withContext(Dispatchers.IO) { readlnOrNull() } ?: break
            if (line.trim() == "/quit") break
            try {
                command(line.trim())
            } catch (e: ChinwagException) {
                println("! ${e.message}")
            }
        }
        client.auth().logout()
        events.close()
        printer.join()
        println("bye")
    }

    private suspend fun command(line: String) {
        val (word, rest) = line.split(' ', limit = 2).let { it[0] to it.getOrElse(1) { "" }.trim() }
        when {
            line.isEmpty() -> {}
            word == "/to" -> {
                val user = client.users().info(rest)
                peer = user.name to user.id
                println("talking to ${user.name}")
            }
            word == "/friend" -> {
                val user = client.users().info(rest)
                val friends = client.friends().ask(user.id)
                println(if (friends) "you and ${user.name} are friends" else "asked ${user.name} to be friends")
            }
            word == "/friends" -> println("friends: " + client.friends().list().map { nameOf(it) }.joinToString())
            line.startsWith("/") -> println("! unknown command $word")
            else -> {
                val (to, id) = peer ?: return println("! first choose someone: /to <name>")
                val sent = client.messages().sendText(Target.User(id), line)
                println(sent.id?.let { "-> $to (message $it)" } ?: "! not delivered: $to is not your friend or blocked you")
            }
        }
    }

    private suspend fun show(event: Event) {
        when (event) {
            is Event.Message -> {
                val message = event.v1
                val text = when (val content = message.content) {
                    is Content.Text -> content.v1
                    is Content.Json -> "json ${content.v1}"
                    is Content.Other -> "${content.contentType} ${content.body}"
                }
                println("[${nameOf(message.sender)}] $text")
            }
            is Event.Notification -> println("* notification ${event.v1.kind}: ${event.v1.content}")
            is Event.Presence -> println("* ${nameOf(event.user)} is ${event.status}")
            is Event.Kicked -> println("* signed out by the server: ${event.reason}")
            is Event.Connection -> when (event.v1) {
                is ConnectionState.Reconnecting -> println("* connection lost, reconnecting")
                ConnectionState.Connected -> println("* connected")
                else -> {}
            }
            else -> {}
        }
    }

    /** The account name of [id], asked of the server once and then remembered. */
    private suspend fun nameOf(id: Long): String =
        names[id] ?: runCatching { client.users().get(id).account }.getOrDefault("user $id").also { names[id] = it }
}
