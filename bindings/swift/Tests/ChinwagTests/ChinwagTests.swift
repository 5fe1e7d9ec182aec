// End-to-end tests of the Swift bindings against a running chinwag-server: the same scenario
// as the Kotlin tests (bindings/kotlin/src/test). `scripts/swift.sh test` starts a server on
// loopback and passes its address in CHINWAG_SERVER and its backend key in CHINWAG_NOTIFY_KEY.
import Chinwag
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// The server under test.
private func serverURL() throws -> String {
    guard let url = ProcessInfo.processInfo.environment["CHINWAG_SERVER"], !url.isEmpty else {
        throw XCTSkip("set CHINWAG_SERVER=http://127.0.0.1:PORT (scripts/swift.sh test does)")
    }
    return url
}

private let password = "pw-123456"
private let counter = Counter()

/// A user name no other test or run has used.
private func freshName(_ prefix: String) -> String {
    "\(prefix)\(ProcessInfo.processInfo.processIdentifier)x\(counter.next())"
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

/// Collects listener events with whether each arrived on the main thread.
private final class Inbox: EventListener, @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [(Event, Bool)] = []

    func onEvent(event: Event) {
        condition.lock()
        events.append((event, Thread.isMainThread))
        condition.broadcast()
        condition.unlock()
    }

    /// The first event `pick` maps to non-nil within 20 s, with whether it came on the main
    /// thread; events before it are dropped.
    func next<T>(_ what: String, _ pick: (Event) -> T?) throws -> (T, Bool) {
        let deadline = Date().addingTimeInterval(20)
        condition.lock()
        defer { condition.unlock() }
        while true {
            while !events.isEmpty {
                let (event, onMain) = events.removeFirst()
                if let value = pick(event) { return (value, onMain) }
            }
            if !condition.wait(until: deadline) {
                XCTFail("timed out waiting for \(what)")
                throw CancellationError()
            }
        }
    }
}

/// A client registered and logged in as a fresh user, with its inbox listening.
private struct Account {
    let name: String
    let client: ChinwagClient
    let inbox = Inbox()
    let id: Int64

    static func start(_ prefix: String) async throws -> Account {
        let name = freshName(prefix)
        let client = try ChinwagClient(serverUrl: try serverURL(), options: nil)
        let id = try await client.auth().register(name: name, password: password)
        let account = Account(name: name, client: client, id: id)
        client.setListener(listener: account.inbox)
        _ = try await client.auth().login(name: name, password: password)
        return account
    }
}

/// The text of a message event from `sender`, or nil.
private func text(_ event: Event, from sender: Int64) -> String? {
    guard case let .message(message) = event, message.sender == sender,
          case let .text(text) = message.content else { return nil }
    return text
}

final class ChinwagTests: XCTestCase {
    func testRegisterAndLoginReturnTheUserAndSession() async throws {
        let client = try ChinwagClient(serverUrl: try serverURL(), options: nil)
        let name = freshName("sreg")
        let id = try await client.auth().register(name: name, password: password)
        XCTAssertGreaterThan(id, 0)
        XCTAssertNil(client.session(), "no session before login")
        let session = try await client.auth().login(name: name, password: password)
        XCTAssertEqual(session.userId, id)
        XCTAssertEqual(try client.userId(), id)
        XCTAssertEqual(client.session(), session)
        try await client.auth().logout()
        XCTAssertThrowsError(try client.userId(), "logout forgets the session")
    }

    func testAServerErrorIsATypedErrorWithTheServersMessage() async throws {
        let account = try await Account.start("serr")
        let other = try ChinwagClient(serverUrl: try serverURL(), options: nil)
        do {
            _ = try await other.login(name: account.name, password: "wrong-password")
            XCTFail("a wrong password logged in")
        } catch ChinwagError.Auth(let message) {
            XCTAssertFalse(message.isEmpty, "the error carries the message")
        }
    }

    func testBadInputIsATypedErrorNotACrash() async throws {
        XCTAssertThrowsError(try ChinwagClient(serverUrl: "not a url", options: nil)) { error in
            guard let error = error as? ChinwagError, case .InvalidInput(_) = error else {
                return XCTFail("expected InvalidInput, got \(error)")
            }
        }
        let client = try ChinwagClient(serverUrl: try serverURL(), options: nil)
        do {
            _ = try await client.messages().sendText(target: .user(1), text: "before login")
            XCTFail("sent before login")
        } catch is ChinwagError {}
    }

    func testFriendsAndADirectMessageArriveThroughTheListenerOffTheMainThread() async throws {
        let alice = try await Account.start("salice")
        let bob = try await Account.start("sbob")
        let first = try await alice.client.friends().list().ask(user: bob.id)
        XCTAssertFalse(first, "the first request waits")
        let requests = try await bob.client.friends().requests()
        XCTAssertEqual(requests, [alice.id])
        let second = try await bob.client.friends().ask(user: alice.id)
        XCTAssertTrue(second, "the second makes friends")
        let friends = try await alice.client.friends().list()
        XCTAssertEqual(friends, [bob.id])

        let sent = try await alice.client.messages().sendText(target: .user(bob.id), text: "hello from swift ✓")
        XCTAssertNotNil(sent.id, "the server stored the message")
        let (received, onMain) = try bob.inbox.next("bob's message") { text($0, from: alice.id) }
        XCTAssertEqual(received, "hello from swift ✓")
        XCTAssertFalse(onMain, "the listener runs on a background thread")
    }

    func testAGroupInvitationIsAcceptedAndTheGroupMessageArrives() async throws {
        let alice = try await Account.start("sowner")
        let bob = try await Account.start("sguest")
        let group = try await alice.client.groups().create(name: "swift-team")
        try await alice.client.requests().invite(group: group, user: bob.id)
        let invitations = try await bob.client.requests().list()
        let invitation = try XCTUnwrap(invitations.first { $0.groupId == group })
        try await bob.client.requests().accept(request: invitation.id)
        let members = try await bob.client.groups().info(group: group).usersId
        XCTAssertTrue(members.contains(bob.id))

        _ = try await bob.client.messages().send(target: .group(group), content: .json("{\"n\":1}"))
        let (json, _) = try alice.inbox.next("the group message") { event -> String? in
            guard case let .message(message) = event, message.chat == .group(group),
                  case let .json(json) = message.content else { return nil }
            return json
        }
        XCTAssertEqual(json, "{\"n\":1}")
    }

    func testAGroupChatKeepsHistoryInOrderAndSharesFiles() async throws {
        let carol = try await Account.start("scarol")
        let dave = try await Account.start("sdave")
        let chat = try await carol.client.chats().createGroup(name: "swift-room", members: [dave.id], public: false)
        for n in 1...3 {
            _ = try await carol.client.messages().send(target: try carol.client.targetOf(chat: chat), content: .text("line \(n)"))
        }
        _ = try dave.inbox.next("the last line") { event -> String? in
            text(event, from: carol.id).flatMap { $0 == "line 3" ? $0 : nil }
        }
        let page = try await dave.client.chats().history(chat: chat, page: 1, perPage: 10)
        let texts = page.messages.compactMap { message -> String? in
            if case let .text(text) = message.content { return text }
            return nil
        }
        XCTAssertEqual(texts, ["line 1", "line 2", "line 3"], "oldest first")

        let bytes = Data((0..<3000).map { UInt8($0 % 251) })
        let uploaded = try await carol.client.files().upload(gid: chat.gid, name: "data.bin", data: bytes)
        let downloaded = try await dave.client.files().download(file: uploaded.id)
        XCTAssertEqual(downloaded, bytes)
    }

    func testABackendNotificationReachesTheListener() async throws {
        let bob = try await Account.start("snote")
        var request = URLRequest(url: URL(string: "\(try serverURL())/notification?type=unicast&to=\(bob.id)")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(ProcessInfo.processInfo.environment["CHINWAG_NOTIFY_KEY"] ?? "", forHTTPHeaderField: "X-Notify-Key")
        request.httpBody = Data("{\"notificationType\":\"promo\",\"content\":{\"x\":1}}".utf8)
        let status = try await post(request)
        XCTAssertTrue((200..<300).contains(status), "the backend posted the notification (\(status))")
        let (kind, _) = try bob.inbox.next("the notification") { event -> String? in
            if case let .notification(notification) = event { return notification.kind }
            return nil
        }
        XCTAssertEqual(kind, "promo")
    }

    func testACancelledTaskLeavesNoRustTaskRunning() async throws {
        // A listening socket that never answers (a closed port would fail at once).
        let silent = try SilentPort()
        defer { silent.close() }
        let stuck = try ChinwagClient(serverUrl: "http://127.0.0.1:\(silent.port)", options: nil)
        let call = Task { try await stuck.register(name: "never", password: password) }
        try await Task.sleep(nanoseconds: 300_000_000)
        call.cancel()
        _ = await call.result
        var left = stuck.callsInFlight()
        for _ in 0..<100 where left != 0 {
            try await Task.sleep(nanoseconds: 20_000_000)
            left = stuck.callsInFlight()
        }
        XCTAssertEqual(left, 0, "the cancelled call's Rust task is gone")
    }
}

/// Sends `request`; returns the HTTP status.
private func post(_ request: URLRequest) async throws -> Int {
    try await withCheckedThrowingContinuation { continuation in
        URLSession.shared.dataTask(with: request) { _, response, error in
            if let error {
                continuation.resume(throwing: error)
            } else {
                continuation.resume(returning: (response as? HTTPURLResponse)?.statusCode ?? 0)
            }
        }.resume()
    }
}

/// A loopback TCP port that accepts connections into its backlog and never answers.
private final class SilentPort {
    let port: UInt16
    private let fd: Int32

    init() throws {
        #if canImport(Darwin)
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #else
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                bind(fd, raw, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard fd >= 0, bound else { throw CancellationError() }
        port = UInt16(bigEndian: address.sin_port)
    }

    func close() {
        #if canImport(Darwin)
        Darwin.close(fd)
        #else
        Glibc.close(fd)
        #endif
    }
}
